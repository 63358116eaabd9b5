"""Chiefs' phone numbers: Togo mobile numbers in E.164 (+228 and 8 digits)."""

from __future__ import annotations

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Mobile ranges: Togocom 70–73 and 90–93; Moov 78, 79 and 96–99.
TOGO_MOBILE_PREFIXES = frozenset({"70", "71", "72", "73", "90", "91", "92", "93", "78", "79", "96", "97", "98", "99"})


class InvalidPhone(ValidationError):
    """A number that is not a Togo mobile number; its message says why, in words for people."""


def normalize_phone(raw: str) -> str:
    """The E.164 form of a Togo mobile number typed in any common way (`90 12 34 56 78`, `0022890…`)."""
    text = (raw or "").strip()
    if not text:
        raise InvalidPhone(_("Numéro de téléphone manquant."))
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, "TG")
    except phonenumbers.NumberParseException:
        raise InvalidPhone(_("« %(raw)s » n'est pas un numéro de téléphone.") % {"raw": raw}) from None
    national = str(number.national_number)
    if number.country_code != 228:
        raise InvalidPhone(_("« %(raw)s » n'est pas un numéro du Togo (+228).") % {"raw": raw})
    if len(national) != 8:
        raise InvalidPhone(_("« %(raw)s » : un numéro du Togo a 8 chiffres après +228.") % {"raw": raw})
    if national[:2] not in TOGO_MOBILE_PREFIXES:
        raise InvalidPhone(
            _("« %(raw)s » n'est pas un numéro mobile Togocom (70–73, 90–93) ou Moov (78, 79, 96–99).") % {"raw": raw}
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def validate_phone(value: str) -> None:
    """Model-field validator: the stored value must already be the E.164 form."""
    if normalize_phone(value) != value:
        raise InvalidPhone(_("Le numéro doit être écrit au format +228XXXXXXXX."))
