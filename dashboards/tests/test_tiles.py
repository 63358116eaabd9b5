"""Vector tiles: PostGIS-encoded MVT, scoped, empty outside Togo."""

from __future__ import annotations

import pytest

from dashboards.tests.test_jurisdiction_matrix import tile_of
from dashboards.tiles import tile_bounds

MVT = "application/vnd.mapbox-vector-tile"


def read_layer_name(tile: bytes) -> str:
    """Minimal MVT decoding: the first layer (field 3) and its name (field 1), both length-delimited."""

    def varint(data: bytes, at: int) -> tuple[int, int]:
        value = shift = 0
        while True:
            byte = data[at]
            value |= (byte & 0x7F) << shift
            at += 1
            shift += 7
            if byte < 0x80:
                return value, at

    assert tile[0] == (3 << 3 | 2)  # Tile.layers
    _length, at = varint(tile, 1)
    assert tile[at] == (1 << 3 | 2)  # Layer.name
    size, at = varint(tile, at + 1)
    return tile[at : at + size].decode()


@pytest.mark.parametrize("layer", ["villages", "prefectures", "cantons", "regions"])
def test_a_tile_over_togo_holds_its_named_layer(world, clients, layer):
    response = clients["ministry"].get(f"/tiles/{layer}/{tile_of(1.0, 9.5, 6)}.pbf")
    assert response.status_code == 200
    assert response["Content-Type"] == MVT
    assert response.content and read_layer_name(response.content) == layer
    assert "private" in response["Cache-Control"]
    assert "Authorization" in response["Vary"]


def test_a_tile_outside_togo_is_empty(world, clients):
    response = clients["ministry"].get(f"/tiles/villages/{tile_of(2.35, 48.85, 7)}.pbf")  # Paris
    assert response.status_code == 200
    assert response["Content-Type"] == MVT
    assert response.content == b""


def test_an_official_gets_an_empty_tile_over_another_prefecture(world, clients):
    over_bassar = tile_of(0.7, 9.2, 9)
    assert b"BAS-0001" in clients["bassar"].get(f"/tiles/villages/{over_bassar}.pbf").content
    assert clients["kozah"].get(f"/tiles/villages/{over_bassar}.pbf").content == b""


def test_tile_bounds_follow_web_mercator():
    assert tile_bounds(0, 0, 0) == pytest.approx((-180, -85.0511, 180, 85.0511), abs=1e-4)
    west, south, east, _north = tile_bounds(1, 1, 0)
    assert (west, south, east) == pytest.approx((0, 0, 180))
