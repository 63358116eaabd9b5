"""A prefecture official in a real browser (tests/browser.py): the prefecture map, then a village's page."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from evillage.layers import refresh_layers
from evillage.periods import period_of_moment, shift
from evillage.services import record_report
from tests.browser import ARTIFACTS, assert_stayed_local, browser_page, log_in
from tests.builders import build_world, make_village

# Hamlets 300 m apart around Lama-Tessi (1.1 E, 9.5 N): one cluster at the prefecture's zoom, apart closer in.
HAMLETS = 30
VILLAGES = 2 + HAMLETS


@pytest.mark.django_db(transaction=True)
def test_a_prefecture_official_opens_a_village_from_the_prefecture_map(live_server):
    world = build_world()
    for n in range(HAMLETS):
        lon, lat = 1.094 + (n % 6) * 0.0025, 9.494 + (n // 6) * 0.0025
        make_village(f"KOZ-{100 + n:04d}", f"Hameau {n}", lon, lat, world.lama, world.kozah)
    now = timezone.now()
    this_month, last_month = period_of_moment(now), shift(period_of_moment(now), -1)
    lama, tchare = world.chiefs["lama"], world.chiefs["tchare"]
    # Lama-Tessi: water last said five months ago (stale); network corrected from BON to AUCUN last month.
    record_report(lama, period=shift(this_month, -5), values={"water": 1}, received_at=now - dt.timedelta(days=150))
    record_report(lama, period=last_month, values={"network": 2}, received_at=now - dt.timedelta(days=20))
    record_report(lama, period=last_month, values={"network": 0}, received_at=now - dt.timedelta(days=19))
    record_report(tchare, period=this_month, values={"water": 1, "network": 2}, received_at=now)
    refresh_layers(now=now)
    ARTIFACTS.mkdir(exist_ok=True)
    with browser_page() as page:
        read_the_prefecture_and_a_village(live_server.url, page, last_month)


def read_the_prefecture_and_a_village(url: str, page: Any, last_month: str) -> None:
    log_in(page, url, "kozah", "/prefectures/KOZ/")
    page.wait_for_selector(f'#map-controls[data-features="{VILLAGES}"][data-shown="water"]', timeout=15000)
    page.wait_for_selector('#map-controls[data-cantons="2"]', timeout=15000)
    # Lama-Tessi and the hamlets are one cluster; Tcharé stands alone, coloured by this month's value.
    assert page.inner_text(".marker-cluster") == str(HAMLETS + 1)
    assert page.get_attribute('.village-dot[data-code="KOZ-0002"]', "class") == "village-dot"
    legend = page.inner_text(".village-legend")
    assert "Eau" in legend and "Oui (1)" in legend and "valeur ancienne (1)" in legend
    assert f"pas de données ({HAMLETS})" in legend
    page.screenshot(path=str(ARTIFACTS / "prefecture-map.png"))

    # A click on the cluster zooms in: its villages appear, Lama-Tessi's old water value hollow.
    page.click(".marker-cluster")
    page.wait_for_selector('.village-dot.is-stale[data-code="KOZ-0001"]', state="visible", timeout=15000)
    page.wait_for_selector(".marker-cluster", state="detached")
    page.screenshot(path=str(ARTIFACTS / "prefecture-map-zoomed.png"))

    # Another indicator, without reloading the page: the scale's words come into the legend.
    page.evaluate("window.samePage = true")
    page.select_option("#indicator", "network")
    page.wait_for_selector('#map-controls[data-shown="network"]', timeout=15000)
    legend = page.inner_text(".village-legend")
    assert "Réseau mobile" in legend and "Aucun (1)" in legend and "Bon (1)" in legend
    assert page.evaluate("window.samePage") is True
    assert page.url.endswith("/prefectures/KOZ/?indicator=network")

    # A village's marker opens its page: the chief and the history of its reports.
    page.click('.village-dot:not(.is-stale)[data-code="KOZ-0001"]')
    page.wait_for_url("**/villages/KOZ-0001/")
    assert "Kossi Amegan" in page.inner_text("#chiefs")
    corrected = f'tr[data-indicator="network"] td[data-period="{last_month}"]'
    assert page.get_attribute(corrected, "data-value") == "0"
    assert page.get_attribute(corrected, "data-replaced") == "2"
    page.wait_for_selector(".place-map canvas")  # the village's point, drawn on its small map
    page.screenshot(path=str(ARTIFACTS / "village-page.png"), full_page=True)

    # The same pages on a phone-sized screen: nothing wider than the screen (wide tables scroll in their box).
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    page.screenshot(path=str(ARTIFACTS / "village-page-phone.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # The chart scrolls inside its box, opened on the latest months.
    assert page.evaluate("document.getElementById('history-scroll').scrollLeft") > 0
    page.goto(f"{url}/prefectures/KOZ/")
    page.wait_for_selector(f'#map-controls[data-features="{VILLAGES}"]', timeout=15000)
    assert page.is_visible(".village-legend") and page.is_visible("#indicator")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(ARTIFACTS / "prefecture-map-phone.png"))

    assert_stayed_local(page)
