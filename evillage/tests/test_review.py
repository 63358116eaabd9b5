"""The prefecture's decisions on the work queues: positions, registrations, alerts. Each is recorded (who,
when), refuses a second decision without changing anything, and keeps the registry's rules."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.gis.geos import Point

from evillage.models import Alert, CandidateStatus, Chief, ChiefRole, ChiefStatus
from evillage.services import (
    AlreadyDecided,
    ChiefConflict,
    ChiefEntry,
    accept_location,
    approve_registration,
    mark_alert_handled,
    record_alert,
    record_location,
    refuse_registration,
    register_chief,
    reject_location,
    request_registration,
)
from geo.models import LocationSource, LocationStatus

NOW = dt.datetime(2026, 11, 15, 9, 30, tzinfo=dt.UTC)
IN_TCHARE = Point(1.4, 9.6, srid=4326)  # Kozah, the other canton than Lama's
IN_BASSAR = Point(0.7, 9.5, srid=4326)


@pytest.fixture
def conflict(world):  # type: ignore[no-untyped-def]
    candidate = record_location(world.chiefs["lama"], IN_TCHARE, received_at=NOW)
    assert candidate.status == CandidateStatus.CONFLICT
    return candidate


def test_accepting_a_position_moves_the_village_into_the_canton_that_holds_it(world, conflict):
    official = world.users["kozah"]
    decided = accept_location(conflict, official)
    village = world.villages["lama"]
    village.refresh_from_db()
    assert village.location.coords == pytest.approx((1.4, 9.6))
    assert (village.location_status, village.location_source) == (LocationStatus.VERIFIED, LocationSource.SMS_GPS)
    assert village.canton == world.tchare and village.prefecture == world.kozah
    conflict.refresh_from_db()
    assert conflict.status == CandidateStatus.ACCEPTED == decided.status
    assert conflict.decided_by == official and conflict.decided_at is not None
    # The chief's next GPS from the same place now agrees with the village.
    again = record_location(world.chiefs["lama"], IN_TCHARE, received_at=NOW)
    assert again.status == CandidateStatus.ACCEPTED


def test_a_position_accepted_outside_the_prefecture_keeps_the_village_in_it(world):
    candidate = record_location(world.chiefs["lama"], IN_BASSAR, received_at=NOW)
    accept_location(candidate, world.users["ministry"])
    village = world.villages["lama"]
    village.refresh_from_db()
    assert village.location.coords == pytest.approx((0.7, 9.5))
    assert village.prefecture == world.kozah and village.canton == world.lama
    assert "préfecture" in village.location_note


def test_rejecting_a_position_keeps_the_village_where_it_was(world, conflict):
    reject_location(conflict, world.users["kozah"])
    village = world.villages["lama"]
    village.refresh_from_db()
    assert village.location.coords == pytest.approx((1.1, 9.5))
    assert village.location_status == LocationStatus.UNVERIFIED
    conflict.refresh_from_db()
    assert conflict.status == CandidateStatus.REJECTED
    assert conflict.decided_by == world.users["kozah"] and conflict.decided_at is not None


@pytest.mark.parametrize("second", [accept_location, reject_location])
def test_a_second_decision_on_a_position_changes_nothing(world, conflict, second):
    reject_location(conflict, world.users["kozah"])
    conflict.refresh_from_db()
    with pytest.raises(AlreadyDecided) as decided:
        second(conflict, world.users["ministry"])
    assert decided.value.decided_by == world.users["kozah"]
    assert decided.value.decided_at == conflict.decided_at
    village = world.villages["lama"]
    village.refresh_from_db()
    assert village.location.coords == pytest.approx((1.1, 9.5))
    after = type(conflict).objects.get(pk=conflict.pk)
    assert (after.status, after.decided_by, after.decided_at) == (
        CandidateStatus.REJECTED,
        world.users["kozah"],
        conflict.decided_at,
    )


@pytest.fixture
def pending(world):  # type: ignore[no-untyped-def]
    """A new phone asking for Tcharé, whose only chief is a canton chief: the village seat is free."""
    return request_registration("+22891000001", "KOZ-0002", "Akou Mensah")


def test_approving_a_registration_makes_an_active_chief_and_records_who(world, pending):
    chief = approve_registration(pending, world.users["kozah"])
    pending.refresh_from_db()
    assert pending.pk == chief.pk and pending.status == ChiefStatus.ACTIVE
    assert pending.decided_by == world.users["kozah"] and pending.decided_at is not None


def test_refusing_a_registration_makes_the_phone_unknown_again(world, pending):
    refuse_registration(pending, world.users["kozah"])
    pending.refresh_from_db()
    assert pending.status == ChiefStatus.REFUSED
    assert pending.decided_by == world.users["kozah"] and pending.decided_at is not None
    # The phone may ask again: a new request, the refused one kept as history.
    again = request_registration("+22891000001", "KOZ-0002", "Akou Mensah")
    assert again.pk != pending.pk and again.status == ChiefStatus.PENDING


@pytest.mark.parametrize(
    ("first", "second"), [(approve_registration, refuse_registration), (refuse_registration, approve_registration)]
)
def test_a_second_decision_on_a_registration_changes_nothing(world, pending, first, second):
    first(pending, world.users["kozah"])
    pending.refresh_from_db()
    before = (pending.status, pending.decided_by_id, pending.decided_at)
    with pytest.raises(AlreadyDecided) as decided:
        second(pending, world.users["ministry"])
    assert decided.value.decided_by == world.users["kozah"]
    pending.refresh_from_db()
    assert (pending.status, pending.decided_by_id, pending.decided_at) == before


def test_approving_a_registration_for_a_village_whose_seat_is_taken_is_refused_and_kept_pending(world):
    pending = request_registration("+22891000002", "KOZ-0001", "Autre Chef")  # Lama has an active village chief
    with pytest.raises(ChiefConflict, match="Kossi Amegan"):
        approve_registration(pending, world.users["kozah"])
    pending.refresh_from_db()
    assert pending.status == ChiefStatus.PENDING and pending.decided_at is None


def test_registering_a_phone_supersedes_its_pending_requests_for_other_villages(world):
    elsewhere = request_registration("+22891000003", "BAS-0001", "Kodjo Alou")
    chief = register_chief(
        ChiefEntry("Kodjo Alou", "+22891000003", world.villages["tchare"], ChiefRole.VILLAGE_CHIEF),
        world.users["ministry"],
    )
    assert chief.status == ChiefStatus.ACTIVE and chief.village == world.villages["tchare"]
    assert chief.decided_by == world.users["ministry"]
    elsewhere.refresh_from_db()
    assert elsewhere.status == ChiefStatus.REFUSED and elsewhere.decided_by == world.users["ministry"]
    assert Chief.objects.filter(phone="+22891000003", status=ChiefStatus.ACTIVE).count() == 1


def test_marking_an_alert_handled_records_who_and_when_once(world):
    alert = record_alert(world.chiefs["lama"], "forage en panne", received_at=NOW)
    mark_alert_handled(alert, world.users["kozah"])
    alert.refresh_from_db()
    assert alert.handled_by == world.users["kozah"] and alert.handled_at is not None
    with pytest.raises(AlreadyDecided) as decided:
        mark_alert_handled(alert, world.users["ministry"])
    assert decided.value.decided_by == world.users["kozah"]
    assert Alert.objects.get(pk=alert.pk).handled_by == world.users["kozah"]
