"""Exports read back as their users would: openpyxl for XLSX, GDAL for the GeoPackage, csv for CSV."""

from __future__ import annotations

import csv
import io
import json
import tempfile
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.gis.gdal import DataSource
from openpyxl import load_workbook

from dashboards.models import ExportRecord
from dashboards.tests.conftest import PERIOD


def body_of(response) -> bytes:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response
    return b"".join(response.streaming_content)


def csv_rows(body: bytes, separator: str = ",") -> list[list[str]]:
    assert body.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel reads the accents right
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=separator))


def test_statistics_csv_has_french_headers_and_every_level(reported, clients):
    rows = csv_rows(body_of(clients["ministry"].get(f"/api/v1/exports/statistics.csv?period={PERIOD}")))
    header = rows[0]
    assert header[:3] == ["Niveau", "Code de la zone", "Zone"]
    assert "Part des villages avec le service" in header and "Complétude" in header
    assert {row[0] for row in rows[1:]} == {"Nation", "Région", "Préfecture", "Canton"}
    kozah_water = next(r for r in rows if r[1] == "KOZ" and r[3] == "water")
    assert kozah_water[header.index("Part des villages avec le service")] == "0.5"
    assert len(rows) == 1 + 6 * 6  # 6 areas (nation included) × 6 indicators


def test_csv_for_excel_in_french_uses_semicolons_and_decimal_commas(reported, clients):
    url = f"/api/v1/exports/statistics.csv?period={PERIOD}&indicator=water&sep=;&decimal=,"
    rows = csv_rows(body_of(clients["ministry"].get(url)), ";")
    header = rows[0]
    kozah = next(r for r in rows if r[1] == "KOZ")
    assert kozah[header.index("Part des villages avec le service")] == "0,5"
    assert kozah[header.index("Part de la population avec le service")] == "0,6"


def test_statistics_xlsx_has_a_sheet_per_level_with_formatted_numbers(reported, clients):
    response = clients["ministry"].get("/api/v1/exports/statistics.xlsx")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="evillage-statistiques-')
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert workbook.sheetnames == ["Nation", "Régions", "Préfectures", "Cantons"]
    sheet = workbook["Préfectures"]
    assert sheet.freeze_panes == "A2"
    header = [cell.value for cell in sheet[1]]
    assert header[:6] == ["Niveau", "Code de la zone", "Zone", "Indicateur", "Libellé de l'indicateur", "Mois"]
    assert sheet[1][0].font.bold
    share = header.index("Part des villages avec le service") + 1
    expected = header.index("Villages attendus") + 1
    kozah = next(
        row
        for row in sheet.iter_rows(min_row=2)
        if row[1].value == "KOZ" and row[5].value == PERIOD and row[3].value == "water"
    )
    assert kozah[share - 1].value == pytest.approx(0.5)
    assert kozah[share - 1].number_format == "0.0%"
    assert kozah[expected - 1].value == 2 and kozah[expected - 1].number_format == "#,##0"


def test_an_officials_xlsx_has_only_their_levels(reported, clients):
    response = clients["kozah"].get("/api/v1/exports/statistics.xlsx")
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert workbook.sheetnames == ["Préfectures", "Cantons"]
    codes = {row[1] for row in workbook["Préfectures"].iter_rows(min_row=2, values_only=True)}
    assert codes == {"KOZ"}


def read_gpkg(body: bytes) -> DataSource:
    folder = Path(tempfile.mkdtemp())
    path = folder / "export.gpkg"
    path.write_bytes(body)
    return DataSource(str(path))


def test_statistics_geopackage_opens_with_geometry_and_attributes(reported, clients):
    response = clients["ministry"].get(f"/api/v1/exports/statistics.gpkg?period={PERIOD}&level=prefecture")
    assert response["Content-Type"] == "application/geopackage+sqlite3"
    source = read_gpkg(b"".join(response.streaming_content))
    layer = source[0]
    assert layer.name == "statistiques"
    assert len(layer) == 2 * 6
    assert layer.geom_type.name == "MultiPolygon"
    assert {"niveau", "code_zone", "part_villages", "completude", "repartition_2"} <= set(layer.fields)
    kozah = next(f for f in layer if f.get("code_zone") == "KOZ" and f.get("indicateur") == "water")
    assert kozah.get("part_villages") == pytest.approx(0.5)
    assert kozah.geom.extent == pytest.approx((1.0, 9.3, 1.5, 9.8))


