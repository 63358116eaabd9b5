"""The database's indicator catalogue, in the parser's terms: what the ministry adds is understood by SMS at once."""

from __future__ import annotations

import time

from evillage.models import Indicator as IndicatorRow
from sms_gateway.protocol import Catalogue, Indicator, IndicatorKind

# The card's example values for yes/no indicators, in turn: `EAU 1 ELEC 0 … SANTE 1 ECOLE 1 ROUTE 0`.
_EXAMPLE_YES_NO = (1, 0, 1, 1, 0)


def load_catalogue() -> Catalogue:
    """The active indicators, in card order (one query)."""
    return Catalogue(
        Indicator(
            key=row.key,
            keyword=row.keyword,
            aliases=tuple(row.aliases),
            kind=IndicatorKind(row.kind),
            scale_max=row.scale_max,
            scale_words=tuple((word, int(value)) for word, value in row.scale_words),
            card_order=row.card_order,
        )
        for row in IndicatorRow.objects.filter(is_active=True)
    )


# Workers re-read the catalogue at most this often: a new indicator is understood within a minute of being
# saved, and a national month of messages does not read the same six rows 4,300 times.
CATALOGUE_MAX_AGE_SECONDS = 60.0
_cached: tuple[float, Catalogue] | None = None


def current_catalogue() -> Catalogue:
    """The catalogue, read again once it is older than `CATALOGUE_MAX_AGE_SECONDS`."""
    global _cached
    now = time.monotonic()
    if _cached is None or now - _cached[0] > CATALOGUE_MAX_AGE_SECONDS:
        _cached = (now, load_catalogue())
    return _cached[1]


def report_example(catalogue: Catalogue) -> str:
    """A correct report for this catalogue, as the card prints it: `RAP EAU 1 ELEC 0 RES 2 …`."""
    parts = ["RAP"]
    yes_no = 0
    for indicator in catalogue:
        if indicator.kind is IndicatorKind.SCALE:
            value = indicator.scale_max
        else:
            value = _EXAMPLE_YES_NO[yes_no % len(_EXAMPLE_YES_NO)]
            yes_no += 1
        parts += [indicator.keyword, str(value)]
    return " ".join(parts)
