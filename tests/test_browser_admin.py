"""The admin's map widget in a real browser: Leaflet from our static files, a click places the village."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model

from tests.browser import ARTIFACTS, assert_stayed_local, browser_page, log_in


@pytest.mark.django_db(transaction=True)
def test_an_administrator_places_a_village_by_clicking_the_map(live_server, world):
    get_user_model().objects.create_superuser("root", password="x-secret-123")
    village = world.villages["lama"]
    ARTIFACTS.mkdir(exist_ok=True)
    with browser_page() as page:
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        change = f"/admin/geo/village/{village.pk}/change/"
        log_in(page, live_server.url, "root", change)
        page.wait_for_selector("#id_location_map .leaflet-marker-icon", state="attached", timeout=10000)
        before = json.loads(page.input_value("#id_location"))
        box = page.locator("#id_location_map").bounding_box()
        page.mouse.click(box["x"] + box["width"] * 0.25, box["y"] + box["height"] * 0.25)
        after = json.loads(page.input_value("#id_location"))
        page.screenshot(path=str(ARTIFACTS / "admin-village-widget.png"))
        page.click("input[name=_save]")
        page.wait_for_url("**/admin/geo/village/")
        assert not errors, errors
        assert_stayed_local(page)
    assert after["type"] == "Point" and after["coordinates"] != before["coordinates"]
    village.refresh_from_db()
    assert [round(c, 6) for c in village.location.coords] == after["coordinates"]
