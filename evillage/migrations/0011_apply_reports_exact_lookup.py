"""`evillage_apply_reports` (0009) looks up by their keys the values a batch's reports supersede and the
ledger rows of their villages.

Without `OFFSET 0`, the planner pulled the values' lookup up into a join and, on the young statistics of a
month's first reports, probed the current values' index by month and village only: every value of the month
was read for each of a report's indicators (a national month's last batches took 140 ms instead of 15). The
ledger was read whole for each batch (4,300 rows at the national scale, 430,000 at 100 times)."""

import importlib

from django.db import migrations

APPLY_REPORTS = r"""
CREATE OR REPLACE FUNCTION evillage_apply_reports(p_lock bigint, p_villages bigint[], p_periods varchar[], p_populations bigint[], p_deadlines timestamptz[], p_on_times boolean[], p_months int[], p_stales boolean[], p_in_states boolean[], p_pair_reports bigint[], p_pair_indicators bigint[], p_pair_values int[], p_stamp timestamptz)
RETURNS TABLE (r_village bigint, r_period varchar, r_counted boolean, r_complete boolean, r_area_rows bigint, r_state_rows bigint)
LANGUAGE plpgsql AS $function$
#variable_conflict use_column
BEGIN
RETURN QUERY
WITH lock AS MATERIALIZED (SELECT pg_try_advisory_xact_lock_shared(p_lock) AS held),
reports AS MATERIALIZED (
    SELECT * FROM unnest(p_villages::bigint[], p_periods::varchar[], p_populations::bigint[],
                         p_deadlines::timestamptz[], p_on_times::boolean[], p_months::int[],
                         p_stales::boolean[], p_in_states::boolean[])
        WITH ORDINALITY AS r(village_id, period, population, deadline, on_time, months, stale, in_states, n)
),
counted AS MATERIALIZED (
    SELECT m.* FROM evillage_countedvillage m
    JOIN (
SELECT v.id AS village_id,
       EXISTS (SELECT 1 FROM evillage_chief ch WHERE ch.village_id = v.id AND ch.status = 'active') AS expected,
       COALESCE((SELECT r.population FROM reports r WHERE r.village_id = v.id), v.population, 0)::bigint AS population,
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
WHERE v.id = ANY(p_villages::bigint[])
) n
      ON n.village_id = m.village_id
    WHERE (SELECT held FROM lock) AND m.village_id = ANY(p_villages::bigint[])
      AND (m.expected, m.population, m.canton_id, m.commune_id, m.prefecture_id, m.region_id)
          IS NOT DISTINCT FROM (n.expected, n.population, n.canton_id, n.commune_id, n.prefecture_id, n.region_id)
),
changes AS MATERIALIZED (
    SELECT r.n, r.village_id, r.period, i.id AS indicator_id, i.kind, i.scale_max, o.value AS old_value,
           o.on_time AS old_on_time, p.value AS new_value
    FROM unnest(p_pair_reports::bigint[], p_pair_indicators::bigint[], p_pair_values::int[])
        AS p(n, indicator_id, value)
    JOIN reports r ON r.n = p.n
    JOIN evillage_indicator i ON i.id = p.indicator_id AND i.is_active
    LEFT JOIN LATERAL (
        SELECT rv.value, rep.received_at < r.deadline AS on_time
        FROM evillage_reportvalue rv JOIN evillage_report rep ON rep.id = rv.report_id
        WHERE rv.village_id = r.village_id AND rv.period = r.period AND rv.indicator_id = i.id AND rv.is_current
        OFFSET 0
    ) o ON TRUE
),
targets AS MATERIALIZED (
    SELECT c.n, c.indicator_id, c.kind, c.old_value, c.new_value, d.reporting, d.served, d.on_time,
           d.reporting * m.population AS pop_reporting, d.served * m.population AS pop_served, x.id AS row_id
    FROM changes c
    JOIN reports r ON r.n = c.n
    JOIN counted m ON m.village_id = c.village_id
    CROSS JOIN LATERAL (
        SELECT 1 - (c.old_value IS NOT NULL)::int AS reporting,
               (CASE WHEN c.kind = 'scale' THEN c.new_value = c.scale_max ELSE c.new_value >= 1 END)::int
               - COALESCE((CASE WHEN c.kind = 'scale' THEN c.old_value = c.scale_max
                                ELSE c.old_value >= 1 END)::int, 0) AS served,
               r.on_time::int - COALESCE(c.old_on_time::int, 0) AS on_time
    ) d
    CROSS JOIN LATERAL unnest(ARRAY[m.canton_id, m.commune_id, m.prefecture_id, m.region_id, 0]) AS t(area_id)
    LEFT JOIN LATERAL (
        SELECT s.id FROM evillage_areastatistic s
        WHERE t.area_id > 0 AND s.area_id = t.area_id AND s.indicator_id = c.indicator_id AND s.period = c.period
        UNION ALL
        SELECT s.id FROM evillage_areastatistic s
        WHERE t.area_id = 0 AND s.area_id IS NULL AND s.indicator_id = c.indicator_id AND s.period = c.period
    ) x ON TRUE
    WHERE m.expected AND m.prefecture_id IS NOT NULL AND t.area_id IS NOT NULL
),
-- Every row there (the month laid out, every area with its rows), or nothing of the report is applied.
complete AS MATERIALIZED (
    SELECT r.n,
           NOT EXISTS (SELECT 1 FROM targets t WHERE t.n = r.n AND t.row_id IS NULL)
           AND (SELECT count(*) FROM evillage_areastatistic s JOIN evillage_indicator i
                    ON i.id = s.indicator_id AND i.is_active
                WHERE s.area_id IS NULL AND s.period = r.period)
               = (SELECT count(*) FROM evillage_indicator WHERE is_active) AS ok
    FROM reports r
),
applicable AS MATERIALIZED (
    SELECT t.* FROM targets t JOIN complete c ON c.n = t.n AND c.ok
),
sums AS MATERIALIZED (
    SELECT row_id, sum(reporting) AS reporting, sum(served) AS served, sum(on_time) AS on_time,
           sum(pop_reporting) AS pop_reporting, sum(pop_served) AS pop_served
    FROM applicable GROUP BY row_id
),
-- How many villages more (or fewer) at each level of a scale, per row, where that moved.
levels AS MATERIALIZED (
    SELECT row_id, jsonb_object_agg(level, change) AS changes FROM (
        SELECT a.row_id, v.level::text AS level, sum(v.change) AS change
        FROM applicable a CROSS JOIN LATERAL (VALUES (a.old_value, -1), (a.new_value, 1)) AS v(level, change)
        WHERE a.kind = 'scale' AND a.old_value IS DISTINCT FROM a.new_value AND v.level IS NOT NULL
        GROUP BY a.row_id, v.level
        HAVING sum(v.change) <> 0
    ) g GROUP BY row_id
),
-- Locked in id order, before any is written: two batches sharing rows queue on the first of them instead
-- of deadlocking. Each with its changes, so that the UPDATE finds them by the row it writes.
locked AS MATERIALIZED (
    SELECT s.id, u.reporting, u.served, u.on_time, u.pop_reporting, u.pop_served, g.changes
    FROM evillage_areastatistic s JOIN sums u ON u.row_id = s.id LEFT JOIN levels g ON g.row_id = s.id
    ORDER BY s.id
    FOR UPDATE OF s
),
applied AS (
    UPDATE evillage_areastatistic s SET
        villages_reporting = s.villages_reporting + u.reporting,
        villages_with_service = s.villages_with_service + u.served,
        reports_on_time = s.reports_on_time + u.on_time,
        population_reporting = s.population_reporting + u.pop_reporting,
        population_with_service = s.population_with_service + u.pop_served,
        share_villages = (s.villages_with_service + u.served)::float8 / NULLIF(s.villages_reporting + u.reporting, 0),
        share_population = CASE WHEN s.villages_reporting + u.reporting > 0 THEN
            (s.population_with_service + u.pop_served)::float8 / NULLIF(s.population_reporting + u.pop_reporting, 0)
        END,
        completeness = (s.villages_reporting + u.reporting)::float8 / NULLIF(s.villages_expected, 0),
        timeliness = (s.reports_on_time + u.on_time)::float8 / NULLIF(s.villages_expected, 0),
        distribution = CASE WHEN u.changes IS NULL THEN s.distribution ELSE s.distribution || (
            SELECT jsonb_object_agg(e.level, COALESCE((s.distribution ->> e.level)::bigint, 0) + e.change::bigint)
            FROM jsonb_each_text(u.changes) AS e(level, change))
        END,
        refreshed_at = p_stamp
    FROM locked u
    WHERE s.id = u.id
      -- Villages trading places cancel out in the counts, not always in the population.
      AND (u.reporting <> 0 OR u.served <> 0 OR u.on_time <> 0 OR u.pop_reporting <> 0 OR u.pop_served <> 0
           OR u.changes IS NOT NULL)
    RETURNING 1
),
states AS (
    INSERT INTO evillage_villagestate AS vs (
        village_id, indicator_id, value, period, staleness_months, is_stale, location, prefecture_id, refreshed_at)
    SELECT v.id, c.indicator_id, c.new_value, r.period, r.months, r.stale, v.location, v.prefecture_id, p_stamp
    FROM changes c JOIN reports r ON r.n = c.n JOIN geo_village v ON v.id = r.village_id
    WHERE r.in_states AND (SELECT held FROM lock)
    ORDER BY v.id, c.indicator_id
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
SELECT r.village_id, r.period, EXISTS (SELECT 1 FROM counted m WHERE m.village_id = r.village_id), c.ok,
       (SELECT count(*) FROM applied), (SELECT count(*) FROM states)
FROM reports r JOIN complete c ON c.n = r.n
ORDER BY r.n;
END
$function$
"""


class Migration(migrations.Migration):
    dependencies = [
        ("evillage", "0010_current_values_by_village"),
    ]

    operations = [
        # Same signature: replaced in place; backwards, 0009's text comes back.
        migrations.RunSQL(
            APPLY_REPORTS,
            reverse_sql=importlib.import_module("evillage.migrations.0009_apply_reports_function").APPLY_REPORTS,
        ),
    ]
