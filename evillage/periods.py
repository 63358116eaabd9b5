"""Reporting months.

A period is named `YYYY-MM`. Which days belong to it is a platform setting: calendar months by default
(`REPORTING_MONTH_CLOSING_DAY=0`), or months that close on day N — then the days after the Nth belong
to the next month's period (Togo's and Mali's administrations close some months early).
"""

from __future__ import annotations

import datetime as dt
import re

from django.conf import settings
from django.utils import timezone

_PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def closing_day() -> int:
    return int(settings.REPORTING_MONTH_CLOSING_DAY)


def _add_months(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


def period_of(day: dt.date, closing: int | None = None) -> str:
    """The period a calendar day belongs to."""
    closing = closing_day() if closing is None else closing
    year, month = day.year, day.month
    if closing and day.day > closing:
        year, month = _add_months(year, month, 1)
    return f"{year:04d}-{month:02d}"


def period_of_moment(moment: dt.datetime, closing: int | None = None) -> str:
    """The period of an instant, judged by the day it is in Lomé."""
    return period_of(timezone.localtime(moment).date(), closing)


def month_start(period: str) -> dt.date:
    """The first calendar day of the period's month: what the parser takes as "today's month"."""
    year, month = parse_period(period)
    return dt.date(year, month, 1)


def parse_period(period: str) -> tuple[int, int]:
    match = _PERIOD.match(period or "")
    if not match:
        raise ValueError(f"{period!r} n'est pas un mois au format AAAA-MM.")
    return int(match.group(1)), int(match.group(2))


def period_bounds(period: str, closing: int | None = None) -> tuple[dt.date, dt.date]:
    """First and last calendar day of a period."""
    closing = closing_day() if closing is None else closing
    year, month = parse_period(period)
    if not closing:
        next_year, next_month = _add_months(year, month, 1)
        return dt.date(year, month, 1), dt.date(next_year, next_month, 1) - dt.timedelta(days=1)
    prev_year, prev_month = _add_months(year, month, -1)
    return dt.date(prev_year, prev_month, closing) + dt.timedelta(days=1), dt.date(year, month, closing)


def shift(period: str, months: int) -> str:
    year, month = _add_months(*parse_period(period), months)
    return f"{year:04d}-{month:02d}"
