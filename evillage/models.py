"""The core domain: chiefs, the indicator catalogue, reports, location candidates and alerts."""

from __future__ import annotations

from django.conf import settings
from django.contrib.gis.db import models as gis_models
from django.contrib.postgres.fields import ArrayField
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
    REFUSED = "refused", _("Refusé")  # the prefecture refused the SMS registration: the phone is treated as unknown


class Chief(models.Model):
    """A person who reports for a village: a canton chief reports for the canton's seat village."""

    full_name = models.CharField(_("nom complet"), max_length=200)
    phone = models.CharField(_("téléphone"), max_length=16, validators=[validate_phone], db_index=True)
    role = models.CharField(_("rôle"), max_length=16, choices=ChiefRole.choices, default=ChiefRole.VILLAGE_CHIEF)
    village = models.ForeignKey(
        "geo.Village", on_delete=models.PROTECT, related_name="chiefs", verbose_name=_("village")
    )
    status = models.CharField(_("statut"), max_length=16, choices=ChiefStatus.choices, default=ChiefStatus.ACTIVE)
    # Who approved or refused the registration (or registered a quarantined number as this chief), and when.
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("inscription décidée par"),
    )
    decided_at = models.DateTimeField(_("inscription décidée le"), null=True, blank=True)
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


class OfficialContact(models.Model):
    """A prefecture official's phone, to which chiefs' alerts and summaries are forwarded by SMS."""

    area = models.ForeignKey(
        "geo.Area",
        on_delete=models.CASCADE,
        related_name="official_contacts",
        limit_choices_to={"level": "prefecture"},
        verbose_name=_("préfecture"),
    )
    name = models.CharField(_("nom"), max_length=200)
    phone = models.CharField(_("téléphone"), max_length=16, validators=[validate_phone])
    is_active = models.BooleanField(_("actif"), default=True)

    class Meta:
        verbose_name = _("contact de préfecture")
        verbose_name_plural = _("contacts de préfecture")
        ordering = ["area__name", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.phone})"


class IndicatorKind(models.TextChoices):
    YES_NO = "yes_no", _("Oui/non")
    SCALE = "scale", _("Échelle")


class Indicator(models.Model):
    """One basic service of the catalogue; the ministry can add more, understood by SMS at once."""

    key = models.SlugField(_("clé"), max_length=32, unique=True)
    keyword = models.CharField(_("mot-clé SMS"), max_length=20, unique=True)
    aliases = ArrayField(models.CharField(max_length=20), default=list, blank=True, verbose_name=_("alias SMS"))
    kind = models.CharField(_("type"), max_length=16, choices=IndicatorKind.choices, default=IndicatorKind.YES_NO)
    scale_max = models.PositiveSmallIntegerField(
        _("valeur maximale"), default=1, help_text=_("Pour une échelle : valeurs de 0 à ce maximum.")
    )
    scale_words = models.JSONField(
        _("mots des valeurs"),
        default=list,
        blank=True,
        help_text=_(
            'Pour une échelle : [["AUCUN", 0], ["FAIBLE", 1], ["BON", 2]] ; le premier mot d\'une valeur la nomme.'
        ),
    )
    card_order = models.PositiveSmallIntegerField(_("ordre sur la carte"), unique=True)
    label = models.CharField(_("libellé"), max_length=100)
    is_active = models.BooleanField(_("actif"), default=True)

    class Meta:
        verbose_name = _("indicateur")
        verbose_name_plural = _("indicateurs")
        ordering = ["card_order"]

    def __str__(self) -> str:
        return self.label


class Report(models.Model):
    """One chief's values for one village and reporting month, from one message.

    The values live in `ReportValue`: a later report supersedes, indicator by indicator, the values
    an earlier report of the same village and month gave; the earlier ones stay as history.
    """

    village = models.ForeignKey("geo.Village", on_delete=models.PROTECT, related_name="reports")
    chief = models.ForeignKey(Chief, on_delete=models.PROTECT, related_name="reports", null=True, blank=True)
    period = models.CharField(_("mois"), max_length=7, help_text="YYYY-MM")
    population = models.PositiveIntegerField(_("population déclarée"), null=True, blank=True)
    received_at = models.DateTimeField(_("reçu le"))
    source = models.CharField(_("origine"), max_length=64, blank=True, help_text=_("ex. sms:1234"))
    created_at = models.DateTimeField(_("enregistré le"), auto_now_add=True)

    class Meta:
        verbose_name = _("rapport")
        verbose_name_plural = _("rapports")
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["village", "period"]), models.Index(fields=["period"])]

    def __str__(self) -> str:
        return f"{self.village_id} {self.period}"


