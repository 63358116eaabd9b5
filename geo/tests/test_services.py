from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.gis.geos import Point
from django.core.management import call_command
from django.core.management.base import CommandError

from geo.models import Area, BoundarySet, Level, LocationSource, LocationStatus, Village
from geo.services import (
    Outcome,
    PlacementError,
    VillageEntry,
    activate_boundary_set,
    get_or_create_boundary_set,
    place_village,
    upsert_area,
    upsert_village,
    upsert_villages,
)
from tests.builders import box, make_area

pytestmark = pytest.mark.django_db


# Boundary sets -------------------------------------------------------------------------------------------


def test_the_first_set_ever_is_active_and_later_ones_are_not():
    first, created = get_or_create_boundary_set("2019")
    second, _ = get_or_create_boundary_set("2024")
    again, created_again = get_or_create_boundary_set("2019")
    assert created and not created_again
    assert (first.is_active, second.is_active) == (True, False)
    assert again == first


def test_activating_a_set_deactivates_the_other(world):
    new = BoundarySet.objects.create(name="2024")
    assert activate_boundary_set(new) == world.boundary_set
    assert list(BoundarySet.objects.filter(is_active=True)) == [new]
    assert activate_boundary_set(new) == new  # already active: nothing changes
    assert BoundarySet.objects.filter(is_active=True).count() == 1


def test_activate_boundary_set_command(world):
    BoundarySet.objects.create(name="2024")
    out = StringIO()
    call_command("activate_boundary_set", "2024", stdout=out)
    assert out.getvalue() == "Jeu de limites « 2024 » actif (à la place de « Test 2019 »).\n"
    assert BoundarySet.objects.get(is_active=True).name == "2024"
    # Areas of the old set stay, and lookups now use the new (empty) set.
    assert Area.objects.filter(boundary_set=world.boundary_set).count() == 5
    assert not Area.objects.containing(Point(1.1, 9.5, srid=4326)).exists()
    with pytest.raises(CommandError, match=r"« 2030 » inconnu\. Jeux existants : « 2024 », « Test 2019 »\."):
        call_command("activate_boundary_set", "2030", stdout=StringIO())
    assert BoundarySet.objects.get(is_active=True).name == "2024"


# Areas ---------------------------------------------------------------------------------------------------


def test_upsert_area_creates_then_leaves_unchanged_then_updates(world):
    geom = box(1.0, 9.3, 1.1, 9.4)
    area, outcome = upsert_area(world.boundary_set, Level.CANTON, "C9", name="Kpinzindè", geom=geom, parent=world.kozah)
    assert outcome == Outcome.CREATED
    assert upsert_area(world.boundary_set, Level.CANTON, "C9", name="Kpinzindè", geom=geom, parent=world.kozah)[1] == (
        Outcome.UNCHANGED
    )
    _, outcome = upsert_area(
        world.boundary_set, Level.CANTON, "C9", name="Kpinzinde", geom=geom, parent=world.kozah, alt_names=["Kp."]
    )
    assert outcome == Outcome.UPDATED
    area.refresh_from_db()
    assert (area.name, area.alt_names) == ("Kpinzinde", ["Kp."])
    # alt_names=None keeps the stored spellings.
    upsert_area(world.boundary_set, Level.CANTON, "C9", name="Kpinzinde", geom=geom, parent=world.kozah)
    area.refresh_from_db()
    assert area.alt_names == ["Kp."]


def test_upsert_area_refuses_a_parent_of_the_wrong_level(world):
    with pytest.raises(ValueError, match="must be a prefecture"):
        upsert_area(world.boundary_set, Level.CANTON, "C9", name="X", geom=box(1, 9, 2, 10), parent=world.kara)
    with pytest.raises(ValueError, match="region has no parent"):
        upsert_area(world.boundary_set, Level.REGION, "R9", name="X", geom=box(1, 9, 2, 10), parent=world.kara)


# Villages ------------------------------------------------------------------------------------------------


def test_place_village_takes_prefecture_and_region_from_the_canton(world):
    village = world.villages["bassar"]
    place_village(village, canton=world.tchare)
    village.refresh_from_db()
    assert (village.canton, village.prefecture, village.region) == (world.tchare, world.kozah, world.kara)
    place_village(village, prefecture=world.bassar)
    village.refresh_from_db()
    assert (village.canton, village.prefecture, village.region) == (None, world.bassar, world.kara)


def test_place_village_refuses_areas_that_do_not_fit(world):
    village = world.villages["lama"]
    with pytest.raises(PlacementError, match="not in the prefecture"):
        place_village(village, canton=world.lama, prefecture=world.bassar)
    orphan = make_area(world.boundary_set, Level.PREFECTURE, "ORP", "Orpheline", box(3, 9, 4, 10))
    with pytest.raises(PlacementError, match="has no region"):
        place_village(village, prefecture=orphan)
    with pytest.raises(PlacementError, match="is not a prefecture"):
        place_village(village, prefecture=world.kara)
    with pytest.raises(PlacementError, match="needs a prefecture"):
        place_village(village)
    village.refresh_from_db()
    assert (village.canton, village.prefecture) == (world.lama, world.kozah)


def test_upsert_villages_counts_and_upper_cases_codes(world):
    entries = [
        VillageEntry("koz-0001", Point(1.1, 9.5, srid=4326), canton=world.lama, name="Lama-Tessi", population=1200),
        VillageEntry("new-1", Point(1.4, 9.6, srid=4326), canton=world.tchare),
        VillageEntry("BAS-0001", Point(0.7, 9.2, srid=4326), prefecture=world.bassar, population=600),
    ]
    assert upsert_villages(entries) == [Outcome.UNCHANGED, Outcome.CREATED, Outcome.UPDATED]
    new = Village.objects.get(code="NEW-1")
    assert (new.name, new.population, new.region) == ("NEW-1", None, world.kara)
    assert Village.objects.get(code="BAS-0001").population == 600
    assert Village.objects.count() == 4


def test_upsert_village_keeps_what_is_not_given_and_a_verified_location(world):
    Village.objects.filter(code="KOZ-0001").update(location_status=LocationStatus.VERIFIED)
    village, outcome = upsert_village(
        VillageEntry(
            "KOZ-0001", Point(1.4, 9.6, srid=4326), canton=world.tchare, status=LocationStatus.CONFLICT, note="x"
        )
    )
    assert outcome == Outcome.UNCHANGED
    assert (village.name, village.population, village.canton) == ("Lama-Tessi", 1200, world.lama)
    assert (village.location_status, village.location_source) == (LocationStatus.VERIFIED, LocationSource.IMPORT)
