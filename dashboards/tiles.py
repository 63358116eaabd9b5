"""Vector tiles (Mapbox Vector Tile, `ST_AsMVT`) of villages and areas: `/tiles/<layer>/<z>/<x>/<y>.pbf`.

For maps that must scale past one country: the browser fetches only the tiles it shows. The rows come from
the same jurisdiction-scoped querysets as the GeoJSON endpoints, narrowed to the tile's bounding box (the
spatial index does the work); PostGIS clips, projects and encodes them.
"""

from __future__ import annotations

import math
from typing import Any

from django.contrib.gis.geos import Polygon
from django.db import connection
from django.db.models import F
from django.http import HttpResponse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dashboards.api.access import HasJurisdiction, jurisdiction
from dashboards.api.renderers import VectorTileRenderer
from dashboards.geojson import FeatureQuery, SimplifyPreserveTopology
from evillage.jurisdiction import Jurisdiction
from geo.models import Area, Level, Village

MAX_ZOOM = 22
EXTENT = 4096  # the tile's grid, in MVT units
BUFFER = 64  # geometry kept past the tile's edge, so symbols and outlines are not cut at it

# URL layer → area level (plus "villages").
AREA_LAYERS = {"regions": Level.REGION, "prefectures": Level.PREFECTURE, "communes": Level.COMMUNE}
AREA_LAYERS |= {"cantons": Level.CANTON}
LAYERS = ("villages", *AREA_LAYERS)


def tile_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """West, south, east, north (degrees) of a Web Mercator tile."""
    n = 2**z

    def lon(tx: float) -> float:
        return tx / n * 360.0 - 180.0

    def lat(ty: float) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * ty / n))))

    return lon(x), lat(y + 1), lon(x + 1), lat(y)


def check_tile(z: int, x: int, y: int) -> None:
    if not 0 <= z <= MAX_ZOOM:
        raise ValidationError({"z": [_("Zoom hors limites (0 à %(max)s).") % {"max": MAX_ZOOM}]})
    if not (0 <= x < 2**z and 0 <= y < 2**z):
        raise ValidationError({"xy": [_("Tuile hors limites pour ce zoom : x et y vont de 0 à 2^z - 1.")]})


def tile_features(scope: Jurisdiction, layer: str, z: int, x: int, y: int) -> FeatureQuery:
    west, south, east, north = tile_bounds(z, x, y)
    margin_x = (east - west) * BUFFER / EXTENT
    margin_y = (north - south) * BUFFER / EXTENT
    envelope = Polygon.from_bbox((west - margin_x, south - margin_y, east + margin_x, north + margin_y))
    envelope.srid = 4326
    if layer == "villages":
        villages = scope.scope(Village.objects.all(), "prefecture").filter(location__bboverlaps=envelope)
        properties: dict[str, Any] = {"code": "code", "name": "name", "prefecture": "prefecture__code"}
        properties["location_status"] = "location_status"
        return FeatureQuery(villages.order_by(), geometry="location", properties=properties)
    areas = scope.areas(Area.objects.active()).filter(level=AREA_LAYERS[layer], geom__bboverlaps=envelope)
    # One pixel of this zoom: finer detail would vanish in the tile's grid anyway.
    pixel = (east - west) / EXTENT
    return FeatureQuery(
        areas.order_by(),
        geometry=SimplifyPreserveTopology(F("geom"), pixel),
        properties={"code": "code", "name": "name", "level": "level"},
    )


def render_tile(features: FeatureQuery, layer: str, z: int, x: int, y: int) -> bytes:
    inner, params, aliases = features.projected_sql()
    quote = connection.ops.quote_name
    columns = ", ".join(f"t.{quote(alias)} AS {quote(name)}" for name, alias in aliases)
    sql = (
        f"SELECT ST_AsMVT(tile, %s, {EXTENT}, 'geom', 'feature_id') FROM ("  # noqa: S608 (ORM-compiled SQL)
        f"SELECT t.feature_id, {columns}, ST_AsMVTGeom(ST_Transform(t.feature_geom, 3857), "
        f"ST_TileEnvelope(%s, %s, %s), {EXTENT}, {BUFFER}, true) AS geom FROM ({inner}) t"
        ") AS tile WHERE tile.geom IS NOT NULL"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [layer, z, x, y, *params])
        data = cursor.fetchone()[0]
    return bytes(data) if data is not None else b""


class TileView(APIView):
    """One vector tile of villages or areas, scoped to the caller's jurisdiction."""

    permission_classes = [HasJurisdiction]
    renderer_classes = [VectorTileRenderer, JSONRenderer]

    @extend_schema(
        responses={200: OpenApiResponse(OpenApiTypes.BINARY, description="Mapbox Vector Tile")},
        description=gettext_lazy("Couches : villages, regions, prefectures, communes, cantons."),
    )
    def get(self, request: Request, layer: str, z: int, x: int, y: int) -> HttpResponse:
        if layer not in LAYERS:
            raise NotFound(_("Couche inconnue : %(layer)s.") % {"layer": layer})
        check_tile(z, x, y)
        data = render_tile(tile_features(jurisdiction(request), layer, z, x, y), layer, z, x, y)
        # A plain response: an empty tile (nothing there) is still a tile, with its content type.
        response = HttpResponse(data, content_type=VectorTileRenderer.media_type)
        # Scoped per user: a shared cache must never hand one official's tile to another.
        patch_cache_control(response, private=True, max_age=60)
        patch_vary_headers(response, ["Authorization", "Cookie"])
        return response

    def handle_exception(self, exc: Exception) -> Response:
        # Errors are JSON, whatever the tile client accepted.
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return super().handle_exception(exc)
