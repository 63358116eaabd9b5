"""The outbox through the real `africastalking` SDK, against the fake provider on a local port; drains of fast
sends (chunks) through the console backend."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sms_gateway import outbox
from sms_gateway.backends.africastalking.backend import AfricasTalkingBackend
from sms_gateway.backends.console import backend as console
from sms_gateway.backends.console.backend import ConsoleBackend
from sms_gateway.models import DeliveryReport, OutboxKind, OutboxMessage, OutboxStatus
from sms_gateway.outbox import (
    UNKNOWN_OUTCOME,
    Outgoing,
    give_up_on_stuck_sends,
    queue_message,
    queue_messages,
    record_delivery_report,
    resend,
    retry_delay,
    send_due,
    send_message,
)
from sms_gateway.testing.concurrency import at_once

CHIEF = "+22890112233"


def make_due(message: OutboxMessage) -> None:
    """Time passes: the retry is due."""
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now() - dt.timedelta(seconds=1))


@pytest.mark.django_db
def test_a_queued_reply_is_sent_once_with_provider_id_and_cost(fake_provider):
    message = queue_message(CHIEF, "Message recu.", OutboxKind.REPLY)

    assert send_message(message.pk) == OutboxStatus.SENT

    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT and message.attempts == 1
    assert message.provider_message_id.startswith("ATXid_")
    assert message.cost == "XOF 15.0000" and message.provider_status == "Success" and message.sent_at
    [sent] = fake_provider.sent
    assert (sent.message_id, sent.to, sent.message, sent.username) == (
        message.provider_message_id,
        CHIEF,
        "Message recu.",
        "evillage",
    )
    assert fake_provider.requests[0].headers["apiKey"] == "test-api-key"

    assert send_message(message.pk) is None  # already sent: a second task does nothing
    assert len(fake_provider.requests) == 1


@pytest.mark.django_db
def test_the_sender_id_is_passed_when_set(fake_provider, settings):
    settings.AFRICASTALKING_SENDER_ID = "EVILLAGE"
    send_message(queue_message(CHIEF, "Bonjour", OutboxKind.NOTICE).pk)
    assert fake_provider.sent[0].sender == "EVILLAGE"


@pytest.mark.django_db
def test_a_message_not_yet_due_is_not_sent(fake_provider):
    message = queue_message(CHIEF, "Plus tard", OutboxKind.REMINDER)
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now() + dt.timedelta(minutes=5))
    assert send_message(message.pk) is None
    assert fake_provider.requests == []


@pytest.mark.django_db
@pytest.mark.parametrize("outcome", ["http:500", "http:503", "http:429", "timeout", "recipient:501"])
def test_temporary_failures_are_retried_with_growing_delays_then_sent_once(fake_provider, settings, outcome):
    settings.SMS_RETRY_DELAY_SECONDS = 30
    settings.AFRICASTALKING_TIMEOUT_SECONDS = 0.3
    fake_provider.fail_next(2, outcome)
    message = queue_message(CHIEF, "Message recu.")

    delays = []
    for _ in range(2):
        before = timezone.now()
        assert send_message(message.pk) == OutboxStatus.PENDING
        message.refresh_from_db()
        assert message.status == OutboxStatus.PENDING and message.last_error
        delays.append((message.next_attempt_at - before).total_seconds())
        assert send_message(message.pk) is None  # not due yet
        make_due(message)
    assert send_message(message.pk) == OutboxStatus.SENT

    assert 30 <= delays[0] < 31 and 60 <= delays[1] < 61
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT and message.attempts == 3 and message.last_error == ""
    assert len(fake_provider.requests) == 3
    assert len(fake_provider.sent) == 1


def test_retry_delays_double_and_are_capped(settings):
    settings.SMS_RETRY_DELAY_SECONDS = 30
    settings.SMS_RETRY_MAX_DELAY_SECONDS = 200
    assert [retry_delay(n).total_seconds() for n in range(1, 6)] == [30, 60, 120, 200, 200]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("outcome", "error"),
    [
        ("http:401", "HTTP 401"),
        ("http:400", "HTTP 400"),
        ("recipient:403", "InvalidPhoneNumber (403)"),
        ("recipient:406", "UserInBlacklist (406)"),
        ("recipient:405", "InsufficientBalance (405)"),
        ("http:201", "unknown outcome"),  # a 2xx we cannot read may have been sent: not retried
    ],
)
def test_a_refusal_is_final(fake_provider, outcome, error):
    fake_provider.fail_next(1, outcome)
    message = queue_message(CHIEF, "Message recu.")

    assert send_message(message.pk) == OutboxStatus.FAILED

    message.refresh_from_db()
    assert message.status == OutboxStatus.FAILED and message.attempts == 1
    assert error in message.last_error
    make_due(message)
    assert send_message(message.pk) is None
    assert len(fake_provider.requests) == 1 and fake_provider.sent == []


@pytest.mark.django_db
def test_a_number_the_sdk_refuses_fails_without_a_call(fake_provider):
    message = queue_message("22890112233", "Sans plus")  # no leading +: the SDK's own check refuses it
    assert send_message(message.pk) == OutboxStatus.FAILED
    message.refresh_from_db()
    assert "Invalid phone number" in message.last_error
    assert fake_provider.requests == []


@pytest.mark.django_db
def test_a_json_answer_with_a_charset_is_read_although_the_sdk_returns_a_str(fake_provider):
    fake_provider.fail_next(1, "text-json")
    message = queue_message(CHIEF, "Message recu.")
    assert send_message(message.pk) == OutboxStatus.SENT
    message.refresh_from_db()
    assert message.provider_message_id == fake_provider.sent[0].message_id


@pytest.mark.django_db
def test_five_temporary_failures_dead_letter_the_message(fake_provider, settings):
    settings.SMS_MAX_SEND_ATTEMPTS = 5
    fake_provider.fail_next(5, "http:502")
    message = queue_message(CHIEF, "Message recu.")

    statuses = []
    for _ in range(5):
        statuses.append(send_message(message.pk))
        make_due(message)

    assert statuses == [OutboxStatus.PENDING] * 4 + [OutboxStatus.DEAD]
    message.refresh_from_db()
    assert message.status == OutboxStatus.DEAD and message.attempts == 5 and "502" in message.last_error
    assert send_message(message.pk) is None
    assert len(fake_provider.requests) == 5 and fake_provider.sent == []

    assert resend([message.pk]) == 1  # a person's decision, from the admin
    assert send_message(message.pk) == OutboxStatus.SENT
    assert len(fake_provider.sent) == 1


@pytest.mark.django_db
def test_a_send_cut_by_a_dead_worker_is_never_resent_blindly(fake_provider):
    message = queue_message(CHIEF, "Message recu.")
    # What a worker killed during the provider call leaves behind.
    OutboxMessage.objects.filter(pk=message.pk).update(status=OutboxStatus.SENDING, attempts=1)

    assert send_message(message.pk) is None  # the re-delivered task does not send it
    assert give_up_on_stuck_sends(dt.timedelta(minutes=10)) == 0  # within the grace: maybe still running
    OutboxMessage.objects.filter(pk=message.pk).update(updated_at=timezone.now() - dt.timedelta(minutes=11))
    assert give_up_on_stuck_sends(dt.timedelta(minutes=10)) == 1

    message.refresh_from_db()
    assert message.status == OutboxStatus.FAILED and message.last_error == UNKNOWN_OUTCOME
    assert send_message(message.pk) is None
    assert fake_provider.requests == []


@pytest.mark.django_db
def test_a_delivery_report_that_outruns_the_send_is_applied_when_it_is_recorded(fake_provider):
    fake_provider.use_message_ids("ATXid_early")
    report = AfricasTalkingBackend().parse_status({"id": "ATXid_early", "status": "Success"})
    assert record_delivery_report(report).outbox is None  # not known yet

    message = queue_message(CHIEF, "Message recu.")
    send_message(message.pk)

    message.refresh_from_db()
    assert message.status == OutboxStatus.DELIVERED and message.provider_status == "Success"
    assert DeliveryReport.objects.get().outbox == message


@pytest.mark.django_db
def test_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="kind"):
        queue_message(CHIEF, "x", "spam")


@pytest.mark.django_db
def test_the_console_backend_sends_nothing_and_invents_an_id(settings, caplog):
    settings.SMS_BACKEND = "console"
    caplog.set_level("INFO")
    message = queue_message(CHIEF, "Message recu.")

    assert send_message(message.pk) == OutboxStatus.SENT

    message.refresh_from_db()
    assert message.provider_message_id.startswith("console-")
    assert console.SENT[-1].to == CHIEF and console.SENT[-1].text == "Message recu."
    assert "Message recu." in caplog.text


@pytest.mark.django_db(transaction=True)
def test_tasks_racing_for_one_message_send_it_once(fake_provider):
    message = queue_message(CHIEF, "Message recu.")
    results = at_once(lambda: send_message(message.pk), 6)

    assert sorted(results, key=str) == [None] * 5 + [OutboxStatus.SENT]
    assert len(fake_provider.sent) == 1


# --- Chunks: a drain claims and records several messages per statement -------------------------------------


class WorkerStopped(BaseException):
    """A worker's death, seen from inside: nothing after it runs (not an `Exception`: nothing catches it)."""


