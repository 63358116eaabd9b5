"""The drains that process the inbox and send the outbox, and the cheap wake-up that queues them.

The tasks run here in this process (called, not queued); what they queue goes to the test's own queue.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from evillage.models import Report
from sms_gateway import tasks
from sms_gateway.backends import Inbound
from sms_gateway.inbox import process_pending, record_inbound
from sms_gateway.models import InboxMessage, InboxStatus, OutboxKind, OutboxMessage, OutboxStatus
from sms_gateway.outbox import queue_message, send_due
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
    # It found a backlog, so it woke a companion to share it; the replies woke the outbox's drain.
    assert drains_queued(celery_queue) == [DRAIN_INBOX, DRAIN_INBOX, DRAIN_OUTBOX]
    assert tasks.drain_inbox() == 0  # the companion came too late: nothing left, nothing woken

    arrive("AIDE")  # after the drains' look for work: it must not wait for the sweeper
    assert drains_queued(celery_queue) == [DRAIN_INBOX, DRAIN_INBOX, DRAIN_OUTBOX, DRAIN_INBOX]


@pytest.mark.django_db
def test_a_drain_hands_over_after_its_batch(world):
    for _ in range(3):
        arrive("AIDE")

    assert process_pending(2) == (2, True)
    assert process_pending(2) == (1, False)
    assert not InboxMessage.objects.filter(status=InboxStatus.PENDING).exists()
    assert OutboxMessage.objects.count() == 3


@pytest.mark.django_db
def test_a_message_whose_transaction_fails_outside_handling_does_not_stop_the_others(world, monkeypatch):
    stuck, *others = [arrive("AIDE") for _ in range(3)]
    save = InboxMessage.save

    def failing_save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if self.pk == stuck.pk:
            raise DatabaseError("disk full")
        return save(self, *args, **kwargs)

    monkeypatch.setattr(InboxMessage, "save", failing_save)

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
