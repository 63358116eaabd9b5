"""The faces' own records: every export, who made it and what it held."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ExportDataset(models.TextChoices):
    STATISTICS = "statistics", _("Statistiques par zone et par mois")
    VILLAGES = "villages", _("Villages et derniers états connus")


class ExportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "XLSX (Excel)"
    GEOJSON = "geojson", "GeoJSON"
    GPKG = "gpkg", "GeoPackage"


class ExportRecord(models.Model):
    """One export: who asked, for what, over which scope, when. Kept when the user is deleted."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("utilisateur")
    )
    username = models.CharField(_("nom d'utilisateur"), max_length=150)
    dataset = models.CharField(_("données"), max_length=16, choices=ExportDataset.choices)
    file_format = models.CharField(_("format"), max_length=8, choices=ExportFormat.choices)
    parameters = models.JSONField(_("paramètres"), default=dict, blank=True)
    scope = models.CharField(_("périmètre"), max_length=500, help_text=_("« nation » ou les préfectures."))
    with_phones = models.BooleanField(_("avec téléphones"), default=False)
    created_at = models.DateTimeField(_("exporté le"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.username} {self.dataset}.{self.file_format} {self.created_at:%Y-%m-%d %H:%M}"
