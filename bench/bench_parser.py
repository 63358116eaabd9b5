"""The SMS parser's speed on one core, over a mix of realistic messages (reports, typos, GPS, errors...).

`python bench/bench_parser.py` prints one JSON object; `python -m bench parser` runs it with the others.
The parser is pure, so no database is touched.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sms_gateway.protocol import DEFAULT_CATALOGUE, parse

TODAY = dt.date(2026, 11, 15)

# Weighted roughly as a month of traffic: mostly reports, some locations and registrations, a few mistakes.
MESSAGES = [
    *["RAP EAU 1 ELEC 0 RES 2 SANTE OUI ECOLE O ROUTE N"] * 6,
    *["RAP 1 0 2 1 1 0"] * 6,
    *["rap eau 1 elec 0 res 1 sante 1 ecole 1 route 0 pop 1250"] * 3,
    "EAU1ELEC0RES2SANTE1ECOLE1ROUTE1",
    "RAP EAU OUI ELEC NON RES FAIBLE SANTE OUI ECOLE OUI ROUTE NON MOIS 10",
    "RAP 1 0 2 1 1 0 MERCI CHEF KOFFI",
    "Rap forage oui courant non réseau bon santé oui école oui piste non",
    "RAPORT EAU 1 ELCE 0 RES 2 SANTR 1 ECOL 1 ROUTE 0",
    "RAP EAU 1 ELEC 5",
    "RAP 1 0 2 1 1",
    "RAP EAU 1 EAU 0",
    "RAP EAU 1 MOIS 6",
    "GPS 9.5511 1.1862",
    "GPS 9,5511 1,1862",
    "GPS N9.5511 E1.1862",
    "GPS 9°33'04\"N 1°11'10\"E",
    "GPS 1.1862 9.5511",
    "INSCR KLO-0231 KOSSI AMEGAN",
    "ALERTE Inondation au village, le pont est coupe depuis hier soir",
    "AIDE",
    "",
    "Bonjour chef",
]


def run(seconds: float = 2.0) -> dict[str, object]:
    """Parse the mix over and over for about `seconds`; the best of three rounds is reported."""
    rates = []
    for _ in range(3):
        parsed, started = 0, time.perf_counter()
        while time.perf_counter() - started < seconds / 3:
            for message in MESSAGES:
                parse(message, DEFAULT_CATALOGUE, TODAY)
            parsed += len(MESSAGES)
        rates.append(parsed / (time.perf_counter() - started))
    best = max(rates)
    return {
        "messages_in_mix": len(MESSAGES),
        "messages_per_second": round(best),
        "microseconds_per_message": round(1e6 / best, 1),
        "cores": 1,
    }


if __name__ == "__main__":
    print(json.dumps({"bench": "parser", **run()}))
