"""Celery tasks of the channel: each takes ids and calls a verb of `sms_gateway.inbox` or `sms_gateway.outbox`.

Every task may run twice (the broker re-delivers after a lost worker, the sweeper queues copies): the verbs
claim rows with `SELECT … FOR UPDATE SKIP LOCKED` on a status, so the second run finds nothing to do.
"""

from __future__ import annotations

import datetime as dt
import logging
import zlib

from celery import shared_task
from django.conf import settings
from django.db import connection, transaction

from sms_gateway import inbox, outbox

logger = logging.getLogger(__name__)

# pg advisory lock key of the sweeper: one run at a time across every worker and host.
SWEEPER_LOCK = zlib.crc32(b"sms_gateway.sweep_stuck_messages")


@shared_task(ignore_result=True)
def process_inbox_message(inbox_id: int) -> None:
    inbox.process_message(inbox_id)


@shared_task(ignore_result=True)
def send_outbox_message(outbox_id: int) -> None:
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
