"""`/api/v1/`: areas, villages and layers (GeoJSON), reports and chiefs (paginated), exports, the schema."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from dashboards.api import views
from dashboards.exports.views import ExportView

app_name = "api"

urlpatterns = [
    path("areas/", views.AreaList.as_view(), name="areas"),
    path("villages/", views.VillageList.as_view(), name="villages"),
    path("layers/", views.LayerList.as_view(), name="layers"),
    path("reports/", views.ReportList.as_view(), name="reports"),
    path("chiefs/", views.ChiefList.as_view(), name="chiefs"),
    path("exports/<str:dataset>.<str:file_format>", ExportView.as_view(), name="export"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI from the sidecar's static files (Redoc is left out: its page loads Google's fonts).
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
]
