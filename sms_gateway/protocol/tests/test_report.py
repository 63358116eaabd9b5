"""RAP, rule by rule of protocol.md: each row is a message and the exact JSON it parses to (today 2026-11-15)."""

from __future__ import annotations

import datetime as dt

import pytest

from .expected import Case, check, report, report_error, warning

FULL = {"water": True, "electricity": False, "network": 2, "health": True, "school": True, "road": False}

KEY_VALUE: list[Case] = [
    ("RAP EAU 1 ELEC 0 RES 2 SANTE OUI ECOLE O ROUTE N", report(FULL)),
    ("RAP EAU 1", report({"water": True})),
    ("RAP ROUTE 0 EAU 1", report({"water": True, "road": False})),  # values come out in card order
    ("rap eau 1 elec 0", report({"water": True, "electricity": False})),
    ("Rap Eau Oui", report({"water": True})),
    # every command alias of RAP
    ("RAPPORT EAU 1", report({"water": True})),
    ("R EAU 1", report({"water": True})),
    # no command: a message starting with an indicator keyword is a report
    ("EAU 1 ELEC 0", report({"water": True, "electricity": False})),
    ("FORAGE OUI", report({"water": True})),
    ("ecole 1 route 0", report({"school": True, "road": False})),
    # every indicator alias
    ("RAP EAUX 1", report({"water": True})),
    ("RAP FORAGE 1", report({"water": True})),
    ("RAP ELECT 1", report({"electricity": True})),
    ("RAP ELECTRICITE 1", report({"electricity": True})),
    ("RAP COURANT 0", report({"electricity": False})),
    ("RAP RESEAU 1", report({"network": 1})),
    ("RAP TEL 0", report({"network": 0})),
    ("RAP GSM 2", report({"network": 2})),
    ("RAP SAN 1", report({"health": True})),
    ("RAP USP 1", report({"health": True})),
    ("RAP CSP 0", report({"health": False})),
    ("RAP ECO 1", report({"school": True})),
    ("RAP EPP 0", report({"school": False})),
    ("RAP RTE 1", report({"road": True})),
    ("RAP PISTE 0", report({"road": False})),
]

VALUES: list[Case] = [
    *((f"RAP EAU {word}", report({"water": True})) for word in ("1", "OUI", "O", "YES", "Y", "oui", "y")),
    *((f"RAP EAU {word}", report({"water": False})) for word in ("0", "NON", "N", "NO", "non")),
    *((f"RAP RES {word}", report({"network": 0})) for word in ("0", "AUCUN", "NON")),
    *((f"RAP RES {word}", report({"network": 1})) for word in ("1", "FAIBLE")),
    *((f"RAP RES {word}", report({"network": 2})) for word in ("2", "BON", "OUI")),
    ("RAP EAU 01", report({"water": True})),
    ("RAP EAU 2", report_error("bad_value", "'EAU 2' invalide (1=oui, 0=non)")),
    ("RAP EAU 1 ELEC 5", report_error("bad_value", "'ELEC 5' invalide (1=oui, 0=non)")),
    ("RAP EAU BON", report_error("bad_value", "'EAU BON' invalide (1=oui, 0=non)")),
    ("RAP EAU BLEU", report_error("bad_value", "'EAU BLEU' invalide (1=oui, 0=non)")),
    ("RAP EAU ?", report_error("bad_value", "'EAU ?' invalide (1=oui, 0=non)")),
    ("RAP RES 3", report_error("bad_value", "'RES 3' invalide (0=aucun, 1=faible, 2=bon)")),
    ("RAP RES O", report_error("bad_value", "'RES O' invalide (0=aucun, 1=faible, 2=bon)")),
    ("RAP RES YES", report_error("bad_value", "'RES YES' invalide (0=aucun, 1=faible, 2=bon)")),
]

