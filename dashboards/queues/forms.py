"""The queues' forms: the filters of the lists, and the one-step registration of a quarantined number."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from evillage.models import ChiefRole
from evillage.periods import period_of_moment, shift
from geo.models import Area, Level, Village

# How far back the non-reporting queue looks.
PERIODS_SHOWN = 12
SELECT = "form-select form-select-sm w-auto"


def recent_periods() -> list[str]:
    current = period_of_moment(timezone.now())
    return [shift(current, -n) for n in range(PERIODS_SHOWN)]


class AreaChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Area) -> str:
        if obj.level == Level.CANTON and obj.parent is not None:
            return f"{obj.parent.name} › {obj.name}"
        return obj.name


class NonReportingFilter(forms.Form):
    """Which month, and which of the user's prefectures or cantons (none: the whole scope)."""

    period = forms.ChoiceField(label=_("Mois"), required=False, widget=forms.Select(attrs={"class": SELECT}))
    zone = AreaChoiceField(
        label=_("Zone"),
        queryset=Area.objects.none(),
        required=False,
        empty_label=_("Toutes"),
        widget=forms.Select(attrs={"class": SELECT}),
    )

    def __init__(self, *args: Any, areas: QuerySet[Area], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        periods = recent_periods()
        self.fields["period"].choices = [(p, f"{p[5:]}/{p[:4]}") for p in periods]
        self.fields["period"].initial = periods[0]
        self.fields["zone"].queryset = areas

    def clean_period(self) -> str:
        return self.cleaned_data.get("period") or recent_periods()[0]


class AlertFilter(forms.Form):
    OPEN, HANDLED, ALL = "ouvertes", "traitees", "toutes"
    state = forms.ChoiceField(
        label=_("Alertes"),
        required=False,
        choices=[(OPEN, _("À traiter")), (HANDLED, _("Traitées")), (ALL, _("Toutes, à traiter d'abord"))],
    )

    def clean_state(self) -> str:
        return self.cleaned_data.get("state") or self.OPEN


class RegisterNumberForm(forms.Form):
    """Register a quarantined number as the chief of a village of the user's scope, in one step."""

    village = forms.CharField(
        label=_("Code du village"),
        max_length=32,
        help_text=_("Le code imprimé sur la carte du chef, par ex. KOZ-0001."),
    )
    full_name = forms.CharField(
        label=_("Nom complet du chef"), max_length=200, widget=forms.TextInput(attrs={"class": "form-control w-auto"})
    )
    role = forms.ChoiceField(
        label=_("Rôle"),
        choices=ChiefRole.choices,
        initial=ChiefRole.VILLAGE_CHIEF,
        widget=forms.Select(attrs={"class": SELECT}),
    )

    def __init__(self, *args: Any, villages: QuerySet[Village], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.villages = villages

    def clean_village(self) -> Village:
        code = self.cleaned_data["village"].strip().upper()
        village = self.villages.filter(code=code).select_related("prefecture").defer("prefecture__geom").first()
        if village is None:
            raise forms.ValidationError(
                _("Aucun village de code « %(code)s » dans votre juridiction."), params={"code": code}
            )
        return village
