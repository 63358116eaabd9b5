"""Verbs of the inbox: store what came in (once), process it (once), find what the broker lost.

The path of one SMS (DESIGN.md): the webhook stores the raw message and answers; processing is queued on
commit; a worker claims the row, hands it to `sms_gateway.handling.handle_message` and marks it done, all in
one transaction, so a worker killed half-way leaves the row as it was and the next try starts clean.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from sms_gateway.backends import Inbound
from sms_gateway.models import InboxMessage, InboxStatus, QuarantinedNumber

logger = logging.getLogger(__name__)


def record_inbound(inbound: Inbound) -> InboxMessage | None:
    """Store an inbound SMS and queue its processing on commit; None when its provider id is already known.

    `INSERT … ON CONFLICT (provider_id) DO NOTHING`: a second delivery of the same id, even one racing this
    one in another request, neither fails nor changes the stored row. The single statement is atomic by
    itself: called outside a transaction (the webhook), it commits at once and the processing is queued
    right away, without the two extra round trips of BEGIN and COMMIT.
    """
    message = InboxMessage(
        provider_id=inbound.provider_id,
        sender=inbound.sender,
        recipient=inbound.recipient,
        text=inbound.text,
        provider_date=inbound.provider_date,
        link_id=inbound.link_id,
        network_code=inbound.network_code,
        cost=inbound.cost,
        received_at=timezone.now(),
        queued_at=timezone.now(),
    )
    message.pk = _insert_unless_known(message)
    if message.pk is None:
        return None
    transaction.on_commit(lambda: queue_processing(message.pk))
    return message


def _insert_unless_known(message: InboxMessage) -> int | None:
    fields = [f for f in InboxMessage._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    values = [f.get_db_prep_save(f.pre_save(message, add=True), connection) for f in fields]
    sql = (
        f"INSERT INTO {connection.ops.quote_name(InboxMessage._meta.db_table)} ({columns}) "  # noqa: S608 - names from the model
        f"VALUES ({', '.join(['%s'] * len(fields))}) ON CONFLICT (provider_id) DO NOTHING RETURNING id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        row = cursor.fetchone()
    return row[0] if row else None


def is_known(inbound: Inbound) -> bool:
    """Whether this message is already in the inbox: by provider id, or by sender, date and text.

    The second test guards the fetch API, whose ids might not be the callback's (the provider does not
    say they are the same); a chief does not send the same text twice in the same second.
    """
    same = Q(provider_id=inbound.provider_id)
    if inbound.provider_date is not None:
        same |= Q(sender=inbound.sender, provider_date=inbound.provider_date, text=inbound.text)
    return InboxMessage.objects.filter(same).exists()


def queue_processing(inbox_id: int) -> bool:
    """Hand the message to a worker. A broker that is down is logged, not raised: the sweeper will retry."""
    from sms_gateway.tasks import process_inbox_message

    try:
        process_inbox_message.delay(inbox_id)
    except Exception:
        logger.exception("Could not queue inbox message %s; the sweeper will queue it later", inbox_id)
        return False
    return True


def process_message(inbox_id: int) -> bool:
    """Claim a pending message, handle it and mark it done, in one transaction; False when there was none.

    Claimed with `FOR UPDATE SKIP LOCKED` on status pending: a second worker given the same id (a re-delivered
    task, the sweeper's copy) skips it while the first holds it, and finds it done afterwards. What handling
    sets on the message (`chief`, `parse_result`) is saved with it. A failure in handling is rolled back to a
    savepoint and the row marked failed with the error, its text kept.
    """
    from sms_gateway.handling import handle_message

    with transaction.atomic():
        message = (
            InboxMessage.objects.select_for_update(skip_locked=True)
            .filter(pk=inbox_id, status=InboxStatus.PENDING)
            .first()
        )
        if message is None:
            return False
        message.status = InboxStatus.PROCESSING
        message.attempts += 1
        try:
            with transaction.atomic():
                handle_message(message)
        except Exception as exc:
            logger.exception("Handling inbox message %s failed", inbox_id)
            # An update, not a save: what handling set on the instance may point at rows just rolled back.
            InboxMessage.objects.filter(pk=inbox_id).update(
                status=InboxStatus.FAILED,
                attempts=message.attempts,
                processed_at=timezone.now(),
                error=f"{type(exc).__name__}: {exc}"[:2000],
            )
            return True
        message.status = InboxStatus.DONE
        message.processed_at = timezone.now()
        message.error = ""
        message.save()
    return True


def retry_failed(inbox_ids: list[int]) -> int:
    """Put failed messages back in the queue (after the cause was fixed); returns how many."""
    with transaction.atomic():
        ids = list(
            InboxMessage.objects.filter(pk__in=inbox_ids, status=InboxStatus.FAILED).values_list("pk", flat=True)
        )
        InboxMessage.objects.filter(pk__in=ids).update(status=InboxStatus.PENDING, queued_at=timezone.now())
        for inbox_id in ids:
            transaction.on_commit(lambda inbox_id=inbox_id: queue_processing(inbox_id))
    return len(ids)


def requeue_stale(older_than: dt.timedelta) -> int:
    """Queue again the pending messages last queued longer ago than `older_than`; returns how many."""
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            InboxMessage.objects.filter(status=InboxStatus.PENDING)
            .filter(Q(queued_at__isnull=True) | Q(queued_at__lt=now - older_than))
            .order_by("received_at")
            .values_list("pk", flat=True)[:5000]
        )
        InboxMessage.objects.filter(pk__in=ids).update(queued_at=now)
        for inbox_id in ids:
            transaction.on_commit(lambda inbox_id=inbox_id: queue_processing(inbox_id))
    if ids:
        logger.warning("Re-queued %d inbox message(s) left pending", len(ids))
    return len(ids)


def quarantine_number(phone: str) -> QuarantinedNumber:
    """Note a message from a phone that is no chief's: the number is kept, with how often it wrote."""
    now = timezone.now()
    number, created = QuarantinedNumber.objects.get_or_create(
        phone=phone, defaults={"first_seen_at": now, "last_seen_at": now, "message_count": 1}
    )
    if not created:
        QuarantinedNumber.objects.filter(pk=number.pk).update(message_count=F("message_count") + 1, last_seen_at=now)
        number.refresh_from_db()
    return number


def record_hint_sent(number: QuarantinedNumber) -> None:
    """The registration hint went out now (see `QuarantinedNumber.hint_due`)."""
    number.last_hint_at = timezone.now()
    number.save(update_fields=["last_hint_at"])
