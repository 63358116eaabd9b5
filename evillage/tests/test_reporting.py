"""The domain's verbs for what chiefs send: reports, locations, registrations, alerts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.gis.geos import Point

from evillage.models import Alert, CandidateStatus, Chief, ChiefStatus, OfficialContact, ReportValue
from evillage.services import (
    UnknownVillage,
    official_phones,
    record_alert,
    record_location,
    record_report,
    request_registration,
)
from geo.models import LocationSource, LocationStatus

NOW = dt.datetime(2026, 11, 15, 9, 30, tzinfo=dt.UTC)


def current(village, period="2026-11"):
    rows = ReportValue.objects.filter(village=village, period=period, is_current=True)
    return {row.indicator.key: row.value for row in rows.select_related("indicator")}


def test_a_report_records_its_values(world):
    chief = world.chiefs["lama"]
    report = record_report(chief, period="2026-11", values={"water": True, "network": 2}, received_at=NOW)
    assert report.village == world.villages["lama"] and report.chief == chief
    assert current(world.villages["lama"]) == {"water": 1, "network": 2}


def test_a_later_report_supersedes_only_the_indicators_it_names(world):
    chief = world.chiefs["lama"]
    first = record_report(chief, period="2026-11", values={"water": True, "electricity": False}, received_at=NOW)
    record_report(chief, period="2026-11", values={"water": False}, received_at=NOW + dt.timedelta(hours=1))
    assert current(world.villages["lama"]) == {"water": 0, "electricity": 0}
    # The earlier value stays as history.
    assert ReportValue.objects.get(report=first, indicator__key="water").is_current is False
    assert ReportValue.objects.filter(village=world.villages["lama"]).count() == 3


def test_reports_of_other_months_and_villages_are_untouched(world):
    record_report(world.chiefs["lama"], period="2026-10", values={"water": True}, received_at=NOW)
    record_report(world.chiefs["tchare"], period="2026-11", values={"water": True}, received_at=NOW)
    record_report(world.chiefs["lama"], period="2026-11", values={"water": False}, received_at=NOW)
    assert current(world.villages["lama"], "2026-10") == {"water": 1}
    assert current(world.villages["tchare"]) == {"water": 1}
    assert current(world.villages["lama"]) == {"water": 0}


def test_pop_updates_the_village_population(world):
    record_report(world.chiefs["lama"], period="2026-11", values={}, population=1450, received_at=NOW)
    world.villages["lama"].refresh_from_db()
    assert world.villages["lama"].population == 1450


def test_unknown_indicator_records_nothing(world):
    with pytest.raises(ValueError, match="unknown indicators"):
        record_report(world.chiefs["lama"], period="2026-11", values={"market": True}, received_at=NOW)
    assert not ReportValue.objects.exists()


def test_gps_inside_the_canton_moves_an_unverified_village_and_verifies_it(world):
    candidate = record_location(world.chiefs["lama"], Point(1.12, 9.52, srid=4326), received_at=NOW)
    village = world.villages["lama"]
    village.refresh_from_db()
    assert candidate.status == CandidateStatus.ACCEPTED
    assert village.location.coords == pytest.approx((1.12, 9.52))
    assert (village.location_status, village.location_source) == (LocationStatus.VERIFIED, LocationSource.SMS_GPS)
    assert candidate.previous_location.coords == pytest.approx((1.1, 9.5))


def test_gps_outside_the_canton_is_a_conflict_and_the_village_stays(world):
    candidate = record_location(world.chiefs["lama"], Point(1.4, 9.6, srid=4326), received_at=NOW)
    village = world.villages["lama"]
    village.refresh_from_db()
    assert candidate.status == CandidateStatus.CONFLICT and "canton" in candidate.note
    assert village.location.coords == pytest.approx((1.1, 9.5))
    assert village.location_status == LocationStatus.UNVERIFIED


def test_gps_far_from_a_verified_position_is_a_conflict(world, settings):
    settings.LOCATION_TOLERANCE_METERS = 2000
    record_location(world.chiefs["lama"], Point(1.12, 9.52, srid=4326), received_at=NOW)
    near = record_location(world.chiefs["lama"], Point(1.125, 9.52, srid=4326), received_at=NOW)
    far = record_location(world.chiefs["lama"], Point(1.2, 9.7, srid=4326), received_at=NOW)
    village = world.villages["lama"]
    village.refresh_from_db()
    assert near.status == CandidateStatus.ACCEPTED
    assert far.status == CandidateStatus.CONFLICT and "km" in far.note
    assert village.location.coords == pytest.approx((1.12, 9.52))


def test_registration_is_pending_and_a_second_request_replaces_the_first(world):
    chief = request_registration("+22893000001", "koz-0002", "Ama Mensah")
    assert chief.status == ChiefStatus.PENDING and chief.village == world.villages["tchare"]
    again = request_registration("+22893000001", "BAS-0001", "Ama Mensah-Kodjo")
    assert again.pk == chief.pk and again.village == world.villages["bassar"]
    assert Chief.objects.filter(phone="+22893000001").count() == 1


def test_registration_for_an_unknown_village_is_refused(world):
    with pytest.raises(UnknownVillage):
        request_registration("+22893000001", "XXX-9999", "Ama")
    assert not Chief.objects.filter(phone="+22893000001").exists()


def test_alert_is_stored_and_goes_to_the_prefectures_officials(world):
    OfficialContact.objects.create(area=world.kozah, name="Préfet", phone="+22890999999")
    OfficialContact.objects.create(area=world.kozah, name="Ancien", phone="+22890999998", is_active=False)
    OfficialContact.objects.create(area=world.bassar, name="Autre", phone="+22890999997")
    alert = record_alert(world.chiefs["lama"], "x" * 400, received_at=NOW)
    assert Alert.objects.get().village == world.villages["lama"] and len(alert.text) == 300
    assert official_phones(world.kozah.pk) == ["+22890999999"]
