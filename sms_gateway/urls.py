"""The channel's routes: Africa's Talking's callbacks, each behind the secret token in its path."""

from __future__ import annotations

from django.urls import path

from sms_gateway import views

app_name = "sms_gateway"

urlpatterns = [
    path("at/inbound/<str:token>/", views.inbound, name="at-inbound"),
    path("at/delivery/<str:token>/", views.delivery, name="at-delivery"),
]
