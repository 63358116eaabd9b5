"""Africa's Talking's callbacks replayed against the real URLs, then the database checked.

Payload shapes: shared/reference/africastalking.md §1–2 (courier's captured example for the inbound one).
"""

from __future__ import annotations

import datetime as dt
import socket
import threading
import time
from urllib.parse import urlencode

import pytest
import requests
from django.db import connection

from sms_gateway import tasks
from sms_gateway.models import DeliveryReport, InboxMessage, InboxStatus, OutboxMessage, OutboxStatus
from sms_gateway.tasks import drain_inbox, sweep_stuck_messages
from sms_gateway.testing.fixtures import TOKEN, queued_tasks
from sms_gateway.testing.redis_server import free_port
from sms_gateway.testing.worker import use_broker

INBOUND = f"/sms/at/inbound/{TOKEN}/"
DELIVERY = f"/sms/at/delivery/{TOKEN}/"

# courier handler_test.go, with a Togo number.
CAPTURED = {
    "linkId": "03090445075804249226",
    "text": "RAP EAU 1 ELEC 0",
    "to": "21512",
    "id": "ec9adc86-51d5-4bc8-8eb0-d8ab0bb53dc3",
    "date": "2017-05-03T06:04:45Z",
    "from": "+22890112233",
}


def post(client, url, data, **extra):  # type: ignore[no-untyped-def]
    return client.post(url, urlencode(data), content_type="application/x-www-form-urlencoded", **extra)


# --- inbound ---


@pytest.mark.django_db
def test_inbound_sms_is_stored_raw_and_acknowledged(client):
    response = post(client, INBOUND, {**CAPTURED, "networkCode": "61501", "cost": "XOF 0.0000"})

    assert response.status_code == 200
    assert response.json() == {"status": "accepted"}
    message = InboxMessage.objects.get()
    assert (message.provider_id, message.sender, message.recipient, message.text) == (
        "ec9adc86-51d5-4bc8-8eb0-d8ab0bb53dc3",
        "+22890112233",
        "21512",
        "RAP EAU 1 ELEC 0",
    )
    assert message.provider_date == dt.datetime(2017, 5, 3, 6, 4, 45, tzinfo=dt.UTC)
    assert (message.link_id, message.network_code, message.cost) == ("03090445075804249226", "61501", "XOF 0.0000")
    assert message.status == InboxStatus.PENDING and message.attempts == 0 and message.parse_result is None


@pytest.mark.django_db
def test_inbound_date_with_a_space_and_no_optional_fields(client):
    payload = {k: v for k, v in CAPTURED.items() if k != "linkId"} | {"date": "2017-05-03 06:04:45"}

    assert post(client, INBOUND, payload).status_code == 200

    message = InboxMessage.objects.get()
    assert message.provider_date == dt.datetime(2017, 5, 3, 6, 4, 45, tzinfo=dt.UTC)
    assert (message.link_id, message.network_code, message.cost) == ("", "", "")


@pytest.mark.django_db
def test_an_empty_text_is_a_message(client):
    assert post(client, INBOUND, {**CAPTURED, "text": ""}).status_code == 200
    assert InboxMessage.objects.get().text == ""


@pytest.mark.django_db
def test_text_is_kept_as_it_came_up_to_2000_characters(client):
    text = "  RAP " + "EAU 1 " * 332  # spaces kept; longer than the protocol's 640, the parser's concern
    assert len(text) <= 2000
    assert post(client, INBOUND, {**CAPTURED, "text": text}).status_code == 200
    assert InboxMessage.objects.get().text == text


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["from", "to", "text", "date", "id"])
def test_a_missing_field_is_refused_with_its_name_and_nothing_is_stored(client, field):
    response = post(client, INBOUND, {k: v for k, v in CAPTURED.items() if k != field})

    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert not InboxMessage.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("text", "x" * 2001),
        ("text", "RAP EAU\x001"),  # PostgreSQL refuses NUL in text: a 400 here, not a 503 from the INSERT
        ("id", "i" * 101),
        ("from", "+228" + "9" * 30),
        ("from", "Robert'); DROP TABLE"),
        ("date", "03/05/2017 06:04"),
        ("date", "2017-02-30 06:04:45"),
        ("networkCode", "6" * 17),
    ],
)
def test_an_oversized_or_unreadable_field_is_refused(client, field, value):
    response = post(client, INBOUND, {**CAPTURED, field: value})

    assert response.status_code == 400
    assert list(response.json()["fields"]) == [field]
    assert not InboxMessage.objects.exists()