@pytest.fixture
def chunks_of_ten(monkeypatch):  # type: ignore[no-untyped-def]
    """Chunks of ten whatever this machine's pace, so that a test knows where they start and end."""
    monkeypatch.setattr(outbox, "SEND_CHUNK", 10)
    monkeypatch.setattr(outbox, "CHUNK_SECONDS", 60.0)


def numbers(prefix: str, count: int) -> list[str]:
    return [f"+2289{prefix}{n:04d}" for n in range(count)]


def statuses(to: list[str]) -> list[str]:
    by_number = dict(OutboxMessage.objects.filter(to__in=to).values_list("to", "status"))
    return [by_number[number] for number in to]


def console_sends(to: list[str]) -> Counter[str]:
    wanted = set(to)
    return Counter(m.to for m in console.SENT if m.to in wanted)


@pytest.mark.django_db
def test_a_drain_takes_two_statements_a_chunk_not_three_a_message(settings, chunks_of_ten):
    settings.SMS_BACKEND = "console"
    to = numbers("011", 21)
    queue_messages([Outgoing(number, "Message recu.") for number in to])

    with CaptureQueriesContext(connection) as queries:
        assert send_due(100) == (21, False)

    assert statuses(to) == [OutboxStatus.SENT] * 21
    assert len(set(OutboxMessage.objects.filter(to__in=to).values_list("provider_message_id", flat=True))) == 21
    # Chunks of 1, 10 and 10: the first claim; then, after each chunk, the statement recording it and
    # claiming the next, and the look for early delivery reports.
    assert len(queries) <= 7, "\n".join(q["sql"][:100] for q in queries.captured_queries)


