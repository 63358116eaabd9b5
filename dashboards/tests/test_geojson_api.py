"""Areas, villages and layers as GeoJSON written by PostGIS: shape, properties, simplification, filters, queries."""

from __future__ import annotations

import json

import pytest
from django.contrib.gis.geos import MultiPolygon, Point
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dashboards.tests.conftest import PERIOD
from geo.models import Area, Level, Village
from tests.builders import box, make_area


def collection(response) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/geo+json")
    data = json.loads(response.content)
    assert data["type"] == "FeatureCollection"
    return data


def codes(data: dict) -> list[str]:
    return [feature["properties"]["code"] for feature in data["features"]]


def vertex_count(geometry: dict) -> int:
    return sum(len(ring) for polygon in _polygons(geometry) for ring in polygon)


def _polygons(geometry: dict) -> list:
    return geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]


def test_villages_are_point_features_with_their_places(world, clients):
    data = collection(clients["ministry"].get("/api/v1/villages/"))
    assert codes(data) == ["BAS-0001", "KOZ-0001", "KOZ-0002"]
    lama = data["features"][1]
    assert lama["id"] == world.villages["lama"].pk
    assert lama["geometry"] == {"type": "Point", "coordinates": [1.1, 9.5]}
    assert lama["properties"] == {
        "code": "KOZ-0001",
        "name": "Lama-Tessi",
        "region": "TG-K",
        "prefecture": "KOZ",
        "canton": "KOZ-C01",
        "population": 1200,
        "location_status": "unverified",
        "location_source": "import",
    }


def test_villages_with_an_indicator_carry_its_last_known_state(reported, clients):
    data = collection(clients["ministry"].get("/api/v1/villages/?indicator=water"))
    states = {f["properties"]["code"]: f["properties"] for f in data["features"]}
    assert {k: states["KOZ-0001"][k] for k in ("indicator", "value", "period", "is_stale")} == {
        "indicator": "water",
        "value": 1,
        "period": PERIOD,
        "is_stale": False,
    }
    assert states["KOZ-0002"]["value"] == 0
    data = collection(clients["ministry"].get("/api/v1/villages/?indicator=electricity"))
    assert all(f["properties"]["value"] is None for f in data["features"])


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("prefecture=KOZ", ["KOZ-0001", "KOZ-0002"]),
        ("canton=KOZ-C02", ["KOZ-0002"]),
        ("region=TG-K", ["BAS-0001", "KOZ-0001", "KOZ-0002"]),
        ("bbox=1.0,9.4,1.2,9.6", ["KOZ-0001"]),
        ("status=conflict", []),
        ("status=unverified&search=tessi", ["KOZ-0001"]),
        ("search=BAS", ["BAS-0001"]),
        ("ordering=-population", ["KOZ-0001", "KOZ-0002", "BAS-0001"]),
        ("ordering=name", ["BAS-0001", "KOZ-0001", "KOZ-0002"]),
        ("indicator=water&value=1", ["BAS-0001", "KOZ-0001"]),
        ("indicator=network&value=2", ["KOZ-0001"]),
        ("indicator=water&stale=false", ["BAS-0001", "KOZ-0001", "KOZ-0002"]),
        ("indicator=electricity&reported=false", ["BAS-0001", "KOZ-0001", "KOZ-0002"]),
        ("indicator=electricity&reported=true", []),
    ],
)
def test_villages_filters(reported, clients, query, expected):
    assert codes(collection(clients["ministry"].get(f"/api/v1/villages/?{query}"))) == expected


def test_a_commune_filters_villages_by_its_polygon(world, clients):
    make_area(world.boundary_set, Level.COMMUNE, "KOZ-K1", "Kara-ville", box(1.05, 9.45, 1.15, 9.55), world.kozah)
    assert codes(collection(clients["ministry"].get("/api/v1/villages/?commune=KOZ-K1"))) == ["KOZ-0001"]


