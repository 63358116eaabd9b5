"""The statistics page (`/statistiques/`), and the months of the national map: the layers' figures, scoped by
the one jurisdiction, in French, in a bounded number of queries."""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dashboards.tests.conftest import NOW, RECEIVED
from evillage.layers import refresh_layers
from evillage.models import AreaStatistic, Indicator, Official
from evillage.periods import period_of_moment
from evillage.services import record_report
from geo.models import Area
from tests.builders import box, make_area, make_village

URL = "/statistiques/"
APRIL = timezone.make_aware(dt.datetime(2024, 5, 2, 9, 0))


class Page(HTMLParser):
    """The page's tables (caption, header, rows of cells), links and SVG titles, as text."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tables: list[dict] = []
        self.links: list[str] = []
        self.svg_titles: list[str] = []
        self._text: list[str] | None = None
        self._in_svg = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append({"caption": "", "head": [], "rows": []})
        elif tag == "tr" and self.tables:
            self.tables[-1]["rows"].append([])
        elif tag in ("th", "td", "caption") or (tag == "title" and self._in_svg):
            self._text = []
        elif tag == "a":
            self.links.append(dict(attrs).get("href") or "")
        elif tag == "svg":
            self._in_svg = True

    def handle_endtag(self, tag: str) -> None:
        if self._text is not None and tag in ("th", "td", "caption", "title"):
            text = "".join(self._text).strip()
            self._text = None
            if tag == "caption":
                self.tables[-1]["caption"] = text
            elif tag == "title":
                self.svg_titles.append(text)
            else:
                self.tables[-1]["rows"][-1].append(text)
        elif tag == "svg":
            self._in_svg = False

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text.append(data)

    def table(self, caption_start: str) -> dict[str, list[str]]:
        """A table as {row header: cells}, the header row under ""."""
        (found,) = [t for t in self.tables if t["caption"].startswith(caption_start)]
        return {row[0] if row[0] != "Zone" else "": row[1:] for row in found["rows"]}


def french_percent(share: float | None) -> str:
    """Written independently of the page's own helper."""
    return "–" if share is None else f"{share * 100:.1f}".replace(".", ",") + "\u00a0%"


@pytest.fixture
def two_months(world):  # type: ignore[no-untyped-def]
    """April 2024: only Lama, no water. May 2024: Lama water, Tcharé none, Bangéli (Bassar) water."""
    record_report(world.chiefs["lama"], period="2024-04", values={"water": 0}, received_at=APRIL)
    record_report(world.chiefs["lama"], period="2024-05", values={"water": 1, "network": 2}, received_at=RECEIVED)
    record_report(world.chiefs["tchare"], period="2024-05", values={"water": 0, "network": 0}, received_at=RECEIVED)
    record_report(world.chiefs["bassar"], period="2024-05", values={"water": 1, "network": 1}, received_at=RECEIVED)
    refresh_layers(now=NOW)  # June 2024: the current month, laid out with nobody reporting yet
    return world


def get(client, **params):  # type: ignore[no-untyped-def]
    return client.get(URL, params)


# The figures ---------------------------------------------------------------------------------------------


def test_the_tables_give_each_areas_layer_figures_in_french(two_months, clients):
    response = get(clients["ministry"], indicator="water", period_from="2024-04", period_to="2024-06")
    assert response.status_code == 200
    page = Page(response.content.decode())
    completeness = page.table("Taux de rapportage")
    villages = page.table("Part des villages")
    population = page.table("Part de la population")
    assert completeness[""] == ["avr. 2024", "mai 2024", "juin 2024"]
    # Nation first, then each region followed by its prefectures.
    assert list(completeness) == ["", "Togo", "Kara", "Bassar", "Kozah"]
    water = Indicator.objects.get(key="water")
    names = {None: "Togo"} | dict(Area.objects.values_list("pk", "name"))
    rows = AreaStatistic.objects.filter(indicator=water, level__in=["nation", "region", "prefecture"])
    assert rows.count() == 4 * 3
    for row in rows:
        column = ["2024-04", "2024-05", "2024-06"].index(row.period)
        name = names[row.area_id]
        assert completeness[name][column] == french_percent(row.completeness), (name, row.period)
        assert villages[name][column] == french_percent(row.share_villages), (name, row.period)
        assert population[name][column] == french_percent(row.share_population), (name, row.period)
    # And the figures themselves, worked out by hand from the reports.
    assert completeness["Kozah"] == ["50,0\u00a0%", "100,0\u00a0%", "0,0\u00a0%"]
    assert villages["Kozah"] == ["0,0\u00a0%", "50,0\u00a0%", "–"]
    assert population["Kozah"] == ["0,0\u00a0%", "60,0\u00a0%", "–"]  # 1 200 of 2 000 people
    assert villages["Togo"] == ["0,0\u00a0%", "66,7\u00a0%", "–"]
    assert completeness["Bassar"] == ["0,0\u00a0%", "100,0\u00a0%", "0,0\u00a0%"]


