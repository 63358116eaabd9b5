"""Settings of the channel's tests. The Celery and provider fixtures (`celery_queue`, `fake_provider`,
`start_worker`) come from `sms_gateway.testing.fixtures`, registered for the whole suite."""

from __future__ import annotations

import pytest

from sms_gateway.testing.fixtures import TOKEN


@pytest.fixture(autouse=True)
def webhook_settings(settings):  # type: ignore[no-untyped-def]
    settings.AFRICASTALKING_WEBHOOK_TOKEN = TOKEN
    settings.AFRICASTALKING_ALLOWED_IPS = []
    settings.SMS_BACKEND = "africastalking"
    settings.AFRICASTALKING_USERNAME = "evillage"
    settings.AFRICASTALKING_API_KEY = "test-api-key"
    # An address nothing listens on: a test that sends without the fake fails instead of reaching out.
    settings.AFRICASTALKING_API_URL = "http://127.0.0.1:9/version1"
    settings.AFRICASTALKING_TIMEOUT_SECONDS = 1
    return settings
