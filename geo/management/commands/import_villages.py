from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser
from django.utils.translation import gettext as _

from geo.importers.command import ImportCommand
from geo.importers.villages import import_villages


class Command(ImportCommand):
    help = _(
        "Importe la liste des villages (CSV séparé par , ou ;) et place chacun dans son canton, sa préfecture et "
        "sa région d'après son point. Essai à blanc sauf avec --commit."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help=_("Le fichier CSV."))
        parser.add_argument("--code-field", default="code", help=_("Colonne du code (défaut : code)."))
        parser.add_argument("--name-field", default="name", help=_("Colonne du nom (défaut : name)."))
        parser.add_argument("--lat-field", default="lat", help=_("Colonne de la latitude (défaut : lat)."))
        parser.add_argument("--lon-field", default="lon", help=_("Colonne de la longitude (défaut : lon)."))
        parser.add_argument(
            "--population-field",
            default=None,
            help=_("Colonne de la population (défaut : population, si le fichier l'a)."),
        )
        parser.add_argument("--prefecture-field", default=None, help=_("Colonne de la préfecture déclarée."))
        parser.add_argument("--canton-field", default=None, help=_("Colonne du canton déclaré."))
        super().add_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        self.run_import(
            options,
            lambda: import_villages(
                options["file"],
                code_field=options["code_field"],
                name_field=options["name_field"],
                lat_field=options["lat_field"],
                lon_field=options["lon_field"],
                population_field=options["population_field"],
                prefecture_field=options["prefecture_field"],
                canton_field=options["canton_field"],
                commit=options["commit"],
                progress=self.progress_stream(options),
            ),
        )