def test_months_without_layers_are_dashes_and_the_caption_names_indicator_and_range(two_months, clients):
    page = Page(
        get(clients["ministry"], indicator="network", period_from="2024-03", period_to="2024-05").content.decode()
    )
    caption = page.tables[0]["caption"]
    assert "Réseau mobile" in caption and "mars 2024" in caption and "mai 2024" in caption
    # Network counts the top of its scale: Lama's "BON" only, of three villages.
    assert page.table("Part des villages")["Togo"] == ["–", "–", "33,3\u00a0%"]


def test_a_cell_carries_the_counts_behind_its_percentage(two_months, clients):
    html = get(clients["ministry"], indicator="water", period_from="2024-05", period_to="2024-05").content.decode()
    assert 'title="1 / 2">50,0\u00a0%' in html  # Kozah's villages with water, of those that answered
    assert 'title="1\u00a0200 / 2\u00a0000">60,0\u00a0%' in html  # and their inhabitants


def test_the_default_is_the_last_twelve_months_that_have_layers(two_months, clients):
    html = clients["ministry"].get(URL).content.decode()
    page = Page(html)
    months = page.table("Taux de rapportage")[""]
    assert len(months) == 12 and months[0] == "juil. 2023" and months[-1] == "juin 2024"
    assert 'name="period_from" value="2023-07"' in html and 'name="period_to" value="2024-06"' in html
    assert '<option value="water" selected>' in html  # the first indicator of the card


def test_charts_are_inline_svg_with_titles_one_per_summary_area(two_months, clients):
    national = Page(get(clients["ministry"], indicator="water").content.decode())
    assert [t for t in national.svg_titles if "—" in t] == ["Togo — Eau", "Kara — Eau"]
    prefectoral = Page(get(clients["kozah"], indicator="water").content.decode())
    assert [t for t in prefectoral.svg_titles if "—" in t] == ["Kozah — Eau"]


def test_the_page_loads_no_script_and_nothing_from_elsewhere(two_months, clients):
    html = clients["ministry"].get(URL).content.decode()
    assert "<script" not in html
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "") and "https://" not in html


# Who sees what ----------------------------------------------------------------------------------------


def test_an_official_sees_their_prefecture_only_never_the_region_or_another_prefecture(two_months, clients):
    html = get(clients["kozah"], indicator="water", period_from="2024-04", period_to="2024-06").content.decode()
    page = Page(html)
    for table in ("Taux de rapportage", "Part des villages", "Part de la population"):
        assert list(page.table(table)) == ["", "Kozah"]
    assert "Bassar" not in html and "Kara" not in html and "Togo" not in html
    bassar = Page(get(clients["bassar"], indicator="water").content.decode())
    assert list(bassar.table("Taux de rapportage")) == ["", "Bassar"]


def test_a_user_without_jurisdiction_is_refused(clients):
    assert clients["nobody"].get(URL).status_code == 403


def test_an_anonymous_visitor_is_sent_to_the_login_page(clients):
    response = clients["anonymous"].get(URL)
    assert response.status_code == 302
    assert response["Location"] == "/connexion/?next=/statistiques/"


def test_the_url_is_named(db):
    assert reverse("statistics") == URL


# Bad parameters -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"indicator": "piscine"}, "Indicateur inconnu : « piscine »."),
        ({"period_from": "2024-13"}, "Mois invalide : « 2024-13 » (attendu AAAA-MM, ex. 2024-05)."),
        ({"period_to": "mai"}, "Mois invalide : « mai »"),
        (
            {"period_from": "2024-06", "period_to": "2024-01"},
            "Le premier mois (2024-06) vient après le dernier (2024-01).",
        ),
        ({"period_from": "2020-01", "period_to": "2024-01"}, "36 mois au plus : choisissez une période plus courte."),
    ],
)
def test_a_bad_parameter_is_said_on_the_page_with_a_400(two_months, clients, params, message):
    response = get(clients["ministry"], **params)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'role="alert"' in html and message in html
    assert "<table" not in html and "<svg" not in html
    assert '<form method="get"' in html  # to correct it


def test_what_was_asked_for_is_escaped(two_months, clients):
    html = get(clients["ministry"], indicator='"><script>alert(1)</script>').content.decode()
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html


def test_a_range_without_layers_says_so(two_months, clients):
    response = get(clients["ministry"], indicator="water", period_from="2020-01", period_to="2020-03")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Aucune statistique de jan. 2020 à mars 2020 pour cet indicateur." in html
    assert "<table" not in html


def test_from_a_month_alone_the_page_runs_a_year_but_not_past_the_latest_layers(two_months, clients):
    months = Page(get(clients["ministry"], period_from="2024-02").content.decode()).table("Taux de rapportage")[""]
    assert months == ["fév. 2024", "mars 2024", "avr. 2024", "mai 2024", "juin 2024"]
    # Long before the layers: a year from that month.
    html = get(clients["ministry"], period_from="2022-01").content.decode()
    assert 'name="period_from" value="2022-01"' in html and 'name="period_to" value="2022-12"' in html


