"""Importing the list of villages from a CSV: code, name, coordinates, population, declared areas.

Each village is placed by point-in-polygon in the active boundary set, all rows at once
(`Area.objects.locate_points`: a few queries for the whole file, not one per row). Nothing a person
typed is thrown away lightly:
- a declared prefecture or canton that disagrees with the point wins (it is the administration's
  list), and the village is flagged `conflict` with a note saying what disagrees;
- a point outside every prefecture whose swapped (lat, lon) falls inside is stored swapped back,
  flagged `conflict`; one still outside goes to its declared area, or else to the nearest prefecture,
  flagged `conflict` too;
- a bad row (unreadable number, missing or repeated code, population that is not a positive integer…)
  is reported with its line number and reason; the good rows are imported.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from django.contrib.gis.geos import Point
from django.db import transaction
from django.utils.translation import gettext as _
from tqdm import tqdm

from geo.importers import ImportRefused
from geo.importers.names import NameIndex
from geo.importers.report import ImportReport
from geo.importers.tables import Table, TableRow, read_table
from geo.models import Area, BoundarySet, Level, LocationStatus
from geo.services import VillageEntry, upsert_villages

CODE_MAX_LENGTH = 32
NAME_MAX_LENGTH = 200
POPULATION_PATTERN = re.compile(r"\d[\d \u00a0\u202f]*")  # digits, with spaces between thousands allowed


@dataclass(frozen=True)
class VillageRow:
    line: int
    code: str
    name: str | None
    lon: float
    lat: float
    population: int | None
    prefecture: str
    canton: str


@dataclass(frozen=True)
class Columns:
    code: str
    name: str | None
    lat: str
    lon: str
    population: str | None
    prefecture: str | None
    canton: str | None


def import_villages(
    path: Path,
    *,
    code_field: str = "code",
    name_field: str = "name",
    lat_field: str = "lat",
    lon_field: str = "lon",
    population_field: str | None = None,
    prefecture_field: str | None = None,
    canton_field: str | None = None,
    commit: bool = False,
    progress: TextIO | None = None,
) -> ImportReport:
    """Import the villages of the CSV `path`; dry run unless `commit`. `population_field=None` reads the
    `population` column when the file has one. Raises `ImportRefused` (nothing written) when the file
    as a whole cannot be imported."""
    table = read_table(path)
    columns = Columns(
        code=table.field(code_field, "--code-field", required=True) or "",
        name=table.field(name_field, "--name-field", required=True),
        lat=table.field(lat_field, "--lat-field", required=True) or "",
        lon=table.field(lon_field, "--lon-field", required=True) or "",
        population=table.field(population_field or "population", "--population-field", required=bool(population_field)),
        prefecture=table.field(prefecture_field, "--prefecture-field", required=True),
        canton=table.field(canton_field, "--canton-field", required=True),
    )
    boundary_set = BoundarySet.objects.filter(is_active=True).first()
    if boundary_set is None:
        raise ImportRefused(_("Aucun jeu de limites actif : importer d'abord les limites (import_boundaries)."))
    report = ImportReport(
        title=_("Import des villages de %(file)s dans le jeu de limites « %(set)s »")
        % {"file": path.name, "set": boundary_set.name},
        labels={
            "created": _("villages créés"),
            "updated": _("villages modifiés"),
            "unchanged": _("villages inchangés"),
            "rejected": _("lignes rejetées"),
            "unnamed": _("sans nom (gardés sous leur code)"),
            "conflict": _("positions en conflit (à revoir)"),
            "disagree": _("dont zone déclarée en désaccord avec le point"),
            "swapped": _("dont coordonnées inversées, corrigées"),
            "outside": _("dont points hors du pays"),
        },
    )
    if table.encoding == "cp1252":
        report.info.append(_("Fichier lu en Windows-1252 (ce n'est pas de l'UTF-8)."))
    rows = parse_rows(table, columns, report, progress)
    placer = Placer(boundary_set)
    entries = [entry for entry in placer.place(rows, report) if entry is not None]
    with transaction.atomic():
        for outcome in upsert_villages(entries):
            report.count(outcome.value)
        report.committed = commit
        if not commit:
            transaction.set_rollback(True)
    return report


def parse_rows(table: Table, columns: Columns, report: ImportReport, progress: TextIO | None) -> list[VillageRow]:
    rows: list[VillageRow] = []
    first_line: dict[str, int] = {}
    for raw in tqdm(table.rows, desc=_("Lecture"), unit=_(" lignes"), file=progress, disable=progress is None):
        row, reason = parse_row(raw, columns)
        if row is not None and row.code in first_line:
            row, reason = (
                None,
                _("code %(code)s déjà donné ligne %(line)d")
                % {
                    "code": row.code,
                    "line": first_line[row.code],
                },
            )
        if row is None:
            report.reject(_("ligne %(n)d") % {"n": raw.line}, reason, raw.line)
            continue
        first_line[row.code] = row.line
        rows.append(row)
    return rows


def parse_row(raw: TableRow, columns: Columns) -> tuple[VillageRow | None, str]:
    """The row, or None and the reason it is rejected."""
    values = raw.values
    if raw.extra_cells:
        return None, _("plus de cellules que de colonnes (séparateur ou guillemets ?)")
    code = values[columns.code].upper()
    if not code:
        return None, _("code manquant")
    if len(code) > CODE_MAX_LENGTH:
        return None, _("code « %(code)s » trop long (%(max)d caractères au plus)") % {
            "code": code,
            "max": CODE_MAX_LENGTH,
        }
    name = values[columns.name] if columns.name else ""
    if len(name) > NAME_MAX_LENGTH:
        return None, _("nom trop long (%(max)d caractères au plus)") % {"max": NAME_MAX_LENGTH}
    lat, lat_error = parse_coordinate(values[columns.lat], _("latitude"), 90)
    if lat_error:
        return None, lat_error
    lon, lon_error = parse_coordinate(values[columns.lon], _("longitude"), 180)
    if lon_error:
        return None, lon_error
    population: int | None = None
    text = values[columns.population] if columns.population else ""
    if text:
        if not POPULATION_PATTERN.fullmatch(text) or int(re.sub(r"\D", "", text)) == 0:
            return None, _("population « %(value)s » : un nombre entier positif est attendu") % {"value": text}
        population = int(re.sub(r"\D", "", text))
    return (
        VillageRow(
            line=raw.line,
            code=code,
            name=name or None,
            lon=lon,
            lat=lat,
            population=population,
            prefecture=values[columns.prefecture] if columns.prefecture else "",
            canton=values[columns.canton] if columns.canton else "",
        ),
        "",
    )


def parse_coordinate(text: str, what: str, bound: float) -> tuple[float, str]:
    """A decimal degree (a decimal comma is accepted), or an error message."""
    if not text:
        return 0.0, _("%(what)s manquante") % {"what": what}
    try:
        value = float(text.replace(",", ".").replace(" ", ""))
    except ValueError:
        return 0.0, _("%(what)s « %(value)s » illisible") % {"what": what, "value": text}
    if not math.isfinite(value) or abs(value) > bound:
        return 0.0, _("%(what)s « %(value)s » impossible (entre -%(bound)d et %(bound)d)") % {
            "what": what,
            "value": text,
            "bound": bound,
        }
    return value, ""


class Placer:
    """Decides each village's areas from its point and its declared areas, for all rows at once."""

    def __init__(self, boundary_set: BoundarySet) -> None:
        self.boundary_set = boundary_set
        prefectures = list(
            Area.objects.filter(boundary_set=boundary_set, level=Level.PREFECTURE).select_related("parent")
        )
        if not prefectures:
            raise ImportRefused(
                _("Le jeu de limites actif « %(set)s » n'a pas de préfectures : importer d'abord les préfectures.")
                % {"set": boundary_set.name}
            )
        cantons = list(
            Area.objects.filter(boundary_set=boundary_set, level=Level.CANTON).select_related("parent__parent")
        )
        self.areas: dict[int, Area] = {a.pk: a for a in prefectures + cantons}
        self.has_cantons = bool(cantons)
        self.prefecture_index: NameIndex[Area] = NameIndex(prefectures, Area.all_names, lambda a: a.code)
        self.canton_index: NameIndex[Area] = NameIndex(cantons, Area.all_names, lambda a: a.code)
        self.cantons_by_prefecture: dict[int, NameIndex[Area]] = {
            p.pk: NameIndex([c for c in cantons if c.parent_id == p.pk], Area.all_names, lambda a: a.code)
            for p in prefectures
        }

    def locate(self, points: Sequence[tuple[float, float]]) -> tuple[list[Area | None], list[Area | None]]:
        """The (prefectures, cantons) holding each point: two queries, whatever the number of points."""
        prefectures = Area.objects.locate_points(points, Level.PREFECTURE, self.boundary_set)
        cantons = (
            Area.objects.locate_points(points, Level.CANTON, self.boundary_set)
            if self.has_cantons
            else [None] * len(points)
        )
        return [self._area(i) for i in prefectures], [self._area(i) for i in cantons]

    def _area(self, area_id: int | None) -> Area | None:
        return self.areas.get(area_id) if area_id is not None else None

    def place(self, rows: Sequence[VillageRow], report: ImportReport) -> list[VillageEntry | None]:
        points = [(row.lon, row.lat) for row in rows]
        prefectures, cantons = self.locate(points)
        outside = [i for i, prefecture in enumerate(prefectures) if prefecture is None]
        swapped_prefectures, swapped_cantons = self.locate([(rows[i].lat, rows[i].lon) for i in outside])
        swapped = {i: (p, c) for i, p, c in zip(outside, swapped_prefectures, swapped_cantons, strict=True) if p}
        lost = [i for i in outside if i not in swapped]
        nearest = dict(zip(lost, self.nearest_prefectures([points[i] for i in lost]), strict=True))
        entries: list[VillageEntry | None] = []
        for i, row in enumerate(rows):
            where = _("ligne %(n)d") % {"n": row.line}
            notes: list[str] = []
            lon, lat = row.lon, row.lat
            point_prefecture, point_canton = prefectures[i], cantons[i]
            if i in swapped:
                lon, lat = row.lat, row.lon
                point_prefecture, point_canton = swapped[i]
                notes.append(_("coordonnées inversées (lat/lon), corrigées"))
                report.count("swapped")
            declared_prefecture, declared_canton = self.declared(row, notes)
            if i in nearest:
                report.count("outside")
                if declared_prefecture or declared_canton:
                    notes.append(_("point hors du pays ; placé dans la zone déclarée"))
                else:
                    declared_prefecture = nearest[i]
                    notes.append(
                        _("point hors du pays ; préfecture la plus proche : %(name)s")
                        % {"name": nearest[i].name if nearest[i] else "?"}
                    )
            else:
                disagreement = self.disagreement(point_prefecture, point_canton, declared_prefecture, declared_canton)
                if disagreement:
                    notes.append(disagreement)
                    report.count("disagree")
            canton = declared_canton or (point_canton if i not in nearest else None)
            prefecture = declared_prefecture or (point_prefecture if i not in nearest else None)
            if canton is not None and prefecture is not None and canton.parent_id != prefecture.pk:
                if declared_canton is not None and declared_prefecture is not None and i not in nearest:
                    notes.append(
                        _("le canton déclaré %(canton)s n'est pas dans la préfecture déclarée %(prefecture)s")
                        % {"canton": canton.name, "prefecture": prefecture.name}
                    )
                if declared_canton is not None:
                    prefecture = None  # the canton says which prefecture
                else:
                    canton = None
            holder = canton.parent if canton is not None else prefecture
            if holder is None or holder.parent is None:
                report.reject(
                    where,
                    _("la préfecture %(name)s n'a pas de région : impossible de placer le village")
                    % {"name": holder.name if holder else "?"},
                    row.line,
                )
                entries.append(None)
                continue
            if not row.name:
                report.count("unnamed")
                report.remark(f"{where} ({row.code})", _("sans nom : gardé sous son code"), row.line)
            status = LocationStatus.CONFLICT if notes else LocationStatus.UNVERIFIED
            if notes:
                report.count("conflict")
                report.remark(f"{where} ({row.code})", " ; ".join(notes), row.line)
            entries.append(
                VillageEntry(
                    code=row.code,
                    location=Point(lon, lat, srid=4326),
                    prefecture=prefecture,
                    canton=canton,
                    name=row.name,
                    population=row.population,
                    status=status,
                    note=" ; ".join(notes),
                )
            )
        return entries

    def declared(self, row: VillageRow, notes: list[str]) -> tuple[Area | None, Area | None]:
        """The prefecture and canton a row names (tolerant to spelling); a name that matches nothing is noted."""
        prefecture = self.prefecture_index.match(row.prefecture) if row.prefecture else None
        if row.prefecture and prefecture is None:
            notes.append(_("préfecture déclarée « %(name)s » inconnue") % {"name": row.prefecture})
        canton = None
        if row.canton:
            index = self.cantons_by_prefecture[prefecture.pk] if prefecture is not None else self.canton_index
            canton = index.match(row.canton) or self.canton_index.match(row.canton)
            if canton is None:
                notes.append(_("canton déclaré « %(name)s » inconnu") % {"name": row.canton})
        return prefecture, canton

    @staticmethod
    def disagreement(
        point_prefecture: Area | None,
        point_canton: Area | None,
        declared_prefecture: Area | None,
        declared_canton: Area | None,
    ) -> str:
        if declared_canton is not None and declared_canton != point_canton:
            return _("le point est dans %(found)s, canton déclaré : %(declared)s") % {
                "found": _("le canton %(name)s") % {"name": point_canton.name} if point_canton else _("aucun canton"),
                "declared": declared_canton.name,
            }
        if declared_prefecture is not None and declared_prefecture != point_prefecture:
            return _("le point est dans la préfecture %(found)s, préfecture déclarée : %(declared)s") % {
                "found": point_prefecture.name if point_prefecture else "?",
                "declared": declared_prefecture.name,
            }
        return ""

    def nearest_prefectures(self, points: Sequence[tuple[float, float]]) -> list[Area | None]:
        """For each (lon, lat) outside every prefecture, the nearest prefecture of the set: one query."""
        ids = Area.objects.nearest_to_points(points, Level.PREFECTURE, self.boundary_set)
        return [self._area(i) for i in ids]
