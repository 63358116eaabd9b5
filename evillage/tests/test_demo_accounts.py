from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError

from evillage.jurisdiction import jurisdiction_of


def test_demo_accounts_see_the_nation_and_one_prefecture(world, settings):
    settings.DEBUG = True
    out = StringIO()
    call_command("ensure_demo_admin", stdout=out)
    call_command("ensure_demo_admin", stdout=StringIO())  # a second run changes nothing
    text = out.getvalue()
    assert "utilisateur ministere" in text and "Préfecture de Kozah" in text
    ministry = authenticate(username="ministere", password="evillage-demo")
    official = authenticate(username="prefecture-koz", password="evillage-demo")
    assert jurisdiction_of(ministry).national
    assert jurisdiction_of(official).prefecture_ids == {world.kozah.pk}


def test_demo_logins_point_at_where_the_demo_answers(world, settings):
    settings.DEBUG = True
    out = StringIO()
    call_command("ensure_demo_admin", "--url", "http://127.0.0.1:8765/", stdout=out)
    lines = out.getvalue().splitlines()
    assert len(lines) == 3 and all("http://127.0.0.1:8765/" in line and ":8000" not in line for line in lines)
    assert "http://127.0.0.1:8765/admin/" in lines[0]


def test_demo_accounts_are_refused_outside_debug(world, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="debug"):
        call_command("ensure_demo_admin", stdout=StringIO())
