from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser
from django.utils.translation import gettext as _

from evillage.importers import import_chiefs
from geo.importers.command import ImportCommand


class Command(ImportCommand):
    help = _(
        "Importe la liste des chefs (CSV : nom, téléphone, code du village, rôle) ; les chefs importés sont "
        "actifs. Essai à blanc sauf avec --commit."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help=_("Le fichier CSV."))
        parser.add_argument("--name-field", default="name", help=_("Colonne du nom (défaut : name)."))
        parser.add_argument("--phone-field", default="phone", help=_("Colonne du téléphone (défaut : phone)."))
        parser.add_argument(
            "--village-field", default="village_code", help=_("Colonne du code du village (défaut : village_code).")
        )
        parser.add_argument(
            "--role-field",
            default=None,
            help=_("Colonne du rôle, village ou canton (défaut : role, si le fichier l'a ; sinon chef de village)."),
        )
        super().add_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        self.run_import(
            options,
            lambda: import_chiefs(
                options["file"],
                name_field=options["name_field"],
                phone_field=options["phone_field"],
                village_field=options["village_field"],
                role_field=options["role_field"],
                commit=options["commit"],
                progress=self.progress_stream(options),
            ),
        )
