"""The catalogue is data: a new indicator is understood with no code change."""

from __future__ import annotations

import datetime as dt

import pytest

from sms_gateway.protocol import DEFAULT_CATALOGUE, Catalogue, Indicator, IndicatorKind, parse

from .expected import check, report, report_error, warning

MARKET = Indicator("market", "Marché", ("MARCHES",), card_order=7, label="Marche")
WITH_MARKET = Catalogue([*DEFAULT_CATALOGUE, MARKET])
FULL = {"water": True, "electricity": False, "network": 2, "health": True, "school": True, "road": False}


def test_the_default_catalogue_is_the_card_of_protocol_md() -> None:
    assert [(i.key, i.keyword, i.aliases, i.kind) for i in DEFAULT_CATALOGUE] == [
        ("water", "EAU", ("EAUX", "FORAGE"), IndicatorKind.YES_NO),
        ("electricity", "ELEC", ("ELECT", "ELECTRICITE", "COURANT"), IndicatorKind.YES_NO),
        ("network", "RES", ("RESEAU", "TEL", "GSM"), IndicatorKind.SCALE),
        ("health", "SANTE", ("SAN", "USP", "CSP"), IndicatorKind.YES_NO),
        ("school", "ECOLE", ("ECO", "EPP"), IndicatorKind.YES_NO),
        ("road", "ROUTE", ("RTE", "PISTE"), IndicatorKind.YES_NO),
    ]
    network = DEFAULT_CATALOGUE.get("network")
    assert [network.value_label(v) for v in (0, 1, 2)] == ["AUCUN", "FAIBLE", "BON"]
    assert DEFAULT_CATALOGUE.get("water").value_label(True) == "OUI"
    assert DEFAULT_CATALOGUE.indicator("réseau") is network


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("RAP MARCHE OUI", report({"market": True})),
        ("RAP MARCHÉ 0 EAU 1", report({"water": True, "market": False})),
        ("MARCHES 1", report({"market": True})),
        ("RAP MARHCE 1", report({"market": True}, warnings=[warning("typo_corrected", "'MARHCE' lu MARCHE")])),
        ("RAP 1 0 2 1 1 0 1", report(FULL | {"market": True})),
        ("RAP 1 0 2 1 1 0", report_error("wrong_count", "7 valeurs attendues, 6 recues")),
        ("RAP MARCHE 2", report_error("bad_value", "'MARCHE 2' invalide (1=oui, 0=non)")),
    ],
)
def test_a_new_indicator_needs_no_code_change(text: str, expected: dict[str, object]) -> None:
    check(text, expected, catalogue=WITH_MARKET)


def test_a_word_one_edit_from_two_indicators_is_not_corrected() -> None:
    catalogue = Catalogue([Indicator("bridge", "PONT"), Indicator("port", "PORT")])
    check("RAP POST 1", report_error("unknown_indicator", "Indicateur 'POST' inconnu"), catalogue=catalogue)
    check(
        "RAP PONR 1",
        report({"bridge": True}, warnings=[warning("typo_corrected", "'PONR' lu PONT")]),
        catalogue=catalogue,
    )


def test_the_default_catalogue_does_not_know_the_new_indicator() -> None:
    check("RAP MARCHE 1", report_error("unknown_indicator", "Indicateur 'MARCHE' inconnu"))


def test_a_scale_indicator_without_words_takes_numbers_up_to_its_maximum() -> None:
    catalogue = Catalogue([Indicator("wells", "PUITS", kind=IndicatorKind.SCALE, scale_max=5)])
    check("RAP PUITS 5", report({"wells": 5}), catalogue=catalogue)
    check("RAP PUITS 6", report_error("bad_value", "'PUITS 6' invalide (0 a 5)"), catalogue=catalogue)
    check("RAP 3", report({"wells": 3}), catalogue=catalogue)


def test_card_order_sets_the_positional_order() -> None:
    catalogue = Catalogue([Indicator("b", "BETA", card_order=2), Indicator("a", "ALPHA", card_order=1)])
    result = parse("RAP 1 0", catalogue, dt.date(2026, 11, 15))
    assert result.as_dict()["values"] == {"a": True, "b": False}


@pytest.mark.parametrize(
    ("indicators", "complaint"),
    [
        ([Indicator("a", "EAU"), Indicator("a", "ELEC")], "key"),
        ([Indicator("a", "EAU"), Indicator("b", "EAU")], "share"),
        ([Indicator("a", "EAU", ("ELEC",)), Indicator("b", "ELEC")], "share"),
        ([Indicator("a", "GPS")], "protocol"),
        ([Indicator("a", "POP")], "protocol"),
        ([Indicator("a", "OUI")], "protocol"),
        ([Indicator("a", "FAIBLE"), *DEFAULT_CATALOGUE], "values"),
    ],
)
def test_a_catalogue_that_would_be_ambiguous_is_refused(indicators: list[Indicator], complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        Catalogue(indicators)


@pytest.mark.parametrize(
    "build",
    [
        lambda: Indicator("a", "4G"),
        lambda: Indicator("a", ""),
        lambda: Indicator("", "EAU"),
        lambda: Indicator("a", "NIVEAU", kind=IndicatorKind.SCALE, scale_max=0),
        lambda: Indicator("a", "NIVEAU", kind=IndicatorKind.SCALE, scale_max=2, scale_words=(("HAUT", 3),)),
        lambda: Indicator("a", "EAU", scale_words=(("HAUT", 1),)),
    ],
)
def test_an_unusable_indicator_is_refused(build: object) -> None:
    with pytest.raises(ValueError):
        build()  # type: ignore[operator]
