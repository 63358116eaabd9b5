"""A village's reports as a chart drawn by the server: one row per indicator, one cell per month.

A cell is coloured by the value that counts for its month (the current one); values that a later report of
the same month replaced are kept beside it, so an official sees that a chief corrected a report. All the
values of the window come in one query, however many reports the village sent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import groupby

from dashboards.places.legend import NO_DATA, ValueClass, value_classes
from evillage.models import Indicator, ReportValue
from evillage.periods import month_start, shift
from geo.models import Village

HISTORY_MONTHS = 24


@dataclass(frozen=True)
class Replaced:
    """A value a later report of the same month superseded."""

    value: ValueClass
    received_at: dt.datetime


@dataclass
class Cell:
    period: str
    month: dt.date  # its first day, for the labels
    value: ValueClass | None = None  # None: no report for this month
    received_at: dt.datetime | None = None
    replaced: list[Replaced] = field(default_factory=list)


@dataclass(frozen=True)
class Row:
    indicator: Indicator
    classes: list[ValueClass]
    cells: list[Cell]


@dataclass(frozen=True)
class Year:
    year: int
    months: int  # how many of the chart's columns fall in it


@dataclass(frozen=True)
class HistoryChart:
    months: list[dt.date]  # the first day of each column's month
    years: list[Year]
    rows: list[Row]

    @property
    def is_empty(self) -> bool:
        return not any(cell.value for row in self.rows for cell in row.cells)

    @property
    def legend(self) -> list[ValueClass]:
        """Each (name, colour) the rows use, once: yes/no indicators share theirs."""
        seen: dict[tuple[str, str], ValueClass] = {}
        for row in self.rows:
            for value in row.classes:
                seen.setdefault((value.label, value.colour), value)
        return list(seen.values())


def history_chart(
    village: Village, indicators: Sequence[Indicator], last_period: str, months: int = HISTORY_MONTHS
) -> HistoryChart:
    """The `months` months up to `last_period` (the current one, usually) of each indicator."""
    periods = [shift(last_period, offset) for offset in range(1 - months, 1)]
    cells = {(i.pk, p): Cell(p, month_start(p)) for i in indicators for p in periods}
    classes = {i.pk: {c.value: c for c in value_classes(i)} for i in indicators}
    values = (
        ReportValue.objects.filter(
            village=village, indicator__in=list(indicators), period__gte=periods[0], period__lte=periods[-1]
        )
        .order_by("report__received_at", "pk")
        .values_list("indicator_id", "period", "value", "is_current", "report__received_at")
    )
    for indicator_id, period, value, is_current, received_at in values:
        cell = cells[(indicator_id, period)]
        named = classes[indicator_id].get(value) or ValueClass(value, str(value), NO_DATA)
        if is_current:
            cell.value, cell.received_at = named, received_at
        else:
            cell.replaced.append(Replaced(named, received_at))
    starts = [month_start(p) for p in periods]
    return HistoryChart(
        months=starts,
        years=[Year(year, len(list(group))) for year, group in groupby(starts, key=lambda d: d.year)],
        rows=[
            Row(indicator, list(classes[indicator.pk].values()), [cells[(indicator.pk, p)] for p in periods])
            for indicator in indicators
        ],
    )
