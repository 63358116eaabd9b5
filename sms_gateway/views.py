"""Africa's Talking's callbacks: inbound SMS and delivery reports.

Thin on purpose: guard (secret token, optional IP allow-list, body size), parse with the backend's form,
call one verb, answer. Africa's Talking signs nothing (reference §1), so the URL's token is the secret.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.db import DatabaseError
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from evillage.addresses import client_address, in_networks, networks
from sms_gateway.backends import InvalidPayload, get_backend
from sms_gateway.inbox import record_inbound
from sms_gateway.outbox import record_delivery_report

logger = logging.getLogger(__name__)

View = Callable[[HttpRequest], JsonResponse]
_RETRY: dict[str, Any] = {"Retry-After": "60"}


def _ip_allowed(address: str) -> bool:
    allowed = tuple(settings.AFRICASTALKING_ALLOWED_IPS)
    return not allowed or in_networks(address, networks("AFRICASTALKING_ALLOWED_IPS", allowed))


def provider_callback(view: View) -> Callable[..., JsonResponse]:
    """What every callback from the provider goes through before its view runs."""

    @csrf_exempt
    @require_POST
    @wraps(view)
    def guarded(request: HttpRequest, token: str) -> JsonResponse:
        expected = settings.AFRICASTALKING_WEBHOOK_TOKEN
        # Constant-time, so the token cannot be guessed a character at a time; a wrong one looks like no page.
        if not expected or not hmac.compare_digest(token.encode(), expected.encode()):
            raise Http404
        # Behind a reverse proxy, the address it saw (TRUSTED_PROXIES), not the proxy's own.
        address = client_address(request)
        if not _ip_allowed(address):
            logger.warning("SMS callback refused from %s (not in AFRICASTALKING_ALLOWED_IPS)", address)
            return JsonResponse({"error": _("Adresse non autorisée.")}, status=403)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.SMS_WEBHOOK_MAX_BYTES or len(request.body) > settings.SMS_WEBHOOK_MAX_BYTES:
            logger.warning("SMS callback refused: body over %d bytes", settings.SMS_WEBHOOK_MAX_BYTES)
            return JsonResponse({"error": _("Requête trop grande.")}, status=413)
        try:
            return view(request)
        except InvalidPayload as exc:
            logger.warning("Malformed %s callback: %s", view.__name__, exc)
            return JsonResponse({"error": _("Requête invalide."), "fields": exc.reasons}, status=400)
        except DatabaseError:
            # The provider will try again later (or `fetch_messages` will recover it): nothing is lost by a 503.
            logger.exception("Database unavailable for %s callback", view.__name__)
            return JsonResponse({"error": _("Service momentanément indisponible.")}, status=503, headers=_RETRY)

    return guarded


@provider_callback
def inbound(request: HttpRequest) -> JsonResponse:
    message = record_inbound(get_backend("africastalking").parse_inbound(request.POST))
    return JsonResponse({"status": "accepted" if message else "duplicate"})


@provider_callback
def delivery(request: HttpRequest) -> JsonResponse:
    report = record_delivery_report(get_backend("africastalking").parse_status(request.POST))
    return JsonResponse({"status": "recorded" if report.outbox_id else "unknown message"})
