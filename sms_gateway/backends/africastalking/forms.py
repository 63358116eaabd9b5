"""Africa's Talking's callbacks, checked at the edge: shapes and sizes, not meaning.

Field names are Africa's Talking's own (shared/reference/africastalking.md §1–2). The text is kept up to
2,000 characters as it came: the 640-character protocol limit is the parser's business, so that a
too-long report still gets its explanatory reply.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
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


# POST from Africa's Talking for an incoming SMS: from, to, text, date, id; linkId, networkCode, cost.
# Django's form fields, each cleaned on its own rather than inside a Form: a Form deep-copies its fields and
# binds each of them on every request, 0.22 ms a callback where cleaning the same fields takes 0.03 (measured),
# the largest cost the webhook had over a bare insert. A field is only read while it cleans, so one set serves
# every request and thread; the checks and their messages are the fields' own, as in a Form.
INBOUND_FIELDS: dict[str, forms.Field] = {
    "from": phone_field(),
    "to": forms.CharField(max_length=32),
    "text": forms.CharField(max_length=MAX_TEXT, required=False, strip=False),
    "date": ProviderDateField(),
    "id": forms.CharField(max_length=100),
    "linkId": forms.CharField(max_length=100, required=False),
    "networkCode": forms.CharField(max_length=16, required=False),
    "cost": forms.CharField(max_length=32, required=False),
}


def clean_inbound(data: Mapping[str, str]) -> dict[str, Any]:
    """The inbound callback's fields, cleaned as a form would; a `ValidationError` naming every wrong field."""
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for name, field in INBOUND_FIELDS.items():
        try:
            cleaned[name] = field.clean(data.get(name))
        except forms.ValidationError as exc:
            errors[name] = exc.messages
    # An empty text is a message (it earns the help reply); a missing one is a malformed request.
    if "text" not in data:
        errors.setdefault("text", []).append(str(_("Ce champ est obligatoire.")))
    if errors:
        raise forms.ValidationError(errors)
    return cleaned


class DeliveryReportForm(forms.Form):
    """POST from Africa's Talking for a delivery report: id, status; phoneNumber, networkCode, failureReason."""

    id = forms.CharField(max_length=100)
    status = forms.CharField(max_length=64)
    phoneNumber = forms.CharField(max_length=32, required=False)
    networkCode = forms.CharField(max_length=16, required=False)
    failureReason = forms.CharField(max_length=64, required=False)
    retryCount = forms.CharField(max_length=8, required=False)
