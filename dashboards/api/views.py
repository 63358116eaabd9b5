"""The API's endpoints: thin. Parameters are parsed by a serializer, rows come from `dashboards.queries`
(which starts from the caller's jurisdiction), and GeoJSON bytes come from PostGIS.
"""

from __future__ import annotations

import json
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework.generics import ListAPIView
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dashboards import queries
from dashboards.api.access import HasJurisdiction, IsNational, jurisdiction
from dashboards.api.pagination import Pagination
from dashboards.api.params import AreaQuery, ChiefQuery, LayerQuery, QueryParameters, ReportQuery, VillageQuery
from dashboards.api.renderers import GeoJSONRenderer, PlainJSONRenderer
from dashboards.api.serializers import ChiefSerializer, ReportSerializer
from dashboards.geojson import FeatureQuery
from evillage.models import Chief, Report

GEOJSON_RESPONSE = OpenApiResponse(OpenApiTypes.OBJECT, description="GeoJSON FeatureCollection")


def parse(query_class: type[QueryParameters], request: Request) -> dict[str, Any]:
    parameters = query_class(data=request.query_params)
    parameters.is_valid(raise_exception=True)
    return dict(parameters.validated_data)


class GeoJSONView(APIView):
    """A FeatureCollection written by PostGIS in one query; the browsable API shows it parsed."""

    permission_classes = [HasJurisdiction]
    renderer_classes = [GeoJSONRenderer, PlainJSONRenderer, BrowsableAPIRenderer]

    def features(self, request: Request) -> FeatureQuery:
        """Which features: each endpoint below says (this class is only their shared `get`)."""
        raise NotImplementedError

    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        text = self.features(request).collection()
        if isinstance(request.accepted_renderer, BrowsableAPIRenderer):
            return Response(json.loads(text))
        return Response(text)


@extend_schema_view(get=extend_schema(parameters=[AreaQuery], responses={200: GEOJSON_RESPONSE}))
class AreaList(GeoJSONView):
    """Administrative areas in the caller's jurisdiction, with simplified boundaries."""

    def features(self, request: Request) -> FeatureQuery:
        return queries.area_features(jurisdiction(request), parse(AreaQuery, request))


@extend_schema_view(get=extend_schema(parameters=[VillageQuery], responses={200: GEOJSON_RESPONSE}))
class VillageList(GeoJSONView):
    """Villages in the caller's jurisdiction, with the last-known state of one indicator on request."""

    def features(self, request: Request) -> FeatureQuery:
        return queries.village_features(jurisdiction(request), parse(VillageQuery, request))


@extend_schema_view(get=extend_schema(parameters=[LayerQuery], responses={200: GEOJSON_RESPONSE}))
class LayerList(GeoJSONView):
    """Statistics of one indicator and month per area of one level (the latest month by default)."""

    def features(self, request: Request) -> FeatureQuery:
        params = parse(LayerQuery, request)
        scope = jurisdiction(request)
        period = params.get("period") or queries.latest_period(scope, params["level"], params["indicator"])
        return queries.layer_features(
            scope,
            level=params["level"],
            indicator=params["indicator"],
            period=period or "",
            tolerance=params.get("tolerance"),
        )


class ParsedListView(ListAPIView):
    pagination_class = Pagination
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer]
    query_class: type[QueryParameters]

    def params(self) -> dict[str, Any]:
        if not hasattr(self, "_params"):
            self._params = parse(self.query_class, self.request)
        return self._params


@extend_schema(parameters=[ReportQuery])
class ReportList(ParsedListView):
    """Reports received from the villages of the caller's jurisdiction, newest first, with their values."""

    permission_classes = [HasJurisdiction]
    serializer_class = ReportSerializer
    query_class = ReportQuery

    def get_queryset(self) -> QuerySet[Report]:
        return queries.reports(jurisdiction(self.request), self.params())


@extend_schema(parameters=[ChiefQuery])
class ChiefList(ParsedListView):
    """The chiefs' registry, with phone numbers: the ministry only."""

    permission_classes = [IsNational]
    serializer_class = ChiefSerializer
    query_class = ChiefQuery

    def get_queryset(self) -> QuerySet[Chief]:
        return queries.chiefs(jurisdiction(self.request), self.params())
