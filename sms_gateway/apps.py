from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SmsGatewayConfig(AppConfig):
    name = "sms_gateway"
    verbose_name = _("Passerelle SMS")
