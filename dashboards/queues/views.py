"""The work queues' pages. Thin: a scoped lookup, a form at the edge, a service verb, a message, a redirect.

Every page needs a login and a jurisdiction (none: 403). An item outside the user's jurisdiction is not
found (404), whatever its id. An item decided already is reported as such and left unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import folium
from django.contrib import messages
from django.contrib.gis.db.models import Extent
from django.contrib.gis.db.models.functions import Distance
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from dashboards import maps
from dashboards.access import scoped_page
from dashboards.geojson import FeatureQuery
from dashboards.queues import queries
from dashboards.queues.forms import AlertFilter, NonReportingFilter, RegisterNumberForm, recent_periods
from evillage import services
from evillage.jurisdiction import Jurisdiction
from evillage.models import Chief, ChiefStatus
from evillage.services import AlreadyDecided
from geo.models import Village
from sms_gateway import registrations

PER_PAGE = 25
# Each conflict carries a small map: fewer per page.
CONFLICTS_PER_PAGE = 10


def _page(request: HttpRequest, queryset: Any, per_page: int = PER_PAGE) -> Page:
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def _decided(request: HttpRequest, queue: str, action: Callable[[], object], done: str) -> HttpResponseRedirect:
    """Run a decision; say what came of it on the queue's page."""
    try:
        action()
    except AlreadyDecided as decided:
        messages.warning(request, _already_decided(decided))
    except ValidationError as refused:  # ChiefConflict, InvalidPhone: the rules of the registry
        messages.error(request, " ".join(refused.messages))
    else:
        messages.success(request, done)
    return HttpResponseRedirect(reverse(queue))


def _already_decided(decided: AlreadyDecided) -> str:
    if decided.decided_by is None or decided.decided_at is None:
        return _("Déjà traité : rien n'a été changé.")
    return _("Déjà traité par %(user)s le %(date)s : rien n'a été changé.") % {
        "user": decided.decided_by.get_username(),
        "date": formats.date_format(timezone.localtime(decided.decided_at), "SHORT_DATETIME_FORMAT"),
    }


# The index ---------------------------------------------------------------------------------------------


@require_GET
@scoped_page
def index(request: HttpRequest, scope: Jurisdiction) -> HttpResponse:
    period = recent_periods()[0]
    return render(
        request, "dashboards/queues/index.html", {"counts": queries.open_counts(scope, period), "period": period}
    )


# Non-reporting villages ---------------------------------------------------------------------------------


@require_GET
@scoped_page
def non_reporting(request: HttpRequest, scope: Jurisdiction) -> HttpResponse:
    form = NonReportingFilter(request.GET or None, areas=queries.filter_areas(scope))
    if form.is_bound and not form.is_valid():
        if "zone" in form.errors:  # an area outside the scope, or no area at all
            raise Http404
        form = NonReportingFilter(areas=queries.filter_areas(scope))
    period = form.cleaned_data["period"] if form.is_bound else form.fields["period"].initial
    zone = form.cleaned_data["zone"] if form.is_bound else None
    villages = queries.non_reporting(scope, period, zone)
    listed = (
        villages.select_related("canton", "prefecture")
        .defer("canton__geom", "prefecture__geom")
        .prefetch_related(
            Prefetch("chiefs", Chief.objects.filter(status=ChiefStatus.ACTIVE).order_by("pk"), to_attr="active_chiefs")
        )
        .order_by("prefecture__name", "canton__name", "name", "pk")
    )
    page = _page(request, listed)
    context = {
        "form": form,
        "period": period,
        "zone": zone,
        "page": page,
        "period_label": f"{period[5:]}/{period[:4]}",
        "map": maps.render(_villages_map(villages, queries.outlines(scope, zone))),
        "query": _without_page(request),
    }
    return render(request, "dashboards/queues/non_reporting.html", context)


