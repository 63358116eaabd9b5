"""Creates the demo's accounts when they do not exist, and prints their logins.

An administrator, a ministry user (the nation) and an official of one prefecture (Kozah when the national
dataset is loaded): what a visitor needs to see both faces of the platform. Refused outside debug.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from evillage.env import env_str
from evillage.models import Official, Role
from geo.models import Area, Level

DEMO_PREFECTURE = "Kozah"


class Command(BaseCommand):
    help = "Crée les comptes de démonstration s'ils n'existent pas et affiche leurs identifiants."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="où la démo répond (défaut %(default)s)")

    def handle(self, *args: Any, **options: Any) -> None:
        site = options["url"].rstrip("/")
        if not settings.DEBUG:
            raise CommandError("Les comptes de démonstration n'existent qu'en mode debug (DJANGO_DEBUG=1).")
        password = env_str("DEMO_ADMIN_PASSWORD", "evillage-demo")
        users = get_user_model()
        admin = env_str("DEMO_ADMIN_USERNAME", "admin")
        if not users.objects.filter(username=admin).exists():
            users.objects.create_superuser(username=admin, email="", password=password)
        lines = [f"Administrateur : {site}/admin/  utilisateur {admin}  mot de passe {password}"]
        self._official("ministere", password, Role.MINISTRY)
        lines.append(f"Ministère : {site}/carte/  utilisateur ministere  mot de passe {password}")
        prefecture = Area.objects.active().filter(level=Level.PREFECTURE, name=DEMO_PREFECTURE).first()
        prefecture = prefecture or Area.objects.active().filter(level=Level.PREFECTURE).order_by("name").first()
        if prefecture is not None:
            username = f"prefecture-{prefecture.code.lower()}"
            self._official(username, password, Role.OFFICIAL, prefecture)
            lines.append(
                f"Préfecture de {prefecture.name} : {site}/carte/  utilisateur {username}  mot de passe {password}"
            )
        self.stdout.write("\n".join(lines))

    def _official(self, username: str, password: str, role: str, prefecture: Area | None = None) -> None:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            user = get_user_model().objects.create_user(username=username, password=password)
        official, _ = Official.objects.get_or_create(user=user, defaults={"role": role})
        if prefecture is not None:
            official.prefectures.add(prefecture)
