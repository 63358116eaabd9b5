"""Reports applied to the layers as a difference (`evillage.layers.apply_reports`), and what falls back to a
recount: the result always equals a full rebuild and the brute force."""

from __future__ import annotations

import datetime as dt
import importlib
import random
import threading

import psycopg
import pytest
from django.db import connection, transaction
from django.utils import timezone

from evillage import tasks
from evillage.layers import LAYERS_LOCK, LayersBusy, refresh_for_village, refresh_layers, refresh_pending
from evillage.models import AreaStatistic, Chief, ChiefStatus, CountedVillage, Indicator, PendingLayerRefresh
from evillage.periods import period_of_moment, shift
from evillage.services import ReportEntry, record_report, record_reports
from evillage.tests.test_layers import (
    assert_same_statistics,
    brute_force,
    grow_world,
    stored_states,
    stored_statistics,
)
from geo.models import Village
from sms_gateway.testing.fixtures import queued_tasks

# The difference takes staleness from the clock: the months are placed around today's.
CURRENT = period_of_moment(timezone.now())
MONTHS = [shift(CURRENT, -n) for n in range(4, -1, -1)]


def received(period: str, late: bool = False) -> dt.datetime:
    """Early in the next month (on time), or two months after (late)."""
    year, month = (int(part) for part in shift(period, 2 if late else 1).split("-"))
    return dt.datetime(year, month, 1, 9, tzinfo=dt.UTC)


def assert_layers_are_a_full_rebuild() -> None:
    """What the differences left equals a full rebuild, which equals the brute force."""
    maintained = stored_statistics(), stored_states()
    refresh_layers()
    rebuilt = stored_statistics(), stored_states()
    expected = brute_force(timezone.now())
    assert_same_statistics(rebuilt[0], expected[0])
    assert rebuilt[1] == expected[1]
    assert_same_statistics(maintained[0], rebuilt[0])
    assert maintained[1] == rebuilt[1]


def another_connection() -> psycopg.Connection:
    """A second session on the test database, as another worker would hold one."""
    settings = connection.settings_dict
    return psycopg.connect(
        host=settings["HOST"],
        port=settings["PORT"],
        user=settings["USER"],
        password=settings["PASSWORD"],
        dbname=settings["NAME"],
        autocommit=True,
    )


@pytest.fixture
def catalogue(transactional_db):  # type: ignore[no-untyped-def]
    """The default indicators: a transactional test after another finds the tables flushed of the seed data."""
    from django.apps import apps

    importlib.import_module("evillage.migrations.0003_default_catalogue").seed(apps, None)


def water(area, period: str) -> AreaStatistic:  # type: ignore[no-untyped-def]
    return AreaStatistic.objects.get(area=area, indicator__key="water", period=period)


@pytest.mark.parametrize("seed", [5, 2027])
def test_reports_applied_as_differences_agree_with_a_rebuild_and_the_brute_force(world, seed):
    rng = random.Random(seed)
    chiefs = grow_world(world, rng)
    indicators = list(Indicator.objects.all())
    # A first month of reports, then the rebuild that lays out the months and writes the ledger.
    for chief in rng.sample(chiefs, 20):
        record_report(chief, period=MONTHS[0], values={"water": rng.randint(0, 1)}, received_at=received(MONTHS[0]))
    refresh_layers()
    PendingLayerRefresh.objects.all().delete()
    for period in MONTHS[1:]:
        record_report(chiefs[0], period=period, values={"road": 1}, received_at=received(period))
    refresh_layers()
    PendingLayerRefresh.objects.all().delete()

    # Reports superseding others (partly, wholly, with the same values), late or on time, in old months too.
    for _ in range(150):
        chief = rng.choice(chiefs)
        period = rng.choice(MONTHS)
        chosen = rng.sample(indicators, rng.randint(1, len(indicators)))
        values = {i.key: rng.randint(0, i.scale_max) for i in chosen}
        record_report(chief, period=period, values=values, received_at=received(period, late=rng.random() < 0.3))
    assert not PendingLayerRefresh.objects.exists(), "every report is a plain difference"
    assert_layers_are_a_full_rebuild()


