"""Pages and data travel gzipped to slow connections; spreadsheets, zipped already, do not."""

from __future__ import annotations

import gzip
import json

from dashboards.tests.conftest import PERIOD, client_for


def test_geojson_is_gzipped_when_the_browser_accepts_it(reported):
    client = client_for(reported, "ministry")
    response = client.get(
        "/api/v1/layers/", {"level": "prefecture", "indicator": "water", "period": PERIOD}, HTTP_ACCEPT_ENCODING="gzip"
    )
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    layer = json.loads(gzip.decompress(response.content))
    assert layer["type"] == "FeatureCollection" and len(layer["features"]) == 2


def test_data_is_plain_for_a_client_that_does_not_accept_gzip(reported):
    response = client_for(reported, "ministry").get("/api/v1/villages/")
    assert response.status_code == 200 and not response.has_header("Content-Encoding")
    assert json.loads(response.content)["type"] == "FeatureCollection"


def test_pages_are_gzipped_with_breach_padding(reported):
    client = client_for(reported, "ministry")
    first = client.get("/carte/", HTTP_ACCEPT_ENCODING="gzip")
    second = client.get("/carte/", HTTP_ACCEPT_ENCODING="gzip")
    assert first["Content-Encoding"] == "gzip"
    assert b"csrfmiddlewaretoken" in gzip.decompress(first.content)
    # Random padding and masked tokens: the same page never compresses to the same bytes twice.
    assert first.content != second.content


def test_spreadsheets_are_not_gzipped_twice(reported):
    client = client_for(reported, "ministry")
    response = client.get("/api/v1/exports/statistics.xlsx", HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200
    assert not response.has_header("Content-Encoding")
    assert b"".join(response.streaming_content if response.streaming else [response.content])[:2] == b"PK"
