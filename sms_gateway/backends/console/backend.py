"""A backend that sends nothing: it logs each SMS, keeps the last ones in memory and invents an id.

Inbound and delivery callbacks use Africa's Talking's field names, so that the demo and a developer can
replay the same payloads against it.
"""

from __future__ import annotations

import logging
import uuid
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass

from django.utils import timezone

from sms_gateway.backends import Accepted, Inbound, StatusReport
from sms_gateway.backends.africastalking.backend import AfricasTalkingBackend

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ConsoleMessage:
    provider_message_id: str
    to: str
    text: str


# The last messages "sent", newest last, for the demo's pages and a developer's shell.
SENT: deque[ConsoleMessage] = deque(maxlen=1000)


class ConsoleBackend:
    name = "console"

    def send(self, to: str, text: str) -> Accepted:
        message = ConsoleMessage(f"console-{uuid.uuid4().hex}", to, text)
        SENT.append(message)
        logger.info("SMS to %s (%s): %s", to, message.provider_message_id, text)
        return Accepted(message.provider_message_id, cost="", status="Logged")

    def parse_inbound(self, data: Mapping[str, str]) -> Inbound:
        if "id" not in data or "date" not in data:
            # A developer typing a message by hand need not invent an id or a date.
            data = {"id": f"console-{uuid.uuid4().hex}", "date": timezone.now().strftime("%Y-%m-%d %H:%M:%S"), **data}
        return AfricasTalkingBackend().parse_inbound(data)

    def parse_status(self, data: Mapping[str, str]) -> StatusReport:
        return AfricasTalkingBackend().parse_status(data)
