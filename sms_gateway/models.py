"""The channel's durable record: every SMS in (inbox) and out (outbox), as raw as it came and went.

The database, not the broker, is the source of truth: a row is written before any task is queued, and a
periodic sweeper re-queues whatever the broker lost (see `sms_gateway.tasks.sweep_stuck_messages`).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class InboxStatus(models.TextChoices):
    PENDING = "pending", _("En attente")  # stored, waiting for a worker (or for the sweeper when the broker was down)
    # Claimed by a worker. Claim, handling and completion commit together, so other sessions never see this
    # value on a row: a worker that dies mid-way leaves the row `pending` for the next try.
    PROCESSING = "processing", _("En traitement")
    DONE = "done", _("Traité")  # handled: recorded through the domain and answered
    FAILED = "failed", _("Échec")  # handling raised; the text and the error are kept for a person to look at


class InboxMessage(models.Model):
    """One SMS received from a phone, stored before anything else is done with it."""

    # The provider's id of the message: unique for ever, so a re-delivery, even years later, is ignored.
    provider_id = models.CharField(_("identifiant fournisseur"), max_length=100, unique=True)
    sender = models.CharField(_("expéditeur"), max_length=32, db_index=True)  # E.164, as the provider sent it
    recipient = models.CharField(_("destinataire"), max_length=32)  # our shortcode or number
    text = models.TextField(_("texte"), blank=True)
    provider_date = models.DateTimeField(_("date fournisseur"), null=True, blank=True)
    link_id = models.CharField(_("linkId"), max_length=100, blank=True)
    network_code = models.CharField(_("code réseau"), max_length=16, blank=True)
    cost = models.CharField(_("coût"), max_length=32, blank=True)
    received_at = models.DateTimeField(_("reçu le"), default=timezone.now, db_index=True)
    # When processing was last handed to the broker: the sweeper waits a while after it before re-queueing.
    queued_at = models.DateTimeField(_("mis en file le"), null=True, blank=True)
    status = models.CharField(_("statut"), max_length=16, choices=InboxStatus.choices, default=InboxStatus.PENDING)
    attempts = models.PositiveIntegerField(_("tentatives"), default=0)
    processed_at = models.DateTimeField(_("traité le"), null=True, blank=True)
    chief = models.ForeignKey(
        "evillage.Chief",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inbox_messages",
        verbose_name=_("chef"),
    )
    parse_result = models.JSONField(_("résultat de l'analyse"), null=True, blank=True)
    error = models.TextField(_("erreur"), blank=True)

    class Meta:
        verbose_name = _("SMS reçu")
        verbose_name_plural = _("SMS reçus")
        ordering = ["-received_at"]
        indexes = [
            models.Index(fields=["received_at"], condition=Q(status="pending"), name="sms_inbox_pending"),
        ]

    def __str__(self) -> str:
        return f"{self.sender}: {self.text[:40]}"


class OutboxKind(models.TextChoices):
    REPLY = "reply", _("Réponse")  # the answer to a chief's message
    ALERT = "alert", _("Alerte")  # a chief's alert forwarded to officials
    REMINDER = "reminder", _("Rappel")  # a chief who has not reported this month
    HINT = "hint", _("Indication")  # how to register, sent to an unknown number
    NOTICE = "notice", _("Avis")  # anything else the administration tells a chief


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("En attente")  # waiting to be sent, from `next_attempt_at` on
    # Handed to the provider; the outcome is not recorded yet. A row left here by a dead worker is never
    # resent blindly (see `sms_gateway.outbox.give_up_on_stuck_sends`).
    SENDING = "sending", _("En cours d'envoi")
    SENT = "sent", _("Envoyé")  # accepted by the provider, which gave its message id
    DELIVERED = "delivered", _("Remis")  # the provider reports it reached the handset (final)
    FAILED = "failed", _("Échec")  # refused by the provider or undeliverable; not retried (final)
    DEAD = "dead", _("Abandonné")  # every attempt failed with a temporary error: dead-lettered (final)


class OutboxMessage(models.Model):
    """One SMS to send (or sent) to a phone, with what the provider said of it."""

    to = models.CharField(_("destinataire"), max_length=32, db_index=True)
    text = models.TextField(_("texte"))
    kind = models.CharField(_("type"), max_length=16, choices=OutboxKind.choices, default=OutboxKind.REPLY)
    in_reply_to = models.ForeignKey(
        InboxMessage,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="replies",
        verbose_name=_("en réponse à"),
    )
    status = models.CharField(_("statut"), max_length=16, choices=OutboxStatus.choices, default=OutboxStatus.PENDING)
    attempts = models.PositiveIntegerField(_("tentatives"), default=0)
    next_attempt_at = models.DateTimeField(_("prochaine tentative"), default=timezone.now)
    queued_at = models.DateTimeField(_("mis en file le"), null=True, blank=True)
    last_error = models.TextField(_("dernière erreur"), blank=True)
    provider_message_id = models.CharField(
        _("identifiant fournisseur"), max_length=100, unique=True, null=True, blank=True
    )
    cost = models.CharField(_("coût"), max_length=32, blank=True)
    # The provider's last word on the message, exactly as it came (`Success`, `Buffered`, `AbsentSubscriber`…).
    provider_status = models.CharField(_("statut fournisseur"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        verbose_name = _("SMS envoyé")
        verbose_name_plural = _("SMS envoyés")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=Q(status="pending"), name="sms_outbox_due"),
            models.Index(fields=["updated_at"], condition=Q(status="sending"), name="sms_outbox_sending"),
        ]

    def __str__(self) -> str:
        return f"{self.to}: {self.text[:40]}"


class DeliveryReport(models.Model):
    """One delivery report from the provider, kept as it came, matched to its outbox message when known."""

    outbox = models.ForeignKey(
        OutboxMessage,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="delivery_reports",
        verbose_name=_("SMS envoyé"),
    )
    provider_id = models.CharField(_("identifiant fournisseur"), max_length=100, db_index=True)
    status = models.CharField(_("statut"), max_length=64)  # raw, unknown values included
    # The outbox status the report means (`delivered`, `sent`, `failed`), blank when the status is unknown.
    outcome = models.CharField(_("effet"), max_length=16, blank=True)
    failure_reason = models.CharField(_("raison de l'échec"), max_length=64, blank=True)
    network_code = models.CharField(_("code réseau"), max_length=16, blank=True)
    phone = models.CharField(_("téléphone"), max_length=32, blank=True)
    received_at = models.DateTimeField(_("reçu le"), default=timezone.now)
    payload = models.JSONField(_("contenu brut"), default=dict)

    class Meta:
        verbose_name = _("accusé de réception")
        verbose_name_plural = _("accusés de réception")
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.provider_id}: {self.status}"


class QuarantinedNumberQuerySet(models.QuerySet["QuarantinedNumber"]):
    def open(self) -> QuarantinedNumberQuerySet:
        """Numbers waiting for an official: never resolved, or written from again since (a retired chief)."""
        return self.filter(Q(resolved_at__isnull=True) | Q(last_seen_at__gt=F("resolved_at")))


class QuarantinedNumber(models.Model):
    """A phone that wrote to us without being any chief's: kept for an official to look at, not binned."""

    phone = models.CharField(_("téléphone"), max_length=32, unique=True)
    first_seen_at = models.DateTimeField(_("premier message"), default=timezone.now)
    last_seen_at = models.DateTimeField(_("dernier message"), default=timezone.now)
    message_count = models.PositiveIntegerField(_("messages"), default=0)
    last_hint_at = models.DateTimeField(_("dernière indication"), null=True, blank=True)
    # Resolved: an official registered the number as a chief (`sms_gateway.registrations.register_number`).
    chief = models.ForeignKey(
        "evillage.Chief",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("inscrit comme chef"),
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("traité par"),
    )
    resolved_at = models.DateTimeField(_("traité le"), null=True, blank=True)

    objects = QuarantinedNumberQuerySet.as_manager()

    class Meta:
        verbose_name = _("numéro en quarantaine")
        verbose_name_plural = _("numéros en quarantaine")
        ordering = ["-last_seen_at"]

    def __str__(self) -> str:
        return self.phone

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None or self.last_seen_at > self.resolved_at

    def hint_due(self, now: dt.datetime | None = None) -> bool:
        """One registration hint a day at most (protocol.md, Replies)."""
        now = now or timezone.now()
        return self.last_hint_at is None or now - self.last_hint_at >= dt.timedelta(days=1)