SEPARATORS: list[Case] = [
    *(
        (f"RAP{sep}EAU{sep}1{sep}ELEC{sep}0", report({"water": True, "electricity": False}))
        for sep in (" ", "   ", "\u00a0", "\u202f", "\t", "\n", ",", ";", ":", "=", "/", "+", "*", "#", "-", ".")
    ),
    ("RAP EAU=1;ELEC:0, RES/2 + SANTE*1 # ECOLE.1 - ROUTE 0", report(FULL)),
    (" \n RAP EAU 1 \n ", report({"water": True})),
    # glued forms: a change between letters and digits separates
    ("EAU1ELEC0", report({"water": True, "electricity": False})),
    ("RAP EAU1ELEC0RES2", report({"water": True, "electricity": False, "network": 2})),
    ("RAP1 0 2 1 1 0", report(FULL)),
    ("RAP ELEC:0", report({"electricity": False})),
    ("RAP RES=2", report({"network": 2})),
    ("RAP SANTE-OUI", report({"health": True})),
    ("RAP EAU-O,ELEC-N", report({"water": True, "electricity": False})),
]

ACCENTS: list[Case] = [
    ("RAP électricité 1", report({"electricity": True})),
    ("RAP ÉLECTRICITÉ 0 SANTÉ oui École 1", report({"electricity": False, "health": True, "school": True})),
    ("réseau bon", report({"network": 2})),
    ("RAP SANTE\u0301 1", report({"health": True})),  # a decomposed accent (e + combining acute)
    ("ＲＡＰ　ＥＡＵ　１", report({"water": True})),  # full-width letters, digits and space
]

TYPOS: list[Case] = [
    # one letter wrong, missing, extra, or two neighbours swapped, on keywords of 4 letters or more
    ("RAP SANTR 1", report({"health": True}, warnings=[warning("typo_corrected", "'SANTR' lu SANTE")])),
    ("RAP ROUE 0", report({"road": False}, warnings=[warning("typo_corrected", "'ROUE' lu ROUTE")])),
    ("RAP ROUTTE 0", report({"road": False}, warnings=[warning("typo_corrected", "'ROUTTE' lu ROUTE")])),
    ("RAP ELCE 1", report({"electricity": True}, warnings=[warning("typo_corrected", "'ELCE' lu ELEC")])),
    ("RAP FORAJE 1", report({"water": True}, warnings=[warning("typo_corrected", "'FORAJE' lu FORAGE")])),
    ("RAP COURNAT 1", report({"electricity": True}, warnings=[warning("typo_corrected", "'COURNAT' lu COURANT")])),
    ("RAP RESAU 1", report({"network": 1}, warnings=[warning("typo_corrected", "'RESAU' lu RESEAU")])),
    ("ELCE 1", report({"electricity": True}, warnings=[warning("typo_corrected", "'ELCE' lu ELEC")])),
    ("RAPORT EAU 1", report({"water": True}, warnings=[warning("typo_corrected", "'RAPORT' lu RAPPORT")])),
    (
        "RAP EAU 1 MOSI 10",
        report({"water": True}, period="2026-10", warnings=[warning("typo_corrected", "'MOSI' lu MOIS")]),
    ),
    # as close to ECO (3 letters) as to ECOLE, but both mean school
    ("RAP ECOL 1", report({"school": True}, warnings=[warning("typo_corrected", "'ECOL' lu ECOLE")])),
    # ELEC and ELECT are both one edit away and both mean electricity: the keyword is echoed
    ("RAP ELECE 1", report({"electricity": True}, warnings=[warning("typo_corrected", "'ELECE' lu ELEC")])),
    # keywords of 3 letters or fewer must match exactly
    ("RAP EUA 1", report_error("unknown_indicator", "Indicateur 'EUA' inconnu")),
    ("RAP RSE 2", report_error("unknown_indicator", "Indicateur 'RSE' inconnu")),
    ("RAP EPO 1", report_error("unknown_indicator", "Indicateur 'EPO' inconnu")),
    ("RAP POPP 300 EAU 1", report_error("unknown_indicator", "Indicateur 'POPP' inconnu")),
    (
        "RAPP EAU 1",
        {
            "command": "invalid",
            "warnings": [],
            "errors": [{"code": "unknown_command", "message": "Commande 'RAPP' inconnue"}],
        },
    ),
    # two edits is too far
    ("RAP SNATR 1", report_error("unknown_indicator", "Indicateur 'SNATR' inconnu")),
    # a value word is a value, never a misspelt keyword
    ("RAP 1 0 2 1 1 0 MERCI", report(FULL, warnings=[warning("signature_ignored", "'MERCI' ignore")])),
]

