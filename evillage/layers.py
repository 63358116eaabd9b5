"""The aggregated layers: statistics per area × indicator × month, and each village's last-known state.

Both are PostGIS tables (`AreaStatistic`, `VillageState`) carrying geometry, so that the API, the dashboards
and QGIS (opening the database directly) read the same numbers. They are computed here, in SQL, set-based.

Definitions
- Expected: the villages that have an active chief (a village chief, or a canton chief reporting for the
  canton's seat village). Chiefs are not historised, so every month — past ones included — is judged by
  the chiefs active *now*: a chief appointed today makes their village expected in earlier months too.
- Reporting: expected villages with a current value (`ReportValue.is_current`) for the indicator and month.
  Values from villages without an active chief are kept but not counted.
- With the service: a yes/no value ≥ 1; for a scale, the top of the scale only (`scale_max`: network "BON").
  Shares divide by the reporting villages (or their population) and are None when nobody reported (or the
  reporting villages have no known population). Villages without a population count 0.
- On time: a reporting village whose current value came in a report received before the end of the day
  `LAYERS_DEADLINE_DAYS` after the month's last day (Lomé time). Timeliness = on time ÷ expected.
- Distribution (scale indicators): reporting villages per level, every level from 0 to `scale_max` present.
- Areas are those of the active boundary set. A village whose prefecture is in it counts in its canton, in
  the commune whose polygon holds it (communes of its prefecture; villages record no commune), in its
  prefecture, in that prefecture's region and in the nation (the sum of the regions).
- Months covered: those with reports, and the current month (so that its completeness shows from day one).
- Village state: per village and active indicator, the current value of the latest month not after the
  current one; staleness = months between that month and the current one; stale from
  `LAYERS_STALE_AFTER_MONTHS`. Villages with no value for an indicator have no row for it.

The ledger
- `CountedVillage` says how the statistics count each village: expected or not, its population, its areas.
  The rows always add up the current values of the villages as the ledger places them, whatever the registry
  says meanwhile; a ledger row differing from the registry (a chief appointed or retired, a population
  changed, a village moved, a boundary set activated) is rewritten together with every month of the areas it
  leaves and enters. That is what makes a report a difference, and a difference safe: it removes a value
  exactly where it was added, never below zero.

Refreshing
- A report changes the layers by a difference, in its own transaction (`apply_reports`, called by
  `record_reports` before the values are superseded): its village's previous current values of the month
  against the new ones give + or − on the counters of the canton, commune, prefecture, region and nation rows
  of those indicators (shares recomputed from the counters in the same UPDATE), and an upsert of the
  village's states. A batch of reports (a drain's) is one statement: differences summed per row, every row
  locked in id order, so that concurrent batches never deadlock and `x = x + delta` never loses one. Done
  with the reports' transaction, it is done exactly once.
- When a report is not a plain difference — its village's ledger row differs from the registry (a `POP`
  that changes the population, a chief appointed since, a village moved), the month is not laid out yet, or a
  rebuild holds the lock — `mark_dirty(village, period)` records the key in the report's transaction and, on
  commit, schedules one debounced task (`evillage.tasks.refresh_pending_layers`) that recounts every key
  gathered meanwhile from the ledger: the villages' ledger rows, then their prefectures (from the ledger),
  their cantons and communes, their regions and the nation (sums of stored rows), month by month — every
  laid-out month for the areas of a rewritten ledger row — and the villages' states. The first report of a
  month not laid out yet lays out every area for it.
- `refresh_layers()` rebuilds everything (nightly, and the `refresh_layers` command): the ledger from the
  registry, the outlines of areas whose border changed, then one statement per level; with `period` or
  `areas` it rebuilds that part only (and every month of the areas of rewritten ledger rows). What a report
  does not announce is taken up by the next report of the village or by the nightly rebuild.
- Figures computed again identical are not rewritten: `refreshed_at` is when a row's figures last changed.
- Recounts and rebuilds hold a transaction-level advisory lock; a report's difference holds it shared (and
  falls back to the recount rather than wait), so a recount never reads half of a difference.
- Consistency rests on the registry's invariant (`geo.services.place_village`): a village's canton lies in
  its prefecture, and its prefecture in its region.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from evillage.models import Chief, ChiefStatus, Report, ReportValue
from evillage.periods import parse_period, period_bounds, period_of_moment
from geo.models import Area, Level, Village

logger = logging.getLogger(__name__)

# pg advisory lock key: one recount at a time, across every worker and host; reports take it shared.
LAYERS_LOCK = zlib.crc32(b"evillage.layers")
# A full rebuild sorts and hashes every current value: give it room rather than spill to disk.
FULL_REBUILD_WORK_MEM = "256MB"
# Keys claimed by one pass of the debounced task.
PENDING_BATCH = 5000

Progress = Callable[[str], None]


# SQL ---------------------------------------------------------------------------------------------------
# Every recount fills a `sums` CTE (one row per area × indicator × month with the counts), and `_FINISH`
# turns the counts into shares and a distribution, then upserts. Outlines are not rewritten here: a new row
# takes its area's, and a full rebuild rewrites those of areas whose border changed (`_OUTLINES`).

_FINISH = """
INSERT INTO evillage_areastatistic (
    area_id, level, indicator_id, period, villages_expected, villages_reporting, villages_with_service,
    reports_on_time, population_expected, population_reporting, population_with_service,
    share_villages, share_population, completeness, timeliness, distribution, geom, refreshed_at)
SELECT s.area_id, s.level, s.indicator_id, s.period, s.expected, s.reporting, s.served,
       s.on_time, s.pop_expected, s.pop_reporting, s.pop_served,
       s.served::float8 / NULLIF(s.reporting, 0),
       CASE WHEN s.reporting > 0 THEN s.pop_served::float8 / NULLIF(s.pop_reporting, 0) END,
       s.reporting::float8 / NULLIF(s.expected, 0),
       s.on_time::float8 / NULLIF(s.expected, 0),
       CASE WHEN s.kind = 'scale' THEN (
           SELECT jsonb_object_agg(k::text, COALESCE(s.histogram[k + 1], 0))
           FROM generate_series(0, s.scale_max) AS k)
       ELSE '{}'::jsonb END,
       s.geom, %(stamp)s
