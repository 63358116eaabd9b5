"""The API on the national dataset: the GeoJSON of ~4,300 villages through the whole stack (Django test client
as the ministry: session, jurisdiction, parameters, DRF) beside the raw `json_agg` query alone, beside
DRF-gis's serializer; and one vector tile at national zoom, p50/p99 over repeated requests.
"""

from __future__ import annotations

import io
import statistics
import time
from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.test import Client
from rest_framework.renderers import JSONRenderer
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from dashboards import queries
from evillage.jurisdiction import NATION
from evillage.models import Official, Role
from geo.models import Village

RUNS = 21
TILE_RUNS = 200
# The z=6 tile east of the Greenwich meridian, 0–5.6° E, 5.6–11.2° N: most of Togo in one tile.
NATIONAL_TILE = (6, 32, 30)


class VillageFeatureSerializer(GeoFeatureModelSerializer):
    """The same features the conventional way, for comparison only."""

    class Meta:
        model = Village
        geo_field = "location"
        fields = ["id", "code", "name", "population", "location_status", "location_source"]


def _timed(action: Callable[[], Any], runs: int) -> list[float]:
    action()  # warm caches and the connection
    durations = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        durations.append((time.perf_counter() - started) * 1000)
    return durations


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def run() -> dict[str, Any]:
    call_command("load_national_dataset", stdout=io.StringIO(), stderr=io.StringIO(), verbosity=0)
    user = get_user_model().objects.create_user("bench-ministry")  # force_login: no password needed
    Official.objects.create(user=user, role=Role.MINISTRY)
    client = Client(SERVER_NAME="localhost")  # a host ALLOWED_HOSTS accepts (the test client's is not)
    client.force_login(user)
    villages = Village.objects.count()

    def through_api() -> bytes:
        response = client.get("/api/v1/villages/")
        assert response.status_code == 200, response.content[:300]
        return response.content

    sql, params = queries.village_features(NATION, {}).collection_sql()

    def raw_query() -> str:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return str(cursor.fetchone()[0])

    def drf_gis() -> bytes:
        rows = Village.objects.order_by("code")
        return JSONRenderer().render(VillageFeatureSerializer(rows, many=True).data)

    api_ms = statistics.median(_timed(through_api, RUNS))
    raw_ms = statistics.median(_timed(raw_query, RUNS))
    drf_gis_ms = statistics.median(_timed(drf_gis, 5))
    body = through_api()

    z, x, y = NATIONAL_TILE
    tiles: dict[str, Any] = {}
    for layer in ("villages", "prefectures", "cantons"):
        url = f"/tiles/{layer}/{z}/{x}/{y}.pbf"
        size = len(client.get(url).content)
        durations = _timed(lambda url=url: client.get(url), TILE_RUNS)
        tiles[layer] = {
            "bytes": size,
            "p50_ms": round(_percentile(durations, 0.5), 2),
            "p99_ms": round(_percentile(durations, 0.99), 2),
        }
    return {
        "villages": villages,
        "geojson_bytes": len(body),
        "geojson_api_median_ms": round(api_ms, 2),
        "geojson_raw_json_agg_median_ms": round(raw_ms, 2),
        "geojson_api_over_raw": round(api_ms / raw_ms, 2),
        "geojson_drf_gis_serializer_median_ms": round(drf_gis_ms, 2),
        "runs": RUNS,
        "tile": f"{z}/{x}/{y}",
        "tile_runs": TILE_RUNS,
        "tiles": tiles,
    }
