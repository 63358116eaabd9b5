"""Verbs of the outbox: queue an SMS, send it (at most once), record what the provider says of it.

Sending, step by step (`send_due` for a chunk of messages, `send_message` for one by its id):
1. claim: one `UPDATE … RETURNING` moves the messages from pending (and due) to `sending` and counts their
   attempt, and is committed before any call to the provider;
2. call the gateway backend, once per message;
3. record the outcomes: the accepted messages `sent` with the provider's ids and costs, in one statement
   (which claims the next chunk), then one look for delivery reports that outran them; a temporary error
   (5xx, 429, timeout, connection) puts its message back to `pending` after a growing delay
   (`SMS_RETRY_DELAY_SECONDS` × 2^(attempt-1), capped at `SMS_RETRY_MAX_DELAY_SECONDS`), and `dead` once
   `SMS_MAX_SEND_ATTEMPTS` are spent; a refusal is final (`failed`).

Never twice: a message is only ever sent by the worker that moved it from pending to sending. If that
worker dies between steps 1 and 3, its rows stay `sending` and no task will send them again (they only claim
pending rows). Africa's Talking offers no way to ask whether it took a message we have no id for, so after
`SMS_SENDING_GRACE_SECONDS` (longer than a chunk's provider calls can last) the sweeper marks them `failed`
with "unknown outcome" rather than resend them: a chief who misses one answer can write again; a duplicate
report confirmation, alert or reminder cannot be unsent. An official can resend it from the admin.

Why chunks, and why small ones: a commit waits for the disk (a millisecond or more), far longer than a
message takes through the console backend; a claim and a record for each message made a drain cost 3.5 ms a
reply. So a drain claims its messages a chunk at a time, and records a chunk's sends in the statement that
claims the next chunk: one commit for up to ten messages. The price: a worker killed in the middle of a chunk
leaves all of it `sending`, the messages it sent (their ids unrecorded) as well as those it had not reached,
and all are given up as "unknown outcome". So a chunk holds at most `SEND_CHUNK` messages, and only as many
as the last chunk's pace says take `CHUNK_SECONDS` to send; a drain starts with one. Through a provider over
the network (tens of milliseconds a message) that is one at a time: there a commit is nothing next to the
call, and a killed worker leaves a single message in doubt, as before chunks.

One trade-off is the brief's: a read timeout is retried, although the provider may have taken the message
before it stopped answering. Connection errors and 5xx/429 answers are safe to retry.

Queued, not one task per message: a committed message wakes a drain (`sms_gateway.tasks.drain_outbox`), which
sends the due pending messages a chunk after the other, each by the steps above (`send_due`). A retry after a
temporary failure is queued for its own message, with its delay.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Sequence
from typing import NamedTuple

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from sms_gateway.backends import Accepted, Backend, SendError, StatusReport, get_backend
from sms_gateway.models import DeliveryReport, InboxMessage, OutboxKind, OutboxMessage, OutboxStatus

logger = logging.getLogger(__name__)

UNKNOWN_OUTCOME = "unknown outcome: the worker stopped while sending; not resent"
FINAL = frozenset({OutboxStatus.DELIVERED, OutboxStatus.FAILED, OutboxStatus.DEAD})
# A drain claims at most this many messages at once: what a worker killed mid-chunk leaves in doubt.
SEND_CHUNK = 10
# ... and no more than the last chunk's pace says take this long to send: one at a time over a network.
CHUNK_SECONDS = 0.005


def queue_message(
    to: str, text: str, kind: str = OutboxKind.REPLY, in_reply_to: InboxMessage | None = None
) -> OutboxMessage:
    """Put an SMS in the outbox; its sending is queued when the surrounding transaction commits."""
    (message,) = queue_messages([Outgoing(to, text, kind, in_reply_to)])
    return message


class Outgoing(NamedTuple):
    """An SMS to queue: to whom, what, why, and the inbound message it answers, if any."""

    to: str
    text: str
    kind: str = OutboxKind.REPLY
    in_reply_to: InboxMessage | None = None


def queue_messages(outgoing: Sequence[Outgoing]) -> list[OutboxMessage]:
    """Put SMS in the outbox with one INSERT; their sending is queued when the surrounding transaction commits."""
    unknown = {o.kind for o in outgoing} - set(OutboxKind.values)
    if unknown:
        raise ValueError(f"Unknown outbox kind(s) {sorted(unknown)!r}")
    now = timezone.now()
    messages = OutboxMessage.objects.bulk_create(
        OutboxMessage(to=o.to, text=o.text, kind=o.kind, in_reply_to=o.in_reply_to, next_attempt_at=now, queued_at=now)
        for o in outgoing
    )
    if messages:
        transaction.on_commit(queue_due)
    return messages


def queue_due() -> bool:
    """Make sure a drain of the due messages is due. A broker that is down is logged, not raised: the
    sweeper will queue one later (the messages wait in the database)."""
    from sms_gateway.tasks import OUTBOX_GATHER_SECONDS, drain_outbox, wake

    return wake(drain_outbox, countdown=OUTBOX_GATHER_SECONDS)


def queue_sending(outbox_id: int, countdown: float | None = None) -> bool:
    """Hand one message to a worker, after `countdown` seconds. A broker that is down is logged, not raised:
    the sweeper will retry."""
    from sms_gateway.tasks import send_outbox_message

    try:
        send_outbox_message.apply_async((outbox_id,), countdown=countdown)
    except Exception:
        logger.exception("Could not queue outbox message %s; the sweeper will queue it later", outbox_id)
        return False
    return True


def retry_delay(attempts: int) -> dt.timedelta:
    """How long to wait after the `attempts`-th failed try: doubling from the base, capped."""
    seconds = settings.SMS_RETRY_DELAY_SECONDS * 2 ** max(attempts - 1, 0)
    return dt.timedelta(seconds=min(seconds, settings.SMS_RETRY_MAX_DELAY_SECONDS))


class Claimed(NamedTuple):
    """A message this worker moved to `sending`, committed: no other worker will send it."""

    id: int
    to: str
    text: str
    attempts: int


def send_message(outbox_id: int) -> str | None:
    """Send this message if pending and due, through the gateway backend; its new status, None if not due."""
    # A retry's countdown may fire a hair before `next_attempt_at`; a late one would wait for the sweeper.
    message = _claim(outbox_id, due=timezone.now() + dt.timedelta(seconds=1))
    if message is None:
        return None
    outcome = _call(get_backend(), message)
    if isinstance(outcome, Accepted):
        _record_sent_and_claim({message.id: outcome}, 0)
        return OutboxStatus.SENT
    return _record_failure(message, outcome)


def send_due(limit: int) -> tuple[int, bool]:
    """Send pending, due messages, oldest due first, a chunk at a time, until none is left or `limit` were
    tried; returns how many were tried, and whether some may be left.

    The first chunk is one message; each next one as many as the last one's pace says take `CHUNK_SECONDS`
    to send, at most `SEND_CHUNK` (see the module's docstring). What other workers claimed is passed over.
    """
    backend = get_backend()
    tried = 0
    chunk = _record_sent_and_claim({}, min(1, limit))
    while chunk:
        started = time.perf_counter()
        outcomes = [_call(backend, message) for message in chunk]
        size = _next_chunk_size(len(chunk), time.perf_counter() - started)
        tried += len(chunk)
        accepted: dict[int, Accepted] = {}
        for message, outcome in zip(chunk, outcomes, strict=True):
            if isinstance(outcome, Accepted):
                accepted[message.id] = outcome
            else:
                _record_failure(message, outcome)
        chunk = _record_sent_and_claim(accepted, min(size, limit - tried))
    return tried, tried >= limit


def _next_chunk_size(sent: int, seconds: float) -> int:
    """How many messages to claim next: what `CHUNK_SECONDS` of sending holds at this pace, 1 to `SEND_CHUNK`."""
    return max(1, min(SEND_CHUNK, int(sent * CHUNK_SECONDS / max(seconds, 1e-9))))


def _claim(outbox_id: int, *, due: dt.datetime) -> Claimed | None:
    """Move the message to `sending` if it is pending and due by `due`, and COMMIT; None when it is not.

    One statement, committed on its own (outside a transaction): a second worker's claim of the same row
    waits for this one and then finds it no longer pending.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {_outbox_table()} SET status = %s, attempts = attempts + 1, updated_at = %s "  # noqa: S608 - the model's table
            'WHERE id = %s AND status = %s AND next_attempt_at <= %s RETURNING id, "to", text, attempts',
            [OutboxStatus.SENDING, timezone.now(), outbox_id, OutboxStatus.PENDING, due],
        )
        row = cursor.fetchone()
    # Committed: from here on, whatever happens to this worker, no other will send this row.
    return None if row is None else Claimed(*row)


