"""Builders of the expected canonical JSON, and the check that a message parses to exactly it."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence

from sms_gateway.protocol import DEFAULT_CATALOGUE, Catalogue, parse

TODAY = dt.date(2026, 11, 15)

Json = dict[str, object]
Case = tuple[str, Json]


def error(code: str, message: str) -> dict[str, str]:
    return {"code": code, "message": message}


warning = error


def report(
    values: Mapping[str, bool | int] | None = None,
    *,
    population: int | None = None,
    period: str = "2026-11",
    warnings: Sequence[dict[str, str]] = (),
) -> Json:
    return {
        "command": "report",
        "values": dict(values or {}),
        "population": population,
        "period": period,
        "warnings": list(warnings),
        "errors": [],
    }


def report_error(code: str, message: str, *, warnings: Sequence[dict[str, str]] = ()) -> Json:
    return {
        "command": "report",
        "values": {},
        "population": None,
        "period": None,
        "warnings": list(warnings),
        "errors": [error(code, message)],
    }


def gps(lat: float, lon: float, *, swapped: bool = False, warnings: Sequence[dict[str, str]] = ()) -> Json:
    return {"command": "gps", "lat": lat, "lon": lon, "swapped": swapped, "warnings": list(warnings), "errors": []}


def gps_error(code: str, message: str, *, warnings: Sequence[dict[str, str]] = ()) -> Json:
    return {
        "command": "gps",
        "lat": None,
        "lon": None,
        "swapped": False,
        "warnings": list(warnings),
        "errors": [error(code, message)],
    }


def register(code: str | None, name: str | None = None, *, errors: Sequence[dict[str, str]] = ()) -> Json:
    return {"command": "register", "village_code": code, "name": name, "warnings": [], "errors": list(errors)}


def alert(text: str | None, *, warnings: Sequence[dict[str, str]] = (), errors: Sequence[dict[str, str]] = ()) -> Json:
    return {"command": "alert", "text": text, "warnings": list(warnings), "errors": list(errors)}


def help_(*, warnings: Sequence[dict[str, str]] = (), errors: Sequence[dict[str, str]] = ()) -> Json:
    return {"command": "help", "warnings": list(warnings), "errors": list(errors)}


def invalid(code: str, message: str) -> Json:
    return {"command": "invalid", "warnings": [], "errors": [error(code, message)]}


def check(text: str, expected: Json, catalogue: Catalogue = DEFAULT_CATALOGUE, today: dt.date = TODAY) -> None:
    """`text` parses to exactly `expected`: same content (readable diff), then the same JSON, key order included."""
    result = parse(text, catalogue, today)
    assert result.as_dict() == expected
    assert result.to_json() == json.dumps(expected, ensure_ascii=False)


def codes(cases: Sequence[Case]) -> set[str]:
    """Every error and warning code the expected results of a table hold."""
    found: set[str] = set()
    for _, expected in cases:
        for key in ("errors", "warnings"):
            entries = expected[key]
            assert isinstance(entries, list)
            found.update(entry["code"] for entry in entries)
    return found
