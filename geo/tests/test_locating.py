from __future__ import annotations

import pytest
from django.contrib.gis.geos import Point

from geo.locating import check_location


def test_point_inside_the_canton(world):
    check = check_location(world.villages["lama"], Point(1.12, 9.52, srid=4326))
    assert check.inside_prefecture and check.inside_canton and check.inside_areas
    # 0.02° of latitude and longitude at 9.5° N: about 3.1 km.
    assert check.distance_m == pytest.approx(3120, rel=0.02)


def test_point_in_the_neighbouring_canton_is_outside_its_areas(world):
    check = check_location(world.villages["lama"], Point(1.4, 9.6, srid=4326))
    assert check.inside_prefecture and check.inside_canton is False and not check.inside_areas


def test_village_without_canton_is_judged_by_its_prefecture(world):
    inside = check_location(world.villages["bassar"], Point(0.8, 9.4, srid=4326))
    outside = check_location(world.villages["bassar"], Point(1.2, 9.4, srid=4326))
    assert inside.inside_canton is None and inside.inside_areas
    assert not outside.inside_areas
