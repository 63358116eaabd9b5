"""The pages: login (French, CSRF, lockout), logout, and the national map page."""

from __future__ import annotations

import re
import uuid

import pytest
from django.contrib.staticfiles import finders
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from dashboards import lockout
from evillage.models import Indicator, Official
from geo.models import Area
from tests.builders import PASSWORD, box, make_area, make_village

URL = re.compile(r"""https?://[^\s"'<>)]+""")
STATIC = re.compile(r"""(?:src|href)="/static/([^"]+)\"""")
ASSET = re.compile(r"""<(?:script[^>]*\ssrc|link[^>]*\shref)="([^"]+)\"""")


@pytest.fixture(autouse=True)
def own_cache_keys(settings):  # type: ignore[no-untyped-def]
    """The real Redis, with keys of this test's own: no failure count leaks from one test to another."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": settings.REDIS_URL,
            "KEY_PREFIX": f"test-{uuid.uuid4().hex}",
            "TIMEOUT": 120,
        }
    }


def log_in(client: Client, username: str, password: str):  # type: ignore[no-untyped-def]
    return client.post("/connexion/", {"username": username, "password": password})


# Login and logout --------------------------------------------------------------------------------------


def test_login_page_is_in_french_and_fits_a_phone(db):
    response = Client().get("/connexion/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="fr">' in html
    assert "Nom d'utilisateur" in html and "Mot de passe" in html and "Se connecter" in html
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in html


def test_good_login_goes_to_the_national_map(world):
    response = log_in(Client(), "kozah", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/carte/"


def test_login_returns_to_the_page_asked_for(world):
    client = Client()
    assert client.get("/carte/")["Location"] == "/connexion/?next=/carte/"
    response = client.post("/connexion/?next=/carte/", {"username": "kozah", "password": PASSWORD, "next": "/carte/"})
    assert response["Location"] == "/carte/"


def test_wrong_password_is_refused_in_french(world):
    response = log_in(Client(), "kozah", "wrong")
    assert response.status_code == 200
    assert "Saisissez un nom d’utilisateur et un mot de passe valides" in response.content.decode()


def test_five_failures_lock_the_username_even_for_the_right_password(world):
    client = Client()
    for _ in range(lockout.USERNAME_LIMIT):
        assert log_in(client, "kozah", "wrong").status_code == 200
    response = log_in(client, "kozah", PASSWORD)
    assert response.status_code == 200
    assert "Trop de tentatives de connexion échouées" in response.content.decode()
    assert "15 minutes" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # Another user from another address is not concerned.
    assert log_in(Client(REMOTE_ADDR="10.0.0.2"), "bassar", PASSWORD).status_code == 302


def test_the_username_lock_ignores_case_and_spaces(world):
    for _ in range(lockout.USERNAME_LIMIT):
        log_in(Client(REMOTE_ADDR="10.0.0.3"), "Kozah ", "wrong")
    response = log_in(Client(REMOTE_ADDR="10.0.0.4"), "kozah", PASSWORD)
    assert "Trop de tentatives" in response.content.decode()


def test_fewer_failures_than_the_limit_do_not_lock_and_a_success_clears_them(world):
    client = Client()
    for _ in range(lockout.USERNAME_LIMIT - 1):
        log_in(client, "kozah", "wrong")
    assert log_in(client, "kozah", PASSWORD).status_code == 302
    for _ in range(lockout.USERNAME_LIMIT - 1):
        log_in(Client(), "kozah", "wrong")
    assert log_in(Client(), "kozah", PASSWORD).status_code == 302


def test_the_lock_ends_after_its_time(world, monkeypatch):
    start = lockout.now()
    for _ in range(lockout.USERNAME_LIMIT):
        log_in(Client(), "kozah", "wrong")
    monkeypatch.setattr(lockout, "now", lambda: start + lockout.LOCKOUT - 5)
    assert "Trop de tentatives" in log_in(Client(), "kozah", PASSWORD).content.decode()
    monkeypatch.setattr(lockout, "now", lambda: start + lockout.LOCKOUT + 1)
    assert log_in(Client(), "kozah", PASSWORD).status_code == 302


def test_many_failures_from_one_address_lock_that_address(world):
    client = Client(REMOTE_ADDR="10.9.9.9")
    for number in range(lockout.ADDRESS_LIMIT):
        log_in(client, f"guess-{number}", "wrong")
    response = log_in(client, "bassar", PASSWORD)
    assert "Trop de tentatives" in response.content.decode()
    assert log_in(Client(REMOTE_ADDR="10.9.9.8"), "bassar", PASSWORD).status_code == 302


def test_behind_a_trusted_proxy_the_lock_falls_on_the_client_not_the_proxy(world, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    attacker = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.5")
    for number in range(lockout.ADDRESS_LIMIT):
        log_in(attacker, f"guess-{number}", "wrong")
    assert "Trop de tentatives" in log_in(attacker, "bassar", PASSWORD).content.decode()
    colleague = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.6")
    assert log_in(colleague, "bassar", PASSWORD).status_code == 302


def test_login_form_enforces_csrf(world):
    client = Client(enforce_csrf_checks=True)
    assert log_in(client, "kozah", PASSWORD).status_code == 403
    client.get("/connexion/")
    token = client.cookies["csrftoken"].value
    response = client.post("/connexion/", {"username": "kozah", "password": PASSWORD, "csrfmiddlewaretoken": token})
    assert response.status_code == 302


def test_logout_is_a_post_and_says_so_in_french(world):
    client = Client()
    client.force_login(world.users["kozah"])
    assert client.get("/deconnexion/").status_code == 405
    response = client.post("/deconnexion/")
    assert response.status_code == 200
    assert "Vous êtes déconnecté" in response.content.decode()
    assert client.get("/carte/").status_code == 302


# The national map --------------------------------------------------------------------------------------


def test_map_page_asks_anonymous_visitors_to_log_in(db):
    response = Client().get("/carte/")
    assert response.status_code == 302
    assert response["Location"].startswith("/connexion/")


@pytest.mark.parametrize("role", ["ministry", "kozah", "bassar"])
def test_map_page_answers_users_with_a_jurisdiction(clients, role):
    assert clients[role].get("/carte/").status_code == 200


def test_map_page_refuses_a_user_without_jurisdiction(clients):
    assert clients["nobody"].get("/carte/").status_code == 403


def test_map_page_offers_active_indicators_and_the_levels_of_the_users_scope(world, clients):
    Indicator.objects.filter(key="network").update(is_active=False)
    national = clients["ministry"].get("/carte/").content.decode()
    assert 'value="water"' in national and 'value="network"' not in national
    assert 'value="region"' in national and 'value="prefecture" selected' in national
    # An official's scope stops at their prefectures: a region's figures would mix in others.
    prefectoral = clients["kozah"].get("/carte/").content.decode()
    assert 'value="region"' not in prefectoral and 'value="canton"' in prefectoral


def test_map_page_carries_no_statistics_but_the_layers_address(reported, clients):
    html = clients["ministry"].get("/carte/").content.decode()
    assert 'data-layers-url="/api/v1/layers/"' in html
    assert "FeatureCollection" not in html and "Kozah" not in html and "Lama" not in html
    assert len(html) < 20_000


def test_map_page_loads_only_local_static_files_that_exist(clients, settings):
    settings.MAP_TILES_URL = ""
    html = clients["ministry"].get("/carte/").content.decode()
    assert URL.findall(html) == []
    # Every script and stylesheet is ours (a random CSRF token may spell "cdn": look at addresses only).
    assert [link for link in ASSET.findall(html) if not link.startswith("/static/")] == []
    assets = set(STATIC.findall(html))
    assert {"dashboards/national.js", "vendor/leaflet/leaflet.js", "vendor/leaflet/leaflet.css"} <= assets
    assert sorted(asset for asset in assets if finders.find(asset) is None) == []


def test_map_page_names_no_address_but_the_configured_tiles(clients, settings):
    settings.MAP_TILES_URL = "https://tuiles.example.tg/{z}/{x}/{y}.png"
    settings.MAP_TILES_ATTRIBUTION = "Ministère"
    html = clients["ministry"].get("/carte/").content.decode()
    assert set(URL.findall(html)) == {"https://tuiles.example.tg/{z}/{x}/{y}.png"}


def test_map_page_runs_few_queries_whatever_the_size_of_the_country(world, clients):
    def queries(client: Client) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/carte/").status_code == 200
        return len(captured)

    before = {role: queries(clients[role]) for role in ("ministry", "kozah")}
    assert max(before.values()) <= 6
    for number in range(5):
        prefecture = make_area(
            world.boundary_set, "prefecture", f"P{number}", f"P{number}", box(0, 8, 0.4, 8.4), world.kara
        )
        make_village(f"P{number}-0001", f"V{number}", 0.2, 8.2, None, prefecture)
    Official.objects.get(user=world.users["kozah"]).prefectures.add(*Area.objects.filter(code__startswith="P"))
    assert {role: queries(clients[role]) for role in ("ministry", "kozah")} == before


def test_every_page_links_the_map_statistics_and_work_queues(world):
    client = Client()
    client.force_login(world.users["kozah"])
    page = client.get("/statistiques/").content.decode()
    for url in ("/carte/", "/statistiques/", "/files/"):
        assert f'href="{url}"' in page
    assert 'href="/statistiques/" aria-current="page"' in page
    assert "/admin/" not in page  # not staff
    assert 'class="site-nav"' not in Client().get("/connexion/").content.decode()
