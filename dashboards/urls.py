"""The faces' routes: the API under `api/v1/`, vector tiles under `tiles/`, the pages (French paths)."""

from __future__ import annotations

from django.urls import include, path

from dashboards import pages
from dashboards.tiles import TileView

urlpatterns = [
    path("api/v1/", include("dashboards.api.urls")),
    path("connexion/", pages.LoginView.as_view(), name="login"),
    path("deconnexion/", pages.LogoutView.as_view(), name="logout"),
    path("carte/", pages.national_map, name="national-map"),
    path("", include("dashboards.places.urls")),
    path("files/", include("dashboards.queues.urls")),
    path("statistiques/", include("dashboards.statistics.urls")),
    path("tiles/<str:layer>/<int:z>/<int:x>/<int:y>.pbf", TileView.as_view(), name="tile"),
]
