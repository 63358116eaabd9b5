from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from dashboards.models import ExportRecord


@admin.register(ExportRecord)
class ExportRecordAdmin(admin.ModelAdmin):
    """The export log: read only, written by the export endpoints alone."""

    list_display = ["created_at", "username", "dataset", "file_format", "scope", "with_phones"]
    list_filter = ["dataset", "file_format", "with_phones", "created_at"]
    search_fields = ["username", "scope"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in ExportRecord._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
