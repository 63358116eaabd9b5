"""The server-drawn SVG charts: points where their values say, lines broken by missing months, readable titles."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from django.utils import translation

from dashboards import charts
from dashboards.charts import FRAME, Series, line_chart, month_label, percent

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def dots(root: ET.Element, colour: str) -> list[tuple[float, float]]:
    return [(float(c.get("cx")), float(c.get("cy"))) for c in root.iter(f"{SVG}circle") if c.get("fill") == colour]


def paths(root: ET.Element, colour: str) -> list[str]:
    return [p.get("d") for p in root.iter(f"{SVG}path") if p.get("stroke") == colour]


def test_points_sit_at_their_share_between_the_left_and_right_edges():
    root = parse(line_chart(["a", "b", "c"], [Series("Eau", [0.0, 0.5, 1.0], "#111")], title="T", chart_id="c"))
    left, right = FRAME.left, FRAME.width - FRAME.right
    middle = (FRAME.top + FRAME.bottom) / 2
    assert dots(root, "#111") == [(left, FRAME.bottom), ((left + right) / 2, middle), (right, FRAME.top)]
    assert paths(root, "#111") == [
        f"M{left}.0,{FRAME.bottom}.0 L{(left + right) / 2},{middle} L{right}.0,{FRAME.top}.0"
    ]


def test_a_frame_with_known_numbers_places_points_exactly():
    frame = charts.Frame(width=110, left=10, right=0, top=0, bottom=100)
    assert [frame.x(i, 5) for i in range(5)] == [10, 35, 60, 85, 110]
    assert [frame.y(v) for v in (0, 0.25, 1)] == [100, 75, 0]
    # Shares are fractions: anything outside 0–1 stays on the plot.
    assert frame.y(1.7) == 0 and frame.y(-0.2) == 100


def test_a_missing_month_breaks_the_line_but_every_figure_keeps_its_dot():
    values = [0.2, 0.4, None, 0.6, None, 0.8]
    root = parse(line_chart(list("abcdef"), [Series("Eau", values, "#222")], title="T", chart_id="c"))
    xs = [FRAME.x(i, 6) for i in range(6)]
    assert [x for x, _ in dots(root, "#222")] == [xs[0], xs[1], xs[3], xs[5]]
    # One line for the two first months; the lone months between gaps are dots only.
    assert paths(root, "#222") == [f"M{xs[0]},{FRAME.y(0.2)} L{xs[1]},{FRAME.y(0.4)}"]


def test_a_single_month_is_one_dot_in_the_middle_and_no_line():
    root = parse(line_chart(["mai 2024"], [Series("Eau", [0.5], "#333")], title="T", chart_id="c"))
    assert dots(root, "#333") == [((FRAME.left + FRAME.width - FRAME.right) / 2, FRAME.y(0.5))]
    assert paths(root, "#333") == []


def test_a_chart_without_figures_says_so_and_draws_nothing():
    root = parse(line_chart(["a", "b"], [Series("Eau", [None, None], "#444")], title="T", chart_id="c"))
    assert dots(root, "#444") == [] and paths(root, "#444") == []
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "Pas de données pour ces mois." in texts
    assert "Eau : pas de données." in root.find(f"{SVG}desc").text
    # No series at all, no months at all: still a chart that says so, not an error.
    empty = parse(line_chart([], [], title="Vide", chart_id="e"))
    assert "Pas de données pour ces mois." in [t.text for t in empty.iter(f"{SVG}text")]


def test_the_chart_is_titled_described_and_escaped_for_screen_readers():
    svg = line_chart(
        ["avr. 2024", "mai 2024"],
        [Series("Part <des> villages", [0.5, 2 / 3], "#555"), Series("Population", [None, 0.25], "#666", "6 3")],
        title="Kozah & Bassar",
        chart_id="chart-7",
    )
    root = parse(svg)  # well-formed: the "<" and "&" were escaped
    assert root.get("role") == "img" and root.get("aria-labelledby") == "chart-7-title chart-7-desc"
    assert root.find(f"{SVG}title").text == "Kozah & Bassar"
    assert root.find(f"{SVG}desc").text == (
        "Part <des> villages : 66,7\u00a0% en mai 2024. Population : 25,0\u00a0% en mai 2024."
    )
    titles = [t.text for c in root.iter(f"{SVG}circle") for t in c.iter(f"{SVG}title")]
    assert titles == [
        "Part <des> villages – avr. 2024 : 50,0\u00a0%",
        "Part <des> villages – mai 2024 : 66,7\u00a0%",
        "Population – mai 2024 : 25,0\u00a0%",
    ]
    # The dashed series is dashed in its line and its legend, so it reads without colour.
    assert [line.get("stroke-dasharray") for line in root.iter(f"{SVG}line") if line.get("stroke") == "#666"] == ["6 3"]


def test_month_labels_are_thinned_to_stay_readable_and_the_latest_month_is_always_named():
    labels = [f"m{i}" for i in range(12)]
    root = parse(line_chart(labels, [Series("Eau", [0.5] * 12, "#777")], title="T", chart_id="c"))
    shown = [t.text for t in root.iter(f"{SVG}text") if t.text and t.text.startswith("m")]
    assert shown == ["m1", "m3", "m5", "m7", "m9", "m11"]


def test_percentages_and_months_are_written_the_french_way():
    with translation.override("fr"):
        assert percent(2 / 3) == "66,7\u00a0%"
        assert percent(0.5, 0) == "50\u00a0%"
        assert percent(1.0) == "100,0\u00a0%"
        assert percent(None) == "–"
        assert month_label("2024-09") == "sept. 2024"
        assert month_label("2024-05") == "mai 2024"
