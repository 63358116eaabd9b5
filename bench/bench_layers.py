"""The layers (`evillage.layers`): a full rebuild at national scale and at 100×, beside one raw SQL query
computing the same shares (the ledger and outlines steps counted with the areas' statistics), and the
difference one report applies to the layers inside `record_report` (p50/p99 over 200 reports), with the
recount a report falls back to when it is not a plain difference.

Each scale runs in a fresh database of its own (dropped afterwards, so later benchmarks find theirs as
they left it): the national dataset through its loader, then 24 months of reports generated with set-based
SQL (about 90% of expected villages report each month, about 95% of indicators each, 5% of village-months
with an earlier, superseded report). At 100× every village is copied 100 times with `generate_series`
(430,000 villages, not through the importers). `BENCH_LAYERS_SCALES=1,10` picks other scales; progress
goes to stderr.
"""

from __future__ import annotations

import contextlib
import io
import os
import random
import statistics
import sys
import time
from collections.abc import Iterator
from typing import Any
from unittest import mock

from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from evillage import services, tasks
from evillage.layers import (
    FULL_REBUILD_WORK_MEM,
    apply_reports,
    layer_periods,
    refresh_for_village,
    refresh_layers,
)
from evillage.models import AreaStatistic, Chief, ChiefStatus, VillageState
from evillage.periods import period_of_moment, shift
from evillage.services import record_report
from geo.models import Village

MONTHS = 24
INCREMENTAL_SAMPLES = 200
RECOUNT_SAMPLES = 20
SEED = 2026


def say(message: str) -> None:
    print(f"[layers] {message}", file=sys.stderr, flush=True)


@contextlib.contextmanager
def fresh_database(suffix: str) -> Iterator[None]:
    """A new database for the duration of the block; the benchmark's own comes back afterwards."""
    settings = connection.settings_dict
    previous_name, previous_test = settings["NAME"], settings.get("TEST", {}).get("NAME")
    settings.setdefault("TEST", {})["NAME"] = f"{previous_name}_{suffix}"
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        yield
    finally:
        connection.creation.destroy_test_db(previous_name, verbosity=0)
        settings["TEST"]["NAME"] = previous_test


def timed(function: Any, *args: Any, **kwargs: Any) -> tuple[Any, float]:
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - started


def execute(sql: str, params: Any = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


# Data ---------------------------------------------------------------------------------------------------


def multiply_villages(factor: int) -> None:
    """Each village and its chief copied `factor - 1` times nearby, in the same areas."""
    if factor <= 1:
        return
    execute(
        """
        INSERT INTO geo_village (code, name, location, canton_id, prefecture_id, region_id, population,
                                 location_source, location_status, location_note, created_at, updated_at)
        SELECT v.code || '-' || n, v.name || ' ' || n,
               ST_SetSRID(ST_MakePoint(ST_X(v.location) + (random() - 0.5) * 0.01,
                                       ST_Y(v.location) + (random() - 0.5) * 0.01), 4326),
               v.canton_id, v.prefecture_id, v.region_id,
               CASE WHEN random() < 0.1 THEN NULL ELSE 100 + (random() * 3000)::int END,
               v.location_source, v.location_status, '', now(), now()
        FROM geo_village v CROSS JOIN generate_series(2, %s) AS n
        """,
        [factor],
    )
    execute(
        """
        INSERT INTO evillage_chief (full_name, phone, role, village_id, status, created_at, updated_at)
        -- +2286…: a prefix no Togo mobile (nor the national dataset) uses, so no copy takes a real chief's phone.
        SELECT 'Chef ' || v.code, '+2286' || lpad(row_number() OVER (ORDER BY v.id)::text, 7, '0'),
               'village', v.id, CASE WHEN random() < 0.95 THEN 'active' ELSE 'retired' END, now(), now()
        FROM geo_village v
        WHERE NOT EXISTS (SELECT 1 FROM evillage_chief c WHERE c.village_id = v.id)
        """
    )


@contextlib.contextmanager
def bulk_load(tables: list[str]) -> Iterator[None]:
    """Drop the tables' secondary indexes and skip foreign-key triggers while loading, then rebuild."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT i.indexname, i.indexdef FROM pg_indexes i
            WHERE i.tablename = ANY(%s) AND i.indexname NOT IN (
                SELECT conname FROM pg_constraint WHERE contype IN ('p'))
            """,
            [tables],
        )
        indexes = cursor.fetchall()
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        cursor.execute("SET session_replication_role = replica")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = DEFAULT")
            cursor.execute("SET maintenance_work_mem = '512MB'")
            for _, definition in indexes:
                cursor.execute(definition)
            for table in tables:
                cursor.execute(f"ANALYZE {table}")


