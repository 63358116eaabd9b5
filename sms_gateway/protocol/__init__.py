"""The E-Village SMS protocol (protocol.md, version 1): a pure parser, with no Django import.

    from sms_gateway.protocol import DEFAULT_CATALOGUE, parse

    result = parse("RAP EAU 1 ELEC 0", DEFAULT_CATALOGUE, today)
    result.to_json()  # the canonical JSON form of protocol.md

`python -m sms_gateway.protocol` reads JSON-string lines on standard input and writes JSON results.
"""

from __future__ import annotations

from .catalogue import DEFAULT_CATALOGUE, Catalogue, Indicator, IndicatorKind, Value
from .commands import Command
from .parser import MAX_ALERT_LENGTH, MAX_MESSAGE_LENGTH, parse
from .result import (
    AlertResult,
    ErrorCode,
    GpsResult,
    HelpResult,
    InvalidResult,
    Issue,
    ParseResult,
    RegisterResult,
    ReportResult,
    WarningCode,
)

__all__ = [
    "DEFAULT_CATALOGUE",
    "MAX_ALERT_LENGTH",
    "MAX_MESSAGE_LENGTH",
    "AlertResult",
    "Catalogue",
    "Command",
    "ErrorCode",
    "GpsResult",
    "HelpResult",
    "Indicator",
    "IndicatorKind",
    "InvalidResult",
    "Issue",
    "ParseResult",
    "RegisterResult",
    "ReportResult",
    "Value",
    "WarningCode",
    "parse",
]
