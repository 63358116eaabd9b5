"""The webhook benchmark's baseline: a bare Django view that only inserts the inbox row the webhook would.

No form, no token check, no Celery publish on commit: what is left is Django's request cycle (the same
middleware) and one INSERT, which is as fast as a view storing that row can be. Served only by the benchmark
(`bench/settings_bare.py`), never by the project.
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from sms_gateway.models import InboxMessage


@csrf_exempt
def insert_row(request: HttpRequest, token: str) -> JsonResponse:
    data = request.POST
    date = dt.datetime.fromisoformat(data["date"].replace("Z", "+00:00"))
    now = timezone.now()
    InboxMessage.objects.create(
        provider_id=data["id"],
        sender=data["from"],
        recipient=data["to"],
        text=data.get("text", ""),
        provider_date=date if date.tzinfo else date.replace(tzinfo=dt.UTC),
        link_id=data.get("linkId", ""),
        network_code=data.get("networkCode", ""),
        received_at=now,
        queued_at=now,
    )
    return JsonResponse({"status": "accepted"})


urlpatterns = [path("sms/at/inbound/<str:token>/", insert_row)]
