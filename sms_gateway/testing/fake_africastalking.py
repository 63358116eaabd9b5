"""A local stand-in for Africa's Talking's HTTP API, for tests, benchmarks and the demo.

It answers the two calls the SDK makes for SMS, with the shapes of shared/reference/africastalking.md §4:
- POST /version1/messaging (send): 201, content type exactly `application/json`, one `Recipients` entry per
  number with a generated `ATXid_…` message id;
- GET /version1/messaging (fetch): the stored inbound messages after `lastReceivedId`, a page at a time.

It can be told how to answer the next sends (`fail_next`): an HTTP 500 or 429 or any other code, a hang
longer than the client's timeout, a per-recipient refusal inside a 201, or a 201 whose content type makes the
SDK return a str. It records every request it gets.

    with FakeAfricasTalking() as fake:
        settings.AFRICASTALKING_API_URL = fake.base_url
        fake.fail_next(2, "http:500")
        ...
        assert len(fake.sent) == 1
"""

from __future__ import annotations

import itertools
import json
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

# Per-recipient refusals the fake can play, code → status (reference §4).
RECIPIENT_STATUSES = {
    401: "RiskHold",
    402: "InvalidSenderId",
    403: "InvalidPhoneNumber",
    404: "UnsupportedNumberType",
    405: "InsufficientBalance",
    406: "UserInBlacklist",
    407: "CouldNotRoute",
    500: "InternalServerError",
    501: "GatewayError",
    502: "RejectedByGateway",
}


@dataclass(frozen=True)
class Recorded:
    """One request the fake received and how it answered."""

    method: str
    path: str
    headers: dict[str, str]
    form: dict[str, str]
    status: int
    outcome: str
    at: float = field(default_factory=time.monotonic)


@dataclass(frozen=True)
class SentMessage:
    """A send the fake accepted: what a real provider would have delivered."""

    message_id: str
    to: str
    message: str
    sender: str | None
    username: str