SIGNATURES: list[Case] = [
    (
        "RAP EAU 1 MERCI CHEF KOFFI",
        report({"water": True}, warnings=[warning("signature_ignored", "'MERCI CHEF KOFFI' ignore")]),
    ),
    (
        "EAU 1 ELEC 0 merci, le chef!",
        report(
            {"water": True, "electricity": False}, warnings=[warning("signature_ignored", "'MERCI, LE CHEF!' ignore")]
        ),
    ),
    (
        "RAP EAU 1 MERCI BON TRAVAIL",
        report({"water": True}, warnings=[warning("signature_ignored", "'MERCI BON TRAVAIL' ignore")]),
    ),
    (
        "RAP EAU 1 POP 300 MERCI",
        report({"water": True}, population=300, warnings=[warning("signature_ignored", "'MERCI' ignore")]),
    ),
    # a digit or a keyword after the unreadable word: it is an error, not a signature
    ("RAP EAU 1 MERCI CHEF 2", report_error("unknown_indicator", "Indicateur 'MERCI' inconnu")),
    ("RAP EAU 1 MERCI ELEC 0", report_error("unknown_indicator", "Indicateur 'MERCI' inconnu")),
    ("RAP EAU 1 MERCI ELCE", report_error("unknown_indicator", "Indicateur 'MERCI' inconnu")),
    ("RAP EAU 1 LUMIERE ALERTE", report_error("unknown_indicator", "Indicateur 'LUMIERE' inconnu")),
    ("RAP EAU 1 LUMIERE 0 ELEC 1", report_error("unknown_indicator", "Indicateur 'LUMIERE' inconnu")),
    ("RAP EAU 1 $ ELEC 0", report_error("unknown_indicator", "'$' incompris")),
    # nothing readable before it: not a signature
    ("RAP MERCI", report_error("unknown_indicator", "Indicateur 'MERCI' inconnu")),
]

POSITIONAL: list[Case] = [
    ("RAP 1 0 2 1 1 0", report(FULL)),
    ("RAP OUI NON BON O Y N", report(FULL)),
    ("RAP 1 0 AUCUN 1 1 0", report(FULL | {"network": 0})),
    ("RAP 1 0 2 1 1", report_error("wrong_count", "6 valeurs attendues, 5 recues")),
    ("RAP 1 0 2 1 1 0 1", report_error("wrong_count", "6 valeurs attendues, 7 recues")),
    ("RAP 102110", report_error("wrong_count", "6 valeurs attendues, 1 recues")),
    ("RAP 1 0 3 1 1 0", report_error("bad_value", "'RES 3' invalide (0=aucun, 1=faible, 2=bon)")),
    ("RAP 1 5 2 1 1 0", report_error("bad_value", "'ELEC 5' invalide (1=oui, 0=non)")),
    ("RAP 1 0 2 1 1 FAIBLE", report_error("bad_value", "'ROUTE FAIBLE' invalide (1=oui, 0=non)")),
    ("RAP 1 0 2 1 1 0 POP 350 MOIS 10", report(FULL, population=350, period="2026-10")),
    ("RAP POP 350 MOIS 10 1 0 2 1 1 0", report(FULL, population=350, period="2026-10")),
    ("RAP MOIS 10/2026 1 0 2 1 1 0", report(FULL, period="2026-10")),
    # the two forms do not mix
    ("RAP EAU 1 0", report_error("unknown_indicator", "Valeur '0' sans indicateur")),
    ("RAP 1 0 EAU 1", report_error("wrong_count", "Donnez 6 valeurs sans nom, ou chaque nom suivi de sa valeur")),
    # positional values without RAP: no command
    (
        "1 0 2 1 1 0",
        {
            "command": "invalid",
            "warnings": [],
            "errors": [{"code": "unknown_command", "message": "Commande '1' inconnue"}],
        },
    ),
]

