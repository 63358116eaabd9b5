"""Forms of the pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from dashboards import lockout


class LoginForm(AuthenticationForm):
    """Django's login form, refusing a username or address locked after repeated failures."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "locked": _(
            "Trop de tentatives de connexion échouées. Par sécurité, la connexion est bloquée "
            "pendant %(minutes)d minutes ; réessayez plus tard."
        ),
    }

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username") or ""
        if lockout.locked_until(self.request, username) is not None:
            raise forms.ValidationError(
                self.error_messages["locked"], code="locked", params={"minutes": lockout.LOCKOUT // 60}
            )
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            lockout.record_failure(self.request, username)
            raise
        lockout.record_success(username)
        return cleaned
