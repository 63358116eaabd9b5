"""`python -m sms_gateway.protocol [--today YYYY-MM-DD]`: the parser on the command line, no database.

Standard input holds one message per line, each line a JSON string (so a message may hold newlines);
standard output gets one result per line, the canonical JSON of protocol.md, read with the default catalogue.
Blank lines are skipped, as JSON Lines readers do. A line that is not a JSON string gets an `invalid`
result whose error code is `bad_input` (a code of this tool, not of the protocol), and reading goes on.

    $ echo '"RAP EAU 1 ELEC 0"' | python -m sms_gateway.protocol --today 2026-11-15
    {"command": "report", "values": {"water": true, "electricity": false}, ...}
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Iterable, Sequence

from .catalogue import DEFAULT_CATALOGUE
from .parser import parse

BAD_INPUT = "bad_input"


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date YYYY-MM-DD: {text!r}") from None


def results(lines: Iterable[str], today: dt.date) -> Iterable[str]:
    """The output line of each non-blank input line."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            message = json.loads(line)
        except ValueError:
            message = None
        if not isinstance(message, str):
            error = {"code": BAD_INPUT, "message": f"Ligne {number}: une chaine JSON est attendue"}
            yield json.dumps({"command": "invalid", "warnings": [], "errors": [error]})
            continue
        # ASCII output, so that no character of a message (U+2028...) can split a line for a reader.
        yield json.dumps(parse(message, DEFAULT_CATALOGUE, today).as_dict())


def main(argv: Sequence[str] | None = None) -> int:
    arguments = argparse.ArgumentParser(
        prog="python -m sms_gateway.protocol",
        description="Parse SMS messages (one JSON string per line) into the canonical JSON results.",
    )
    arguments.add_argument("--today", type=_date, default=None, help="the date the messages are read on")
    options = arguments.parse_args(argv)
    today = options.today or dt.date.today()
    stdin = open(sys.stdin.fileno(), encoding="utf-8", errors="replace", closefd=False)  # noqa: SIM115
    for output in results(stdin, today):
        sys.stdout.write(output + "\n")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
