"""Admin for the channel: read-mostly views of every SMS in and out, with the two actions a person needs."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from evillage.admin import ReadOnlyAdmin
from sms_gateway import inbox, outbox
from sms_gateway.models import DeliveryReport, InboxMessage, OutboxMessage, QuarantinedNumber


class OutboxInline(admin.TabularInline):
    model = OutboxMessage
    fk_name = "in_reply_to"
    fields = ["to", "text", "status", "provider_status", "sent_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(InboxMessage)
class InboxMessageAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "sender", "short_text", "status", "chief", "attempts"]
    list_filter = ["status", "received_at"]
    search_fields = ["sender", "provider_id", "text"]
    list_select_related = ["chief"]
    date_hierarchy = "received_at"
    inlines = [OutboxInline]
    actions = ["retry_failed"]

    @admin.display(description=_("texte"))
    def short_text(self, obj: InboxMessage) -> str:
        return obj.text[:60]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Read-only detail page, but the action needs the permission on the list.
        return obj is None and super(ReadOnlyAdmin, self).has_change_permission(request, obj)

    @admin.action(description=_("Traiter à nouveau les messages en échec"), permissions=["change"])
    def retry_failed(self, request: HttpRequest, queryset: QuerySet[InboxMessage]) -> None:
        count = inbox.retry_failed(list(queryset.values_list("pk", flat=True)))
        self.message_user(
            request, ngettext("%d message remis en file.", "%d messages remis en file.", count) % count, messages.INFO
        )


class DeliveryReportInline(admin.TabularInline):
    model = DeliveryReport
    fields = ["received_at", "status", "failure_reason", "network_code"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "to", "kind", "short_text", "status", "provider_status", "attempts", "cost"]
    list_filter = ["status", "kind", "created_at"]
    search_fields = ["to", "provider_message_id", "text"]
    raw_id_fields = ["in_reply_to"]
    date_hierarchy = "created_at"
    inlines = [DeliveryReportInline]
    actions = ["resend"]

    @admin.display(description=_("texte"))
    def short_text(self, obj: OutboxMessage) -> str:
        return obj.text[:60]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super(ReadOnlyAdmin, self).has_change_permission(request, obj)

    @admin.action(description=_("Renvoyer les messages en échec ou abandonnés"), permissions=["change"])
    def resend(self, request: HttpRequest, queryset: QuerySet[OutboxMessage]) -> None:
        count = outbox.resend(list(queryset.values_list("pk", flat=True)))
        self.message_user(
            request, ngettext("%d message remis en file.", "%d messages remis en file.", count) % count, messages.INFO
        )


@admin.register(DeliveryReport)
class DeliveryReportAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "provider_id", "status", "failure_reason", "network_code", "outbox"]
    list_filter = ["status", "failure_reason"]
    search_fields = ["provider_id", "phone"]
    list_select_related = ["outbox"]


@admin.register(QuarantinedNumber)
class QuarantinedNumberAdmin(ReadOnlyAdmin):
    list_display = ["phone", "first_seen_at", "last_seen_at", "message_count", "last_hint_at"]
    search_fields = ["phone"]
    date_hierarchy = "last_seen_at"
