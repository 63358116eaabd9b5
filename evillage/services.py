"""Every change to the domain goes through these verbs: chiefs, reports, locations, registrations, alerts.

`upsert_chiefs` is the one place that applies the registry's two rules before the database does:
a phone belongs to one active chief, and a village has one active village chief. A breach comes
back as a `ChiefConflict` whose message says who holds the phone or the village, so an import can
report it on the row's line instead of failing on a constraint.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from evillage.layers import apply_reports, mark_dirty
from evillage.models import (
    Alert,
    CandidateStatus,
    Chief,
    ChiefRole,
    ChiefStatus,
    Indicator,
    LocationCandidate,
    OfficialContact,
    Report,
)
from evillage.periods import parse_period, period_of_moment
from evillage.phones import InvalidPhone, normalize_phone
from geo.locating import check_location
from geo.models import Area, Level, LocationSource, LocationStatus, Village
from geo.services import BATCH_SIZE, Outcome, move_village, place_village, set_village_population


class ChiefConflict(ValidationError):
    """The chief cannot be active: the phone or the village chief's seat is taken; the message says by whom."""


@dataclass(frozen=True)
class ChiefEntry:
    full_name: str
    phone: str  # any common way of writing a Togo mobile number; stored E.164
    village: Village
    role: str = ChiefRole.VILLAGE_CHIEF


def upsert_chiefs(entries: Sequence[ChiefEntry]) -> list[Outcome | ValidationError]:
    """Make each entry an active chief, in a handful of queries; one outcome (or error) per entry.

    A chief is the same person when the phone and the village are the same: the name and role are
    updated, and a pending registration is activated. Entries are applied in order, so two entries
    claiming one phone or one village leave the second in conflict.
    """
    phones: list[str | InvalidPhone] = []
    for entry in entries:
        try:
            phones.append(normalize_phone(entry.phone))
        except InvalidPhone as invalid:
            phones.append(invalid)
    valid_phones = [p for p in phones if isinstance(p, str)]
    village_ids = [entry.village.pk for entry in entries]
    current = list(
        Chief.objects.filter(status__in=[ChiefStatus.ACTIVE, ChiefStatus.PENDING])
        .filter(phone__in=valid_phones)
        .select_related("village")
        | Chief.objects.filter(
            status=ChiefStatus.ACTIVE, role=ChiefRole.VILLAGE_CHIEF, village_id__in=village_ids
        ).select_related("village")
    )
    active_by_phone = {c.phone: c for c in current if c.status == ChiefStatus.ACTIVE}
    village_chief = {
        c.village_id: c for c in current if c.status == ChiefStatus.ACTIVE and c.role == ChiefRole.VILLAGE_CHIEF
    }
    pending = {(c.phone, c.village_id): c for c in current if c.status == ChiefStatus.PENDING}
    now = timezone.now()
    outcomes: list[Outcome | ValidationError] = []
    to_create: list[Chief] = []
    to_update: dict[int, Chief] = {}
    for entry, phone in zip(entries, phones, strict=True):
        if isinstance(phone, InvalidPhone):
            outcomes.append(phone)
            continue
        holder = active_by_phone.get(phone)
        if holder is not None and holder.village_id != entry.village.pk:
            outcomes.append(
                ChiefConflict(
                    _("le numéro %(phone)s est déjà celui de %(name)s, chef actif de %(village)s")
                    % {"phone": phone, "name": holder.full_name, "village": holder.village}
                )
            )
            continue
        seated = village_chief.get(entry.village.pk)
        if entry.role == ChiefRole.VILLAGE_CHIEF and seated is not None and seated.phone != phone:
            outcomes.append(
                ChiefConflict(
                    _("le village %(village)s a déjà un chef de village actif : %(name)s (%(phone)s)")
                    % {"village": entry.village, "name": seated.full_name, "phone": seated.phone}
                )
            )
            continue
        chief = holder or pending.pop((phone, entry.village.pk), None)
        if chief is None:
            chief = Chief(
                full_name=entry.full_name,
                phone=phone,
                village=entry.village,
                role=entry.role,
                status=ChiefStatus.ACTIVE,
            )
            to_create.append(chief)
            outcomes.append(Outcome.CREATED)
        else:
            before = (chief.full_name, chief.role, chief.status)
            chief.full_name, chief.role, chief.status = entry.full_name, entry.role, ChiefStatus.ACTIVE
            if (chief.full_name, chief.role, chief.status) == before:
                outcomes.append(Outcome.UNCHANGED)
            else:
                outcomes.append(Outcome.UPDATED)
                if chief.pk is not None:
                    chief.updated_at = now
                    to_update[chief.pk] = chief
        active_by_phone[phone] = chief
        if village_chief.get(entry.village.pk) is chief and chief.role != ChiefRole.VILLAGE_CHIEF:
            del village_chief[entry.village.pk]
        if chief.role == ChiefRole.VILLAGE_CHIEF:
            village_chief[entry.village.pk] = chief
    with transaction.atomic():
        if to_update:
            Chief.objects.bulk_update(
                to_update.values(), ["full_name", "role", "status", "updated_at"], batch_size=BATCH_SIZE
            )
        Chief.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
    return outcomes


