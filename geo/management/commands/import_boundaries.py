from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser
from django.utils.translation import gettext as _

from geo.importers.boundaries import import_boundaries
from geo.importers.command import ImportCommand
from geo.models import Level


class Command(ImportCommand):
    help = _(
        "Importe des limites administratives (GeoJSON, Shapefile zippé ou non, GeoPackage, tout système de "
        "coordonnées) comme zones d'un niveau. Essai à blanc sauf avec --commit."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("level", help=_("Niveau : %(levels)s.") % {"levels": ", ".join(Level.values)})
        parser.add_argument("file", type=Path, help=_("Le fichier à importer."))
        parser.add_argument("--name-field", default="name", help=_("Champ du nom (défaut : name)."))
        parser.add_argument(
            "--code-field", default=None, help=_("Champ du code (défaut : un code tiré du nom, AGOE-NYIVE).")
        )
        parser.add_argument(
            "--parent-field",
            default=None,
            help=_("Champ du nom ou du code de la zone parente (défaut : trouvée par recouvrement)."),
        )
        parser.add_argument(
            "--set",
            dest="set_name",
            default=None,
            help=_("Jeu de limites, créé s'il n'existe pas, inactif sauf s'il est le premier (défaut : le jeu actif)."),
        )
        super().add_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        self.run_import(
            options,
            lambda: import_boundaries(
                options["file"],
                options["level"],
                name_field=options["name_field"],
                code_field=options["code_field"],
                parent_field=options["parent_field"],
                set_name=options["set_name"],
                commit=options["commit"],
                progress=self.progress_stream(options),
            ),
        )
