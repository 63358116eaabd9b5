"""The map pages in a real browser: Debian's Chromium, driven by Playwright, against a live server.

Screenshots go to test-artifacts/ (git-ignored), for a person to look at.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.utils import timezone

from evillage.layers import refresh_layers
from evillage.models import Chief, ChiefStatus, Role
from evillage.periods import period_of_moment
from evillage.services import record_report
from tests.builders import PASSWORD, make_user

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
# What a browser on a ministry network without internet must be able to do: nothing reaches out.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextmanager
def browser_page() -> Iterator[Any]:
    """A Chromium page that records every URL it requests (`page.requests`).

    Playwright's sync API runs an event loop in this thread, where Django refuses database calls:
    open it once the test's data is in place.
    """
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium")
    assert chromium, "Debian's chromium is missing: scripts/setup-system.sh installs it"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1024, "height": 768})
        requests: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        page.requests = requests
        try:
            yield page
        finally:
            browser.close()


@pytest.mark.django_db(transaction=True)
def test_the_ministry_logs_in_and_reads_the_national_map(live_server):
    call_command("load_national_dataset", verbosity=0)
    period = period_of_moment(timezone.now())
    received = timezone.now() - dt.timedelta(minutes=5)
    for n, chief in enumerate(Chief.objects.filter(status=ChiefStatus.ACTIVE).order_by("pk")[:600]):
        record_report(
            chief, period=period, values={"water": n % 3 != 0, "electricity": n % 4 == 0}, received_at=received
        )
    refresh_layers()
    make_user("ministere", Role.MINISTRY)
    ARTIFACTS.mkdir(exist_ok=True)
    with browser_page() as page:
        read_the_national_map(live_server.url, page)


def read_the_national_map(url: str, page: Any) -> None:
    page.goto(f"{url}/connexion/?next=/carte/")
    assert "Se connecter" in page.content()
    page.fill("input[name=username]", "ministere")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/carte/")

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

    # Every request stayed on this machine: the page works on a network without internet.
    hosts = {urlsplit(url).hostname for url in page.requests if not url.startswith("data:")}
    assert hosts <= {"127.0.0.1", "localhost"}, hosts
