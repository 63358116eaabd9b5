"""Query parameters, parsed at the edge: every endpoint's parameters are a serializer, so a bad value is a
clear 400 (and the OpenAPI schema lists them), and an unknown parameter is refused rather than ignored — a
misspelt filter must not silently return everything.
"""

from __future__ import annotations

import math
from typing import Any

from django.contrib.gis.geos import Polygon
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from evillage.models import ChiefRole, ChiefStatus, Indicator, LayerLevel
from evillage.periods import parse_period
from geo.models import Area, Level, LocationStatus

# Parameters DRF itself reads: the format suffix and pagination.
FRAMEWORK_PARAMETERS = frozenset({"format", "page", "page_size"})

MAX_TOLERANCE = 0.1


class QueryParameters(serializers.Serializer):
    """Base: refuses parameters it does not know."""

    extra_parameters: frozenset[str] = FRAMEWORK_PARAMETERS

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        errors = {name: [_("Paramètre inconnu.")] for name in sorted(set(data) - set(self.fields))}
        errors = {name: message for name, message in errors.items() if name not in self.extra_parameters}
        try:
            values = super().to_internal_value(data)
        except serializers.ValidationError as invalid:
            raise serializers.ValidationError({**errors, **invalid.detail}) from invalid
        if errors:
            raise serializers.ValidationError(errors)
        return values


class PeriodField(serializers.CharField):
    default_error_messages = {"period": _("Mois invalide : « {value} » (attendu AAAA-MM, ex. 2024-05).")}

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        try:
            parse_period(value)
        except ValueError:
            self.fail("period", value=value)
        return value


class IndicatorField(serializers.CharField):
    """An indicator of the catalogue, by its key (`water`, `network`…)."""

    default_error_messages = {"unknown": _("Indicateur inconnu : « {value} ».")}

    def to_internal_value(self, data: Any) -> Indicator:
        key = super().to_internal_value(data)
        indicator = Indicator.objects.filter(key=key).first()
        if indicator is None:
            self.fail("unknown", value=key)
        return indicator


class AreaCodeField(serializers.CharField):
    """An area of the active boundary set at one level, by its code (`KOZ`, `TG-K`…).

    Codes are public (the administrative map is): resolving one outside the caller's jurisdiction is no leak,
    and the jurisdiction scope still applies to whatever is filtered by it.
    """

    default_error_messages = {"unknown": _("Zone inconnue à ce niveau : « {value} ».")}

    def __init__(self, level: str, **kwargs: Any) -> None:
        self.level = level
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Area:
        code = super().to_internal_value(data)
        area = Area.objects.active().filter(level=self.level, code=code).first()
        if area is None:
            self.fail("unknown", value=code)
        return area


class BBoxField(serializers.CharField):
    """`west,south,east,north` in degrees (WGS 84)."""

    default_error_messages = {
        "malformed": _("bbox invalide : attendu ouest,sud,est,nord en degrés (ex. 0.5,9.0,1.5,10.0)."),
    }

    def to_internal_value(self, data: Any) -> Polygon:
        text = super().to_internal_value(data)
        try:
            west, south, east, north = (float(part) for part in text.split(","))
        except ValueError:
            self.fail("malformed")
        if not all(math.isfinite(v) for v in (west, south, east, north)):
            self.fail("malformed")
        if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
            self.fail("malformed")
        return Polygon.from_bbox((west, south, east, north))


class ToleranceField(serializers.FloatField):
    default_error_messages = {
        "range": _("Tolérance invalide : un nombre de degrés entre 0 et {max} (ex. 0.001)."),
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, **kwargs)

    def to_internal_value(self, data: Any) -> float:
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError:
            self.fail("range", max=MAX_TOLERANCE)
        if not math.isfinite(value) or not 0 <= value <= MAX_TOLERANCE:
            self.fail("range", max=MAX_TOLERANCE)
        return value


def ordering_field(*names: str) -> serializers.ChoiceField:
    choices = [n for name in names for n in (name, f"-{name}")]
    return serializers.ChoiceField(choices=choices, required=False, help_text=_("Tri : un champ, - pour décroissant."))


class AreaQuery(QueryParameters):
    level = serializers.ChoiceField(choices=Level.choices, required=False, help_text=_("Niveau des zones."))
    parent = serializers.CharField(required=False, help_text=_("Code de la zone parente."))
    search = serializers.CharField(required=False, help_text=_("Nom ou code contenant ce texte."))
    tolerance = ToleranceField(help_text=_("Simplification en degrés (défaut selon le niveau ; 0 : aucune)."))


