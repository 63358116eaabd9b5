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
from collections.abc import Sequence

from django.contrib.gis.geos import Point
from django.utils.translation import gettext as _

from evillage.models import CandidateStatus, Chief, ChiefStatus
from evillage.periods import month_start, period_of_moment
from evillage.phones import InvalidPhone, normalize_phone
from evillage.services import (
    ReportEntry,
    UnknownVillage,
    official_phones,
    record_alert,
    record_location,
    record_reports,
    request_registration,
)
from sms_gateway import replies
from sms_gateway.catalogue import current_catalogue, report_example
from sms_gateway.inbox import quarantine_number, record_hint_sent
from sms_gateway.models import InboxMessage, OutboxKind
from sms_gateway.outbox import Outgoing, queue_message, queue_messages
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
    catalogue = current_catalogue()
    result = _parse(message, catalogue)
    phone = _e164(message.sender)
    chief = _chiefs_for([phone]).get(phone) if phone else None
    message.chief = chief

    if chief is None:
        _from_unknown_number(message, phone or message.sender, result)
    elif chief.status == ChiefStatus.PENDING:
        _from_pending_chief(message, chief, result)
    else:
        _reply(message, _from_active_chief(message, chief, result, catalogue))


def handle_batch(messages: Sequence[InboxMessage]) -> list[InboxMessage]:
    """Handle together the messages of a batch whose only effects are a report and a reply; return the others,
    for `handle_message` one at a time.

    Together means a fixed handful of statements for the whole batch (`record_reports`, one INSERT of the
    replies) instead of a dozen per message: a national month's SMS arrive in bursts. Taken together: an
    active chief's report (only the first of its village in the batch, since each report's difference is taken
    against the values before the batch), a message with errors, help, a registration of an active chief.
    Everything else — GPS, alerts, pending chiefs and unknown numbers — is rare and goes one at a time.
    Sets `chief` and `parse_result` on the messages it handles, like `handle_message`.
    """
    catalogue = current_catalogue()
    phones = {message.pk: _e164(message.sender) for message in messages}
    chiefs = _chiefs_for([phone for phone in phones.values() if phone])
    villages: set[int] = set()
    entries: list[ReportEntry] = []
    answers: list[Outgoing] = []
    others: list[InboxMessage] = []
    for message in messages:
        phone = phones[message.pk]
        chief = chiefs.get(phone) if phone else None
        result = _parse(message, catalogue)
        if chief is None or chief.status != ChiefStatus.ACTIVE or not _batchable(result, chief, villages):
            others.append(message)
            continue
        message.chief = chief
        if isinstance(result, ReportResult) and not result.errors:
            entries.append(_report_entry(message, chief, result))
            villages.add(chief.village_id)
        answers.append(Outgoing(message.sender, _answer(chief, result, catalogue), in_reply_to=message))
    record_reports(entries)
    queue_messages(answers)
    return others


def _batchable(result: ParseResult, chief: Chief, villages: set[int]) -> bool:
    if result.errors:
        return True
    if isinstance(result, ReportResult):
        return chief.village_id not in villages
    return not isinstance(result, (GpsResult, AlertResult))


def _parse(message: InboxMessage, catalogue: Catalogue) -> ParseResult:
    """Parse with, as the parser's "today", the first day of the reporting month the message was sent in
    (months may close before their calendar end: evillage.periods); the result is kept on the message."""
    sent_at = _sent_at(message)
    result = parse(message.text, catalogue, month_start(period_of_moment(sent_at)))
    message.parse_result = result.as_dict()
    return result


def _sent_at(message: InboxMessage) -> dt.datetime:
    return message.provider_date or message.received_at


def _e164(sender: str) -> str | None:
    try:
        return normalize_phone(sender)
    except InvalidPhone:
        return None


def _chiefs_for(phones: Sequence[str]) -> dict[str, Chief]:
    """The active chief of each phone, else its pending registration; a retired chief is nobody."""
    chiefs = Chief.objects.filter(phone__in=phones, status__in=[ChiefStatus.ACTIVE, ChiefStatus.PENDING])
    # Names and codes are needed, never the geometries: reading them would cost more than the rest (a GPS
    # message reads its village again, locked).
    chiefs = chiefs.select_related("village__prefecture").defer("village__location", "village__prefecture__geom")
    # The active chief last, so that it wins over a pending registration of the same phone.
    return {chief.phone: chief for chief in sorted(chiefs, key=lambda c: c.status == ChiefStatus.ACTIVE)}


def _reply(message: InboxMessage, text: str, kind: str = OutboxKind.REPLY) -> None:
    queue_message(message.sender, text, kind, in_reply_to=message)


# Known, active chiefs ----------------------------------------------------------------------------------


def _from_active_chief(message: InboxMessage, chief: Chief, result: ParseResult, catalogue: Catalogue) -> str:
    if isinstance(result, GpsResult) and not result.errors:
        assert result.lat is not None and result.lon is not None
        point = Point(result.lon, result.lat, srid=4326)
        candidate = record_location(chief, point, received_at=_sent_at(message))
        if candidate.status == CandidateStatus.CONFLICT:
            return replies.location_conflict(chief.village.name, candidate.note)
        return replies.location_accepted(chief.village.name, result.lat, result.lon, _notes(result))
    if isinstance(result, AlertResult) and not result.errors:
        assert result.text is not None
        alert = record_alert(chief, result.text, received_at=_sent_at(message))
        village = chief.village
        for phone in official_phones(village.prefecture_id):
            queue_message(
                phone,
                replies.alert_forward(village.name, village.code, chief.full_name, chief.phone, alert.text),
                OutboxKind.ALERT,
                in_reply_to=message,
            )
        return replies.alert_received(village.prefecture.name)
    if isinstance(result, ReportResult) and not result.errors:
        record_reports([_report_entry(message, chief, result)])
    return _answer(chief, result, catalogue)


def _report_entry(message: InboxMessage, chief: Chief, result: ReportResult) -> ReportEntry:
    assert result.period is not None
    return ReportEntry(
        chief,
        period=result.period,
        values=dict(result.values),
        population=result.population,
        received_at=_sent_at(message),
        source=f"sms:{message.pk}",
    )


def _answer(chief: Chief, result: ParseResult, catalogue: Catalogue) -> str:
    """The reply to an active chief's message that records nothing but, perhaps, its report."""
    if result.errors:
        return replies.error(result.errors[0].message, _example_for(result, catalogue))
    if isinstance(result, ReportResult):
        assert result.period is not None
        echoes = [
            replies.Echo(catalogue.get(key).label, catalogue.get(key).value_label(value))
            for key, value in result.values.items()
        ]
        if result.population is not None:
            echoes.append(replies.Echo("Pop", str(result.population)))
        return replies.report_received(result.period, chief.village.name, echoes, _notes(result))
    if isinstance(result, RegisterResult):
        return replies.already_registered(chief.village.name)
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