def upsert_chief(entry: ChiefEntry) -> tuple[Chief, Outcome]:
    """One chief, by the rules of `upsert_chiefs`; raises the `ValidationError` that stops it."""
    (outcome,) = upsert_chiefs([entry])
    if isinstance(outcome, ValidationError):
        raise outcome
    chief = Chief.objects.get(phone=normalize_phone(entry.phone), status=ChiefStatus.ACTIVE)
    return chief, outcome


# Reports ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportEntry:
    """One chief's report, as `record_reports` takes it."""

    chief: Chief
    period: str
    values: Mapping[str, int | bool]
    received_at: datetime
    population: int | None = None
    source: str = ""


def record_report(
    chief: Chief,
    *,
    period: str,
    values: Mapping[str, int | bool],
    received_at: datetime,
    population: int | None = None,
    source: str = "",
) -> Report:
    """Record a chief's report for their village and `period` (see `record_reports`)."""
    (report,) = record_reports([ReportEntry(chief, period, values, received_at, population, source)])
    return report


def record_reports(entries: Sequence[ReportEntry]) -> list[Report]:
    """Record reports of different villages together, in a fixed handful of statements however many they are
    (a national month's SMS are handled in batches).

    Each value supersedes, for its indicator only, the current value of the same village and month (a
    partial report leaves the other indicators as they were); superseded values stay as history.
    `POP` updates the village's population.
    """
    for entry in entries:
        parse_period(entry.period)
    village_ids = [entry.chief.village_id for entry in entries]
    if len(set(village_ids)) != len(village_ids):
        # Each report's difference is taken against the values current before the batch.
        raise ValueError("one report per village at a time")
    indicators = {i.key: i.pk for i in Indicator.objects.filter(key__in={k for e in entries for k in e.values})}
    unknown = {key for entry in entries for key in entry.values} - set(indicators)
    if unknown:
        raise ValueError(f"unknown indicators: {sorted(unknown)}")
    if not entries:
        return []
    # Within a caller's transaction no savepoint of its own (two round trips for every SMS): a failure here
    # fails the caller's transaction, or the savepoint it chose to open (the SMS handling does).
    with transaction.atomic(savepoint=False):
        # One report at a time per village: the "one current value" constraint is then never raced. Locked
        # in id order, in one statement: two batches sharing villages queue instead of deadlocking.
        villages = Village.objects.select_for_update().filter(pk__in=village_ids).order_by("pk")
        village = {v.pk: v for v in villages.only("pk", "population")}
        reports = _insert_reports(entries)
        values = [{indicators[key]: int(value) for key, value in entry.values.items()} for entry in entries]
        # Before the values change: the layers take the difference between the values current until now and
        # these, in this transaction, so they follow exactly the reports that are kept (or owe a recount).
        apply_reports(list(zip(reports, values, strict=True)))
        _replace_current_values(reports, values)
        for report in reports:
            if report.population is not None:
                set_village_population(village[report.village_id], report.population)
    return reports


# The two statements below write rows from arrays, one per column, where Django's `bulk_create` built a model
# instance and a dozen SQL parameters per row: a batch's values took longer to insert than to apply.


def _insert_reports(entries: Sequence[ReportEntry]) -> list[Report]:
    now = timezone.now()
    reports = [
        Report(
            village_id=entry.chief.village_id,
            chief=entry.chief,
            period=entry.period,
            population=entry.population,
            received_at=entry.received_at,
            source=entry.source,
            created_at=now,
        )
        for entry in entries
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO evillage_report (village_id, chief_id, period, population, received_at, source, created_at) "
            "SELECT v, c, p, n, r, s, %s FROM unnest(%s::bigint[], %s::bigint[], %s::varchar[], %s::int[], "
            "%s::timestamptz[], %s::varchar[]) AS u(v, c, p, n, r, s) RETURNING village_id, id",
            [
                now,
                [r.village_id for r in reports],
                [r.chief_id for r in reports],
                [r.period for r in reports],
                [r.population for r in reports],
                [r.received_at for r in reports],
                [r.source for r in reports],
            ],
        )
        ids = dict(cursor.fetchall())  # one report per village
    for report in reports:
        report.pk = ids[report.village_id]
    return reports


