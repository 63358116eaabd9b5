"""Renderers for bytes PostGIS has already written: passed through, never parsed and dumped again."""

from __future__ import annotations

import json
from typing import Any

from rest_framework.renderers import BaseRenderer


class PassthroughRenderer(BaseRenderer):
    """Sends text or bytes as they are; anything else (an error's detail) as JSON."""

    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        if isinstance(data, bytes):
            return data
        if isinstance(data, str):
            return data.encode()
        return json.dumps(data, ensure_ascii=False).encode()


class GeoJSONRenderer(PassthroughRenderer):
    media_type = "application/geo+json"
    format = "geojson"


class PlainJSONRenderer(PassthroughRenderer):
    """The same GeoJSON for clients that ask for application/json."""

    media_type = "application/json"
    format = "json"


class VectorTileRenderer(PassthroughRenderer):
    media_type = "application/vnd.mapbox-vector-tile"
    format = "pbf"
    charset = None  # type: ignore[assignment]
