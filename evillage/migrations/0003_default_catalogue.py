"""Seeds the default indicator catalogue: the card of protocol.md, version 1.

Frozen here as data (a migration must not change when the code does); a test checks it matches the
parser's default catalogue.
"""

from __future__ import annotations

from django.db import migrations

DEFAULT = [
    # key, keyword, aliases, kind, scale_max, scale words, label
    ("water", "EAU", ["EAUX", "FORAGE"], "yes_no", 1, [], "Eau"),
    ("electricity", "ELEC", ["ELECT", "ELECTRICITE", "COURANT"], "yes_no", 1, [], "Électricité"),
    (
        "network",
        "RES",
        ["RESEAU", "TEL", "GSM"],
        "scale",
        2,
        [["AUCUN", 0], ["NON", 0], ["FAIBLE", 1], ["BON", 2], ["OUI", 2]],
        "Réseau mobile",
    ),
    ("health", "SANTE", ["SAN", "USP", "CSP"], "yes_no", 1, [], "Santé"),
    ("school", "ECOLE", ["ECO", "EPP"], "yes_no", 1, [], "École"),
    ("road", "ROUTE", ["RTE", "PISTE"], "yes_no", 1, [], "Route"),
]


def seed(apps, schema_editor):
    indicator = apps.get_model("evillage", "Indicator")
    for order, (key, keyword, aliases, kind, scale_max, scale_words, label) in enumerate(DEFAULT, start=1):
        indicator.objects.update_or_create(
            key=key,
            defaults={
                "keyword": keyword,
                "aliases": aliases,
                "kind": kind,
                "scale_max": scale_max,
                "scale_words": scale_words,
                "card_order": order,
                "label": label,
            },
        )


def unseed(apps, schema_editor):
    apps.get_model("evillage", "Indicator").objects.filter(key__in=[row[0] for row in DEFAULT]).delete()


class Migration(migrations.Migration):
    dependencies = [("evillage", "0002_reporting")]

    operations = [migrations.RunPython(seed, unseed)]
