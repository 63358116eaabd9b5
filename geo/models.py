"""The ground: administrative areas and villages, with the spatial lookups that place a point in them.

Knows nothing of chiefs or reports.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.contrib.gis.db import models
from django.contrib.gis.db.models.functions import Area as AreaSize
from django.contrib.gis.db.models.functions import Intersection
from django.contrib.gis.geos import MultiPolygon, Point
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class BoundarySet(models.Model):
    """One edition of the administrative map (Togo redrew its prefectures in 2017–2019).

    Exactly one set is active: lookups and new placements use it; older sets are kept so that
    what was recorded against them keeps its area.
    """

    name = models.CharField(_("nom"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("actif"), default=False)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("jeu de limites")
        verbose_name_plural = _("jeux de limites")
        ordering = ["-is_active", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=Q(is_active=True), name="geo_one_active_boundary_set"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Level(models.TextChoices):
    REGION = "region", _("Région")
    PREFECTURE = "prefecture", _("Préfecture")
    COMMUNE = "commune", _("Commune")
    CANTON = "canton", _("Canton")


# The level an area of each level sits in (communes and cantons both divide a prefecture).
PARENT_LEVEL: dict[str, str | None] = {
    Level.REGION: None,
    Level.PREFECTURE: Level.REGION,
    Level.COMMUNE: Level.PREFECTURE,
    Level.CANTON: Level.PREFECTURE,
}


class AreaQuerySet(models.QuerySet["Area"]):
    def active(self) -> AreaQuerySet:
        return self.filter(boundary_set__is_active=True)

    def at_level(self, level: str) -> AreaQuerySet:
        return self.filter(level=level)

    def containing(
        self, point: Point, level: str | None = None, boundary_set: BoundarySet | None = None
    ) -> AreaQuerySet:
        """Areas whose polygon holds `point` (in the active boundary set unless one is given).

        The test runs on the subdivided pieces of each polygon (`AreaPiece`), so a large, detailed
        polygon costs no more than a small one.
        """
        pieces = AreaPiece.objects.filter(geom__intersects=point)
        qs = self.filter(id__in=pieces.values("area_id"))
        qs = qs.filter(boundary_set=boundary_set) if boundary_set else qs.active()
        return qs.filter(level=level) if level else qs

    def locate_points(
        self, points: Sequence[tuple[float, float]], level: str, boundary_set: BoundarySet | None = None
    ) -> list[int | None]:
        """For each (lon, lat), the id of the area of `level` holding it, or None: one set-based query.

        Where a point lies on a shared border the area with the smallest id wins, so that the
        answer does not depend on the query plan.
        """
        if not points:
            return []
        set_id = boundary_set.pk if boundary_set else BoundarySet.objects.get(is_active=True).pk
        lons = [p[0] for p in points]
        lats = [p[1] for p in points]
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT DISTINCT ON (p.i) p.i, a.id
                FROM unnest(%s::float8[], %s::float8[]) WITH ORDINALITY AS p(lon, lat, i)
                JOIN geo_areapiece ap
                  ON ST_Intersects(ap.geom, ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326))
                JOIN geo_area a ON a.id = ap.area_id AND a.level = %s AND a.boundary_set_id = %s
                ORDER BY p.i, a.id
                """,
                [lons, lats, level, set_id],
            )
            found = dict(cursor.fetchall())
        return [found.get(i) for i in range(1, len(points) + 1)]

    def nearest_to_points(
        self, points: Sequence[tuple[float, float]], level: str, boundary_set: BoundarySet | None = None
    ) -> list[int | None]:
        """For each (lon, lat), the id of the nearest area of `level` (for points outside them all): one query."""
        if not points:
            return []
        set_id = boundary_set.pk if boundary_set else BoundarySet.objects.get(is_active=True).pk
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT p.i, nearest.area_id
                FROM unnest(%s::float8[], %s::float8[]) WITH ORDINALITY AS p(lon, lat, i)
                CROSS JOIN LATERAL (
                    SELECT ap.area_id
                    FROM geo_areapiece ap
                    JOIN geo_area a ON a.id = ap.area_id AND a.level = %s AND a.boundary_set_id = %s
                    ORDER BY ap.geom <-> ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326), ap.area_id
                    LIMIT 1
                ) AS nearest
                """,
                [[p[0] for p in points], [p[1] for p in points], level, set_id],
            )
            found = dict(cursor.fetchall())
        return [found.get(i) for i in range(1, len(points) + 1)]

    def most_overlapping(self, geom: MultiPolygon) -> Area | None:
        """The area of this queryset that shares the largest surface with `geom` (ties: the smallest id)."""
        return (
            self.filter(geom__intersects=geom)
            .annotate(shared=AreaSize(Intersection("geom", geom)))
            .defer("geom")
            .order_by("-shared", "id")
            .first()
        )


class Area(models.Model):
    """A region, prefecture, commune or canton of one boundary set."""

    boundary_set = models.ForeignKey(
        BoundarySet, on_delete=models.PROTECT, related_name="areas", verbose_name=_("jeu de limites")
    )
    level = models.CharField(_("niveau"), max_length=16, choices=Level.choices)
    code = models.CharField(_("code"), max_length=64)
    name = models.CharField(_("nom"), max_length=200)
    alt_names = ArrayField(
        models.CharField(max_length=200), default=list, blank=True, verbose_name=_("autres graphies")
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("zone parente"),
    )
    geom = models.MultiPolygonField(_("limites"), srid=4326)

    objects = AreaQuerySet.as_manager()

    class Meta:
        verbose_name = _("zone administrative")
        verbose_name_plural = _("zones administratives")
        ordering = ["level", "name"]
        constraints = [
            models.UniqueConstraint(fields=["boundary_set", "level", "code"], name="geo_area_code_unique_in_set"),
        ]
        indexes = [models.Index(fields=["level", "boundary_set"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_level_display()})"

    def clean(self) -> None:
        expected = PARENT_LEVEL.get(self.level)
        if self.parent_id is None:
            return
        if expected is None:
            raise ValidationError({"parent": _("Une région n'a pas de zone parente.")})
        if self.parent.level != expected:
            raise ValidationError({"parent": _("La zone parente doit être de niveau %(level)s.") % {"level": expected}})

    def all_names(self) -> Iterable[str]:
        yield self.name
        yield from self.alt_names


class AreaPiece(models.Model):
    """A small piece of an area's polygon (ST_Subdivide), kept by a database trigger.

    Point-in-polygon tests on these pieces stay fast however detailed the border is.
    """

    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="pieces")
    geom = models.PolygonField(srid=4326)

    class Meta:
        verbose_name = _("morceau de zone")


class LocationSource(models.TextChoices):
    SMS_GPS = "sms_gps", _("GPS envoyé par SMS")
    IMPORT = "import", _("Import")
    GAZETTEER = "gazetteer", _("Répertoire de lieux")
    CENTROID = "centroid", _("Centre de la zone")


class LocationStatus(models.TextChoices):
    VERIFIED = "verified", _("Vérifiée")  # confirmed inside its areas (GPS on site, or an official)
    UNVERIFIED = "unverified", _("Non vérifiée")  # plausible, not yet confirmed
    CONFLICT = "conflict", _("En conflit")  # disagrees with its declared areas: waits in the review queue


class Village(models.Model):
    """The smallest administrative unit: a point, a code printed on the chief's card, and its areas.

    The prefecture and region are always set and agree with the canton (when there is one):
    `geo.services.place_village` keeps them consistent.
    """

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("nom"), max_length=200)
    location = models.PointField(_("position"), srid=4326)
    canton = models.ForeignKey(
        Area,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="canton_villages",
        limit_choices_to={"level": Level.CANTON},
        verbose_name=_("canton"),
    )
    prefecture = models.ForeignKey(
        Area,
        on_delete=models.PROTECT,
        related_name="prefecture_villages",
        limit_choices_to={"level": Level.PREFECTURE},
        verbose_name=_("préfecture"),
    )
    region = models.ForeignKey(
        Area,
        on_delete=models.PROTECT,
        related_name="region_villages",
        limit_choices_to={"level": Level.REGION},
        verbose_name=_("région"),
    )
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    location_source = models.CharField(
        _("origine de la position"), max_length=16, choices=LocationSource.choices, default=LocationSource.IMPORT
    )
    location_status = models.CharField(
        _("état de la position"), max_length=16, choices=LocationStatus.choices, default=LocationStatus.UNVERIFIED
    )
    location_note = models.CharField(_("remarque sur la position"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        verbose_name = _("village")
        verbose_name_plural = _("villages")
        ordering = ["code"]
        indexes = [models.Index(fields=["prefecture", "location_status"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def clean(self) -> None:
        errors = {}
        if self.canton_id and self.prefecture_id and self.canton.parent_id != self.prefecture_id:
            errors["canton"] = _("Ce canton n'est pas dans la préfecture du village.")
        if self.prefecture_id and self.region_id and self.prefecture.parent_id != self.region_id:
            errors["prefecture"] = _("Cette préfecture n'est pas dans la région du village.")
        if errors:
            raise ValidationError(errors)
