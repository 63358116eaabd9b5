"""Every change to chiefs goes through these verbs (and, as the domain grows, to reports and layers).

`upsert_chiefs` is the one place that applies the registry's two rules before the database does:
a phone belongs to one active chief, and a village has one active village chief. A breach comes
back as a `ChiefConflict` whose message says who holds the phone or the village, so an import can
report it on the row's line instead of failing on a constraint.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from tqdm import tqdm

from evillage.models import Chief, ChiefRole, ChiefStatus
from evillage.phones import InvalidPhone, normalize_phone
from geo.importers.report import ImportReport
from geo.importers.tables import read_table
from geo.models import Village
from geo.services import BATCH_SIZE, Outcome


class ChiefConflict(ValidationError):
    """The chief cannot be active: the phone or the village chief's seat is taken; the message says by whom."""


@dataclass(frozen=True)
class ChiefEntry:
    full_name: str
    phone: str  # any common way of writing a Togo mobile number; stored E.164
    village: Village
    role: str = ChiefRole.VILLAGE_CHIEF


def upsert_chiefs(entries: Sequence[ChiefEntry]) -> list[Outcome | ValidationError]:
    """Make each entry an active chief, in a handful of queries; one outcome (or error) per entry.

    A chief is the same person when the phone and the village are the same: the name and role are
    updated, and a pending registration is activated. Entries are applied in order, so two entries
    claiming one phone or one village leave the second in conflict.
    """
    phones: list[str | InvalidPhone] = []
    for entry in entries:
        try:
            phones.append(normalize_phone(entry.phone))
        except InvalidPhone as invalid:
            phones.append(invalid)
    valid_phones = [p for p in phones if isinstance(p, str)]
    village_ids = [entry.village.pk for entry in entries]
    current = list(
        Chief.objects.filter(status__in=[ChiefStatus.ACTIVE, ChiefStatus.PENDING])
        .filter(phone__in=valid_phones)
        .select_related("village")
        | Chief.objects.filter(
            status=ChiefStatus.ACTIVE, role=ChiefRole.VILLAGE_CHIEF, village_id__in=village_ids
        ).select_related("village")
    )
    active_by_phone = {c.phone: c for c in current if c.status == ChiefStatus.ACTIVE}
    village_chief = {
        c.village_id: c for c in current if c.status == ChiefStatus.ACTIVE and c.role == ChiefRole.VILLAGE_CHIEF
    }
    pending = {(c.phone, c.village_id): c for c in current if c.status == ChiefStatus.PENDING}
    now = timezone.now()
    outcomes: list[Outcome | ValidationError] = []
    to_create: list[Chief] = []
    to_update: dict[int, Chief] = {}
    for entry, phone in zip(entries, phones, strict=True):
        if isinstance(phone, InvalidPhone):
            outcomes.append(phone)
            continue
        holder = active_by_phone.get(phone)
        if holder is not None and holder.village_id != entry.village.pk:
            outcomes.append(
                ChiefConflict(
                    _("le numéro %(phone)s est déjà celui de %(name)s, chef actif de %(village)s")
                    % {"phone": phone, "name": holder.full_name, "village": holder.village}
                )
            )
            continue
        seated = village_chief.get(entry.village.pk)
        if entry.role == ChiefRole.VILLAGE_CHIEF and seated is not None and seated.phone != phone:
            outcomes.append(
                ChiefConflict(
                    _("le village %(village)s a déjà un chef de village actif : %(name)s (%(phone)s)")
                    % {"village": entry.village, "name": seated.full_name, "phone": seated.phone}
                )
            )
            continue
        chief = holder or pending.pop((phone, entry.village.pk), None)
        if chief is None:
            chief = Chief(
                full_name=entry.full_name,
                phone=phone,
                village=entry.village,
                role=entry.role,
                status=ChiefStatus.ACTIVE,
            )
            to_create.append(chief)
            outcomes.append(Outcome.CREATED)
        else:
            before = (chief.full_name, chief.role, chief.status)
            chief.full_name, chief.role, chief.status = entry.full_name, entry.role, ChiefStatus.ACTIVE
            if (chief.full_name, chief.role, chief.status) == before:
                outcomes.append(Outcome.UNCHANGED)
            else:
                outcomes.append(Outcome.UPDATED)
                if chief.pk is not None:
                    chief.updated_at = now
                    to_update[chief.pk] = chief
        active_by_phone[phone] = chief
        if village_chief.get(entry.village.pk) is chief and chief.role != ChiefRole.VILLAGE_CHIEF:
            del village_chief[entry.village.pk]
        if chief.role == ChiefRole.VILLAGE_CHIEF:
            village_chief[entry.village.pk] = chief
    with transaction.atomic():
        if to_update:
            Chief.objects.bulk_update(
                to_update.values(), ["full_name", "role", "status", "updated_at"], batch_size=BATCH_SIZE
            )
        Chief.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
    return outcomes


def upsert_chief(entry: ChiefEntry) -> tuple[Chief, Outcome]:
    """One chief, by the rules of `upsert_chiefs`; raises the `ValidationError` that stops it."""
    (outcome,) = upsert_chiefs([entry])
    if isinstance(outcome, ValidationError):
        raise outcome
    chief = Chief.objects.get(phone=normalize_phone(entry.phone), status=ChiefStatus.ACTIVE)
    return chief, outcome


# Importing a list of chiefs ---------------------------------------------------------------------------

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