@pytest.mark.django_db
def test_mixed_outcomes_within_one_chunk_are_recorded_per_message(fake_provider, settings, chunks_of_ten):
    settings.SMS_MAX_SEND_ATTEMPTS = 5
    settings.SMS_RETRY_DELAY_SECONDS = 30
    first, *chunk = queue_messages([Outgoing(number, "Message recu.") for number in numbers("022", 6)])
    OutboxMessage.objects.filter(pk=chunk[3].pk).update(attempts=4)  # its last try
    fake_provider.fail_next(2, "ok")  # the first chunk (one message), then the second's first
    fake_provider.fail_next(1, "http:500")
    fake_provider.fail_next(1, "recipient:403")
    fake_provider.fail_next(1, "http:503")

    before = timezone.now()
    assert send_due(10) == (6, False)

    assert [r.outcome for r in fake_provider.requests] == ["ok", "ok", "http:500", "recipient:403", "http:503", "ok"]
    sent_ok, retried, refused, dead, sent_last = (OutboxMessage.objects.get(pk=m.pk) for m in chunk)
    assert [m.status for m in (sent_ok, retried, refused, dead, sent_last)] == [
        OutboxStatus.SENT,
        OutboxStatus.PENDING,
        OutboxStatus.FAILED,
        OutboxStatus.DEAD,
        OutboxStatus.SENT,
    ]
    sent_ids = {m.message_id for m in fake_provider.sent[1:]}
    assert {sent_ok.provider_message_id, sent_last.provider_message_id} == sent_ids
    assert sent_ok.cost == "XOF 15.0000" and sent_ok.sent_at and sent_ok.last_error == ""
    assert "500" in retried.last_error and retried.next_attempt_at > before + dt.timedelta(seconds=25)
    assert retried.provider_message_id is None and retried.attempts == 1
    assert "InvalidPhoneNumber" in refused.last_error and dead.attempts == 5 and "503" in dead.last_error
    assert OutboxMessage.objects.get(pk=first.pk).status == OutboxStatus.SENT


