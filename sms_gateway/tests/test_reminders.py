"""Reminders before a month closes and summaries to officials after: once each, through the outbox."""

from __future__ import annotations

import datetime as dt

import pytest

from evillage.models import Chief, ChiefStatus, OfficialContact
from evillage.services import record_report
from sms_gateway import replies
from sms_gateway.models import OutboxKind, OutboxMessage, OutboxStatus, PeriodSummary, Reminder
from sms_gateway.reminders import REMINDERS_LOCK, remind_chiefs, reminder_due, send_period_summaries
from sms_gateway.testing.worker import wait_until

# Calendar months (closing day 0): November closes on the 30th; reminders from the 27th with 3 days.
BEFORE_WINDOW = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)
IN_WINDOW = dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.UTC)
AFTER_CLOSE = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def calendar(settings):  # type: ignore[no-untyped-def]
    settings.REPORTING_MONTH_CLOSING_DAY = 0
    settings.REMINDER_DAYS_BEFORE_CLOSE = 3
    return settings


def outbox(kind: str) -> dict[str, str]:
    return dict(OutboxMessage.objects.filter(kind=kind).values_list("to", "text"))


def test_reminders_are_due_from_n_days_before_the_close(settings):
    assert reminder_due(BEFORE_WINDOW.date()) is None
    assert reminder_due(IN_WINDOW.date()) == "2026-11"
    assert reminder_due(dt.date(2026, 11, 30)) == "2026-11"
    settings.REPORTING_MONTH_CLOSING_DAY = 25
    assert reminder_due(dt.date(2026, 11, 22)) == "2026-11"
    assert reminder_due(dt.date(2026, 11, 26)) is None  # already December's period, far from its close


def test_chiefs_who_have_not_reported_get_one_reminder(world):
    record_report(world.chiefs["lama"], period="2026-11", values={"water": True}, received_at=IN_WINDOW)
    assert remind_chiefs(now=BEFORE_WINDOW) == 0
    assert remind_chiefs(now=IN_WINDOW) == 2
    sent = outbox(OutboxKind.REMINDER)
    assert set(sent) == {world.chiefs["tchare"].phone, world.chiefs["bassar"].phone}
    text = sent[world.chiefs["bassar"].phone]
    assert text.startswith("Rappel E-Village: rapport 11/2026 de BANGELI pas encore recu")
    assert "avant le 30/11" in text and "RAP EAU 1" in text
    assert replies.septets(text) <= 160
    assert Reminder.objects.filter(period="2026-11").count() == 2
    assert all(r.outbox.kind == OutboxKind.REMINDER for r in Reminder.objects.select_related("outbox"))


def test_never_two_reminders_for_the_same_month(world):
    assert remind_chiefs(now=IN_WINDOW) == 3
    assert remind_chiefs(now=IN_WINDOW) == 0
    assert remind_chiefs(now=IN_WINDOW + dt.timedelta(days=2)) == 0
    assert OutboxMessage.objects.filter(kind=OutboxKind.REMINDER).count() == 3
    # The next month reminds again.
    assert remind_chiefs(now=dt.datetime(2026, 12, 29, 9, 0, tzinfo=dt.UTC)) == 3


def test_retired_and_pending_chiefs_are_not_reminded(world):
    Chief.objects.filter(pk=world.chiefs["bassar"].pk).update(status=ChiefStatus.RETIRED)
    Chief.objects.filter(pk=world.chiefs["tchare"].pk).update(status=ChiefStatus.PENDING)
    assert remind_chiefs(now=IN_WINDOW) == 1
    assert list(outbox(OutboxKind.REMINDER)) == [world.chiefs["lama"].phone]


