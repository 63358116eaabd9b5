"""The project's URL map: the one place that names every app's routes."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("sms/", include("sms_gateway.urls")),
    path("", include("dashboards.urls")),  # api/v1/ and tiles/
]
