"""Every reply is French, plain GSM-7 and fits one 160-character segment, whatever the names in it."""

from __future__ import annotations

import pytest

from sms_gateway import replies
from sms_gateway.replies import Echo, septets, to_gsm7

LONG = "Kpélé-Adéta-Agbogbomé-Tsiko-Dzogbégan-Avétonou-Tomégbé-Gadzépé"  # longer than any real village
EXAMPLE = "RAP EAU 1 ELEC 0 RES 2 SANTE 1 ECOLE 1 ROUTE 0"
ECHOES = [
    Echo("Eau", "OUI"),
    Echo("Elec", "NON"),
    Echo("Res", "BON"),
    Echo("Sante", "OUI"),
    Echo("Ecole", "OUI"),
    Echo("Route", "NON"),
]


def every_reply(village: str) -> dict[str, str]:
    return {
        "report": replies.report_received("2026-11", village, ECHOES, ["'ELECT' lu ELEC.", "Signature ignoree."]),
        "error": replies.error("'ELEC 5' invalide (1=oui, 0=non)", EXAMPLE),
        "help": replies.help_card(EXAMPLE),
        "location": replies.location_accepted(village, 9.55111, 1.18622, ["Latitude et longitude inversees."]),
        "conflict": replies.location_conflict(village, "hors de son canton"),
        "pending": replies.registration_pending(village, "KLO-0231"),
        "unknown_village": replies.registration_unknown_village("KLO-99999999999999999999"),
        "registered": replies.already_registered(village),
        "waiting": replies.registration_waiting(),
        "welcome": replies.welcome(village, "KLO-0231"),
        "refused": replies.registration_refused(village, "KLO-0231"),
        "alert": replies.alert_received(village),
        "hint": replies.unknown_number_hint(),
    }


@pytest.fixture(scope="module")
def national():
    from fixtures.national import generate

    return generate()


def check_fits(replies_by_name: dict[str, str]) -> None:
    for name, text in replies_by_name.items():
        assert septets(text) <= 160, (name, len(text), text)
        assert text == to_gsm7(text), name
        assert text.isascii(), name


@pytest.mark.parametrize("village", ["Lama", LONG, LONG * 3])
def test_every_reply_fits_one_plain_gsm7_segment(village):
    check_fits(every_reply(village))


def test_every_reply_fits_with_the_longest_names_of_the_national_dataset(national):
    villages = sorted(national.villages, key=lambda v: len(v.name), reverse=True)[:5]
    prefectures = sorted(national.prefectures, key=lambda p: len(p.name), reverse=True)[:3]
    for village in villages:
        check_fits(every_reply(village.name))
        # The longest real-sized names are not cut in a full confirmation.
        assert to_gsm7(village.name).upper() in replies.report_received("2026-11", village.name, ECHOES)
    for prefecture in prefectures:
        check_fits({"alert": replies.alert_received(prefecture.name)})


def test_the_protocol_confirmation_reads_as_on_the_card():
    text = replies.report_received("2026-11", "Kpélé-Dafo", ECHOES)
    assert text == (
        "Rapport 11/2026 KPELE-DAFO recu: Eau OUI, Elec NON, Res BON, Sante OUI, Ecole OUI, Route NON. Merci."
    )


def test_the_protocol_error_reads_as_on_the_card():
    text = replies.error("'ELEC 5' invalide (1=oui, 0=non)", EXAMPLE)
    assert text == "Erreur: 'ELEC 5' invalide (1=oui, 0=non). Exemple: RAP EAU 1 ELEC 0 RES 2 SANTE 1 ECOLE 1 ROUTE 0"


def test_a_long_village_name_is_shortened_not_the_values():
    text = replies.report_received("2026-11", LONG * 3, ECHOES)
    assert "Eau OUI, Elec NON, Res BON, Sante OUI, Ecole OUI, Route NON." in text
    assert septets(text) <= 160


@pytest.mark.parametrize(
    ("raw", "plain"),
    [
        ("reçu", "recu"),
        ("Électricité", "Electricite"),
        ("préfecture n’a « rien »", 'prefecture n\'a "rien"'),
        ("cœur", "coeur"),
        ("9°33'", "9o33'"),
        ("漢字", "??"),
    ],
)
def test_text_is_reduced_to_plain_gsm7(raw, plain):
    assert to_gsm7(raw) == plain


def test_extension_characters_count_two_septets():
    assert septets("a[b]") == 6


def test_forwarded_alert_keeps_the_chiefs_words_within_three_parts():
    text = replies.alert_forward("Lama", "KOZ-0001", "Kossi Amegan", "+22890112233", "Le forage est en panne. " * 12)
    assert text.startswith("ALERTE Lama (KOZ-0001), chef Kossi Amegan +22890112233: Le forage est en panne.")
    assert septets(text) <= 3 * 153
