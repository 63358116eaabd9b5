"""Verbs of the inbox: store what came in (once), process it (once), find what the broker lost.

The path of one SMS (DESIGN.md): the webhook stores the raw message and answers; processing is queued on
commit; a worker claims the row, hands it to `sms_gateway.handling` and marks it done, all in one
transaction, so a worker killed half-way leaves the row as it was and the next try starts clean.

Queued, not one task per message: the webhook wakes a drain (`sms_gateway.tasks.drain_inbox`), which claims
pending rows a batch at a time until none is left: the reports and plain answers of a batch are handled
together, in one transaction (a fixed handful of statements, not a dozen per message); the rest of it one
message at a time, each in its own transaction. Waking is one Redis `SET NX` when a drain is already due,
which it mostly is under load; publishing a Celery message for every SMS took a quarter of the webhook's
time (profiled in-process: 0.6 of 2.2 ms), a `SET NX` takes 0.15 ms.

A handling transaction commits without waiting for its WAL to reach the disk (`synchronous_commit` off for
that transaction only). What it writes is derived from the inbox row, which the webhook committed durably
before answering; a crash of PostgreSQL in the fraction of a second before the flush loses the handling as a
whole, and the row, pending again, is handled again. Nothing leaves the system before that flush: sending a
reply starts with a durable commit (`sms_gateway.outbox`), which flushes every earlier commit with it.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging

from django.db import connection, transaction
from django.db.models import F, Field, Q, QuerySet
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
    transaction.on_commit(queue_processing)
    return message


def _insert_unless_known(message: InboxMessage) -> int | None:
    sql, fields = _insert_statement()
    values = [f.get_db_prep_save(f.pre_save(message, add=True), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        row = cursor.fetchone()
    return row[0] if row else None


@functools.cache
def _insert_statement() -> tuple[str, list[Field]]:
    """`_insert_unless_known`'s statement and the fields it takes, in order: built once, not per message,
    because building it took 50 of the 80 µs each INSERT spent in Python (measured)."""
    fields = [f for f in InboxMessage._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    sql = (
        f"INSERT INTO {connection.ops.quote_name(InboxMessage._meta.db_table)} ({columns}) "  # noqa: S608 - names from the model
        f"VALUES ({', '.join(['%s'] * len(fields))}) ON CONFLICT (provider_id) DO NOTHING RETURNING id"
    )
    return sql, fields


def is_known(inbound: Inbound) -> bool:
    """Whether this message is already in the inbox: by provider id, or by sender, date and text.

    The second test guards the fetch API, whose ids might not be the callback's (the provider does not
    say they are the same); a chief does not send the same text twice in the same second.
    """
    same = Q(provider_id=inbound.provider_id)
    if inbound.provider_date is not None:
        same |= Q(sender=inbound.sender, provider_date=inbound.provider_date, text=inbound.text)
    return InboxMessage.objects.filter(same).exists()


def queue_processing() -> bool:
    """Make sure a drain of the inbox is due, within `INBOX_GATHER_SECONDS`. A broker that is down is logged,
    not raised: the sweeper will queue one later (the rows wait in the database)."""
    from sms_gateway.tasks import INBOX_GATHER_SECONDS, drain_inbox, wake

    return wake(drain_inbox, countdown=INBOX_GATHER_SECONDS)


def _share_the_backlog() -> None:
    """Make sure another drain is due at once: a backlog is shared as soon as a worker process is free."""
    from sms_gateway.tasks import drain_inbox, wake

    wake(drain_inbox)


def process_message(inbox_id: int) -> bool:
    """Claim this message if pending, handle it and mark it done, in one transaction; False when it was not.

    Claimed with `FOR UPDATE SKIP LOCKED` on status pending: a second worker given the same id (a re-delivered
    task, the sweeper's copy) skips it while the first holds it, and finds it done afterwards.
    """
    return _process(InboxMessage.objects.filter(pk=inbox_id)) is not None


# How many pending messages a drain claims at a time, to handle together (`handling.handle_batch`).
HANDLING_BATCH = 50


def process_pending(limit: int) -> tuple[int, bool]:
    """Handle pending messages, oldest first, until none is left or about `limit` are handled; returns how
    many, and whether some may be left.

    Claimed `HANDLING_BATCH` at a time: what can be handled together is, in one transaction
    (`_process_batch`); the rest of the batch, released, then one at a time, each in its own transaction.
    A batch not full was all there was: the drain stops, and what comes after wakes a drain of its own,
    a moment later (`queue_processing`), with whatever else came meanwhile — a drain handling messages as
    they trickle in would handle them one by one, at several times the cost of each in a batch.
    Messages another worker holds are skipped (`SKIP LOCKED`): drains share a backlog, each waking another
    while there is one, so that every free worker process takes part. A message whose transaction fails
    outside handling (which `_process` already turns into `failed`) is logged and left pending for a later
    drain, so that it never stops the ones behind it.
    """
    handled = 0
    left_pending: list[int] = []
    while handled < limit:
        size = min(HANDLING_BATCH, limit - handled)
        done, one_by_one = _process_batch(size, passed_over=left_pending)
        handled += len(done)
        for inbox_id in one_by_one:
            try:
                if _process(InboxMessage.objects.filter(pk=inbox_id)) is not None:
                    handled += 1
            except _Unfinished as unfinished:
                logger.error("Inbox message %s left pending: %s", inbox_id, unfinished.__cause__)
                left_pending.append(inbox_id)
        if len(done) + len(one_by_one) < size:
            return handled, False  # all there was, but what other workers hold
    return handled, True


def _process_batch(size: int, passed_over: list[int]) -> tuple[list[int], list[int]]:
    """Claim up to `size` pending messages (but those `passed_over`), handle together what can be and mark
    it done, in one transaction; returns the ids done and the ids left for one-at-a-time handling, released.

    If handling the batch fails, nothing of it is kept and every message is left for one-at-a-time handling,
    where a message that fails is marked failed without holding back the others.
    """
    from sms_gateway.handling import handle_batch

    claimed: list[InboxMessage] = []
    own_transaction = not connection.in_atomic_block
    try:
        with transaction.atomic():
            pending = InboxMessage.objects.filter(status=InboxStatus.PENDING).exclude(pk__in=passed_over)
            claimed = list(pending.select_for_update(skip_locked=True).order_by("received_at")[:size])
            if not claimed:
                return [], []
            if len(claimed) == size > 1:
                _share_the_backlog()  # a full batch: there may be more behind it
            if own_transaction:
                _commit_without_waiting_for_the_disk()
            others = {message.pk for message in handle_batch(claimed)}
            done = [message for message in claimed if message.pk not in others]
            _mark_done(done)
    except Exception:
        if not claimed:
            raise  # nothing claimed: the database itself is in trouble
        logger.exception("Handling a batch of %d inbox messages failed; each is handled on its own", len(claimed))
        return [], [message.pk for message in claimed]
    return [message.pk for message in done], [message.pk for message in claimed if message.pk in others]


class _Unfinished(Exception):
    """The transaction of a claimed message failed outside handling and was rolled back (see `__cause__`)."""

    def __init__(self, inbox_id: int) -> None:
        super().__init__(inbox_id)
        self.inbox_id = inbox_id


def _process(candidates: QuerySet[InboxMessage]) -> int | None:
    """Claim the first pending message of `candidates`, handle it and mark it done; its id, or None if none.

    What handling sets on the message (`chief`, `parse_result`) is saved with it. A failure in handling is
    rolled back to a savepoint and the row marked failed with the error, its text kept.
    """
    from sms_gateway.handling import handle_message

    claimed: int | None = None
    # Only a transaction of its own may skip the wait for the disk, never a caller's (see the module doc).
    own_transaction = not connection.in_atomic_block
    try:
        with transaction.atomic():
            message = candidates.select_for_update(skip_locked=True).filter(status=InboxStatus.PENDING).first()
            if message is None:
                return None
            claimed = message.pk
            if own_transaction:
                _commit_without_waiting_for_the_disk()
            message.status = InboxStatus.PROCESSING
            message.attempts += 1
            try:
                with transaction.atomic():
                    handle_message(message)
            except Exception as exc:
                logger.exception("Handling inbox message %s failed", message.pk)
                # An update, not a save: what handling set on the instance may point at rows just rolled back.
                InboxMessage.objects.filter(pk=message.pk).update(
                    status=InboxStatus.FAILED,
                    attempts=message.attempts,
                    processed_at=timezone.now(),
                    error=f"{type(exc).__name__}: {exc}"[:2000],
                )
                return message.pk
            message.status = InboxStatus.DONE
            message.processed_at = timezone.now()
            message.error = ""
            message.save(update_fields=_HANDLED_FIELDS)
    except Exception as exc:
        if claimed is None:
            raise  # nothing claimed: the database itself is in trouble
        raise _Unfinished(claimed) from exc
    return claimed


# What processing changes on the row: the rest is the raw message, never rewritten.
_HANDLED_FIELDS = ["status", "attempts", "processed_at", "error", "chief", "parse_result"]


def _mark_done(messages: list[InboxMessage]) -> None:
    """What handling set on the messages (`chief`, `parse_result`), and done: one UPDATE for them all
    (Django's `bulk_update` builds a CASE per row and field, which took longer than handling them)."""
    if not messages:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {connection.ops.quote_name(InboxMessage._meta.db_table)} m "  # noqa: S608 - the model's table
            "SET status = %s, attempts = m.attempts + 1, processed_at = %s, error = '', "
            "chief_id = h.chief_id, parse_result = h.parse_result::jsonb "
            "FROM unnest(%s::bigint[], %s::bigint[], %s::text[]) AS h(id, chief_id, parse_result) WHERE m.id = h.id",
            [
                InboxStatus.DONE,
                timezone.now(),
                [m.pk for m in messages],
                [m.chief_id for m in messages],
                [json.dumps(m.parse_result) for m in messages],
            ],
        )


def _commit_without_waiting_for_the_disk() -> None:
    # For this transaction only; see the module's docstring for why no guarantee depends on it.
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit TO OFF")


def retry_failed(inbox_ids: list[int]) -> int:
    """Put failed messages back in the queue (after the cause was fixed); returns how many."""
    with transaction.atomic():
        ids = list(
            InboxMessage.objects.filter(pk__in=inbox_ids, status=InboxStatus.FAILED).values_list("pk", flat=True)
        )
        InboxMessage.objects.filter(pk__in=ids).update(status=InboxStatus.PENDING, queued_at=timezone.now())
        if ids:
            transaction.on_commit(queue_processing)
    return len(ids)


def requeue_stale(older_than: dt.timedelta) -> int:
    """Queue a drain when messages wait, pending, since longer ago than `older_than`; returns how many wait.

    The drain is queued even if one seems due: the one due may be the one that was lost.
    """
    from sms_gateway.tasks import drain_inbox, publish

    now = timezone.now()
    with transaction.atomic():
        ids = list(
            InboxMessage.objects.filter(status=InboxStatus.PENDING)
            .filter(Q(queued_at__isnull=True) | Q(queued_at__lt=now - older_than))
            .order_by("received_at")
            .values_list("pk", flat=True)[:5000]
        )
        InboxMessage.objects.filter(pk__in=ids).update(queued_at=now)
        if ids:
            transaction.on_commit(lambda: publish(drain_inbox))
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
