"""The channel with a real Celery worker (a subprocess), real Redis, the test database and the fake provider.

Faults are real too: a throwaway redis-server stopped while messages arrive, a worker SIGKILLed mid-batch,
a provider answering errors. The sweeper is called in this process, as beat would call it.
"""

from __future__ import annotations

from collections import Counter
from urllib.parse import urlencode

import psycopg
import pytest
from django.db import connection

from sms_gateway.models import InboxMessage, InboxStatus, OutboxMessage, OutboxStatus
from sms_gateway.outbox import UNKNOWN_OUTCOME
from sms_gateway.tasks import sweep_stuck_messages
from sms_gateway.testing.fixtures import TOKEN
from sms_gateway.testing.redis_server import ThrowawayRedis
from sms_gateway.testing.worker import database_url, use_broker, wait_until

pytestmark = pytest.mark.django_db(transaction=True)

INBOUND = f"/sms/at/inbound/{TOKEN}/"
DELIVERY = f"/sms/at/delivery/{TOKEN}/"
CHIEF = "+22890112233"


def sms(client, provider_id: str, sender: str = CHIEF, text: str = "RAP EAU 1 ELEC 0") -> int:  # type: ignore[no-untyped-def]
    payload = {"from": sender, "to": "21512", "text": text, "date": "2026-11-03T06:04:45Z", "id": provider_id}
    response = client.post(INBOUND, urlencode(payload), content_type="application/x-www-form-urlencoded")
    return int(response.status_code)


def settled() -> bool:
    """Every inbox row handled and every reply has left the outbox's waiting states."""
    return (
        not InboxMessage.objects.filter(status__in=[InboxStatus.PENDING, InboxStatus.PROCESSING]).exists()
        and not OutboxMessage.objects.filter(status__in=[OutboxStatus.PENDING, OutboxStatus.SENDING]).exists()
    )


def test_an_sms_travels_end_to_end_through_a_real_worker(client, start_worker, fake_provider, world):
    start_worker()

    assert sms(client, "at-1") == 200

    wait_until(lambda: OutboxMessage.objects.filter(status=OutboxStatus.SENT).exists(), what="the reply to be sent")
    message = InboxMessage.objects.get()
    assert message.status == InboxStatus.DONE and message.attempts == 1 and message.processed_at
    assert message.chief == world.chiefs["lama"]  # identified by handling, in the worker
    reply = OutboxMessage.objects.get()
    assert reply.in_reply_to == message and reply.to == CHIEF
    [sent] = fake_provider.sent
    assert (sent.to, sent.message, sent.message_id) == (CHIEF, reply.text, reply.provider_message_id)

    report = fake_provider.delivery_report(sent.message_id, "Success")
    response = client.post(DELIVERY, urlencode(report), content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    reply.refresh_from_db()
    assert reply.status == OutboxStatus.DELIVERED and reply.provider_status == "Success"


def test_a_provider_failing_then_recovering_is_retried_and_never_duplicated(client, start_worker, fake_provider):
    fake_provider.fail_next(1, "http:500")
    fake_provider.fail_next(1, "timeout")  # the worker waits 1 s; the fake hangs longer
    fake_provider.fail_next(1, "http:429")
    start_worker()

    assert sms(client, "at-1") == 200

    wait_until(lambda: OutboxMessage.objects.filter(status=OutboxStatus.SENT).exists(), timeout=30, what="sent")
    reply = OutboxMessage.objects.get()
    assert reply.attempts == 4
    assert [r.outcome for r in fake_provider.requests] == ["http:500", "timeout", "http:429", "ok"]
    assert len(fake_provider.sent) == 1 and fake_provider.sent[0].message_id == reply.provider_message_id


def test_redis_stopped_while_messages_arrive_loses_nothing(client, start_worker, fake_provider, celery_queue, settings):
    settings.SMS_SWEEP_AFTER_SECONDS = 0
    with ThrowawayRedis() as broker, use_broker(broker.url, celery_queue):
        start_worker(broker_url=broker.url)
        assert sms(client, "before") == 200
        wait_until(lambda: len(fake_provider.sent) == 1, what="the first reply")

        broker.stop()
        answers = [sms(client, f"during-{n}", sender=f"+2289011{n:04d}") for n in range(5)]
        assert answers == [200] * 5
        assert InboxMessage.objects.filter(status=InboxStatus.PENDING).count() == 5

        broker.start()  # same port: the worker reconnects by itself
        wait_until(lambda: sweep_stuck_messages() is not None and settled(), timeout=45, interval=0.5, what="settled")

    assert InboxMessage.objects.filter(status=InboxStatus.DONE).count() == 6
    assert OutboxMessage.objects.filter(status=OutboxStatus.SENT).count() == 6
    assert sorted(Counter(m.to for m in fake_provider.sent).values()) == [1] * 5 + [1]


def test_a_worker_killed_inside_handling_leaves_the_message_to_be_handled_once(
    client, start_worker, fake_provider, settings
):
    settings.SMS_SWEEP_AFTER_SECONDS = 0
    worker = start_worker()
    assert [sms(client, f"first-{n}", sender=f"+2289033{n:04d}") for n in range(3)] == [200] * 3
    wait_until(settled, what="the first messages to be answered")

    # Hold the worker inside handling: its claim is taken and the inbox row locked when the reply's
    # INSERT waits for this lock. Then kill it there.
    blocker = psycopg.connect(database_url())
    blocker.execute("LOCK TABLE sms_gateway_outboxmessage IN EXCLUSIVE MODE")
    try:
        assert sms(client, "second", sender="+22890330099") == 200
        wait_until(_worker_waits_on_the_outbox, what="the worker to be inside handling")
        worker.kill()
    finally:
        blocker.rollback()
        blocker.close()
    assert InboxMessage.objects.get(provider_id="second").status == InboxStatus.PENDING

    start_worker()
    wait_until(lambda: sweep_stuck_messages() is not None and settled(), timeout=30, interval=0.3, what="settled")

    second = InboxMessage.objects.get(provider_id="second")
    assert second.status == InboxStatus.DONE and second.attempts == 1  # the killed try left no trace
    assert second.replies.count() == 1
    assert len(fake_provider.sent_to("+22890330099")) == 1
    assert len(fake_provider.sent) == 4


def _worker_waits_on_the_outbox() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE relation = 'sms_gateway_outboxmessage'::regclass AND NOT granted"
        )
        return bool(cursor.fetchone()[0])


