"""The data-quality work queues: non-reporting villages, location conflicts, quarantined numbers,
pending registrations and alerts. Every action goes through a service verb and is recorded."""

from __future__ import annotations

from django.urls import path

from dashboards.queues import views

app_name = "queues"

urlpatterns = [
    path("", views.index, name="index"),
    path("villages-sans-rapport/", views.non_reporting, name="non-reporting"),
    path("positions/", views.conflicts, name="conflicts"),
    path("positions/<int:pk>/accepter/", views.accept_conflict, name="conflict-accept"),
    path("positions/<int:pk>/rejeter/", views.reject_conflict, name="conflict-reject"),
    path("numeros/", views.numbers, name="numbers"),
    path("numeros/<int:pk>/inscrire/", views.register_number, name="number-register"),
    path("inscriptions/", views.registrations_list, name="registrations"),
    path("inscriptions/<int:pk>/valider/", views.approve_registration, name="registration-approve"),
    path("inscriptions/<int:pk>/refuser/", views.refuse_registration, name="registration-refuse"),
    path("alertes/", views.alerts, name="alerts"),
    path("alertes/<int:pk>/traitee/", views.handle_alert, name="alert-handle"),
]