# Queries --------------------------------------------------------------------------------------------------


def test_the_page_runs_the_same_few_queries_whatever_the_number_of_areas_and_months(two_months, clients):
    def queries(role: str, **params: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert get(clients[role], **params).status_code == 200
        return len(captured)

    before = {role: queries(role, period_from="2024-05", period_to="2024-05") for role in ("ministry", "kozah")}
    # session, user, official (+ an official's prefectures), indicators, months with layers, the figures.
    assert before == {"ministry": 6, "kozah": 7}
    world = two_months
    for number in range(5):
        prefecture = make_area(
            world.boundary_set, "prefecture", f"P{number}", f"P{number}", box(0, 8, 0.4, 8.4), world.kara
        )
        make_village(f"P{number}-0001", f"V{number}", 0.2, 8.2, None, prefecture)
    Official.objects.get(user=world.users["kozah"]).prefectures.add(*Area.objects.filter(code__startswith="P"))
    refresh_layers(now=NOW)
    after = {role: queries(role, period_from="2023-01", period_to="2024-06") for role in ("ministry", "kozah")}
    assert after == before


# Exports --------------------------------------------------------------------------------------------------


def test_the_export_buttons_point_at_the_export_api_for_what_the_page_shows(two_months, clients):
    page = Page(
        get(clients["ministry"], indicator="water", period_from="2024-04", period_to="2024-06").content.decode()
    )
    exports = [urlsplit(link) for link in page.links if link.startswith("/api/v1/exports/")]
    assert sorted(link.path for link in exports) == sorted(
        f"/api/v1/exports/{dataset}.{fmt}"
        for dataset in ("statistics", "villages")
        for fmt in ("csv", "csv", "xlsx", "geojson", "gpkg")
    )
    statistics = [parse_qs(link.query) for link in exports if "statistics" in link.path]
    assert all(
        q["indicator"] == ["water"] and q["period_from"] == ["2024-04"] and q["period_to"] == ["2024-06"]
        for q in statistics
    )
    # One CSV for Excel in French: semicolons and decimal commas.
    assert sum(q.get("sep") == [";"] and q.get("decimal") == [","] for q in statistics) == 1


def test_the_export_buttons_give_an_official_their_own_prefecture_only(two_months, clients):
    page = Page(get(clients["kozah"], indicator="water", period_from="2024-04", period_to="2024-06").content.decode())
    links = [link for link in page.links if link.startswith("/api/v1/exports/") and ".csv" in link]
    assert len(links) == 4  # statistics and villages, each with "," and with ";"
    files = {}
    for link in links:
        response = clients["kozah"].get(link)
        assert response.status_code == 200, link
        files[link] = text = b"".join(response.streaming_content).decode("utf-8-sig")
        assert "Bassar" not in text and "Bangéli" not in text
        assert "Kozah" in text and "Tcharé" in text
        if "statistics" in link:  # the region's figures mix in Bassar's (its name is in the villages' rows)
            assert "Kara" not in text and "TG-K" not in text
    (french,) = [text for link, text in files.items() if "statistics" in link and "sep=%3B" in link]
    header, *rows = french.splitlines()
    assert header.startswith("Niveau;Code de la zone;Zone;")
    # Kozah in May: half of its villages have water, written with a decimal comma.
    (may,) = [row.split(";") for row in rows if ";KOZ;" in row and ";2024-05;" in row]
    assert may[13] == "0,5"


# The national map's months ------------------------------------------------------------------------------


def test_the_map_offers_the_months_with_layers_newest_first_and_shows_the_current_one(world, clients):
    record_report(world.chiefs["lama"], period="2024-05", values={"water": 1}, received_at=RECEIVED)
    refresh_layers()  # today's month is laid out too
    current = period_of_moment(timezone.now())
    html = clients["kozah"].get("/carte/").content.decode()
    options = html[html.index('id="period"') : html.index("</select>", html.index('id="period"'))]
    assert options.index(f'value="{current}" selected') < options.index('value="2024-05">mai 2024')
    assert 'value="share_villages"' in html and 'value="share_population"' in html
    assert "Population avec le service" in html  # the legend's words, for the script


def test_the_map_shows_the_latest_month_with_layers_when_the_current_one_has_none(two_months, clients):
    html = clients["ministry"].get("/carte/").content.decode()
    assert 'value="2024-06" selected' in html and 'value="2024-05">' in html


def test_the_map_without_any_layers_offers_no_month(world, clients):
    html = clients["ministry"].get("/carte/").content.decode()
    assert 'id="period"' not in html and 'id="share"' in html


# Phones may zoom --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/carte/", URL])
def test_the_pages_let_a_phone_zoom(two_months, clients, path):
    html = clients["ministry"].get(path).content.decode()
    assert html.count('name="viewport"') == 1
    assert 'content="width=device-width, initial-scale=1"' in html
    assert "user-scalable" not in html and "maximum-scale" not in html
