"""The prefecture's decisions that a chief hears of by SMS: a registration approved or refused, a
quarantined number registered as a chief.

Each verb runs the domain's verb (`evillage.services`) and queues the chief's SMS in one transaction: both
are kept, or neither. A decision already taken raises `AlreadyDecided` and queues nothing.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from evillage import services
from evillage.models import Chief
from evillage.services import AlreadyDecided, ChiefEntry
from geo.models import Village
from sms_gateway import replies
from sms_gateway.models import OutboxKind, QuarantinedNumber
from sms_gateway.outbox import queue_message


def approve(chief: Chief, by: Any) -> Chief:
    """The pending chief becomes active and is welcomed."""
    with transaction.atomic():
        chief = services.approve_registration(chief, by)
        _welcome(chief)
    return chief


def refuse(chief: Chief, by: Any) -> Chief:
    """The pending chief is refused and told so."""
    with transaction.atomic():
        chief = services.refuse_registration(chief, by)
        text = replies.registration_refused(chief.village.name, chief.village.code)
        queue_message(chief.phone, text, OutboxKind.NOTICE)
    return chief


def register_number(number: QuarantinedNumber, *, village: Village, full_name: str, role: str, by: Any) -> Chief:
    """Make a quarantined number the active chief of `village`, resolve its quarantine and welcome it."""
    with transaction.atomic():
        locked = QuarantinedNumber.objects.select_for_update().get(pk=number.pk)
        if not locked.is_open:
            raise AlreadyDecided(locked.resolved_by, locked.resolved_at)
        chief = services.register_chief(ChiefEntry(full_name, locked.phone, village, role), by)
        locked.chief, locked.resolved_by, locked.resolved_at = chief, by, timezone.now()
        locked.save(update_fields=["chief", "resolved_by", "resolved_at"])
        _welcome(chief)
    return chief


def _welcome(chief: Chief) -> None:
    queue_message(chief.phone, replies.welcome(chief.village.name, chief.village.code), OutboxKind.NOTICE)
