"""The pages of places: a prefecture (its cantons and villages on a map) and a village (chiefs, location,
history, messages).

Both reach their row through `dashboards.access.get_in_scope`: outside the user's jurisdiction a place
does not exist (404).
The prefecture page carries no villages: its script (static/dashboards/prefecture.js) fetches them from
`/api/v1/villages/`, which applies the same jurisdiction, so the HTML stays small whatever the prefecture.
"""

from __future__ import annotations

import json
from dataclasses import asdict

import folium
from django.contrib.gis.geos import GEOSGeometry
from django.db.models import F
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from dashboards import maps
from dashboards.access import get_in_scope, scoped_page
from dashboards.geojson import SimplifyPreserveTopology
from dashboards.places.conversation import MESSAGES_SHOWN, conversation
from dashboards.places.history import HISTORY_MONTHS, history_chart
from dashboards.places.legend import NO_DATA, PALETTE, value_classes
from dashboards.queries import TOLERANCE_BY_LEVEL
from evillage.jurisdiction import Jurisdiction
from evillage.models import ChiefStatus, Indicator
from evillage.periods import period_of_moment
from geo.models import Area, Level, LocationStatus, Village

# The words prefecture.js shows, translated here with the rest of the page.
MAP_LABELS = {
    "loading": _("Chargement…"),
    "error": _("Impossible de charger les villages."),
    "villages": _("villages"),
    "no_villages": _("Aucun village"),
    "no_data": _("pas de données"),
    "stale": _("valeur ancienne"),
    "month": _("mois"),
    "open": _("Ouvrir la fiche du village"),
}
# A village page's marker: green where the position is confirmed, orange where not yet, red in conflict.
LOCATION_COLOURS = {
    LocationStatus.VERIFIED: PALETTE[-1],
    LocationStatus.UNVERIFIED: PALETTE[1],
    LocationStatus.CONFLICT: PALETTE[0],
}
CHIEF_ORDER = {ChiefStatus.ACTIVE: 0, ChiefStatus.PENDING: 1, ChiefStatus.RETIRED: 2}
# An area's boundaries are heavy: pages of places read names and codes only.
HEAVY_AREA_FIELDS = ("canton__geom", "prefecture__geom", "region__geom")


def outline(geometry: GEOSGeometry) -> folium.GeoJson:
    """An area's border as a plain line: the map stays readable without base tiles."""
    return folium.GeoJson(
        geometry.geojson,
        style_function=lambda _feature: {"color": "#212529", "weight": 3, "fill": False},
        interactive=False,
        control=False,
    )


def active_indicators() -> list[Indicator]:
    return list(Indicator.objects.filter(is_active=True).order_by("card_order"))


@scoped_page
def prefecture(request: HttpRequest, scope: Jurisdiction, code: str) -> HttpResponse:
    tolerance = TOLERANCE_BY_LEVEL[Level.PREFECTURE]
    prefectures = (
        Area.objects.active()
        .filter(level=Level.PREFECTURE)
        .select_related("parent")
        .defer("geom", "parent__geom")
        .annotate(outline=SimplifyPreserveTopology(F("geom"), tolerance))
    )
    area = get_in_scope(scope, prefectures, "pk", code=code)
    indicators = active_indicators()
    chosen = request.GET.get("indicator")
    if chosen not in {i.key for i in indicators}:
        chosen = indicators[0].key if indicators else ""

    west, south, east, north = area.outline.extent
    fmap = maps.base_map(location=((south + north) / 2, (west + east) / 2))
    # The prefecture's border, drawn by the server: the map is readable before (or without) the API.
    outline(area.outline).add_to(fmap)
    config = {
        "labels": MAP_LABELS,
        "no_data": NO_DATA,
        "indicators": {i.key: {"label": i.label, "classes": [asdict(c) for c in value_classes(i)]} for i in indicators},
    }
    context = {
        "area": area,
        "map": maps.render(fmap),
        "indicators": indicators,
        "chosen": chosen,
        "config": config,
        "villages_url": reverse("api:villages") + "?" + urlencode({"prefecture": area.code}),
        "cantons_url": reverse("api:areas") + "?" + urlencode({"level": Level.CANTON, "parent": area.code}),
        "village_url": reverse("village", kwargs={"code": "__code__"}),
        "bounds": json.dumps([[south, west], [north, east]]),  # prefecture.js fits the map to them
    }
    return render(request, "dashboards/places/prefecture.html", context)


@scoped_page
def village(request: HttpRequest, scope: Jurisdiction, code: str) -> HttpResponse:
    # The area the village should lie in (its canton, else its prefecture), outlined around its point.
    villages = (
        Village.objects.select_related("canton", "prefecture", "region")
        .defer(*HEAVY_AREA_FIELDS)
        .annotate(
            outline=SimplifyPreserveTopology(
                Coalesce(F("canton__geom"), F("prefecture__geom")), TOLERANCE_BY_LEVEL[Level.CANTON]
            )
        )
    )
    place = get_in_scope(scope, villages, "prefecture", code=code)
    chiefs = sorted(place.chiefs.all(), key=lambda chief: (CHIEF_ORDER.get(chief.status, 9), chief.full_name))
    indicators = active_indicators()

    fmap = maps.base_map(location=(place.location.y, place.location.x), zoom=13)
    outline(place.outline).add_to(fmap)
    west, south, east, north = place.outline.extent
    # village.js fits the map to the area and the point, even a conflicting point outside the area.
    bounds = [
        [min(south, place.location.y), min(west, place.location.x)],
        [max(north, place.location.y), max(east, place.location.x)],
    ]
    folium.CircleMarker(
        [place.location.y, place.location.x],
        radius=9,
        color="#212529",
        weight=2,
        fill=True,
        fill_color=LOCATION_COLOURS.get(place.location_status, NO_DATA),
        fill_opacity=0.9,
        tooltip=place.name,
    ).add_to(fmap)
    context = {
        "village": place,
        "chiefs": chiefs,
        "map": maps.render(fmap),
        "bounds": json.dumps(bounds),
        "chart": history_chart(place, indicators, period_of_moment(timezone.now())),
        "history_months": HISTORY_MONTHS,
        "messages": conversation(chiefs),
        "messages_shown": MESSAGES_SHOWN,
        "location_colour": LOCATION_COLOURS.get(place.location_status, NO_DATA),
    }
    return render(request, "dashboards/places/village.html", context)
