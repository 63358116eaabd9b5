"""Verbs of the outbox: queue an SMS, send it (at most once), record what the provider says of it.

Sending, step by step (`send_message`):
1. claim the row (`FOR UPDATE SKIP LOCKED`, status pending and due), mark it `sending`, count the attempt
   and COMMIT, before any call to the provider;
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
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
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
    transaction.on_commit(lambda: queue_sending(message.pk))
    return message


def queue_sending(outbox_id: int, countdown: float | None = None) -> bool:
    """Hand the message to a worker. A broker that is down is logged, not raised: the sweeper will retry."""
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
    """Send one due message through the gateway backend; returns its new status, None if it was not due."""
    # A retry's countdown may fire a hair before `next_attempt_at`; a late one would wait for the sweeper.
    due = timezone.now() + dt.timedelta(seconds=1)
    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(pk=outbox_id, status=OutboxStatus.PENDING, next_attempt_at__lte=due)
            .first()
        )
        if message is None:
            return None
        message.status = OutboxStatus.SENDING
        message.attempts += 1
        message.save(update_fields=["status", "attempts", "updated_at"])
    # Committed: from here on, whatever happens to this worker, no other will send this row.

    try:
        accepted = get_backend().send(message.to, message.text)
    except SendError as exc:
        return _record_failure(message, exc)
    except Exception as exc:
        # A bug or an unforeseen answer: nobody knows whether the provider took it, so it is not retried.
        logger.exception("Sending outbox message %s failed unexpectedly", outbox_id)
        return _record_failure(message, exc)

    with transaction.atomic():
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
    for report in DeliveryReport.objects.filter(provider_id=provider_message_id, outbox__isnull=True).order_by("pk"):
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
    """Queue again the pending, due messages last queued longer ago than `older_than`; returns how many."""
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            OutboxMessage.objects.filter(status=OutboxStatus.PENDING, next_attempt_at__lte=now)
            .filter(Q(queued_at__isnull=True) | Q(queued_at__lt=now - older_than))
            .order_by("next_attempt_at")
            .values_list("pk", flat=True)[:5000]
        )
        OutboxMessage.objects.filter(pk__in=ids).update(queued_at=now)
        for outbox_id in ids:
            transaction.on_commit(lambda outbox_id=outbox_id: queue_sending(outbox_id))
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
        for outbox_id in ids:
            transaction.on_commit(lambda outbox_id=outbox_id: queue_sending(outbox_id))
    return len(ids)
