"""`manage.py fetch_messages`: messages the webhook missed, recovered once from the provider's fetch API."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command

from sms_gateway.models import InboxMessage, InboxStatus
from sms_gateway.testing.fixtures import queued_tasks


def fetch() -> str:
    out, err = StringIO(), StringIO()
    call_command("fetch_messages", stdout=out, stderr=err)
    return out.getvalue().strip() + err.getvalue()


@pytest.mark.django_db(transaction=True)
def test_new_messages_are_stored_once_and_known_ones_skipped(fake_provider, celery_queue):
    fake_provider.page_size = 2
    ids = [
        fake_provider.add_inbound("+22890112233", "RAP EAU 1", date="2026-11-03T06:00:00.000Z"),
        fake_provider.add_inbound("+22870112233", "RAP EAU 0", date="2026-11-03T06:01:00.000Z"),
        fake_provider.add_inbound("+22899112233", "AIDE", date="2026-11-03T06:02:00.000Z"),
        fake_provider.add_inbound("+22890112233", "GPS 9.55 1.18", date="2026-11-03T06:03:00.000Z"),
        fake_provider.add_inbound("+22870112233", "ALERTE pont", date="2026-11-03T06:04:00.000Z", link_id="L1"),
    ]
    # Already received through the webhook: one under the same id, one under another id (same sender,
    # date and text), in case the fetch API numbers messages its own way.
    InboxMessage.objects.create(provider_id=str(ids[0]), sender="+22890112233", recipient="21512", text="RAP EAU 1")
    InboxMessage.objects.create(
        provider_id="ec9adc86-51d5-4bc8-8eb0-d8ab0bb53dc3",
        sender="+22899112233",
        recipient="21512",
        text="AIDE",
        provider_date=dt.datetime(2026, 11, 3, 6, 2, tzinfo=dt.UTC),
        status=InboxStatus.DONE,
    )

    assert fetch().startswith("3 new, 2 already known, 0 malformed")

    assert InboxMessage.objects.count() == 5
    alert = InboxMessage.objects.get(provider_id=str(ids[4]))
    assert (alert.sender, alert.text, alert.link_id, alert.status) == ("+22870112233", "ALERTE pont", "L1", "pending")
    assert alert.provider_date == dt.datetime(2026, 11, 3, 6, 4, tzinfo=dt.UTC)
    # Paged with lastReceivedId, three pages of two and an empty one.
    pages = [r.form.get("lastReceivedId") for r in fake_provider.requests if r.method == "GET"]
    assert pages == [None, str(ids[1]), str(ids[3]), str(ids[4])]
    # Processing queued: one drain takes every pending message, however many were recovered.
    assert queued_tasks(celery_queue) == [("sms_gateway.tasks.drain_inbox", [])]

    assert fetch().startswith("0 new, 5 already known")
    assert InboxMessage.objects.count() == 5


@pytest.mark.django_db
def test_a_malformed_fetched_message_is_skipped_and_said(fake_provider):
    fake_provider.add_inbound("not a number", "RAP EAU 1")
    fake_provider.add_inbound("+22890112233", "RAP EAU 1")

    output = fetch()

    assert output.startswith("1 new, 0 already known, 1 malformed")
    assert "Skipped malformed message 1001" in output
    assert InboxMessage.objects.get().sender == "+22890112233"