def generate_reports(months: list[str]) -> dict[str, int]:
    """24 months of reports and values for the expected villages, in a handful of statements."""
    execute("SELECT setseed(%s)", [0.2026])
    with bulk_load(["evillage_reportvalue", "evillage_report"]):
        # Earlier reports, superseded: 5% of village-months.
        for current in (False, True):
            execute(
                """
                INSERT INTO evillage_report (village_id, chief_id, period, population, received_at, source, created_at)
                SELECT c.village_id, c.id, m.period, NULL,
                       (to_date(m.period || '-01', 'YYYY-MM-DD') + interval '1 month'
                        + make_interval(days => (random() * 16)::int - %s, hours => 8)),
                       'bench', now()
                FROM evillage_chief c CROSS JOIN unnest(%s::varchar[]) AS m(period)
                WHERE c.status = 'active' AND random() < %s
                """,
                [20 if not current else 10, months, 0.05 if not current else 0.9],
            )
            execute(
                """
                INSERT INTO evillage_reportvalue (report_id, indicator_id, village_id, period, value, is_current)
                SELECT r.id, i.id, r.village_id, r.period, (random() * i.scale_max)::int, %s
                FROM evillage_report r CROSS JOIN evillage_indicator i
                WHERE r.source = 'bench' AND r.chief_id IS NOT NULL
                  AND r.id > (SELECT COALESCE(max(report_id), 0) FROM evillage_reportvalue)
                  AND random() < 0.95
                """,
                [current],
            )
    with connection.cursor() as cursor:
        # Statistics as autovacuum would have them on a live database, for every table the layers read.
        cursor.execute("ANALYZE")
        cursor.execute("SELECT count(*) FROM evillage_report")
        reports = cursor.fetchone()[0]
        cursor.execute("SELECT count(*), count(*) FILTER (WHERE is_current) FROM evillage_reportvalue")
        values, current_values = cursor.fetchone()
    return {"reports": reports, "values": values, "current_values": current_values}


# The raw query ------------------------------------------------------------------------------------------

RAW_SHARES = """
SELECT GROUPING(v.canton_id, v.prefecture_id, v.region_id) AS level, v.canton_id, v.prefecture_id, v.region_id,
       rv.indicator_id, rv.period, count(*) AS reporting,
       avg(CASE WHEN i.kind = 'scale' THEN (rv.value = i.scale_max)::int ELSE (rv.value >= 1)::int END) AS share,
       sum(CASE WHEN (i.kind = 'scale' AND rv.value = i.scale_max) OR (i.kind <> 'scale' AND rv.value >= 1)
                THEN COALESCE(v.population, 0) ELSE 0 END)::float8
           / NULLIF(sum(COALESCE(v.population, 0)), 0) AS share_population
FROM evillage_reportvalue rv
JOIN geo_village v ON v.id = rv.village_id
JOIN evillage_indicator i ON i.id = rv.indicator_id AND i.is_active
WHERE rv.is_current AND EXISTS (SELECT 1 FROM evillage_chief c WHERE c.village_id = v.id AND c.status = 'active')
GROUP BY GROUPING SETS ((v.canton_id, rv.indicator_id, rv.period), (v.prefecture_id, rv.indicator_id, rv.period),
                        (v.region_id, rv.indicator_id, rv.period), (rv.indicator_id, rv.period))
"""


def raw_query_seconds() -> tuple[int, float]:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL work_mem = '{FULL_REBUILD_WORK_MEM}'")
        started = time.perf_counter()
        cursor.execute(RAW_SHARES)
        rows = len(cursor.fetchall())
        return rows, time.perf_counter() - started


# Incremental --------------------------------------------------------------------------------------------