@pytest.mark.parametrize("seed", [8, 2028])
def test_reports_recorded_in_batches_agree_with_a_rebuild_and_the_brute_force(world, seed):
    rng = random.Random(seed)
    chiefs = [c for c in grow_world(world, rng) if c.status == ChiefStatus.ACTIVE]
    indicators = list(Indicator.objects.all())
    for period in MONTHS:  # every month laid out, and the ledger written
        record_report(chiefs[0], period=period, values={"road": 1}, received_at=received(period))
    refresh_layers()
    PendingLayerRefresh.objects.all().delete()

    # Batches of villages sharing areas (many rows are shared by several reports of one batch, whose changes
    # may cancel out), superseding earlier batches partly or wholly, mostly in two months, the same values
    # again now and then.
    for _ in range(25):
        batch = []
        for chief in rng.sample(chiefs, rng.randint(1, 20)):
            period = rng.choice(MONTHS[-2:] * 3 + MONTHS)
            chosen = rng.sample(indicators, rng.randint(1, len(indicators)))
            values = {i.key: rng.randint(0, i.scale_max) for i in chosen}
            batch.append(ReportEntry(chief, period, values, received(period, late=rng.random() < 0.3)))
        record_reports(batch)
    assert not PendingLayerRefresh.objects.exists(), "every report is a plain difference"
    assert_layers_are_a_full_rebuild()


def test_one_village_twice_in_a_batch_is_refused(world):
    lama = world.chiefs["lama"]
    twice = [ReportEntry(lama, CURRENT, {"water": 1}, received(CURRENT))] * 2
    with pytest.raises(ValueError, match="one report per village"):
        record_reports(twice)


def test_a_superseding_report_moves_the_counters_by_its_difference(world):
    refresh_layers()
    lama = world.chiefs["lama"]
    record_report(lama, period=CURRENT, values={"water": True, "network": 2}, received_at=received(CURRENT))
    kozah = water(world.kozah, CURRENT)
    assert (kozah.villages_reporting, kozah.villages_with_service, kozah.reports_on_time) == (1, 1, 1)
    assert kozah.share_villages == 1.0 and kozah.population_with_service == 1200

    record_report(lama, period=CURRENT, values={"water": False, "network": 1}, received_at=received(CURRENT, True))
    for area in (world.lama, world.kozah, world.kara, None):
        row = water(area, CURRENT)
        assert (row.villages_reporting, row.villages_with_service, row.reports_on_time) == (1, 0, 0)
        assert (row.share_villages, row.share_population, row.population_with_service) == (0.0, 0.0, 0)
        network = AreaStatistic.objects.get(area=area, indicator__key="network", period=CURRENT)
        assert network.distribution == {"0": 0, "1": 1, "2": 0}
    assert not PendingLayerRefresh.objects.exists()
    assert_layers_are_a_full_rebuild()


def test_the_same_values_twice_change_no_row(world):
    refresh_layers()
    record_report(world.chiefs["tchare"], period=CURRENT, values={"water": True}, received_at=received(CURRENT))
    before = dict(AreaStatistic.objects.values_list("pk", "refreshed_at"))
    record_report(world.chiefs["tchare"], period=CURRENT, values={"water": True}, received_at=received(CURRENT))
    assert dict(AreaStatistic.objects.values_list("pk", "refreshed_at")) == before
    assert water(None, CURRENT).villages_reporting == 1
    assert_layers_are_a_full_rebuild()


