"""`/api/v1/exports/<dataset>.<format>`: the ministry exports the nation, an official their prefectures."""

from __future__ import annotations

from django.http import FileResponse, HttpResponseBase, StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.views import APIView

from dashboards.api.access import HasJurisdiction, jurisdiction
from dashboards.api.negotiation import FirstRenderer
from dashboards.api.params import StatisticsExportQuery, VillageExportQuery
from dashboards.api.views import parse
from dashboards.exports.tables import statistics_table, villages_table
from dashboards.exports.writers import CsvDialect, csv_stream, geojson_stream, gpkg_file, xlsx_file
from dashboards.models import ExportDataset, ExportFormat
from dashboards.services import record_export

CONTENT_TYPES = {
    ExportFormat.CSV: "text/csv; charset=utf-8",
    ExportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ExportFormat.GEOJSON: "application/geo+json",
    ExportFormat.GPKG: "application/geopackage+sqlite3",
}


class ExportView(APIView):
    permission_classes = [HasJurisdiction]
    renderer_classes = [JSONRenderer]  # for errors; files are not rendered
    content_negotiation_class = FirstRenderer

    @extend_schema(
        parameters=[
            StatisticsExportQuery,
            OpenApiParameter("dataset", str, OpenApiParameter.PATH, enum=ExportDataset.values),
            OpenApiParameter("file_format", str, OpenApiParameter.PATH, enum=ExportFormat.values),
        ],
        responses={200: OpenApiResponse(OpenApiTypes.BINARY, description="CSV, XLSX, GeoJSON ou GeoPackage")},
        description=(
            "statistics : statistiques par zone, indicateur et mois (tous niveaux) ; villages : la liste des "
            "villages avec leurs derniers états connus (téléphones des chefs : ministère seulement). "
            "Paramètres des villages : region, prefecture, canton, status, sep, decimal."
        ),
    )
    def get(self, request: Request, dataset: str, file_format: str) -> HttpResponseBase:
        if dataset not in ExportDataset.values or file_format not in ExportFormat.values:
            raise NotFound()
        scope = jurisdiction(request)
        if dataset == ExportDataset.STATISTICS:
            params = parse(StatisticsExportQuery, request)
            table = statistics_table(scope, params)
        else:
            params = parse(VillageExportQuery, request)
            table = villages_table(scope, params)
        record_export(
            request.user, scope, dataset=dataset, file_format=file_format, parameters=request.query_params.dict()
        )
        filename = f"evillage-{table.name}-{timezone.localdate():%Y-%m-%d}.{file_format}"
        response: HttpResponseBase
        if file_format == ExportFormat.CSV:
            dialect = CsvDialect(separator=params["sep"], decimal=params["decimal"])
            response = StreamingHttpResponse(csv_stream(table, dialect), content_type=CONTENT_TYPES[file_format])
        elif file_format == ExportFormat.GEOJSON:
            response = StreamingHttpResponse(geojson_stream(table), content_type=CONTENT_TYPES[file_format])
        else:
            handle = xlsx_file(table) if file_format == ExportFormat.XLSX else gpkg_file(table)
            response = FileResponse(handle, content_type=CONTENT_TYPES[file_format])
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