def _villages_map(villages: Any, outlines: FeatureQuery) -> maps.OfflineMap:
    """The villages as one GeoJSON layer of circles (PostGIS writes the collection), zoomed on them, over
    the outlines of the areas shown (the map stays readable without tiles)."""
    fmap = maps.base_map()
    folium.GeoJson(
        json.loads(outlines.collection()),
        name=_("Limites"),
        style_function=_outline_style,
        tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False),
    ).add_to(fmap)
    extent = villages.aggregate(extent=Extent("location"))["extent"]
    features = json.loads(
        FeatureQuery(villages.order_by(), "location", {"code": "code", "name": "name"}, precision=5).collection()
    )
    # Every village reported: the outlines alone (folium refuses a tooltip on an empty collection).
    if features["features"]:
        folium.GeoJson(
            features,
            name=_("Villages sans rapport"),
            marker=folium.CircleMarker(radius=5, color="#b02a37", fill=True, fill_opacity=0.8, weight=1),
            tooltip=folium.GeoJsonTooltip(fields=["name", "code"], aliases=[_("Village"), _("Code")]),
        ).add_to(fmap)
    if extent is not None:
        west, south, east, north = extent
        _fit(fmap, south, west, north, east, max_zoom=12)
    return fmap


def _outline_style(feature: Any) -> dict[str, Any]:
    return {"color": "#198754", "weight": 1.5, "fillOpacity": 0.04}


def _fit(fmap: maps.OfflineMap, south: float, west: float, north: float, east: float, **options: Any) -> None:
    """Open the map on these bounds at once (no zoom animation), clear of the zoom and scale controls."""
    fit = folium.map.FitBounds([[south, west], [north, east]], padding=(45, 45), **options)
    fit.options["animate"] = False
    fmap.add_child(fit)


def _without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# Location conflicts -------------------------------------------------------------------------------------


@require_GET
@scoped_page
def conflicts(request: HttpRequest, scope: Jurisdiction) -> HttpResponse:
    listed = queries.conflicts(scope).annotate(current_distance=Distance("location", "village__location"))
    page = _page(request, listed, CONFLICTS_PER_PAGE)
    items = list(page.object_list)
    sources = queries.source_messages(items)
    rendered = [maps.render(_conflict_map(item.village.location, item.location)) for item in items]
    context = {
        "page": page,
        "items": [
            {"candidate": item, "source": sources.get(item.pk), "map": rendered_map}
            for item, rendered_map in zip(items, rendered, strict=True)
        ],
        # Every map loads the same Leaflet files: the page links them once.
        "map_header": rendered[0].header if rendered else "",
    }
    return render(request, "dashboards/queues/conflicts.html", context)


def _conflict_map(current: Any, proposed: Any) -> maps.OfflineMap:
    fmap = maps.base_map(location=((current.y + proposed.y) / 2, (current.x + proposed.x) / 2), zoom=12)
    folium.PolyLine([(current.y, current.x), (proposed.y, proposed.x)], color="#6c757d", dash_array="4").add_to(fmap)
    folium.CircleMarker(
        (current.y, current.x), radius=7, color="#0d6efd", fill=True, fill_opacity=0.9, tooltip=_("Position actuelle")
    ).add_to(fmap)
    folium.CircleMarker(
        (proposed.y, proposed.x), radius=7, color="#b02a37", fill=True, fill_opacity=0.9, tooltip=_("Position proposée")
    ).add_to(fmap)
    south, north = sorted((current.y, proposed.y))
    west, east = sorted((current.x, proposed.x))
    _fit(fmap, south, west, north, east, max_zoom=14)
    return fmap


@require_POST
@scoped_page
def accept_conflict(request: HttpRequest, scope: Jurisdiction, pk: int) -> HttpResponse:
    candidate = get_object_or_404(queries.candidates(scope).select_related("village"), pk=pk)
    return _decided(
        request,
        "queues:conflicts",
        lambda: services.accept_location(candidate, request.user),
        _("Position acceptée : %(village)s est déplacé au point proposé.") % {"village": candidate.village.name},
    )


@require_POST
@scoped_page
def reject_conflict(request: HttpRequest, scope: Jurisdiction, pk: int) -> HttpResponse:
    candidate = get_object_or_404(queries.candidates(scope).select_related("village"), pk=pk)
    return _decided(
        request,
        "queues:conflicts",
        lambda: services.reject_location(candidate, request.user),
        _("Position rejetée : %(village)s reste où il était.") % {"village": candidate.village.name},
    )


# Quarantined numbers ------------------------------------------------------------------------------------


def _scoped_villages(scope: Jurisdiction) -> Any:
    return scope.scope(Village.objects.all(), "prefecture")


