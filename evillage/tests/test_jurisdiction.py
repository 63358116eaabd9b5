from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from evillage.jurisdiction import jurisdiction_of
from evillage.models import Chief
from geo.models import Area, Village


def names(queryset):
    return sorted(str(getattr(row, "code", row.pk)) for row in queryset)


def test_the_ministry_sees_the_nation(world):
    scope = jurisdiction_of(world.users["ministry"])
    assert scope.national
    assert scope.scope(Village.objects.all(), "prefecture").count() == 3
    assert scope.areas(Area.objects.all()).count() == 5


def test_an_official_sees_their_prefecture_and_what_is_inside(world):
    scope = jurisdiction_of(world.users["kozah"])
    assert names(scope.scope(Village.objects.all(), "prefecture")) == ["KOZ-0001", "KOZ-0002"]
    assert names(scope.areas(Area.objects.all())) == ["KOZ", "KOZ-C01", "KOZ-C02"]
    assert scope.scope(Chief.objects.all(), "village__prefecture").count() == 2
    assert scope.covers_prefecture(world.kozah.pk) and not scope.covers_prefecture(world.bassar.pk)


def test_the_region_around_an_official_is_not_theirs(world):
    scope = jurisdiction_of(world.users["bassar"])
    assert world.kara not in scope.areas(Area.objects.all())
    assert names(scope.scope(Village.objects.all(), "prefecture")) == ["BAS-0001"]


def test_anyone_else_sees_nothing(world):
    for user in (world.users["nobody"], AnonymousUser(), None):
        scope = jurisdiction_of(user)
        assert scope.is_empty
        assert not scope.scope(Village.objects.all(), "prefecture").exists()
        assert not scope.areas(Area.objects.all()).exists()


def test_an_inactive_user_sees_nothing(world):
    user = world.users["ministry"]
    user.is_active = False
    assert jurisdiction_of(user).is_empty
