"""What each work queue holds for one user: querysets scoped by `jurisdiction_of`, and their open counts.

The actions look their item up in the same scoped querysets, decided items included (a second click gets
"already decided", not a 404); an item out of scope is not found.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Window
from django.db.models.fields.json import KT
from django.db.models.functions import Coalesce, RowNumber

from dashboards.geojson import FeatureQuery, SimplifyPreserveTopology
from dashboards.queries import TOLERANCE_BY_LEVEL
from evillage.jurisdiction import Jurisdiction
from evillage.layers import non_reporting_villages
from evillage.models import Alert, CandidateStatus, Chief, ChiefStatus, LocationCandidate
from geo.models import Area, Level, Village
from sms_gateway.models import InboxMessage, QuarantinedNumber

# How many of a quarantined number's messages its card shows (the newest).
MESSAGES_PER_NUMBER = 5


def non_reporting(scope: Jurisdiction, period: str, area: Area | None = None) -> QuerySet[Village]:
    """Villages expected to report in `period` that did not, in `area` (already in scope) or the whole scope."""
    return scope.scope(non_reporting_villages(period, area), "prefecture")


def outlines(scope: Jurisdiction, area: Area | None) -> FeatureQuery:
    """The outline of the area shown, or of the user's prefectures, simplified for a page."""
    areas = scope.areas(Area.objects.active())
    areas = areas.filter(pk=area.pk) if area is not None else areas.filter(level=Level.PREFECTURE)
    tolerance = TOLERANCE_BY_LEVEL[area.level if area is not None else Level.PREFECTURE]
    return FeatureQuery(
        areas.order_by("pk"), SimplifyPreserveTopology(F("geom"), tolerance), {"name": "name"}, precision=4
    )


def filter_areas(scope: Jurisdiction) -> QuerySet[Area]:
    """The prefectures and cantons a user may filter by, in the active boundary set."""
    areas = Area.objects.active().filter(level__in=[Level.PREFECTURE, Level.CANTON])
    return scope.areas(areas).defer("geom").select_related("parent").order_by("level", "name")


def candidates(scope: Jurisdiction) -> QuerySet[LocationCandidate]:
    return scope.scope(LocationCandidate.objects.all(), "village__prefecture")


def conflicts(scope: Jurisdiction) -> QuerySet[LocationCandidate]:
    """Positions waiting for review, oldest first (the chief has waited longest)."""
    return (
        candidates(scope)
        .filter(status=CandidateStatus.CONFLICT)
        .select_related("village", "chief")
        .order_by("received_at", "pk")
    )


def source_messages(items: list[LocationCandidate]) -> dict[int, InboxMessage]:
    """The SMS each position came from, by candidate id (one query).

    A candidate is recorded with the chief and the message's date (`provider_date`, else `received_at`):
    the same pair finds the message again.
    """
    wanted = {(c.chief_id, c.received_at): c.pk for c in items if c.chief_id is not None}
    if not wanted:
        return {}
    messages = InboxMessage.objects.annotate(sent_at=Coalesce("provider_date", "received_at")).filter(
        chief_id__in={chief for chief, _at in wanted}, sent_at__in={at for _chief, at in wanted}
    )
    found = {}
    for message in messages.order_by("pk"):
        candidate_id = wanted.get((message.chief_id, message.sent_at))
        if candidate_id is not None:
            found.setdefault(candidate_id, message)
    return found


def numbers(scope: Jurisdiction) -> QuerySet[QuarantinedNumber]:
    """Quarantined numbers a user may act on.

    An unknown number belongs to no prefecture. One whose messages name villages (`INSCR <code>`) is the
    business of those villages' prefectures; one that named none is every official's to claim.
    """
    qs = QuarantinedNumber.objects.all()
    if scope.national:
        return qs
    named = (
        InboxMessage.objects.filter(sender=OuterRef("phone"))
        .annotate(village_code=KT("parse_result__village_code"))
        .filter(village_code__isnull=False)
    )
    ours = named.filter(village_code__in=scope.scope(Village.objects.all(), "prefecture").values("code"))
    return qs.filter(~Exists(named) | Exists(ours))


def open_numbers(scope: Jurisdiction) -> QuerySet[QuarantinedNumber]:
    return numbers(scope).open().order_by("-last_seen_at", "pk")


def messages_of(phones: list[str]) -> dict[str, list[InboxMessage]]:
    """The newest messages of each phone (one query)."""
    ranked = InboxMessage.objects.filter(sender__in=phones).annotate(
        rank=Window(RowNumber(), partition_by="sender", order_by=["-received_at", "-pk"])
    )
    by_phone: dict[str, list[InboxMessage]] = defaultdict(list)
    for message in ranked.filter(rank__lte=MESSAGES_PER_NUMBER).order_by("sender", "rank"):
        by_phone[message.sender].append(message)
    return by_phone


def registrations(scope: Jurisdiction) -> QuerySet[Chief]:
    return scope.scope(Chief.objects.all(), "village__prefecture")


def pending_registrations(scope: Jurisdiction) -> QuerySet[Chief]:
    return (
        registrations(scope)
        .filter(status=ChiefStatus.PENDING)
        .select_related("village__canton", "village__prefecture")
        .defer("village__canton__geom", "village__prefecture__geom")
        .order_by("created_at", "pk")
    )


def alerts(scope: Jurisdiction) -> QuerySet[Alert]:
    return scope.scope(Alert.objects.all(), "village__prefecture")


@dataclass(frozen=True)
class Counts:
    non_reporting: int
    conflicts: int
    numbers: int
    registrations: int
    alerts: int


def open_counts(scope: Jurisdiction, period: str) -> Counts:
    return Counts(
        non_reporting=non_reporting(scope, period).count(),
        conflicts=candidates(scope).filter(status=CandidateStatus.CONFLICT).count(),
        numbers=numbers(scope).open().count(),
        registrations=registrations(scope).filter(status=ChiefStatus.PENDING).count(),
        alerts=alerts(scope).filter(handled_at__isnull=True).count(),
    )


def unhandled_first(queryset: QuerySet[Alert]) -> QuerySet[Alert]:
    return queryset.annotate(handled=Q(handled_at__isnull=False)).order_by("handled", "-received_at", "-pk")
