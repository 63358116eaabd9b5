"""Reminders to chiefs before a month closes, and the closing summary to each prefecture's officials.

Both run daily from Celery beat (`CELERY_BEAT_SCHEDULE`) and are safe to run any number of times:
- `remind_chiefs`: from `REMINDER_DAYS_BEFORE_CLOSE` days before the current month closes until it does,
  one SMS to each active chief whose village has sent nothing for the month. A `Reminder` row (unique per
  chief and month) is written with the outbox message, so a chief is never reminded twice for one month,
  and a run that missed a day is made up by the next.
- `send_period_summaries`: once the month has closed, one SMS per active official contact of each
  prefecture: villages that reported out of those expected (definitions of `evillage.layers`), and how many
  are missing. A `PeriodSummary` row (unique per prefecture and month) keeps it to once.
Each job holds a PostgreSQL advisory lock for its transaction, so two runs never overlap; everything goes
through the outbox (`queue_message`), sent when the transaction commits.
"""

from __future__ import annotations

import datetime as dt
import logging
import zlib
from collections import defaultdict

from celery import shared_task
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from evillage.layers import reporting_by_prefecture
from evillage.models import Chief, ChiefStatus, OfficialContact, ReportValue
from evillage.periods import period_bounds, period_of, shift
from geo.models import Area
from sms_gateway import replies
from sms_gateway.catalogue import load_catalogue, report_example
from sms_gateway.models import OutboxKind, PeriodSummary, Reminder
from sms_gateway.outbox import queue_message

logger = logging.getLogger(__name__)

# pg advisory lock keys: one run of each job at a time, across every worker and host.
REMINDERS_LOCK = zlib.crc32(b"sms_gateway.reminders.remind_chiefs")
SUMMARIES_LOCK = zlib.crc32(b"sms_gateway.reminders.send_period_summaries")


def _try_lock(key: int) -> bool:
    with connection.cursor() as cursor:
        # Held until the surrounding transaction ends; a run that finds it taken leaves the work to the holder.
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [key])
        return bool(cursor.fetchone()[0])


def reminder_due(today: dt.date) -> str | None:
    """The month whose chiefs are reminded today, or None outside the days before a close."""
    period = period_of(today)
    closes_on = period_bounds(period)[1]
    if closes_on - today > dt.timedelta(days=settings.REMINDER_DAYS_BEFORE_CLOSE):
        return None
    return period


def remind_chiefs(now: dt.datetime | None = None) -> int | None:
    """Queue one reminder per active chief whose village has not reported this month; returns how many were
    queued, or None when another run holds the lock."""
    today = timezone.localdate(now or timezone.now())
    period = reminder_due(today)
    if period is None:
        return 0
    closes_on = period_bounds(period)[1]
    with transaction.atomic():
        if not _try_lock(REMINDERS_LOCK):
            logger.info("Another reminder run is going on; skipped")
            return None
        reported = ReportValue.objects.filter(village=OuterRef("village_id"), period=period, is_current=True)
        reminded = Reminder.objects.filter(chief=OuterRef("pk"), period=period)
        chiefs = (
            Chief.objects.filter(status=ChiefStatus.ACTIVE)
            .exclude(Exists(reported))
            .exclude(Exists(reminded))
            .select_related("village")
            .order_by("pk")
        )
        example = report_example(load_catalogue())
        reminders = []
        for chief in chiefs:
            text = replies.reminder(period, chief.village.name, closes_on.strftime("%d/%m"), example)
            message = queue_message(chief.phone, text, kind=OutboxKind.REMINDER)
            reminders.append(Reminder(chief=chief, period=period, outbox=message))
        # The unique constraint is the last guard: a duplicate rolls back every message of this run.
        Reminder.objects.bulk_create(reminders)
    logger.info("Reminded %d chiefs for %s", len(reminders), period)
    return len(reminders)


def send_period_summaries(now: dt.datetime | None = None) -> int | None:
    """Queue the summary of the month that closed last to each prefecture's active official contacts;
    returns how many prefectures were summarised, or None when another run holds the lock."""
    today = timezone.localdate(now or timezone.now())
    period = shift(period_of(today), -1)
    with transaction.atomic():
        if not _try_lock(SUMMARIES_LOCK):
            logger.info("Another summary run is going on; skipped")
            return None
        done = PeriodSummary.objects.filter(period=period).values("prefecture_id")
        contacts: dict[int, list[str]] = defaultdict(list)
        for area_id, phone in (
            OfficialContact.objects.filter(is_active=True, area__boundary_set__is_active=True)
            .exclude(area_id__in=done)
            .values_list("area_id", "phone")
        ):
            contacts[area_id].append(phone)
        if not contacts:
            return 0
        counts = reporting_by_prefecture(period)
        names = dict(Area.objects.filter(pk__in=list(contacts)).values_list("pk", "name"))
        summaries = []
        for prefecture_id, phones in sorted(contacts.items()):
            expected, reporting = counts.get(prefecture_id, (0, 0))
            if not expected:
                continue  # no chief to report: nothing to tell
            text = replies.period_summary(names[prefecture_id], period, expected, reporting)
            for phone in sorted(set(phones)):
                queue_message(phone, text, kind=OutboxKind.NOTICE)
            summaries.append(
                PeriodSummary(
                    prefecture_id=prefecture_id,
                    period=period,
                    villages_expected=expected,
                    villages_reporting=reporting,
                    recipients=len(set(phones)),
                )
            )
        PeriodSummary.objects.bulk_create(summaries)
    logger.info("Sent the %s summary to %d prefectures", period, len(summaries))
    return len(summaries)


def _moment(now: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(now) if now else None


# The beat calls these without arguments (today); `now` (ISO 8601) lets an operator replay a missed day.
@shared_task(ignore_result=True)
def send_reminders(now: str | None = None) -> int | None:
    return remind_chiefs(_moment(now))


@shared_task(ignore_result=True)
def send_summaries(now: str | None = None) -> int | None:
    return send_period_summaries(_moment(now))