POPULATION: list[Case] = [
    ("RAP EAU 1 POP 350", report({"water": True}, population=350)),
    ("RAP POP 350 EAU 1", report({"water": True}, population=350)),
    ("RAP EAU 1 POP1", report({"water": True}, population=1)),
    ("RAP EAU 1 POP 200000", report({"water": True}, population=200000)),
    ("RAP EAU 1 POP 1 200", report({"water": True}, population=1200)),
    ("RAP EAU 1 POP 12.500", report({"water": True}, population=12500)),
    ("RAP EAU 1 POP 1,200", report({"water": True}, population=1200)),
    ("RAP EAU 1 POP 1\u00a0200", report({"water": True}, population=1200)),
    ("RAP EAU 1 POP 350 POP 350", report({"water": True}, population=350)),
    ("RAP EAU 1 POP 0", report_error("bad_population", "Population '0' invalide (1 a 200000)")),
    ("RAP EAU 1 POP 200001", report_error("bad_population", "Population '200001' invalide (1 a 200000)")),
    ("RAP EAU 1 POP BEAUCOUP", report_error("bad_population", "Population 'BEAUCOUP' invalide (1 a 200000)")),
    ("RAP EAU 1 POP", report_error("missing_argument", "Valeur manquante apres POP")),
    ("RAP POP ELEC 1", report_error("missing_argument", "Valeur manquante apres POP")),
    ("RAP EAU 1 POP 300 POP 400", report_error("conflicting_value", "2 valeurs pour POP: 'POP 300' puis 'POP 400'")),
    # a population is no report on its own
    ("RAP POP 300", report_error("missing_argument", "Aucun indicateur dans le rapport")),
]

MONTHS: list[Case] = [
    ("RAP EAU 1 MOIS 11", report({"water": True}, period="2026-11")),
    ("RAP EAU 1 MOIS 10", report({"water": True}, period="2026-10")),
    ("RAP MOIS 9 EAU 1", report({"water": True}, period="2026-09")),
    ("RAP EAU 1 MOIS 8", report({"water": True}, period="2026-08")),  # 3 months back: the oldest allowed
    ("RAP EAU 1 M 9", report({"water": True}, period="2026-09")),
    ("RAP EAU 1 MOIS 09", report({"water": True}, period="2026-09")),
    ("RAP EAU 1 MOIS 10/2026", report({"water": True}, period="2026-10")),
    ("RAP EAU 1 MOIS 10 2026", report({"water": True}, period="2026-10")),
    ("RAP EAU 1 MOIS 10/26", report({"water": True}, period="2026-10")),
    ("RAP EAU 1 MOIS10/2026", report({"water": True}, period="2026-10")),
    ("RAP EAU 1 MOIS 10 MOIS 10/2026", report({"water": True}, period="2026-10")),
    ("RAP EAU 1 MOIS 7", report_error("bad_period", "Mois 07/2026 trop ancien (3 mois max)")),
    ("RAP EAU 1 MOIS 12", report_error("bad_period", "Mois 12/2025 trop ancien (3 mois max)")),
    ("RAP EAU 1 MOIS 12/2026", report_error("bad_period", "Mois 12/2026 pas encore arrive")),
    ("RAP EAU 1 MOIS 1/2027", report_error("bad_period", "Mois 01/2027 pas encore arrive")),
    ("RAP EAU 1 MOIS 11/2025", report_error("bad_period", "Mois 11/2025 trop ancien (3 mois max)")),
    ("RAP EAU 1 MOIS 13", report_error("bad_period", "Mois '13' invalide (1 a 12)")),
    ("RAP EAU 1 MOIS 0", report_error("bad_period", "Mois '0' invalide (1 a 12)")),
    ("RAP EAU 1 MOIS OCTOBRE", report_error("bad_period", "Mois 'OCTOBRE' invalide (1 a 12)")),
    ("RAP EAU 1 MOIS", report_error("missing_argument", "Valeur manquante apres MOIS")),
    ("RAP EAU 1 MOIS 10 MOIS 9", report_error("conflicting_value", "2 valeurs pour MOIS: 'MOIS 10' puis 'MOIS 9'")),
]