@pytest.mark.django_db
def test_every_wrong_field_is_named_in_one_answer_and_logged(client, caplog):
    response = post(client, INBOUND, {**CAPTURED, "from": "Robert", "date": "hier", "id": ""})

    assert response.status_code == 400
    assert sorted(response.json()["fields"]) == ["date", "from", "id"]
    assert "Malformed inbound callback" in caplog.text and "from: Numéro de téléphone illisible." in caplog.text
    assert not InboxMessage.objects.exists()


@pytest.mark.django_db
def test_a_body_over_the_cap_is_refused_before_being_read(client, settings):
    settings.SMS_WEBHOOK_MAX_BYTES = 1024
    response = post(client, INBOUND, {**CAPTURED, "padding": "p" * 2000})
    assert response.status_code == 413
    assert not InboxMessage.objects.exists()


@pytest.mark.django_db
def test_a_wrong_token_is_not_found(client):
    for url in ["/sms/at/inbound/wrong-token/", "/sms/at/inbound/test-token-012345678/", "/sms/at/delivery/x/"]:
        assert post(client, url, CAPTURED).status_code == 404
    assert not InboxMessage.objects.exists()


@pytest.mark.django_db
def test_an_empty_configured_token_opens_nothing(client, settings):
    settings.AFRICASTALKING_WEBHOOK_TOKEN = ""
    assert post(client, "/sms/at/inbound//", CAPTURED).status_code == 404
    assert post(client, INBOUND, CAPTURED).status_code == 404


@pytest.mark.django_db
def test_only_post_is_allowed(client):
    assert client.get(INBOUND).status_code == 405
    assert client.put(INBOUND).status_code == 405
    assert client.get(DELIVERY).status_code == 405


@pytest.mark.django_db
def test_ip_allow_list(client, settings):
    settings.AFRICASTALKING_ALLOWED_IPS = ["164.177.141.82", "10.0.0.0/8"]

    assert post(client, INBOUND, CAPTURED, REMOTE_ADDR="192.0.2.7").status_code == 403
    assert not InboxMessage.objects.exists()
    assert post(client, INBOUND, CAPTURED, REMOTE_ADDR="10.20.30.40").status_code == 200
    assert post(client, INBOUND, {**CAPTURED, "id": "2"}, REMOTE_ADDR="164.177.141.82").status_code == 200
    assert InboxMessage.objects.count() == 2


@pytest.mark.django_db
def test_behind_a_trusted_proxy_the_allow_list_reads_the_providers_address(client, settings):
    settings.AFRICASTALKING_ALLOWED_IPS = ["164.177.141.82"]
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    proxied = {"REMOTE_ADDR": "10.0.0.1"}
    assert post(client, INBOUND, CAPTURED, HTTP_X_FORWARDED_FOR="192.0.2.7", **proxied).status_code == 403
    assert post(client, INBOUND, CAPTURED, HTTP_X_FORWARDED_FOR="164.177.141.82", **proxied).status_code == 200
    # From anyone but the proxy, the header is not believed.
    forged = {"REMOTE_ADDR": "192.0.2.7", "HTTP_X_FORWARDED_FOR": "164.177.141.82"}
    assert post(client, INBOUND, {**CAPTURED, "id": "2"}, **forged).status_code == 403
    assert InboxMessage.objects.count() == 1


