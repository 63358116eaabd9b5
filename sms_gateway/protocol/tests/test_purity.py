"""The parser is pure: no Django, so it runs (and is tested) without settings or a database."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]


def test_importing_and_using_the_parser_loads_no_django() -> None:
    code = (
        "import sys, datetime\n"
        "from sms_gateway.protocol import parse, DEFAULT_CATALOGUE\n"
        "import sms_gateway.protocol.__main__\n"
        "parse('RAP EAU 1', DEFAULT_CATALOGUE, datetime.date(2026, 11, 15))\n"
        "assert not [m for m in sys.modules if m == 'django' or m.startswith('django.')], 'django imported'\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], cwd=PACKAGE.parents[1], capture_output=True, text=True, check=False
    )
    assert completed.returncode == 0, completed.stderr


def test_no_module_of_the_package_imports_django() -> None:
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            assert not any(name.split(".")[0] == "django" for name in names), path
