"""The layers: incremental refreshes, a full rebuild and a plain-Python recomputation agree, on random data."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from evillage.layers import (
    deadline,
    layer_periods,
    month_index,
    non_reporting_villages,
    refresh_for_village,
    refresh_layers,
    refresh_pending,
)
from evillage.models import (
    AreaStatistic,
    Chief,
    ChiefRole,
    ChiefStatus,
    Indicator,
    PendingLayerRefresh,
    Report,
    ReportValue,
    VillageState,
)
from evillage.periods import period_bounds, period_of_moment, shift
from evillage.services import record_report
from geo.models import Area, Level, Village
from tests.builders import box, make_area, make_village

NOW = dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.UTC)
PERIODS = ["2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11"]


# A random world ----------------------------------------------------------------------------------------


def grow_world(world: Any, rng: random.Random, villages: int = 36) -> list[Chief]:
    """Villages scattered over Kozah's cantons, Bassar (no cantons, one commune) and a second region;
    most with an active chief, some with a retired or pending one, some without population."""
    plateaux = make_area(world.boundary_set, Level.REGION, "TG-P", "Plateaux", box(0.5, 7.0, 1.5, 8.0))
    ogou = make_area(world.boundary_set, Level.PREFECTURE, "OGO", "Ogou", box(0.5, 7.0, 1.5, 8.0), plateaux)
    make_area(world.boundary_set, Level.COMMUNE, "BAS-M", "Bassar commune", box(0.5, 9.0, 0.75, 9.5), world.bassar)
    places = [
        (world.lama, world.kozah, (1.0, 1.25), (9.3, 9.8)),
        (world.tchare, world.kozah, (1.25, 1.5), (9.3, 9.8)),
        (None, world.bassar, (0.5, 1.0), (9.0, 10.0)),
        (None, ogou, (0.5, 1.5), (7.0, 8.0)),
    ]
    chiefs = list(world.chiefs.values())
    for n in range(villages):
        canton, prefecture, (w, e), (s, north) = places[n % len(places)]
        village = make_village(
            f"RND-{n:04d}",
            f"Village {n}",
            round(rng.uniform(w + 0.01, e - 0.01), 5),
            round(rng.uniform(s + 0.01, north - 0.01), 5),
            canton,
            prefecture,
            population=rng.choice([None, rng.randint(50, 5000)]),
        )
        status = rng.choices([ChiefStatus.ACTIVE, ChiefStatus.RETIRED, ChiefStatus.PENDING], [8, 1, 1])[0]
        role = rng.choice([ChiefRole.VILLAGE_CHIEF, ChiefRole.CANTON_CHIEF])
        chiefs.append(
            Chief.objects.create(
                full_name=f"Chef {n}", phone=f"+2289{n:07d}", village=village, role=role, status=status
            )
        )
    return chiefs


def random_reports(chiefs: list[Chief], rng: random.Random, count: int = 160) -> list[tuple[int, str]]:
    """Reports over several months, partial or complete, on time or late, some superseding others."""
    indicators = list(Indicator.objects.all())
    keys = []
    for _ in range(count):
        chief = rng.choice(chiefs)
        period = rng.choice(PERIODS)
        first, last = period_bounds(period)
        received = dt.datetime.combine(first, dt.time(8), tzinfo=dt.UTC) + dt.timedelta(
            days=rng.randint(0, (last - first).days + 9), minutes=rng.randint(0, 900)
        )
        chosen = rng.sample(indicators, rng.randint(1, len(indicators)))
        values = {i.key: rng.randint(0, i.scale_max) for i in chosen}
        record_report(chief, period=period, values=values, received_at=received)
        keys.append((chief.village_id, period))
    return keys


# Reading the layers, and the brute force -----------------------------------------------------------------

NUMBERS = [
    "level",
    "villages_expected",
    "villages_reporting",
    "villages_with_service",
    "reports_on_time",
    "population_expected",
    "population_reporting",
    "population_with_service",
    "share_villages",
    "share_population",
    "completeness",
    "timeliness",
    "distribution",
]


def stored_statistics() -> dict[tuple[int | None, int, str], dict[str, Any]]:
    rows = AreaStatistic.objects.values("area_id", "indicator_id", "period", *NUMBERS)
    return {(r.pop("area_id"), r.pop("indicator_id"), r.pop("period")): r for r in rows}


def stored_states() -> dict[tuple[int, int], tuple[Any, ...]]:
    rows = VillageState.objects.all()
    return {
        (s.village_id, s.indicator_id): (
            s.value,
            s.period,
            s.staleness_months,
            s.is_stale,
            s.prefecture_id,
            (s.location.x, s.location.y),
        )
        for s in rows
    }


def brute_force(now: dt.datetime, stale_after: int = 2) -> tuple[dict, dict]:
    """The layers' definitions, applied row by row in plain Python."""
    indicators = {i.pk: i for i in Indicator.objects.filter(is_active=True)}
    areas = {a.pk: a for a in Area.objects.active()}
    villages = {v.pk: v for v in Village.objects.all()}
    expected = {c.village_id for c in Chief.objects.filter(status=ChiefStatus.ACTIVE)}
    communes = [a for a in areas.values() if a.level == Level.COMMUNE]

    def areas_of(village: Village) -> list[int | None]:
        found: list[int | None] = [None]
        prefecture = areas.get(village.prefecture_id)
        if prefecture is None:
            return found
        found.append(prefecture.pk)
        if prefecture.parent_id in areas:
            found.append(prefecture.parent_id)
        if village.canton_id in areas:
            found.append(village.canton_id)
        found += [c.pk for c in communes if c.parent_id == prefecture.pk and c.geom.intersects(village.location)][:1]
        return found

    current = [
        rv
        for rv in ReportValue.objects.filter(is_current=True).select_related("report")
        if rv.indicator_id in indicators
    ]
    periods = sorted({rv.period for rv in current} | {period_of_moment(now)})
    stats: dict[tuple[int | None, int, str], dict[str, Any]] = {}
    for area_key in [None, *areas]:
        level = "nation" if area_key is None else areas[area_key].level
        members = [v for v in villages.values() if v.pk in expected and area_key in areas_of(v)]
        for indicator in indicators.values():
            for period in periods:
                values = {
                    rv.village_id: rv
                    for rv in current
                    if rv.indicator_id == indicator.pk
                    and rv.period == period
                    and rv.village_id in {v.pk for v in members}
                }

                def served(value: int, indicator: Indicator = indicator) -> bool:
                    return value == indicator.scale_max if indicator.kind == "scale" else value >= 1

                population = {v.pk: v.population or 0 for v in members}
                reporting = len(values)
                with_service = sum(served(rv.value) for rv in values.values())
                pop_reporting = sum(population[v] for v in values)
                pop_served = sum(population[v] for v, rv in values.items() if served(rv.value))
                on_time = sum(rv.report.received_at < deadline(period) for rv in values.values())
                distribution = (
                    {str(k): sum(rv.value == k for rv in values.values()) for k in range(indicator.scale_max + 1)}
                    if indicator.kind == "scale"
                    else {}
                )
                stats[(area_key, indicator.pk, period)] = {
                    "level": level,
                    "villages_expected": len(members),
                    "villages_reporting": reporting,
                    "villages_with_service": with_service,
                    "reports_on_time": on_time,
                    "population_expected": sum(population.values()),
                    "population_reporting": pop_reporting,
                    "population_with_service": pop_served,
                    "share_villages": with_service / reporting if reporting else None,
                    "share_population": pop_served / pop_reporting if reporting and pop_reporting else None,
                    "completeness": reporting / len(members) if members else None,
                    "timeliness": on_time / len(members) if members else None,
                    "distribution": distribution,
                }
    current_period = period_of_moment(now)
    latest: dict[tuple[int, int], ReportValue] = {}
    for rv in current:
        key = (rv.village_id, rv.indicator_id)
        if rv.period <= current_period and (key not in latest or rv.period > latest[key].period):
            latest[key] = rv
    states = {}
    for (village_id, indicator_id), rv in latest.items():
        village = villages[village_id]
        months = month_index(current_period) - month_index(rv.period)
        states[(village_id, indicator_id)] = (
            rv.value,
            rv.period,
            months,
            months >= stale_after,
            village.prefecture_id,
            (village.location.x, village.location.y),
        )
    return stats, states


