"""What an export contains: the columns (a French header for spreadsheets, a plain field name for GIS files)
and the rows, as jurisdiction-scoped querysets, one per spreadsheet sheet.

Every value, labels included, is computed in the database, so the CSV, the XLSX, the GeoJSON and the
GeoPackage of one export say the same thing.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.db.models import (
    Case,
    Expression,
    F,
    FilteredRelation,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce
from django.utils.translation import gettext as _

from dashboards import queries
from dashboards.geojson import FeatureQuery
from evillage.jurisdiction import Jurisdiction
from evillage.models import Chief, ChiefStatus, Indicator, LayerLevel
from geo.models import LocationSource, LocationStatus

CHUNK_SIZE = 2000


class Kind(StrEnum):
    TEXT = "text"
    INTEGER = "integer"
    SHARE = "share"  # a fraction 0–1, shown as a percentage in spreadsheets
    NUMBER = "number"
    BOOLEAN = "boolean"
    DATETIME = "datetime"


@dataclass(frozen=True)
class Column:
    key: str  # the field name in GeoJSON and GeoPackage: ASCII, no spaces
    label: str  # the header in CSV and XLSX: French
    source: str | Expression
    kind: Kind = Kind.TEXT


@dataclass(frozen=True)
class Sheet:
    title: str
    queryset: QuerySet[Any]


@dataclass
class Table:
    name: str  # file and layer name
    columns: list[Column]
    sheets: list[Sheet]
    geometry: str
    geometry_type: str  # for the GeoPackage layer

    def rows(self, sheet: Sheet) -> Iterator[tuple[Any, ...]]:
        """The sheet's rows as tuples in column order, through a server-side cursor."""
        aliases = {f"c{index}": _expression(column.source) for index, column in enumerate(self.columns)}
        yield from sheet.queryset.annotate(**aliases).values_list(*aliases).iterator(chunk_size=CHUNK_SIZE)

    def all_rows(self) -> Iterator[tuple[Any, ...]]:
        for sheet in self.sheets:
            yield from self.rows(sheet)

    def features(self) -> Iterator[str]:
        for sheet in self.sheets:
            query = FeatureQuery(
                sheet.queryset,
                geometry=self.geometry,
                properties={column.key: column.source for column in self.columns},
                id_field=None,
            )
            yield from query.iter_features()


def _expression(source: str | Expression) -> Expression | F:
    return F(source) if isinstance(source, str) else source


def label_of(field_name: str, choices: list[tuple[str, Any]]) -> Case:
    """The French label of a choice field, computed in SQL."""
    return Case(
        *(When(**{field_name: value}, then=Value(str(label))) for value, label in choices),
        default=F(field_name),
    )


# Statistics ---------------------------------------------------------------------------------------------

LEVEL_ORDER = [LayerLevel.NATION, LayerLevel.REGION, LayerLevel.PREFECTURE, LayerLevel.COMMUNE, LayerLevel.CANTON]
SHEET_TITLES = {
    LayerLevel.NATION: "Nation",
    LayerLevel.REGION: "Régions",
    LayerLevel.PREFECTURE: "Préfectures",
    LayerLevel.COMMUNE: "Communes",
    LayerLevel.CANTON: "Cantons",
}