@pytest.mark.django_db
def test_duplicate_provider_id_is_acknowledged_and_ignored(client):
    assert post(client, INBOUND, CAPTURED).json() == {"status": "accepted"}
    first = InboxMessage.objects.get()

    again = post(client, INBOUND, {**CAPTURED, "text": "something else", "date": "2030-01-01 00:00:00"})

    assert again.status_code == 200 and again.json() == {"status": "duplicate"}
    assert list(InboxMessage.objects.values_list("pk", "text")) == [(first.pk, "RAP EAU 1 ELEC 0")]


@pytest.mark.django_db(transaction=True)
def test_concurrent_deliveries_of_one_id_store_one_row(live_server):
    url = live_server.url + INBOUND
    barrier = threading.Barrier(12)
    answers: list[int] = []

    def deliver() -> None:
        barrier.wait()
        answers.append(requests.post(url, data=CAPTURED, timeout=30).status_code)

    threads = [threading.Thread(target=deliver) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert answers == [200] * 12
    assert InboxMessage.objects.filter(provider_id=CAPTURED["id"]).count() == 1


@pytest.mark.django_db(transaction=True)
def test_processing_is_queued_once_the_row_is_committed(client, celery_queue):
    post(client, INBOUND, CAPTURED)
    assert queued_tasks(celery_queue) == [("sms_gateway.tasks.drain_inbox", [])]

    post(client, INBOUND, CAPTURED)  # the duplicate queues nothing
    post(client, INBOUND, {**CAPTURED, "id": "another"})  # the drain already due will take it

    assert queued_tasks(celery_queue) == [("sms_gateway.tasks.drain_inbox", [])]
    assert InboxMessage.objects.filter(status=InboxStatus.PENDING).count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_message_arriving_once_a_drain_has_started_queues_another_drain(client, celery_queue):
    post(client, INBOUND, CAPTURED)
    drain_inbox()  # as a worker would: drops the flag, then handles what is pending

    post(client, INBOUND, {**CAPTURED, "id": "after-the-drain"})

    drains = [task for task in queued_tasks(celery_queue) if task[0] == "sms_gateway.tasks.drain_inbox"]
    assert len(drains) == 2  # the second message does not wait for the sweeper


@pytest.mark.django_db(transaction=True)
def test_database_down_answers_503(client):
    closed = free_port()
    saved = connection.settings_dict["PORT"], connection.settings_dict["HOST"]
    connection.close()
    connection.settings_dict.update(PORT=str(closed), HOST="127.0.0.1")
    try:
        response = post(client, INBOUND, CAPTURED)
    finally:
        connection.close()
        connection.settings_dict.update(PORT=saved[0], HOST=saved[1])

    assert response.status_code == 503
    assert response.headers["Retry-After"]
    assert not InboxMessage.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_broker_down_still_answers_200_and_the_sweeper_queues_the_row_later(client, celery_queue, settings):
    with use_broker(f"redis://127.0.0.1:{free_port()}/0", celery_queue):
        response = post(client, INBOUND, CAPTURED)
    assert response.status_code == 200
    message = InboxMessage.objects.get()
    assert message.status == InboxStatus.PENDING
    assert queued_tasks(celery_queue) == []

    settings.SMS_SWEEP_AFTER_SECONDS = 3600
    assert sweep_stuck_messages()["inbox_requeued"] == 0  # too recent: the first publish may still arrive
    settings.SMS_SWEEP_AFTER_SECONDS = 0
    assert sweep_stuck_messages()["inbox_requeued"] == 1

    assert queued_tasks(celery_queue) == [("sms_gateway.tasks.drain_inbox", [])]


@pytest.mark.django_db(transaction=True)
def test_a_broker_that_never_answers_costs_the_answer_a_moment_not_the_row(client, celery_queue):
    # Listening, so the connection is made (the kernel's backlog), but never read from nor answered.
    silent = socket.create_server(("127.0.0.1", 0))
    with silent, use_broker(f"redis://127.0.0.1:{silent.getsockname()[1]}/0", celery_queue):
        started = time.monotonic()
        response = post(client, INBOUND, CAPTURED)
        waited = time.monotonic() - started
    assert response.status_code == 200
    assert InboxMessage.objects.get().status == InboxStatus.PENDING  # for the sweeper, as with a broker down
    assert waited < tasks.BROKER_ANSWER_SECONDS + 2  # bounded by the wake-up's timeout, not Redis's default


# --- delivery reports ---


def _sent(provider_id: str = "ATXid_1", **fields: object) -> OutboxMessage:
    return OutboxMessage.objects.create(
        to="+22890112233", text="Message recu.", status=OutboxStatus.SENT, provider_message_id=provider_id, **fields
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("Sent", OutboxStatus.SENT),
        ("Submitted", OutboxStatus.SENT),
        ("Buffered", OutboxStatus.SENT),
        ("Success", OutboxStatus.DELIVERED),
        ("Rejected", OutboxStatus.FAILED),
        ("Failed", OutboxStatus.FAILED),
        ("Expired", OutboxStatus.FAILED),
        ("AbsentSubscriber", OutboxStatus.FAILED),
        ("SomethingNew", OutboxStatus.SENT),  # unknown: kept raw, status unchanged
    ],
)
def test_delivery_report_statuses(client, status, expected):
    message = _sent()
    payload = {"id": "ATXid_1", "status": status, "phoneNumber": "+22890112233", "networkCode": "61501"}
    if status in {"Rejected", "Failed"}:
        payload["failureReason"] = "UserInBlackList"

    response = post(client, DELIVERY, payload)

    assert response.status_code == 200
    message.refresh_from_db()
    assert (message.status, message.provider_status) == (expected, status)
    report = DeliveryReport.objects.get()
    assert (report.outbox_id, report.status, report.network_code, report.phone) == (
        message.pk,
        status,
        "61501",
        "+22890112233",
    )
    assert report.failure_reason == payload.get("failureReason", "")
    assert report.payload["status"] == status