def assert_same_statistics(actual: dict, expected: dict) -> None:
    def rounded(row: dict[str, Any]) -> dict[str, Any]:
        return {k: round(v, 9) if isinstance(v, float) else v for k, v in row.items()}

    assert actual.keys() == expected.keys()
    for key, row in expected.items():
        assert rounded(actual[key]) == rounded(row), key


# Tests -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [7, 2026])
def test_incremental_full_and_brute_force_agree_on_random_data(world, seed):
    rng = random.Random(seed)
    chiefs = grow_world(world, rng)
    reports = random_reports(chiefs, rng)
    assert ReportValue.objects.filter(is_current=False).exists(), "some values must be superseded"
    AreaStatistic.objects.all().delete()
    VillageState.objects.all().delete()

    # Incremental: as if each report were refreshed alone, in arrival order.
    for village_id, period in reports:
        refresh_for_village(village_id, period, now=NOW)
    incremental_stats, incremental_states = stored_statistics(), stored_states()

    refresh_layers(now=NOW)
    full_stats, full_states = stored_statistics(), stored_states()
    expected_stats, expected_states = brute_force(NOW)

    assert_same_statistics(full_stats, expected_stats)
    assert full_states == expected_states
    assert_same_statistics(incremental_stats, full_stats)
    assert incremental_states == full_states
    # The random world exercises every level, including the commune (found by its polygon).
    assert {row["level"] for row in full_stats.values()} == {"nation", "region", "prefecture", "canton", "commune"}