def test_a_worker_killed_mid_batch_leaves_each_message_processed_and_answered_once(
    client, start_worker, fake_provider, settings
):
    settings.SMS_SWEEP_AFTER_SECONDS = 0
    settings.SMS_SENDING_GRACE_SECONDS = 3  # longer than the worker's provider timeout (1 s)
    fake_provider.latency = 0.05
    worker = start_worker()
    count = 20

    assert [sms(client, f"batch-{n}", sender=f"+2289022{n:04d}") for n in range(10)] == [200] * 10
    wait_until(lambda: len(fake_provider.sent) >= 4, what="the batch to be under way")
    # More arrive while the worker is busy, then it dies: no shutdown, no acknowledgement.
    assert [sms(client, f"batch-{n}", sender=f"+2289022{n:04d}") for n in range(10, count)] == [200] * 10
    worker.kill()
    assert not settled(), "the worker finished before it was killed: the test proved nothing"

    start_worker()
    wait_until(lambda: sweep_stuck_messages() is not None and settled(), timeout=45, interval=0.5, what="settled")

    inbox = list(InboxMessage.objects.all())
    assert [m.status for m in inbox] == [InboxStatus.DONE] * count
    assert all(m.attempts == 1 for m in inbox)  # a killed claim rolled back with its attempt
    replies = list(OutboxMessage.objects.all())
    assert sorted(Counter(r.in_reply_to_id for r in replies).values()) == [1] * count  # one reply each
    # Sent once each; at most one send was cut by the kill: failed as unknown outcome, never resent.
    cut = [r for r in replies if r.status == OutboxStatus.FAILED]
    assert len(cut) <= 1 and all(r.last_error == UNKNOWN_OUTCOME for r in cut)
    assert all(r.status == OutboxStatus.SENT for r in replies if r not in cut)
    per_number = Counter(m.to for m in fake_provider.sent)
    assert max(per_number.values()) == 1
    assert {r.to for r in replies if r.status == OutboxStatus.SENT} <= set(per_number)


def test_two_worker_processes_share_a_backlog_and_handle_each_message_once(client, start_worker, fake_provider):
    count = 40
    # Stored before any worker runs: a backlog, which the drains share between the pool's two processes.
    assert [sms(client, f"backlog-{n}", sender=f"+2289044{n:04d}") for n in range(count)] == [200] * count
    start_worker(pool="prefork", concurrency=2)

    wait_until(settled, timeout=60, interval=0.2, what="the backlog handled and answered")

    inbox = list(InboxMessage.objects.all())
    assert [m.status for m in inbox] == [InboxStatus.DONE] * count and all(m.attempts == 1 for m in inbox)
    assert sorted(Counter(r.in_reply_to_id for r in OutboxMessage.objects.all()).values()) == [1] * count
    assert sorted(Counter(m.to for m in fake_provider.sent).values()) == [1] * count
