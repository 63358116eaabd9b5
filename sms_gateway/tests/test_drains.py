"""The drains that process the inbox and send the outbox, and the cheap wake-up that queues them.

The tasks run here in this process (called, not queued); what they queue goes to the test's own queue.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from evillage.layers import refresh_layers, refresh_pending
from evillage.models import Chief, ChiefStatus, OfficialContact, PendingLayerRefresh, Report, ReportValue
from evillage.tests.test_layers import grow_world
from evillage.tests.test_layers_delta import assert_layers_are_a_full_rebuild
from geo.models import Village
from sms_gateway import inbox, tasks
from sms_gateway.backends import Inbound
from sms_gateway.inbox import process_pending, record_inbound
from sms_gateway.models import InboxMessage, InboxStatus, OutboxKind, OutboxMessage, OutboxStatus
from sms_gateway.outbox import queue_message, send_due
from sms_gateway.testing.concurrency import at_once
from sms_gateway.testing.fixtures import queued_tasks

SENT = dt.datetime(2026, 11, 15, 9, 30, tzinfo=dt.UTC)
CHIEF = "+22890112233"
_ids = itertools.count(1)
DRAIN_INBOX = ("sms_gateway.tasks.drain_inbox", [])
DRAIN_OUTBOX = ("sms_gateway.tasks.drain_outbox", [])


def drains_queued(queue: str) -> list[tuple[str, list[int]]]:
    return [task for task in queued_tasks(queue) if task[0].startswith("sms_gateway.tasks.drain_")]


def arrive(text: str = "RAP EAU 1", sender: str = CHIEF) -> InboxMessage:
    message = record_inbound(
        Inbound(provider_id=f"drain-{next(_ids)}", sender=sender, recipient="21512", text=text, provider_date=SENT)
    )
    assert message is not None
    return message


@pytest.mark.django_db(transaction=True)
def test_a_drain_dropping_its_flag_lets_the_next_message_queue_another(world, celery_queue):
    arrive()
    arrive("AIDE")
    assert drains_queued(celery_queue) == [DRAIN_INBOX]  # one wake-up for both

    assert tasks.drain_inbox() == 2  # run as the worker would (here, in this process)

    assert InboxMessage.objects.filter(status=InboxStatus.DONE).count() == 2
    # Its batch was not full, so that was all: no companion; the replies woke the outbox's drain.
    assert drains_queued(celery_queue) == [DRAIN_INBOX, DRAIN_OUTBOX]
    assert tasks.drain_inbox() == 0  # a drain finding nothing wakes nothing

    arrive("AIDE")  # after the drains' look for work: it must not wait for the sweeper
    assert drains_queued(celery_queue) == [DRAIN_INBOX, DRAIN_OUTBOX, DRAIN_INBOX]


@pytest.mark.django_db(transaction=True)
def test_a_full_batch_wakes_a_companion_to_share_the_backlog(world, celery_queue, monkeypatch):
    monkeypatch.setattr(inbox, "HANDLING_BATCH", 2)
    for _ in range(3):
        arrive("AIDE")

    assert tasks.drain_inbox() == 3

    # The first batch was full: a companion was woken before handling it; the second was the rest.
    assert drains_queued(celery_queue) == [DRAIN_INBOX, DRAIN_INBOX, DRAIN_OUTBOX]


@pytest.mark.django_db
def test_a_drain_hands_over_after_its_batch(world):
    for _ in range(3):
        arrive("AIDE")

    assert process_pending(2) == (2, True)
    assert process_pending(2) == (1, False)
    assert not InboxMessage.objects.filter(status=InboxStatus.PENDING).exists()
    assert OutboxMessage.objects.count() == 3


@pytest.mark.django_db
def test_a_message_whose_transaction_fails_outside_handling_does_not_stop_the_others(world):
    stuck, *others = [arrive("AIDE") for _ in range(3)]
    with connection.cursor() as cursor:  # the database refuses to mark that one done (rolled back with the test)
        cursor.execute(
            "CREATE FUNCTION pg_temp.refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF NEW.id = {stuck.pk} AND NEW.status = 'done' THEN RAISE EXCEPTION 'disk full'; END IF; "
            "RETURN NEW; END $$"
        )
        cursor.execute(
            "CREATE TRIGGER refuse BEFORE UPDATE ON sms_gateway_inboxmessage "
            "FOR EACH ROW EXECUTE FUNCTION pg_temp.refuse()"
        )

    assert process_pending(10) == (2, False)

    assert InboxMessage.objects.get(pk=stuck.pk).status == InboxStatus.PENDING  # rolled back, for a later drain
    assert not OutboxMessage.objects.filter(in_reply_to=stuck).exists()
    assert [m.status for m in InboxMessage.objects.filter(pk__in=[m.pk for m in others])] == [InboxStatus.DONE] * 2


@pytest.mark.django_db
def test_handling_a_report_takes_a_bounded_number_of_queries(world):
    arrive("RAP EAU 1 ELEC 0 RES 2")  # warms the catalogue cache, as a worker's first message does
    process_pending(5)
    message = arrive("RAP EAU 0 ELEC 1 RES 1")

    with CaptureQueriesContext(connection) as queries:
        assert process_pending(5) == (1, False)

    message.refresh_from_db()
    assert message.status == InboxStatus.DONE and Report.objects.count() == 2
    # The batch of ids; claim, handling's savepoint, chief, indicators, village lock, report, layers, values
    # (2), reply, done; the next look for work. Inside this test's transaction, the claim's atomic block is a
    # savepoint (2) and the commit's `synchronous_commit` is not set (1 in production).
    assert len(queries) <= 17, "\n".join(q["sql"][:100] for q in queries.captured_queries)


@pytest.mark.django_db(transaction=True)
def test_a_queued_reply_wakes_the_outbox_drain_which_sends_what_is_due(fake_provider, celery_queue):
    first = queue_message(CHIEF, "Un.", OutboxKind.REPLY)
    later = queue_message("+22890112234", "Plus tard.", OutboxKind.REPLY)
    OutboxMessage.objects.filter(pk=later.pk).update(next_attempt_at=timezone.now() + dt.timedelta(hours=1))
    queue_message("+22890112235", "Deux.", OutboxKind.REPLY)
    assert queued_tasks(celery_queue) == [DRAIN_OUTBOX]

    assert tasks.drain_outbox() == 2

    assert [m.to for m in fake_provider.sent] == [CHIEF, "+22890112235"]
    assert OutboxMessage.objects.get(pk=first.pk).status == OutboxStatus.SENT
    assert OutboxMessage.objects.get(pk=later.pk).status == OutboxStatus.PENDING  # not due yet
    assert send_due(10) == (0, False)
    assert len(fake_provider.requests) == 2


# Batches: what can be is handled together, the rest one at a time ----------------------------------------


@pytest.mark.django_db
def test_a_batch_handles_what_it_can_together_and_the_rest_one_at_a_time_each_answered_once(world):
    OfficialContact.objects.create(area=world.kozah, name="Préfet", phone="+22890999999")
    refresh_layers()
    tchare, bassar, stranger = "+22870112233", "+22899112233", "+22893555555"
    messages = [
        arrive("RAP EAU 1 RES 2"),  # together
        arrive("RAP EAU 0", tchare),  # together
        arrive("RAP EAU 0 RES 1"),  # the same village again: after the first, on its own
        arrive("RAP EAU 1 POP 900", bassar),  # together, then recounted (its population changed)
        arrive("GPS 9.52 1.12"),  # on its own
        arrive("ALERTE forage en panne", tchare),  # on its own
        arrive("RAP EAU 7"),  # an error: together
        arrive("AIDE", bassar),  # together
        arrive("RAP EAU 1", stranger),  # an unknown number: on its own
    ]

    assert process_pending(50) == (len(messages), False)

    assert set(InboxMessage.objects.values_list("status", flat=True)) == {InboxStatus.DONE}
    answers = OutboxMessage.objects.filter(kind__in=[OutboxKind.REPLY, OutboxKind.HINT])
    assert sorted(answers.values_list("in_reply_to", flat=True)) == [m.pk for m in messages]
    assert OutboxMessage.objects.filter(kind=OutboxKind.ALERT).count() == 1
    lama = ReportValue.objects.filter(village=world.villages["lama"], is_current=True)
    assert {v.indicator.key: v.value for v in lama} == {"water": 0, "network": 1}  # the later report won
    assert Report.objects.filter(village=world.villages["lama"]).count() == 2
    assert Village.objects.get(pk=world.villages["bassar"].pk).population == 900
    assert set(PendingLayerRefresh.objects.values_list("village_id", flat=True)) == {
        world.villages["bassar"].pk,  # its population changed
        world.villages["lama"].pk,  # moved by its GPS
    }
    refresh_pending()
    assert_layers_are_a_full_rebuild()


@pytest.mark.django_db
def test_a_batch_that_fails_is_handled_again_one_message_at_a_time(world):
    fine, refused = arrive("RAP EAU 1"), arrive("RAP EAU 0", "+22870112233")
    with connection.cursor() as cursor:  # the database refuses tchare's reports (rolled back with the test)
        cursor.execute(
            "CREATE FUNCTION pg_temp.refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF NEW.village_id = {world.villages['tchare'].pk} THEN RAISE EXCEPTION 'disk full'; END IF; "
            "RETURN NEW; END $$"
        )
        cursor.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON evillage_report FOR EACH ROW EXECUTE FUNCTION pg_temp.refuse()"
        )

    assert process_pending(50) == (2, False)

    fine.refresh_from_db()
    refused.refresh_from_db()
    assert fine.status == InboxStatus.DONE and OutboxMessage.objects.filter(in_reply_to=fine).count() == 1
    assert refused.status == InboxStatus.FAILED and "disk full" in refused.error
    assert not OutboxMessage.objects.filter(in_reply_to=refused).exists()
    assert list(Report.objects.values_list("village_id", flat=True)) == [world.villages["lama"].pk]


@pytest.mark.django_db
def test_a_batch_of_reports_takes_a_fixed_number_of_queries(world):
    chiefs = [c for c in grow_world(world, random.Random(1), villages=24) if c.status == ChiefStatus.ACTIVE]
    refresh_layers()
    arrive("AIDE")  # warms the catalogue cache, as a worker's first message does
    process_pending(5)

    def queries_for(batch: list[Chief]) -> int:
        for chief in batch:
            arrive("RAP EAU 1 ELEC 0 RES 2", chief.phone)
        with CaptureQueriesContext(connection) as queries:
            assert process_pending(50) == (len(batch), False)
        return len(queries)

    few, many = queries_for(chiefs[:4]), queries_for(chiefs[4:16])
    # The claim, chiefs, indicators, village locks, reports, the layers' difference, values (2), replies, done,
    # the next look for work, and the savepoints of this test's transaction: however many reports.
    assert few <= 15
    assert many == few
    assert not PendingLayerRefresh.objects.exists()
    assert_layers_are_a_full_rebuild()


@pytest.mark.django_db(transaction=True)
def test_drains_sharing_a_backlog_of_batches_never_deadlock(world, caplog):
    chiefs = [c for c in grow_world(world, random.Random(2), villages=40) if c.status == ChiefStatus.ACTIVE]
    refresh_layers()
    rng = random.Random(2)
    for _ in range(3):  # every chief reports three times, in a shuffled order
        for chief in rng.sample(chiefs, len(chiefs)):
            arrive(f"RAP EAU {rng.randint(0, 1)} RES {rng.randint(0, 2)}", chief.phone)

    def drain() -> None:
        while process_pending(10)[1]:
            pass

    at_once(drain, 3)

    # A deadlock would not lose anything (the batch is handled again one at a time), but it would say so.
    assert [r.getMessage() for r in caplog.records if r.levelname == "ERROR"] == []
    assert set(InboxMessage.objects.values_list("status", flat=True)) == {InboxStatus.DONE}
    assert Report.objects.count() == 3 * len(chiefs)
    assert not PendingLayerRefresh.objects.exists()
    assert_layers_are_a_full_rebuild()