class Reminder(models.Model):
    """One reminder SMS to a chief who had not reported for a month: never two for the same chief and month."""

    chief = models.ForeignKey(
        "evillage.Chief", on_delete=models.CASCADE, related_name="reminders", verbose_name=_("chef")
    )
    period = models.CharField(_("mois"), max_length=7)
    outbox = models.ForeignKey(
        OutboxMessage, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("SMS")
    )
    created_at = models.DateTimeField(_("envoyé le"), default=timezone.now)

    class Meta:
        verbose_name = _("rappel")
        verbose_name_plural = _("rappels")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["chief", "period"], name="sms_one_reminder_per_chief_period")]

    def __str__(self) -> str:
        return f"{self.chief_id} {self.period}"


class PeriodSummary(models.Model):
    """A closed month's reporting summary sent to a prefecture's officials: once per prefecture and month."""

    prefecture = models.ForeignKey("geo.Area", on_delete=models.CASCADE, related_name="+", verbose_name=_("préfecture"))
    period = models.CharField(_("mois"), max_length=7)
    villages_expected = models.PositiveIntegerField(_("villages attendus"))
    villages_reporting = models.PositiveIntegerField(_("villages ayant répondu"))
    recipients = models.PositiveIntegerField(_("destinataires"))
    created_at = models.DateTimeField(_("envoyé le"), default=timezone.now)

    class Meta:
        verbose_name = _("bilan mensuel")
        verbose_name_plural = _("bilans mensuels")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["prefecture", "period"], name="sms_one_summary_per_prefecture_period")
        ]

    def __str__(self) -> str:
        return f"{self.prefecture_id} {self.period}"
