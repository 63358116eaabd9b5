"""The channel's admin pages: read-mostly lists with search and status filters, two actions."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from sms_gateway.models import (
    DeliveryReport,
    InboxMessage,
    InboxStatus,
    OutboxMessage,
    OutboxStatus,
    QuarantinedNumber,
)


@pytest.fixture
def admin_client(client, db):  # type: ignore[no-untyped-def]
    client.force_login(get_user_model().objects.create_superuser("root", password="x-secret-123"))
    return client


@pytest.fixture
def rows(db):  # type: ignore[no-untyped-def]
    inbox = InboxMessage.objects.create(provider_id="prov-111", sender="+22890112233", recipient="21512", text="RAP")
    failed = InboxMessage.objects.create(
        provider_id="prov-222", sender="+22899112233", recipient="21512", text="XYZ", status=InboxStatus.FAILED
    )
    outbox = OutboxMessage.objects.create(
        to="+22890112233", text="Message recu.", in_reply_to=inbox, provider_message_id="ATXid_abc"
    )
    dead = OutboxMessage.objects.create(
        to="+22899112233", text="Pensez au rapport", kind="reminder", status=OutboxStatus.DEAD
    )
    DeliveryReport.objects.create(outbox=outbox, provider_id="ATXid_abc", status="Success")
    QuarantinedNumber.objects.create(phone="+22897000000", message_count=2)
    return {"inbox": inbox, "failed": failed, "outbox": outbox, "dead": dead}


@pytest.mark.parametrize("model", ["inboxmessage", "outboxmessage", "deliveryreport", "quarantinednumber"])
def test_lists_open_and_nothing_can_be_added(admin_client, rows, model):
    assert admin_client.get(f"/admin/sms_gateway/{model}/").status_code == 200
    assert admin_client.get(f"/admin/sms_gateway/{model}/add/").status_code == 403


def test_details_are_read_only(admin_client, rows):
    page = admin_client.get(f"/admin/sms_gateway/inboxmessage/{rows['inbox'].pk}/change/")
    assert page.status_code == 200
    assert b'name="text"' not in page.content and b"Message recu." in page.content  # the reply, inline
    response = admin_client.post(f"/admin/sms_gateway/inboxmessage/{rows['inbox'].pk}/change/", {"text": "changed"})
    assert response.status_code == 403
    assert admin_client.get(f"/admin/sms_gateway/outboxmessage/{rows['outbox'].pk}/change/").status_code == 200


def test_search_by_phone_and_provider_id_and_filter_by_status(admin_client, rows):
    page = admin_client.get("/admin/sms_gateway/inboxmessage/?q=90112233").content.decode()
    assert "+22890112233" in page and "+22899112233" not in page
    page = admin_client.get("/admin/sms_gateway/inboxmessage/?q=prov-222").content.decode()
    assert "+22899112233" in page and "+22890112233" not in page
    page = admin_client.get("/admin/sms_gateway/outboxmessage/?q=ATXid_abc").content.decode()
    assert "Message recu." in page and "Pensez au rapport" not in page
    page = admin_client.get("/admin/sms_gateway/inboxmessage/?status=failed").content.decode()
    assert "+22899112233" in page and "+22890112233" not in page


def test_actions_put_failed_rows_back_in_the_queue(admin_client, rows):
    admin_client.post(
        "/admin/sms_gateway/inboxmessage/",
        {"action": "retry_failed", "_selected_action": [rows["failed"].pk, rows["inbox"].pk]},
    )
    admin_client.post(
        "/admin/sms_gateway/outboxmessage/",
        {"action": "resend", "_selected_action": [rows["dead"].pk, rows["outbox"].pk]},
    )

    rows["failed"].refresh_from_db()
    rows["dead"].refresh_from_db()
    rows["outbox"].refresh_from_db()
    assert rows["failed"].status == InboxStatus.PENDING
    assert rows["dead"].status == OutboxStatus.PENDING and rows["dead"].attempts == 0
    assert rows["outbox"].status == OutboxStatus.PENDING  # created pending, untouched: not failed or dead
