"""The statistics page's choices, read from its GET form: an indicator and a range of months.

Every field is optional (a link or a half-filled form still shows something); what is given is checked, and a
bad value is said in French on the page rather than ignored.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from evillage.models import Indicator
from evillage.periods import parse_period, shift

# The default range, and the longest one: a page of 36 months × 45 areas × 3 tables stays light.
DEFAULT_MONTHS = 12
MAX_MONTHS = 36


class PeriodField(forms.CharField):
    default_error_messages = {"invalid": _("Mois invalide : « %(value)s » (attendu AAAA-MM, ex. 2024-05).")}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, **kwargs)

    def clean(self, value: Any) -> str:
        period = super().clean(value)
        if period:
            try:
                parse_period(period)
            except ValueError:
                raise forms.ValidationError(
                    self.error_messages["invalid"], code="invalid", params={"value": period}
                ) from None
        return period


class StatisticsForm(forms.Form):
    # A key of the active catalogue, checked below (ChoiceField's message would not name what was asked for).
    indicator = forms.CharField(label=_("Indicateur"), required=False)
    period_from = PeriodField(label=_("Du mois"))
    period_to = PeriodField(label=_("Au mois"))

    error_messages = {
        "unknown_indicator": _("Indicateur inconnu : « %(value)s »."),
        "reversed": _("Le premier mois (%(start)s) vient après le dernier (%(end)s)."),
        "too_long": _("%(max)d mois au plus : choisissez une période plus courte."),
    }

    def __init__(self, data: Any, *, indicators: list[Indicator], latest_period: str) -> None:
        super().__init__(data)
        self.indicators = {indicator.key: indicator for indicator in indicators}
        self.latest_period = latest_period

    def clean_indicator(self) -> Indicator | None:
        key = self.cleaned_data.get("indicator") or ""
        if not key:
            return next(iter(self.indicators.values()), None)
        if key not in self.indicators:
            raise forms.ValidationError(
                self.error_messages["unknown_indicator"], code="unknown_indicator", params={"value": key}
            )
        return self.indicators[key]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.errors:
            return cleaned
        start, end = cleaned.get("period_from"), cleaned.get("period_to")
        if not end:
            # From a given month: a year on, but not into months that have no figures yet.
            end = min(shift(start, DEFAULT_MONTHS - 1), max(start, self.latest_period)) if start else self.latest_period
        start = start or shift(end, 1 - DEFAULT_MONTHS)
        if start > end:
            raise forms.ValidationError(
                self.error_messages["reversed"], code="reversed", params={"start": start, "end": end}
            )
        if months_between(start, end) > MAX_MONTHS:
            raise forms.ValidationError(self.error_messages["too_long"], code="too_long", params={"max": MAX_MONTHS})
        cleaned["period_from"], cleaned["period_to"] = start, end
        return cleaned


def months_between(start: str, end: str) -> int:
    """How many months from `start` to `end`, both included."""
    (start_year, start_month), (end_year, end_month) = parse_period(start), parse_period(end)
    return (end_year - start_year) * 12 + end_month - start_month + 1
