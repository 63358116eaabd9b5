"""Pytest fixtures for anything that talks to Celery or the SMS provider, registered for the whole suite
by the root conftest (`pytest_plugins`).

- `celery_queue` (autouse): every test publishes to a queue of its own on the project's Redis, deleted
  afterwards, so no test feeds another's worker (or a developer's).
- `fake_provider`: Africa's Talking's API on a local port; settings point the real SDK at it.
- `start_worker(**options)`: a real `celery -A evillage worker` subprocess on that queue and the test database,
  using the fake provider; stopped at the end of the test. Tests using it need `django_db(transaction=True)`.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable, Iterator

import pytest
import redis
from django.conf import settings as django_settings

from sms_gateway.testing.fake_africastalking import FakeAfricasTalking
from sms_gateway.testing.worker import CeleryWorker, use_broker

TOKEN = "test-token-0123456789"  # noqa: S105 (a test value)


@pytest.fixture(autouse=True)
def celery_queue() -> Iterator[str]:
    name = f"evillage-test-{uuid.uuid4().hex[:12]}"
    with use_broker(django_settings.REDIS_URL, name):
        yield name
    client = redis.Redis.from_url(django_settings.REDIS_URL)
    for key in client.scan_iter(match=f"{name}*"):  # the queue and its priority lists
        client.delete(key)
    client.close()


@pytest.fixture
def fake_provider(settings) -> Iterator[FakeAfricasTalking]:  # type: ignore[no-untyped-def]
    with FakeAfricasTalking(hang_seconds=1.6) as fake:
        settings.AFRICASTALKING_API_URL = fake.base_url
        yield fake


@pytest.fixture
def start_worker(fake_provider: FakeAfricasTalking, celery_queue: str) -> Iterator[Callable[..., CeleryWorker]]:
    workers: list[CeleryWorker] = []

    def start(*, broker_url: str | None = None, env: dict[str, str] | None = None, **options: object) -> CeleryWorker:
        worker = CeleryWorker(
            broker_url=broker_url or django_settings.REDIS_URL,
            queue=celery_queue,
            env={
                "SMS_BACKEND": "africastalking",
                "AFRICASTALKING_WEBHOOK_TOKEN": TOKEN,
                "AFRICASTALKING_USERNAME": "evillage",
                "AFRICASTALKING_API_KEY": "test-api-key",
                "AFRICASTALKING_API_URL": fake_provider.base_url,
                "AFRICASTALKING_TIMEOUT_SECONDS": "1",
                "SMS_RETRY_DELAY_SECONDS": "1",
                "SMS_RETRY_MAX_DELAY_SECONDS": "2",
                "LOG_LEVEL": "INFO",
                **(env or {}),
            },
            **options,  # type: ignore[arg-type]
        )
        workers.append(worker)
        return worker.start()

    yield start
    for worker in workers:
        worker.stop()


def queued_tasks(queue: str) -> list[tuple[str, list[int]]]:
    client = redis.Redis.from_url(django_settings.REDIS_URL)
    try:
        raw = client.lrange(queue, 0, -1)
    finally:
        client.close()
    tasks = []  # (task name, args), oldest first
    for item in reversed(raw):  # kombu pushes on the left
        envelope = json.loads(item)
        body = json.loads(base64.b64decode(envelope["body"]))
        tasks.append((envelope["headers"]["task"], body[0]))
    return tasks
