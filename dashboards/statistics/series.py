"""The figures of the statistics page: one indicator's layer rows over a range of months, read in one query
through the caller's jurisdiction, laid out as tables (area × month) and charts (one per summary area).

The ministry reads the nation, its regions and their prefectures; a prefecture official their prefectures only
(a region's figures mix in prefectures they do not see).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils import formats
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from dashboards import queries
from dashboards.charts import NO_DATA, Series, line_chart, month_label, percent
from evillage.jurisdiction import Jurisdiction
from evillage.models import Indicator, LayerLevel
from evillage.periods import shift

FIELDS = (
    "level",
    "area_id",
    "area__name",
    "area__parent_id",
    "period",
    "villages_expected",
    "villages_reporting",
    "villages_with_service",
    "population_reporting",
    "population_with_service",
    "share_villages",
    "share_population",
    "completeness",
)


def periods_with_data(jurisdiction: Jurisdiction) -> list[str]:
    """The months that have layers, newest first (every month lays out every area: prefectures suffice)."""
    rows = queries.statistics(jurisdiction, level=LayerLevel.PREFECTURE)
    return list(rows.order_by("-period").values_list("period", flat=True).distinct())


def month_range(start: str, end: str) -> list[str]:
    months = [start]
    while months[-1] < end:
        months.append(shift(months[-1], 1))
    return months


@dataclass
class AreaSeries:
    """One area's rows, one per month of the range (None: no row that month)."""

    area_id: int | None
    level: str
    name: str
    parent_id: int | None
    rows: list[dict[str, Any] | None] = field(default_factory=list)

    def values(self, name: str) -> list[float | None]:
        return [None if row is None else row[name] for row in self.rows]


def area_series(jurisdiction: Jurisdiction, indicator: Indicator, months: list[str]) -> list[AreaSeries]:
    """The areas the page shows, nation first, each region followed by its prefectures; one query."""
    levels = [LayerLevel.NATION, LayerLevel.REGION, LayerLevel.PREFECTURE]
    if not jurisdiction.national:
        levels = [LayerLevel.PREFECTURE]
    rows = queries.statistics(
        jurisdiction, indicator=indicator, level__in=levels, period__gte=months[0], period__lte=months[-1]
    )
    column = {month: index for index, month in enumerate(months)}
    areas: dict[int | None, AreaSeries] = {}
    for row in rows.order_by().values(*FIELDS):
        area = areas.get(row["area_id"])
        if area is None:
            name = row["area__name"] or _("Togo")
            area = AreaSeries(row["area_id"], row["level"], name, row["area__parent_id"], [None] * len(months))
            areas[row["area_id"]] = area
        area.rows[column[row["period"]]] = row
    region_names = {a.area_id: a.name for a in areas.values() if a.level == LayerLevel.REGION}

    def place(area: AreaSeries) -> tuple[Any, ...]:
        if area.level == LayerLevel.NATION:
            return (0,)
        if area.level == LayerLevel.REGION:
            return (1, area.name, area.area_id, 0, "")
        return (1, region_names.get(area.parent_id, ""), area.parent_id or 0, 1, area.name)

    return sorted(areas.values(), key=place)


# Tables -------------------------------------------------------------------------------------------------


def _count(number: int) -> str:
    return formats.number_format(number, 0, force_grouping=True)


@dataclass(frozen=True)
class Measure:
    """One table (and one line of the charts): a share, and the counts it divides (named in the caption)."""

    field: str
    title: str
    line: str  # its name in a chart's legend
    colour: str
    dash: str
    part: str  # the counts: part / whole
    whole: str

    def detail(self, row: dict[str, Any]) -> str:
        # Counts only, units in the caption: 45 areas × 36 months × 3 tables of words would weigh on a phone.
        return f"{_count(row[self.part])} / {_count(row[self.whole])}"


def measures() -> list[Measure]:
    """Built per request, so the words follow the active language."""
    return [
        Measure(
            "completeness",
            _("Taux de rapportage (villages ayant répondu / villages attendus)"),
            _("Taux de rapportage"),
            "#636363",
            "2 3",
            "villages_reporting",
            "villages_expected",
        ),
        Measure(
            "share_villages",
            _("Part des villages avec le service (villages avec le service / villages ayant répondu)"),
            _("Part des villages"),
            "#31a354",
            "",
            "villages_with_service",
            "villages_reporting",
        ),
        Measure(
            "share_population",
            _("Part de la population avec le service (habitants avec le service / habitants des répondants)"),
            _("Part de la population"),
            "#3182bd",
            "6 3",
            "population_with_service",
            "population_reporting",
        ),
    ]


@dataclass(frozen=True)
class Cell:
    text: str
    detail: str


@dataclass(frozen=True)
class TableRow:
    name: str
    level: str
    cells: list[Cell]


@dataclass(frozen=True)
class Table:
    caption: str
    rows: list[TableRow]


def tables(areas: list[AreaSeries], indicator: Indicator, months: list[str]) -> list[Table]:
    span = _("%(indicator)s, %(start)s – %(end)s") % {
        "indicator": indicator.label,
        "start": month_label(months[0]),
        "end": month_label(months[-1]),
    }
    return [
        Table(
            f"{measure.title} — {span}",
            [
                TableRow(
                    area.name,
                    area.level,
                    [
                        Cell(NO_DATA, "") if row is None else Cell(percent(row[measure.field]), measure.detail(row))
                        for row in area.rows
                    ],
                )
                for area in areas
            ],
        )
        for measure in measures()
    ]


# Charts -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Chart:
    caption: str
    svg: SafeString


def charts(areas: list[AreaSeries], indicator: Indicator, months: list[str]) -> list[Chart]:
    """One chart per summary area: the nation and its regions for the ministry, else each prefecture."""
    shown = [area for area in areas if area.level in (LayerLevel.NATION, LayerLevel.REGION)] or areas
    labels = [month_label(month) for month in months]
    lines = measures()
    result = []
    for number, area in enumerate(shown, start=1):
        title = _("%(area)s — %(indicator)s") % {"area": area.name, "indicator": indicator.label}
        svg = line_chart(
            labels,
            [Series(m.line, area.values(m.field), m.colour, m.dash) for m in lines],
            title=title,
            chart_id=f"chart-{number}",
        )
        result.append(Chart(title, svg))
    return result