class VillageQuery(QueryParameters):
    region = AreaCodeField(Level.REGION, required=False, help_text=_("Code de région."))
    prefecture = AreaCodeField(Level.PREFECTURE, required=False, help_text=_("Code de préfecture."))
    commune = AreaCodeField(Level.COMMUNE, required=False, help_text=_("Code de commune."))
    canton = AreaCodeField(Level.CANTON, required=False, help_text=_("Code de canton."))
    bbox = BBoxField(required=False, help_text=_("ouest,sud,est,nord en degrés."))
    status = serializers.ChoiceField(
        choices=LocationStatus.choices, required=False, help_text=_("État de la position.")
    )
    search = serializers.CharField(required=False, help_text=_("Nom ou code contenant ce texte."))
    indicator = IndicatorField(required=False, help_text=_("Ajoute le dernier état connu de cet indicateur."))
    value = serializers.IntegerField(
        required=False, min_value=0, help_text=_("Avec indicator : villages dont la dernière valeur est celle-ci.")
    )
    stale = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text=_("Avec indicator : valeur périmée ou non.")
    )
    reported = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_("Avec indicator : villages ayant (true) ou n'ayant jamais (false) donné une valeur."),
    )
    ordering = ordering_field("code", "name", "population")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        state_filters = [name for name in ("value", "stale", "reported") if attrs.get(name) is not None]
        if state_filters and attrs.get("indicator") is None:
            raise serializers.ValidationError({state_filters[0]: [_("Précisez aussi indicator.")]})
        return attrs


class LayerQuery(QueryParameters):
    level = serializers.ChoiceField(
        choices=LayerLevel.choices, default=LayerLevel.PREFECTURE, help_text=_("Niveau des zones.")
    )
    indicator = IndicatorField(help_text=_("Clé de l'indicateur (water, electricity, network…)."))
    period = PeriodField(required=False, help_text=_("Mois AAAA-MM (défaut : le dernier calculé)."))
    tolerance = ToleranceField(help_text=_("Simplification en degrés (défaut selon le niveau ; 0 : aucune)."))


class ReportQuery(QueryParameters):
    region = AreaCodeField(Level.REGION, required=False)
    prefecture = AreaCodeField(Level.PREFECTURE, required=False)
    canton = AreaCodeField(Level.CANTON, required=False)
    village = serializers.CharField(required=False, help_text=_("Code du village."))
    period = PeriodField(required=False, help_text=_("Mois AAAA-MM."))
    period_from = PeriodField(required=False, help_text=_("Depuis ce mois (inclus)."))
    period_to = PeriodField(required=False, help_text=_("Jusqu'à ce mois (inclus)."))
    indicator = IndicatorField(required=False, help_text=_("Rapports donnant une valeur pour cet indicateur."))
    search = serializers.CharField(required=False, help_text=_("Code ou nom du village, nom du chef."))
    ordering = ordering_field("received_at", "period", "village")


class ChiefQuery(QueryParameters):
    region = AreaCodeField(Level.REGION, required=False)
    prefecture = AreaCodeField(Level.PREFECTURE, required=False)
    canton = AreaCodeField(Level.CANTON, required=False)
    village = serializers.CharField(required=False, help_text=_("Code du village."))
    status = serializers.ChoiceField(choices=ChiefStatus.choices, required=False)
    role = serializers.ChoiceField(choices=ChiefRole.choices, required=False)
    search = serializers.CharField(required=False, help_text=_("Nom, téléphone ou code du village."))
    ordering = ordering_field("full_name", "village", "created_at")


class ExportQuery(QueryParameters):
    sep = serializers.ChoiceField(
        choices=[",", ";"], default=",", help_text=_("CSV : séparateur ; « ; » pour Excel en français.")
    )
    decimal = serializers.ChoiceField(
        choices=[".", ","], default=".", help_text=_("CSV : virgule décimale (avec sep=;).")
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["decimal"] == "," and attrs["sep"] != ";":
            raise serializers.ValidationError({"decimal": [_("La virgule décimale demande sep=;.")]})
        return attrs


class StatisticsExportQuery(ExportQuery):
    level = serializers.ChoiceField(choices=LayerLevel.choices, required=False, help_text=_("Un seul niveau."))
    indicator = IndicatorField(required=False, help_text=_("Un seul indicateur."))
    period = PeriodField(required=False, help_text=_("Un seul mois AAAA-MM (défaut : tous)."))
    period_from = PeriodField(required=False, help_text=_("Depuis ce mois (inclus)."))
    period_to = PeriodField(required=False, help_text=_("Jusqu'à ce mois (inclus)."))


class VillageExportQuery(ExportQuery):
    region = AreaCodeField(Level.REGION, required=False)
    prefecture = AreaCodeField(Level.PREFECTURE, required=False)
    canton = AreaCodeField(Level.CANTON, required=False)
    status = serializers.ChoiceField(choices=LocationStatus.choices, required=False)
