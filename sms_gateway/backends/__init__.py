"""Gateway backends: one small interface, one folder per provider (like RapidPro's `channels/types/<vendor>/`).

A backend knows its provider's words and nothing of ours beyond this module: it sends one SMS
(`send`), reads the provider's inbound-message callback (`parse_inbound`) and its delivery report
(`parse_status`). Adding a second aggregator means adding a folder and one line to `BACKENDS`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

BACKENDS = {
    "africastalking": "sms_gateway.backends.africastalking.backend.AfricasTalkingBackend",
    "console": "sms_gateway.backends.console.backend.ConsoleBackend",
}


@dataclass(frozen=True)
class Inbound:
    """An inbound SMS as the provider described it, checked for shape and size but otherwise raw."""

    provider_id: str
    sender: str
    recipient: str
    text: str
    provider_date: dt.datetime | None = None
    link_id: str = ""
    network_code: str = ""
    cost: str = ""


@dataclass(frozen=True)
class StatusReport:
    """A delivery report. `outcome` is the outbox status it means, or None for a status we do not know."""

    provider_id: str
    status: str
    outcome: str | None
    failure_reason: str = ""
    network_code: str = ""
    phone: str = ""
    payload: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Accepted:
    """The provider took the message: its id (to match delivery reports), its cost and its own word."""

    provider_message_id: str
    cost: str = ""
    status: str = ""


class InvalidPayload(Exception):
    """A callback that does not have the provider's shape; `reasons` maps each field to what is wrong."""

    def __init__(self, reasons: Mapping[str, list[str]]) -> None:
        self.reasons = {name: list(messages) for name, messages in reasons.items()}
        super().__init__("; ".join(f"{name}: {' '.join(messages)}" for name, messages in self.reasons.items()))


class SendError(Exception):
    """The provider did not take the message. `retryable` says whether trying again later may succeed."""

    retryable = False


class TemporarySendError(SendError):
    """5xx, 429, timeouts, connection errors: the message was (as far as we can tell) not taken; try later."""

    retryable = True


class PermanentSendError(SendError):
    """Refused for a reason that will not change by waiting (bad number, blacklisted, bad credentials…)."""


class Backend(Protocol):
    name: str

    def send(self, to: str, text: str) -> Accepted:
        """Hand one SMS to the provider; raise a `SendError` when it is not taken."""
        ...

    def parse_inbound(self, data: Mapping[str, str]) -> Inbound:
        """Read an inbound-message callback; raise `InvalidPayload` when it is not one."""
        ...

    def parse_status(self, data: Mapping[str, str]) -> StatusReport:
        """Read a delivery-report callback; raise `InvalidPayload` when it is not one."""
        ...


def get_backend(name: str | None = None) -> Backend:
    """The backend named (default: the `SMS_BACKEND` setting). Cheap to build: nothing connects until used."""
    name = name or settings.SMS_BACKEND
    try:
        path = BACKENDS[name]
    except KeyError:
        raise LookupError(f"Unknown SMS backend {name!r}; known: {', '.join(sorted(BACKENDS))}.") from None
    backend: Backend = import_string(path)()
    return backend
