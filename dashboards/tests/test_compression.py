"""Data travels gzipped to slow connections; pages (which carry CSRF tokens) do not, against BREACH."""

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


def test_pages_are_never_gzipped(reported):
    response = client_for(reported, "ministry").get("/carte/", HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200 and not response.has_header("Content-Encoding")
    assert b"csrfmiddlewaretoken" in response.content
