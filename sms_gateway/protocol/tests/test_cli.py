"""`python -m sms_gateway.protocol`: JSON strings in, one JSON result per line out, no database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def run(stdin: str, *arguments: str) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    return subprocess.run(
        [sys.executable, "-m", "sms_gateway.protocol", *arguments],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=ROOT,
        env=environment,
        timeout=60,
        check=False,
    )


def test_each_json_line_gets_its_result_on_one_line() -> None:
    messages = [
        "RAP EAU 1 ELEC 0",
        "ALERTE pont coupé\nà Kpélé",
        "GPS 9.5511 1.1862",
        "INSCR KLO-0231 KOSSI AMEGAN",
        "",
        "bonjour\u2028chef",
    ]
    stdin = "".join(json.dumps(message, ensure_ascii=False) + "\n" for message in messages)
    completed = run(stdin, "--today", "2026-11-15")
    assert completed.returncode == 0, completed.stderr
    lines = completed.stdout.splitlines()
    assert [json.loads(line) for line in lines] == [
        {
            "command": "report",
            "values": {"water": True, "electricity": False},
            "population": None,
            "period": "2026-11",
            "warnings": [],
            "errors": [],
        },
        {"command": "alert", "text": "pont coupé\nà Kpélé", "warnings": [], "errors": []},
        {"command": "gps", "lat": 9.5511, "lon": 1.1862, "swapped": False, "warnings": [], "errors": []},
        {"command": "register", "village_code": "KLO-0231", "name": "KOSSI AMEGAN", "warnings": [], "errors": []},
        {"command": "help", "warnings": [], "errors": []},
        {
            "command": "invalid",
            "warnings": [],
            "errors": [{"code": "unknown_command", "message": "Commande 'BONJOUR' inconnue"}],
        },
    ]
    assert lines[0] == (
        '{"command": "report", "values": {"water": true, "electricity": false}, "population": null, '
        '"period": "2026-11", "warnings": [], "errors": []}'
    )


def test_today_sets_the_period() -> None:
    completed = run('"RAP EAU 1 MOIS 12"\n', "--today", "2027-01-05")
    assert json.loads(completed.stdout)["period"] == "2026-12"


def test_a_line_that_is_not_a_json_string_gets_an_invalid_result_and_reading_goes_on() -> None:
    completed = run('RAP EAU 1\n\n   \n42\n"AIDE"\n{"text": "x"}\n', "--today", "2026-11-15")
    assert completed.returncode == 0, completed.stderr
    assert [json.loads(line) for line in completed.stdout.splitlines()] == [
        {
            "command": "invalid",
            "warnings": [],
            "errors": [{"code": "bad_input", "message": "Ligne 1: une chaine JSON est attendue"}],
        },
        {
            "command": "invalid",
            "warnings": [],
            "errors": [{"code": "bad_input", "message": "Ligne 4: une chaine JSON est attendue"}],
        },
        {"command": "help", "warnings": [], "errors": []},
        {
            "command": "invalid",
            "warnings": [],
            "errors": [{"code": "bad_input", "message": "Ligne 6: une chaine JSON est attendue"}],
        },
    ]


def test_a_bad_date_is_refused_with_a_usage_error() -> None:
    completed = run('"AIDE"\n', "--today", "2026-13-01")
    assert completed.returncode == 2
    assert "YYYY-MM-DD" in completed.stderr
