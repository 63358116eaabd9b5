"""folium maps built from our static files only: no CDN, tiles only when configured."""

from __future__ import annotations

import re

from django.contrib.staticfiles import finders

from dashboards.maps import base_map, render

URL = re.compile(r"""https?://[^\s"'<>)]+""")
STATIC = re.compile(r"""(?:src|href)="/static/([^"]+)\"""")
ASSET = re.compile(r"""<(?:script[^>]*\ssrc|link[^>]*\shref)="([^"]+)\"""")


def page(rendered) -> str:  # type: ignore[no-untyped-def]
    return rendered.header + rendered.html + rendered.script


def test_a_map_without_configured_tiles_names_no_internet_address_and_has_no_tile_layer(settings):
    settings.MAP_TILES_URL = ""
    html = page(render(base_map()))
    assert URL.findall(html) == []
    # Every script and stylesheet is ours (a random CSRF token may spell "cdn": look at addresses only).
    assert [link for link in ASSET.findall(html) if not link.startswith("/static/")] == []
    assert "tileLayer" not in html


def test_every_asset_of_a_map_is_a_static_file_of_the_project(settings):
    settings.MAP_TILES_URL = ""
    html = page(render(base_map()))
    assets = STATIC.findall(html)
    assert {"vendor/leaflet/leaflet.js", "vendor/leaflet/leaflet.css"} <= set(assets)
    assert [asset for asset in assets if finders.find(asset) is None] == []


def test_leaflet_images_are_served_beside_its_stylesheet():
    assert finders.find("vendor/leaflet/images/layers.png") is not None


def test_configured_tiles_are_the_only_address_on_the_map(settings):
    settings.MAP_TILES_URL = "https://tiles.gouv.tg/{z}/{x}/{y}.png"
    settings.MAP_TILES_ATTRIBUTION = "© Ministère"
    rendered = render(base_map())
    html = page(rendered)
    assert set(URL.findall(html)) == {"https://tiles.gouv.tg/{z}/{x}/{y}.png"}
    assert "Minist" in html  # the attribution (JSON-escaped in the script)
    assert rendered.name in rendered.script
