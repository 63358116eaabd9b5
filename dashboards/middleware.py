"""gzip for data, not pages.

A national GeoJSON layer shrinks to a fifth when gzipped, which matters on a prefecture's mobile connection.
Only data responses are compressed (JSON, GeoJSON, CSV, vector tiles): HTML pages carry CSRF tokens and session
details, and compressing secrets beside reflected input is what BREACH exploits. Static files are WhiteNoise's.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseBase
from django.middleware.gzip import GZipMiddleware

COMPRESSIBLE = frozenset(
    {
        "application/json",
        "application/geo+json",
        "application/vnd.oai.openapi+json",
        "application/vnd.mapbox-vector-tile",
        "text/csv",
    }
)


class DataCompressionMiddleware(GZipMiddleware):
    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        content_type = response.get("Content-Type", "").split(";")[0].strip().lower()
        if content_type not in COMPRESSIBLE:
            return response
        return super().process_response(request, response)
