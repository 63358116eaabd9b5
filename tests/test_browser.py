"""The national map in a real browser (tests/browser.py), against a live server."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from evillage.layers import refresh_layers
from evillage.models import Chief, ChiefStatus, Role
from evillage.periods import period_of_moment
from evillage.services import record_report
from tests.browser import ARTIFACTS, assert_stayed_local, browser_page, log_in
from tests.builders import make_user


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

    assert_stayed_local(page)
