"""The national map in a real browser (tests/browser.py), against a live server."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from evillage.layers import refresh_layers
from evillage.models import Chief, ChiefStatus, Role
from evillage.periods import period_of_moment, shift
from evillage.services import record_report
from tests.browser import ARTIFACTS, assert_stayed_local, browser_page, log_in
from tests.builders import make_user

# The drawn areas' fill colours, by area code: what a person sees change (the map draws on a canvas).
FILL_COLOURS = """() => {
  const map = window[document.getElementById("map-controls").dataset.map];
  const colours = [];
  map.eachLayer(l => { if (l.feature) colours.push(l.feature.properties.code + "=" + l.options.fillColor); });
  return colours.sort();
}"""
TOOLTIP_OF_FIRST_AREA = """() => {
  const map = window[document.getElementById("map-controls").dataset.map];
  const texts = [];
  map.eachLayer(l => { if (l.feature && l.getTooltip()) texts.push(l.getTooltip().getContent()); });
  return texts[0];
}"""


# A prefecture of the layer and its centre in the map's pixels (Leaflet's own centroid of its polygon).
CENTRE_OF_AN_AREA = """() => {
  const map = window[document.getElementById("map-controls").dataset.map];
  let found = null;
  map.eachLayer(l => { if (!found && l.feature && l.feature.properties.code === "SOT") found = l; });
  const point = map.latLngToContainerPoint(found.getCenter());
  return [found.feature.properties.code, point.x, point.y];
}"""


def fill_colours(page: Any) -> list[str]:
    return page.evaluate(FILL_COLOURS)


@pytest.mark.django_db(transaction=True)
def test_the_ministry_logs_in_and_reads_the_national_map(live_server):
    call_command("load_national_dataset", verbosity=0)
    period = period_of_moment(timezone.now())
    received = timezone.now() - dt.timedelta(minutes=5)
    for n, chief in enumerate(Chief.objects.filter(status=ChiefStatus.ACTIVE).order_by("pk")[:600]):
        record_report(
            chief, period=period, values={"water": n % 3 != 0, "electricity": n % 4 == 0}, received_at=received
        )
        # The month before: other chiefs, other answers, so that switching months changes the map.
        if n % 2:
            record_report(chief, period=shift(period, -1), values={"water": n % 5 == 0}, received_at=received)
    refresh_layers()
    make_user("ministere", Role.MINISTRY)
    ARTIFACTS.mkdir(exist_ok=True)
    with browser_page() as page:
        read_the_national_map(live_server.url, page, period)


def read_the_national_map(url: str, page: Any, period: str) -> None:
    page.goto(f"{url}/connexion/?next=/carte/")
    assert "Se connecter" in page.content()
    log_in(page, url, "ministere", "/carte/")
    # The prefectures' layer is fetched from the API and drawn, with its legend.
    page.wait_for_selector('#map-controls[data-features="39"]', timeout=15000)
    assert "indicator=water" in page.get_attribute("#map-controls", "data-shown")
    assert page.is_visible(".map-legend")
    page.screenshot(path=str(ARTIFACTS / "national-map.png"))

    # Another indicator, without reloading the page.
    page.select_option("#indicator", "electricity")
    page.wait_for_selector('#map-controls[data-shown*="indicator=electricity"]', timeout=15000)
    assert page.get_attribute("#map-controls", "data-features") == "39"
    page.screenshot(path=str(ARTIFACTS / "national-map-electricity.png"))

    # The current month is shown first; the month before, fetched without reloading the page.
    assert f"period={period}" in page.get_attribute("#map-controls", "data-shown")
    page.select_option("#indicator", "water")
    page.wait_for_selector(f'#map-controls[data-shown*="indicator=water"][data-period="{period}"]', timeout=15000)
    colours_now = fill_colours(page)
    previous = shift(period, -1)
    page.evaluate("window.evillageStillHere = true")
    page.select_option("#period", previous)
    page.wait_for_selector(f'#map-controls[data-shown*="period={previous}"][data-period="{previous}"]', timeout=15000)
    assert page.evaluate("window.evillageStillHere") is True  # no reload
    assert page.get_attribute("#map-controls", "data-features") == "39"
    assert fill_colours(page) != colours_now
    # The month as the page names it (in the browser's language: Chromium asks for English month names).
    label = page.inner_text(f'#period option[value="{previous}"]')
    legend = page.inner_text(".map-legend")
    assert "Villages avec le service" in legend and label in legend
    assert label in page.inner_text("#map-status")

    # Coloured by the share of population: the same layer, restyled, the legend follows.
    by_villages = fill_colours(page)
    page.select_option("#share", "share_population")
    page.wait_for_selector('#map-controls[data-share="share_population"]', timeout=5000)
    assert "Population avec le service" in page.inner_text(".map-legend")
    assert fill_colours(page) != by_villages
    assert f"period={previous}" in page.get_attribute("#map-controls", "data-shown")
    # The tooltip gives the numbers and the reporting rate.
    tooltip = page.evaluate(TOOLTIP_OF_FIRST_AREA)
    assert "Taux de rapportage" in tooltip and "habitants" in tooltip and "%" in tooltip
    page.screenshot(path=str(ARTIFACTS / "national-map-previous-month-population.png"))

    # folium's viewport (no zoom on phones) is gone: the page keeps only its own.
    viewports = page.eval_on_selector_all('meta[name="viewport"]', "metas => metas.map(m => m.content)")
    assert viewports == ["width=device-width, initial-scale=1"]

    # Clicking a prefecture opens its page, on the indicator the map showed.
    code, x, y = page.evaluate(CENTRE_OF_AN_AREA)
    indicator = page.input_value("#indicator")
    box = page.locator(".folium-map").bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)
    page.wait_for_url(f"**/prefectures/{code}/?indicator={indicator}")
    page.wait_for_selector("#village-map-frame, .leaflet-container", timeout=15000)
    page.screenshot(path=str(ARTIFACTS / "national-map-opened-prefecture.png"))

    assert_stayed_local(page)
