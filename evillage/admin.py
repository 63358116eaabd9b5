"""Admin for the domain: chiefs."""

from __future__ import annotations

from django import forms
from django.contrib import admin

from evillage.models import Chief
from evillage.phones import normalize_phone
from geo.admin import PrefectureFilter, RegionFilter


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
    readonly_fields = ["created_at", "updated_at"]