def _numbers_context(scope: Jurisdiction, numbers: list[Any], forms: dict[int, RegisterNumberForm]) -> dict[str, Any]:
    by_phone = queries.messages_of([n.phone for n in numbers])
    villages = _scoped_villages(scope)
    return {
        "numbers": [
            {
                "number": n,
                "messages": by_phone.get(n.phone, []),
                "form": forms.get(n.pk) or RegisterNumberForm(villages=villages, auto_id=f"n{n.pk}-%s"),
            }
            for n in numbers
        ],
        # A prefecture's villages fit a suggestion list; the nation's 4,300 do not: codes are typed.
        "village_choices": None if scope.national else villages.order_by("code").values_list("code", "name"),
    }


@require_GET
@scoped_page
def numbers(request: HttpRequest, scope: Jurisdiction) -> HttpResponse:
    page = _page(request, queries.open_numbers(scope))
    context = {"page": page, **_numbers_context(scope, list(page.object_list), {})}
    return render(request, "dashboards/queues/numbers.html", context)


@require_POST
@scoped_page
def register_number(request: HttpRequest, scope: Jurisdiction, pk: int) -> HttpResponse:
    number = get_object_or_404(queries.numbers(scope), pk=pk)
    if not number.is_open:
        messages.warning(request, _already_decided(AlreadyDecided(number.resolved_by, number.resolved_at)))
        return HttpResponseRedirect(reverse("queues:numbers"))
    form = RegisterNumberForm(request.POST, villages=_scoped_villages(scope), auto_id=f"n{number.pk}-%s")
    if not form.is_valid():
        # The number alone, with what was typed and what is wrong.
        context = {"page": None, **_numbers_context(scope, [number], {number.pk: form})}
        return render(request, "dashboards/queues/numbers.html", context, status=400)
    village = form.cleaned_data["village"]
    return _decided(
        request,
        "queues:numbers",
        lambda: registrations.register_number(
            number,
            village=village,
            full_name=form.cleaned_data["full_name"],
            role=form.cleaned_data["role"],
            by=request.user,
        ),
        _("%(phone)s est inscrit comme chef de %(village)s ; un SMS de bienvenue lui est envoyé.")
        % {"phone": number.phone, "village": village.name},
    )


# Pending registrations ----------------------------------------------------------------------------------


@require_GET
@scoped_page
def registrations_list(request: HttpRequest, scope: Jurisdiction) -> HttpResponse:
    page = _page(request, queries.pending_registrations(scope))
    return render(request, "dashboards/queues/registrations.html", {"page": page})


@require_POST
@scoped_page
def approve_registration(request: HttpRequest, scope: Jurisdiction, pk: int) -> HttpResponse:
    chief = get_object_or_404(queries.registrations(scope).select_related("village"), pk=pk)
    return _decided(
        request,
        "queues:registrations",
        lambda: registrations.approve(chief, request.user),
        _("%(name)s est maintenant chef de %(village)s ; il en est informé par SMS.")
        % {"name": chief.full_name or chief.phone, "village": chief.village.name},
    )


@require_POST
@scoped_page
def refuse_registration(request: HttpRequest, scope: Jurisdiction, pk: int) -> HttpResponse:
    chief = get_object_or_404(queries.registrations(scope).select_related("village"), pk=pk)
    return _decided(
        request,
        "queues:registrations",
        lambda: registrations.refuse(chief, request.user),
        _("Inscription de %(name)s refusée ; il en est informé par SMS.") % {"name": chief.full_name or chief.phone},
    )


# Alerts -------------------------------------------------------------------------------------------------


@require_GET
@scoped_page
def alerts(request: HttpRequest, scope: Jurisdiction) -> HttpResponse:
    form = AlertFilter(request.GET or None)
    state = form.cleaned_data["state"] if form.is_valid() else AlertFilter.OPEN
    listed = queries.alerts(scope).select_related("chief", "village", "handled_by")
    if state == AlertFilter.OPEN:
        listed = listed.filter(handled_at__isnull=True).order_by("-received_at", "-pk")
    elif state == AlertFilter.HANDLED:
        listed = listed.filter(handled_at__isnull=False).order_by("-received_at", "-pk")
    else:
        listed = queries.unhandled_first(listed)
    page = _page(request, listed)
    return render(
        request,
        "dashboards/queues/alerts.html",
        {"page": page, "form": form, "state": state, "query": _without_page(request)},
    )


@require_POST
@scoped_page
def handle_alert(request: HttpRequest, scope: Jurisdiction, pk: int) -> HttpResponse:
    alert = get_object_or_404(queries.alerts(scope), pk=pk)
    return _decided(
        request, "queues:alerts", lambda: services.mark_alert_handled(alert, request.user), _("Alerte marquée traitée.")
    )
