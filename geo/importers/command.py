"""What the import commands share: `--commit`, a progress bar on stderr, the report on stdout, and a
refused file turned into a `CommandError` (so nothing is written and the exit status says so)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, TextIO

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from geo.importers import ImportRefused
from geo.importers.report import ImportReport


class ImportCommand(BaseCommand):
    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--commit",
            action="store_true",
            help=_("Écrire dans la base (sans cette option : essai à blanc, rien n'est écrit)."),
        )

    def progress_stream(self, options: dict[str, Any]) -> TextIO | None:
        """Progress bars go to stderr, so that stdout carries the report alone; -v 0 hides them."""
        if options.get("verbosity", 1) == 0:
            return None
        stream: TextIO = options.get("stderr") or sys.stderr
        return stream

    def run_import(self, options: dict[str, Any], run: Callable[[], ImportReport]) -> None:
        try:
            report = run()
        except ImportRefused as refused:
            raise CommandError(str(refused)) from None
        self.stdout.write(report.render(max_remarks=None if options.get("verbosity", 1) >= 2 else 50), ending="")
