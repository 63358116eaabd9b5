"""Rebuilds the layers (statistics per area, villages' last-known states): everything, or one month."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from evillage.layers import refresh_layers
from evillage.periods import parse_period


class Command(BaseCommand):
    help = _("Recalcule les couches agrégées : tout, ou un mois (--period AAAA-MM).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", help=_("Le mois à recalculer, AAAA-MM (par défaut : tous les mois)."))

    def handle(self, *args: Any, period: str | None = None, **options: Any) -> None:
        if period is not None:
            try:
                parse_period(period)
            except ValueError as exc:
                raise CommandError(str(exc)) from None
        started = time.perf_counter()

        def progress(message: str) -> None:
            if options["verbosity"] > 0:
                self.stderr.write(f"  {message}")

        summary = refresh_layers(period=period, progress=progress)
        self.stdout.write(
            _(
                "Couches recalculées (%(periods)s) : %(areas)d lignes de zones, "
                "%(villages)d états de villages modifiés, en %(s).1f s."
            )
            % {
                "periods": ", ".join(summary.periods) or "-",
                "areas": summary.area_rows,
                "villages": summary.village_rows,
                "s": time.perf_counter() - started,
            }
        )
