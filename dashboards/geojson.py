"""GeoJSON built by PostGIS: the ORM says which rows (scope, filters, order), the database writes the bytes.

Serialising thousands of model instances in Python costs half a second for the national village map; the same
FeatureCollection from `json_agg` over `ST_AsGeoJSON` costs a few milliseconds. A `FeatureQuery` takes a
queryset that is already scoped and filtered, projects the columns it needs under private aliases, and wraps
its SQL: one query for a whole collection (the API), or a server-side cursor yielding one feature at a time
(the streamed exports).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.gis.db.models.functions import GeomOutputGeoFunc
from django.db import connection
from django.db.models import Expression, F, FloatField, QuerySet, Value

# Six decimals of a degree: about 10 cm, the precision the boundaries and villages are stored at.
PRECISION = 6
FETCH_SIZE = 2000
MAX_PAIRS = 50


class SimplifyPreserveTopology(GeomOutputGeoFunc):
    """`ST_SimplifyPreserveTopology(geom, tolerance)`: fewer vertices, never an invalid polygon."""

    function = "ST_SimplifyPreserveTopology"
    geom_param_pos = (0,)

    def __init__(self, expression: Any, tolerance: Any, **extra: Any) -> None:
        if not isinstance(tolerance, Expression):
            tolerance = Value(float(tolerance), output_field=FloatField())
        super().__init__(expression, tolerance, **extra)


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


@dataclass(frozen=True)
class FeatureQuery:
    """Features from `queryset`: `properties` maps each output name to a field path or an expression."""

    queryset: QuerySet[Any]
    geometry: str | Expression
    properties: Mapping[str, str | Expression]
    id_field: str | Expression | None = "pk"
    precision: int = PRECISION

    def projected_sql(self) -> tuple[str, tuple[Any, ...], list[tuple[str, str]]]:
        """The queryset's SQL selecting `feature_geom`, `feature_id` and one alias per property, with the
        parameters and the (property name, alias) pairs."""
        columns: dict[str, Any] = {"feature_geom": _as_expression(self.geometry)}
        if self.id_field is not None:
            columns["feature_id"] = _as_expression(self.id_field)
        aliases: list[tuple[str, str]] = []
        for index, (name, source) in enumerate(self.properties.items()):
            alias = f"feature_p{index}"
            columns[alias] = _as_expression(source)
            aliases.append((name, alias))
        sql, params = self.queryset.values(**columns).query.sql_with_params()
        return sql, params, aliases

    def _feature_sql(self, aliases: list[tuple[str, str]]) -> tuple[str, list[str]]:
        # Names travel as parameters, never spliced into the SQL. json_build_object (which keeps the order)
        # takes at most 100 arguments: past that, chunks are merged as jsonb.
        names = [name for name, _alias in aliases]
        pairs = [f"%s::text, t.{_quote(alias)}" for _name, alias in aliases]
        if len(pairs) <= MAX_PAIRS:
            properties = f"json_build_object({', '.join(pairs)})"
        else:
            chunks = [pairs[i : i + MAX_PAIRS] for i in range(0, len(pairs), MAX_PAIRS)]
            properties = "(" + " || ".join(f"jsonb_build_object({', '.join(c)})" for c in chunks) + ")"
        feature_id = "'id', t.feature_id, " if self.id_field is not None else ""
        sql = (
            f"json_build_object('type', 'Feature', {feature_id}"
            f"'geometry', ST_AsGeoJSON(t.feature_geom, {int(self.precision)})::json, 'properties', {properties})"
        )
        return sql, names

    def collection_sql(self) -> tuple[str, list[Any]]:
        inner, params, aliases = self.projected_sql()
        feature, names = self._feature_sql(aliases)
        # Rows come out of the (ordered) subquery in order: json_agg keeps it. The inner SQL is the ORM's.
        collection = f"json_build_object('type', 'FeatureCollection', 'features', COALESCE(json_agg({feature}), '[]'))"
        sql = f"SELECT {collection}::text FROM ({inner}) t"  # noqa: S608
        return sql, [*names, *params]

    def collection(self) -> str:
        """The whole FeatureCollection, as JSON text, in one query."""
        sql, params = self.collection_sql()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return str(cursor.fetchone()[0])

    def iter_features(self) -> Iterator[str]:
        """Each feature as JSON text, read through a server-side cursor (memory stays flat)."""
        inner, params, aliases = self.projected_sql()
        feature, names = self._feature_sql(aliases)
        sql = f"SELECT ({feature})::text FROM ({inner}) t"  # noqa: S608
        with connection.chunked_cursor() as cursor:
            cursor.execute(sql, [*names, *params])
            while rows := cursor.fetchmany(FETCH_SIZE):
                for (text,) in rows:
                    yield text


def _as_expression(source: str | Expression) -> Expression | F:
    return F(source) if isinstance(source, str) else source


def stream_collection(features: Iterator[str], extra: Mapping[str, Any] | None = None) -> Iterator[bytes]:
    """A FeatureCollection written piece by piece around features already in JSON text."""
    head = {"type": "FeatureCollection", **(extra or {})}
    opening = json.dumps(head, ensure_ascii=False)[:-1] + ', "features": ['
    yield opening.encode()
    first = True
    buffer: list[str] = []
    for feature in features:
        buffer.append(feature if first else "," + feature)
        first = False
        if len(buffer) >= 500:
            yield "".join(buffer).encode()
            buffer.clear()
    if buffer:
        yield "".join(buffer).encode()
    yield b"]}\n"