def test_areas_are_polygons_of_the_active_boundary_set(world, clients):
    data = collection(clients["ministry"].get("/api/v1/areas/?level=prefecture"))
    assert codes(data) == ["BAS", "KOZ"]
    kozah = data["features"][1]
    assert kozah["properties"] == {"code": "KOZ", "name": "Kozah", "level": "prefecture", "parent": "TG-K"}
    assert kozah["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert codes(collection(clients["ministry"].get("/api/v1/areas/?parent=KOZ"))) == ["KOZ-C01", "KOZ-C02"]
    assert codes(collection(clients["ministry"].get("/api/v1/areas/?search=tchar"))) == ["KOZ-C02"]


def test_area_geometry_is_simplified_by_level_or_by_tolerance(world, clients):
    # A round canton with a vertex every few metres: what a surveyed boundary looks like.
    circle = Point(1.2, 9.55, srid=4326).buffer(0.05, quadsegs=512)
    make_area(world.boundary_set, Level.CANTON, "KOZ-C03", "Rond", MultiPolygon(circle, srid=4326), world.kozah)

    def vertices(query: str) -> int:
        data = collection(clients["ministry"].get(f"/api/v1/areas/?level=canton&search=Rond&{query}"))
        (feature,) = data["features"]
        return vertex_count(feature["geometry"])

    full, default, coarse = vertices("tolerance=0"), vertices(""), vertices("tolerance=0.01")
    assert full == 2049
    assert coarse < default < full
    assert coarse <= 20


@pytest.mark.parametrize("level", ["prefecture", "canton"])
def test_layers_give_the_statistics_of_each_area(reported, clients, level):
    data = collection(clients["ministry"].get(f"/api/v1/layers/?indicator=water&period={PERIOD}&level={level}"))
    stats = {f["properties"]["code"]: f["properties"] for f in data["features"]}
    if level == "prefecture":
        assert set(stats) == {"KOZ", "BAS"}
        kozah = stats["KOZ"]
        assert (kozah["villages_expected"], kozah["villages_reporting"], kozah["villages_with_service"]) == (2, 2, 1)
        assert kozah["share_villages"] == pytest.approx(0.5)
        assert kozah["share_population"] == pytest.approx(1200 / 2000)
        assert kozah["completeness"] == pytest.approx(1.0)
        assert kozah["period"] == PERIOD and kozah["indicator"] == "water" and kozah["level"] == "prefecture"
    else:
        assert set(stats) == {"KOZ-C01", "KOZ-C02"}
        assert stats["KOZ-C02"]["share_villages"] == 0
    assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in data["features"])


def test_the_nation_layer_and_a_scale_indicator_distribution(reported, clients):
    data = collection(clients["ministry"].get(f"/api/v1/layers/?indicator=network&period={PERIOD}&level=nation"))
    (nation,) = data["features"]
    assert nation["properties"]["code"] is None and nation["properties"]["name"] == "Togo"
    assert nation["properties"]["distribution"] == {"0": 1, "1": 1, "2": 1}
    assert nation["properties"]["villages_with_service"] == 1


def test_layers_default_to_the_latest_month(reported, clients):
    data = collection(clients["ministry"].get("/api/v1/layers/?indicator=water"))
    periods = {f["properties"]["period"] for f in data["features"]}
    assert periods == {"2024-06"}  # the current month (frozen in the fixture) is the latest computed


def test_a_month_without_statistics_is_an_empty_collection(reported, clients):
    assert collection(clients["ministry"].get("/api/v1/layers/?indicator=water&period=2019-01"))["features"] == []


def test_the_browsable_api_shows_the_collection(world, clients):
    response = clients["ministry"].get("/api/v1/villages/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200 and b"KOZ-0001" in response.content
    assert response["Content-Type"].startswith("text/html")


def test_plain_json_is_served_to_clients_asking_for_it(world, clients):
    response = clients["ministry"].get("/api/v1/villages/", HTTP_ACCEPT="application/json")
    assert response["Content-Type"].startswith("application/json")
    assert len(json.loads(response.content)["features"]) == 3


def _add_villages(world, count: int) -> None:  # type: ignore[no-untyped-def]
    Village.objects.bulk_create(
        Village(
            code=f"KOZ-{1000 + i}",
            name=f"Village {i}",
            location=Point(1.01 + (i % 40) * 0.01, 9.31 + (i // 40) * 0.01, srid=4326),
            canton=world.lama,
            prefecture=world.kozah,
            region=world.kara,
        )
        for i in range(count)
    )


@pytest.mark.parametrize("url", ["/api/v1/villages/?indicator=water", "/api/v1/areas/", "/tiles/villages/7/64/60.pbf"])
def test_a_map_of_n_villages_runs_the_same_few_queries_for_3_or_300(reported, clients, url):
    client = clients["kozah"]

    def queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200
        return len(captured), len(response.content)

    few, small = queries()
    _add_villages(reported, 297)
    many, large = queries()
    assert few == many <= 6
    if "villages" in url:
        assert large > small * 20


def test_region_areas_are_not_listed_to_an_official(world, clients):
    assert Area.objects.filter(level=Level.REGION).exists()
    assert codes(collection(clients["kozah"].get("/api/v1/areas/?level=region"))) == []


def test_a_feature_query_with_more_properties_than_one_sql_call_takes(world):
    from django.db.models import Value

    from dashboards.geojson import FeatureQuery

    properties = {f"p{i}": Value(i) for i in range(60)} | {"code": "code"}
    query = FeatureQuery(Village.objects.filter(code="KOZ-0001"), geometry="location", properties=properties)
    (feature,) = json.loads(query.collection())["features"]
    assert feature["properties"]["p59"] == 59 and feature["properties"]["code"] == "KOZ-0001"
    assert [json.loads(text)["properties"]["p0"] for text in query.iter_features()] == [0]