def test_a_report_for_an_older_month_keeps_the_newer_state(world):
    old = shift(CURRENT, -2)
    record_report(world.chiefs["lama"], period=old, values={"water": True}, received_at=received(old))
    refresh_layers()
    record_report(world.chiefs["lama"], period=CURRENT, values={"water": False}, received_at=received(CURRENT))
    record_report(world.chiefs["lama"], period=old, values={"water": False}, received_at=received(old, True))
    state = world.villages["lama"].states.get(indicator__key="water")
    assert (state.value, state.period, state.staleness_months) == (0, CURRENT, 0)
    assert water(world.kozah, old).villages_with_service == 0
    assert not PendingLayerRefresh.objects.exists()
    assert_layers_are_a_full_rebuild()


def test_a_population_change_is_recounted_in_every_month(world):
    old = shift(CURRENT, -1)
    record_report(world.chiefs["lama"], period=old, values={"water": True}, received_at=received(old))
    refresh_layers()
    record_report(
        world.chiefs["lama"], period=CURRENT, values={"water": True}, population=3000, received_at=received(CURRENT)
    )
    # Not a plain difference: left to the recount, the rows untouched meanwhile.
    assert list(PendingLayerRefresh.objects.values_list("village_id", "period")) == [
        (world.villages["lama"].pk, CURRENT)
    ]
    assert water(world.kozah, CURRENT).villages_reporting == 0
    assert refresh_pending() == 1
    for period in (old, CURRENT):
        assert water(world.kozah, period).population_expected == 3000 + 800
        assert water(None, period).population_reporting == 3000
    assert CountedVillage.objects.get(village=world.villages["lama"]).population == 3000
    # From then on its reports are differences again.
    record_report(world.chiefs["lama"], period=old, values={"water": False}, received_at=received(old))
    assert not PendingLayerRefresh.objects.exists()
    assert_layers_are_a_full_rebuild()


def test_a_chief_appointed_since_the_rebuild_is_recounted_not_subtracted(world):
    bassar = world.chiefs["bassar"]
    record_report(bassar, period=CURRENT, values={"water": True}, received_at=received(CURRENT))
    Chief.objects.filter(pk=bassar.pk).update(status=ChiefStatus.RETIRED)
    refresh_layers()
    assert water(world.bassar, CURRENT).villages_reporting == 0
    # Appointed again, unannounced: its value was never counted, so it must not be taken off.
    Chief.objects.filter(pk=bassar.pk).update(status=ChiefStatus.ACTIVE)
    record_report(bassar, period=CURRENT, values={"water": False}, received_at=received(CURRENT))
    assert PendingLayerRefresh.objects.count() == 1
    assert water(world.bassar, CURRENT).villages_reporting == 0
    refresh_pending()
    bassar_water = water(world.bassar, CURRENT)
    assert (bassar_water.villages_expected, bassar_water.villages_reporting) == (1, 1)
    assert_layers_are_a_full_rebuild()


def test_a_village_moved_to_another_prefecture_is_recounted_in_both(world):
    old = shift(CURRENT, -1)
    for period in (old, CURRENT):
        record_report(world.chiefs["tchare"], period=period, values={"water": True}, received_at=received(period))
    refresh_layers()
    Village.objects.filter(pk=world.villages["tchare"].pk).update(canton=None, prefecture=world.bassar)
    record_report(world.chiefs["tchare"], period=CURRENT, values={"road": True}, received_at=received(CURRENT))
    refresh_pending()
    assert (water(world.kozah, old).villages_reporting, water(world.bassar, old).villages_reporting) == (0, 1)
    assert water(world.tchare, old).villages_expected == 0
    assert_layers_are_a_full_rebuild()


def test_a_month_not_laid_out_is_laid_out_by_the_recount(world):
    refresh_layers()
    old = shift(CURRENT, -3)
    record_report(world.chiefs["lama"], period=old, values={"water": True}, received_at=received(old))
    assert not AreaStatistic.objects.filter(period=old).exists()
    refresh_pending()
    assert water(world.bassar, old).villages_expected == 1
    assert water(None, old).villages_reporting == 1
    assert_layers_are_a_full_rebuild()


