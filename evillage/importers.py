"""Importing a list of chiefs from a CSV file, through `evillage.services.upsert_chiefs`."""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import TextIO

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from tqdm import tqdm

from evillage.models import ChiefRole
from evillage.phones import InvalidPhone, normalize_phone
from evillage.services import ChiefEntry, upsert_chiefs
from geo.importers.report import ImportReport
from geo.importers.tables import read_table
from geo.models import Village

# How lists write the role, once lower-cased without accents, "chef" and joining words dropped.
ROLE_WORDS = {
    "village": ChiefRole.VILLAGE_CHIEF,
    "cv": ChiefRole.VILLAGE_CHIEF,
    "canton": ChiefRole.CANTON_CHIEF,
    "cc": ChiefRole.CANTON_CHIEF,
}


def parse_role(text: str) -> str | None:
    """`village`, `Chef de village`, `CHEF DE CANTON`, `canton`… → the role; None when unrecognised. Empty
    means a village chief, by far the most common."""
    if not text.strip():
        return ChiefRole.VILLAGE_CHIEF
    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).lower()
    words = [w for w in plain.replace("-", " ").replace("_", " ").split() if w not in {"chef", "de", "du", "d'"}]
    return ROLE_WORDS.get(" ".join(words))


def import_chiefs(
    path: Path,
    *,
    name_field: str = "name",
    phone_field: str = "phone",
    village_field: str = "village_code",
    role_field: str | None = None,
    commit: bool = False,
    progress: TextIO | None = None,
) -> ImportReport:
    """Import a CSV of chiefs (imported chiefs are active); dry run unless `commit`. `role_field=None`
    reads the `role` column when the file has one (else everyone is a village chief). Raises
    `geo.importers.ImportRefused` (nothing written) when the file as a whole cannot be imported."""
    table = read_table(path)
    name_column = table.field(name_field, "--name-field", required=True) or ""
    phone_column = table.field(phone_field, "--phone-field", required=True) or ""
    village_column = table.field(village_field, "--village-field", required=True) or ""
    role_column = table.field(role_field or "role", "--role-field", required=bool(role_field))
    report = ImportReport(
        title=_("Import des chefs de %(file)s") % {"file": path.name},
        labels={
            "created": _("chefs créés"),
            "updated": _("chefs modifiés (ou activés)"),
            "unchanged": _("chefs inchangés"),
            "rejected": _("lignes rejetées"),
        },
    )
    codes = {row.values[village_column].upper() for row in table.rows}
    villages = {v.code: v for v in Village.objects.filter(code__in=codes)}
    entries: list[ChiefEntry] = []
    lines: list[tuple[str, int]] = []
    first_line: dict[str, int] = {}
    for row in tqdm(table.rows, desc=_("Lecture"), unit=_(" lignes"), file=progress, disable=progress is None):
        where = _("ligne %(n)d") % {"n": row.line}
        name, code = row.values[name_column], row.values[village_column].upper()
        role_text = row.values[role_column] if role_column else ""
        role = parse_role(role_text)
        try:
            phone = normalize_phone(row.values[phone_column])
        except InvalidPhone as invalid:
            report.reject(where, invalid.messages[0], row.line)
            continue
        reason = ""
        if row.extra_cells:
            reason = _("plus de cellules que de colonnes (séparateur ou guillemets ?)")
        elif not name:
            reason = _("nom manquant")
        elif not code:
            reason = _("code du village manquant")
        elif code not in villages:
            reason = _("village « %(code)s » inconnu") % {"code": code}
        elif role is None:
            reason = _("rôle « %(role)s » inconnu (chef de village ou chef de canton attendu)") % {"role": role_text}
        elif phone in first_line:
            reason = _("numéro %(phone)s déjà donné ligne %(line)d") % {"phone": phone, "line": first_line[phone]}
        if reason or role is None:
            report.reject(where, reason, row.line)
            continue
        first_line[phone] = row.line
        entries.append(ChiefEntry(full_name=name[:200], phone=phone, village=villages[code], role=role))
        lines.append((where, row.line))
    with transaction.atomic():
        for (where, line), outcome in zip(lines, upsert_chiefs(entries), strict=True):
            if isinstance(outcome, ValidationError):
                report.reject(where, outcome.messages[0], line)
            else:
                report.count(outcome.value)
        report.committed = commit
        if not commit:
            transaction.set_rollback(True)
    return report
