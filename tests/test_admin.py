"""The administrator's pages: lists with search and filters, forms with map widgets."""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from evillage.models import Chief


@pytest.fixture
def admin_client(client, world):
    user = get_user_model().objects.create_superuser("root", password="x-secret-123")
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    "model",
    [
        "geo/area",
        "geo/village",
        "geo/boundaryset",
        "evillage/chief",
        "evillage/indicator",
        "evillage/report",
        "evillage/locationcandidate",
        "evillage/alert",
        "evillage/officialcontact",
        "evillage/official",
    ],
)
def test_change_lists_and_add_forms_open(admin_client, model):
    assert admin_client.get(f"/admin/{model}/").status_code == 200
    assert admin_client.get(f"/admin/{model}/add/").status_code == 200


def test_village_form_has_an_offline_map_widget(admin_client, world):
    page = admin_client.get(f"/admin/geo/village/{world.villages['lama'].pk}/change/").content.decode()
    assert 'id="id_location_map"' in page and "geo/leaflet-widget.js" in page
    assert "vendor/leaflet/leaflet.js" in page
    # Nothing from a CDN: every script and stylesheet is one of ours.
    sources = re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', page)
    assert sources and all(source.startswith("/") for source in sources), sources
    # The regions' outline keeps the map readable without base tiles.
    options = json.loads(re.search(r'id="id_location_options"[^>]*>(.*?)</script>', page, re.S).group(1))
    assert [f["properties"]["name"] for f in options["outline"]["features"]] == ["Kara"]
    assert options["editable"] is True


def test_a_point_placed_on_the_widget_moves_the_village(admin_client, world):
    village = world.villages["lama"]
    form = {
        "code": village.code,
        "name": village.name,
        "location": json.dumps({"type": "Point", "coordinates": [1.2, 9.6]}),
        "canton": village.canton_id,
        "prefecture": village.prefecture_id,
        "region": village.region_id,
        "location_source": village.location_source,
        "location_status": village.location_status,
    }
    response = admin_client.post(f"/admin/geo/village/{village.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    village.refresh_from_db()
    assert (round(village.location.x, 6), round(village.location.y, 6)) == (1.2, 9.6)


def test_boundaries_are_shown_not_edited(admin_client, world):
    page = admin_client.get(f"/admin/geo/area/{world.kozah.pk}/change/").content.decode()
    options = json.loads(re.search(r'id="id_geom_options"[^>]*>(.*?)</script>', page, re.S).group(1))
    assert options["editable"] is False


def test_villages_filter_by_prefecture_and_search_by_code(admin_client, world):
    page = admin_client.get(f"/admin/geo/village/?prefecture={world.bassar.pk}").content.decode()
    assert "BAS-0001" in page and "KOZ-0001" not in page
    page = admin_client.get("/admin/geo/village/?q=KOZ-0002").content.decode()
    assert "KOZ-0002" in page and "KOZ-0001" not in page


def test_chiefs_search_by_phone_and_filter_by_region(admin_client, world):
    page = admin_client.get("/admin/evillage/chief/?q=90112233").content.decode()
    assert "Kossi Amegan" in page and "Yao Bawa" not in page
    page = admin_client.get(f"/admin/evillage/chief/?region={world.kara.pk}").content.decode()
    assert "Kossi Amegan" in page and "Yao Bawa" in page


def test_chief_list_query_count_does_not_grow_with_rows(admin_client, world):
    with CaptureQueriesContext(connection) as few:
        admin_client.get("/admin/evillage/chief/")
    for i in range(20):
        Chief.objects.create(
            full_name=f"Chef {i}", phone=f"+2289200{i:04d}", village=world.villages["bassar"], status="retired"
        )
    with CaptureQueriesContext(connection) as many:
        admin_client.get("/admin/evillage/chief/")
    assert len(many) == len(few)


def test_admin_form_normalises_a_typed_phone(admin_client, world):
    response = admin_client.post(
        "/admin/evillage/chief/add/",
        {
            "full_name": "Ama Mensah",
            "phone": "97 11 22 33",
            "role": "village",
            "village": world.villages["bassar"].pk,
            "status": "pending",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Chief.objects.get(full_name="Ama Mensah").phone == "+22897112233"


def test_admin_form_refuses_a_number_outside_the_mobile_ranges(admin_client, world):
    response = admin_client.post(
        "/admin/evillage/chief/add/",
        {
            "full_name": "Ama Mensah",
            "phone": "22 21 22 33",
            "role": "village",
            "village": world.villages["bassar"].pk,
            "status": "pending",
        },
    )
    assert response.status_code == 200
    assert "Togocom" in response.content.decode()
    assert not Chief.objects.filter(full_name="Ama Mensah").exists()