class FakeAfricasTalking:
    """A threaded HTTP server on 127.0.0.1 and a free port; `start()`/`stop()` or use it as a context manager."""

    def __init__(
        self, *, page_size: int = 100, hang_seconds: float = 2.0, latency: float = 0.0, cost: str = "XOF 15.0000"
    ) -> None:
        self.page_size = page_size
        self.latency = latency  # seconds every send takes, like a real network's round trip
        self.hang_seconds = hang_seconds  # how long a "timeout" answer sleeps: longer than the client waits
        self.cost = cost
        self.requests: list[Recorded] = []
        self.sent: list[SentMessage] = []
        self.inbound: list[dict[str, Any]] = []
        self._plan: deque[str] = deque()
        self._message_ids: deque[str] = deque()
        self._lock = threading.Lock()
        self._ids = itertools.count(1001)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- life ---
    def start(self) -> FakeAfricasTalking:
        fake = self

        class Handler(_Handler):
            provider = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="fake-africastalking", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeAfricasTalking:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None, "start() the fake first"
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """What the SDK's `_baseUrl` should be (settings.AFRICASTALKING_API_URL)."""
        return f"http://127.0.0.1:{self.port}/version1"

    # --- programming ---
    def fail_next(self, count: int, outcome: str) -> None:
        """Answer the next `count` sends with `outcome`, after any already planned.

        Outcomes: "http:<code>" (e.g. http:500, http:429, http:401), "timeout" (sleep `hang_seconds`, then
        answer 500 to nobody), "recipient:<code>" (201 with that per-recipient statusCode), "text-json"
        (a normal acceptance, but `application/json; charset=utf-8`, which the SDK returns as a str). An
        "http:201" answers a 2xx whose body is not JSON at all.
        """
        with self._lock:
            self._plan.extend([outcome] * count)

    def use_message_ids(self, *message_ids: str) -> None:
        """Give the next accepted sends these message ids (instead of generated ones)."""
        with self._lock:
            self._message_ids.extend(message_ids)

    def add_inbound(
        self, sender: str, text: str, *, to: str = "21512", date: str = "2026-11-03T06:04:45.000Z", link_id: str = ""
    ) -> int:
        """Store a message for the fetch API to return; returns its id."""
        with self._lock:
            message_id = next(self._ids)
            self.inbound.append(
                {"id": message_id, "from": sender, "to": to, "text": text, "date": date, "linkId": link_id}
            )
        return message_id

    def delivery_report(self, message_id: str, status: str = "Success", **extra: str) -> dict[str, str]:
        """The form Africa's Talking would POST to the delivery-report callback for one of our sends."""
        sent = next(m for m in self.sent if m.message_id == message_id)
        report = {"id": message_id, "status": status, "phoneNumber": sent.to, "networkCode": "61501"}
        if status in {"Rejected", "Failed"}:
            report["failureReason"] = "DeliveryFailure"
        report.update(extra)
        return report

    def sent_to(self, number: str) -> list[SentMessage]:
        with self._lock:
            return [m for m in self.sent if m.to == number]

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self.sent.clear()
            self.inbound.clear()
            self._plan.clear()
            self._message_ids.clear()

    # --- answering (called from the server's threads) ---
    def _next_outcome(self) -> str:
        with self._lock:
            return self._plan.popleft() if self._plan else "ok"

    def _record(self, recorded: Recorded) -> None:
        with self._lock:
            self.requests.append(recorded)

    def _send(self, form: dict[str, str], outcome: str) -> tuple[int, str, bytes, str]:
        """(status, content type, body, outcome) for a send."""
        if outcome.startswith("http:"):
            code = int(outcome.split(":", 1)[1])
            return code, "text/plain", f"Fake error {code}".encode(), outcome
        numbers = [n for n in form.get("to", "").split(",") if n]
        recipients = []
        for number in numbers:
            if outcome.startswith("recipient:"):
                code = int(outcome.split(":", 1)[1])
                status = RECIPIENT_STATUSES.get(code, "Failed")
                # As the provider does: a refused recipient's messageId is the string "None".
                recipients.append(
                    {"statusCode": code, "number": number, "status": status, "cost": "0", "messageId": "None"}
                )
                continue
            with self._lock:
                message_id = self._message_ids.popleft() if self._message_ids else f"ATXid_{uuid.uuid4().hex}"
            recipients.append(
                {"statusCode": 101, "number": number, "status": "Success", "cost": self.cost, "messageId": message_id}
            )
            with self._lock:
                self.sent.append(
                    SentMessage(message_id, number, form.get("message", ""), form.get("from"), form.get("username", ""))
                )
        taken = sum(1 for r in recipients if r["statusCode"] == 101)
        body = {
            "SMSMessageData": {
                "Message": f"Sent to {taken}/{len(numbers)} Total Cost: {self.cost if taken else '0'}",
                "Recipients": recipients,
            }
        }
        content_type = "application/json; charset=utf-8" if outcome == "text-json" else "application/json"
        return 201, content_type, json.dumps(body).encode(), outcome

    def _fetch(self, params: dict[str, str]) -> tuple[int, str, bytes, str]:
        try:
            after = int(params.get("lastReceivedId") or 0)
        except ValueError:
            return 400, "text/plain", b"Invalid lastReceivedId", "bad request"
        with self._lock:
            page = [m for m in self.inbound if m["id"] > after][: self.page_size]
        body = {"SMSMessageData": {"Messages": page}}
        return 200, "application/json", json.dumps(body).encode(), "ok"


class _Handler(BaseHTTPRequestHandler):
    provider: FakeAfricasTalking
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: the test reads `provider.requests`

    def _answer(self, status: int, content_type: str, body: bytes) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a "timeout" answer): nobody is listening any more

    def _authorised(self) -> bool:
        if not self.headers.get("apiKey"):
            self._answer(401, "text/plain", b"The supplied authentication is invalid")
            return False
        return True

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        form = {k: v[-1] for k, v in parse_qs(self.rfile.read(length).decode(), keep_blank_values=True).items()}
        path = urlsplit(self.path).path
        if path.rstrip("/") != "/version1/messaging":
            status, content_type, body, outcome = 404, "text/plain", b"Not found", "not found"
        elif not self._authorised():
            self.provider._record(Recorded("POST", path, dict(self.headers), form, 401, "unauthorised"))
            return
        else:
            planned = self.provider._next_outcome()
            if planned == "timeout":
                # Recorded on arrival: the client will have given up before the answer.
                self.provider._record(Recorded("POST", path, dict(self.headers), form, 500, planned))
                time.sleep(self.provider.hang_seconds)
                self._answer(500, "text/plain", b"Fake timeout")
                return
            time.sleep(self.provider.latency)
            status, content_type, body, outcome = self.provider._send(form, planned)
        self.provider._record(Recorded("POST", path, dict(self.headers), form, status, outcome))
        self._answer(status, content_type, body)

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        params = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        if parts.path.rstrip("/") != "/version1/messaging":
            status, content_type, body, outcome = 404, "text/plain", b"Not found", "not found"
        elif not self._authorised():
            self.provider._record(Recorded("GET", parts.path, dict(self.headers), params, 401, "unauthorised"))
            return
        else:
            status, content_type, body, outcome = self.provider._fetch(params)
        self.provider._record(Recorded("GET", parts.path, dict(self.headers), params, status, outcome))
        self._answer(status, content_type, body)
