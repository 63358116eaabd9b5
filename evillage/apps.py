from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvillageConfig(AppConfig):
    name = "evillage"
    verbose_name = _("Domaine E-Village")
