"""Charts drawn on the server as inline SVG: no chart library to download, nothing from a CDN, readable
without JavaScript and by screen readers (a `<title>` and `<desc>`, each point titled with its value).

Also the two ways the pages write figures for people, so that tables, charts and the map agree:
`percent` (French: comma decimal, non-breaking space before %) and `month_label` ("sept. 2024").
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils import formats
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from evillage.periods import month_start

NO_DATA = "–"


def percent(share: float | None, decimals: int = 1) -> str:
    """A share 0–1 as a French percentage, "66,7 %"; a dash when there is none."""
    if share is None or not math.isfinite(share):
        return NO_DATA
    # number_format truncates: round first, so 2/3 reads 66,7 and not 66,6.
    return f"{formats.number_format(round(share * 100, decimals), decimals)}\u00a0%"


def month_label(period: str) -> str:
    """A period as officials read it: "sept. 2024" (in the active language)."""
    return formats.date_format(month_start(period), "N Y")


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[float | None]  # fractions 0–1, one per label of the chart; None: no figure that month
    colour: str
    dash: str = ""  # a dash pattern, so the lines differ without colour too


@dataclass(frozen=True)
class Frame:
    """Where the plot sits in the SVG's coordinates (pixels of the viewBox)."""

    width: int = 480
    height: int = 230
    left: int = 44
    right: int = 30  # room for the latest month's label, centred on the last point
    top: int = 10
    bottom: int = 170  # the y of 0 %; below it: the month labels, then the legend

    def x(self, index: int, count: int) -> float:
        """Points spread from the left edge to the right one; a single point in the middle."""
        if count <= 1:
            return round((self.left + self.width - self.right) / 2, 1)
        step = (self.width - self.right - self.left) / (count - 1)
        return round(self.left + index * step, 1)

    def y(self, share: float) -> float:
        share = min(max(share, 0.0), 1.0)
        return round(self.bottom - share * (self.bottom - self.top), 1)


FRAME = Frame()
GRID = (0.0, 0.25, 0.5, 0.75, 1.0)
MAX_X_LABELS = 6


def line_chart(labels: Sequence[str], series: Sequence[Series], *, title: str, chart_id: str) -> SafeString:
    """Lines of shares (0–100 %) over `labels` (months); a None breaks its line, every figure is a dot."""
    frame = FRAME
    count = len(labels)
    parts: list[SafeString] = [_grid(frame)]
    step = max(1, math.ceil(count / MAX_X_LABELS))
    parts += [
        format_html(
            '<text x="{}" y="{}" text-anchor="middle" class="chart-label">{}</text>',
            frame.x(index, count),
            frame.bottom + 16,
            label,
        )
        for index, label in enumerate(labels)
        if (count - 1 - index) % step == 0  # counted back from the latest month, always labelled
    ]
    has_data = False
    for one in series:
        points = [
            (frame.x(index, count), frame.y(value), labels[index], value)
            for index, value in enumerate(one.values[:count])
            if value is not None and math.isfinite(value)
        ]
        has_data = has_data or bool(points)
        parts += [_line(run, one) for run in _runs(one.values[:count], frame, count) if len(run) > 1]
        parts += [
            format_html(
                '<circle cx="{}" cy="{}" r="3" fill="{}"><title>{} – {} : {}</title></circle>',
                x,
                y,
                one.colour,
                one.label,
                label,
                percent(value),
            )
            for x, y, label, value in points
        ]
    if not has_data:
        parts.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="middle" class="chart-empty">{}</text>',
                (frame.left + frame.width - frame.right) / 2,
                (frame.top + frame.bottom) / 2,
                _("Pas de données pour ces mois."),
            )
        )
    parts.append(_legend(series, frame))
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {} {}" role="img" '
        'aria-labelledby="{}-title {}-desc"><title id="{}-title">{}</title><desc id="{}-desc">{}</desc>{}</svg>',
        frame.width,
        frame.height,
        chart_id,
        chart_id,
        chart_id,
        title,
        chart_id,
        _describe(labels, series),
        mark_safe("".join(parts)),  # noqa: S308 - every part was built by format_html
    )


def _runs(values: Sequence[float | None], frame: Frame, count: int) -> list[list[tuple[float, float]]]:
    """Consecutive figures, as lists of points: a month without a figure ends a run."""
    runs: list[list[tuple[float, float]]] = [[]]
    for index, value in enumerate(values):
        if value is None or not math.isfinite(value):
            runs.append([])
        else:
            runs[-1].append((frame.x(index, count), frame.y(value)))
    return [run for run in runs if run]


def _line(run: list[tuple[float, float]], one: Series) -> SafeString:
    path = " ".join(f"{'M' if index == 0 else 'L'}{x},{y}" for index, (x, y) in enumerate(run))
    dash = format_html(' stroke-dasharray="{}"', one.dash) if one.dash else ""
    return format_html('<path d="{}" fill="none" stroke="{}" stroke-width="2"{}/>', path, one.colour, dash)


def _grid(frame: Frame) -> SafeString:
    return format_html_join(
        "",
        '<line x1="{}" x2="{}" y1="{}" y2="{}" class="chart-grid"/>'
        '<text x="{}" y="{}" text-anchor="end" class="chart-label">{}</text>',
        (
            (
                frame.left,
                frame.width - frame.right,
                frame.y(g),
                frame.y(g),
                frame.left - 4,
                frame.y(g) + 4,
                percent(g, 0),
            )
            for g in GRID
        ),
    )


def _legend(series: Sequence[Series], frame: Frame) -> SafeString:
    width = (frame.width - frame.left) // max(len(series), 1)
    y = frame.height - 12
    return format_html_join(
        "",
        '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}" stroke-width="2"{}/>'
        '<text x="{}" y="{}" class="chart-label">{}</text>',
        (
            (
                frame.left + i * width,
                frame.left + i * width + 18,
                y,
                y,
                one.colour,
                format_html(' stroke-dasharray="{}"', one.dash) if one.dash else "",
                frame.left + i * width + 22,
                y + 4,
                one.label,
            )
            for i, one in enumerate(series)
        ),
    )


def _describe(labels: Sequence[str], series: Sequence[Series]) -> str:
    """What a screen reader says instead of looking: each line's latest figure."""
    sentences = []
    for one in series:
        known = [(labels[i], v) for i, v in enumerate(one.values[: len(labels)]) if v is not None and math.isfinite(v)]
        if known:
            label, value = known[-1]
            sentences.append(
                _("%(series)s : %(value)s en %(month)s.")
                % {"series": one.label, "value": percent(value), "month": label}
            )
        else:
            sentences.append(_("%(series)s : pas de données.") % {"series": one.label})
    return " ".join(sentences)
