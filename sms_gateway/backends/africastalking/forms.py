"""Africa's Talking's callbacks, checked at the edge: shapes and sizes, not meaning.

Field names are Africa's Talking's own (shared/reference/africastalking.md §1–2). The text is kept up to
2,000 characters as it came: the 640-character protocol limit is the parser's business, so that a
too-long report still gets its explanatory reply.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

MAX_TEXT = 2000
_PHONE = re.compile(r"^\+?[0-9]{3,20}$")
# Both forms Africa's Talking uses (`2017-05-03T06:04:45Z`, `2017-05-03 06:04:45`), UTC; fractions allowed.
_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(\.\d{1,6})?(Z|[+-]00:?00)?$")


def parse_provider_date(value: str) -> dt.datetime:
    match = _DATE.match(value.strip())
    if not match:
        raise forms.ValidationError(_("Date illisible : attendu AAAA-MM-JJTHH:MM:SSZ ou AAAA-MM-JJ HH:MM:SS."))
    day, time, fraction, _zone = match.groups()
    try:
        moment = dt.datetime.fromisoformat(f"{day}T{time}{fraction or ''}")
    except ValueError:
        raise forms.ValidationError(_("Date impossible.")) from None
    return moment.replace(tzinfo=dt.UTC)


class ProviderDateField(forms.Field):
    def to_python(self, value: Any) -> dt.datetime | None:
        text = str(value or "").strip()
        if len(text) > 40:
            raise forms.ValidationError(_("Date trop longue."))
        return parse_provider_date(text) if text else None


def phone_field(required: bool = True) -> forms.CharField:
    return forms.RegexField(
        regex=_PHONE,
        max_length=24,
        required=required,
        error_messages={"invalid": _("Numéro de téléphone illisible.")},
    )


class InboundForm(forms.Form):
    """POST from Africa's Talking for an incoming SMS: from, to, text, date, id; linkId, networkCode, cost."""

    to = forms.CharField(max_length=32)
    text = forms.CharField(max_length=MAX_TEXT, required=False, strip=False)
    date = ProviderDateField()
    id = forms.CharField(max_length=100)
    linkId = forms.CharField(max_length=100, required=False)
    networkCode = forms.CharField(max_length=16, required=False)
    cost = forms.CharField(max_length=32, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # `from` is a Python keyword: the field is declared here rather than in the class body.
        self.fields["from"] = phone_field()
        self.order_fields(["from", "to", "text", "date", "id"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        # An empty text is a message (it earns the help reply); a missing one is a malformed request.
        if "text" not in self.data:
            self.add_error("text", _("Ce champ est obligatoire."))
        return cleaned


class DeliveryReportForm(forms.Form):
    """POST from Africa's Talking for a delivery report: id, status; phoneNumber, networkCode, failureReason."""

    id = forms.CharField(max_length=100)
    status = forms.CharField(max_length=64)
    phoneNumber = forms.CharField(max_length=32, required=False)
    networkCode = forms.CharField(max_length=16, required=False)
    failureReason = forms.CharField(max_length=64, required=False)
    retryCount = forms.CharField(max_length=8, required=False)
