"""What each API endpoint, tile and export reads: querysets that start from the jurisdiction scope.

Every function takes the caller's `Jurisdiction` first and applies it before any filter, so no parameter
(a prefecture code, a search, an ordering, a bounding box) can reach past it: filters only narrow.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Case, F, FilteredRelation, FloatField, Prefetch, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from dashboards.geojson import FeatureQuery, SimplifyPreserveTopology
from evillage.jurisdiction import Jurisdiction
from evillage.models import AreaStatistic, Chief, Indicator, LayerLevel, Report, ReportValue
from geo.models import Area, Level, Village

VILLAGE_ORDERING = {"code": "code", "name": "name", "population": "population"}
REPORT_ORDERING = {"received_at": "received_at", "period": "period", "village": "village__code"}
CHIEF_ORDERING = {"full_name": "full_name", "village": "village__code", "created_at": "created_at"}

# Default simplification tolerance per level, in degrees (0.001° ≈ 110 m): a region map needs less
# detail than a canton map. The `tolerance` parameter overrides it; 0 keeps every vertex.
TOLERANCE_BY_LEVEL: dict[str, float] = {
    LayerLevel.NATION: 0.005,
    Level.REGION: 0.003,
    Level.PREFECTURE: 0.001,
    Level.COMMUNE: 0.0003,
    Level.CANTON: 0.0003,
}


def _ordering(value: str | None, fields: Mapping[str, str], default: list[str]) -> list[str]:
    """The requested order (from a whitelist) then the primary key, so pages never overlap."""
    if not value:
        return default
    descending = value.startswith("-")
    field = fields[value.lstrip("-")]
    return [f"-{field}" if descending else field, "-pk" if descending else "pk"]


def _tolerance(level_field: str, tolerance: float | None) -> Any:
    if tolerance is not None:
        return Value(tolerance, output_field=FloatField())
    return Case(
        *(When(**{level_field: level}, then=Value(value)) for level, value in TOLERANCE_BY_LEVEL.items()),
        default=Value(0.0),
        output_field=FloatField(),
    )


def _scoped_statistics(jurisdiction: Jurisdiction, queryset: QuerySet[AreaStatistic]) -> QuerySet[AreaStatistic]:
    """Statistics of the areas the caller sees: a prefecture official never gets a region's or the nation's."""
    if jurisdiction.national:
        return queryset
    return queryset.filter(area__in=jurisdiction.areas(Area.objects.all()))


# Areas --------------------------------------------------------------------------------------------------


def areas(jurisdiction: Jurisdiction, params: Mapping[str, Any]) -> QuerySet[Area]:
    queryset = jurisdiction.areas(Area.objects.active())
    if params.get("level"):
        queryset = queryset.filter(level=params["level"])
    if params.get("parent"):
        queryset = queryset.filter(parent__code=params["parent"])
    if params.get("search"):
        queryset = queryset.filter(Q(name__icontains=params["search"]) | Q(code__icontains=params["search"]))
    return queryset.order_by("level", "code")


def area_features(jurisdiction: Jurisdiction, params: Mapping[str, Any]) -> FeatureQuery:
    return FeatureQuery(
        areas(jurisdiction, params),
        geometry=SimplifyPreserveTopology(F("geom"), _tolerance("level", params.get("tolerance"))),
        properties={"code": "code", "name": "name", "level": "level", "parent": "parent__code"},
    )


# Villages -----------------------------------------------------------------------------------------------


def villages(jurisdiction: Jurisdiction, params: Mapping[str, Any]) -> QuerySet[Village]:
    queryset = jurisdiction.scope(Village.objects.all(), "prefecture")
    for level in ("region", "prefecture", "canton"):
        if params.get(level) is not None:
            queryset = queryset.filter(**{level: params[level]})
    if params.get("commune") is not None:
        queryset = queryset.filter(location__intersects=params["commune"].geom)
    if params.get("bbox") is not None:
        queryset = queryset.filter(location__intersects=params["bbox"])
    if params.get("status"):
        queryset = queryset.filter(location_status=params["status"])
    if params.get("search"):
        queryset = queryset.filter(Q(code__icontains=params["search"]) | Q(name__icontains=params["search"]))
    indicator: Indicator | None = params.get("indicator")
    if indicator is not None:
        queryset = queryset.annotate(state=FilteredRelation("states", condition=Q(states__indicator=indicator)))
        if params.get("value") is not None:
            queryset = queryset.filter(state__value=params["value"])
        if params.get("stale") is not None:
            queryset = queryset.filter(state__is_stale=params["stale"])
        if params.get("reported") is not None:
            queryset = queryset.filter(state__isnull=not params["reported"])
    return queryset.order_by(*_ordering(params.get("ordering"), VILLAGE_ORDERING, ["code"]))


VILLAGE_PROPERTIES: dict[str, str] = {
    "code": "code",
    "name": "name",
    "region": "region__code",
    "prefecture": "prefecture__code",
    "canton": "canton__code",
    "population": "population",
    "location_status": "location_status",
    "location_source": "location_source",
}
STATE_PROPERTIES: dict[str, str] = {
    "value": "state__value",
    "period": "state__period",
    "staleness_months": "state__staleness_months",
    "is_stale": "state__is_stale",
}


def village_features(jurisdiction: Jurisdiction, params: Mapping[str, Any]) -> FeatureQuery:
    properties: dict[str, Any] = dict(VILLAGE_PROPERTIES)
    indicator: Indicator | None = params.get("indicator")
    if indicator is not None:
        properties["indicator"] = Value(indicator.key)
        properties.update(STATE_PROPERTIES)
    return FeatureQuery(villages(jurisdiction, params), geometry="location", properties=properties)


# Layers -------------------------------------------------------------------------------------------------

STATISTIC_NUMBERS = (
    "villages_expected",
    "villages_reporting",
    "villages_with_service",
    "reports_on_time",
    "population_expected",
    "population_reporting",
    "population_with_service",
    "share_villages",
    "share_population",
    "completeness",
    "timeliness",
)


def statistics(jurisdiction: Jurisdiction, **filters: Any) -> QuerySet[AreaStatistic]:
    return _scoped_statistics(jurisdiction, AreaStatistic.objects.filter(**filters))


def latest_period(jurisdiction: Jurisdiction, level: str, indicator: Indicator) -> str | None:
    queryset = statistics(jurisdiction, level=level, indicator=indicator)
    return queryset.order_by("-period").values_list("period", flat=True).first()


def layer_features(
    jurisdiction: Jurisdiction, *, level: str, indicator: Indicator, period: str, tolerance: float | None
) -> FeatureQuery:
    queryset = statistics(jurisdiction, level=level, indicator=indicator, period=period).order_by("area__code")
    properties: dict[str, Any] = {
        "level": "level",
        "code": "area__code",
        "parent": "area__parent__code",  # a canton's prefecture: the map opens its page
        "name": Coalesce(F("area__name"), Value(_("Togo"))),
        "indicator": Value(indicator.key),
        "period": "period",
        **{name: name for name in STATISTIC_NUMBERS},
        "distribution": "distribution",
        "refreshed_at": "refreshed_at",
    }
    if tolerance is None:
        tolerance = TOLERANCE_BY_LEVEL.get(level, 0.0)
    return FeatureQuery(queryset, geometry=SimplifyPreserveTopology(F("geom"), tolerance), properties=properties)


# Reports and chiefs -------------------------------------------------------------------------------------


def _by_area(queryset: QuerySet[Any], params: Mapping[str, Any], village_path: str) -> QuerySet[Any]:
    for level in ("region", "prefecture", "canton"):
        if params.get(level) is not None:
            queryset = queryset.filter(**{f"{village_path}__{level}": params[level]})
    if params.get("village"):
        queryset = queryset.filter(**{f"{village_path}__code": params["village"]})
    return queryset


def reports(jurisdiction: Jurisdiction, params: Mapping[str, Any]) -> QuerySet[Report]:
    queryset = jurisdiction.scope(Report.objects.all(), "village__prefecture")
    queryset = _by_area(queryset, params, "village")
    if params.get("period"):
        queryset = queryset.filter(period=params["period"])
    if params.get("period_from"):
        queryset = queryset.filter(period__gte=params["period_from"])
    if params.get("period_to"):
        queryset = queryset.filter(period__lte=params["period_to"])
    if params.get("indicator") is not None:
        queryset = queryset.filter(values__indicator=params["indicator"]).distinct()
    if params.get("search"):
        term = params["search"]
        queryset = queryset.filter(
            Q(village__code__icontains=term) | Q(village__name__icontains=term) | Q(chief__full_name__icontains=term)
        )
    return (
        queryset.select_related("village__prefecture", "chief")
        .prefetch_related(Prefetch("values", queryset=ReportValue.objects.select_related("indicator")))
        .order_by(*_ordering(params.get("ordering"), REPORT_ORDERING, ["-received_at", "-pk"]))
    )


def chiefs(jurisdiction: Jurisdiction, params: Mapping[str, Any]) -> QuerySet[Chief]:
    queryset = jurisdiction.scope(Chief.objects.all(), "village__prefecture")
    queryset = _by_area(queryset, params, "village")
    if params.get("status"):
        queryset = queryset.filter(status=params["status"])
    if params.get("role"):
        queryset = queryset.filter(role=params["role"])
    if params.get("search"):
        term = params["search"]
        queryset = queryset.filter(
            Q(full_name__icontains=term) | Q(phone__icontains=term) | Q(village__code__icontains=term)
        )
    return queryset.select_related("village__prefecture").order_by(
        *_ordering(params.get("ordering"), CHIEF_ORDERING, ["full_name", "pk"])
    )
