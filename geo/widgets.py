"""The admin's map widget: Leaflet from the project's static files, not OpenLayers from a CDN.

GeoDjango's `OSMWidget` loads OpenLayers from jsdelivr and tiles from openstreetmap.org, so on a ministry network
without internet the admin shows an empty box. This widget draws the geometry with the Leaflet the pages already
serve, over the configured base tiles (MAP_TILES_URL) if any and the outline of Togo's regions, which keeps the
map readable with no tiles. A point can be placed by clicking the map or dragging its marker; other geometries
(boundaries) are shown, not edited: they come from the boundary importers.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.contrib.gis.db.models import GeometryField
from django.contrib.gis.db.models.functions import AsGeoJSON
from django.contrib.gis.forms.widgets import BaseGeometryWidget
from django.db.models.expressions import Func, Value

# Degrees: the regions' outline is context, not data; 0.01° (~1 km) keeps it to a few kilobytes.
OUTLINE_TOLERANCE = 0.01


class LeafletWidget(BaseGeometryWidget):
    template_name = "geo/leaflet_widget.html"
    map_srid = 4326

    class Media:
        css = {"all": ("vendor/leaflet/leaflet.css", "geo/leaflet-widget.css")}
        js = ("vendor/leaflet/leaflet.js", "geo/leaflet-widget.js")

    def serialize(self, value: Any) -> str:
        return value.json if value else ""

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        context["options_id"] = f"{context.get('id') or name}_options"
        context["options"] = {
            "editable": context["geom_type"] == "Point" and not context.get("disabled"),
            "tiles": settings.MAP_TILES_URL,
            "attribution": settings.MAP_TILES_ATTRIBUTION,
            "outline": regions_outline(),
        }
        return context


def regions_outline() -> dict[str, Any]:
    """The active boundary set's regions, simplified, as a GeoJSON FeatureCollection."""
    from geo.models import Area, Level

    simplified = Func(
        "geom", Value(OUTLINE_TOLERANCE), function="ST_SimplifyPreserveTopology", output_field=GeometryField(srid=4326)
    )
    shapes = Area.objects.active().at_level(Level.REGION).annotate(shape=AsGeoJSON(simplified, precision=3))
    features = [
        {"type": "Feature", "properties": {"name": name}, "geometry": json.loads(shape)}
        for name, shape in shapes.values_list("name", "shape")
        if shape
    ]
    return {"type": "FeatureCollection", "features": features}