def _replace_current_values(reports: Sequence[Report], values: Sequence[Mapping[int, int]]) -> None:
    rows = [(r.pk, r.village_id, r.period, i, v) for r, vs in zip(reports, values, strict=True) for i, v in vs.items()]
    if not rows:
        return
    report_ids, villages, periods, indicators, numbers = (list(column) for column in zip(*rows, strict=True))
    with connection.cursor() as cursor:
        # Each current value looked up by its whole key (a subquery of its own, by `OFFSET 0`), then updated by
        # its id: as a join the planner read every current value of every month instead.
        cursor.execute(
            "UPDATE evillage_reportvalue SET is_current = FALSE WHERE id = ANY(ARRAY("
            "SELECT rv.id FROM unnest(%s::bigint[], %s::varchar[], %s::bigint[]) AS k(village_id, period, indicator_id)"
            " CROSS JOIN LATERAL (SELECT id FROM evillage_reportvalue WHERE is_current AND village_id = k.village_id "
            "AND period = k.period AND indicator_id = k.indicator_id OFFSET 0) rv))",
            [villages, periods, indicators],
        )
        cursor.execute(
            "INSERT INTO evillage_reportvalue (report_id, village_id, period, indicator_id, value, is_current) "
            "SELECT *, TRUE FROM unnest(%s::bigint[], %s::bigint[], %s::varchar[], %s::bigint[], %s::int[])",
            [report_ids, villages, periods, indicators, numbers],
        )


# Locations --------------------------------------------------------------------------------------------


def record_location(chief: Chief, point: Point, *, received_at: datetime) -> LocationCandidate:
    """A position proposed by the chief for their village, checked against the village's areas.

    Inside its canton (or prefecture) and the village not yet verified: the village moves there and is
    verified. Inside and within `LOCATION_TOLERANCE_METERS` of a verified position: confirmed, the verified
    position stays. Outside its areas, or far from a verified position: a conflict for the prefecture to
    review; the village stays where it was.
    """
    with transaction.atomic():
        village = Village.objects.select_for_update().get(pk=chief.village_id)
        check = check_location(village, point)
        tolerance = settings.LOCATION_TOLERANCE_METERS
        verified = village.location_status == LocationStatus.VERIFIED
        candidate = LocationCandidate(
            village=village,
            chief=chief,
            location=point,
            previous_location=village.location,
            distance_m=check.distance_m,
            received_at=received_at,
        )
        if not check.inside_areas:
            candidate.status = CandidateStatus.CONFLICT
            candidate.note = _("hors de son canton") if check.inside_canton is False else _("hors de sa prefecture")
        elif verified and check.distance_m > tolerance:
            candidate.status = CandidateStatus.CONFLICT
            candidate.note = _("a %(km).1f km de la position verifiee") % {"km": check.distance_m / 1000}
        else:
            candidate.status = CandidateStatus.ACCEPTED
            if not verified:
                move_village(village, point, source=LocationSource.SMS_GPS, status=LocationStatus.VERIFIED)
                # The village layer carries a copy of the position.
                mark_dirty(village.pk, period_of_moment(timezone.now()))
        candidate.save()
    return candidate


# Registrations and alerts ---------------------------------------------------------------------------


class UnknownVillage(ValueError):
    """No village has the code given."""


def request_registration(phone: str, village_code: str, full_name: str) -> Chief:
    """A phone asks to become a village's chief: a pending chief, for the prefecture to approve.

    A second request from the same pending phone replaces the first.
    """
    village = Village.objects.filter(code=village_code.upper()).first()
    if village is None:
        raise UnknownVillage(village_code)
    with transaction.atomic():
        pending = Chief.objects.select_for_update().filter(phone=phone, status=ChiefStatus.PENDING).first()
        if pending is None:
            return Chief.objects.create(full_name=full_name, phone=phone, village=village, status=ChiefStatus.PENDING)
        pending.full_name = full_name or pending.full_name
        pending.village = village
        pending.save(update_fields=["full_name", "village", "updated_at"])
        return pending


def record_alert(chief: Chief, text: str, *, received_at: datetime) -> Alert:
    return Alert.objects.create(chief=chief, village_id=chief.village_id, text=text[:300], received_at=received_at)


def official_phones(prefecture_id: int) -> list[str]:
    """Where a prefecture's alerts go."""
    return list(OfficialContact.objects.filter(area_id=prefecture_id, is_active=True).values_list("phone", flat=True))


# The prefecture's decisions (the work queues) ---------------------------------------------------------
# Each verb locks its row, refuses an item already decided (a second click, a colleague faster) with
# `AlreadyDecided`, and records who decided and when.


class AlreadyDecided(Exception):
    """The item was decided before: nothing was changed. Says by whom and when, when it is known."""

    def __init__(self, decided_by: Any = None, decided_at: datetime | None = None) -> None:
        super().__init__(decided_by, decided_at)
        self.decided_by = decided_by
        self.decided_at = decided_at