FROM sums s
ORDER BY s.area_id NULLS LAST, s.indicator_id, s.period
ON CONFLICT (area_id, indicator_id, period) DO UPDATE SET
    level = EXCLUDED.level,
    villages_expected = EXCLUDED.villages_expected,
    villages_reporting = EXCLUDED.villages_reporting,
    villages_with_service = EXCLUDED.villages_with_service,
    reports_on_time = EXCLUDED.reports_on_time,
    population_expected = EXCLUDED.population_expected,
    population_reporting = EXCLUDED.population_reporting,
    population_with_service = EXCLUDED.population_with_service,
    share_villages = EXCLUDED.share_villages,
    share_population = EXCLUDED.share_population,
    completeness = EXCLUDED.completeness,
    timeliness = EXCLUDED.timeliness,
    distribution = EXCLUDED.distribution,
    refreshed_at = EXCLUDED.refreshed_at
-- Figures computed again identical are left alone (`refreshed_at` is when they last changed): a nightly
-- rebuild or a recount then rewrites only the rows that moved, not every index entry of every row.
WHERE (evillage_areastatistic.level, evillage_areastatistic.villages_expected,
       evillage_areastatistic.villages_reporting, evillage_areastatistic.villages_with_service,
       evillage_areastatistic.reports_on_time, evillage_areastatistic.population_expected,
       evillage_areastatistic.population_reporting, evillage_areastatistic.population_with_service,
       evillage_areastatistic.distribution)
   IS DISTINCT FROM
      (EXCLUDED.level, EXCLUDED.villages_expected, EXCLUDED.villages_reporting, EXCLUDED.villages_with_service,
       EXCLUDED.reports_on_time, EXCLUDED.population_expected, EXCLUDED.population_reporting,
       EXCLUDED.population_with_service, EXCLUDED.distribution)
"""

_INDICATORS = "indicators AS (SELECT id, kind, scale_max FROM evillage_indicator WHERE is_active)"
_ACTIVE_AREA = "geo_area a JOIN geo_boundaryset b ON b.id = a.boundary_set_id AND b.is_active"
_HAS_COMMUNES = f"EXISTS (SELECT 1 FROM {_ACTIVE_AREA} WHERE a.level = 'commune')"  # noqa: S608

# The ledger rows the registry gives now, for the villages of `scope`. Villages record no commune: the
# commune of their prefecture whose polygon holds them, only looked up when the active set has communes.
_COUNTED_NOW = f"""
SELECT v.id AS village_id,
       EXISTS (SELECT 1 FROM evillage_chief ch WHERE ch.village_id = v.id AND ch.status = 'active') AS expected,
       COALESCE({{population}}, 0)::bigint AS population,
       CASE WHEN p.id IS NOT NULL THEN c.id END AS canton_id,
       CASE WHEN p.id IS NOT NULL AND {_HAS_COMMUNES} THEN (
           SELECT ap.area_id FROM geo_areapiece ap
           JOIN geo_area a ON a.id = ap.area_id JOIN geo_boundaryset b ON b.id = a.boundary_set_id AND b.is_active
           WHERE a.level = 'commune' AND a.parent_id = p.id AND ST_Intersects(ap.geom, v.location)
           ORDER BY ap.area_id LIMIT 1)
       END AS commune_id,
       p.id AS prefecture_id,
       CASE WHEN p.id IS NOT NULL THEN r.id END AS region_id