@pytest.mark.django_db(transaction=True)
def test_a_report_while_a_recount_holds_the_lock_falls_back_to_the_recount(catalogue, world):
    refresh_layers()
    with another_connection() as other:
        other.execute("SELECT pg_advisory_lock(%s)", [LAYERS_LOCK])
        record_report(world.chiefs["lama"], period=CURRENT, values={"water": True}, received_at=received(CURRENT))
    assert PendingLayerRefresh.objects.count() == 1
    assert water(None, CURRENT).villages_reporting == 0
    refresh_pending()
    assert water(None, CURRENT).villages_reporting == 1
    assert_layers_are_a_full_rebuild()


@pytest.mark.django_db(transaction=True)
def test_the_debounced_recount_does_not_queue_behind_reports_but_comes_back(catalogue, world, celery_queue):
    refresh_layers()
    record_report(
        world.chiefs["lama"], period=CURRENT, values={"water": True}, received_at=received(CURRENT), population=1300
    )
    assert PendingLayerRefresh.objects.count() == 1  # its population changed
    with another_connection() as other:
        other.execute("SELECT pg_advisory_lock_shared(%s)", [LAYERS_LOCK])  # a report applying its difference
        with pytest.raises(LayersBusy):
            refresh_pending(wait=False)
        assert tasks.refresh_pending_layers() == 0
    assert PendingLayerRefresh.objects.count() == 1  # kept
    # The task came back, a debounce later.
    assert [name for name, _ in queued_tasks(celery_queue)][-1] == "evillage.tasks.refresh_pending_layers"
    assert tasks.refresh_pending_layers() == 1
    assert_layers_are_a_full_rebuild()


def test_a_report_rolled_back_leaves_the_layers_as_they_were_and_a_recount_twice_is_harmless(world):
    refresh_layers()
    before = stored_statistics(), stored_states()
    with pytest.raises(RuntimeError), transaction.atomic():
        record_report(world.chiefs["lama"], period=CURRENT, values={"water": True}, received_at=received(CURRENT))
        raise RuntimeError("the SMS's transaction fails after the report")
    assert (stored_statistics(), stored_states()) == before
    record_report(world.chiefs["lama"], period=CURRENT, values={"water": True}, received_at=received(CURRENT))
    once = stored_statistics(), stored_states()
    # A recount of the same key, twice (a task delivered twice), finds nothing to change.
    for _ in range(2):
        refresh_for_village(world.villages["lama"].pk, CURRENT)
        assert (stored_statistics(), stored_states()) == once
    assert_layers_are_a_full_rebuild()


@pytest.mark.django_db(transaction=True)
def test_villages_reporting_at_once_lose_no_update_and_never_deadlock(catalogue, world):
    rng = random.Random(3)
    chiefs = grow_world(world, rng, villages=12)
    chiefs = [c for c in chiefs if c.status == ChiefStatus.ACTIVE]
    refresh_layers()
    PendingLayerRefresh.objects.all().delete()
    start = threading.Barrier(4)
    failures: list[BaseException] = []

    def report_many(worker: int) -> None:
        local = random.Random(worker)
        try:
            start.wait()
            for _ in range(15):
                chief = local.choice(chiefs)
                values = {"water": local.randint(0, 1), "network": local.randint(0, 2)}
                record_report(chief, period=CURRENT, values=values, received_at=received(CURRENT))
        except BaseException as error:  # reported by the test below
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=report_many, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert not PendingLayerRefresh.objects.exists()
    assert water(None, CURRENT).villages_reporting > 0
    assert_layers_are_a_full_rebuild()


@pytest.mark.django_db
def test_the_function_in_the_database_is_the_statement_of_the_module():
    import re

    from evillage import layers

    body = re.sub(r"%\((\w+)\)s", lambda m: "p_" + m.group(1), layers._APPLY_REPORTS).strip()
    with connection.cursor() as cursor:
        cursor.execute("SELECT prosrc FROM pg_proc WHERE proname = 'evillage_apply_reports'")
        (source,) = cursor.fetchone()
    assert body in source
