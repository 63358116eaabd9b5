"""The words sent to chiefs and officials by SMS: French, plain GSM-7, one 160-character segment.

Every template is a translatable string rendered in French (the chiefs' card language), then reduced to
plain GSM-7 (accents and typographic signs replaced: `reçu` → `recu`), then fitted into one segment by
shortening the parts that may shrink (a long village name first, the closing courtesy last).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.utils import translation
from django.utils.translation import gettext as _

SEGMENT = 160
# Forwarded alerts carry up to 300 characters of the chief's words: officials' phones take three parts.
ALERT_LIMIT = 3 * 153

# GSM 03.38 basic character set (one septet each) and its extension table (two septets each).
_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_EXTENSION = set("^{}\\[~]|€")
_REPLACEMENTS = {
    "’": "'",
    "‘": "'",
    "«": '"',
    "»": '"',
    "“": '"',
    "”": '"',
    "–": "-",
    "—": "-",
    "…": "...",
    "œ": "oe",
    "Œ": "OE",
    "°": "o",
    "\u00a0": " ",
    "\t": " ",
}


def to_gsm7(text: str) -> str:
    """Plain GSM-7 text: no accents at all (the card's own spelling), every other sign in the basic set."""
    # French quotes carry inner spaces (« rien »); plain quotes do not.
    for spaced in ("« ", "«\u00a0", "«\u202f"):
        text = text.replace(spaced, "«")
    for spaced in (" »", "\u00a0»", "\u202f»"):
        text = text.replace(spaced, "»")
    return text.translate(_GSM7)


class _Gsm7Table(dict[int, str]):
    """`str.translate`'s table, filled a character at a time as they are met: every reply is rendered through
    it, and working each character out again (a Unicode decomposition) took most of a reply's time."""

    def __missing__(self, code: int) -> str:
        char = _REPLACEMENTS.get(chr(code), chr(code))
        if len(char) == 1:
            stripped = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
            char = "".join(c if c in _BASIC and ord(c) < 128 else ("?" if c not in _EXTENSION else c) for c in stripped)
        self[code] = char
        return char


_GSM7 = _Gsm7Table()


def septets(text: str) -> int:
    """Length of GSM-7 text in septets (extension characters count two)."""
    return sum(2 if c in _EXTENSION else 1 for c in text)


def _render(template: str, limit: int, shrinkable: Sequence[str], **fields: str) -> str:
    """Fill `template` and fit it within `limit` septets by shortening the named fields in turn."""
    values = {k: to_gsm7(v) for k, v in fields.items()}
    text = to_gsm7(template.format(**values))
    for name in shrinkable:
        over = septets(text) - limit
        if over <= 0:
            break
        current = values[name]
        keep = max(len(current) - over - 1, 3 if name != "courtesy" else 0)
        values[name] = (current[:keep].rstrip() + ".") if keep and keep < len(current) else current[:keep]
        text = to_gsm7(template.format(**values))
    if septets(text) > limit:  # the last resort: cut, so that the message is never split or refused
        while septets(text) > limit - 2:
            text = text[:-1]
        text = text.rstrip() + ".."
    return text


def _in_french() -> translation.override:
    """Replies go out in the card's language, whatever language the caller (a web request) speaks."""
    return translation.override("fr")


@dataclass(frozen=True)
class Echo:
    """One indicator as understood: the short label of the card and the value in words."""

    label: str
    value: str


def report_received(period: str, village: str, echoes: Iterable[Echo], warnings: Sequence[str] = ()) -> str:
    """`Rapport 11/2026 KPELE-DAFO recu: Eau OUI, Elec NON. Merci.` plus what was corrected."""
    year, month = period.split("-")
    items = ", ".join(f"{e.label} {e.value}" for e in echoes)
    with _in_french():
        template = _("Rapport {period} {village} recu: {items}.{notes} {courtesy}")
        courtesy = _("Merci.")
    notes = (" " + " ".join(warnings)) if warnings else ""
    return _render(
        template,
        SEGMENT,
        ["village", "notes", "courtesy", "items"],
        period=f"{month}/{year}",
        village=village.upper(),
        items=items,
        notes=notes,
        courtesy=courtesy,
    )


def error(message: str, example: str) -> str:
    """`Erreur: 'ELEC 5' invalide (1=oui, 0=non). Exemple: RAP EAU 1 ELEC 0 …`; `message` is the parser's
    fragment, without its final stop."""
    with _in_french():
        template = _("Erreur: {message}. Exemple: {example}")
    return _render(template, SEGMENT, ["message", "example"], message=message, example=example)


def help_card(example: str) -> str:
    with _in_french():
        template = _(
            "E-Village: {example} (1=oui 0=non, RES 0 1 2). GPS 9.5511 1.1862. INSCR CODE NOM. ALERTE texte. AIDE"
        )
    return _render(template, SEGMENT, ["example"], example=example)


def location_accepted(village: str, lat: float, lon: float, notes: Sequence[str] = ()) -> str:
    with _in_french():
        template = _("Position de {village} enregistree: {lat}, {lon}.{notes} Merci.")
    return _render(
        template,
        SEGMENT,
        ["village", "notes"],
        village=village.upper(),
        lat=f"{lat:.5f}",
        lon=f"{lon:.5f}",
        notes=(" " + " ".join(notes)) if notes else "",
    )


def location_conflict(village: str, reason: str) -> str:
    with _in_french():
        template = _("Position recue pour {village}, mais {reason}: la prefecture va la verifier. Merci.")
    return _render(template, SEGMENT, ["village", "reason"], village=village.upper(), reason=reason)


def registration_pending(village: str, code: str) -> str:
    with _in_french():
        template = _("Inscription recue pour {village} ({code}). Elle attend la validation de la prefecture.")
    return _render(template, SEGMENT, ["village"], village=village.upper(), code=code)


def registration_unknown_village(code: str) -> str:
    with _in_french():
        template = _(
            "Erreur: village {code} inconnu. Verifiez le code sur votre carte. Exemple: INSCR KLO-0231 KOSSI AMEGAN"
        )
    return _render(template, SEGMENT, ["code"], code=code)


def already_registered(village: str) -> str:
    with _in_french():
        template = _("Ce numero est deja inscrit comme chef de {village}. Envoyez AIDE pour la carte.")
    return _render(template, SEGMENT, ["village"], village=village.upper())


def welcome(village: str, code: str) -> str:
    """The prefecture approved a registration, or registered the number itself: the phone is a chief's now."""
    with _in_french():
        template = _(
            "Bienvenue sur E-Village: ce numero est inscrit comme chef de {village} ({code}). "
            "Envoyez AIDE pour la carte."
        )
    return _render(template, SEGMENT, ["village"], village=village.upper(), code=code)


def registration_refused(village: str, code: str) -> str:
    with _in_french():
        template = _(
            "Votre inscription pour {village} ({code}) a ete refusee par la prefecture. "
            "Contactez-la pour en savoir plus."
        )
    return _render(template, SEGMENT, ["village"], village=village.upper(), code=code)


def registration_waiting() -> str:
    with _in_french():
        return to_gsm7(_("Votre inscription attend la validation de la prefecture. Message non enregistre."))


def alert_received(prefecture: str) -> str:
    with _in_french():
        template = _("Alerte transmise a la prefecture de {prefecture}. Merci.")
    return _render(template, SEGMENT, ["prefecture"], prefecture=prefecture)


def alert_forward(village: str, code: str, chief: str, phone: str, text: str) -> str:
    """The alert as officials receive it (several parts allowed: it carries the chief's words)."""
    with _in_french():
        template = _("ALERTE {village} ({code}), chef {chief} {phone}: {text}")
    return _render(template, ALERT_LIMIT, ["text"], village=village, code=code, chief=chief, phone=phone, text=text)


def unknown_number_hint() -> str:
    with _in_french():
        return to_gsm7(
            _(
                "Numero inconnu d'E-Village. Pour vous inscrire: INSCR <code du village> <votre nom>, "
                "ex. INSCR KLO-0231 KOSSI AMEGAN"
            )
        )


def reminder(period: str, village: str, closes_on: str, example: str) -> str:
    """`Rappel E-Village: rapport 11/2026 de KPELE-DAFO pas encore recu. Envoyez-le avant le 30/11: RAP EAU 1 …`"""
    year, month = period.split("-")
    with _in_french():
        template = _(
            "Rappel E-Village: rapport {period} de {village} pas encore recu. Envoyez-le avant le {date}: {example}"
        )
    return _render(
        template,
        SEGMENT,
        ["village", "example"],
        period=f"{month}/{year}",
        village=village.upper(),
        date=closes_on,
        example=example,
    )


def period_summary(prefecture: str, period: str, expected: int, reporting: int) -> str:
    """`E-Village Kozah 10/2026: 87/110 villages ont envoye leur rapport (79%), 23 manquants. …`"""
    year, month = period.split("-")
    rate = round(100 * reporting / expected) if expected else 0
    with _in_french():
        template = _(
            "E-Village {prefecture} {period}: {reporting}/{expected} villages ont envoye leur rapport ({rate}%), "
            "{missing} manquants. Liste sur le tableau de bord."
        )
    return _render(
        template,
        SEGMENT,
        ["prefecture"],
        prefecture=prefecture,
        period=f"{month}/{year}",
        reporting=str(reporting),
        expected=str(expected),
        rate=str(rate),
        missing=str(expected - reporting),
    )
