from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from geo.models import BoundarySet
from geo.services import activate_boundary_set


class Command(BaseCommand):
    help = _("Fait d'un jeu de limites le jeu actif (les autres sont gardés, inactifs).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help=_("Nom du jeu de limites."))

    def handle(self, *args: Any, **options: Any) -> None:
        boundary_set = BoundarySet.objects.filter(name=options["name"]).first()
        if boundary_set is None:
            names = ", ".join(f"« {name} »" for name in BoundarySet.objects.values_list("name", flat=True))
            raise CommandError(
                _("Jeu de limites « %(name)s » inconnu. Jeux existants : %(names)s.")
                % {"name": options["name"], "names": names or _("aucun")}
            )
        previous = activate_boundary_set(boundary_set)
        if previous is not None and previous.pk == boundary_set.pk:
            self.stdout.write(_("Le jeu de limites « %(name)s » était déjà actif.") % {"name": boundary_set.name})
        elif previous is not None:
            self.stdout.write(
                _("Jeu de limites « %(name)s » actif (à la place de « %(previous)s »).")
                % {"name": boundary_set.name, "previous": previous.name}
            )
        else:
            self.stdout.write(_("Jeu de limites « %(name)s » actif.") % {"name": boundary_set.name})
