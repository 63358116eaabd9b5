from __future__ import annotations

import datetime as dt

import pytest

from evillage.periods import month_start, period_bounds, period_of, period_of_moment, shift


@pytest.mark.parametrize(
    ("day", "closing", "period"),
    [
        (dt.date(2026, 11, 1), 0, "2026-11"),
        (dt.date(2026, 11, 30), 0, "2026-11"),
        (dt.date(2026, 11, 25), 25, "2026-11"),
        (dt.date(2026, 11, 26), 25, "2026-12"),
        (dt.date(2026, 12, 26), 25, "2027-01"),
    ],
)
def test_period_of_a_day(day, closing, period):
    assert period_of(day, closing) == period


@pytest.mark.parametrize(
    ("period", "closing", "bounds"),
    [
        ("2026-02", 0, (dt.date(2026, 2, 1), dt.date(2026, 2, 28))),
        ("2026-12", 0, (dt.date(2026, 12, 1), dt.date(2026, 12, 31))),
        ("2026-12", 25, (dt.date(2026, 11, 26), dt.date(2026, 12, 25))),
        ("2027-01", 20, (dt.date(2026, 12, 21), dt.date(2027, 1, 20))),
    ],
)
def test_period_bounds(period, closing, bounds):
    assert period_bounds(period, closing) == bounds
    first, last = bounds
    assert period_of(first, closing) == period == period_of(last, closing)
    assert period_of(first - dt.timedelta(days=1), closing) == shift(period, -1)


def test_the_setting_chooses_the_rule(settings):
    settings.REPORTING_MONTH_CLOSING_DAY = 20
    moment = dt.datetime(2026, 11, 21, 10, 0, tzinfo=dt.UTC)
    assert period_of_moment(moment) == "2026-12"
    assert month_start("2026-12") == dt.date(2026, 12, 1)


def test_bad_period_is_refused():
    with pytest.raises(ValueError, match="AAAA-MM"):
        period_bounds("2026-13", 0)
