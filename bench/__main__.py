"""`python -m bench`: runs every `bench/bench_*.py` and prints one JSON object of figures per benchmark.

Each module defines `run() -> dict`. They run against a database of their own (`<name>_bench`, created
afresh), never the demo's. Figures are printed, not asserted: they are for the closing notes.
"""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import platform
import sys
import time


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "evillage.settings")
    import django

    django.setup()
    from django.db import connection

    wanted = set(argv)
    names = sorted(m.name for m in pkgutil.iter_modules([os.path.dirname(__file__)]))
    names = [n for n in names if n.startswith("bench_") and (not wanted or n in wanted or n[6:] in wanted)]
    connection.settings_dict.setdefault("TEST", {})["NAME"] = f"{connection.settings_dict['NAME']}_bench"
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    machine = {"cores": os.cpu_count(), "python": platform.python_version(), "machine": platform.machine()}
    print(json.dumps({"machine": machine}), flush=True)
    try:
        for name in names:
            module = importlib.import_module(f"bench.{name}")
            started = time.perf_counter()
            figures = module.run()
            figures["wall_seconds"] = round(time.perf_counter() - started, 2)
            print(json.dumps({"bench": name[6:], **figures}, ensure_ascii=False), flush=True)
    finally:
        connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
