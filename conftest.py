"""Test-wide guards and builders.

- No test reaches the internet: only loopback addresses may be connected to.
- `world`: a small named world (a region, a prefecture, two cantons, villages, chiefs) in one fixture.
"""

from __future__ import annotations

import ipaddress
import socket
from pathlib import Path

import pytest

# Celery queue isolation, the fake SMS provider and real workers, for every test folder.
pytest_plugins = ["sms_gateway.testing.fixtures"]

SHARED_DATA = Path(__file__).resolve().parent.parent / "shared" / "data" / "togo"

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _check_address(address: object) -> None:
    if isinstance(address, tuple) and address:
        host = str(address[0])
        if host == "localhost":
            return
        try:
            if ipaddress.ip_address(host).is_loopback:
                return
        except ValueError:
            pass
        raise RuntimeError(f"A test tried to reach {host}: tests talk to this machine only.")


def _guarded_connect(self: socket.socket, address: object) -> None:
    _check_address(address)
    return _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: object) -> int:
    _check_address(address)
    return _real_connect_ex(self, address)


socket.socket.connect = _guarded_connect  # type: ignore[method-assign,assignment]
socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):  # type: ignore[no-untyped-def]
    """Tests create users by the dozen: a slow hash is the production setting, not a tested behaviour."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fresh_catalogue() -> None:
    """Each test reads the indicator catalogue it set up, not one a previous test cached."""
    import sms_gateway.catalogue

    sms_gateway.catalogue._cached = None


@pytest.fixture(autouse=True)
def seeded_catalogue(request):  # type: ignore[no-untyped-def]
    """A transactional test finds the tables flushed by the one before it, the migrations' seed included: the
    default indicators are put back (idempotently) before it starts, as every database of ours has them."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not (marker.kwargs.get("transaction") or (marker.args and marker.args[0])):
        return
    import importlib

    from django.apps import apps

    request.getfixturevalue("transactional_db")
    importlib.import_module("evillage.migrations.0003_default_catalogue").seed(apps, None)


@pytest.fixture
def shared_data() -> Path:
    """The real Togo files; a clone without ../shared skips, saying why."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"the real Togo files are not here ({SHARED_DATA} is absent)")
    return SHARED_DATA


@pytest.fixture
def world(db):  # type: ignore[no-untyped-def]
    from tests.builders import build_world

    return build_world()
