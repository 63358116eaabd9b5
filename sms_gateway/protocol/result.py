"""What the parser returns: one result per command, serialising to the canonical JSON of protocol.md.

`as_dict()` and `to_json()` give exactly the documented keys, in the documented order:

    {"command": "report", "values": {...}, "population": null, "period": "2026-11", "warnings": [], "errors": []}
    {"command": "gps", "lat": 9.5511, "lon": 1.1862, "swapped": false, "warnings": [], "errors": []}
    {"command": "register", "village_code": "KLO-0231", "name": "KOSSI AMEGAN", "warnings": [], "errors": []}
    {"command": "alert", "text": "...", "warnings": [], "errors": []}
    {"command": "help", "warnings": [], "errors": []}
    {"command": "invalid", "warnings": [], "errors": [{"code": "unknown_command", "message": "..."}]}

A result with errors records nothing: its command's fields are then empty (no values, null population,
period, coordinates, code, name and text), while `command` still says which command was meant when that is
known. Parsing stops at the first problem, so `errors` holds one entry (the one a reply names).

Errors and warnings are `{"code": ..., "message": ...}`; the message is French and GSM-7, for the chief.
Error codes are those of protocol.md (`ErrorCode`). Warning codes (`WarningCode`):

- `typo_corrected`: a keyword was misspelt by one letter and read as the nearest one; `token` is what was
  typed, `corrected` the keyword it was read as (the reply echoes it).
- `signature_ignored`: trailing words after the last readable value (a signature such as
  `MERCI CHEF KOFFI`) were ignored; `token` holds them.
- `low_precision`: a GPS coordinate has fewer than 3 decimals (or the equivalent in minutes or seconds).
- `coordinates_swapped`: latitude and longitude fitted Togo only the other way round and were swapped.
- `alert_truncated`: the alert text was cut to its first 300 characters.

Beyond the JSON, an `Issue` keeps what a reply builder needs: `token` (the text the message quotes, such as
`ELEC 5`), `corrected` and `indicator` (the key of the indicator concerned, when one is).
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar, Literal

from .catalogue import Value


class ErrorCode(enum.StrEnum):
    UNKNOWN_COMMAND = "unknown_command"  # the first word is no command and no indicator
    UNKNOWN_INDICATOR = "unknown_indicator"  # a word (or a value) a report cannot place
    BAD_VALUE = "bad_value"  # a value outside what its indicator accepts
    CONFLICTING_VALUE = "conflicting_value"  # one indicator (or POP, MOIS) given two different values
    WRONG_COUNT = "wrong_count"  # a positional report without exactly one value per indicator
    BAD_PERIOD = "bad_period"  # MOIS unreadable, in the future or more than 3 months back
    BAD_POPULATION = "bad_population"  # POP unreadable or outside 1-200000
    BAD_COORDINATES = "bad_coordinates"  # GPS coordinates unreadable
    OUTSIDE_COUNTRY = "outside_country"  # a GPS point outside Togo, either way round
    MISSING_ARGUMENT = "missing_argument"  # a command or keyword without what must follow it
    TOO_LONG = "too_long"  # more than 640 characters, refused whole


class WarningCode(enum.StrEnum):
    TYPO_CORRECTED = "typo_corrected"
    SIGNATURE_IGNORED = "signature_ignored"
    LOW_PRECISION = "low_precision"
    COORDINATES_SWAPPED = "coordinates_swapped"
    ALERT_TRUNCATED = "alert_truncated"


@dataclass(frozen=True)
class Issue:
    """An error or a warning; only `code` and `message` are serialised."""

    code: ErrorCode | WarningCode
    message: str
    token: str = ""
    corrected: str = ""
    indicator: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code.value, "message": self.message}


@dataclass(frozen=True, kw_only=True)
class _Result:
    command: ClassVar[str]
    warnings: tuple[Issue, ...] = ()
    errors: tuple[Issue, ...] = ()

    @property
    def ok(self) -> bool:
        """Whether the message can be acted on (no error)."""
        return not self.errors

    def _fields(self) -> dict[str, object]:
        return {}

    def as_dict(self) -> dict[str, object]:
        return {
            "command": self.command,
            **self._fields(),
            "warnings": [warning.as_dict() for warning in self.warnings],
            "errors": [error.as_dict() for error in self.errors],
        }

    def to_json(self) -> str:
        return json.dumps(self.as_dict(), ensure_ascii=False)


@dataclass(frozen=True, kw_only=True)
class ReportResult(_Result):
    """A service report. `values` maps indicator keys to values, in card order; `period` is `YYYY-MM`."""

    command: ClassVar[Literal["report"]] = "report"
    values: Mapping[str, Value] = field(default_factory=dict)
    population: int | None = None
    period: str | None = None

    def _fields(self) -> dict[str, object]:
        return {"values": dict(self.values), "population": self.population, "period": self.period}


@dataclass(frozen=True, kw_only=True)
class GpsResult(_Result):
    """The village centre, in decimal degrees (WGS 84); `swapped` when latitude and longitude were swapped."""

    command: ClassVar[Literal["gps"]] = "gps"
    lat: float | None = None
    lon: float | None = None
    swapped: bool = False

    def _fields(self) -> dict[str, object]:
        return {"lat": self.lat, "lon": self.lon, "swapped": self.swapped}


@dataclass(frozen=True, kw_only=True)
class RegisterResult(_Result):
    """A registration: the village code upper-cased as typed, the chief's name as typed (or None)."""

    command: ClassVar[Literal["register"]] = "register"
    village_code: str | None = None
    name: str | None = None

    def _fields(self) -> dict[str, object]:
        return {"village_code": self.village_code, "name": self.name}


@dataclass(frozen=True, kw_only=True)
class AlertResult(_Result):
    """A free-text alert, as typed, at most 300 characters."""

    command: ClassVar[Literal["alert"]] = "alert"
    text: str | None = None

    def _fields(self) -> dict[str, object]:
        return {"text": self.text}


@dataclass(frozen=True, kw_only=True)
class HelpResult(_Result):
    """A request for the card (also the answer to an empty message)."""

    command: ClassVar[Literal["help"]] = "help"


@dataclass(frozen=True, kw_only=True)
class InvalidResult(_Result):
    """A message whose command could not be told."""

    command: ClassVar[Literal["invalid"]] = "invalid"


ParseResult = ReportResult | GpsResult | RegisterResult | AlertResult | HelpResult | InvalidResult

COMMANDS = ("report", "gps", "register", "alert", "help", "invalid")
