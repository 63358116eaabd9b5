"""What each value of an indicator is called and which colour it gets, for the maps and the history chart.

Defined once here: the prefecture map receives these classes as JSON and the village page's chart uses them
directly, so a value never has two colours.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from evillage.models import Indicator, IndicatorKind

# Red (no service) to green (full service); a scale picks evenly from it.
PALETTE = ("#d7191c", "#f07c28", "#f2c40f", "#7fbf3f", "#1a9641")
NO_DATA = "#bdbdbd"


@dataclass(frozen=True)
class ValueClass:
    value: int
    label: str
    colour: str


def value_classes(indicator: Indicator) -> list[ValueClass]:
    """Every value the indicator takes, lowest first, with its name and colour."""
    if indicator.kind == IndicatorKind.YES_NO:
        return [ValueClass(0, _("Non"), PALETTE[0]), ValueClass(1, _("Oui"), PALETTE[-1])]
    top = max(int(indicator.scale_max), 1)
    # The first SMS word giving a value names it (protocol.md): BON, FAIBLE, AUCUN for the network.
    words: dict[int, str] = {}
    for word, value in indicator.scale_words or []:
        words.setdefault(int(value), str(word).capitalize())
    return [
        ValueClass(value, words.get(value, str(value)), PALETTE[round(value * (len(PALETTE) - 1) / top)])
        for value in range(top + 1)
    ]