def test_villages_geopackage_holds_points_and_last_known_states(reported, clients):
    source = read_gpkg(b"".join(clients["kozah"].get("/api/v1/exports/villages.gpkg").streaming_content))
    layer = source[0]
    assert layer.name == "villages" and layer.geom_type.name == "Point" and len(layer) == 2
    assert {"code", "nom", "water", "water_mois", "network"} <= set(layer.fields)
    lama = next(f for f in layer if f.get("code") == "KOZ-0001")
    assert (lama.get("water"), lama.get("water_mois"), lama.get("network")) == (1, PERIOD, 2)
    assert (lama.geom.x, lama.geom.y) == pytest.approx((1.1, 9.5))


def test_villages_geojson_streams_features(reported, clients):
    response = clients["ministry"].get("/api/v1/exports/villages.geojson")
    data = json.loads(body_of(response))
    assert data["name"] == "villages" and len(data["features"]) == 3
    assert data["features"][0]["geometry"]["type"] == "Point"


@pytest.mark.parametrize("file_format", ["csv", "xlsx", "geojson", "gpkg"])
def test_phone_numbers_are_in_the_ministrys_village_export_only(reported, clients, file_format):
    def text_of(role: str) -> str:
        response = clients[role].get(f"/api/v1/exports/villages.{file_format}")
        body = b"".join(response.streaming_content)
        if file_format == "xlsx":
            workbook = load_workbook(io.BytesIO(body))
            return json.dumps([list(r) for r in workbook.active.iter_rows(values_only=True)], ensure_ascii=False)
        if file_format == "gpkg":
            layer = read_gpkg(body)[0]
            return json.dumps([layer.fields, [[f.get(n) for n in layer.fields] for f in layer]], ensure_ascii=False)
        return body.decode("utf-8-sig")

    ministry = text_of("ministry")
    assert "+22890112233" in ministry and "Kossi Amegan" in ministry
    for role in ("kozah", "bassar"):
        official = text_of(role)
        assert "+228" not in official and "Téléphone" not in official and "telephone" not in official


def test_every_export_is_recorded(reported, clients):
    for url in ("/api/v1/exports/statistics.xlsx?indicator=water", "/api/v1/exports/villages.csv?sep=;"):
        b"".join(clients["kozah"].get(url).streaming_content)
    b"".join(clients["ministry"].get("/api/v1/exports/villages.gpkg").streaming_content)
    records = list(ExportRecord.objects.order_by("created_at", "pk"))
    assert [(r.username, r.dataset, r.file_format, r.scope, r.with_phones) for r in records] == [
        ("kozah", "statistics", "xlsx", "Kozah", False),
        ("kozah", "villages", "csv", "Kozah", False),
        ("ministry", "villages", "gpkg", "nation", True),
    ]
    assert records[0].parameters == {"indicator": "water"}
    assert records[0].user == reported.users["kozah"]


def test_refused_exports_are_not_recorded(reported, clients):
    assert clients["nobody"].get("/api/v1/exports/villages.csv").status_code == 403
    assert clients["anonymous"].get("/api/v1/exports/villages.csv").status_code == 401
    assert not ExportRecord.objects.exists()


def test_the_admin_lists_exports_read_only(reported, clients, client):
    b"".join(clients["kozah"].get("/api/v1/exports/villages.csv").streaming_content)
    client.force_login(get_user_model().objects.create_superuser("root", password="x-secret-123"))
    page = client.get("/admin/dashboards/exportrecord/")
    assert page.status_code == 200 and "kozah" in page.content.decode()
    assert client.get("/admin/dashboards/exportrecord/add/").status_code == 403
