"""Creates the demo administrator when it does not exist, and prints its login."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from evillage.env import env_str


class Command(BaseCommand):
    help = "Crée l'administrateur de démonstration s'il n'existe pas et affiche ses identifiants."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("Le compte de démonstration n'existe qu'en mode debug (DJANGO_DEBUG=1).")
        username = env_str("DEMO_ADMIN_USERNAME", "admin")
        password = env_str("DEMO_ADMIN_PASSWORD", "evillage-demo")
        users = get_user_model()
        if not users.objects.filter(username=username).exists():
            users.objects.create_superuser(username=username, email="", password=password)
            self.stdout.write(f"Administrateur de démonstration créé : {username}")
        self.stdout.write(f"Connexion : http://127.0.0.1:8000/admin/  utilisateur {username}  mot de passe {password}")
