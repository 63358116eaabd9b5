"""INSCR, ALERTE, AIDE, the empty message, unknown commands and the length limit."""

from __future__ import annotations

import pytest

from sms_gateway.protocol import DEFAULT_CATALOGUE, ErrorCode, WarningCode, parse

from . import test_gps, test_report
from .expected import TODAY, Case, alert, check, codes, error, help_, invalid, register, report_error, warning

LONG_ALERT = "Inondation: " + "la riviere a deborde, " * 20  # 452 characters

REGISTER: list[Case] = [
    ("INSCR KLO-0231 KOSSI AMEGAN", register("KLO-0231", "KOSSI AMEGAN")),
    ("INSCR KLO-0231", register("KLO-0231")),
    ("INSCRIPTION KLO-0231 KOSSI AMEGAN", register("KLO-0231", "KOSSI AMEGAN")),
    ("INS KLO-0231 KOSSI AMEGAN", register("KLO-0231", "KOSSI AMEGAN")),
    # the code upper-cased without accents; the name kept as typed, spaces collapsed
    ("inscr klo-0231 Kossi  Amégan", register("KLO-0231", "Kossi Amégan")),
    ("INSCR kpélé-dafo-12 Ama", register("KPELE-DAFO-12", "Ama")),
    ("INSCR:KLO-0231, KOSSI AMEGAN.", register("KLO-0231", "KOSSI AMEGAN")),
    ("INSCR - KLO-0231- Yao", register("KLO-0231", "Yao")),
    ("INSCR KLO0231\nKOSSI\nAMEGAN", register("KLO0231", "KOSSI AMEGAN")),
    ("INSCR 0231", register("0231")),
    ("INSCRR KLO-0231", {**register("KLO-0231"), "warnings": [warning("typo_corrected", "'INSCRR' lu INSCR")]}),
    ("INSCR", register(None, errors=[error("missing_argument", "Code du village manquant")])),
    ("INSCR - ,", register(None, errors=[error("missing_argument", "Code du village manquant")])),
]

ALERT: list[Case] = [
    ("ALERTE Inondation au village, pont coupé", alert("Inondation au village, pont coupé")),
    ("ALERT feu de brousse", alert("feu de brousse")),
    ("URGENCE choléra", alert("choléra")),
    ("alerte: feu", alert("feu")),
    ("ALERTE\nfeu au marche\nvenez vite  ", alert("feu au marche\nvenez vite")),
    ("ALERRTE feu", alert("feu", warnings=[warning("typo_corrected", "'ALERRTE' lu ALERTE")])),
    ("URGENSE feu", alert("feu", warnings=[warning("typo_corrected", "'URGENSE' lu URGENCE")])),
    ("ALERTE " + "x" * 300, alert("x" * 300)),
    (
        "ALERTE " + LONG_ALERT,
        alert(LONG_ALERT[:300], warnings=[warning("alert_truncated", "Alerte coupee a 300 caracteres")]),
    ),
    ("ALERTE", alert(None, errors=[error("missing_argument", "Texte de l'alerte manquant")])),
    ("ALERTE : ", alert(None, errors=[error("missing_argument", "Texte de l'alerte manquant")])),
]

HELP: list[Case] = [
    ("AIDE", help_()),
    ("aide", help_()),
    ("HELP", help_()),
    ("?", help_()),
    ("??", help_()),
    ("? RAP", help_()),
    ("AIDE moi svp", help_()),
    ("AIDDE", help_(warnings=[warning("typo_corrected", "'AIDDE' lu AIDE")])),
    ("HELO", help_(warnings=[warning("typo_corrected", "'HELO' lu HELP")])),
    # the empty message asks for the card
    ("", help_()),
    ("   ", help_()),
    ("\n\t ", help_()),
    (",,;; -- ..", help_()),
]