@pytest.mark.django_db(transaction=True)
def test_a_run_that_finds_the_lock_taken_does_nothing(world):
    import psycopg
    from django.db import connection

    params = connection.get_connection_params()
    with psycopg.connect(**params, autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock(%s)", [REMINDERS_LOCK])
        assert remind_chiefs(now=IN_WINDOW) is None
        other.execute("SELECT pg_advisory_unlock(%s)", [REMINDERS_LOCK])
    assert not Reminder.objects.exists()
    assert remind_chiefs(now=IN_WINDOW) == 3


def test_officials_get_the_summary_of_the_closed_month_once(world):
    OfficialContact.objects.create(area=world.kozah, name="Préfet", phone="+22891000001")
    OfficialContact.objects.create(area=world.kozah, name="Secrétaire", phone="+22891000002")
    OfficialContact.objects.create(area=world.bassar, name="Ancien", phone="+22891000003", is_active=False)
    record_report(world.chiefs["lama"], period="2026-11", values={"water": True}, received_at=IN_WINDOW)
    assert send_period_summaries(now=AFTER_CLOSE) == 1
    sent = outbox(OutboxKind.NOTICE)
    assert set(sent) == {"+22891000001", "+22891000002"}
    text = sent["+22891000001"]
    assert text.startswith("E-Village Kozah 11/2026: 1/2 villages ont envoye leur rapport (50%), 1 manquants.")
    assert replies.septets(text) <= 160
    summary = PeriodSummary.objects.get()
    assert (summary.prefecture, summary.period, summary.villages_expected, summary.villages_reporting) == (
        world.kozah,
        "2026-11",
        2,
        1,
    )
    # Never twice for a prefecture and month.
    assert send_period_summaries(now=AFTER_CLOSE + dt.timedelta(days=1)) == 0
    assert OutboxMessage.objects.filter(kind=OutboxKind.NOTICE).count() == 2


def test_a_contact_added_later_in_the_month_gets_the_summary_of_its_prefecture(world):
    OfficialContact.objects.create(area=world.kozah, name="Préfet", phone="+22891000001")
    assert send_period_summaries(now=AFTER_CLOSE) == 1
    OfficialContact.objects.create(area=world.bassar, name="Préfet", phone="+22891000003")
    assert send_period_summaries(now=AFTER_CLOSE + dt.timedelta(days=1)) == 1
    assert "Bassar 11/2026: 0/1 villages" in outbox(OutboxKind.NOTICE)["+22891000003"]


def test_templates_fit_one_segment_with_long_names():
    long_name = "Village au nom extraordinairement long de la préfecture de Tchamba-Centre-Nord"
    example = "RAP EAU 1 ELEC 0 RES 2 SANTE 1 ECOLE 1 ROUTE 0 MARCHE 1 PONT 0 MOULIN 1"
    assert replies.septets(replies.reminder("2026-11", long_name, "30/11", example)) <= 160
    assert replies.septets(replies.period_summary(long_name, "2026-11", 4321, 4000)) <= 160


@pytest.mark.django_db(transaction=True)
def test_a_worker_runs_the_reminder_task_and_the_messages_go_out(world, start_worker, fake_provider):
    from sms_gateway.reminders import send_reminders

    worker = start_worker(env={"REPORTING_MONTH_CLOSING_DAY": "0", "REMINDER_DAYS_BEFORE_CLOSE": "3"})
    record_report(world.chiefs["lama"], period="2026-11", values={"water": True}, received_at=IN_WINDOW)
    # The beat's task as a worker receives it, on a day of the reminder window.
    send_reminders.apply_async(kwargs={"now": IN_WINDOW.isoformat()})
    wait_until(
        lambda: OutboxMessage.objects.filter(kind=OutboxKind.REMINDER, status=OutboxStatus.SENT).count() == 2,
        timeout=30,
        what="two reminders sent through the provider",
    )
    assert Reminder.objects.filter(period="2026-11").count() == 2
    assert sorted(m.to for m in fake_provider.sent if m.message.startswith("Rappel")) == sorted(
        [world.chiefs["tchare"].phone, world.chiefs["bassar"].phone]
    )
    # The beat running it again the same day sends nothing more.
    send_reminders.apply_async(kwargs={"now": IN_WINDOW.isoformat()})
    send_reminders.apply_async(kwargs={"now": (IN_WINDOW + dt.timedelta(days=1)).isoformat()})

    def runs_done() -> int:
        return sum("send_reminders[" in line and "succeeded" in line for line in worker.log().splitlines())

    wait_until(lambda: runs_done() == 3, timeout=30, what="three reminder runs")
    assert OutboxMessage.objects.filter(kind=OutboxKind.REMINDER).count() == 2
