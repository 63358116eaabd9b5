"""The location-conflicts queue in a real browser (tests/browser.py), against a live server: the Kozah
official sees the old and the new point, accepts the new one, and the village moves."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from evillage.models import CandidateStatus, LocationCandidate
from evillage.services import record_location
from geo.models import LocationStatus, Village
from sms_gateway.models import InboxMessage
from tests.browser import ARTIFACTS, assert_stayed_local, browser_page, log_in
from tests.builders import build_world


@pytest.mark.django_db(transaction=True)
def test_the_kozah_official_accepts_a_location_conflict(live_server):
    world = build_world()
    received = timezone.now() - dt.timedelta(hours=2)
    chief = world.chiefs["lama"]
    InboxMessage.objects.create(
        provider_id=uuid.uuid4().hex,
        sender=chief.phone,
        recipient="12345",
        text="GPS 9.6 1.4",
        chief=chief,
        provider_date=received,
    )
    candidate = record_location(chief, Point(1.4, 9.6, srid=4326), received_at=received)
    assert candidate.status == CandidateStatus.CONFLICT
    ARTIFACTS.mkdir(exist_ok=True)

    with browser_page() as page:
        accept_the_conflict(live_server.url, page, candidate.pk)

    village = Village.objects.get(pk=world.villages["lama"].pk)
    assert village.location.coords == pytest.approx((1.4, 9.6))
    assert village.location_status == LocationStatus.VERIFIED and village.canton_id == world.tchare.pk
    decided = LocationCandidate.objects.get(pk=candidate.pk)
    assert decided.status == CandidateStatus.ACCEPTED
    assert decided.decided_by_id == world.users["kozah"].pk and decided.decided_at is not None


def accept_the_conflict(url: str, page: Any, candidate_id: int) -> None:
    log_in(page, url, "kozah", "/files/positions/")
    card = page.locator(f"#conflict-{candidate_id}")
    assert card.locator(".current-point").inner_text() == "9.50000, 1.10000"
    assert card.locator(".proposed-point").inner_text() == "9.60000, 1.40000"
    assert "GPS 9.6 1.4" in card.locator(".source-sms").inner_text()
    # The small map is drawn by Leaflet from the local static files, with both points on it.
    card.locator(".leaflet-container").wait_for(timeout=15000)
    assert page.evaluate("typeof L") == "object"
    page.screenshot(path=str(ARTIFACTS / "queue-conflict.png"), full_page=True)

    card.get_by_role("button", name="Accepter la nouvelle position").click()
    page.wait_for_url("**/files/positions/")
    page.locator(".alert-success").wait_for()
    assert "Position acceptée" in page.locator(".alert-success").inner_text()
    assert page.locator(f"#conflict-{candidate_id}").count() == 0
    assert page.locator(".queue-empty").is_visible()
    page.screenshot(path=str(ARTIFACTS / "queue-conflict-accepted.png"), full_page=True)

    # The non-reporting villages of the month, on their map.
    page.goto(f"{url}/files/villages-sans-rapport/")
    page.locator(".queue-map .leaflet-container").wait_for(timeout=15000)
    assert page.locator("#non-reporting-total").get_attribute("data-count") == "2"
    page.screenshot(path=str(ARTIFACTS / "queue-non-reporting.png"), full_page=True)
    assert_stayed_local(page)
