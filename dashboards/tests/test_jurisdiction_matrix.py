"""Every endpoint × every role: exactly which rows each sees, also with parameters that try to reach further.

A prefecture official must never see another prefecture's villages, reports, chiefs or statistics — not
through a filter naming it, a search for its codes, an ordering, a bounding box over it, or a tile over it.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Callable

import pytest

from dashboards.tests.conftest import PERIOD, ROLES

VILLAGES = {"KOZ-0001", "KOZ-0002", "BAS-0001"}
KOZ = {"KOZ-0001", "KOZ-0002"}
BAS = {"BAS-0001"}
NATION = None  # the nation's row has no area code
PHONES = {"+22890112233", "+22870112233", "+22899112233"}
AREA_CODES = {"TG-K", "KOZ", "BAS", "KOZ-C01", "KOZ-C02"}


def tile_of(lon: float, lat: float, z: int) -> str:
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return f"{z}/{x}/{y}"


def geojson_codes(body: bytes) -> set:
    return {feature["properties"]["code"] for feature in json.loads(body)["features"]}


def export_codes(body: bytes) -> set:
    return {feature["properties"]["code_zone"] for feature in json.loads(body)["features"]}


def listed(key: str) -> Callable[[bytes], set]:
    return lambda body: {row[key] for row in json.loads(body)["results"]}


def in_tile(candidates: set[str]) -> Callable[[bytes], set]:
    # Minimal decoding: an MVT stores its string values verbatim; the candidate codes share no substring.
    return lambda body: {code for code in candidates if code.encode() in body}


def csv_column(index: int, separator: str = ",") -> Callable[[bytes], set]:
    def read(body: bytes) -> set:
        rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=separator))
        return {row[index] for row in rows[1:]}

    return read


LAYER = f"/api/v1/layers/?indicator=water&period={PERIOD}&level="
EVERYWHERE = tile_of(1.0, 9.5, 7)  # one tile over Kozah and Bassar
OVER_BASSAR = tile_of(0.7, 9.2, 9)  # a tile holding Bangéli, in Bassar, alone
STATISTIC_AREAS = {"TG", "TG-K", "KOZ", "BAS", "KOZ-C01", "KOZ-C02"}

# url, reader, what the ministry, the Kozah official and the Bassar official see ("forbidden": 403).
MATRIX: list[tuple[str, Callable[[bytes], set], object, object, object]] = [
    ("/api/v1/villages/", geojson_codes, VILLAGES, KOZ, BAS),
    ("/api/v1/villages/?prefecture=BAS", geojson_codes, BAS, set(), BAS),
    ("/api/v1/villages/?prefecture=KOZ", geojson_codes, KOZ, KOZ, set()),
    ("/api/v1/villages/?search=BAS-0001", geojson_codes, BAS, set(), BAS),
    ("/api/v1/villages/?search=Bang", geojson_codes, BAS, set(), BAS),
    ("/api/v1/villages/?ordering=-code", geojson_codes, VILLAGES, KOZ, BAS),
    ("/api/v1/villages/?ordering=population&region=TG-K", geojson_codes, VILLAGES, KOZ, BAS),
    ("/api/v1/villages/?bbox=0.5,9.0,1.0,10.0", geojson_codes, BAS, set(), BAS),
    (
        "/api/v1/villages/?bbox=-180,-90,180,90&indicator=water&value=1",
        geojson_codes,
        {"KOZ-0001", "BAS-0001"},
        {"KOZ-0001"},
        BAS,
    ),
    ("/api/v1/areas/", geojson_codes, AREA_CODES, {"KOZ", "KOZ-C01", "KOZ-C02"}, {"BAS"}),
    ("/api/v1/areas/?parent=TG-K", geojson_codes, {"KOZ", "BAS"}, {"KOZ"}, {"BAS"}),
    ("/api/v1/areas/?search=BAS&level=prefecture", geojson_codes, {"BAS"}, set(), {"BAS"}),
    (LAYER + "prefecture", geojson_codes, {"KOZ", "BAS"}, {"KOZ"}, {"BAS"}),
    (LAYER + "canton", geojson_codes, {"KOZ-C01", "KOZ-C02"}, {"KOZ-C01", "KOZ-C02"}, set()),
    (LAYER + "region", geojson_codes, {"TG-K"}, set(), set()),
    (LAYER + "nation", geojson_codes, {NATION}, set(), set()),
    ("/api/v1/reports/", listed("village"), VILLAGES, KOZ, BAS),
    ("/api/v1/reports/?prefecture=BAS", listed("village"), BAS, set(), BAS),
    ("/api/v1/reports/?search=Yao", listed("village"), BAS, set(), BAS),
    ("/api/v1/reports/?village=BAS-0001&ordering=-village", listed("village"), BAS, set(), BAS),
    (f"/api/v1/reports/?period={PERIOD}&ordering=received_at&page_size=1000", listed("village"), VILLAGES, KOZ, BAS),
    ("/api/v1/chiefs/", listed("phone"), PHONES, "forbidden", "forbidden"),
    ("/api/v1/chiefs/?search=%2B228", listed("phone"), PHONES, "forbidden", "forbidden"),
    (f"/tiles/villages/{EVERYWHERE}.pbf", in_tile(VILLAGES), VILLAGES, KOZ, BAS),
    (f"/tiles/villages/{OVER_BASSAR}.pbf", in_tile(VILLAGES), BAS, set(), BAS),
    (f"/tiles/prefectures/{EVERYWHERE}.pbf", in_tile({"KOZ", "BAS"}), {"KOZ", "BAS"}, {"KOZ"}, {"BAS"}),
    (
        f"/tiles/cantons/{EVERYWHERE}.pbf",
        in_tile({"KOZ-C01", "KOZ-C02"}),
        {"KOZ-C01", "KOZ-C02"},
        {"KOZ-C01", "KOZ-C02"},
        set(),
    ),
    (f"/tiles/regions/{EVERYWHERE}.pbf", in_tile({"TG-K"}), {"TG-K"}, set(), set()),
    ("/api/v1/exports/villages.csv", csv_column(0), VILLAGES, KOZ, BAS),
    ("/api/v1/exports/villages.csv?prefecture=BAS&sep=;", csv_column(0, ";"), BAS, set(), BAS),
    ("/api/v1/exports/villages.geojson?prefecture=BAS", geojson_codes, BAS, set(), BAS),
    ("/api/v1/exports/statistics.csv", csv_column(1), STATISTIC_AREAS, {"KOZ", "KOZ-C01", "KOZ-C02"}, {"BAS"}),
    ("/api/v1/exports/statistics.geojson?level=region", export_codes, {"TG-K"}, set(), set()),
]


def body_of(response) -> bytes:  # type: ignore[no-untyped-def]
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.parametrize(("url", "read", "ministry", "kozah", "bassar"), MATRIX, ids=[row[0] for row in MATRIX])
def test_each_role_sees_exactly_its_rows(reported, clients, url, read, ministry, kozah, bassar):
    expected = {"ministry": ministry, "kozah": kozah, "bassar": bassar, "nobody": 403, "anonymous": 401}
    seen = {}
    for role in ROLES:
        response = clients[role].get(url)
        if expected[role] == "forbidden" or isinstance(expected[role], int):
            seen[role] = response.status_code
        else:
            assert response.status_code == 200, (role, body_of(response)[:500])
            seen[role] = read(body_of(response))
    assert seen == {role: 403 if value == "forbidden" else value for role, value in expected.items()}
