"""The project's wiring: settings read from the environment, the deployment description."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.core.exceptions import ImproperlyConfigured

from evillage.env import database_from_url, env_bool, env_int, env_list, env_str

ROOT = Path(__file__).resolve().parent.parent


def test_docker_compose_names_the_production_stack():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"db", "redis", "web", "worker", "beat"} <= set(services)
    assert "postgis" in services["db"]["image"]
    assert services["web"]["command"][0] == "gunicorn"
    assert services["worker"]["command"][:4] == ["celery", "-A", "evillage", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "evillage", "beat"]
    # A worker scales with --scale: no fixed container name or host port would stop a second copy.
    assert "container_name" not in services["worker"] and "ports" not in services["worker"]


def test_every_setting_read_from_the_environment_is_in_env_example():
    documented = {
        line.split("=", 1)[0]
        for line in (ROOT / ".env.example").read_text().splitlines()
        if line and not line.startswith("#")
    }
    read = set()
    for path in [*ROOT.glob("evillage/**/*.py"), *ROOT.glob("sms_gateway/**/*.py"), *ROOT.glob("dashboards/**/*.py")]:
        text = path.read_text()
        for helper in ("env_str(", "env_bool(", "env_int(", "env_list("):
            for chunk in text.split(helper)[1:]:
                if chunk.startswith('"'):
                    read.add(chunk.split('"')[1])
    assert read, "no setting found: the scan is broken"
    assert read <= documented, f"missing from .env.example: {sorted(read - documented)}"


def test_bad_values_fail_loudly(monkeypatch):
    monkeypatch.setenv("X_BOOL", "maybe")
    monkeypatch.setenv("X_INT", "ten")
    monkeypatch.setenv("X_LOW", "-1")
    with pytest.raises(ImproperlyConfigured, match="X_BOOL"):
        env_bool("X_BOOL", False)
    with pytest.raises(ImproperlyConfigured, match="X_INT"):
        env_int("X_INT", 1)
    with pytest.raises(ImproperlyConfigured, match="X_LOW"):
        env_int("X_LOW", 1, minimum=0)
    with pytest.raises(ImproperlyConfigured, match="X_MISSING"):
        env_str("X_MISSING")
    with pytest.raises(ImproperlyConfigured, match="postgres"):
        database_from_url("mysql://u@h/db")
    with pytest.raises(ImproperlyConfigured, match="names no database"):
        database_from_url("postgres://u@h:5432/")


def test_good_values_are_read(monkeypatch):
    monkeypatch.setenv("X_BOOL", "Yes")
    monkeypatch.setenv("X_LIST", "a, b,,c")
    assert env_bool("X_BOOL", False) is True
    assert env_list("X_LIST") == ["a", "b", "c"]
    db = database_from_url("postgres://ev%40il:p%2Fw@db.example:6543/evillage")
    assert (db["USER"], db["PASSWORD"], db["HOST"], db["PORT"], db["NAME"]) == (
        "ev@il",
        "p/w",
        "db.example",
        "6543",
        "evillage",
    )
    assert db["ENGINE"] == "evillage.db"  # PostGIS (evillage/db/base.py)


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SECRET_KEY"}
    env["DJANGO_DEBUG"] = "0"
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is required" in result.stderr


def test_language_and_time_zone(settings):
    assert settings.LANGUAGE_CODE == "fr"
    assert [code for code, _ in settings.LANGUAGES] == ["fr"]
    assert settings.USE_TZ and settings.TIME_ZONE == "Africa/Lome"


def test_a_browser_set_to_english_still_gets_french(client):
    page = client.get("/connexion/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="fr">' in page and "Se connecter" in page


def test_collected_static_files_are_served_gzipped_without_debug(settings, tmp_path, client):
    """Under gunicorn (debug off) WhiteNoise serves what collectstatic gathered, Leaflet included, gzipped."""
    from django.core.management import call_command

    settings.STATIC_ROOT = str(tmp_path)
    settings.WHITENOISE_USE_FINDERS = False
    call_command("collectstatic", interactive=False, verbosity=0)
    assert (tmp_path / "vendor/leaflet/leaflet.js.gz").exists()
    response = client.get("/static/vendor/leaflet/leaflet.js", HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert "max-age" in response["Cache-Control"]
