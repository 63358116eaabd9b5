"""The layers' difference for one report (`evillage.layers.apply_report`), as a function: its plans are cached
per connection, where the same statement sent from Python would be planned again for every report (planning
took twice as long as running it)."""

from django.db import migrations

APPLY_REPORT = r"""
CREATE OR REPLACE FUNCTION evillage_apply_report(p_village bigint, p_period varchar, p_population bigint, p_indicators bigint[], p_values int[], p_deadline timestamptz, p_on_time boolean, p_months int, p_stale boolean, p_in_states boolean, p_stamp timestamptz, p_lock bigint)
RETURNS TABLE (r_held boolean, r_counted boolean, r_complete boolean, r_area_rows bigint, r_state_rows bigint)
LANGUAGE plpgsql AS $function$
#variable_conflict use_column
BEGIN
RETURN QUERY
WITH lock AS MATERIALIZED (SELECT pg_try_advisory_xact_lock_shared(p_lock) AS held),
counted AS MATERIALIZED (
    SELECT m.* FROM evillage_countedvillage m
    JOIN (
SELECT v.id AS village_id,
       EXISTS (SELECT 1 FROM evillage_chief ch WHERE ch.village_id = v.id AND ch.status = 'active') AS expected,
       COALESCE(p_population::bigint, v.population, 0)::bigint AS population,
       CASE WHEN p.id IS NOT NULL THEN c.id END AS canton_id,
       CASE WHEN p.id IS NOT NULL AND EXISTS (SELECT 1 FROM geo_area a JOIN geo_boundaryset b ON b.id = a.boundary_set_id AND b.is_active WHERE a.level = 'commune') THEN (
           SELECT ap.area_id FROM geo_areapiece ap
           JOIN geo_area a ON a.id = ap.area_id JOIN geo_boundaryset b ON b.id = a.boundary_set_id AND b.is_active
           WHERE a.level = 'commune' AND a.parent_id = p.id AND ST_Intersects(ap.geom, v.location)
           ORDER BY ap.area_id LIMIT 1)
       END AS commune_id,
       p.id AS prefecture_id,
       CASE WHEN p.id IS NOT NULL THEN r.id END AS region_id
FROM geo_village v
LEFT JOIN (SELECT a.id, a.parent_id FROM geo_area a JOIN geo_boundaryset b ON b.id = a.boundary_set_id AND b.is_active WHERE a.level = 'prefecture') p ON p.id = v.prefecture_id
LEFT JOIN (SELECT a.id FROM geo_area a JOIN geo_boundaryset b ON b.id = a.boundary_set_id AND b.is_active WHERE a.level = 'canton') c ON c.id = v.canton_id
LEFT JOIN (SELECT a.id FROM geo_area a JOIN geo_boundaryset b ON b.id = a.boundary_set_id AND b.is_active WHERE a.level = 'region') r ON r.id = p.parent_id
WHERE v.id = p_village
) n
      ON n.village_id = m.village_id
    WHERE (SELECT held FROM lock)
      AND (m.expected, m.population, m.canton_id, m.commune_id, m.prefecture_id, m.region_id)
          IS NOT DISTINCT FROM (n.expected, n.population, n.canton_id, n.commune_id, n.prefecture_id, n.region_id)
),
changes AS MATERIALIZED (
    SELECT i.id AS indicator_id, i.kind, i.scale_max, o.value AS old_value, o.on_time AS old_on_time,
           n.value AS new_value
    FROM unnest(p_indicators::bigint[], p_values::int[]) AS n(indicator_id, value)
    JOIN evillage_indicator i ON i.id = n.indicator_id AND i.is_active
    LEFT JOIN LATERAL (
        SELECT rv.value, r.received_at < p_deadline AS on_time
        FROM evillage_reportvalue rv JOIN evillage_report r ON r.id = rv.report_id
        WHERE rv.village_id = p_village AND rv.period = p_period AND rv.indicator_id = i.id AND rv.is_current
    ) o ON TRUE
),
deltas AS MATERIALIZED (
    SELECT c.indicator_id, c.kind, c.old_value, c.new_value, d.reporting, d.served, d.on_time,
           d.reporting * m.population AS pop_reporting, d.served * m.population AS pop_served
    FROM changes c
    CROSS JOIN counted m
    CROSS JOIN LATERAL (
        SELECT 1 - (c.old_value IS NOT NULL)::int AS reporting,
               (CASE WHEN c.kind = 'scale' THEN c.new_value = c.scale_max ELSE c.new_value >= 1 END)::int
               - COALESCE((CASE WHEN c.kind = 'scale' THEN c.old_value = c.scale_max
                                ELSE c.old_value >= 1 END)::int, 0) AS served,
               p_on_time::int - COALESCE(c.old_on_time::int, 0) AS on_time
    ) d
    WHERE m.expected AND m.prefecture_id IS NOT NULL
),
targets AS MATERIALIZED (
    SELECT t.area_id FROM counted m
    CROSS JOIN LATERAL unnest(ARRAY[m.canton_id, m.commune_id, m.prefecture_id, m.region_id]) AS t(area_id)
    WHERE m.expected AND t.area_id IS NOT NULL
),
-- Locked in id order, before any is written: two reports sharing rows (the nation's, at least) queue on the
-- first of them instead of deadlocking.
locked AS MATERIALIZED (
    SELECT s.id, s.indicator_id FROM evillage_areastatistic s
    WHERE s.id IN (
        SELECT x.id FROM deltas d CROSS JOIN targets t CROSS JOIN LATERAL (
            SELECT id FROM evillage_areastatistic
            WHERE area_id = t.area_id AND indicator_id = d.indicator_id AND period = p_period) x
        UNION ALL
        SELECT x.id FROM deltas d CROSS JOIN LATERAL (
            SELECT id FROM evillage_areastatistic
            WHERE area_id IS NULL AND indicator_id = d.indicator_id AND period = p_period) x)
    ORDER BY s.id
    FOR UPDATE
),
-- Every row there (the month laid out, every area with its rows), or nothing is applied.
complete AS MATERIALIZED (
    SELECT (SELECT count(*) FROM locked) = (SELECT count(*) FROM deltas) * (1 + (SELECT count(*) FROM targets))
       AND (SELECT count(*) FROM evillage_areastatistic s JOIN evillage_indicator i
                ON i.id = s.indicator_id AND i.is_active
            WHERE s.area_id IS NULL AND s.period = p_period)
           = (SELECT count(*) FROM evillage_indicator WHERE is_active) AS ok
),
applied AS (
    UPDATE evillage_areastatistic s SET
        villages_reporting = s.villages_reporting + d.reporting,
        villages_with_service = s.villages_with_service + d.served,
        reports_on_time = s.reports_on_time + d.on_time,
        population_reporting = s.population_reporting + d.pop_reporting,
        population_with_service = s.population_with_service + d.pop_served,
        share_villages = (s.villages_with_service + d.served)::float8 / NULLIF(s.villages_reporting + d.reporting, 0),
        share_population = CASE WHEN s.villages_reporting + d.reporting > 0 THEN
            (s.population_with_service + d.pop_served)::float8 / NULLIF(s.population_reporting + d.pop_reporting, 0)
        END,
        completeness = (s.villages_reporting + d.reporting)::float8 / NULLIF(s.villages_expected, 0),
        timeliness = (s.reports_on_time + d.on_time)::float8 / NULLIF(s.villages_expected, 0),
        distribution = CASE WHEN d.kind = 'scale' AND d.old_value IS DISTINCT FROM d.new_value THEN
            s.distribution
            || CASE WHEN d.old_value IS NULL THEN '{}'::jsonb ELSE jsonb_build_object(
                   d.old_value::text, (s.distribution ->> d.old_value::text)::bigint - 1) END
            || jsonb_build_object(d.new_value::text, (s.distribution ->> d.new_value::text)::bigint + 1)
        ELSE s.distribution END,
        refreshed_at = p_stamp
    FROM locked l JOIN deltas d ON d.indicator_id = l.indicator_id
    WHERE s.id = l.id AND (SELECT ok FROM complete)
      AND (d.reporting <> 0 OR d.served <> 0 OR d.on_time <> 0
           OR (d.kind = 'scale' AND d.old_value IS DISTINCT FROM d.new_value))
    RETURNING 1
),
states AS (
    INSERT INTO evillage_villagestate AS vs (
        village_id, indicator_id, value, period, staleness_months, is_stale, location, prefecture_id, refreshed_at)
    SELECT v.id, c.indicator_id, c.new_value, p_period, p_months, p_stale, v.location, v.prefecture_id,
           p_stamp
    FROM changes c JOIN geo_village v ON v.id = p_village
    WHERE p_in_states AND (SELECT held FROM lock)
    ORDER BY c.indicator_id
    ON CONFLICT (village_id, indicator_id) DO UPDATE SET
        value = EXCLUDED.value, period = EXCLUDED.period, staleness_months = EXCLUDED.staleness_months,
        is_stale = EXCLUDED.is_stale, location = EXCLUDED.location, prefecture_id = EXCLUDED.prefecture_id,
        refreshed_at = EXCLUDED.refreshed_at
    -- A value of an earlier month than the state's does not replace it.
    WHERE vs.period <= EXCLUDED.period
      AND (vs.value, vs.period, vs.staleness_months, vs.is_stale, vs.location, vs.prefecture_id)
          IS DISTINCT FROM (EXCLUDED.value, EXCLUDED.period, EXCLUDED.staleness_months, EXCLUDED.is_stale,
                            EXCLUDED.location, EXCLUDED.prefecture_id)
    RETURNING 1
)
SELECT (SELECT held FROM lock), EXISTS (SELECT 1 FROM counted), (SELECT ok FROM complete),
       (SELECT count(*) FROM applied), (SELECT count(*) FROM states);
END
$function$
"""


class Migration(migrations.Migration):
    dependencies = [
        ("evillage", "0007_layer_ledger"),
    ]

    operations = [
        migrations.RunSQL(
            APPLY_REPORT,
            reverse_sql="DROP FUNCTION IF EXISTS evillage_apply_report(bigint, varchar, bigint, bigint[], int[], timestamptz, boolean, int, boolean, boolean, timestamptz, bigint)",
        ),
    ]