@pytest.mark.django_db
def test_delivery_reports_that_outrun_a_chunk_are_applied_to_their_messages(fake_provider, chunks_of_ten):
    fake_provider.use_message_ids("ATXid_a", "ATXid_b", "ATXid_c")
    for provider_id, status in [("ATXid_c", "Success"), ("ATXid_b", "Rejected")]:
        record_delivery_report(AfricasTalkingBackend().parse_status({"id": provider_id, "status": status}))
    messages = queue_messages([Outgoing(number, "Message recu.") for number in numbers("033", 3)])

    assert send_due(10) == (3, False)

    a, b, c = (OutboxMessage.objects.get(pk=m.pk) for m in messages)
    assert (a.status, b.status, c.status) == (OutboxStatus.SENT, OutboxStatus.FAILED, OutboxStatus.DELIVERED)
    assert dict(DeliveryReport.objects.values_list("provider_id", "outbox")) == {"ATXid_b": b.pk, "ATXid_c": c.pk}


@pytest.mark.django_db
def test_sends_through_a_slow_provider_are_claimed_one_at_a_time(fake_provider):
    fake_provider.latency = 0.02  # far more than the chunks' budget of sending time
    queue_messages([Outgoing(number, "Message recu.") for number in numbers("044", 3)])

    with CaptureQueriesContext(connection) as queries:
        assert send_due(10) == (3, False)

    claims = [q for q in queries.captured_queries if "SKIP LOCKED" in q["sql"]]
    assert len(claims) == 4  # one message each, then the claim that finds none left


@pytest.mark.django_db
def test_a_worker_stopping_mid_chunk_leaves_the_chunk_to_the_sweeper_never_resent(settings, monkeypatch, chunks_of_ten):
    settings.SMS_BACKEND = "console"
    to = numbers("055", 15)
    queue_messages([Outgoing(number, "Message recu.") for number in to])
    send = ConsoleBackend.send
    calls = itertools.count(1)

    def stopping_at_the_fifth(self, number, text):  # type: ignore[no-untyped-def]
        if next(calls) == 5:
            raise WorkerStopped
        return send(self, number, text)

    monkeypatch.setattr(ConsoleBackend, "send", stopping_at_the_fifth)
    with pytest.raises(WorkerStopped):
        send_due(100)
    monkeypatch.setattr(ConsoleBackend, "send", send)

    # The first chunk (one message) was recorded; the second (ten) stays claimed, three of them sent.
    assert statuses(to) == [OutboxStatus.SENT] + [OutboxStatus.SENDING] * 10 + [OutboxStatus.PENDING] * 4
    assert send_due(100) == (4, False)  # the next drain sends what was left pending, not the chunk
    OutboxMessage.objects.filter(to__in=to).update(updated_at=timezone.now() - dt.timedelta(minutes=11))
    assert give_up_on_stuck_sends(dt.timedelta(minutes=10)) == 10
    assert send_due(100) == (0, False)

    assert statuses(to) == [OutboxStatus.SENT] + [OutboxStatus.FAILED] * 10 + [OutboxStatus.SENT] * 4
    assert set(OutboxMessage.objects.filter(status=OutboxStatus.FAILED).values_list("last_error", flat=True)) == {
        UNKNOWN_OUTCOME
    }
    sends = console_sends(to)
    assert [sends[number] for number in to] == [1] * 4 + [0] * 7 + [1] * 4  # nothing twice


@pytest.mark.django_db(transaction=True)
def test_drains_racing_over_a_backlog_send_each_message_once(settings, chunks_of_ten):
    settings.SMS_BACKEND = "console"
    to = numbers("066", 90)
    queue_messages([Outgoing(number, "Message recu.") for number in to])
    tried = at_once(lambda: send_due(100)[0], 3)

    assert sum(tried) == 90
    assert statuses(to) == [OutboxStatus.SENT] * 90
    assert set(OutboxMessage.objects.filter(to__in=to).values_list("attempts", flat=True)) == {1}
    assert sorted(console_sends(to).values()) == [1] * 90
