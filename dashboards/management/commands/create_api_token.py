"""`create_api_token USERNAME [--rotate]`: prints the API token of a ministry account."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from dashboards.services import TokenRefused, issue_api_token


class Command(BaseCommand):
    help = (
        "Affiche le jeton d'API d'un compte du ministère (le crée au besoin). "
        "Usage : curl -H 'Authorization: Token <jeton>' …/api/v1/villages/"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--rotate", action="store_true", help="remplacer le jeton existant (l'ancien cesse)")

    def handle(self, *args: Any, username: str, rotate: bool, **options: Any) -> None:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"Utilisateur inconnu : {username}")
        if not user.is_active:
            raise CommandError(f"Le compte {username} est désactivé.")
        try:
            token = issue_api_token(user, rotate=rotate)
        except TokenRefused as refused:
            raise CommandError(
                f"Les jetons d'API sont réservés au ministère : {username} n'a pas la vue nationale."
            ) from refused
        self.stdout.write(token.key)
