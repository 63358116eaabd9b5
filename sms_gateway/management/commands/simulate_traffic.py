"""Post a month of simulated chiefs' SMS to a running server's Africa's Talking webhook.

    manage.py simulate_traffic [--url http://127.0.0.1:8000] [--messages N] [--rate R] [--concurrency C]
                               [--seed S] [--period YYYY-MM] [--duplicates 0.02] [--unknown 0.01] ...

The chiefs are the active ones of the database this command points at (the national dataset, after
`load_national_dataset`); the messages come from `sms_gateway.simulation` and go to `--url`, which must be
this machine unless `--allow-remote` is given. It stops after the last message and prints a summary.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import sys
import threading
from collections import Counter
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse
from django.utils import timezone
from tqdm import tqdm

from evillage.models import Chief, ChiefStatus
from evillage.periods import parse_period, period_bounds, period_of
from geo.models import Village
from sms_gateway.simulation import (
    DEFAULT_MIX,
    SimChief,
    TrafficResult,
    check_loopback,
    generate_traffic,
    parse_mix,
    post_traffic,
)


class Command(BaseCommand):
    """After a run, `summary` holds the figures printed (the benchmarks read them)."""

    summary: dict[str, Any]

    help = (
        "Envoie au webhook Africa's Talking d'un serveur en marche un mois de SMS simulés des chefs de la base "
        "(rapports, fautes de frappe, GPS, erreurs, numéros inconnus, alertes, doublons), puis résume."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        mix = ",".join(f"{kind.value}={share:g}" for kind, share in DEFAULT_MIX.items())
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="serveur visé (défaut %(default)s)")
        parser.add_argument("--token", default=None, help="secret du webhook (défaut : AFRICASTALKING_WEBHOOK_TOKEN)")
        parser.add_argument("--messages", type=int, default=None, help="messages (défaut : un par chef actif)")
        parser.add_argument("--rate", type=float, default=0.0, help="messages par seconde (0 = au plus vite)")
        parser.add_argument("--concurrency", type=int, default=4, help="requêtes en parallèle (défaut 4)")
        parser.add_argument("--seed", type=int, default=None, help="graine (défaut : tirée au hasard, affichée)")
        parser.add_argument("--period", default=None, help="mois AAAA-MM des dates (défaut : le mois en cours)")
        parser.add_argument("--duplicates", type=float, default=0.02, help="part de livraisons répétées (0.02)")
        parser.add_argument("--unknown", type=float, default=0.01, help="part de numéros inconnus (0.01)")
        parser.add_argument("--mix", default=None, help=f"types et poids (défaut {mix})")
        parser.add_argument("--to", default=None, help="numéro court destinataire (champ « to »)")
        parser.add_argument("--timeout", type=float, default=10.0, help="secondes d'attente par requête (10)")
        parser.add_argument("--allow-remote", action="store_true", help="accepter un serveur hors de cette machine")
        parser.add_argument("--no-progress", action="store_true", help="sans barre de progression")
        parser.add_argument(
            "--dry-run", action="store_true", help="écrire les messages (une ligne JSON chacun) sans rien envoyer"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        self.summary = {}
        period = options["period"] or period_of(timezone.localdate())
        try:
            parse_period(period)
            mix = parse_mix(options["mix"]) if options["mix"] else DEFAULT_MIX
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        if options["rate"] < 0 or not 1 <= options["concurrency"] <= 64:
            raise CommandError("--rate ≥ 0 et --concurrency entre 1 et 64.")
        if not (0 <= options["duplicates"] <= 1 and 0 <= options["unknown"] <= 1):
            raise CommandError("--duplicates et --unknown sont des parts entre 0 et 1.")

        chiefs = self._chiefs()
        count = len(chiefs) if options["messages"] is None else options["messages"]
        if count < 0:
            raise CommandError("--messages doit être positif.")
        if count and not chiefs:
            raise CommandError(
                "Aucun chef actif dans la base : chargez d'abord le jeu national (load_national_dataset)."
            )
        seed = options["seed"] if options["seed"] is not None else secrets.randbits(32)
        messages = generate_traffic(
            chiefs,
            count,
            period=period,
            seed=seed,
            mix=mix,
            duplicates=options["duplicates"],
            unknown=options["unknown"],
            days=self._days(period),
            village_codes=list(Village.objects.order_by("code").values_list("code", flat=True)),
            **({"recipient": options["to"]} if options["to"] else {}),
        )
        if options["dry_run"]:
            for message in messages:
                self.stdout.write(json.dumps({"kind": message.kind.value, **message.form()}, ensure_ascii=False))
            return

        url = self._webhook_url(options["url"], options["token"], options["allow_remote"])
        if options["verbosity"]:
            self.stdout.write(
                f"Simulation du mois {period} (graine {seed}) : {count} messages et "
                f"{len(messages) - count} livraisons répétées vers {options['url']}"
            )
        show = not options["no_progress"] and options["verbosity"] > 0
        stop = threading.Event()
        with tqdm(total=len(messages), unit="sms", file=sys.stderr, disable=None if show else True) as bar:
            result = post_traffic(
                messages,
                url,
                rate=options["rate"],
                concurrency=options["concurrency"],
                timeout=options["timeout"],
                progress=bar.update,
                stop=stop,
            )
        self.summary = self._summary(result, count, seed, period)
        self.summary["kinds"] = dict(Counter(m.kind.value for m in messages if not m.duplicate).most_common())
        if options["verbosity"]:
            self._print(result)
        if result.aborted:
            raise CommandError(f"Simulation arrêtée : {result.aborted}.")
        if result.sent and not result.statuses.get(200):
            raise CommandError("Le serveur n'a accepté aucun message : le secret du webhook (--token) est-il le sien ?")

    def _chiefs(self) -> list[SimChief]:
        rows = Chief.objects.filter(status=ChiefStatus.ACTIVE).order_by("pk")
        return [
            SimChief(phone, code, location.y if location else None, location.x if location else None)
            for phone, code, location in rows.values_list("phone", "village__code", "village__location")
        ]

    def _days(self, period: str) -> tuple[dt.date, dt.date]:
        """The period's days (the platform's months), not past today: chiefs do not write from the future."""
        first, last = period_bounds(period)
        today = timezone.localdate()
        return first, today if first <= today < last else last

    def _webhook_url(self, base: str, token: str | None, allow_remote: bool) -> str:
        if not allow_remote:
            try:
                check_loopback(base)
            except ValueError as exc:
                raise CommandError(f"{exc}. Ajoutez --allow-remote pour viser un autre serveur.") from None
        token = token if token is not None else settings.AFRICASTALKING_WEBHOOK_TOKEN
        if not token:
            raise CommandError("Aucun secret de webhook : --token ou AFRICASTALKING_WEBHOOK_TOKEN.")
        return base.rstrip("/") + reverse("sms_gateway:at-inbound", kwargs={"token": token})

    def _summary(self, result: TrafficResult, count: int, seed: int, period: str) -> dict[str, Any]:
        p50, p99 = result.latency(0.5), result.latency(0.99)
        return {
            "period": period,
            "seed": seed,
            "messages": count,
            "sent": result.sent,
            "duplicates_sent": result.duplicates_sent,
            "statuses": dict(sorted(result.statuses.items())),
            "answers": dict(sorted(result.answers.items())),
            "errors": dict(result.errors),
            "elapsed_seconds": round(result.elapsed, 3),
            "rate_per_second": round(result.rate, 1),
            "latency_p50_ms": round(p50 * 1000, 1) if p50 is not None else None,
            "latency_p99_ms": round(p99 * 1000, 1) if p99 is not None else None,
            "aborted": result.aborted,
        }

    def _print(self, result: TrafficResult) -> None:
        s = self.summary
        statuses = ", ".join(f"{code} × {n}" for code, n in s["statuses"].items()) or "aucun"
        answers = ", ".join(f"{word} × {n}" for word, n in s["answers"].items()) or "aucune"
        errors = ", ".join(f"{name} × {n}" for name, n in s["errors"].items()) or "aucune"
        latency = f"; latence p50 {s['latency_p50_ms']} ms, p99 {s['latency_p99_ms']} ms" if result.latencies else ""
        self.stdout.write(f"Envoyés : {s['sent']} en {s['elapsed_seconds']:.1f} s ({s['rate_per_second']}/s){latency}")
        self.stdout.write(f"Statuts HTTP : {statuses}")
        self.stdout.write(f"Réponses : {answers}")
        self.stdout.write(f"Doublons envoyés : {s['duplicates_sent']} ; erreurs : {errors}")
        self.stdout.write("Messages : " + ", ".join(f"{kind} {n}" for kind, n in s["kinds"].items()))
