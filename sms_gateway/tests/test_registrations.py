"""The decisions a chief hears of by SMS: the decision and its SMS are kept together, or not at all."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from evillage.models import ChiefRole, ChiefStatus
from evillage.services import AlreadyDecided, ChiefConflict, request_registration
from sms_gateway import registrations
from sms_gateway.inbox import quarantine_number
from sms_gateway.models import OutboxKind, OutboxMessage, QuarantinedNumber
from sms_gateway.replies import septets, to_gsm7

PHONE = "+22891000001"


class Broken(Exception):
    pass


def broken_queue(*args, **kwargs):  # type: ignore[no-untyped-def]
    raise Broken


def sent_to(phone: str) -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(to=phone))


def assert_one_plain_segment(text: str) -> None:
    assert septets(text) <= 160 and text == to_gsm7(text) and text.isascii()


@pytest.fixture
def pending(world):  # type: ignore[no-untyped-def]
    return request_registration(PHONE, "KOZ-0002", "Akou Mensah")


def test_an_approved_chief_is_welcomed_by_sms(world, pending):
    registrations.approve(pending, world.users["kozah"])
    (sms,) = sent_to(PHONE)
    assert sms.kind == OutboxKind.NOTICE
    assert "Bienvenue" in sms.text and "TCHARE (KOZ-0002)" in sms.text
    assert_one_plain_segment(sms.text)


def test_a_refused_chief_is_told_by_sms(world, pending):
    registrations.refuse(pending, world.users["kozah"])
    (sms,) = sent_to(PHONE)
    assert sms.kind == OutboxKind.NOTICE and "refusee" in sms.text and "KOZ-0002" in sms.text
    assert_one_plain_segment(sms.text)


@pytest.mark.parametrize("decide", [registrations.approve, registrations.refuse])
def test_a_second_decision_sends_no_second_sms(world, pending, decide):
    decide(pending, world.users["kozah"])
    for again in (registrations.approve, registrations.refuse):
        with pytest.raises(AlreadyDecided):
            again(pending, world.users["kozah"])
    assert len(sent_to(PHONE)) == 1


@pytest.mark.parametrize("decide", [registrations.approve, registrations.refuse])
def test_a_failed_sms_undoes_the_decision(world, pending, decide, monkeypatch):
    monkeypatch.setattr(registrations, "queue_message", broken_queue)
    with pytest.raises(Broken):
        decide(pending, world.users["kozah"])
    pending.refresh_from_db()
    assert pending.status == ChiefStatus.PENDING and pending.decided_by is None and pending.decided_at is None


def test_a_conflicting_approval_sends_nothing(world):
    taken = request_registration(PHONE, "KOZ-0001", "Autre")  # Lama's seat is taken
    with pytest.raises(ChiefConflict):
        registrations.approve(taken, world.users["kozah"])
    assert sent_to(PHONE) == []


# Quarantined numbers ------------------------------------------------------------------------------------


@pytest.fixture
def number(world):  # type: ignore[no-untyped-def]
    return quarantine_number(PHONE)


def register(world, number):  # type: ignore[no-untyped-def]
    return registrations.register_number(
        number,
        village=world.villages["tchare"],
        full_name="Akou Mensah",
        role=ChiefRole.VILLAGE_CHIEF,
        by=world.users["kozah"],
    )


def test_a_quarantined_number_registered_becomes_an_active_chief_and_is_welcomed(world, number):
    chief = register(world, number)
    assert (chief.phone, chief.status, chief.village) == (PHONE, ChiefStatus.ACTIVE, world.villages["tchare"])
    assert chief.decided_by == world.users["kozah"]
    number.refresh_from_db()
    assert number.chief == chief and number.resolved_by == world.users["kozah"] and number.resolved_at is not None
    assert not QuarantinedNumber.objects.open().filter(pk=number.pk).exists()
    (sms,) = sent_to(PHONE)
    assert "Bienvenue" in sms.text and "TCHARE" in sms.text
    assert_one_plain_segment(sms.text)


def test_a_number_registered_twice_is_registered_once(world, number):
    register(world, number)
    with pytest.raises(AlreadyDecided) as decided:
        register(world, number)
    assert decided.value.decided_by == world.users["kozah"]
    assert len(sent_to(PHONE)) == 1


def test_a_failed_welcome_leaves_the_number_in_quarantine_and_no_chief(world, number, monkeypatch):
    monkeypatch.setattr(registrations, "queue_message", broken_queue)
    with pytest.raises(Broken):
        register(world, number)
    number.refresh_from_db()
    assert number.resolved_at is None and number.chief is None
    assert not world.villages["tchare"].chiefs.filter(phone=PHONE).exists()


def test_a_number_that_cannot_be_chief_there_stays_in_quarantine(world, number):
    with pytest.raises(ChiefConflict):
        registrations.register_number(
            number, village=world.villages["lama"], full_name="X", role=ChiefRole.VILLAGE_CHIEF, by=world.users["kozah"]
        )
    number.refresh_from_db()
    assert number.is_open and sent_to(PHONE) == []


def test_a_resolved_number_that_writes_again_is_open_again(world, number):
    days_ago = timezone.now() - dt.timedelta(days=2)
    QuarantinedNumber.objects.filter(pk=number.pk).update(
        last_seen_at=days_ago, resolved_at=days_ago + dt.timedelta(minutes=5), resolved_by=world.users["kozah"]
    )
    assert not QuarantinedNumber.objects.open().filter(pk=number.pk).exists()
    quarantine_number(PHONE)  # the chief retired, the phone writes again
    assert QuarantinedNumber.objects.open().filter(pk=number.pk).exists()