CONFLICTS: list[Case] = [
    ("RAP EAU 1 EAU 1", report({"water": True})),
    ("RAP EAU 1 EAU OUI FORAGE Y", report({"water": True})),
    ("RAP RES 2 RES BON", report({"network": 2})),
    ("RAP EAU 1 EAU 0", report_error("conflicting_value", "2 valeurs pour EAU: 'EAU 1' puis 'EAU 0'")),
    ("RAP EAU 1 FORAGE NON", report_error("conflicting_value", "2 valeurs pour EAU: 'EAU 1' puis 'FORAGE NON'")),
    ("RES FAIBLE RESEAU BON", report_error("conflicting_value", "2 valeurs pour RES: 'RES FAIBLE' puis 'RESEAU BON'")),
]

MISSING: list[Case] = [
    ("RAP", report_error("missing_argument", "Aucun indicateur dans le rapport")),
    ("RAP EAU", report_error("missing_argument", "Valeur manquante apres EAU")),
    ("RAP EAU ELEC 0", report_error("missing_argument", "Valeur manquante apres EAU")),
    ("RAP EAU 1 ELEC", report_error("missing_argument", "Valeur manquante apres ELEC")),
]

TABLES = {
    "key_value": KEY_VALUE,
    "values": VALUES,
    "separators": SEPARATORS,
    "accents": ACCENTS,
    "typos": TYPOS,
    "signatures": SIGNATURES,
    "positional": POSITIONAL,
    "population": POPULATION,
    "months": MONTHS,
    "conflicts": CONFLICTS,
    "missing": MISSING,
}
ALL_CASES: list[Case] = [case for table in TABLES.values() for case in table]


@pytest.mark.parametrize(("text", "expected"), ALL_CASES, ids=[repr(text) for text, _ in ALL_CASES])
def test_report_parses_to_the_canonical_json(text: str, expected: dict[str, object]) -> None:
    check(text, expected)


@pytest.mark.parametrize(
    ("today", "text", "period"),
    [
        (dt.date(2027, 1, 31), "RAP EAU 1", "2027-01"),
        (dt.date(2027, 1, 1), "RAP EAU 1 MOIS 12", "2026-12"),
        (dt.date(2027, 1, 10), "RAP EAU 1 MOIS 10", "2026-10"),
        (dt.date(2027, 1, 10), "RAP EAU 1 MOIS 10/2026", "2026-10"),
    ],
)
def test_period_is_the_month_of_today_or_the_latest_month_named(today: dt.date, text: str, period: str) -> None:
    check(text, report({"water": True}, period=period), today=today)


def test_month_across_new_year_more_than_three_months_back_is_refused() -> None:
    check(
        "RAP EAU 1 MOIS 9",
        report_error("bad_period", "Mois 09/2026 trop ancien (3 mois max)"),
        today=dt.date(2027, 1, 10),
    )
    check(
        "RAP EAU 1 MOIS 2/2027",
        report_error("bad_period", "Mois 02/2027 pas encore arrive"),
        today=dt.date(2027, 1, 10),
    )
