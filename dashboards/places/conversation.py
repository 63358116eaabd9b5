"""The SMS exchanged with a village's chiefs, in and out, newest first, as one list.

Messages are found by the chiefs' phones (the outbox knows only a number). A phone can change hands: an
inbound message the gateway attributed to another village's chief is left out, and so is a reply to one, so
a page does not show another village's — possibly another prefecture's — conversation. (A reminder or notice
sent to a reused number after its new holder got it is matched by the number alone.)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from evillage.models import Chief
from sms_gateway.models import InboxMessage, OutboxMessage

MESSAGES_SHOWN = 50

RECEIVED = _("Reçu")
SENT = _("Envoyé")


@dataclass(frozen=True)
class Message:
    moment: dt.datetime
    incoming: bool
    phone: str
    text: str
    kind: str  # what an outgoing message was (reply, reminder…); blank for incoming ones
    status: str

    @property
    def direction(self) -> str:
        return str(RECEIVED if self.incoming else SENT)


def conversation(chiefs: Sequence[Chief], limit: int = MESSAGES_SHOWN) -> list[Message]:
    """The `limit` latest messages from and to the chiefs' phones (two queries)."""
    if not chiefs:
        return []
    ids = [chief.pk for chief in chiefs]
    phones = sorted({chief.phone for chief in chiefs})
    # What the gateway attributed to these chiefs, and what came from their phones unattributed.
    inbox = (
        InboxMessage.objects.filter(Q(chief_id__in=ids) | Q(sender__in=phones, chief__isnull=True))
        .only("received_at", "sender", "text", "status")
        .order_by("-received_at", "-pk")[:limit]
    )
    # No reply (a reminder, a notice), or a reply to a message no other village's chief sent.
    replies_ours = Q(in_reply_to__chief__isnull=True) | Q(in_reply_to__chief_id__in=ids)
    outbox = (
        OutboxMessage.objects.filter(Q(to__in=phones) & replies_ours)
        .only("created_at", "to", "text", "kind", "status")
        .order_by("-created_at", "-pk")[:limit]
    )
    messages = [Message(m.received_at, True, m.sender, m.text, "", m.get_status_display()) for m in inbox] + [
        Message(m.created_at, False, m.to, m.text, m.get_kind_display(), m.get_status_display()) for m in outbox
    ]
    messages.sort(key=lambda m: m.moment, reverse=True)
    return messages[:limit]