def test_pending_keys_are_refreshed_in_one_batch(world):
    rng = random.Random(11)
    chiefs = grow_world(world, rng, villages=12)
    random_reports(chiefs, rng, count=40)
    pending = PendingLayerRefresh.objects.count()
    assert pending > 0
    with CaptureQueriesContext(connection) as batch:
        done = refresh_pending(now=NOW)
    assert done == pending
    assert not PendingLayerRefresh.objects.exists()
    # A few statements per month, not per village.
    assert len(batch) <= 6 + 3 * len(PERIODS)
    pending_stats = stored_statistics()
    refresh_layers(now=NOW)
    assert_same_statistics(pending_stats, stored_statistics())


def test_a_report_marks_its_village_and_month_for_refresh(world):
    record_report(world.chiefs["lama"], period="2026-11", values={"water": True}, received_at=NOW)
    record_report(world.chiefs["lama"], period="2026-11", values={"road": False}, received_at=NOW)
    assert list(PendingLayerRefresh.objects.values_list("village_id", "period")) == [
        (world.villages["lama"].pk, "2026-11")
    ]


def test_definitions_on_the_named_world(world, settings):
    settings.LAYERS_DEADLINE_DAYS = 5
    water = Indicator.objects.get(key="water")
    network = Indicator.objects.get(key="network")
    # Lama: water yes, network BON, on time (the 5th of the next month, late evening in Lomé).
    record_report(
        world.chiefs["lama"],
        period="2026-10",
        values={"water": True, "network": 2},
        received_at=dt.datetime(2026, 11, 5, 23, 59, tzinfo=dt.UTC),
    )
    # Tcharé: water no, network FAIBLE (not the service), one minute too late.
    record_report(
        world.chiefs["tchare"],
        period="2026-10",
        values={"water": False, "network": 1},
        received_at=dt.datetime(2026, 11, 6, 0, 0, tzinfo=dt.UTC),
    )
    refresh_layers(now=NOW)
    kozah_water = AreaStatistic.objects.get(area=world.kozah, indicator=water, period="2026-10")
    assert (kozah_water.villages_expected, kozah_water.villages_reporting, kozah_water.villages_with_service) == (
        2,
        2,
        1,
    )
    assert kozah_water.reports_on_time == 1 and kozah_water.timeliness == 0.5
    assert kozah_water.share_villages == 0.5
    assert kozah_water.share_population == pytest.approx(1200 / 2000)
    assert kozah_water.completeness == 1.0 and kozah_water.distribution == {}
    kozah_network = AreaStatistic.objects.get(area=world.kozah, indicator=network, period="2026-10")
    assert kozah_network.villages_with_service == 1
    assert kozah_network.distribution == {"0": 0, "1": 1, "2": 1}
    # Bassar was expected and did not report: no share, completeness 0.
    bassar = AreaStatistic.objects.get(area=world.bassar, indicator=water, period="2026-10")
    assert (bassar.villages_expected, bassar.villages_reporting, bassar.share_villages) == (1, 0, None)
    assert bassar.completeness == 0.0 and bassar.population_expected == 500
    # The current month is laid out before anyone reports in it.
    assert AreaStatistic.objects.filter(period="2026-11", villages_reporting=0).exists()