def statistics_table(jurisdiction: Jurisdiction, params: Mapping[str, Any]) -> Table:
    filters: dict[str, Any] = {}
    if params.get("indicator") is not None:
        filters["indicator"] = params["indicator"]
    if params.get("period"):
        filters["period"] = params["period"]
    if params.get("period_from"):
        filters["period__gte"] = params["period_from"]
    if params.get("period_to"):
        filters["period__lte"] = params["period_to"]
    if params.get("level"):
        filters["level"] = params["level"]
    rows = queries.statistics(jurisdiction, **filters)
    present = set(rows.values_list("level", flat=True).distinct().order_by())
    ordered = rows.order_by("area__code", "indicator__card_order", "period")
    sheets = [Sheet(SHEET_TITLES[level], ordered.filter(level=level)) for level in LEVEL_ORDER if level in present]
    columns = [
        Column("niveau", _("Niveau"), label_of("level", LayerLevel.choices)),
        Column("code_zone", _("Code de la zone"), Coalesce(F("area__code"), Value("TG"))),
        Column("zone", _("Zone"), Coalesce(F("area__name"), Value("Togo"))),
        Column("indicateur", _("Indicateur"), "indicator__key"),
        Column("libelle", _("Libellé de l'indicateur"), "indicator__label"),
        Column("mois", _("Mois"), "period"),
        Column("villages_attendus", _("Villages attendus"), "villages_expected", Kind.INTEGER),
        Column("villages_repondants", _("Villages ayant répondu"), "villages_reporting", Kind.INTEGER),
        Column("villages_service", _("Villages avec le service"), "villages_with_service", Kind.INTEGER),
        Column("rapports_a_temps", _("Rapports à temps"), "reports_on_time", Kind.INTEGER),
        Column("population_attendue", _("Population attendue"), "population_expected", Kind.INTEGER),
        Column("population_repondante", _("Population ayant répondu"), "population_reporting", Kind.INTEGER),
        Column("population_service", _("Population avec le service"), "population_with_service", Kind.INTEGER),
        Column("part_villages", _("Part des villages avec le service"), "share_villages", Kind.SHARE),
        Column("part_population", _("Part de la population avec le service"), "share_population", Kind.SHARE),
        Column("completude", _("Complétude"), "completeness", Kind.SHARE),
        Column("ponctualite", _("Ponctualité"), "timeliness", Kind.SHARE),
        *(
            Column(
                f"repartition_{level}",
                _("Villages au niveau %(level)s") % {"level": level},
                Cast(KT(f"distribution__{level}"), IntegerField()),
                Kind.INTEGER,
            )
            for level in range(3)
        ),
        Column("calcule_le", _("Calculé le"), "refreshed_at", Kind.DATETIME),
    ]
    return Table("statistiques", columns, sheets, geometry="geom", geometry_type="MULTIPOLYGON")


# Villages -----------------------------------------------------------------------------------------------


def villages_table(jurisdiction: Jurisdiction, params: Mapping[str, Any]) -> Table:
    """One row per village with the last-known state of every active indicator; chiefs' phones for the
    ministry only."""
    indicators = list(Indicator.objects.filter(is_active=True).order_by("card_order"))
    queryset = queries.villages(jurisdiction, params)
    for indicator in indicators:
        queryset = queryset.annotate(
            **{f"state_{indicator.pk}": FilteredRelation("states", condition=Q(states__indicator_id=indicator.pk))}
        )
    columns = [
        Column("code", _("Code"), "code"),
        Column("nom", _("Village"), "name"),
        Column("region", _("Région"), "region__name"),
        Column("prefecture", _("Préfecture"), "prefecture__name"),
        Column("code_prefecture", _("Code de la préfecture"), "prefecture__code"),
        Column("canton", _("Canton"), "canton__name"),
        Column("population", _("Population"), "population", Kind.INTEGER),
        Column("longitude", _("Longitude"), "longitude", Kind.NUMBER),
        Column("latitude", _("Latitude"), "latitude", Kind.NUMBER),
        Column("etat_position", _("État de la position"), label_of("location_status", LocationStatus.choices)),
        Column("origine_position", _("Origine de la position"), label_of("location_source", LocationSource.choices)),
    ]
    queryset = queryset.annotate(longitude=_coordinate("ST_X"), latitude=_coordinate("ST_Y"))
    if jurisdiction.national:
        active = Chief.objects.filter(village=OuterRef("pk"), status=ChiefStatus.ACTIVE).order_by("-role", "pk")
        columns += [
            Column("chef", _("Chef"), Subquery(active.values("full_name")[:1])),
            Column("telephone", _("Téléphone du chef"), Subquery(active.values("phone")[:1])),
        ]
    for indicator in indicators:
        state = f"state_{indicator.pk}"
        columns += [
            Column(indicator.key, indicator.label, f"{state}__value", Kind.INTEGER),
            Column(f"{indicator.key}_mois", _("%(label)s : mois") % {"label": indicator.label}, f"{state}__period"),
            Column(
                f"{indicator.key}_anciennete",
                _("%(label)s : ancienneté (mois)") % {"label": indicator.label},
                f"{state}__staleness_months",
                Kind.INTEGER,
            ),
            Column(
                f"{indicator.key}_perimee",
                _("%(label)s : périmée") % {"label": indicator.label},
                f"{state}__is_stale",
                Kind.BOOLEAN,
            ),
        ]
    return Table("villages", columns, [Sheet(_("Villages"), queryset)], geometry="location", geometry_type="POINT")


def _coordinate(function: str) -> Func:
    return Func(F("location"), function=function, output_field=FloatField())
