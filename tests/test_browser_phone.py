"""Every page on a phone-sized screen (390×844): nothing wider than the screen, so no sideways scrolling of
the whole page (wide tables scroll inside their own box), and nothing fetched from outside."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from evillage.layers import refresh_layers
from evillage.periods import period_of_moment
from evillage.services import record_report
from tests.browser import ARTIFACTS, PHONE, assert_stayed_local, browser_page, log_in
from tests.builders import build_world

PAGES = [
    "/carte/",
    "/statistiques/",
    "/files/",
    "/files/villages-sans-rapport/",
    "/files/positions/",
    "/files/numeros/",
    "/files/inscriptions/",
    "/files/alertes/",
    "/prefectures/KOZ/",
    "/villages/KOZ-0001/",
]


@pytest.mark.django_db(transaction=True)
def test_every_page_fits_a_phone(live_server):
    world = build_world()
    received = timezone.now() - dt.timedelta(hours=1)
    for n, chief in enumerate(world.chiefs.values()):
        record_report(
            chief, period=period_of_moment(received), values={"water": n % 2, "network": 2}, received_at=received
        )
    refresh_layers()
    ARTIFACTS.mkdir(exist_ok=True)
    widths = {}
    with browser_page(viewport=PHONE) as page:
        log_in(page, live_server.url, "kozah", "/carte/")
        for path in PAGES:
            page.goto(live_server.url + path)
            page.wait_for_load_state("networkidle")
            widths[path] = page.evaluate("document.documentElement.scrollWidth")
            name = path.strip("/").replace("/", "-") or "home"
            page.screenshot(path=str(ARTIFACTS / f"phone-{name}.png"), full_page=True)
        assert_stayed_local(page)
    assert {path: width for path, width in widths.items() if width > PHONE["width"]} == {}
