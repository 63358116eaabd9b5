"""What a chief's message does: recorded through the domain, answered once, in the card's words."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from evillage.models import Alert, CandidateStatus, Chief, ChiefStatus, LocationCandidate, OfficialContact, ReportValue
from sms_gateway.backends import Inbound
from sms_gateway.inbox import HANDLING_BATCH, process_message, process_pending, record_inbound
from sms_gateway.models import InboxMessage, InboxStatus, OutboxKind, OutboxMessage, QuarantinedNumber
from sms_gateway.replies import septets

pytestmark = pytest.mark.django_db
SENT = dt.datetime(2026, 11, 15, 9, 30, tzinfo=dt.UTC)
_ids = itertools.count(1)


_in_a_batch = {"yes": False}


@pytest.fixture(autouse=True, params=[False, True], ids=["alone", "in-a-batch"])
def in_a_batch(request, monkeypatch):  # type: ignore[no-untyped-def]
    """Every test twice: the message processed by its id (a re-delivered task), and claimed by a drain, where
    what can be is handled together with the rest of its batch (`handling.handle_batch`)."""
    monkeypatch.setitem(_in_a_batch, "yes", request.param)


def receive(sender: str, text: str, when: dt.datetime = SENT) -> InboxMessage:
    """A message in through the inbox verb, then processed as a worker would."""
    message = record_inbound(
        Inbound(provider_id=f"at-{next(_ids)}", sender=sender, recipient="21512", text=text, provider_date=when)
    )
    assert message is not None
    if _in_a_batch["yes"]:
        assert process_pending(HANDLING_BATCH) == (1, False)
    else:
        assert process_message(message.pk)
    message.refresh_from_db()
    return message


def replies_to(message: InboxMessage) -> list[str]:
    return list(OutboxMessage.objects.filter(in_reply_to=message).order_by("pk").values_list("text", flat=True))


def only_reply(message: InboxMessage) -> str:
    (text,) = replies_to(message)
    assert septets(text) <= 160
    return text


def test_a_report_is_recorded_and_echoed(world):
    message = receive("+22890112233", "RAP EAU 1 ELEC 0 RES 2 SANTE OUI ECOLE O ROUTE N")
    assert message.status == InboxStatus.DONE and message.chief == world.chiefs["lama"]
    assert message.parse_result["command"] == "report" and message.parse_result["period"] == "2026-11"
    assert only_reply(message) == (
        "Rapport 11/2026 LAMA-TESSI recu: Eau OUI, Elec NON, Res BON, Sante OUI, Ecole OUI, Route NON. Merci."
    )
    values = ReportValue.objects.filter(village=world.villages["lama"], period="2026-11", is_current=True)
    assert {v.indicator.key: v.value for v in values} == {
        "water": 1,
        "electricity": 0,
        "network": 2,
        "health": 1,
        "school": 1,
        "road": 0,
    }


def test_a_positional_report_with_a_typo_and_pop(world):
    message = receive("+22890112233", "RAPORT 1 0 1 1 1 0 POP 1500")
    text = only_reply(message)
    assert "Res FAIBLE" in text and "Pop 1500" in text and "'RAPORT' lu RAPPORT." in text
    world.villages["lama"].refresh_from_db()
    assert world.villages["lama"].population == 1500


def test_a_wrong_report_records_nothing_and_the_reply_teaches(world):
    message = receive("+22890112233", "RAP EAU 1 ELEC 5")
    assert only_reply(message) == (
        "Erreur: 'ELEC 5' invalide (1=oui, 0=non). Exemple: RAP EAU 1 ELEC 0 RES 2 SANTE 1 ECOLE 1 ROUTE 0"
    )
    assert not ReportValue.objects.exists()


def test_the_reporting_month_follows_the_closing_day(world, settings):
    settings.REPORTING_MONTH_CLOSING_DAY = 25
    message = receive("+22890112233", "EAU 1", when=dt.datetime(2026, 11, 27, 8, 0, tzinfo=dt.UTC))
    assert message.parse_result["period"] == "2026-12"
    assert ReportValue.objects.get().period == "2026-12"


def test_gps_inside_the_canton_verifies_the_village(world):
    message = receive("+22890112233", "GPS 9.5200 1.1200")
    assert only_reply(message) == "Position de LAMA-TESSI enregistree: 9.52000, 1.12000. Merci."
    assert LocationCandidate.objects.get().status == CandidateStatus.ACCEPTED


def test_gps_outside_the_canton_is_kept_for_review(world):
    message = receive("+22890112233", "GPS 9.6 1.4")
    text = only_reply(message)
    assert text.startswith("Position recue pour LAMA-TESSI, mais hors de son canton")
    assert LocationCandidate.objects.get().status == CandidateStatus.CONFLICT


def test_an_alert_is_forwarded_to_the_prefecture_officials(world):
    OfficialContact.objects.create(area=world.kozah, name="Préfet", phone="+22890999999")
    message = receive("+22890112233", "ALERTE le forage est en panne depuis 3 jours")
    assert message.parse_result["command"] == "alert"
    assert Alert.objects.get().text == "le forage est en panne depuis 3 jours"
    forwarded = OutboxMessage.objects.get(kind=OutboxKind.ALERT)
    assert forwarded.to == "+22890999999"
    assert (
        forwarded.text
        == "ALERTE Lama-Tessi (KOZ-0001), chef Kossi Amegan +22890112233: le forage est en panne depuis 3 jours"
    )
    assert OutboxMessage.objects.get(kind=OutboxKind.REPLY, to="+22890112233").text == (
        "Alerte transmise a la prefecture de Kozah. Merci."
    )


def test_help_and_empty_messages_get_the_card(world):
    for text in ("AIDE", ""):
        reply = only_reply(receive("+22890112233", text))
        assert reply.startswith("E-Village: RAP EAU 1 ELEC 0 RES 2 SANTE 1 ECOLE 1 ROUTE 0")


def test_a_known_chief_registering_again_is_told_so(world):
    assert "deja inscrit" in only_reply(receive("+22890112233", "INSCR KOZ-0002 KOSSI"))


def test_an_unknown_number_is_quarantined_and_hinted_once_a_day(world):
    first = receive("+22893555555", "RAP EAU 1")
    second = receive("+22893555555", "RAP EAU 0", when=SENT + dt.timedelta(hours=2))
    assert "INSCR" in only_reply(first)
    assert replies_to(second) == []
    number = QuarantinedNumber.objects.get(phone="+22893555555")
    assert number.message_count == 2
    assert first.chief is None and not ReportValue.objects.exists()


def test_an_unknown_number_registers_and_waits_for_approval(world):
    message = receive("+22893555555", "INSCR koz-0002 Ama Mensah")
    assert only_reply(message) == (
        "Inscription recue pour TCHARE (KOZ-0002). Elle attend la validation de la prefecture."
    )
    chief = Chief.objects.get(phone="+22893555555")
    assert chief.status == ChiefStatus.PENDING and chief.full_name == "Ama Mensah"
    # While pending, a report is answered but not recorded.
    waiting = receive("+22893555555", "RAP EAU 1")
    assert "attend la validation" in only_reply(waiting)
    assert not ReportValue.objects.exists()


def test_registration_for_an_unknown_village_says_so(world):
    assert only_reply(receive("+22893555555", "INSCR ZZZ-0001 Ama")).startswith("Erreur: village ZZZ-0001 inconnu")
    assert not Chief.objects.filter(phone="+22893555555").exists()


def test_a_retired_chief_is_treated_as_unknown(world):
    Chief.objects.filter(pk=world.chiefs["lama"].pk).update(status=ChiefStatus.RETIRED)
    message = receive("+22890112233", "RAP EAU 1")
    assert message.chief is None and "INSCR" in only_reply(message)
    assert QuarantinedNumber.objects.filter(phone="+22890112233").exists()


def test_processing_twice_records_and_replies_once(world):
    message = receive("+22890112233", "RAP EAU 1")
    assert process_message(message.pk) is False
    assert ReportValue.objects.count() == 1 and len(replies_to(message)) == 1


def test_a_duplicate_delivery_is_stored_once(world):
    inbound = Inbound(provider_id="dup-1", sender="+22890112233", recipient="21512", text="RAP EAU 1")
    assert record_inbound(inbound) is not None
    assert record_inbound(inbound) is None
    assert InboxMessage.objects.filter(provider_id="dup-1").count() == 1
