"""Builders for a small named world, so a test sets up its ground in one line.

Geometry (lon, lat), squares in the north of Togo:
  region Kara          0.5–1.5 E, 9.0–10.0 N
    prefecture Kozah   1.0–1.5 E, 9.3–9.8 N
      canton Lama      1.0–1.25 E
      canton Tcharé    1.25–1.5 E
    prefecture Bassar  0.5–1.0 E, 9.0–10.0 N (no cantons)
Users (password "x-secret-123"): `ministry`, `kozah` (official of Kozah), `bassar` (official of Bassar),
`nobody` (no role).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.gis.geos import MultiPolygon, Point, Polygon

from evillage.models import Chief, ChiefRole, Official, Role
from geo.models import Area, BoundarySet, Level, Village


def box(west: float, south: float, east: float, north: float) -> MultiPolygon:
    ring = ((west, south), (east, south), (east, north), (west, north), (west, south))
    return MultiPolygon(Polygon(ring), srid=4326)


def make_area(
    boundary_set: BoundarySet, level: str, code: str, name: str, geom: MultiPolygon, parent: Area | None = None
) -> Area:
    return Area.objects.create(boundary_set=boundary_set, level=level, code=code, name=name, geom=geom, parent=parent)


def make_village(
    code: str, name: str, lon: float, lat: float, canton: Area | None, prefecture: Area, **extra
) -> Village:  # type: ignore[no-untyped-def]
    assert prefecture.parent is not None
    return Village.objects.create(
        code=code,
        name=name,
        location=Point(lon, lat, srid=4326),
        canton=canton,
        prefecture=prefecture,
        region=prefecture.parent,
        **extra,
    )


@dataclass
class World:
    boundary_set: BoundarySet
    kara: Area
    kozah: Area
    bassar: Area
    lama: Area
    tchare: Area
    villages: dict[str, Village] = field(default_factory=dict)
    chiefs: dict[str, Chief] = field(default_factory=dict)
    users: dict[str, object] = field(default_factory=dict)


def build_world() -> World:
    bset = BoundarySet.objects.create(name="Test 2019", is_active=True)
    kara = make_area(bset, Level.REGION, "TG-K", "Kara", box(0.5, 9.0, 1.5, 10.0))
    kozah = make_area(bset, Level.PREFECTURE, "KOZ", "Kozah", box(1.0, 9.3, 1.5, 9.8), kara)
    bassar = make_area(bset, Level.PREFECTURE, "BAS", "Bassar", box(0.5, 9.0, 1.0, 10.0), kara)
    lama = make_area(bset, Level.CANTON, "KOZ-C01", "Lama", box(1.0, 9.3, 1.25, 9.8), kozah)
    tchare = make_area(bset, Level.CANTON, "KOZ-C02", "Tcharé", box(1.25, 9.3, 1.5, 9.8), kozah)
    w = World(bset, kara, kozah, bassar, lama, tchare)
    w.villages["lama"] = make_village("KOZ-0001", "Lama-Tessi", 1.1, 9.5, lama, kozah, population=1200)
    w.villages["tchare"] = make_village("KOZ-0002", "Tcharé", 1.4, 9.6, tchare, kozah, population=800)
    w.villages["bassar"] = make_village("BAS-0001", "Bangéli", 0.7, 9.2, None, bassar, population=500)
    w.chiefs["lama"] = Chief.objects.create(
        full_name="Kossi Amegan", phone="+22890112233", village=w.villages["lama"], role=ChiefRole.VILLAGE_CHIEF
    )
    w.chiefs["tchare"] = Chief.objects.create(
        full_name="Essowè Kpatcha", phone="+22870112233", village=w.villages["tchare"], role=ChiefRole.CANTON_CHIEF
    )
    w.chiefs["bassar"] = Chief.objects.create(
        full_name="Yao Bawa", phone="+22899112233", village=w.villages["bassar"], role=ChiefRole.VILLAGE_CHIEF
    )
    w.users["ministry"] = make_user("ministry", Role.MINISTRY)
    w.users["kozah"] = make_user("kozah", Role.OFFICIAL, [kozah])
    w.users["bassar"] = make_user("bassar", Role.OFFICIAL, [bassar])
    w.users["nobody"] = get_user_model().objects.create_user("nobody", password=PASSWORD)
    return w


PASSWORD = "x-secret-123"


def make_user(username: str, role: str, prefectures: list[Area] | None = None):  # type: ignore[no-untyped-def]
    user = get_user_model().objects.create_user(username, password=PASSWORD)
    official = Official.objects.create(user=user, role=role)
    official.prefectures.set(prefectures or [])
    return user
