"""How long the national dataset takes to generate, and to load through the importers into an empty database."""

from __future__ import annotations

import io
import tempfile
import time
from pathlib import Path
from typing import Any

from django.core.management import call_command

from fixtures.management.commands.load_national_dataset import Command as LoadNationalDataset
from fixtures.national import DEFAULT_SEED, FILES, generate, write_dataset
from geo.models import Village


def run() -> dict[str, Any]:
    started = time.perf_counter()
    dataset = generate(DEFAULT_SEED)
    generate_seconds = time.perf_counter() - started
    with tempfile.TemporaryDirectory(prefix="evillage-bench-") as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        write_dataset(dataset, folder)
        write_seconds = time.perf_counter() - started
        size_kib = sum((folder / name).stat().st_size for name in FILES) / 1024
        empty_before = not Village.objects.exists()
        command = LoadNationalDataset()
        call_command(command, "--dir", str(folder), stdout=io.StringIO(), stderr=io.StringIO(), verbosity=0)
    return {
        "counts": dataset.counts(),
        "generate_seconds": round(generate_seconds, 2),
        "write_seconds": round(write_seconds, 2),
        "files_kib": round(size_kib),
        "database_empty_before_load": empty_before,
        "load_seconds": round(command.timings["total"], 2),
        "load_steps_seconds": {k: round(v, 2) for k, v in command.timings.items() if k != "total"},
        "villages_loaded_per_second": round(len(dataset.villages) / command.timings["villages"]),
    }