UNKNOWN: list[Case] = [
    ("BONJOUR", invalid("unknown_command", "Commande 'BONJOUR' inconnue")),
    ("Bonjour chef, EAU 1", invalid("unknown_command", "Commande 'BONJOUR' inconnue")),
    ("123", invalid("unknown_command", "Commande '123' inconnue")),
    ("*123#", invalid("unknown_command", "Commande '123' inconnue")),
    ("!RAP EAU 1", invalid("unknown_command", "Commande '!' inconnue")),
    ("ДОБРО", invalid("unknown_command", "Commande '?????' inconnue")),
    ("ABCDEFGHIJKLMNOPQRSTUVWXYZ", invalid("unknown_command", "Commande 'ABCDEFGHIJKLMNOPQRSTU...' inconnue")),
    # one edit from ALERT (a command) and from ELECT (an indicator): not corrected
    ("ELERT 1", invalid("unknown_command", "Commande 'ELERT' inconnue")),
]

TOO_LONG: list[Case] = [
    ("RAP " + "EAU 1 " * 107, report_error("too_long", "Message trop long (646 caracteres, 640 max)")),
    ("ALERTE " + "x" * 634, alert(None, errors=[error("too_long", "Message trop long (641 caracteres, 640 max)")])),
    ("EAU 1 " + " " * 700, report_error("too_long", "Message trop long (706 caracteres, 640 max)")),
    ("x" * 1000, invalid("too_long", "Message trop long (1000 caracteres, 640 max)")),
    (" " * 5000, invalid("too_long", "Message trop long (5000 caracteres, 640 max)")),
    ("AIDE" + "!" * 637, help_(errors=[error("too_long", "Message trop long (641 caracteres, 640 max)")])),
]

ALL_CASES = REGISTER + ALERT + HELP + UNKNOWN + TOO_LONG


@pytest.mark.parametrize(("text", "expected"), ALL_CASES, ids=[repr(text[:40]) for text, _ in ALL_CASES])
def test_command_parses_to_the_canonical_json(text: str, expected: dict[str, object]) -> None:
    check(text, expected)


def test_a_message_of_exactly_640_characters_is_read() -> None:
    text = "ALERTE " + "x" * 633
    assert len(text) == 640
    check(text, alert("x" * 300, warnings=[warning("alert_truncated", "Alerte coupee a 300 caracteres")]))


def test_report_of_640_characters_with_a_long_signature_is_read() -> None:
    text = "RAP EAU 1 " + "MERCI " * 105
    assert len(text) == 640
    assert parse(text.rstrip(), DEFAULT_CATALOGUE, TODAY).as_dict()["values"] == {"water": True}


def test_every_error_and_warning_code_is_exercised_by_the_tables() -> None:
    tables = test_report.ALL_CASES + test_gps.ALL_CASES + ALL_CASES
    assert codes(tables) == {code.value for code in ErrorCode} | {code.value for code in WarningCode}


def test_issues_keep_what_the_reply_builder_needs() -> None:
    bad = parse("RAP EAU 1 ELEC 5", DEFAULT_CATALOGUE, TODAY)
    assert (bad.errors[0].token, bad.errors[0].indicator) == ("ELEC 5", "electricity")
    positional = parse("RAP 1 5 2 1 1 0", DEFAULT_CATALOGUE, TODAY)
    assert (positional.errors[0].token, positional.errors[0].indicator) == ("ELEC 5", "electricity")
    typo = parse("RAPORT ELCE 1 MERCI", DEFAULT_CATALOGUE, TODAY)
    assert [(w.code, w.token, w.corrected) for w in typo.warnings] == [
        (WarningCode.TYPO_CORRECTED, "RAPORT", "RAPPORT"),
        (WarningCode.TYPO_CORRECTED, "ELCE", "ELEC"),
        (WarningCode.SIGNATURE_IGNORED, "MERCI", ""),
    ]
    unknown = parse("bonjour", DEFAULT_CATALOGUE, TODAY)
    assert unknown.errors[0].token == "BONJOUR"
    assert not unknown.ok and typo.ok
    # the extras never reach the JSON
    assert typo.as_dict()["warnings"] == [
        {"code": "typo_corrected", "message": "'RAPORT' lu RAPPORT"},
        {"code": "typo_corrected", "message": "'ELCE' lu ELEC"},
        {"code": "signature_ignored", "message": "'MERCI' ignore"},
    ]
