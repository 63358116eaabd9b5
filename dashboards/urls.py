"""The faces' routes: the API under `api/v1/`, vector tiles under `tiles/`."""

from __future__ import annotations

from django.urls import include, path

from dashboards.tiles import TileView

urlpatterns = [
    path("api/v1/", include("dashboards.api.urls")),
    path("tiles/<str:layer>/<int:z>/<int:x>/<int:y>.pbf", TileView.as_view(), name="tile"),
]
