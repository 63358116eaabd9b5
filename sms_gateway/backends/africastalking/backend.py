"""Africa's Talking through its Python SDK (`africastalking` 2.0.3).

Facts this relies on are in shared/reference/africastalking.md §4: the SDK computes its hosts in its
constructor (so a fake provider is reached by setting `_baseUrl`/`_contentUrl` on the service instance),
a refusal arrives as a 201 with a per-recipient `statusCode`, and a 2xx body is parsed as JSON only when the
content type is exactly `application/json` (otherwise the SDK hands back a str).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import requests
from africastalking.Service import AfricasTalkingException
from africastalking.SMS import SMSService
from django.conf import settings
from django.core.exceptions import ValidationError

from sms_gateway.backends import (
    Accepted,
    Inbound,
    InvalidPayload,
    PermanentSendError,
    StatusReport,
    TemporarySendError,
)
from sms_gateway.backends.africastalking.forms import DeliveryReportForm, clean_inbound
from sms_gateway.models import OutboxStatus

# Per-recipient statusCode: 100 Processed, 101 Sent, 102 Queued are the provider taking the message.
ACCEPTED_CODES = frozenset({100, 101, 102})
# 500 InternalServerError, 501 GatewayError: the provider's own trouble, worth another try.
# Every other code (RiskHold, InvalidPhoneNumber, InsufficientBalance, UserInBlacklist…) is a refusal.
TEMPORARY_CODES = frozenset({500, 501})

# Delivery report status → outbox status. Unknown ones are kept raw and change nothing.
DELIVERY_OUTCOMES = {
    "Success": OutboxStatus.DELIVERED,
    "Sent": OutboxStatus.SENT,
    "Submitted": OutboxStatus.SENT,
    "Buffered": OutboxStatus.SENT,
    "Rejected": OutboxStatus.FAILED,
    "Failed": OutboxStatus.FAILED,
    "Expired": OutboxStatus.FAILED,
    "AbsentSubscriber": OutboxStatus.FAILED,
}


class ProviderHTTPError(AfricasTalkingException):
    """A non-2xx answer, with its status code (the SDK's own exception carries only the body)."""

    def __init__(self, status_code: int, body: str) -> None:
        self.status_code = status_code
        self.body = body
        super().__init__(f"HTTP {status_code}: {body[:200]}")


class SMSClient(SMSService):
    """The SDK's SMS service with one change: a refusal keeps its HTTP status.

    `send` and `fetch_messages` (form fields, headers, the number check, the URL) are the SDK's. Only the
    transport is redone, because the SDK turns every non-2xx into an exception holding just the body, and
    telling 5xx/429 (try again) from 4xx (refused) needs the code. The SDK's content-type rule is kept.
    """

    def _make_request(
        self,
        url: str,
        method: str,
        headers: dict[str, str],
        data: Any,
        params: Any,
        callback: Any = None,
        timeout: Any = None,
    ) -> Any:
        if callback is not None:
            raise ValueError("Callback mode loses connection errors (the thread swallows them); call synchronously.")
        response = requests.request(method, url, headers=headers, data=data, params=params, timeout=timeout)
        if not 200 <= response.status_code < 300:
            raise ProviderHTTPError(response.status_code, response.text)
        if response.headers.get("content-type") == "application/json":
            return response.json()
        return response.text


def _as_json(response: Any) -> Any:
    """The SDK hands back a dict for `application/json` and the raw text for anything else."""
    if isinstance(response, str):
        return json.loads(response)
    return response


class AfricasTalkingBackend:
    name = "africastalking"

    def client(self) -> SMSClient:
        service = SMSClient(settings.AFRICASTALKING_USERNAME, settings.AFRICASTALKING_API_KEY)
        if settings.AFRICASTALKING_API_URL:
            # No public setting exists for the host (reference §4): the SDK computes it in its constructor.
            service._baseUrl = settings.AFRICASTALKING_API_URL.rstrip("/")
            service._contentUrl = service._baseUrl
        return service

    def _timeout(self) -> tuple[float, float]:
        read = float(settings.AFRICASTALKING_TIMEOUT_SECONDS)
        return (min(3.05, read), read)

    def send(self, to: str, text: str) -> Accepted:
        try:
            response = self.client().send(
                text, [to], sender_id=settings.AFRICASTALKING_SENDER_ID or None, timeout=self._timeout()
            )
        except ValueError as exc:  # the SDK's number check, before any HTTP call
            raise PermanentSendError(str(exc)) from exc
        except requests.Timeout as exc:
            raise TemporarySendError(f"timeout: {exc}") from exc
        except requests.ConnectionError as exc:
            raise TemporarySendError(f"connection error: {exc}") from exc
        except ProviderHTTPError as exc:
            if exc.status_code >= 500 or exc.status_code == 429:
                raise TemporarySendError(str(exc)) from exc
            raise PermanentSendError(str(exc)) from exc
        return self._read_send_response(response, to)

    def _read_send_response(self, response: Any, to: str) -> Accepted:
        try:
            data = _as_json(response)
            recipients = data["SMSMessageData"]["Recipients"]
        except (ValueError, TypeError, KeyError) as exc:
            # The provider said 2xx, so it may well have taken the message: trying again could send it twice.
            raise PermanentSendError(f"unknown outcome: unreadable answer {str(response)[:200]!r}") from exc
        if not recipients:
            message = data["SMSMessageData"].get("Message", "")
            raise PermanentSendError(f"no recipient taken: {message}")
        recipient = next((r for r in recipients if r.get("number") == to), recipients[0])
        try:
            code = int(recipient.get("statusCode"))
        except (TypeError, ValueError):
            code = -1
        status = str(recipient.get("status", ""))
        if code in ACCEPTED_CODES and recipient.get("messageId"):
            return Accepted(str(recipient["messageId"]), str(recipient.get("cost", "")), status)
        if code in TEMPORARY_CODES:
            raise TemporarySendError(f"{status} ({code})")
        raise PermanentSendError(f"{status} ({code})")

    def parse_inbound(self, data: Mapping[str, str]) -> Inbound:
        try:
            fields = clean_inbound(data)
        except ValidationError as exc:
            raise InvalidPayload(exc.message_dict) from None
        return Inbound(
            provider_id=fields["id"],
            sender=fields["from"],
            recipient=fields["to"],
            text=fields["text"],
            provider_date=fields["date"],
            link_id=fields["linkId"],
            network_code=fields["networkCode"],
            cost=fields["cost"],
        )

    def parse_status(self, data: Mapping[str, str]) -> StatusReport:
        form = DeliveryReportForm(data)
        if not form.is_valid():
            raise InvalidPayload(form.errors)
        fields = form.cleaned_data
        return StatusReport(
            provider_id=fields["id"],
            status=fields["status"],
            outcome=DELIVERY_OUTCOMES.get(fields["status"]),
            failure_reason=fields["failureReason"],
            network_code=fields["networkCode"],
            phone=fields["phoneNumber"],
            payload={key: str(value)[:200] for key, value in data.items()},
        )

    def fetch_raw(self, last_received_id: str | None = None) -> list[dict[str, Any]]:
        """One page of the provider's stored inbound messages after `last_received_id`, oldest first, raw."""
        response = self.client().fetch_messages(last_received_id, timeout=self._timeout())
        messages: list[dict[str, Any]] = _as_json(response)["SMSMessageData"]["Messages"]
        return messages

    def parse_fetched(self, message: dict[str, Any]) -> Inbound:
        """A fetched message, checked like a posted one: it is as much outside input."""
        data = {key: "" if value is None else str(value) for key, value in message.items()}
        data.setdefault("text", "")
        return self.parse_inbound(data)