def incremental(samples: int) -> dict[str, Any]:
    """Record one report, timing the difference it applies to the layers (`apply_reports`, inside
    `record_report`) and the whole `record_report`; `samples` times, villages drawn at random. Then the
    recount a report falls back to (`refresh_for_village`), on a few of the same villages."""
    rng = random.Random(SEED)
    now = timezone.now()
    period = period_of_moment(now)
    chief_ids = list(Chief.objects.filter(status=ChiefStatus.ACTIVE).values_list("pk", flat=True))
    differences: list[float] = []
    applied: list[bool] = []

    def timed_apply(*args: Any, **kwargs: Any) -> list[int]:
        recounted, seconds = timed(apply_reports, *args, **kwargs)
        differences.append(seconds * 1000)
        applied.append(not recounted)
        return recounted

    chiefs = list(Chief.objects.filter(pk__in=rng.sample(chief_ids, samples)).select_related("village"))
    # A fallback's debounced task is not published: the recount is timed by hand below.
    with mock.patch.object(tasks, "schedule_layer_refresh", lambda: None):
        with mock.patch.object(services, "apply_reports", timed_apply):
            reports = []
            for chief in chiefs:
                values = {"water": rng.random() < 0.5, "network": rng.choice([0, 1, 2])}
                _, seconds = timed(record_report, chief, period=period, values=values, received_at=now)
                reports.append(seconds * 1000)
        recounts = []
        for chief in chiefs[:RECOUNT_SAMPLES]:
            _, seconds = timed(refresh_for_village, chief.village_id, period, now=now)
            recounts.append(seconds * 1000)
    return {
        **percentiles(differences),
        "applied": sum(applied),
        "record_report": percentiles(reports),
        "recount_fallback": percentiles(recounts),
    }


def percentiles(durations: list[float]) -> dict[str, Any]:
    durations = sorted(durations)
    return {
        "samples": len(durations),
        "p50_ms": round(statistics.median(durations), 2),
        "p99_ms": round(durations[max(int(len(durations) * 0.99) - 1, 0)], 2),
        "max_ms": round(durations[-1], 2),
    }


# One scale ----------------------------------------------------------------------------------------------


def run_scale(factor: int) -> dict[str, Any]:
    figures: dict[str, Any] = {"scale": factor}
    with fresh_database(f"layers{factor}"):
        say(f"{factor}×: loading the national dataset")
        call_command("load_national_dataset", stdout=io.StringIO(), stderr=io.StringIO(), verbosity=0)
        _, seconds = timed(multiply_villages, factor)
        figures["villages"] = Village.objects.count()
        say(f"{factor}×: {figures['villages']} villages ({seconds:.1f} s); generating {MONTHS} months of reports")
        current = period_of_moment(timezone.now())
        months = [shift(current, -n) for n in range(MONTHS - 1, -1, -1)]
        counts, seconds = timed(generate_reports, months)
        figures.update(counts)
        figures["generate_seconds"] = round(seconds, 1)
        say(f"{factor}×: {counts} in {seconds:.1f} s; full rebuild")

        summary, seconds = timed(refresh_layers)
        figures["full_rebuild_seconds"] = round(seconds, 2)
        figures["full_rebuild_steps_seconds"] = {k: round(v, 2) for k, v in summary.seconds.items()}
        # The ledger and the outlines are part of the areas' figures: counted with them.
        area_steps = ("ledger", "outlines", "prefectures", "regions", "nation")
        areas_seconds = sum(summary.seconds[k] for k in area_steps)
        figures["area_statistics_seconds"] = round(areas_seconds, 2)
        figures["area_rows"] = AreaStatistic.objects.count()
        figures["village_state_rows"] = VillageState.objects.count()
        say(f"{factor}×: first rebuild {seconds:.1f} s; again (the nightly run: states mostly unchanged)")
        summary, seconds = timed(refresh_layers)
        figures["nightly_rebuild_seconds"] = round(seconds, 2)
        figures["nightly_rebuild_steps_seconds"] = {k: round(v, 2) for k, v in summary.seconds.items()}
        nightly_areas = sum(summary.seconds[k] for k in area_steps)
        figures["nightly_area_statistics_seconds"] = round(nightly_areas, 2)

        say(f"{factor}×: the raw query")
        # Twice at small scale, where the noise of a shared machine is the larger part; once at large scale.
        runs = [raw_query_seconds() for _ in range(2 if factor < 10 else 1)]
        raw_rows = runs[0][0]
        best_raw = min(seconds for _, seconds in runs)
        figures["raw_query_seconds"] = round(best_raw, 2)
        figures["raw_query_rows"] = raw_rows
        figures["area_statistics_vs_raw"] = round(min(areas_seconds, nightly_areas) / best_raw, 2)
        figures["periods"] = len(layer_periods())

        say(f"{factor}×: {INCREMENTAL_SAMPLES} single-report refreshes")
        figures["incremental_after_one_report"] = incremental(INCREMENTAL_SAMPLES)
        say(f"{factor}×: done {figures}")
    return figures


def run() -> dict[str, Any]:
    scales = [int(s) for s in os.environ.get("BENCH_LAYERS_SCALES", "1,100").split(",") if s.strip()]
    return {"scales": [run_scale(factor) for factor in scales]}
