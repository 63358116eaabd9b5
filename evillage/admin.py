"""Admin for the domain: chiefs."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from evillage.models import (
    Alert,
    AreaStatistic,
    Chief,
    Indicator,
    LocationCandidate,
    Official,
    OfficialContact,
    Report,
    ReportValue,
    VillageState,
)
from evillage.phones import normalize_phone
from geo.admin import MapAdmin, PrefectureFilter, RegionFilter


class ChiefRegionFilter(RegionFilter):
    field = "village__region_id"


class ChiefPrefectureFilter(PrefectureFilter):
    field = "village__prefecture_id"


class ChiefForm(forms.ModelForm):
    class Meta:
        model = Chief
        fields = ["full_name", "phone", "role", "village", "status"]

    def clean_phone(self) -> str:
        # Accept the number as people write it (`90 12 34 56`, `0022890123456`); store E.164.
        return normalize_phone(self.cleaned_data["phone"])


@admin.register(Chief)
class ChiefAdmin(admin.ModelAdmin):
    form = ChiefForm
    list_display = ["full_name", "phone", "role", "village", "status"]
    list_filter = [ChiefRegionFilter, ChiefPrefectureFilter, "status", "role"]
    search_fields = ["full_name", "phone", "village__code", "village__name"]
    list_select_related = ["village"]
    autocomplete_fields = ["village"]
    readonly_fields = ["decided_by", "decided_at", "created_at", "updated_at"]


@admin.register(OfficialContact)
class OfficialContactAdmin(admin.ModelAdmin):
    list_display = ["name", "phone", "area", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "phone", "area__name"]
    autocomplete_fields = ["area"]


@admin.register(Official)
class OfficialAdmin(admin.ModelAdmin):
    list_display = ["user", "role"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    autocomplete_fields = ["user", "prefectures"]


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    """The catalogue: a new indicator is understood by SMS within a minute of being saved active."""

    list_display = ["card_order", "key", "keyword", "label", "kind", "scale_max", "is_active"]
    list_display_links = ["key"]
    list_filter = ["kind", "is_active"]
    search_fields = ["key", "keyword", "label"]


class ReportValueInline(admin.TabularInline):
    model = ReportValue
    fields = ["indicator", "value", "is_current"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["village", "period", "chief", "received_at", "source"]
    list_filter = ["period", ChiefRegionFilter, ChiefPrefectureFilter]
    search_fields = ["village__code", "village__name", "chief__phone"]
    list_select_related = ["village", "chief"]
    readonly_fields = ["village", "chief", "period", "population", "received_at", "source", "created_at"]
    inlines = [ReportValueInline]


@admin.register(LocationCandidate)
class LocationCandidateAdmin(MapAdmin):
    list_display = ["village", "status", "distance_m", "received_at", "decided_by"]
    list_filter = ["status"]
    search_fields = ["village__code", "village__name"]
    list_select_related = ["village", "decided_by"]
    readonly_fields = ["village", "chief", "received_at", "distance_m", "decided_by", "decided_at"]


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ["received_at", "village", "chief", "text", "handled_at"]
    list_filter = [ChiefRegionFilter, ChiefPrefectureFilter]
    search_fields = ["village__code", "village__name", "text"]
    list_select_related = ["village", "chief"]
    readonly_fields = ["chief", "village", "text", "received_at", "handled_by", "handled_at"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows that record what happened or what was computed (layers, SMS, exports): shown, never edited.

    They change through their own verbs only; the channel's and the faces' admins use this class too.
    """

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyLayerAdmin(ReadOnlyAdmin):
    """Layers are computed (`evillage.layers`): the admin shows them, never edits them."""


@admin.register(AreaStatistic)
class AreaStatisticAdmin(ReadOnlyLayerAdmin):
    list_display = [
        "period",
        "level",
        "area",
        "indicator",
        "villages_expected",
        "villages_reporting",
        "villages_with_service",
        "share_villages",
        "completeness",
        "timeliness",
        "refreshed_at",
    ]
    list_filter = ["level", "indicator", "period"]
    search_fields = ["area__name", "area__code"]
    list_select_related = ["area", "indicator"]
    exclude = ["geom"]  # a national outline would weigh down every page


@admin.register(VillageState)
class VillageStateAdmin(ReadOnlyLayerAdmin):
    list_display = ["village", "indicator", "value", "period", "staleness_months", "is_stale", "refreshed_at"]
    list_filter = ["indicator", "is_stale", "period"]
    search_fields = ["village__code", "village__name"]
    list_select_related = ["village", "indicator"]
    exclude = ["location"]
