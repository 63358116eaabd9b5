from __future__ import annotations

from django.contrib import admin

from dashboards.models import ExportRecord
from evillage.admin import ReadOnlyAdmin


@admin.register(ExportRecord)
class ExportRecordAdmin(ReadOnlyAdmin):
    """The export log: read only, written by the export endpoints alone."""

    list_display = ["created_at", "username", "dataset", "file_format", "scope", "with_phones"]
    list_filter = ["dataset", "file_format", "with_phones", "created_at"]
    search_fields = ["username", "scope"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in ExportRecord._meta.fields]
