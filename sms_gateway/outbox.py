"""Verbs of the outbox: queue an SMS, send it (at most once), record what the provider says of it.

Sending, step by step (`send_message`):
1. claim the row: one `UPDATE` moves it from pending (and due) to `sending` and counts the attempt, and is
   committed before any call to the provider;
2. call the gateway backend;
3. record the outcome: `sent` with the provider's id and cost; a temporary error (5xx, 429, timeout,
   connection) puts it back to `pending` after a growing delay (`SMS_RETRY_DELAY_SECONDS` × 2^(attempt-1),
   capped at `SMS_RETRY_MAX_DELAY_SECONDS`), and `dead` once `SMS_MAX_SEND_ATTEMPTS` are spent; a refusal
   is final (`failed`).

Never twice: a message is only ever sent by the worker that moved it from pending to sending. If that
worker dies between steps 1 and 3, the row stays `sending` and no task will send it again (they only claim
pending rows). Africa's Talking offers no way to ask whether it took a message we have no id for, so after
`SMS_SENDING_GRACE_SECONDS` (longer than any provider call can last) the sweeper marks it `failed` with
"unknown outcome" rather than resend it: a chief who misses one answer can write again; a duplicate
report confirmation, alert or reminder cannot be unsent. An official can resend it from the admin.

One trade-off is the brief's: a read timeout is retried, although the provider may have taken the message
before it stopped answering. Connection errors and 5xx/429 answers are safe to retry.

Queued, not one task per message: a committed message wakes a drain (`sms_gateway.tasks.drain_outbox`), which
sends the due pending messages one after the other, each by the steps above (`send_due`). A retry after a
temporary failure is queued for its own message, with its delay.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from sms_gateway.backends import SendError, StatusReport, get_backend
from sms_gateway.models import DeliveryReport, InboxMessage, OutboxKind, OutboxMessage, OutboxStatus

logger = logging.getLogger(__name__)

UNKNOWN_OUTCOME = "unknown outcome: the worker stopped during the provider call; not resent"
FINAL = frozenset({OutboxStatus.DELIVERED, OutboxStatus.FAILED, OutboxStatus.DEAD})


def queue_message(
    to: str, text: str, kind: str = OutboxKind.REPLY, in_reply_to: InboxMessage | None = None
) -> OutboxMessage:
    """Put an SMS in the outbox; its sending is queued when the surrounding transaction commits."""
    if kind not in OutboxKind.values:
        raise ValueError(f"Unknown outbox kind {kind!r}")
    now = timezone.now()
    message = OutboxMessage.objects.create(
        to=to, text=text, kind=kind, in_reply_to=in_reply_to, next_attempt_at=now, queued_at=now
    )
    transaction.on_commit(queue_due)
    return message


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


def send_message(outbox_id: int) -> str | None:
    """Send this message if pending and due, through the gateway backend; its new status, None if not due."""
    # A retry's countdown may fire a hair before `next_attempt_at`; a late one would wait for the sweeper.
    message = _claim(outbox_id, due=timezone.now() + dt.timedelta(seconds=1))
    return None if message is None else _send(message)


def send_due(limit: int) -> tuple[int, bool]:
    """Send pending, due messages, oldest due first, until none is left or `limit` were tried; returns how
    many were tried, and whether some may be left.

    The due ids are read a batch at a time, then each is claimed by its id (see `inbox.process_pending`);
    what another worker claimed meanwhile is passed over.
    """
    tried = 0
    while tried < limit:
        now = timezone.now()
        due = OutboxMessage.objects.filter(status=OutboxStatus.PENDING, next_attempt_at__lte=now)
        batch = list(due.order_by("next_attempt_at").values_list("pk", flat=True)[: limit - tried])
        tried_before = tried
        for outbox_id in batch:
            message = _claim(outbox_id, due=now)
            if message is not None:
                _send(message)
                tried += 1
        if tried == tried_before:
            return tried, False  # nothing due, or only what other workers took
    return tried, True


def _claim(outbox_id: int, *, due: dt.datetime) -> OutboxMessage | None:
    """Move the message to `sending` if it is pending and due by `due`, and COMMIT; None when it is not.

    One statement, committed on its own (outside a transaction): a second worker's claim of the same row
    waits for this one and then finds it no longer pending.
    """
    table = connection.ops.quote_name(OutboxMessage._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET status = %s, attempts = attempts + 1, updated_at = %s "  # noqa: S608 - the model's table
            'WHERE id = %s AND status = %s AND next_attempt_at <= %s RETURNING "to", text, attempts',
            [OutboxStatus.SENDING, timezone.now(), outbox_id, OutboxStatus.PENDING, due],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    # Committed: from here on, whatever happens to this worker, no other will send this row.
    to, text, attempts = row
    return OutboxMessage(pk=outbox_id, to=to, text=text, attempts=attempts, status=OutboxStatus.SENDING)


def _send(message: OutboxMessage) -> str:
    """Send a message this worker claimed and record the outcome; returns its new status."""
    outbox_id = message.pk
    try:
        accepted = get_backend().send(message.to, message.text)
    except SendError as exc:
        return _record_failure(message, exc)
    except Exception as exc:
        # A bug or an unforeseen answer: nobody knows whether the provider took it, so it is not retried.
        logger.exception("Sending outbox message %s failed unexpectedly", outbox_id)
        return _record_failure(message, exc)

    # The provider's id is committed first: a delivery report coming after that finds the message; one
    # that came before was kept unmatched, and is applied here.
    OutboxMessage.objects.filter(pk=outbox_id).update(
        status=OutboxStatus.SENT,
        provider_message_id=accepted.provider_message_id,
        cost=accepted.cost,
        provider_status=accepted.status,
        last_error="",
        sent_at=timezone.now(),
        updated_at=timezone.now(),
    )
    _apply_early_reports(outbox_id, accepted.provider_message_id)
    return OutboxStatus.SENT


def _record_failure(message: OutboxMessage, exc: Exception) -> str:
    error = f"{type(exc).__name__}: {exc}"[:2000]
    retryable = isinstance(exc, SendError) and exc.retryable
    if retryable and message.attempts < settings.SMS_MAX_SEND_ATTEMPTS:
        delay = retry_delay(message.attempts)
        now = timezone.now()
        OutboxMessage.objects.filter(pk=message.pk).update(
            status=OutboxStatus.PENDING,
            next_attempt_at=now + delay,
            queued_at=now,
            last_error=error,
            updated_at=now,
        )
        logger.warning("Outbox message %s: %s; retry in %s", message.pk, error, delay)
        transaction.on_commit(lambda: queue_sending(message.pk, countdown=delay.total_seconds()))
        return OutboxStatus.PENDING
    status = OutboxStatus.DEAD if retryable else OutboxStatus.FAILED
    OutboxMessage.objects.filter(pk=message.pk).update(status=status, last_error=error, updated_at=timezone.now())
    logger.error("Outbox message %s is %s after %d attempt(s): %s", message.pk, status, message.attempts, error)
    return status


def _apply_early_reports(outbox_id: int, provider_message_id: str) -> None:
    # A delivery report can outrun the recording of the send; it was kept unmatched and is applied now.
    early = DeliveryReport.objects.filter(provider_id=provider_message_id, outbox__isnull=True).order_by("pk")
    for report in early:  # almost always none: then no transaction at all
        with transaction.atomic():
            report.outbox_id = outbox_id
            report.save(update_fields=["outbox"])
            _apply_outcome(outbox_id, report.status, report.outcome or None)


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
