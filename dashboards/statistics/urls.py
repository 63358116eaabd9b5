"""The statistics page: completeness and service shares over time, per region and prefecture, with exports."""

from __future__ import annotations

from django.urls import URLPattern, path

from dashboards.statistics import views

urlpatterns: list[URLPattern] = [
    path("", views.statistics_page, name="statistics"),
]
