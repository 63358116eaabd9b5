"""The database catalogue is the card's, and what the ministry adds is understood at once."""

from __future__ import annotations

import datetime as dt

import pytest

from evillage.models import Indicator
from sms_gateway.catalogue import load_catalogue, report_example
from sms_gateway.protocol import DEFAULT_CATALOGUE, parse

pytestmark = pytest.mark.django_db


def test_the_seeded_catalogue_is_the_protocols_default():
    loaded = load_catalogue()
    assert [i.key for i in loaded] == [i.key for i in DEFAULT_CATALOGUE]
    for mine, card in zip(loaded, DEFAULT_CATALOGUE, strict=True):
        assert (mine.keyword, mine.aliases, mine.kind, mine.scale_max) == (
            card.keyword,
            card.aliases,
            card.kind,
            card.scale_max,
        )
        assert dict(mine.scale_words) == dict(card.scale_words)
        assert mine.label == card.label  # the reply's short label: Eau, Elec, Res…


def test_the_example_is_the_cards():
    assert report_example(load_catalogue()) == "RAP EAU 1 ELEC 0 RES 2 SANTE 1 ECOLE 1 ROUTE 0"


def test_a_new_indicator_is_understood_without_a_code_change():
    Indicator.objects.create(key="market", keyword="MARCHE", aliases=["MARCH"], card_order=7, label="Marché")
    catalogue = load_catalogue()
    result = parse("RAP MARCHE 1 EAU 0", catalogue, dt.date(2026, 11, 15))
    assert result.ok and dict(result.values) == {"water": False, "market": True}
    positional = parse("RAP 1 0 2 1 1 0 1", catalogue, dt.date(2026, 11, 15))
    assert positional.ok and positional.values["market"] is True
    assert report_example(catalogue).endswith("ROUTE 0 MARCHE 1")


def test_an_inactive_indicator_is_not_understood():
    Indicator.objects.filter(key="road").update(is_active=False)
    result = parse("RAP ROUTE 1", load_catalogue(), dt.date(2026, 11, 15))
    assert not result.ok and result.errors[0].code == "unknown_indicator"
