"""Applying one inbound SMS: who sent it, what it says, what the domain records, and the one reply.

`handle_message` runs inside the transaction that holds the inbox row's lock (`sms_gateway.inbox`), so
what it records and the reply it queues commit together, once, or not at all.

Who answers what (protocol.md, Replies):
- an active chief: every message gets exactly one reply (a confirmation or the first error);
- a pending chief (registered by SMS, not yet approved): a new registration updates the request; anything
  else is answered "waiting for approval" and not recorded;
- an unknown or retired chief's number: quarantined (kept for officials); a registration is recorded as a
  pending request and confirmed; anything else gets the registration hint at most once a day.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.contrib.gis.geos import Point
from django.utils.translation import gettext as _

from evillage.models import CandidateStatus, Chief, ChiefStatus
from evillage.periods import month_start, period_of_moment
from evillage.phones import InvalidPhone, normalize_phone
from evillage.services import (
    UnknownVillage,
    official_phones,
    record_alert,
    record_location,
    record_report,
    request_registration,
)
from sms_gateway import replies
from sms_gateway.catalogue import current_catalogue, report_example
from sms_gateway.inbox import quarantine_number, record_hint_sent
from sms_gateway.models import InboxMessage, OutboxKind
from sms_gateway.outbox import queue_message
from sms_gateway.protocol import (
    AlertResult,
    Catalogue,
    GpsResult,
    ParseResult,
    RegisterResult,
    ReportResult,
    WarningCode,
    parse,
)

logger = logging.getLogger(__name__)

GPS_EXAMPLE = "GPS 9.5511 1.1862"
REGISTER_EXAMPLE = "INSCR KLO-0231 KOSSI AMEGAN"
ALERT_EXAMPLE = "ALERTE forage en panne"


def handle_message(message: InboxMessage) -> None:
    """Identify, parse, record, reply. Sets `message.chief` and `message.parse_result` (saved by the caller)."""
    sent_at = message.provider_date or message.received_at
    catalogue = current_catalogue()
    # The parser's "today" is the first day of the reporting month the message falls in (months may
    # close before their calendar end: evillage.periods).
    result = parse(message.text, catalogue, month_start(period_of_moment(sent_at)))
    message.parse_result = result.as_dict()
    phone = _e164(message.sender)
    chief = _chief_for(phone) if phone else None
    message.chief = chief

    if chief is None:
        _from_unknown_number(message, phone or message.sender, result)
    elif chief.status == ChiefStatus.PENDING:
        _from_pending_chief(message, chief, result)
    else:
        _reply(message, _from_active_chief(message, chief, result, catalogue, sent_at))


def _e164(sender: str) -> str | None:
    try:
        return normalize_phone(sender)
    except InvalidPhone:
        return None


def _chief_for(phone: str) -> Chief | None:
    """The active chief of this phone, else its pending registration; a retired chief is nobody."""
    chiefs = Chief.objects.filter(phone=phone, status__in=[ChiefStatus.ACTIVE, ChiefStatus.PENDING])
    # The prefecture's name is needed, never its polygon: fetching the geometry would cost more than the rest.
    chiefs = chiefs.select_related("village__prefecture").defer("village__prefecture__geom")
    return min(chiefs, key=lambda c: c.status != ChiefStatus.ACTIVE, default=None)


def _reply(message: InboxMessage, text: str, kind: str = OutboxKind.REPLY) -> None:
    queue_message(message.sender, text, kind, in_reply_to=message)


# Known, active chiefs ----------------------------------------------------------------------------------


def _from_active_chief(
    message: InboxMessage, chief: Chief, result: ParseResult, catalogue: Catalogue, sent_at: dt.datetime
) -> str:
    if result.errors:
        return replies.error(result.errors[0].message, _example_for(result, catalogue))
    if isinstance(result, ReportResult):
        assert result.period is not None
        record_report(
            chief,
            period=result.period,
            values=dict(result.values),
            population=result.population,
            received_at=sent_at,
            source=f"sms:{message.pk}",
        )
        echoes = [
            replies.Echo(catalogue.get(key).label, catalogue.get(key).value_label(value))
            for key, value in result.values.items()
        ]
        if result.population is not None:
            echoes.append(replies.Echo("Pop", str(result.population)))
        return replies.report_received(result.period, chief.village.name, echoes, _notes(result))
    if isinstance(result, GpsResult):
        assert result.lat is not None and result.lon is not None
        candidate = record_location(chief, Point(result.lon, result.lat, srid=4326), received_at=sent_at)
        if candidate.status == CandidateStatus.CONFLICT:
            return replies.location_conflict(chief.village.name, candidate.note)
        return replies.location_accepted(chief.village.name, result.lat, result.lon, _notes(result))
    if isinstance(result, RegisterResult):
        return replies.already_registered(chief.village.name)
    if isinstance(result, AlertResult):
        assert result.text is not None
        alert = record_alert(chief, result.text, received_at=sent_at)
        village = chief.village
        for phone in official_phones(village.prefecture_id):
            queue_message(
                phone,
                replies.alert_forward(village.name, village.code, chief.full_name, chief.phone, alert.text),
                OutboxKind.ALERT,
                in_reply_to=message,
            )
        return replies.alert_received(village.prefecture.name)
    return replies.help_card(report_example(catalogue))


def _notes(result: ParseResult) -> list[str]:
    """What the reply says of the parser's warnings: the corrections a chief should learn from."""
    notes = []
    for warning in result.warnings:
        if warning.code == WarningCode.TYPO_CORRECTED:
            notes.append(_("'%(typed)s' lu %(keyword)s.") % {"typed": warning.token, "keyword": warning.corrected})
        elif warning.code in (WarningCode.COORDINATES_SWAPPED, WarningCode.LOW_PRECISION):
            notes.append(warning.message)
    return notes


def _example_for(result: ParseResult, catalogue: Catalogue) -> str:
    if isinstance(result, GpsResult):
        return GPS_EXAMPLE
    if isinstance(result, RegisterResult):
        return REGISTER_EXAMPLE
    if isinstance(result, AlertResult):
        return ALERT_EXAMPLE
    return report_example(catalogue)


# Pending chiefs and unknown numbers -----------------------------------------------------------------


def _from_pending_chief(message: InboxMessage, chief: Chief, result: ParseResult) -> None:
    if isinstance(result, RegisterResult):
        _reply(message, _register(chief.phone, result))
    else:
        _reply(message, replies.registration_waiting())


def _from_unknown_number(message: InboxMessage, phone: str, result: ParseResult) -> None:
    number = quarantine_number(phone)
    if isinstance(result, RegisterResult) and _e164(phone):
        _reply(message, _register(phone, result))
        return
    if number.hint_due():
        record_hint_sent(number)
        _reply(message, replies.unknown_number_hint(), OutboxKind.HINT)


def _register(phone: str, result: RegisterResult) -> str:
    if result.errors:
        return replies.error(result.errors[0].message, REGISTER_EXAMPLE)
    assert result.village_code is not None
    try:
        chief = request_registration(phone, result.village_code, result.name or "")
    except UnknownVillage:
        return replies.registration_unknown_village(result.village_code)
    return replies.registration_pending(chief.village.name, chief.village.code)