class ReportValue(models.Model):
    """One indicator's value in one report; `is_current` marks the value that counts for its month."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="values")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="values")
    # Denormalised from the report so that "one current value per village, month and indicator"
    # is a database constraint and layers read one table.
    village = models.ForeignKey("geo.Village", on_delete=models.PROTECT, related_name="report_values")
    period = models.CharField(max_length=7)
    value = models.PositiveSmallIntegerField(_("valeur"))  # yes/no as 1/0; a scale as its level
    is_current = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("valeur de rapport")
        verbose_name_plural = _("valeurs de rapport")
        constraints = [
            models.UniqueConstraint(
                fields=["village", "period", "indicator"],
                condition=Q(is_current=True),
                name="evillage_one_current_value",
            )
        ]
        indexes = [
            # The village last: a report looking up its village's current values finds them by their whole
            # key in this index too, which the planner picks while a month's statistics are young (it then
            # read every village's values of the month, for each key).
            models.Index(
                fields=["period", "indicator", "village"], condition=Q(is_current=True), name="evillage_current_values"
            )
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id}={self.value}"


class CandidateStatus(models.TextChoices):
    ACCEPTED = "accepted", _("Acceptée")  # the village was moved there
    CONFLICT = "conflict", _("En conflit")  # outside its areas or far from a verified point: waits for review
    REJECTED = "rejected", _("Rejetée")  # an official kept the old location


class LocationCandidate(models.Model):
    """A position proposed for a village (by the chief's GPS message), with what became of it."""

    village = models.ForeignKey("geo.Village", on_delete=models.CASCADE, related_name="location_candidates")
    chief = models.ForeignKey(Chief, on_delete=models.SET_NULL, null=True, blank=True)
    location = gis_models.PointField(_("position proposée"), srid=4326)
    previous_location = gis_models.PointField(_("position précédente"), srid=4326, null=True, blank=True)
    status = models.CharField(_("statut"), max_length=16, choices=CandidateStatus.choices)
    distance_m = models.FloatField(_("distance à la position précédente (m)"), null=True, blank=True)
    note = models.CharField(_("remarque"), max_length=300, blank=True)
    received_at = models.DateTimeField(_("reçue le"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("position proposée")
        verbose_name_plural = _("positions proposées")
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.village_id} {self.get_status_display()}"


class Alert(models.Model):
    """A chief's free-text alert, forwarded to the prefecture's officials."""

    chief = models.ForeignKey(Chief, on_delete=models.PROTECT, related_name="alerts")
    village = models.ForeignKey("geo.Village", on_delete=models.PROTECT, related_name="alerts")
    text = models.CharField(_("texte"), max_length=300)
    received_at = models.DateTimeField(_("reçue le"))
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    handled_at = models.DateTimeField(_("traitée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("alerte")
        verbose_name_plural = _("alertes")
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return self.text[:50]


class Role(models.TextChoices):
    MINISTRY = "ministry", _("Ministère")  # the nation: every area, exports, API tokens
    OFFICIAL = "official", _("Agent de préfecture")  # their prefecture(s) and what lies inside
    ADMINISTRATOR = "administrator", _("Administrateur")  # runs the platform; sees the nation


class Official(models.Model):
    """A person of the administration who uses the web pages or the API, and what they may see."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="official")
    role = models.CharField(_("rôle"), max_length=16, choices=Role.choices, default=Role.OFFICIAL)
    prefectures = models.ManyToManyField(
        "geo.Area",
        blank=True,
        related_name="officials",
        limit_choices_to={"level": "prefecture"},
        verbose_name=_("préfectures"),
        help_text=_("Pour un agent de préfecture : les préfectures qu'il voit."),
    )

    class Meta:
        verbose_name = _("agent")
        verbose_name_plural = _("agents")

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"


# Layers -----------------------------------------------------------------------------------------------
# What the API, the dashboards and QGIS read: computed by `evillage.layers` from chiefs and current report
# values, stored with the area's geometry so that every reader sees the same numbers.


class LayerLevel(models.TextChoices):
    REGION = "region", _("Région")
    PREFECTURE = "prefecture", _("Préfecture")
    COMMUNE = "commune", _("Commune")
    CANTON = "canton", _("Canton")
    NATION = "nation", _("Nation")  # the row whose area is NULL


class AreaStatistic(gis_models.Model):
    """One area × indicator × month: how many villages were expected, reported, have the service.

    Definitions (see `evillage.layers`): expected = villages with an active chief today; reporting = expected
    villages with a current value for the indicator and month; with the service = yes (≥ 1) for a yes/no
    indicator, the top of the scale (`scale_max`, e.g. network "BON") for a scale.
    """

    area = models.ForeignKey(
        "geo.Area",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="statistics",
        verbose_name=_("zone"),
        help_text=_("Vide pour la nation."),
    )
    level = models.CharField(_("niveau"), max_length=16, choices=LayerLevel.choices)
    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="area_statistics", verbose_name=_("indicateur")
    )
    period = models.CharField(_("mois"), max_length=7)
    villages_expected = models.PositiveIntegerField(_("villages attendus"), default=0)
    villages_reporting = models.PositiveIntegerField(_("villages ayant répondu"), default=0)
    villages_with_service = models.PositiveIntegerField(_("villages avec le service"), default=0)
    reports_on_time = models.PositiveIntegerField(_("rapports à temps"), default=0)
    # Villages without a known population count 0.
    population_expected = models.BigIntegerField(_("population attendue"), default=0)
    population_reporting = models.BigIntegerField(_("population des villages ayant répondu"), default=0)
    population_with_service = models.BigIntegerField(_("population avec le service"), default=0)
    share_villages = models.FloatField(_("part des villages"), null=True, blank=True)  # None: nobody reported
    share_population = models.FloatField(_("part de la population"), null=True, blank=True)
    completeness = models.FloatField(_("complétude"), null=True, blank=True)  # None: no village expected
    timeliness = models.FloatField(_("ponctualité"), null=True, blank=True)
    # Scale indicators: villages per level over the reporting ones, {"0": n, "1": n, "2": n}; {} for yes/no.
    distribution = models.JSONField(_("répartition"), default=dict, blank=True)
    geom = gis_models.MultiPolygonField(_("limites"), srid=4326)
    refreshed_at = models.DateTimeField(_("calculé le"))

    class Meta:
        verbose_name = _("statistique de zone")
        verbose_name_plural = _("statistiques de zone")
        ordering = ["period", "level", "area_id", "indicator_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["area", "indicator", "period"],
                nulls_distinct=False,  # one nation row (area NULL) per indicator and month
                name="evillage_areastatistic_unique",
            )
        ]
        indexes = [models.Index(fields=["level", "indicator", "period"], name="evillage_areastat_level")]

    def __str__(self) -> str:
        return f"{self.area_id or 'nation'} {self.indicator_id} {self.period}"


class VillageState(gis_models.Model):
    """The last-known value of one indicator in one village, and how old it is.

    A village that stopped reporting keeps its last value, marked stale, rather than vanishing from the map.
    """

    village = models.ForeignKey(
        "geo.Village", on_delete=models.CASCADE, related_name="states", verbose_name=_("village")
    )
    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="village_states", verbose_name=_("indicateur")
    )
    value = models.PositiveSmallIntegerField(_("valeur"))
    period = models.CharField(_("mois de la valeur"), max_length=7)
    staleness_months = models.IntegerField(_("ancienneté (mois)"))  # months between `period` and the current one
    is_stale = models.BooleanField(_("périmée"))  # staleness ≥ LAYERS_STALE_AFTER_MONTHS
    location = gis_models.PointField(_("position"), srid=4326)  # the village's, copied for map readers
    prefecture = models.ForeignKey(
        "geo.Area", on_delete=models.CASCADE, related_name="+", verbose_name=_("préfecture")
    )  # the village's, copied so that jurisdiction scopes without a join
    refreshed_at = models.DateTimeField(_("calculé le"))

    class Meta:
        verbose_name = _("état de village")
        verbose_name_plural = _("états de village")
        ordering = ["village_id", "indicator_id"]
        constraints = [
            models.UniqueConstraint(fields=["village", "indicator"], name="evillage_villagestate_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.village_id} {self.indicator_id}={self.value} ({self.period})"


class CountedVillage(models.Model):
    """How the area statistics count one village: expected or not, with which population, in which areas.

    The layers' ledger (`evillage.layers`): every `AreaStatistic` row adds up, over the villages this table
    places in its area, their current values. A report then changes the rows by the difference between its
    values and those it supersedes, counted as written here; a village whose chiefs, population or place
    changed since is recounted (every month of its old and new areas) before its difference is applied.
    """

    village = models.OneToOneField("geo.Village", on_delete=models.CASCADE, primary_key=True, related_name="+")
    expected = models.BooleanField()  # an active chief reports for it
    population = models.BigIntegerField()  # 0 when unknown
    # The areas of the active boundary set it counts in; NULL where it counts in none (and everywhere when its
    # prefecture is not in the active set). No foreign-key constraint: a full rebuild rewrites the table.
    canton = models.ForeignKey(
        "geo.Area", on_delete=models.DO_NOTHING, null=True, related_name="+", db_constraint=False, db_index=False
    )
    commune = models.ForeignKey(
        "geo.Area", on_delete=models.DO_NOTHING, null=True, related_name="+", db_constraint=False, db_index=False
    )
    prefecture = models.ForeignKey(
        "geo.Area", on_delete=models.DO_NOTHING, null=True, related_name="+", db_constraint=False
    )
    region = models.ForeignKey(
        "geo.Area", on_delete=models.DO_NOTHING, null=True, related_name="+", db_constraint=False, db_index=False
    )

    class Meta:
        verbose_name = _("village compté")
        verbose_name_plural = _("villages comptés")

    def __str__(self) -> str:
        return f"{self.village_id} {self.prefecture_id}"


class PendingLayerRefresh(models.Model):
    """A village and month whose layers wait for the debounced refresh (`evillage.tasks`).

    Written in the report's own transaction, so a report is never recorded without it; the refresh task
    deletes what it has done, and the nightly full rebuild catches anything a lost task left behind.
    """

    village = models.ForeignKey("geo.Village", on_delete=models.CASCADE, related_name="+")
    period = models.CharField(max_length=7)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("rafraîchissement de couche en attente")
        verbose_name_plural = _("rafraîchissements de couche en attente")
        constraints = [
            models.UniqueConstraint(fields=["village", "period"], name="evillage_pendinglayerrefresh_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.village_id} {self.period}"
