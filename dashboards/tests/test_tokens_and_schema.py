"""API tokens for the ministry (`create_api_token`), and the OpenAPI schema with its local documentation page."""

from __future__ import annotations

import io
import json
import re

import pytest
from django.core.management import CommandError, call_command
from django.test import Client


def create_token(*args: str) -> str:
    out = io.StringIO()
    call_command("create_api_token", *args, stdout=out)
    return out.getvalue().strip()


def test_a_ministry_token_authenticates_api_calls(world):
    key = create_token("ministry")
    assert key == create_token("ministry")  # the same token until rotated
    response = Client().get("/api/v1/villages/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 200 and len(json.loads(response.content)["features"]) == 3


def test_a_rotated_token_replaces_the_old_one(world):
    old = create_token("ministry")
    new = create_token("ministry", "--rotate")
    assert new != old
    assert Client().get("/api/v1/villages/", HTTP_AUTHORIZATION=f"Token {old}").status_code == 401
    assert Client().get("/api/v1/villages/", HTTP_AUTHORIZATION=f"Token {new}").status_code == 200


@pytest.mark.parametrize("username", ["kozah", "nobody", "ghost"])
def test_tokens_are_for_the_ministry_only(world, username):
    with pytest.raises(CommandError):
        create_token(username)


def test_the_openapi_schema_lists_every_endpoint_and_parameter(world, clients):
    response = clients["ministry"].get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    paths = schema["paths"]
    for path in ("/api/v1/villages/", "/api/v1/areas/", "/api/v1/layers/", "/api/v1/reports/", "/api/v1/chiefs/"):
        assert path in paths
    assert "/tiles/{layer}/{z}/{x}/{y}.pbf" in paths
    assert "/api/v1/exports/{dataset}.{file_format}" in paths
    names = {p["name"] for p in paths["/api/v1/villages/"]["get"]["parameters"]}
    assert {"bbox", "prefecture", "indicator", "status", "search", "ordering"} <= names


def test_the_documentation_page_uses_local_static_files(world, clients):
    html = clients["ministry"].get("/api/v1/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/" in html
    # Every page asset from this server: no CDN (a slow connection, or none to the internet). Not "cdn" anywhere
    # in the text: the page carries a random token, which once happened to contain those three letters.
    assets = re.findall(r"""(?:src|href)=["']([^"']+)""", html)
    assert assets and all(url.startswith("/") and not url.startswith("//") for url in assets), assets
    assert "cdn." not in html.lower() and "https://" not in html and "http://" not in html
