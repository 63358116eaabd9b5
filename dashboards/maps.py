"""folium maps that load nothing from the internet.

folium points its Leaflet, jQuery and Bootstrap at public CDNs; `OfflineMap` points Leaflet and jQuery at
the project's own static files (the xstatic wheels, see STATICFILES_DIRS) and drops what no page renders:
Bootstrap (the pages' few rules are in dashboards/pages.css: 200 KB less for a slow connection), Font
Awesome, awesome-markers and Bootstrap 3's glyphicons. Base tiles come from MAP_TILES_URL; without it the map has
no tile layer and the boundaries drawn on it keep it readable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import folium
from django.conf import settings
from django.templatetags.static import static

# Togo, whole: the view a national page opens on.
TOGO_CENTER = (8.6, 0.95)
TOGO_ZOOM = 7
# folium's header sets its own viewport with `maximum-scale=1.0, user-scalable=no`, which forbids zooming the
# page on a phone (and fails WCAG 1.4.4). Our pages set the viewport in base.html: folium's is dropped.
FOLIUM_VIEWPORT = re.compile(r'<meta\s+name="viewport"[^>]*>', re.IGNORECASE)


class OfflineMap(folium.Map):
    """A `folium.Map` whose assets are our static files (resolved at render, when static URLs are known)."""

    @property  # type: ignore[override]
    def default_js(self) -> list[tuple[str, str]]:
        return [
            ("leaflet", static("vendor/leaflet/leaflet.js")),
            ("jquery", static("vendor/jquery/jquery.min.js")),
        ]

    @property  # type: ignore[override]
    def default_css(self) -> list[tuple[str, str]]:
        return [
            ("leaflet_css", static("vendor/leaflet/leaflet.css")),
        ]


def base_map(location: tuple[float, float] = TOGO_CENTER, zoom: int = TOGO_ZOOM) -> OfflineMap:
    """An empty map of Togo: the configured tiles if any, else none."""
    tiles = settings.MAP_TILES_URL or None
    return OfflineMap(
        location=list(location),
        zoom_start=zoom,
        tiles=tiles,
        attr=settings.MAP_TILES_ATTRIBUTION if tiles else None,
        control_scale=True,
        prefer_canvas=True,
    )


@dataclass(frozen=True)
class RenderedMap:
    """The parts of a rendered map, to place in a page of our own: links in <head>, the div, the script."""

    name: str  # the JavaScript variable holding the Leaflet map
    header: str
    html: str
    script: str


def render(fmap: folium.Map) -> RenderedMap:
    figure = fmap.get_root()
    figure.render()
    return RenderedMap(
        name=fmap.get_name(),
        header=FOLIUM_VIEWPORT.sub("", figure.header.render()),
        html=figure.html.render(),
        script=figure.script.render(),
    )