_RECORD_SENT_AND_CLAIM = """
WITH sent AS (
    UPDATE {table} AS m
    SET status = %(sent)s, provider_message_id = a.provider_message_id, cost = a.cost,
        provider_status = a.provider_status, last_error = '', sent_at = %(now)s, updated_at = %(now)s
    FROM unnest(%(ids)s::bigint[], %(provider_ids)s::varchar[], %(costs)s::varchar[], %(statuses)s::varchar[])
        AS a (id, provider_message_id, cost, provider_status)
    WHERE m.id = a.id
)
UPDATE {table} SET status = %(sending)s, attempts = attempts + 1, updated_at = %(now)s
WHERE id IN (
    SELECT id FROM {table} WHERE status = %(pending)s AND next_attempt_at <= %(now)s
    ORDER BY next_attempt_at LIMIT %(size)s FOR UPDATE SKIP LOCKED
)
RETURNING id, "to", text, attempts, next_attempt_at
"""


def _record_sent_and_claim(accepted: dict[int, Accepted], size: int) -> list[Claimed]:
    """Mark the accepted messages `sent` with the provider's ids and costs, and claim up to `size` pending,
    due messages, oldest due first, in one statement: one commit, one wait for the disk, for both.

    The claim is committed before any of its messages is sent, as in `_claim`; `FOR UPDATE SKIP LOCKED`
    passes over the rows another drain is claiming, rather than wait for them and claim them again. The
    delivery reports that outran the sends are looked for once the provider's ids are committed (a report
    coming after that finds its message).
    """
    sends = accepted.values()
    with connection.cursor() as cursor:
        cursor.execute(
            _RECORD_SENT_AND_CLAIM.format(table=_outbox_table()),
            {
                "sent": OutboxStatus.SENT,
                "sending": OutboxStatus.SENDING,
                "pending": OutboxStatus.PENDING,
                "now": timezone.now(),
                "ids": list(accepted),
                "provider_ids": [a.provider_message_id for a in sends],
                "costs": [a.cost for a in sends],
                "statuses": [a.status for a in sends],
                "size": size,
            },
        )
        rows = cursor.fetchall()
    if accepted:
        _apply_early_reports({a.provider_message_id: pk for pk, a in accepted.items()})
    # RETURNING keeps no order: sent oldest due first all the same.
    rows.sort(key=lambda row: (row[4], row[0]))
    return [Claimed(*row[:4]) for row in rows]


