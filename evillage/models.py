"""The core domain: chiefs (and, as the platform grows, indicators, reports and layers)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from evillage.phones import validate_phone


class ChiefRole(models.TextChoices):
    VILLAGE_CHIEF = "village", _("Chef de village")
    CANTON_CHIEF = "canton", _("Chef de canton")


class ChiefStatus(models.TextChoices):
    ACTIVE = "active", _("Actif")  # reports from this phone are recorded
    PENDING = "pending", _("En attente")  # registered by SMS, waits for the prefecture's approval
    RETIRED = "retired", _("Retiré")  # no longer chief: the phone is treated as unknown


class Chief(models.Model):
    """A person who reports for a village: a canton chief reports for the canton's seat village."""

    full_name = models.CharField(_("nom complet"), max_length=200)
    phone = models.CharField(_("téléphone"), max_length=16, validators=[validate_phone], db_index=True)
    role = models.CharField(_("rôle"), max_length=16, choices=ChiefRole.choices, default=ChiefRole.VILLAGE_CHIEF)
    village = models.ForeignKey(
        "geo.Village", on_delete=models.PROTECT, related_name="chiefs", verbose_name=_("village")
    )
    status = models.CharField(_("statut"), max_length=16, choices=ChiefStatus.choices, default=ChiefStatus.ACTIVE)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        verbose_name = _("chef")
        verbose_name_plural = _("chefs")
        ordering = ["full_name"]
        constraints = [
            # A phone belongs to one active chief.
            models.UniqueConstraint(
                fields=["phone"], condition=Q(status="active"), name="evillage_one_active_chief_per_phone"
            ),
            # A village has one active village chief.
            models.UniqueConstraint(
                fields=["village"],
                condition=Q(status="active", role="village"),
                name="evillage_one_active_village_chief",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.phone})"
