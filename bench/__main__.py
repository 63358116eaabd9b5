"""`python -m bench`: runs every `bench/bench_*.py` and prints one JSON object of figures per benchmark.

Each module defines `run() -> dict`. Each runs against a database of its own (`<name>_bench_<module>`,
created afresh and dropped after), never the demo's. Figures are printed, not asserted: they are for the closing notes.
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
    base_name = connection.settings_dict["NAME"]
    machine = {"cores": os.cpu_count(), "python": platform.python_version(), "machine": platform.machine()}
    print(json.dumps({"machine": machine}), flush=True)
    for name in names:
        # A database of its own for each benchmark, so that none measures what another left behind.
        connection.settings_dict.setdefault("TEST", {})["NAME"] = f"{base_name}_{name}"
        connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
        try:
            module = importlib.import_module(f"bench.{name}")
            started = time.perf_counter()
            figures = module.run()
            figures["wall_seconds"] = round(time.perf_counter() - started, 2)
            print(json.dumps({"bench": name[6:], **figures}, ensure_ascii=False), flush=True)
        finally:
            connection.creation.destroy_test_db(base_name, verbosity=0, keepdb=False)
            connection.settings_dict["NAME"] = base_name
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