FROM geo_village v
LEFT JOIN (SELECT a.id, a.parent_id FROM {_ACTIVE_AREA} WHERE a.level = 'prefecture') p ON p.id = v.prefecture_id
LEFT JOIN (SELECT a.id FROM {_ACTIVE_AREA} WHERE a.level = 'canton') c ON c.id = v.canton_id
LEFT JOIN (SELECT a.id FROM {_ACTIVE_AREA} WHERE a.level = 'region') r ON r.id = p.parent_id
WHERE {{scope}}
"""  # noqa: S608 - assembled from this module's constants, never from input

_LEDGER_COLUMNS = "expected, population, canton_id, commune_id, prefecture_id, region_id"

# Rewrites the ledger rows that differ from the registry; returns the prefectures (before and after) of
# those rows, whose every month must then be recounted.
_RECOUNT_LEDGER = f"""
WITH counted AS ({_COUNTED_NOW.format(population="v.population", scope="{scope}")}),
written AS (
    INSERT INTO evillage_countedvillage AS m (village_id, {_LEDGER_COLUMNS})
    SELECT village_id, {_LEDGER_COLUMNS} FROM counted ORDER BY village_id
    ON CONFLICT (village_id) DO UPDATE SET
        expected = EXCLUDED.expected, population = EXCLUDED.population, canton_id = EXCLUDED.canton_id,
        commune_id = EXCLUDED.commune_id, prefecture_id = EXCLUDED.prefecture_id, region_id = EXCLUDED.region_id
    WHERE (m.expected, m.population, m.canton_id, m.commune_id, m.prefecture_id, m.region_id)
          IS DISTINCT FROM (EXCLUDED.expected, EXCLUDED.population, EXCLUDED.canton_id, EXCLUDED.commune_id,
                            EXCLUDED.prefecture_id, EXCLUDED.region_id)
    RETURNING m.village_id, m.prefecture_id
)
-- The statement's snapshot still holds the rows as they were: the prefecture a village leaves.
SELECT DISTINCT p.id FROM written w
LEFT JOIN evillage_countedvillage o ON o.village_id = w.village_id
CROSS JOIN LATERAL unnest(ARRAY[w.prefecture_id, o.prefecture_id]) AS p(id)
WHERE p.id IS NOT NULL
"""  # noqa: S608 - assembled from this module's constants, never from input

_ALL_LEDGER = "TRUE"
_PREFECTURES_LEDGER = """(v.prefecture_id = ANY(%(prefectures)s::bigint[]) OR v.id IN (
    SELECT village_id FROM evillage_countedvillage WHERE prefecture_id = ANY(%(prefectures)s::bigint[])))"""
_VILLAGES_LEDGER = "v.id = ANY(%(villages)s::bigint[])"

# Prefectures, cantons and communes, counted from the ledger (the prefectures given, or all).
_LEAF_SUMS = f"""
WITH periods AS (
    SELECT * FROM unnest(%(periods)s::varchar[], %(deadlines)s::timestamptz[]) AS p(period, deadline)
),
{_INDICATORS},
leaf_areas AS (
    SELECT a.id, a.level, a.geom FROM {_ACTIVE_AREA}
    WHERE (a.level = 'prefecture' AND (%(prefectures)s::bigint[] IS NULL OR a.id = ANY(%(prefectures)s::bigint[])))
       OR (a.level IN ('canton', 'commune')
           AND (%(prefectures)s::bigint[] IS NULL OR a.parent_id = ANY(%(prefectures)s::bigint[]))
           -- After a report, only the reporting villages' cantons change among their prefectures' cantons.
           AND (a.level = 'commune' OR %(cantons)s::bigint[] IS NULL OR a.id = ANY(%(cantons)s::bigint[])))
),
expected AS NOT MATERIALIZED (
    SELECT m.village_id AS id, m.prefecture_id, m.canton_id, m.commune_id, m.population
    FROM evillage_countedvillage m
    WHERE m.expected AND m.prefecture_id IS NOT NULL
      AND (%(prefectures)s::bigint[] IS NULL OR m.prefecture_id = ANY(%(prefectures)s::bigint[]))
),
-- In each grouping set only the grouped column is not NULL, so COALESCE names the area.
expected_counts AS (
    SELECT COALESCE(canton_id{{commune_column}}, prefecture_id) AS area_id,
           count(*) AS villages, sum(population)::bigint AS population
    FROM expected
    GROUP BY GROUPING SETS ((prefecture_id), (canton_id) {{commune_set}})
),
area_values AS (
    SELECT COALESCE(e.canton_id{{commune_value_column}}, e.prefecture_id) AS area_id, rv.indicator_id, rv.period,
           count(*) AS reporting,
           count(*) FILTER (WHERE f.served) AS served,
           count(*) FILTER (WHERE r.received_at < p.deadline) AS on_time,
           sum(e.population)::bigint AS pop_reporting,
           COALESCE(sum(e.population) FILTER (WHERE f.served), 0)::bigint AS pop_served,
           -- Villages per level, level 0 first; counted in the same pass rather than grouped by value.
           {{histogram}} AS histogram
    FROM expected e
    -- The months spelt out as well as joined: the planner then reaches each village's values of those months
    -- through the (village, month) index, instead of reading every month of the village and joining after.
    JOIN evillage_reportvalue rv
      ON rv.village_id = e.id AND rv.is_current AND rv.period = ANY(%(periods)s::varchar[])
    JOIN periods p ON p.period = rv.period
    JOIN indicators i ON i.id = rv.indicator_id
    JOIN evillage_report r ON r.id = rv.report_id
    CROSS JOIN LATERAL (
        SELECT CASE WHEN i.kind = 'scale' THEN rv.value = i.scale_max ELSE rv.value >= 1 END AS served
    ) f
    GROUP BY GROUPING SETS (
        (e.prefecture_id, rv.indicator_id, rv.period),
        (e.canton_id, rv.indicator_id, rv.period)
        {{commune_value_set}})
),
sums AS (
    SELECT la.id AS area_id, la.level, la.geom, i.id AS indicator_id, i.kind, i.scale_max, p.period,
           COALESCE(ec.villages, 0) AS expected, COALESCE(av.reporting, 0) AS reporting,
           COALESCE(av.served, 0) AS served, COALESCE(av.on_time, 0) AS on_time,
           COALESCE(ec.population, 0) AS pop_expected, COALESCE(av.pop_reporting, 0) AS pop_reporting,
           COALESCE(av.pop_served, 0) AS pop_served, av.histogram
    FROM leaf_areas la CROSS JOIN indicators i CROSS JOIN periods p
    LEFT JOIN expected_counts ec ON ec.area_id = la.id
    LEFT JOIN area_values av ON av.area_id = la.id AND av.indicator_id = i.id AND av.period = p.period
)
"""  # noqa: S608 - assembled from this module's constants, never from input

# The top of the scales (how many levels a distribution has) and whether the active set has communes.
_CATALOGUE_LOOKUP = f"SELECT COALESCE(max(scale_max), 1), {_HAS_COMMUNES} FROM evillage_indicator WHERE is_active"  # noqa: S608

# Regions (from their prefectures' rows) and the nation (from the regions' rows).
_ROLLUP_SUMS = f"""
WITH periods AS (SELECT unnest(%(periods)s::varchar[]) AS period),
{_INDICATORS},
parents AS ({{parents}}),
children AS (
    SELECT {{parent_key}} AS parent_key, s.indicator_id, s.period, s.villages_expected, s.villages_reporting,
           s.villages_with_service, s.reports_on_time, s.population_expected, s.population_reporting,
           s.population_with_service, s.distribution
    FROM evillage_areastatistic s JOIN {_ACTIVE_AREA} ON a.id = s.area_id
    WHERE a.level = %(child_level)s AND s.period = ANY(%(periods)s::varchar[]) {{child_scope}}
),
child_sums AS (
    SELECT parent_key, indicator_id, period,
           sum(villages_expected)::bigint AS expected, sum(villages_reporting)::bigint AS reporting,
           sum(villages_with_service)::bigint AS served, sum(reports_on_time)::bigint AS on_time,
           sum(population_expected)::bigint AS pop_expected, sum(population_reporting)::bigint AS pop_reporting,
           sum(population_with_service)::bigint AS pop_served,
           {{histogram}} AS histogram
    FROM children GROUP BY parent_key, indicator_id, period
),
sums AS (
    SELECT pa.area_id, pa.level, pa.geom, i.id AS indicator_id, i.kind, i.scale_max, p.period,
           COALESCE(cs.expected, 0) AS expected, COALESCE(cs.reporting, 0) AS reporting,
           COALESCE(cs.served, 0) AS served, COALESCE(cs.on_time, 0) AS on_time,
           COALESCE(cs.pop_expected, 0) AS pop_expected, COALESCE(cs.pop_reporting, 0) AS pop_reporting,
           COALESCE(cs.pop_served, 0) AS pop_served, cs.histogram
    FROM parents pa CROSS JOIN indicators i CROSS JOIN periods p
    LEFT JOIN child_sums cs
           ON cs.parent_key = COALESCE(pa.area_id, 0) AND cs.indicator_id = i.id AND cs.period = p.period
)
"""  # noqa: S608 - assembled from this module's constants, never from input

_REGIONS = f"""
    SELECT a.id AS area_id, 'region' AS level, a.geom FROM {_ACTIVE_AREA}
    WHERE a.level = 'region' AND (%(prefectures)s::bigint[] IS NULL
        OR a.id IN (SELECT parent_id FROM geo_area WHERE id = ANY(%(prefectures)s::bigint[])))