def _outbox_table() -> str:
    return connection.ops.quote_name(OutboxMessage._meta.db_table)


def _call(backend: Backend, message: Claimed) -> Accepted | Exception:
    """Hand a claimed message to the provider: what it answered, or why it did not take it."""
    try:
        return backend.send(message.to, message.text)
    except SendError as exc:
        return exc
    except Exception as exc:
        # A bug or an unforeseen answer: nobody knows whether the provider took it, so it is not retried.
        logger.exception("Sending outbox message %s failed unexpectedly", message.id)
        return exc


def _record_failure(message: Claimed, exc: Exception) -> str:
    error = f"{type(exc).__name__}: {exc}"[:2000]
    retryable = isinstance(exc, SendError) and exc.retryable
    if retryable and message.attempts < settings.SMS_MAX_SEND_ATTEMPTS:
        delay = retry_delay(message.attempts)
        now = timezone.now()
        OutboxMessage.objects.filter(pk=message.id).update(
            status=OutboxStatus.PENDING,
            next_attempt_at=now + delay,
            queued_at=now,
            last_error=error,
            updated_at=now,
        )
        logger.warning("Outbox message %s: %s; retry in %s", message.id, error, delay)
        transaction.on_commit(lambda: queue_sending(message.id, countdown=delay.total_seconds()))
        return OutboxStatus.PENDING
    status = OutboxStatus.DEAD if retryable else OutboxStatus.FAILED
    OutboxMessage.objects.filter(pk=message.id).update(status=status, last_error=error, updated_at=timezone.now())
    logger.error("Outbox message %s is %s after %d attempt(s): %s", message.id, status, message.attempts, error)
    return status


