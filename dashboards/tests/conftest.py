"""The API's small world: the `world` builders, with reports and refreshed layers, and a client per role."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from evillage.layers import refresh_layers
from evillage.services import record_report

ROLES = ("ministry", "kozah", "bassar", "nobody", "anonymous")
PERIOD = "2024-05"
# Received on the 3rd of the next month: on time. `now` is frozen for the layers at mid-June.
RECEIVED = timezone.make_aware(dt.datetime(2024, 6, 3, 9, 0))
NOW = timezone.make_aware(dt.datetime(2024, 6, 15, 12, 0))


@pytest.fixture
def reported(world):  # type: ignore[no-untyped-def]
    """May 2024: Lama has water and good network, Tcharé has neither, Bangéli (Bassar) has water."""
    record_report(world.chiefs["lama"], period=PERIOD, values={"water": 1, "network": 2}, received_at=RECEIVED)
    record_report(world.chiefs["tchare"], period=PERIOD, values={"water": 0, "network": 0}, received_at=RECEIVED)
    record_report(world.chiefs["bassar"], period=PERIOD, values={"water": 1, "network": 1}, received_at=RECEIVED)
    refresh_layers(now=NOW)
    return world


def client_for(world, role: str) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    if role != "anonymous":
        client.force_login(world.users[role])
    return client


@pytest.fixture
def clients(world):  # type: ignore[no-untyped-def]
    return {role: client_for(world, role) for role in ROLES}
