"""Celery tasks of the channel: each calls a verb of `sms_gateway.inbox` or `sms_gateway.outbox`.

Every task may run twice (the broker re-delivers after a lost worker, the sweeper queues copies): the verbs
claim rows with `SELECT … FOR UPDATE SKIP LOCKED` on a status, so the second run finds nothing to do.

Drains and their wake-up: the inbox is not processed by one task per message but by `drain_inbox`, which
handles whatever is pending. `wake(drain_inbox)` queues one unless one is already due: a Redis flag set
with NX says so. The drain drops the flag *before* it looks for rows, so a row committed after that look
finds the flag gone and queues a drain of its own; one committed before is seen by the look. The flag
expires by itself, so a lost drain delays the next one, never blocks it; the sweeper, from the database,
queues a drain for rows left waiting whatever the flag says.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import zlib

import redis
from celery import Task, shared_task
from django.conf import settings
from django.db import connection, transaction

from evillage.celery import app
from sms_gateway import inbox, outbox

logger = logging.getLogger(__name__)

# pg advisory lock key of the sweeper: one run at a time across every worker and host.
SWEEPER_LOCK = zlib.crc32(b"sms_gateway.sweep_stuck_messages")
# A drain hands over to a fresh one after this many messages, so that replies and other tasks waiting in
# the queue are not held back by a long backlog.
DRAIN_BATCH = 200
# How long a wake-up flag outlives a drain that never ran (lost with a worker): new SMS queue one then.
WAKE_FLAG_SECONDS = 30
# An inbox drain starts a moment after the first message that wakes it, with those that came meanwhile: a
# burst is handled in batches (`inbox.process_pending`) rather than one message at a time.
INBOX_GATHER_SECONDS = 0.5
# Replies are sent a moment after the first one is queued, with those queued meanwhile: one drain for a
# handful of replies, not one for each, while the inbox is busy. A second is nothing to a chief.
OUTBOX_GATHER_SECONDS = 1.0


# How long a wake-up waits for the broker's answer. Redis answers in well under a millisecond; one that hangs
# (accepting connections, answering nothing) costs each webhook request that long, not the message.
BROKER_ANSWER_SECONDS = 1.0


@functools.cache
def _redis(url: str) -> redis.Redis:
    """One client (and its connection pool) per process and broker: a wake-up must not pay for a connection."""
    return redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=BROKER_ANSWER_SECONDS)


def _flag(task: Task) -> tuple[redis.Redis, str]:
    # On the broker, per queue: two deployments, or two test runs, sharing one Redis do not wake each other.
    return _redis(app.conf.broker_url), f"{app.conf.task_default_queue}:{task.name}:due"


def wake(task: Task, countdown: float | None = None) -> bool:
    """Queue `task` (a drain, without arguments), to run after `countdown` seconds, unless it is already
    due; False when the broker is down.

    Never raises: what the drain would take waits in the database, for the next wake-up or the sweeper.
    """
    client, flag = _flag(task)
    try:
        if not client.set(flag, "1", nx=True, ex=WAKE_FLAG_SECONDS):
            return True
    except Exception:
        logger.exception("Could not queue %s; the sweeper will", task.name)
        return False
    if publish(task, countdown):
        return True
    try:
        client.delete(flag)  # nothing is due after all
    except Exception:
        logger.warning("Could not clear the flag of %s; it expires by itself", task.name, exc_info=True)
    return False


def publish(task: Task, countdown: float | None = None) -> bool:
    """Queue `task` (without arguments) whether or not it is due; False, logged, when the broker is down."""
    try:
        task.apply_async(countdown=countdown)
    except Exception:
        logger.exception("Could not queue %s; the sweeper will", task.name)
        return False
    return True


def _woken(task: Task) -> None:
    """Drop the drain's flag before it looks for work (see the module's docstring)."""
    client, flag = _flag(task)
    try:
        client.delete(flag)
    except Exception:
        logger.warning("Could not clear the flag of %s; it expires by itself", task.name, exc_info=True)


@shared_task(ignore_result=True)
def drain_inbox() -> int:
    """Handle the pending inbox messages; hand over to a fresh drain after `DRAIN_BATCH` of them."""
    _woken(drain_inbox)
    handled, more = inbox.process_pending(DRAIN_BATCH)
    if more:
        wake(drain_inbox)
    return handled


@shared_task(ignore_result=True)
def process_inbox_message(inbox_id: int) -> None:
    """One message by its id: what earlier versions queued (such tasks may still wait in the broker)."""
    inbox.process_message(inbox_id)


@shared_task(ignore_result=True)
def drain_outbox() -> int:
    """Send the due outbox messages; hand over to a fresh drain after `DRAIN_BATCH` of them."""
    _woken(drain_outbox)
    tried, more = outbox.send_due(DRAIN_BATCH)
    if more:
        wake(drain_outbox)  # at once: these were due already
    return tried


@shared_task(ignore_result=True)
def send_outbox_message(outbox_id: int) -> None:
    """One message by its id: a retry, queued with its delay."""
    outbox.send_message(outbox_id)


@shared_task(ignore_result=True)
def sweep_stuck_messages() -> dict[str, int] | None:
    """Re-queue what the broker lost, give up on sends a dead worker left half-done. Runs every minute."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            # Held until this transaction ends; a run that finds it taken leaves the work to the one holding it.
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [SWEEPER_LOCK])
            if not cursor.fetchone()[0]:
                logger.info("Another sweeper is running; skipped")
                return None
        after = dt.timedelta(seconds=settings.SMS_SWEEP_AFTER_SECONDS)
        counts = {
            "inbox_requeued": inbox.requeue_stale(after),
            "outbox_requeued": outbox.requeue_due(after),
            "outbox_unknown_outcome": outbox.give_up_on_stuck_sends(
                dt.timedelta(seconds=settings.SMS_SENDING_GRACE_SECONDS)
            ),
        }
    return counts