def test_the_nation_row_sums_the_regions_under_their_union(world):
    record_report(world.chiefs["bassar"], period="2026-11", values={"water": True}, received_at=NOW)
    refresh_layers(now=NOW)
    nation = AreaStatistic.objects.get(area=None, indicator__key="water", period="2026-11")
    assert nation.level == "nation"
    assert (nation.villages_expected, nation.villages_reporting, nation.villages_with_service) == (3, 1, 1)
    assert nation.population_expected == 2500
    assert nation.geom.equals(world.kara.geom)
    assert AreaStatistic.objects.filter(area=None).count() == Indicator.objects.filter(is_active=True).count()


def test_a_village_that_stopped_reporting_keeps_its_state_marked_stale(world, settings):
    settings.LAYERS_STALE_AFTER_MONTHS = 2
    record_report(world.chiefs["lama"], period="2026-08", values={"water": True}, received_at=NOW)
    record_report(world.chiefs["lama"], period="2026-10", values={"road": False}, received_at=NOW)
    refresh_layers(now=NOW)
    states = {s.indicator.key: s for s in VillageState.objects.select_related("indicator")}
    assert (states["water"].value, states["water"].period, states["water"].staleness_months) == (1, "2026-08", 3)
    assert states["water"].is_stale is True
    assert (states["road"].staleness_months, states["road"].is_stale) == (1, False)
    assert states["water"].location == world.villages["lama"].location
    assert states["water"].prefecture_id == world.kozah.pk
    # A month later, staleness moves on with the nightly rebuild.
    refresh_layers(now=NOW + dt.timedelta(days=31))
    assert VillageState.objects.get(indicator__key="road").staleness_months == 2


def test_a_retired_chief_makes_the_village_no_longer_expected(world):
    record_report(world.chiefs["bassar"], period="2026-11", values={"water": True}, received_at=NOW)
    Chief.objects.filter(pk=world.chiefs["bassar"].pk).update(status=ChiefStatus.RETIRED)
    refresh_layers(now=NOW)
    bassar = AreaStatistic.objects.get(area=world.bassar, indicator__key="water", period="2026-11")
    assert (bassar.villages_expected, bassar.villages_reporting, bassar.completeness) == (0, 0, None)
    # The village keeps its state on the map.
    assert VillageState.objects.filter(village=world.villages["bassar"]).exists()


def test_a_full_rebuild_drops_rows_no_longer_due(world):
    record_report(world.chiefs["lama"], period="2026-09", values={"water": True}, received_at=NOW)
    refresh_layers(now=NOW)
    Indicator.objects.filter(key="road").update(is_active=False)
    Report.objects.all().delete()
    refresh_layers(now=NOW)
    assert set(AreaStatistic.objects.values_list("period", flat=True)) == {"2026-11"}
    assert not AreaStatistic.objects.filter(indicator__key="road").exists()
    assert not VillageState.objects.exists()


def _reports_table_statistics() -> tuple[float, float]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT reltuples FROM pg_class WHERE relname = 'evillage_report'), "
            "(SELECT reltuples FROM pg_class WHERE relname = 'evillage_reportvalue')"
        )
        return cursor.fetchone()


def test_a_full_rebuild_analyses_the_reports_only_when_there_are_some(world):
    # Never analysed (-1), the planner allows for a table to grow; analysed empty (0), it plans the first
    # reports' foreign-key checks as scans of an empty table. Reset here: other tests may have analysed them.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE pg_class SET reltuples = -1 WHERE relname IN ('evillage_report', 'evillage_reportvalue')"
        )
    refresh_layers(now=NOW)
    assert _reports_table_statistics() == (-1, -1)

    record_report(world.chiefs["lama"], period="2026-11", values={"water": True, "network": 2}, received_at=NOW)
    refresh_layers(now=NOW)
    assert _reports_table_statistics() == (1, 2)