@pytest.mark.django_db
def test_a_delivered_message_never_moves_backwards(client):
    message = _sent()
    for status in ["Success", "Buffered", "Failed", "Sent"]:
        assert post(client, DELIVERY, {"id": "ATXid_1", "status": status}).status_code == 200

    message.refresh_from_db()
    assert message.status == OutboxStatus.DELIVERED
    assert message.provider_status == "Sent"  # the last word, as it came
    assert message.delivery_reports.count() == 4


@pytest.mark.django_db
def test_a_late_intermediate_report_does_not_undo_a_failure(client):
    message = _sent()
    post(client, DELIVERY, {"id": "ATXid_1", "status": "Failed", "failureReason": "DeliveryFailure"})
    post(client, DELIVERY, {"id": "ATXid_1", "status": "Buffered"})
    message.refresh_from_db()
    assert message.status == OutboxStatus.FAILED


@pytest.mark.django_db
def test_a_report_for_an_unknown_message_is_acknowledged_and_kept(client):
    _sent()
    response = post(client, DELIVERY, {"id": "ATXid_unknown", "status": "Success"})

    assert response.status_code == 200
    report = DeliveryReport.objects.get()
    assert report.outbox is None and report.status == "Success"
    assert OutboxMessage.objects.get().status == OutboxStatus.SENT


@pytest.mark.django_db
@pytest.mark.parametrize("missing", ["id", "status"])
def test_a_malformed_delivery_report_is_refused(client, missing):
    _sent()
    payload = {k: v for k, v in {"id": "ATXid_1", "status": "Success"}.items() if k != missing}
    response = post(client, DELIVERY, payload)
    assert response.status_code == 400 and missing in response.json()["fields"]
    assert not DeliveryReport.objects.exists()
