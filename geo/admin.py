"""Admin for the ground: boundary sets, areas and villages, with map widgets."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.gis.admin import GISModelAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from geo.models import Area, BoundarySet, Level, Village
from geo.widgets import LeafletWidget


class MapAdmin(GISModelAdmin):
    """GeoDjango's admin with the offline Leaflet widget instead of OpenLayers from a CDN."""

    gis_widget = LeafletWidget
    gis_widget_kwargs: dict[str, Any] = {}


class AreaLevelFilter(admin.SimpleListFilter):
    """Filter by one area of a level (active boundary set), following `field` on the listed model."""

    level: str
    field: str

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[int, str]]:
        return list(Area.objects.active().at_level(self.level).order_by("name").values_list("id", "name"))

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value():
            return queryset.filter(**{self.field: self.value()})
        return queryset


class RegionFilter(AreaLevelFilter):
    title = _("région")
    parameter_name = "region"
    level = Level.REGION
    field = "region_id"


class PrefectureFilter(AreaLevelFilter):
    title = _("préfecture")
    parameter_name = "prefecture"
    level = Level.PREFECTURE
    field = "prefecture_id"


@admin.register(BoundarySet)
class BoundarySetAdmin(admin.ModelAdmin):
    list_display = ["name", "is_active", "created_at"]
    readonly_fields = ["is_active"]  # changed with `manage.py activate_boundary_set`, atomically


@admin.register(Area)
class AreaAdmin(MapAdmin):
    list_display = ["name", "level", "code", "parent", "boundary_set"]
    list_filter = ["level", "boundary_set"]
    search_fields = ["name", "code", "alt_names"]
    list_select_related = ["parent", "boundary_set"]
    autocomplete_fields = ["parent"]


@admin.register(Village)
class VillageAdmin(MapAdmin):
    list_display = ["code", "name", "canton", "prefecture", "region", "population", "location_status"]
    list_filter = [RegionFilter, PrefectureFilter, "location_status", "location_source"]
    search_fields = ["code", "name"]
    list_select_related = ["canton", "prefecture", "region"]
    autocomplete_fields = ["canton", "prefecture", "region"]
    readonly_fields = ["created_at", "updated_at"]
