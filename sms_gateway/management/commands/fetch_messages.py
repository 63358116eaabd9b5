"""Recover inbound SMS that never reached the webhook, from Africa's Talking's fetch-messages API.

    manage.py fetch_messages [--last-received-id ID]

Pages through the provider's stored messages (oldest first, after the id given), stores the ones the inbox
does not know through the webhook's own verb (which queues their processing) and says how many were new.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from sms_gateway.backends import InvalidPayload, get_backend
from sms_gateway.backends.africastalking.backend import AfricasTalkingBackend
from sms_gateway.inbox import is_known, record_inbound


class Command(BaseCommand):
    help = "Fetch inbound SMS from Africa's Talking and store the ones the inbox has not seen."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--last-received-id", default=None, help="Start after this provider id (default: from the start)."
        )
        parser.add_argument("--max-pages", type=int, default=1000, help="Stop after this many pages.")

    def handle(self, *args: Any, **options: Any) -> None:
        backend = get_backend("africastalking")
        assert isinstance(backend, AfricasTalkingBackend)
        last: str | None = options["last_received_id"]
        new = known = malformed = 0
        for _page in range(options["max_pages"]):
            messages = backend.fetch_raw(last)
            if not messages:
                break
            for raw in messages:
                try:
                    inbound = backend.parse_fetched(raw)
                except InvalidPayload as exc:
                    malformed += 1
                    self.stderr.write(f"Skipped malformed message {raw.get('id')}: {exc}")
                    continue
                if is_known(inbound) or record_inbound(inbound) is None:
                    known += 1
                else:
                    new += 1
            last = str(messages[-1]["id"])
        self.stdout.write(f"{new} new, {known} already known, {malformed} malformed (last id: {last or '-'}).")