def accept_location(candidate: LocationCandidate, by: Any) -> LocationCandidate:
    """An official confirms a conflicting position: the village moves there and its position is verified.

    Within its prefecture, the village joins the canton that holds the point (so the chief's next GPS
    message agrees with it). A point outside its prefecture is taken as the village's position, but the
    village stays in its prefecture: changing that is an administrative act, done in the admin.
    """
    with transaction.atomic():
        candidate = _undecided_candidate(candidate)
        village = Village.objects.select_for_update().get(pk=candidate.village_id)
        check = check_location(village, candidate.location)
        if check.inside_prefecture and check.inside_canton is False:
            canton = (
                Area.objects.containing(candidate.location, level=Level.CANTON)
                .filter(parent_id=village.prefecture_id)
                .select_related("parent__parent")
                .order_by("pk")
                .first()
            )
            if canton is not None:
                place_village(village, canton=canton)
        note = "" if check.inside_prefecture else _("position acceptée hors de sa préfecture")
        move_village(
            village, candidate.location, source=LocationSource.SMS_GPS, status=LocationStatus.VERIFIED, note=note
        )
        # The village layer carries a copy of the position.
        mark_dirty(village.pk, period_of_moment(timezone.now()))
        return _decide_candidate(candidate, CandidateStatus.ACCEPTED, by)


def reject_location(candidate: LocationCandidate, by: Any) -> LocationCandidate:
    """An official keeps the village where it is."""
    with transaction.atomic():
        return _decide_candidate(_undecided_candidate(candidate), CandidateStatus.REJECTED, by)


def _undecided_candidate(candidate: LocationCandidate) -> LocationCandidate:
    locked = LocationCandidate.objects.select_for_update().get(pk=candidate.pk)
    if locked.status != CandidateStatus.CONFLICT:
        raise AlreadyDecided(locked.decided_by, locked.decided_at)
    return locked


def _decide_candidate(candidate: LocationCandidate, status: str, by: Any) -> LocationCandidate:
    candidate.status, candidate.decided_by, candidate.decided_at = status, by, timezone.now()
    candidate.save(update_fields=["status", "decided_by", "decided_at"])
    return candidate


def approve_registration(chief: Chief, by: Any) -> Chief:
    """A pending chief (registered by SMS) becomes active, by the rules of `upsert_chiefs`.

    Raises `ChiefConflict` when the phone or the village's seat has been taken meanwhile.
    """
    with transaction.atomic():
        pending = _pending_chief(chief)
        active, _outcome = upsert_chief(ChiefEntry(pending.full_name, pending.phone, pending.village, pending.role))
        if active.pk != pending.pk:
            raise ChiefConflict(
                _("le numéro %(phone)s est déjà celui d'un chef actif de %(village)s")
                % {"phone": pending.phone, "village": active.village}
            )
        return _decide_chief(active, by)


def refuse_registration(chief: Chief, by: Any) -> Chief:
    """A pending chief is refused: the phone is unknown again (quarantined when it writes)."""
    with transaction.atomic():
        pending = _pending_chief(chief)
        pending.status = ChiefStatus.REFUSED
        pending.save(update_fields=["status", "updated_at"])
        return _decide_chief(pending, by)


def register_chief(entry: ChiefEntry, by: Any) -> Chief:
    """An official makes a phone the active chief of a village (a quarantined number, say).

    The phone's pending requests for other villages are superseded by this decision: marked refused.
    """
    with transaction.atomic():
        chief, _outcome = upsert_chief(entry)
        Chief.objects.filter(phone=chief.phone, status=ChiefStatus.PENDING).exclude(pk=chief.pk).update(
            status=ChiefStatus.REFUSED, decided_by=by, decided_at=timezone.now(), updated_at=timezone.now()
        )
        return _decide_chief(chief, by)


def _pending_chief(chief: Chief) -> Chief:
    locked = Chief.objects.select_for_update(of=("self",)).select_related("village").get(pk=chief.pk)
    if locked.status != ChiefStatus.PENDING:
        raise AlreadyDecided(locked.decided_by, locked.decided_at)
    return locked


def _decide_chief(chief: Chief, by: Any) -> Chief:
    chief.decided_by, chief.decided_at = by, timezone.now()
    chief.save(update_fields=["decided_by", "decided_at", "updated_at"])
    return chief


def mark_alert_handled(alert: Alert, by: Any) -> Alert:
    with transaction.atomic():
        locked = Alert.objects.select_for_update().get(pk=alert.pk)
        if locked.handled_at is not None:
            raise AlreadyDecided(locked.handled_by, locked.handled_at)
        locked.handled_by, locked.handled_at = by, timezone.now()
        locked.save(update_fields=["handled_by", "handled_at"])
        return locked
