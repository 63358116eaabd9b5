"""Every sentence the parser says, in one place, so that the channel can translate them later.

They are shown to chiefs on feature phones: French, short, plain GSM-7 (no `ê`, `â`, `î`, `ô`, `û`, `ç`).
The reply builder frames them (`Erreur: <message>. Exemple: ...`), so a message is a fragment without a
final full stop. Text typed by the chief is quoted through `quote`, which keeps it short and GSM-7.
"""

from __future__ import annotations

import string

_QUOTABLE = frozenset(string.ascii_letters + string.digits + " !\"#%&'()*+,-./:;<=>?@_$")
MAX_QUOTE = 24


def quote(text: str) -> str:
    """User text made safe to echo: characters outside GSM-7 become `?`, and at most MAX_QUOTE of them."""
    text = " ".join(text.split()).replace("°", "d")  # GSM-7 has no degree sign; `d` is the card's spelling
    safe = "".join(c if c in _QUOTABLE else "?" for c in text[: MAX_QUOTE + 1])
    return safe if len(safe) <= MAX_QUOTE else safe[: MAX_QUOTE - 3] + "..."


# Errors


def unknown_command(token: str) -> str:
    return f"Commande '{quote(token)}' inconnue"


def unknown_indicator(token: str) -> str:
    return f"Indicateur '{quote(token)}' inconnu"


def unreadable(token: str) -> str:
    return f"'{quote(token)}' incompris"


def value_without_indicator(token: str) -> str:
    return f"Valeur '{quote(token)}' sans indicateur"


def mixed_forms(expected: int) -> str:
    return f"Donnez {expected} valeurs sans nom, ou chaque nom suivi de sa valeur"


def bad_value(token: str, hint: str) -> str:
    return f"'{quote(token)}' invalide ({hint})"


def missing_value(keyword: str) -> str:
    return f"Valeur manquante apres {quote(keyword)}"


def no_values() -> str:
    return "Aucun indicateur dans le rapport"


def conflicting_value(keyword: str, first: str, second: str) -> str:
    return f"2 valeurs pour {quote(keyword)}: '{quote(first)}' puis '{quote(second)}'"


def wrong_count(expected: int, received: int) -> str:
    return f"{expected} valeurs attendues, {received} recues"


def bad_month(token: str) -> str:
    return f"Mois '{quote(token)}' invalide (1 a 12)"


def future_month(month: int, year: int) -> str:
    return f"Mois {month:02d}/{year} pas encore arrive"


def old_month(month: int, year: int, months_back: int) -> str:
    return f"Mois {month:02d}/{year} trop ancien ({months_back} mois max)"


def bad_population(token: str, minimum: int, maximum: int) -> str:
    return f"Population '{quote(token)}' invalide ({minimum} a {maximum})"


def missing_coordinates() -> str:
    return "Coordonnees manquantes"


def bad_coordinates(token: str) -> str:
    return f"Coordonnees '{quote(token)}' illisibles"


def outside_country(lat: float, lon: float) -> str:
    return f"Point {lat:g} {lon:g} hors du Togo"


def missing_village_code() -> str:
    return "Code du village manquant"


def missing_alert_text() -> str:
    return "Texte de l'alerte manquant"


def too_long(length: int, maximum: int) -> str:
    return f"Message trop long ({length} caracteres, {maximum} max)"


# Warnings


def typo_corrected(token: str, keyword: str) -> str:
    return f"'{quote(token)}' lu {quote(keyword)}"


def signature_ignored(text: str) -> str:
    return f"'{quote(text)}' ignore"


def low_precision(decimals: int) -> str:
    return f"Position peu precise: {decimals} decimales attendues"


def coordinates_swapped() -> str:
    return "Latitude et longitude inversees, corrige"


def alert_truncated(maximum: int) -> str:
    return f"Alerte coupee a {maximum} caracteres"
