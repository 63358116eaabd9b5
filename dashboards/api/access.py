"""Who may call the API: the one jurisdiction scope (`evillage.jurisdiction`), read once per request."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from evillage.jurisdiction import Jurisdiction, jurisdiction_of


def jurisdiction(request: Request) -> Jurisdiction:
    """The caller's scope, computed once per request (every endpoint filters through it)."""
    cached = getattr(request, "_evillage_jurisdiction", None)
    if cached is None:
        cached = jurisdiction_of(request.user)
        request._evillage_jurisdiction = cached  # type: ignore[attr-defined]
    return cached


class HasJurisdiction(BasePermission):
    """A signed-in user who sees at least one prefecture (the ministry sees the nation)."""

    message = _("Votre compte n'a accès à aucune préfecture.")

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request.user and request.user.is_authenticated) and not jurisdiction(request).is_empty


class IsNational(BasePermission):
    """The ministry (and administrators): national data, chiefs' phone numbers."""

    message = _("Réservé au ministère.")

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request.user and request.user.is_authenticated) and jurisdiction(request).national
