from __future__ import annotations

from django.contrib.gis.geos import MultiPolygon, Point, Polygon

from geo.models import Area, AreaPiece, BoundarySet, Level
from tests.builders import make_area


def test_containing_finds_each_level_of_a_point(world):
    point = Point(1.1, 9.5, srid=4326)
    assert set(Area.objects.containing(point).values_list("name", flat=True)) == {"Kara", "Kozah", "Lama"}
    assert list(Area.objects.containing(point, level=Level.CANTON)) == [world.lama]


def test_containing_outside_every_area_is_empty(world):
    assert not Area.objects.containing(Point(3.0, 9.5, srid=4326)).exists()


def test_containing_ignores_inactive_boundary_sets_unless_asked(world):
    old = BoundarySet.objects.create(name="2017", is_active=False)
    old_pref = make_area(old, Level.PREFECTURE, "KOZ", "Kozah 2017", world.kozah.geom, world.kara)
    point = Point(1.1, 9.5, srid=4326)
    assert old_pref not in Area.objects.containing(point, level=Level.PREFECTURE)
    assert list(Area.objects.containing(point, level=Level.PREFECTURE, boundary_set=old)) == [old_pref]


def test_detailed_polygon_is_subdivided_and_still_answers(world):
    # A 2,000-vertex circle: the trigger cuts it into pieces of at most 128 vertices.
    circle = Point(0.8, 9.5, srid=4326).buffer(0.1, quadsegs=500)
    area = make_area(world.boundary_set, Level.COMMUNE, "C1", "Cercle", MultiPolygon(circle), world.bassar)
    assert AreaPiece.objects.filter(area=area).count() > 10
    assert list(Area.objects.containing(Point(0.8, 9.5, srid=4326), level=Level.COMMUNE)) == [area]
    assert not Area.objects.containing(Point(0.8, 9.65, srid=4326), level=Level.COMMUNE).exists()


def test_pieces_follow_a_changed_geometry(world):
    world.lama.geom = MultiPolygon(Polygon(((1.0, 9.3), (1.1, 9.3), (1.1, 9.4), (1.0, 9.4), (1.0, 9.3))), srid=4326)
    world.lama.save()
    assert not Area.objects.containing(Point(1.2, 9.5, srid=4326), level=Level.CANTON).exists()
    assert list(Area.objects.containing(Point(1.05, 9.35, srid=4326), level=Level.CANTON)) == [world.lama]


def test_locate_points_answers_in_order_with_none_outside(world):
    found = Area.objects.locate_points([(1.4, 9.6), (5.0, 5.0), (1.1, 9.5)], Level.CANTON)
    assert found == [world.tchare.id, None, world.lama.id]
