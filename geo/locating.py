"""Checking a proposed point against a village's areas: the facts a decision on a location needs."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.gis.geos import Point
from django.db import connection

from geo.models import Village


@dataclass(frozen=True)
class LocationCheck:
    inside_prefecture: bool
    inside_canton: bool | None  # None when the village has no canton
    distance_m: float  # from the village's current point, on the sphere

    @property
    def inside_areas(self) -> bool:
        """Inside the village's smallest known area (its canton, else its prefecture)."""
        return self.inside_prefecture if self.inside_canton is None else self.inside_canton


def check_location(village: Village, point: Point) -> LocationCheck:
    """Where `point` falls relative to `village`'s canton and prefecture, and how far it moves it (one query)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT ST_Covers(p.geom, pt.g),
                   CASE WHEN c.id IS NULL THEN NULL ELSE ST_Covers(c.geom, pt.g) END,
                   ST_DistanceSphere(v.location, pt.g)
            FROM geo_village v
            JOIN geo_area p ON p.id = v.prefecture_id
            LEFT JOIN geo_area c ON c.id = v.canton_id
            CROSS JOIN (SELECT ST_SetSRID(ST_MakePoint(%s, %s), 4326) AS g) pt
            WHERE v.id = %s
            """,
            [point.x, point.y, village.pk],
        )
        inside_prefecture, inside_canton, distance = cursor.fetchone()
    return LocationCheck(bool(inside_prefecture), inside_canton, float(distance))
