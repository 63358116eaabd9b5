"""Every change to the ground goes through these verbs: boundary sets, areas, villages and their placement.

Commands, importers, tasks and admin actions call them; none of them saves an `Area` or a `Village` on
its own. Each verb that compares what is stored with what it is given says whether it created, updated
or left the row unchanged, so that importers can be re-run and report "N inchangés".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from django.contrib.gis.geos import MultiPolygon, Point
from django.db import transaction
from django.utils import timezone

from geo.models import PARENT_LEVEL, Area, BoundarySet, Level, LocationSource, LocationStatus, Village

BATCH_SIZE = 500

# Two geometries closer than this (in degrees, about a micrometre) are the same geometry.
SAME_GEOMETRY_TOLERANCE = 1e-11


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


class PlacementError(ValueError):
    """Areas that cannot hold a village together (a canton outside the prefecture, a prefecture with no region)."""


# Boundary sets ---------------------------------------------------------------------------------------


def get_or_create_boundary_set(name: str, description: str = "") -> tuple[BoundarySet, bool]:
    """The set called `name`, created if needed. The first set ever created becomes the active one;
    later sets are created inactive, so that loading a new map changes nothing until it is activated."""
    with transaction.atomic():
        existing = BoundarySet.objects.filter(name=name).first()
        if existing is not None:
            return existing, False
        first = not BoundarySet.objects.exists()
        return BoundarySet.objects.create(name=name, description=description, is_active=first), True


def activate_boundary_set(boundary_set: BoundarySet) -> BoundarySet | None:
    """Make `boundary_set` the active one, atomically; returns the set that was active before (or None)."""
    with transaction.atomic():
        # Lock every set, in one order, so two activations run one after the other.
        sets = list(BoundarySet.objects.select_for_update().order_by("pk"))
        previous = next((s for s in sets if s.is_active), None)
        if previous is not None and previous.pk == boundary_set.pk:
            return previous
        BoundarySet.objects.filter(is_active=True).update(is_active=False)
        BoundarySet.objects.filter(pk=boundary_set.pk).update(is_active=True)
    boundary_set.is_active = True
    return previous


# Areas -----------------------------------------------------------------------------------------------


def upsert_area(
    boundary_set: BoundarySet,
    level: str,
    code: str,
    *,
    name: str,
    geom: MultiPolygon,
    parent: Area | None = None,
    alt_names: Sequence[str] | None = None,
) -> tuple[Area, Outcome]:
    """Create or update the area `code` of `level` in `boundary_set`.

    `alt_names=None` keeps the spellings already stored. The parent must be of the level above
    (`PARENT_LEVEL`); a region has none.
    """
    expected = PARENT_LEVEL[level]
    if expected is None and parent is not None:
        raise ValueError("a region has no parent")
    if parent is not None and parent.level != expected:
        raise ValueError(f"the parent of a {level} must be a {expected}, not a {parent.level}")
    area = Area.objects.filter(boundary_set=boundary_set, level=level, code=code).first()
    if area is None:
        area = Area.objects.create(
            boundary_set=boundary_set,
            level=level,
            code=code,
            name=name,
            geom=geom,
            parent=parent,
            alt_names=list(alt_names or []),
        )
        return area, Outcome.CREATED
    changed: list[str] = []
    if area.name != name:
        area.name = name
        changed.append("name")
    if alt_names is not None and list(area.alt_names) != list(alt_names):
        area.alt_names = list(alt_names)
        changed.append("alt_names")
    parent_id = parent.pk if parent is not None else None
    if area.parent_id != parent_id:
        area.parent = parent
        changed.append("parent")
    if not _same_geometry(area.geom, geom):
        area.geom = geom
        changed.append("geom")
    if not changed:
        return area, Outcome.UNCHANGED
    area.save(update_fields=changed)
    return area, Outcome.UPDATED


def _same_geometry(stored: MultiPolygon, given: MultiPolygon) -> bool:
    return stored.num_coords == given.num_coords and stored.equals_exact(given, SAME_GEOMETRY_TOLERANCE)


# Villages --------------------------------------------------------------------------------------------


def place_village(
    village: Village, *, canton: Area | None = None, prefecture: Area | None = None, save: bool = True
) -> Village:
    """Put `village` in its canton (if any), prefecture and region, keeping the three consistent.

    This is the one place that sets them: the prefecture is the canton's parent and the region the
    prefecture's parent. Give the canton, or the prefecture, or both when they agree. Areas are expected
    to come with their parents loaded (`select_related("parent__parent")`) when placing many villages.
    """
    if canton is not None:
        if canton.level != Level.CANTON:
            raise PlacementError(f"{canton} is not a canton")
        if canton.parent is None:
            raise PlacementError(f"the canton {canton} has no prefecture")
        if prefecture is not None and canton.parent_id != prefecture.pk:
            raise PlacementError(f"the canton {canton} is not in the prefecture {prefecture}")
        prefecture = canton.parent
    if prefecture is None:
        raise PlacementError("a village needs a prefecture (or a canton)")
    if prefecture.level != Level.PREFECTURE:
        raise PlacementError(f"{prefecture} is not a prefecture")
    if prefecture.parent is None:
        raise PlacementError(f"the prefecture {prefecture} has no region")
    village.canton = canton
    village.prefecture = prefecture
    village.region = prefecture.parent
    if save and village.pk is not None:
        village.save(update_fields=["canton", "prefecture", "region", "updated_at"])
    elif save:
        village.save()
    return village


@dataclass(frozen=True)
class VillageEntry:
    """What a source says of one village. `name=None` and `population=None` mean "not given": a new
    village is then named after its code, and a stored one keeps what it had."""

    code: str
    location: Point
    prefecture: Area | None = None
    canton: Area | None = None
    name: str | None = None
    population: int | None = None
    source: str = LocationSource.IMPORT
    status: str = LocationStatus.UNVERIFIED
    note: str = ""


def upsert_villages(entries: Sequence[VillageEntry]) -> list[Outcome]:
    """Create or update many villages by code, in a handful of queries; one outcome per entry.

    Codes are stored upper-case. A village whose location an official or a GPS has verified keeps its
    location and areas: an import only updates its name and population.
    """
    codes = [entry.code.strip().upper() for entry in entries]
    stored = {v.code: v for v in Village.objects.filter(code__in=codes)}
    now = timezone.now()
    outcomes: list[Outcome] = []
    to_create: dict[str, Village] = {}
    to_update: dict[str, Village] = {}
    fields = [
        "name",
        "population",
        "location",
        "canton",
        "prefecture",
        "region",
        "location_source",
        "location_status",
        "location_note",
    ]
    for code, entry in zip(codes, entries, strict=True):
        village = stored.get(code) or to_create.get(code)
        if village is None:
            village = Village(code=code, name=entry.name or code, population=entry.population)
            _apply_location(village, entry)
            to_create[code] = village
            outcomes.append(Outcome.CREATED)
            continue
        before = _village_state(village)
        if entry.name:
            village.name = entry.name
        if entry.population is not None:
            village.population = entry.population
        if village.location_status != LocationStatus.VERIFIED:
            _apply_location(village, entry)
        if _village_state(village) == before:
            outcomes.append(Outcome.UNCHANGED)
        elif code in to_create:
            outcomes.append(Outcome.UPDATED)
        else:
            village.updated_at = now
            to_update[code] = village
            outcomes.append(Outcome.UPDATED)
    Village.objects.bulk_create(to_create.values(), batch_size=BATCH_SIZE)
    if to_update:
        Village.objects.bulk_update(to_update.values(), [*fields, "updated_at"], batch_size=BATCH_SIZE)
    return outcomes


def upsert_village(entry: VillageEntry) -> tuple[Village, Outcome]:
    """One village: the same rules as `upsert_villages`."""
    (outcome,) = upsert_villages([entry])
    return Village.objects.get(code=entry.code.strip().upper()), outcome


def _apply_location(village: Village, entry: VillageEntry) -> None:
    village.location = entry.location
    place_village(village, canton=entry.canton, prefecture=entry.prefecture, save=False)
    village.location_source = entry.source
    village.location_status = entry.status
    village.location_note = entry.note[:300]


def _village_state(village: Village) -> tuple[object, ...]:
    location = village.location.coords if village.location is not None else None
    return (
        village.name,
        village.population,
        location,
        village.canton_id,
        village.prefecture_id,
        village.region_id,
        village.location_source,
        village.location_status,
        village.location_note,
    )


def move_village(village: Village, point: Point, *, source: str, status: str, note: str = "") -> Village:
    """Give `village` a new point (its areas stay: a move inside them is what callers check first)."""
    village.location = point
    village.location_source = source
    village.location_status = status
    village.location_note = note[:300]
    village.save(update_fields=["location", "location_source", "location_status", "location_note", "updated_at"])
    return village


def set_village_population(village: Village, population: int) -> Village:
    if village.population != population:
        village.population = population
        village.save(update_fields=["population", "updated_at"])
    return village