def _apply_early_reports(sent: dict[str, int]) -> None:
    """Apply the delivery reports that outran the recording of these sends (outbox ids by provider id): they
    were kept unmatched. One query for a chunk, in SQL (the ORM's would cost more than the query), which
    almost always finds none: then no transaction at all."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, provider_id, status, outcome FROM {connection.ops.quote_name(DeliveryReport._meta.db_table)} "  # noqa: S608 - the model's table
            "WHERE outbox_id IS NULL AND provider_id = ANY(%s) ORDER BY id",
            [list(sent)],
        )
        early = cursor.fetchall()
    for report_id, provider_id, raw_status, outcome in early:
        with transaction.atomic():
            DeliveryReport.objects.filter(pk=report_id).update(outbox_id=sent[provider_id])
            _apply_outcome(sent[provider_id], raw_status, outcome or None)


def record_delivery_report(report: StatusReport) -> DeliveryReport:
    """Keep a delivery report as it came and move its message's status; unknown ids are kept unmatched."""
    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update().filter(provider_message_id=report.provider_id).first()
        stored = DeliveryReport.objects.create(
            outbox=message,
            provider_id=report.provider_id,
            status=report.status,
            outcome=report.outcome or "",
            failure_reason=report.failure_reason,
            network_code=report.network_code,
            phone=report.phone,
            payload=report.payload,
        )
        if message is None:
            logger.warning("Delivery report %r for unknown message id %s", report.status, report.provider_id)
        else:
            _apply_outcome(message.pk, report.status, report.outcome)
    return stored


def _apply_outcome(outbox_id: int, raw_status: str, outcome: str | None) -> None:
    """Move a message by a report: delivered always wins; failed beats sent; nothing moves a delivered one."""
    changes: dict[str, object] = {"provider_status": raw_status, "updated_at": timezone.now()}
    movable = OutboxMessage.objects.filter(pk=outbox_id)
    if outcome == OutboxStatus.DELIVERED:
        changes["status"] = OutboxStatus.DELIVERED
    elif outcome == OutboxStatus.FAILED:
        movable = movable.exclude(status=OutboxStatus.DELIVERED)
        changes["status"] = OutboxStatus.FAILED
    elif outcome == OutboxStatus.SENT:
        # Reports may arrive out of order: a late "Buffered" does not undo a final state.
        movable = movable.exclude(status__in=FINAL)
        changes["status"] = OutboxStatus.SENT
    if not movable.update(**changes):
        OutboxMessage.objects.filter(pk=outbox_id).update(provider_status=raw_status, updated_at=timezone.now())


def requeue_due(older_than: dt.timedelta) -> int:
    """Queue a drain when pending, due messages were last queued longer ago than `older_than`; returns how
    many there are."""
    from sms_gateway.tasks import drain_outbox, publish

    now = timezone.now()
    with transaction.atomic():
        ids = list(
            OutboxMessage.objects.filter(status=OutboxStatus.PENDING, next_attempt_at__lte=now)
            .filter(Q(queued_at__isnull=True) | Q(queued_at__lt=now - older_than))
            .order_by("next_attempt_at")
            .values_list("pk", flat=True)[:5000]
        )
        OutboxMessage.objects.filter(pk__in=ids).update(queued_at=now)
        if ids:
            # Whatever the wake-up flag says: the drain it announces may be the one that was lost.
            transaction.on_commit(lambda: publish(drain_outbox))
    if ids:
        logger.warning("Re-queued %d outbox message(s) left pending", len(ids))
    return len(ids)


def give_up_on_stuck_sends(grace: dt.timedelta) -> int:
    """Mark `failed` (unknown outcome) the messages left `sending` longer than `grace`; see the module doc."""
    stuck = OutboxMessage.objects.filter(status=OutboxStatus.SENDING, updated_at__lt=timezone.now() - grace)
    count = stuck.update(status=OutboxStatus.FAILED, last_error=UNKNOWN_OUTCOME, updated_at=timezone.now())
    if count:
        logger.error("%d outbox message(s) stuck in sending marked failed (unknown outcome)", count)
    return count


def resend(outbox_ids: list[int]) -> int:
    """A person's decision to try failed or dead messages again (from the admin); returns how many."""
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            OutboxMessage.objects.filter(
                pk__in=outbox_ids, status__in=[OutboxStatus.FAILED, OutboxStatus.DEAD]
            ).values_list("pk", flat=True)
        )
        OutboxMessage.objects.filter(pk__in=ids).update(
            status=OutboxStatus.PENDING, attempts=0, next_attempt_at=now, queued_at=now, updated_at=now
        )
        if ids:
            transaction.on_commit(queue_due)
    return len(ids)
