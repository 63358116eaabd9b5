"""GPS: reading the village centre from what follows the command.

Accepted, after normalisation (upper case; `º`, `˚` read as `°`; primes and curly quotes as `'` and `"`):
decimal degrees with a dot or a decimal comma (`9.5511 1.1862`, `9,5511 1,1862`, `9.5511,1.1862`), with
hemisphere letters before or after (`N9.5511 E1.1862`, `9.5511N 1.1862E`; also `S`, `W`/`O`, and the words
`NORD SUD EST OUEST`), a `-` sign, and degrees–minutes[–seconds] marked with `° ' "` or `D M S`
(`9°33'04"N`, `9d33m04sN`), or left unmarked when hemisphere letters close each coordinate
(`9 33 04 N 1 11 10 E`) or when the message is just 4 or 6 whole numbers (`9 33 1 11`).

Decisions where protocol.md leaves room: hemisphere letters fix which number is the latitude (so
`1.1862E 9.5511N` is not a swap); words after the coordinates (`MERCI`) are ignored with a warning, as a
report's signature is; the precision rule asks for the equivalent of 3 decimals of a degree (2 decimals of
a minute, whole seconds); a point beyond ±90/±180 is unreadable (`bad_coordinates`), one on Earth but outside
Togo either way round is `outside_country`. Coordinates are rounded to 6 decimals (about 0.1 m).
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field

from . import messages
from .result import ErrorCode, GpsResult, Issue, WarningCode

LAT_MIN, LAT_MAX = 6.0, 11.2  # Togo's bounding box, degrees
LON_MIN, LON_MAX = -0.2, 1.9
MIN_DECIMALS = 3  # about 100 m
_REQUIRED_DECIMALS = (MIN_DECIMALS, 2, 0)  # the same precision for degrees, minutes and seconds

_DECIMAL_DOT = re.compile(r"[0-9]\.[0-9]")


def _scanner(decimal_mark: str) -> re.Pattern[str]:
    return re.compile(
        rf"""
        (?P<number>-?[0-9]+(?:{re.escape(decimal_mark)}[0-9]+)?)
        |(?P<seconds>''|")
        |(?P<minutes>')
        |(?P<degrees>°)
        |(?P<word>[A-Z]+)
        |(?P<gap>(?:[ ,;:=/+*\#.]|-(?![0-9]))+)
        |(?P<other>.)
        """,
        re.VERBOSE | re.DOTALL,
    )


_SCANNERS = {".": _scanner("."), ",": _scanner(",")}


class Unit(enum.IntEnum):
    DEGREES = 0
    MINUTES = 1
    SECONDS = 2


class Axis(enum.Enum):
    LAT = "lat"
    LON = "lon"


HEMISPHERES = {
    "N": (Axis.LAT, 1),
    "NORD": (Axis.LAT, 1),
    "NORTH": (Axis.LAT, 1),
    "S": (Axis.LAT, -1),
    "SUD": (Axis.LAT, -1),
    "SOUTH": (Axis.LAT, -1),
    "E": (Axis.LON, 1),
    "EST": (Axis.LON, 1),
    "EAST": (Axis.LON, 1),
    "W": (Axis.LON, -1),
    "O": (Axis.LON, -1),
    "OUEST": (Axis.LON, -1),
    "WEST": (Axis.LON, -1),
}
_UNIT_LETTERS = {"D": Unit.DEGREES, "M": Unit.MINUTES}
_LETTERS = frozenset("DMSNEWO")  # what short letter runs such as `SN` (seconds, north) may hold


class GpsError(Exception):
    """Unreadable coordinates; `code` and `message` are the error to report."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class _Number:
    text: str

    @property
    def negative(self) -> bool:
        return self.text.startswith("-")

    @property
    def decimals(self) -> int:
        for mark in ".,":
            if mark in self.text:
                return len(self.text) - self.text.index(mark) - 1
        return 0

    @property
    def magnitude(self) -> float:
        return float(self.text.lstrip("-").replace(",", "."))


@dataclass
class _Part:
    number: _Number
    unit: Unit | None = None


@dataclass
class _Coordinate:
    parts: list[_Part] = field(default_factory=list)
    hemisphere: tuple[Axis, int] | None = None
    closed: bool = False  # a trailing hemisphere letter ended it

    @property
    def full(self) -> bool:
        """No further number can join: the last one had decimals, or was seconds."""
        if not self.parts:
            return False
        last = self.parts[-1]
        return self.closed or last.number.decimals > 0 or last.unit is Unit.SECONDS

    def has_unit(self) -> bool:
        return any(part.unit is not None for part in self.parts)


@dataclass(frozen=True)
class _Reading:
    value: float
    axis: Axis | None
    precise: bool


def parse_gps(text: str, warnings: list[Issue]) -> GpsResult:
    """Read `text` (normalised: what follows the GPS keyword). `warnings` is extended."""
    try:
        return _parse(text, warnings)
    except GpsError as error:
        issue = Issue(error.code, error.message, token=" ".join(text.split()))
        return GpsResult(warnings=tuple(warnings), errors=(issue,))


def _bad(text: str) -> GpsError:
    return GpsError(ErrorCode.BAD_COORDINATES, messages.bad_coordinates(" ".join(text.split())))


def _parse(text: str, warnings: list[Issue]) -> GpsResult:
    if not text.strip(" ,;:=/+*#-."):
        raise GpsError(ErrorCode.MISSING_ARGUMENT, messages.missing_coordinates())
    text = _drop_signature(text, warnings)
    coordinates = _coordinates(text)
    first, second = (_reading(coordinate, text) for coordinate in coordinates)
    if first.axis is Axis.LON or second.axis is Axis.LAT:
        first, second = second, first
    if first.axis is Axis.LON or second.axis is Axis.LAT:
        raise _bad(text)
    lat, lon = round(first.value, 6), round(second.value, 6)
    if abs(lat) > 90 or abs(lon) > 180:
        raise _bad(text)
    swapped = False
    if not _in_togo(lat, lon):
        if not _in_togo(lon, lat):
            raise GpsError(ErrorCode.OUTSIDE_COUNTRY, messages.outside_country(lat, lon))
        lat, lon, swapped = lon, lat, True
        warnings.append(Issue(WarningCode.COORDINATES_SWAPPED, messages.coordinates_swapped()))
    if not (first.precise and second.precise):
        warnings.append(Issue(WarningCode.LOW_PRECISION, messages.low_precision(MIN_DECIMALS)))
    return GpsResult(lat=lat, lon=lon, swapped=swapped, warnings=tuple(warnings))


def _in_togo(lat: float, lon: float) -> bool:
    return LAT_MIN <= lat <= LAT_MAX and LON_MIN <= lon <= LON_MAX


def _scan(text: str) -> list[tuple[str, str, int]]:
    """(kind, text, start) of each item; a comma is a decimal comma unless the text has decimal dots."""
    scanner = _SCANNERS["." if _DECIMAL_DOT.search(text) else ","]
    items: list[tuple[str, str, int]] = []
    for match in scanner.finditer(text):
        kind = match.lastgroup or "other"
        if kind == "gap":
            continue
        word = match.group()
        if kind == "word" and word not in HEMISPHERES and word not in _UNIT_LETTERS:
            if len(word) <= 2 and set(word) <= _LETTERS:
                items.extend(("word", letter, match.start() + k) for k, letter in enumerate(word))
                continue
            kind = "other"
        items.append((kind, word, match.start()))
    return items


def _drop_signature(text: str, warnings: list[Issue]) -> str:
    """The text without trailing words after the last number (ignored with a warning)."""
    items = _scan(text)
    first_other = next((k for k, item in enumerate(items) if item[0] == "other"), None)
    if first_other is None:
        return text
    if any(kind == "number" for kind, _, _ in items[first_other:]) or not any(
        kind == "number" for kind, _, _ in items[:first_other]
    ):
        raise _bad(text)
    start = items[first_other][2]
    signature = " ".join(text[start:].split())
    warnings.append(Issue(WarningCode.SIGNATURE_IGNORED, messages.signature_ignored(signature), token=signature))
    return text[:start]


def _coordinates(text: str) -> tuple[_Coordinate, _Coordinate]:
    coordinates = [_Coordinate()]
    for kind, item, _ in _scan(text):
        current = coordinates[-1]
        if kind == "number":
            if current.full:
                current = _Coordinate()
                coordinates.append(current)
            current.parts.append(_Part(_Number(item)))
            continue
        unit = _unit(kind, item, current)
        if unit is not None:
            if not current.parts or current.parts[-1].unit is not None:
                raise _bad(text)
            if unit is Unit.DEGREES and len(current.parts) > 1:
                # A new coordinate's degrees: its number moves to a coordinate of its own.
                moved = current.parts.pop()
                current = _Coordinate()
                current.parts.append(moved)
                coordinates.append(current)
            current.parts[-1].unit = unit
            continue
        hemisphere = HEMISPHERES[item]
        if current.parts and current.hemisphere is None:
            current.hemisphere, current.closed = hemisphere, True
        elif current.parts:
            coordinates.append(_Coordinate(hemisphere=hemisphere))
        elif current.hemisphere is None:
            current.hemisphere = hemisphere
        else:
            raise _bad(text)
    if len(coordinates) == 1:
        coordinates = _split_evenly(coordinates[0], text)
    if len(coordinates) != 2:
        raise _bad(text)
    return coordinates[0], coordinates[1]


def _unit(kind: str, item: str, current: _Coordinate) -> Unit | None:
    """The unit an item marks, or None for a hemisphere; `S` is seconds only after a number in a D/M reading."""
    if kind == "degrees":
        return Unit.DEGREES
    if kind == "minutes":
        return Unit.MINUTES
    if kind == "seconds":
        return Unit.SECONDS
    if item in _UNIT_LETTERS:
        return _UNIT_LETTERS[item]
    if item == "S":
        after_number = bool(current.parts) and current.parts[-1].unit is None and not current.closed
        return Unit.SECONDS if after_number and current.has_unit() else None
    return None


def _split_evenly(coordinate: _Coordinate, text: str) -> list[_Coordinate]:
    """Unmarked whole numbers alone (`9 33 1 11`): the first half is the latitude."""
    parts = coordinate.parts
    if coordinate.hemisphere is not None or coordinate.has_unit() or len(parts) not in (2, 4, 6):
        raise _bad(text)
    half = len(parts) // 2
    return [_Coordinate(parts=parts[:half]), _Coordinate(parts=parts[half:])]


def _reading(coordinate: _Coordinate, text: str) -> _Reading:
    parts = coordinate.parts
    if not parts or len(parts) > 3:
        raise _bad(text)
    value = 0.0
    for position, part in enumerate(parts):
        number = part.number
        if part.unit not in (None, Unit(position)):
            raise _bad(text)
        if position > 0 and (number.negative or number.magnitude >= 60):
            raise _bad(text)
        if position < len(parts) - 1 and number.decimals:
            raise _bad(text)
        value += number.magnitude / 60**position
    sign = -1 if parts[0].number.negative else 1
    axis = None
    if coordinate.hemisphere is not None:
        axis, hemisphere_sign = coordinate.hemisphere
        sign = min(sign, hemisphere_sign)
    precise = parts[-1].number.decimals >= _REQUIRED_DECIMALS[len(parts) - 1]
    return _Reading(sign * value, axis, precise)