def test_refreshing_one_month_or_one_area(world):
    record_report(world.chiefs["lama"], period="2026-10", values={"water": True}, received_at=NOW)
    refresh_layers(now=NOW)
    record_report(world.chiefs["bassar"], period="2026-10", values={"water": True}, received_at=NOW)
    refresh_layers(areas=[world.bassar], now=NOW)
    nation = AreaStatistic.objects.get(area=None, indicator__key="water", period="2026-10")
    assert nation.villages_reporting == 2
    record_report(world.chiefs["tchare"], period="2026-10", values={"water": True}, received_at=NOW)
    refresh_layers(period="2026-10", now=NOW)
    assert AreaStatistic.objects.get(area=None, indicator__key="water", period="2026-10").villages_reporting == 3


def test_refresh_query_counts_do_not_grow_with_the_villages(world):
    record_report(world.chiefs["lama"], period="2026-10", values={"water": True}, received_at=NOW)
    with CaptureQueriesContext(connection) as small_full:
        refresh_layers(now=NOW)
    with CaptureQueriesContext(connection) as small_one:
        refresh_for_village(world.villages["lama"].pk, "2026-10", now=NOW)
    rng = random.Random(3)
    chiefs = grow_world(world, rng, villages=40)
    random_reports(chiefs, rng, count=80)
    with CaptureQueriesContext(connection) as large_full:
        refresh_layers(now=NOW)
    with CaptureQueriesContext(connection) as large_one:
        refresh_for_village(world.villages["lama"].pk, "2026-10", now=NOW)
    assert len(large_full) == len(small_full) <= 15
    assert len(large_one) == len(small_one) <= 9


def test_non_reporting_villages(world):
    record_report(world.chiefs["lama"], period="2026-11", values={"water": True}, received_at=NOW)
    # A report of another month does not count for this one.
    record_report(world.chiefs["tchare"], period="2026-10", values={"water": True}, received_at=NOW)
    assert set(non_reporting_villages("2026-11")) == {world.villages["tchare"], world.villages["bassar"]}
    assert list(non_reporting_villages("2026-11", world.kozah)) == [world.villages["tchare"]]
    assert list(non_reporting_villages("2026-11", world.lama)) == []
    assert set(non_reporting_villages("2026-11", world.kara)) == {world.villages["tchare"], world.villages["bassar"]}
    # A village without an active chief is not expected.
    Chief.objects.filter(pk=world.chiefs["bassar"].pk).update(status=ChiefStatus.RETIRED)
    assert list(non_reporting_villages("2026-11")) == [world.villages["tchare"]]


def test_layer_periods_are_the_months_with_reports_and_the_current_one(world):
    record_report(world.chiefs["lama"], period="2026-07", values={"water": True}, received_at=NOW)
    record_report(world.chiefs["tchare"], period="2026-09", values={"water": True}, received_at=NOW)
    assert layer_periods(NOW) == ["2026-07", "2026-09", "2026-11"]
    assert shift("2026-11", -4) == "2026-07"


def test_deadline_follows_the_settings(settings):
    settings.LAYERS_DEADLINE_DAYS = 5
    assert deadline("2026-10") == dt.datetime(2026, 11, 6, tzinfo=dt.UTC)
    settings.REPORTING_MONTH_CLOSING_DAY = 25
    assert deadline("2026-10") == dt.datetime(2026, 10, 31, tzinfo=dt.UTC)


def test_refresh_layers_command(world):
    from io import StringIO

    from django.core.management import call_command

    record_report(world.chiefs["lama"], period="2026-10", values={"water": True}, received_at=NOW)
    out = StringIO()
    call_command("refresh_layers", "--period", "2026-10", stdout=out, stderr=StringIO())
    assert AreaStatistic.objects.filter(period="2026-10", villages_reporting=1).exists()
    assert "2026-10" in out.getvalue()


def test_refresh_layers_command_rejects_a_bad_period(world):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError):
        call_command("refresh_layers", "--period", "2026-13")


def test_the_admin_shows_the_layers_read_only(client, world):
    from django.contrib.auth import get_user_model

    record_report(world.chiefs["lama"], period="2026-10", values={"water": True}, received_at=NOW)
    refresh_layers(now=NOW)
    client.force_login(get_user_model().objects.create_superuser("root", password="x-secret-123"))
    for model in ("areastatistic", "villagestate"):
        assert client.get(f"/admin/evillage/{model}/").status_code == 200
        assert client.get(f"/admin/evillage/{model}/add/").status_code == 403
    row = AreaStatistic.objects.first()
    assert client.get(f"/admin/evillage/areastatistic/{row.pk}/change/").status_code == 200
