"""The pages of places: a prefecture (its cantons and villages on a map) and a village (chief, location, history)."""

from __future__ import annotations

from django.urls import path

from dashboards.places import views

urlpatterns = [
    path("prefectures/<str:code>/", views.prefecture, name="prefecture"),
    path("villages/<str:code>/", views.village, name="village"),
]
