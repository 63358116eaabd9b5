"""The layers' debounced refresh: one task for a burst of reports, run by a real worker."""

from __future__ import annotations

import datetime as dt

import pytest

from evillage.models import AreaStatistic, PendingLayerRefresh, VillageState
from evillage.services import record_report
from sms_gateway.testing.fixtures import queued_tasks
from sms_gateway.testing.worker import wait_until

NOW = dt.datetime(2026, 11, 15, 9, 30, tzinfo=dt.UTC)


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_reports_queues_one_refresh(world, celery_queue, settings):
    settings.LAYERS_DEBOUNCE_SECONDS = 30
    for chief in world.chiefs.values():
        record_report(chief, period="2026-11", values={"water": True}, received_at=NOW)
    assert [name for name, _ in queued_tasks(celery_queue)] == ["evillage.tasks.refresh_pending_layers"]
    assert PendingLayerRefresh.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_a_worker_refreshes_the_layers_after_reports(world, start_worker, settings):
    settings.LAYERS_DEBOUNCE_SECONDS = 0
    start_worker()
    record_report(world.chiefs["lama"], period="2026-11", values={"water": True, "network": 2}, received_at=NOW)
    wait_until(lambda: not PendingLayerRefresh.objects.exists(), what="the pending keys to be refreshed")
    nation = AreaStatistic.objects.get(area=None, indicator__key="water", period="2026-11")
    assert (nation.villages_expected, nation.villages_reporting) == (3, 1)
    assert VillageState.objects.filter(village=world.villages["lama"]).count() == 2
    # A later report gets a run of its own.
    record_report(world.chiefs["bassar"], period="2026-11", values={"water": False}, received_at=NOW)
    wait_until(
        lambda: AreaStatistic.objects.get(area=None, indicator__key="water", period="2026-11").villages_reporting == 2,
        what="the second report to reach the nation row",
    )


def test_every_beat_entry_names_a_registered_task(settings):
    from evillage.celery import app

    app.loader.import_default_modules()
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["task"] in app.tasks, name
