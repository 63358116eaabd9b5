"""The commands of the protocol and their keywords: fixed by protocol.md, unlike the indicators."""

from __future__ import annotations

import enum


class Command(enum.StrEnum):
    REPORT = "report"  # RAP: a service report
    GPS = "gps"  # the village centre's location
    REGISTER = "register"  # INSCR: this phone as a village's chief
    HELP = "help"  # AIDE: send the card
    ALERT = "alert"  # ALERTE: free text for the prefecture


COMMAND_WORDS: dict[str, Command] = {
    "RAP": Command.REPORT,
    "RAPPORT": Command.REPORT,
    "R": Command.REPORT,
    "GPS": Command.GPS,
    "POS": Command.GPS,
    "LOC": Command.GPS,
    "INSCR": Command.REGISTER,
    "INSCRIPTION": Command.REGISTER,
    "INS": Command.REGISTER,
    "AIDE": Command.HELP,
    "HELP": Command.HELP,
    "?": Command.HELP,
    "ALERTE": Command.ALERT,
    "ALERT": Command.ALERT,
    "URGENCE": Command.ALERT,
}
