"""Importing administrative boundaries from GeoJSON, Shapefile (zipped or not) or GeoPackage, in any CRS.

Each feature becomes an `Area` of the given level in a boundary set, through `geo.services.upsert_area`:
- geometries are reprojected to WGS 84 (lon/lat), invalid ones repaired with GEOS `make_valid` (the
  polygons of the result are kept and the repair is counted), Polygons become MultiPolygons;
- the code comes from `--code-field`, or else from the name (`Agoè-Nyivé` → `AGOE-NYIVE`); a feature without
  a name is kept under its code and reported;
- the parent is the area of the level above whose name or code the `--parent-field` gives (tolerant to
  spelling, see `names.py`), or else the one the feature overlaps most. Candidates are the parent-level
  areas of the same set or, when that set has none, of the active set.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from django.contrib.gis.gdal import DataSource, GDALException, OGRGeometry
from django.contrib.gis.gdal.layer import Layer
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Polygon
from django.db import transaction
from django.utils.translation import gettext as _
from tqdm import tqdm

from geo.importers import ImportRefused
from geo.importers.names import NameIndex, name_key, name_words
from geo.importers.report import ImportReport
from geo.models import PARENT_LEVEL, Area, BoundarySet, Level
from geo.services import get_or_create_boundary_set, upsert_area

POLYGON_TYPES = {"Polygon", "MultiPolygon", "Polygon25D", "MultiPolygon25D", "Unknown"}


@dataclass
class Feature:
    number: int  # its place in the file, from 1
    where: str  # "entité 3 (Kozah)"
    code: str
    name: str
    parent_text: str
    geom: MultiPolygon


def parse_level(text: str) -> str:
    """`region`, `Région`, `prefectures`… → the `Level` value; anything else refuses, listing the levels."""
    key = name_key(text)
    for level in Level:
        if key in (level.value, level.value + "s"):
            return level.value
    raise ImportRefused(
        _("Niveau « %(level)s » inconnu. Niveaux possibles : %(levels)s.")
        % {"level": text, "levels": ", ".join(Level.values)}
    )


def open_layer(path: Path) -> Layer:
    """The first polygon layer of a geographic file; refuses what GDAL cannot read or what has no polygons."""
    if not path.exists():
        raise ImportRefused(_("Fichier introuvable : « %(path)s ».") % {"path": path})
    source = f"/vsizip/{path.resolve()}" if path.suffix.lower() == ".zip" else str(path)
    try:
        datasource = DataSource(source)
    except GDALException:
        raise ImportRefused(
            _("« %(name)s » n'est pas un fichier géographique lisible (GeoJSON, Shapefile, GeoPackage).")
            % {"name": path.name}
        ) from None
    layers = list(datasource)
    if not layers:
        raise ImportRefused(_("« %(name)s » ne contient aucune couche.") % {"name": path.name})
    with_geometry = [layer for layer in layers if layer.geom_type.num != 100]  # 100: wkbNone, a plain table
    if not with_geometry:
        raise ImportRefused(
            _("« %(name)s » n'est pas un fichier géographique : il ne contient aucune géométrie.") % {"name": path.name}
        )
    polygons = [layer for layer in with_geometry if layer.geom_type.name in POLYGON_TYPES]
    layer = polygons[0] if polygons else with_geometry[0]
    if len(layer) == 0:
        raise ImportRefused(_("« %(name)s » ne contient aucune entité.") % {"name": path.name})
    return layer


def check_fields(layer: Layer, fields: dict[str, str | None]) -> None:
    """Every field named in an option must exist; else refuse, listing the fields the file has."""
    for option, field in fields.items():
        if field and field not in layer.fields:
            raise ImportRefused(
                _("Champ « %(field)s » absent (option %(option)s). Champs du fichier : %(fields)s.")
                % {"field": field, "option": option, "fields": ", ".join(layer.fields) or _("aucun")}
            )


def to_multipolygon(geom: OGRGeometry, srs_known: bool) -> tuple[MultiPolygon | None, bool]:
    """The feature's geometry as a valid WGS 84 MultiPolygon (None if it holds no polygon), and whether
    it had to be repaired."""
    geom = geom.clone()
    geom.set_3d(False)
    if srs_known:
        geom.transform(4326)
    shape: GEOSGeometry = geom.geos
    repaired = False
    if shape.valid_reason != "Valid Geometry":
        shape = shape.make_valid()
        repaired = True
    polygons = list(_polygons(shape))
    if not polygons:
        return None, repaired
    multi = MultiPolygon(polygons, srid=4326)
    if not multi.valid:
        # Repaired pieces that touch along an edge: their union is one valid polygon (or several).
        multi = MultiPolygon(list(_polygons(multi.unary_union)), srid=4326)
        repaired = True
    return multi, repaired


def _polygons(shape: GEOSGeometry) -> Iterator[Polygon]:
    if isinstance(shape, Polygon):
        if not shape.empty:
            yield shape
    elif shape.geom_type in ("MultiPolygon", "GeometryCollection"):
        for part in shape:
            yield from _polygons(part)


def code_from_name(name: str) -> str:
    return "-".join(name_words(name)).upper()[:64]


def read_features(
    layer: Layer,
    report: ImportReport,
    *,
    name_field: str,
    code_field: str | None,
    parent_field: str | None,
    progress: TextIO | None,
) -> list[Feature]:
    srs_known = layer.srs is not None
    if not srs_known:
        report.info.append(_("Le fichier ne dit pas son système de coordonnées : WGS 84 (lon/lat) supposé."))
    features: list[Feature] = []
    seen: dict[str, str] = {}
    found_types: set[str] = set()
    for number, feature in enumerate(
        tqdm(layer, desc=_("Lecture"), unit=_(" entités"), file=progress, disable=progress is None), start=1
    ):
        name = _text(feature, name_field)
        code = _text(feature, code_field) if code_field else code_from_name(name)
        where = _("entité %(n)d") % {"n": number} + (f" ({name or code})" if name or code else "")
        if not code:
            report.reject(where, _("ni nom ni code : impossible de l'identifier"), number)
            continue
        if code in seen:
            report.reject(
                where, _("code %(code)s déjà donné à %(other)s") % {"code": code, "other": seen[code]}, number
            )
            continue
        try:
            source_geom = feature.geom
        except GDALException:  # a feature with a null geometry
            report.reject(where, _("pas de géométrie"), number)
            continue
        found_types.add(source_geom.geom_type.name)
        try:
            geom, repaired = to_multipolygon(source_geom, srs_known)
        except (GDALException, ValueError) as error:
            report.reject(where, _("géométrie illisible (%(error)s)") % {"error": error}, number)
            continue
        if geom is None:
            report.reject(
                where, _("géométrie de type %(type)s, pas un polygone") % {"type": source_geom.geom_type}, number
            )
            continue
        if repaired:
            report.count("repaired")
            report.remark(where, _("polygone invalide réparé"), number)
        if not name:
            report.count("unnamed")
            report.remark(where, _("sans nom : gardée sous son code %(code)s") % {"code": code}, number)
            name = code
        seen[code] = where
        features.append(Feature(number, where, code, name, _text(feature, parent_field) if parent_field else "", geom))
    if not features and found_types and not found_types & POLYGON_TYPES:
        raise ImportRefused(
            _("Le fichier ne contient pas de polygones (géométries : %(types)s).") % {"types": ", ".join(found_types)}
        )
    return features


def _text(feature, field: str | None) -> str:  # type: ignore[no-untyped-def]
    if not field:
        return ""
    value = feature.get(field)
    return "" if value is None else str(value).strip()


class ParentFinder:
    """Finds the parent of a new area: by the name or code a field gives, or else by largest overlap.

    Candidates are the areas of the level above in the same set or, when that set has none (a new set
    of prefectures whose regions did not change), in the active set.
    """

    def __init__(self, boundary_set: BoundarySet, level: str) -> None:
        self.level = PARENT_LEVEL[level]
        self.source_set: BoundarySet | None = None
        self.candidates = Area.objects.none()
        if self.level is not None:
            same_set = Area.objects.filter(boundary_set=boundary_set, level=self.level)
            active = BoundarySet.objects.filter(is_active=True).first()
            if same_set.exists():
                self.candidates, self.source_set = same_set, boundary_set
            elif active is not None and active != boundary_set:
                self.candidates, self.source_set = Area.objects.filter(boundary_set=active, level=self.level), active
        areas = list(self.candidates.defer("geom"))
        self.has_candidates = bool(areas)
        self.index: NameIndex[Area] = NameIndex(areas, Area.all_names, lambda a: a.code)

    def by_name(self, text: str) -> Area | None:
        return self.index.match(text)

    def by_overlap(self, geom: MultiPolygon) -> Area | None:
        return self.candidates.most_overlapping(geom)


def import_boundaries(
    path: Path,
    level: str,
    *,
    name_field: str = "name",
    code_field: str | None = None,
    parent_field: str | None = None,
    set_name: str | None = None,
    commit: bool = False,
    progress: TextIO | None = None,
) -> ImportReport:
    """Import the polygons of `path` as areas of `level`; dry run unless `commit`. Raises `ImportRefused`
    (nothing written) when the file as a whole cannot be imported."""
    level = parse_level(level)
    layer = open_layer(path)
    check_fields(layer, {"--name-field": name_field, "--code-field": code_field, "--parent-field": parent_field})
    labels = {
        "created": _("zones créées"),
        "updated": _("zones modifiées"),
        "unchanged": _("zones inchangées"),
        "rejected": _("entités rejetées"),
        "repaired": _("polygones réparés"),
        "unnamed": _("entités sans nom (gardées sous leur code)"),
    }
    if PARENT_LEVEL[level] is not None:
        labels |= {
            "parent_by_name": _("parents trouvés par le nom"),
            "parent_by_overlap": _("parents trouvés par recouvrement"),
            "no_parent": _("sans parent"),
        }
    labels["absent"] = _("zones du jeu absentes du fichier (gardées)")
    report = ImportReport(title="", labels=labels)
    features = read_features(
        layer, report, name_field=name_field, code_field=code_field, parent_field=parent_field, progress=progress
    )
    if not features:
        raise ImportRefused(_("« %(name)s » : aucune entité importable.") % {"name": path.name})
    with transaction.atomic():
        boundary_set = _boundary_set(set_name, path, report)
        report.title = _("Import de %(file)s au niveau %(level)s, jeu de limites « %(set)s »") % {
            "file": path.name,
            "level": level,
            "set": boundary_set.name,
        }
        parents = ParentFinder(boundary_set, level)
        if PARENT_LEVEL[level] is not None and not parents.has_candidates:
            report.info.append(
                _("Aucune zone de niveau %(level)s pour servir de parent : les zones sont importées sans parent.")
                % {"level": PARENT_LEVEL[level]}
            )
        elif parents.source_set is not None and parents.source_set != boundary_set:
            report.info.append(_("Parents cherchés dans le jeu actif « %(set)s ».") % {"set": parents.source_set.name})
        for feature in tqdm(features, desc=_("Écriture"), unit=_(" zones"), file=progress, disable=progress is None):
            parent = _find_parent(feature, parents, report) if PARENT_LEVEL[level] is not None else None
            __, outcome = upsert_area(
                boundary_set, level, feature.code, name=feature.name, geom=feature.geom, parent=parent
            )
            report.count(outcome.value)
        codes = [f.code for f in features]
        report.count(
            "absent", Area.objects.filter(boundary_set=boundary_set, level=level).exclude(code__in=codes).count()
        )
        report.committed = commit
        if not commit:
            transaction.set_rollback(True)
    return report


def _boundary_set(set_name: str | None, path: Path, report: ImportReport) -> BoundarySet:
    if set_name is None:
        active = BoundarySet.objects.filter(is_active=True).first()
        if active is not None:
            return active
        set_name = path.stem
    boundary_set, created = get_or_create_boundary_set(set_name)
    if created and boundary_set.is_active:
        report.info.append(_("Jeu de limites « %(set)s » créé ; premier jeu, il est actif.") % {"set": set_name})
    elif created:
        report.info.append(
            _("Jeu de limites « %(set)s » créé, inactif (activate_boundary_set pour l'activer).") % {"set": set_name}
        )
    return boundary_set


def _find_parent(feature: Feature, parents: ParentFinder, report: ImportReport) -> Area | None:
    if not parents.has_candidates:
        report.count("no_parent")
        return None
    if feature.parent_text:
        parent = parents.by_name(feature.parent_text)
        if parent is not None:
            report.count("parent_by_name")
            if parent.name != feature.parent_text and parent.code != feature.parent_text:
                report.remark(
                    feature.where,
                    _("parent « %(text)s » lu comme %(parent)s") % {"text": feature.parent_text, "parent": parent.name},
                    feature.number,
                )
            return parent
    parent = parents.by_overlap(feature.geom)
    if parent is None:
        report.count("no_parent")
        report.remark(feature.where, _("aucune zone parente ne la recouvre : importée sans parent"), feature.number)
        return None
    report.count("parent_by_overlap")
    if feature.parent_text:
        report.remark(
            feature.where,
            _("parent « %(text)s » introuvable ; trouvé par recouvrement : %(parent)s")
            % {"text": feature.parent_text, "parent": parent.name},
            feature.number,
        )
    return parent