"""  # noqa: S608 - assembled from this module's constants, never from input
_REGIONS_CHILD_SCOPE = """
    AND (%(prefectures)s::bigint[] IS NULL
        OR a.parent_id IN (SELECT parent_id FROM geo_area WHERE id = ANY(%(prefectures)s::bigint[])))
"""
_NATION_UNION = f"(SELECT ST_Multi(ST_Union(a.geom)) FROM {_ACTIVE_AREA} WHERE a.level = 'region')"  # noqa: S608
# The nation's outline is the union of the active regions (the costliest part of a statement, over detailed
# borders): stored rows keep theirs, rewritten by `_OUTLINES` when a region changes; computed afresh only
# when no nation row exists yet.
_NATION = f"""
    SELECT NULL::bigint AS area_id, 'nation' AS level, g.geom
    FROM (SELECT COALESCE(
        (SELECT geom FROM evillage_areastatistic WHERE area_id IS NULL LIMIT 1), {_NATION_UNION})) AS g(geom)
"""  # noqa: S608 - assembled from this module's constants, never from input

# The outlines of areas whose border changed since their rows were written (compared on one row per area,
# the first of the index: rows of an area are written with the same outline), and the nation's when a region
# changed, appeared or left the active set.
_OUTLINES = f"""
WITH changed AS MATERIALIZED (
    SELECT a.id, a.level, a.geom FROM {_ACTIVE_AREA}
    WHERE a.level IN ('region', 'prefecture', 'canton', 'commune')
      AND md5(ST_AsEWKB(a.geom)) IS DISTINCT FROM (
          SELECT md5(ST_AsEWKB(s.geom)) FROM evillage_areastatistic s
          WHERE s.area_id = a.id ORDER BY s.area_id, s.indicator_id, s.period LIMIT 1)
),
rewritten AS (
    UPDATE evillage_areastatistic s SET geom = c.geom FROM changed c WHERE s.area_id = c.id RETURNING 1
),
outline AS (
    SELECT {_NATION_UNION} AS geom
    WHERE EXISTS (SELECT 1 FROM changed WHERE level = 'region')
       OR EXISTS (SELECT 1 FROM evillage_areastatistic s WHERE s.level = 'region' AND NOT EXISTS (
           SELECT 1 FROM {_ACTIVE_AREA} WHERE a.id = s.area_id))
),
nation AS (
    UPDATE evillage_areastatistic s SET geom = o.geom FROM outline o
    WHERE s.area_id IS NULL AND o.geom IS NOT NULL RETURNING 1
)
SELECT (SELECT count(*) FROM rewritten) + (SELECT count(*) FROM nation)
"""  # noqa: S608 - assembled from this module's constants, never from input

# Reports' differences (`apply_reports`), run as the function `evillage_apply_reports` that migrations create
# from this text (0011 is the latest; a change here needs a migration replacing it: a test compares the text
# with the function in the database). The reports are of different villages. `counted` holds each village's
# ledger row, if the registry still agrees with it (else nothing of its report is applied and the village is
# recounted); `changes` pairs, per report and active indicator, the value current until now (with whether its
# report was on time) with the new one; `targets` puts each change on the rows of the village's areas and the
# nation. A report is applied only if every one of its rows is there (`complete`); the applied changes are
# summed per row, so that a row shared by many reports (the nation's, at least) is written once, its rows all
# locked first in id order. Lookups go by whole keys (`OFFSET 0` keeps the planner from probing by part of
# one on the young statistics of a month's first reports).
_APPLY_REPORTS = f"""
WITH lock AS MATERIALIZED (SELECT pg_try_advisory_xact_lock_shared(%(lock)s) AS held),
reports AS MATERIALIZED (
    SELECT * FROM unnest(%(villages)s::bigint[], %(periods)s::varchar[], %(populations)s::bigint[],
                         %(deadlines)s::timestamptz[], %(on_times)s::boolean[], %(months)s::int[],
                         %(stales)s::boolean[], %(in_states)s::boolean[])
        WITH ORDINALITY AS r(village_id, period, population, deadline, on_time, months, stale, in_states, n)
),
counted AS MATERIALIZED (
    SELECT m.* FROM evillage_countedvillage m
    JOIN ({
    _COUNTED_NOW.format(
        population="(SELECT r.population FROM reports r WHERE r.village_id = v.id), v.population",
        scope="v.id = ANY(%(villages)s::bigint[])",
    )
}) n
      ON n.village_id = m.village_id
    WHERE (SELECT held FROM lock) AND m.village_id = ANY(%(villages)s::bigint[])
      AND (m.expected, m.population, m.canton_id, m.commune_id, m.prefecture_id, m.region_id)
          IS NOT DISTINCT FROM (n.expected, n.population, n.canton_id, n.commune_id, n.prefecture_id, n.region_id)
),
changes AS MATERIALIZED (
    SELECT r.n, r.village_id, r.period, i.id AS indicator_id, i.kind, i.scale_max, o.value AS old_value,
           o.on_time AS old_on_time, p.value AS new_value
    FROM unnest(%(pair_reports)s::bigint[], %(pair_indicators)s::bigint[], %(pair_values)s::int[])
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
        refreshed_at = %(stamp)s
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
    SELECT v.id, c.indicator_id, c.new_value, r.period, r.months, r.stale, v.location, v.prefecture_id, %(stamp)s
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
ORDER BY r.n
"""  # noqa: S608 - assembled from this module's constants, never from input

_VILLAGE_STATES = """
WITH latest AS (
    SELECT DISTINCT ON (rv.village_id, rv.indicator_id) rv.village_id, rv.indicator_id, rv.value, rv.period
    FROM evillage_reportvalue rv JOIN evillage_indicator i ON i.id = rv.indicator_id AND i.is_active
    WHERE rv.is_current AND rv.period <= %(current)s {rv_scope}
    ORDER BY rv.village_id, rv.indicator_id, rv.period DESC
)
INSERT INTO evillage_villagestate AS vs (
    village_id, indicator_id, value, period, staleness_months, is_stale, location, prefecture_id, refreshed_at)
SELECT l.village_id, l.indicator_id, l.value, l.period, m.months, m.months >= %(stale_after)s,
       v.location, v.prefecture_id, %(stamp)s
FROM latest l
JOIN geo_village v ON v.id = l.village_id
CROSS JOIN LATERAL (
    SELECT %(current_index)s - (substr(l.period, 1, 4)::int * 12 + substr(l.period, 6, 2)::int - 1) AS months
) m
WHERE TRUE {v_scope}
ORDER BY l.village_id, l.indicator_id
ON CONFLICT (village_id, indicator_id) DO UPDATE SET
    value = EXCLUDED.value, period = EXCLUDED.period, staleness_months = EXCLUDED.staleness_months,
    is_stale = EXCLUDED.is_stale, location = EXCLUDED.location, prefecture_id = EXCLUDED.prefecture_id,
    refreshed_at = EXCLUDED.refreshed_at
-- Unchanged rows are left alone: the nightly rebuild rewrites only what moved.
WHERE (vs.value, vs.period, vs.staleness_months, vs.is_stale, vs.location, vs.prefecture_id)
      IS DISTINCT FROM (EXCLUDED.value, EXCLUDED.period, EXCLUDED.staleness_months, EXCLUDED.is_stale,
                        EXCLUDED.location, EXCLUDED.prefecture_id)
"""

_ANALYZE_REPORTS = """
DO $$ BEGIN
    IF EXISTS (SELECT 1 FROM evillage_report) THEN ANALYZE evillage_report, evillage_reportvalue; END IF;
END $$
"""

# Rows no longer due: months without reports (but the current one), inactive indicators, areas of an
# inactive boundary set.
_GONE_STATISTICS = """
DELETE FROM evillage_areastatistic s
WHERE (NOT s.period = ANY(%(periods)s::varchar[])
       OR NOT EXISTS (SELECT 1 FROM evillage_indicator i WHERE i.id = s.indicator_id AND i.is_active)
       OR (s.area_id IS NOT NULL AND NOT EXISTS (
           SELECT 1 FROM geo_area a JOIN geo_boundaryset b ON b.id = a.boundary_set_id AND b.is_active
           WHERE a.id = s.area_id)))
  {period_scope}
"""

_VILLAGE_STATES_GONE = """
DELETE FROM evillage_villagestate vs
WHERE NOT EXISTS (
    SELECT 1 FROM evillage_reportvalue rv JOIN evillage_indicator i ON i.id = rv.indicator_id AND i.is_active
    WHERE rv.village_id = vs.village_id AND rv.indicator_id = vs.indicator_id AND rv.is_current
      AND rv.period <= %(current)s)
"""


# Refreshing --------------------------------------------------------------------------------------------

# Every month laid out, the keys' months complete (a nation row for every active indicator), and for the
# keys' villages their prefecture and canton as counted — in one query, after the ledger is recounted.
_KEYS_LOOKUP = f"""
SELECT k.id, m.prefecture_id, m.canton_id, (SELECT max(scale_max) FROM evillage_indicator WHERE is_active),
       {_HAS_COMMUNES},
       ARRAY(
           SELECT s.period FROM evillage_areastatistic s JOIN evillage_indicator i ON i.id = s.indicator_id
           WHERE s.area_id IS NULL AND i.is_active AND s.period = ANY(%(periods)s::varchar[])
           GROUP BY s.period HAVING count(*) = (SELECT count(*) FROM evillage_indicator WHERE is_active)),
       ARRAY(SELECT DISTINCT s.period FROM evillage_areastatistic s WHERE s.area_id IS NULL ORDER BY 1)
FROM unnest(%(villages)s::bigint[]) AS k(id) LEFT JOIN evillage_countedvillage m ON m.village_id = k.id
"""  # noqa: S608 - assembled from this module's constants, never from input


@dataclass
class RefreshSummary:
    periods: list[str]
    area_rows: int = 0
    village_rows: int = 0
    deleted_rows: int = 0
    ledger_prefectures: int = 0  # prefectures recounted in every month because ledger rows changed
    seconds: dict[str, float] = field(default_factory=dict)


def month_index(period: str) -> int:
    year, month = parse_period(period)
    return year * 12 + month - 1


def deadline(period: str) -> dt.datetime:
    """Reports received before this instant are on time: the end of the LAYERS_DEADLINE_DAYS-th day after
    the month's last day, in Lomé."""
    last_day = period_bounds(period)[1]
    day_after = last_day + dt.timedelta(days=settings.LAYERS_DEADLINE_DAYS + 1)
    return timezone.make_aware(dt.datetime.combine(day_after, dt.time.min), timezone.get_default_timezone())


def layer_periods(now: dt.datetime | None = None) -> list[str]:
    """The months a full rebuild covers: those with reports, and the current one."""
    with connection.cursor() as cursor:
        # A loose index scan on the reports' period index: one probe per month, not one row per report.
        cursor.execute(
            """
            WITH RECURSIVE months(period) AS (
                (SELECT period FROM evillage_report ORDER BY period LIMIT 1)
                UNION ALL
                SELECT (SELECT r.period FROM evillage_report r WHERE r.period > m.period ORDER BY r.period LIMIT 1)
                FROM months m WHERE m.period IS NOT NULL
            )
            SELECT period FROM months WHERE period IS NOT NULL
            """
        )
        periods = {row[0] for row in cursor.fetchall()}
    periods.add(period_of_moment(now or timezone.now()))
    return sorted(periods)


def refresh_layers(
    period: str | None = None,
    areas: Iterable[Area | int] | None = None,
    *,
    now: dt.datetime | None = None,
    progress: Progress | None = None,
) -> RefreshSummary:
    """Rebuild the layers: everything, or one month, or the given areas (with what holds them).

    The ledger is recounted first (every village, or those of the areas); the areas of rewritten ledger rows
    are then rebuilt in every month, whatever `period` says. An area stands for its prefecture: a canton or
    commune refreshes its prefecture, a region its prefectures; each time with the regions above and the
    nation. Rows no longer due (a month without reports, an inactive indicator or area) are deleted by a
    rebuild of everything or of a month.
    """
    now = now or timezone.now()
    say = progress or (lambda message: None)
    periods = [period] if period else layer_periods(now)
    if period:
        parse_period(period)
    prefectures = None if areas is None else _prefectures_of(areas)
    summary = RefreshSummary(periods=periods)
    with transaction.atomic(), connection.cursor() as cursor:
        _lock(cursor, work_mem=FULL_REBUILD_WORK_MEM if areas is None else None)
        if areas is None:
            # A rebuild reads every current value: plan it on today's row counts, not last night's. Not on an
            # empty table's: analysed empty, it is planned as staying so (a new platform's first burst of reports
            # had every foreign-key check of its values scan the reports), never analysed, as one that may grow.
            cursor.execute(_ANALYZE_REPORTS)
        if areas is None and period is None:
            # Keys committed before this point are covered by the statements that follow; later ones keep
            # their own debounced refresh.
            cursor.execute("DELETE FROM evillage_pendinglayerrefresh")
        say(f"{len(periods)} mois : {periods[0]} … {periods[-1]}" if periods else "aucun mois")
        stamp = timezone.now()
        cursor.execute(_CATALOGUE_LOOKUP)
        max_level, communes = cursor.fetchone()

        started = time.perf_counter()
        scope = _ALL_LEDGER if prefectures is None else _PREFECTURES_LEDGER
        recounted = _recount_ledger(cursor, scope, {"prefectures": prefectures})
        summary.ledger_prefectures = len(recounted)
        summary.seconds["ledger"] = time.perf_counter() - started
        say(f"registre : {len(recounted)} préfectures recomptées en {summary.seconds['ledger']:.2f} s")
        if prefectures is not None:
            prefectures = sorted(set(prefectures) | recounted)

        started = time.perf_counter()
        if areas is None:
            cursor.execute(
                _GONE_STATISTICS.format(period_scope="" if period is None else "AND s.period = %(period)s"),
                {"periods": periods, "period": period},
            )
            summary.deleted_rows = cursor.rowcount
            cursor.execute(_OUTLINES)
        summary.seconds["outlines"] = time.perf_counter() - started

        options: dict[str, Any] = {"stamp": stamp, "max_level": max_level, "communes": communes}
        summary.area_rows = _refresh_area_statistics(
            cursor, periods, prefectures, timings=summary.seconds, say=say, **options
        )
        if period is not None and recounted:
            others = [p for p in layer_periods(now) if p != period]
            summary.area_rows += _refresh_area_statistics(cursor, others, sorted(recounted), **options)

        started = time.perf_counter()
        scope_states = _ALL_VILLAGES if prefectures is None else _PREFECTURE_VILLAGES
        summary.village_rows = _refresh_village_states(cursor, now, scope_states, {"prefectures": prefectures})
        if prefectures is None:
            cursor.execute(_VILLAGE_STATES_GONE, {"current": period_of_moment(now)})
            summary.deleted_rows += cursor.rowcount
        summary.seconds["village_states"] = time.perf_counter() - started
        say(f"états des villages : {summary.village_rows} lignes modifiées")
    return summary


def apply_reports(reports: Sequence[tuple[Report, Mapping[int, int]]]) -> list[int]:
    """Apply reports' differences to the layers, inside the transaction that records them, *before* their values
    supersede the current ones (`values`: indicator id → value); the reports are of different villages.

    One statement: each village's current values of the month against the new ones give + or − on the rows
    of its areas and the nation, counted as its ledger row says, summed per row; the villages' states are
    upserted. Returns the villages whose report is not a plain difference (the ledger row no longer matches
    the registry — a `POP` changing the population, a chief appointed since, a village moved —, the month or
    an area's rows not laid out yet, a rebuild running): those villages and months are left to the debounced
    recount (`mark_dirty`).
    """
    if not reports:
        return []
    now = timezone.now()
    current = period_of_moment(now)
    deadlines = [deadline(report.period) for report, _values in reports]
    months = [month_index(current) - month_index(report.period) for report, _values in reports]
    pairs = [
        (n, indicator, int(value))
        for n, (_report, values) in enumerate(reports, 1)
        for indicator, value in values.items()
    ]
    with connection.cursor() as cursor:
        # `_APPLY_REPORTS` as a function (migration 0011). PostgreSQL still plans its statement at every call
        # (custom plans, for the arrays it is given): about 2.3 ms, a single report's largest cost. A generic plan,
        # made once per connection on the statistics of the month's first reports, made the batches twice as slow.
        cursor.execute(
            "SELECT * FROM evillage_apply_reports(%s, %s::bigint[], %s::varchar[], %s::bigint[], %s::timestamptz[], "
            "%s::boolean[], %s::int[], %s::boolean[], %s::boolean[], %s::bigint[], %s::bigint[], %s::int[], %s)",
            [
                LAYERS_LOCK,
                [report.village_id for report, _values in reports],
                [report.period for report, _values in reports],
                [report.population for report, _values in reports],
                deadlines,
                [report.received_at < due for (report, _values), due in zip(reports, deadlines, strict=True)],
                months,
                [n >= settings.LAYERS_STALE_AFTER_MONTHS for n in months],
                [report.period <= current for report, _values in reports],
                [n for n, _indicator, _value in pairs],
                [indicator for _n, indicator, _value in pairs],
                [value for _n, _indicator, value in pairs],
                now,
            ],
        )
        outcomes = cursor.fetchall()
    recounted = []
    for village_id, period, counted, complete, _rows, _states in outcomes:
        if not (counted and complete):
            mark_dirty(village_id, period)
            recounted.append(village_id)
    return recounted


def refresh_for_village(village_id: int, period: str, *, now: dt.datetime | None = None) -> None:
    """Recount what one report changes: the village's ledger row, its areas and the nation for `period` (every
    month if its ledger row changed), and its states."""
    with transaction.atomic(), connection.cursor() as cursor:
        _lock(cursor)
        _refresh_keys(cursor, [(village_id, period)], now or timezone.now())


class LayersBusy(Exception):
    """Reports are applying their differences (or another recount runs): the recount did not wait for them."""


def refresh_pending(now: dt.datetime | None = None, *, wait: bool = True) -> int:
    """Recount every village and month waiting since their reports; returns the number of keys done.

    With `wait` False, raises `LayersBusy` (keeping the keys not done) rather than queue for the lock: a
    recount waiting for it makes every report that comes meanwhile fall back to the recount too (a report's
    difference never waits for the lock, see `_APPLY_REPORTS`), so that in a burst of SMS one recount waiting
    turned the reports of the whole burst into recounts.
    """
    done = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            if not _lock(cursor, wait=wait):
                raise LayersBusy
            # Claimed in this transaction: if the refresh fails, the keys come back for the next run.
            cursor.execute(
                """
                DELETE FROM evillage_pendinglayerrefresh WHERE id IN (
                    SELECT id FROM evillage_pendinglayerrefresh ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED)
                RETURNING village_id, period
                """,
                [PENDING_BATCH],
            )
            keys = cursor.fetchall()
            if keys:
                _refresh_keys(cursor, keys, now or timezone.now())
        done += len(keys)
        if len(keys) < PENDING_BATCH:
            return done


def mark_dirty(village_id: int, period: str) -> None:
    """Record that a village's layers for `period` wait for a recount; one debounced refresh follows the commit.

    Called inside the transaction that records the report, so the key is kept exactly when the report is.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO evillage_pendinglayerrefresh (village_id, period, created_at) VALUES (%s, %s, now()) "
            "ON CONFLICT (village_id, period) DO NOTHING",
            [village_id, period],
        )
    from evillage.tasks import schedule_layer_refresh

    transaction.on_commit(schedule_layer_refresh)


def _lock(cursor: Any, *, work_mem: str | None = None, wait: bool = True) -> bool:
    """Take the layers' lock for this transaction (False if `wait` is False and it is taken).

    The lock is held until the transaction ends: recounts queue behind each other, and behind the reports
    applying their difference (which hold it shared), instead of interleaving. JIT is off for the
    transaction: these statements' cost estimates trigger it, and compiling took seconds where executing
    takes a fraction (measured at national scale).
    """
    take = "pg_advisory_xact_lock(%s)" if wait else "pg_try_advisory_xact_lock(%s)"
    cursor.execute(
        "SELECT set_config('jit', 'off', true), set_config('work_mem', COALESCE(%s, current_setting('work_mem')), "
        f"true), {take}",
        [work_mem, LAYERS_LOCK],
    )
    return wait or bool(cursor.fetchone()[2])


def _recount_ledger(cursor: Any, scope: str, params: dict[str, object]) -> set[int]:
    """Rewrite the ledger rows of `scope` that differ from the registry; the prefectures they left or entered."""
    cursor.execute(_RECOUNT_LEDGER.format(scope=scope), params)
    return {row[0] for row in cursor.fetchall()}


# Scopes of the village states' statement: (on the values, on the villages), so each side uses its index.
_ALL_VILLAGES = ("", "")
_PREFECTURE_VILLAGES = (
    "AND rv.village_id IN (SELECT id FROM geo_village WHERE prefecture_id = ANY(%(prefectures)s::bigint[]))",
    "AND v.prefecture_id = ANY(%(prefectures)s::bigint[])",
)
_VILLAGES_SCOPE = ("AND rv.village_id = ANY(%(villages)s::bigint[])", "AND v.id = ANY(%(villages)s::bigint[])")


def _refresh_keys(cursor: Any, keys: Sequence[tuple[int, str]], now: dt.datetime) -> None:
    """Recount the ledger rows, areas and states of these (village, month) keys; the caller holds the lock."""
    by_period: dict[str, set[int]] = defaultdict(set)
    for village_id, period in keys:
        by_period[period].add(village_id)
    villages = sorted({village_id for village_id, _ in keys})
    stamp = timezone.now()
    recounted = _recount_ledger(cursor, _VILLAGES_LEDGER, {"villages": villages})
    cursor.execute(_KEYS_LOOKUP, {"villages": villages, "periods": sorted(by_period)})
    rows = cursor.fetchall()
    areas_of = {village_id: (prefecture_id, canton_id) for village_id, prefecture_id, canton_id, *_ in rows}
    max_level, communes, complete, laid_out = rows[0][3] or 1, rows[0][4], set(rows[0][5]), set(rows[0][6])
    options: dict[str, Any] = {"stamp": stamp, "max_level": max_level, "communes": communes}
    new = sorted(p for p in by_period if p not in complete)
    if new:
        # A month not laid out yet gets every area, counted from a ledger that every village is in; regions
        # and the nation add up all the prefectures.
        recounted |= _recount_ledger(cursor, _ALL_LEDGER, {})
        _refresh_area_statistics(cursor, new, None, **options)
    if recounted:
        # Ledger rows rewritten: every month of the areas they left and entered, the keys' areas with them.
        prefectures = recounted | {areas_of[v][0] for v in villages if areas_of[v][0] is not None}
        months = sorted(laid_out - set(new))
        _refresh_area_statistics(cursor, months, sorted(prefectures), **options)
    else:
        for period in sorted(set(by_period) - set(new)):
            found = [areas_of[v] for v in by_period[period] if areas_of[v][0] is not None]
            if found:
                _refresh_area_statistics(
                    cursor,
                    [period],
                    sorted({prefecture for prefecture, _ in found}),
                    cantons=sorted({canton for _, canton in found if canton is not None}),
                    **options,
                )
    _refresh_village_states(cursor, now, _VILLAGES_SCOPE, {"villages": villages})


def _refresh_area_statistics(
    cursor: Any,
    periods: list[str],
    prefectures: list[int] | None,
    *,
    stamp: dt.datetime,
    max_level: int,
    communes: bool,
    cantons: list[int] | None = None,
    timings: dict[str, float] | None = None,
    say: Progress | None = None,
) -> int:
    """Leaf areas from the ledger, then regions from prefectures, then the nation from regions."""
    if not periods:
        return 0
    timings = {} if timings is None else timings
    say = say or (lambda message: None)
    params = {
        "periods": periods,
        "deadlines": [deadline(p) for p in periods],
        "prefectures": prefectures,
        "cantons": cantons,
        "stamp": stamp,
    }
    rows = 0
    levels = range(max_level + 1)
    counted = ", ".join(f"count(*) FILTER (WHERE rv.value = {k})" for k in levels)
    summed = ", ".join(f"COALESCE(sum((distribution ->> '{k}')::bigint), 0)" for k in levels)
    steps = [
        (
            "prefectures",
            _LEAF_SUMS.format(
                histogram=f"ARRAY[{counted}]::bigint[]",
                commune_set=", (commune_id)" if communes else "",
                commune_column=", commune_id" if communes else "",
                commune_value_column=", e.commune_id" if communes else "",
                commune_value_set=", (e.commune_id, rv.indicator_id, rv.period)" if communes else "",
            ),
            {},
        ),
        (
            "regions",
            _ROLLUP_SUMS.format(
                parents=_REGIONS,
                parent_key="a.parent_id",
                child_scope=_REGIONS_CHILD_SCOPE,
                histogram=f"ARRAY[{summed}]::bigint[]",
            ),
            {"child_level": Level.PREFECTURE},
        ),
        (
            "nation",
            _ROLLUP_SUMS.format(
                parents=_NATION, parent_key="0::bigint", child_scope="", histogram=f"ARRAY[{summed}]::bigint[]"
            ),
            {"child_level": Level.REGION},
        ),
    ]
    for name, sums, extra in steps:
        started = time.perf_counter()
        cursor.execute(sums + _FINISH, {**params, **extra})
        rows += cursor.rowcount
        timings[name] = time.perf_counter() - started
        say(f"{name} : {cursor.rowcount} lignes en {timings[name]:.2f} s")
    return rows


def _refresh_village_states(cursor: Any, now: dt.datetime, scope: tuple[str, str], params: dict[str, object]) -> int:
    current = period_of_moment(now)
    cursor.execute(
        _VILLAGE_STATES.format(rv_scope=scope[0], v_scope=scope[1]),
        {
            **params,
            "current": current,
            "current_index": month_index(current),
            "stale_after": settings.LAYERS_STALE_AFTER_MONTHS,
            "stamp": timezone.now(),
        },
    )
    return int(cursor.rowcount)


def _prefectures_of(areas: Iterable[Area | int]) -> list[int]:
    ids = [area.pk if isinstance(area, Area) else int(area) for area in areas]
    found: set[int] = set()
    for area_id, level, parent_id in Area.objects.filter(pk__in=ids).values_list("pk", "level", "parent_id"):
        if level == Level.PREFECTURE:
            found.add(area_id)
        elif level in (Level.CANTON, Level.COMMUNE) and parent_id is not None:
            found.add(parent_id)
        elif level == Level.REGION:
            found.update(Area.objects.filter(parent_id=area_id, level=Level.PREFECTURE).values_list("pk", flat=True))
    return sorted(found)


# Completeness ------------------------------------------------------------------------------------------


def expected_villages() -> QuerySet[Village]:
    """Villages expected to report: those with an active chief (village chief, or canton chief at the seat)."""
    return Village.objects.filter(Exists(Chief.objects.filter(village=OuterRef("pk"), status=ChiefStatus.ACTIVE)))


def non_reporting_villages(period: str, area: Area | None = None) -> QuerySet[Village]:
    """Expected villages with no current value for any indicator in `period`, in `area` (or the nation).

    A queryset of villages, with their location: the list, and the map layer, of who is missing.
    """
    parse_period(period)
    reported = ReportValue.objects.filter(village=OuterRef("pk"), period=period, is_current=True)
    villages = expected_villages().exclude(Exists(reported))
    if area is None:
        return villages
    if area.level == Level.CANTON:
        return villages.filter(canton=area)
    if area.level == Level.PREFECTURE:
        return villages.filter(prefecture=area)
    if area.level == Level.REGION:
        return villages.filter(prefecture__parent=area)
    return villages.filter(prefecture_id=area.parent_id, location__intersects=area.geom)


def reporting_by_prefecture(period: str) -> dict[int, tuple[int, int]]:
    """For each prefecture with expected villages: (villages expected, villages that reported anything)."""
    parse_period(period)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT v.prefecture_id, count(*),
                   count(*) FILTER (WHERE EXISTS (
                       SELECT 1 FROM evillage_reportvalue rv
                       WHERE rv.village_id = v.id AND rv.period = %s AND rv.is_current))
            FROM geo_village v
            WHERE EXISTS (SELECT 1 FROM evillage_chief ch WHERE ch.village_id = v.id AND ch.status = 'active')
            GROUP BY v.prefecture_id
            """,
            [period],
        )
        return {prefecture_id: (expected, reported) for prefecture_id, expected, reported in cursor.fetchall()}
