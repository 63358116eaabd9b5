"""Writers: a `Table` to CSV, XLSX, GeoJSON or GeoPackage.

CSV and GeoJSON are generators of bytes read from server-side cursors (a national export of every month is
streamed, never held in memory); XLSX and GeoPackage are written to a temporary file by openpyxl's write-only
mode and `ogr2ogr`, whose handle is returned already unlinked, so the file disappears when the response closes.
"""

from __future__ import annotations

import csv
import datetime as dt
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from dashboards.exports.tables import Kind, Table
from dashboards.geojson import stream_collection

BOM = "\ufeff"  # Excel reads UTF-8 only when the file says so
ROWS_PER_CHUNK = 500
OGR2OGR_TIMEOUT_SECONDS = 900

NUMBER_FORMATS = {
    Kind.SHARE: "0.0%",
    Kind.INTEGER: "#,##0",
    Kind.NUMBER: "0.000000",
    Kind.DATETIME: "yyyy-mm-dd hh:mm",
}


@dataclass(frozen=True)
class CsvDialect:
    """`;` and a decimal comma: what Excel in French expects."""

    separator: str = ","
    decimal: str = "."


class _Line:
    """The file-like object csv.writer writes one line into."""

    def write(self, value: str) -> str:
        return value


def _csv_value(value: Any, kind: Kind, decimal: str) -> Any:
    if value is None:
        return ""
    if kind == Kind.BOOLEAN:
        return "oui" if value else "non"
    if kind == Kind.DATETIME and isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, float):
        text = f"{value:.6f}".rstrip("0").rstrip(".") if kind != Kind.NUMBER else f"{value:.6f}"
        return text.replace(".", decimal) if decimal != "." else text
    return value


def csv_stream(table: Table, dialect: CsvDialect) -> Iterator[bytes]:
    writer = csv.writer(_Line(), delimiter=dialect.separator)
    kinds = [column.kind for column in table.columns]
    yield (BOM + writer.writerow([column.label for column in table.columns])).encode()
    lines: list[str] = []
    for row in table.all_rows():
        lines.append(writer.writerow([_csv_value(v, k, dialect.decimal) for v, k in zip(row, kinds, strict=True)]))
        if len(lines) >= ROWS_PER_CHUNK:
            yield "".join(lines).encode()
            lines.clear()
    if lines:
        yield "".join(lines).encode()


def geojson_stream(table: Table) -> Iterator[bytes]:
    return stream_collection(table.features(), {"name": table.name})


def _xlsx_value(value: Any, kind: Kind) -> Any:
    if kind == Kind.DATETIME and isinstance(value, dt.datetime):
        # Excel has no time zones: Lomé's wall-clock time.
        return timezone.localtime(value).replace(tzinfo=None)
    return value


def _unlinked(path: Path, folder: str) -> IO[bytes]:
    """An open handle on `path`, whose folder is already removed (POSIX keeps the data until it closes)."""
    handle = path.open("rb")
    shutil.rmtree(folder, ignore_errors=True)
    return handle


def xlsx_file(table: Table) -> IO[bytes]:
    """One sheet per `Sheet` of the table: bold, frozen header; percentages, integers and dates formatted."""
    workbook = Workbook(write_only=True)
    for sheet in table.sheets:
        worksheet = workbook.create_sheet(title=sheet.title[:31])
        worksheet.freeze_panes = "A2"
        for index, column in enumerate(table.columns, start=1):
            worksheet.column_dimensions[get_column_letter(index)].width = max(10, min(40, len(column.label) + 2))
        header = []
        for column in table.columns:
            cell = WriteOnlyCell(worksheet, value=column.label)
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            header.append(cell)
        worksheet.append(header)
        formats = [NUMBER_FORMATS.get(column.kind) for column in table.columns]
        kinds = [column.kind for column in table.columns]
        for row in table.rows(sheet):
            cells: list[Any] = []
            for value, number_format, kind in zip(row, formats, kinds, strict=True):
                if number_format is None or value is None:
                    cells.append(value)
                    continue
                cell = WriteOnlyCell(worksheet, value=_xlsx_value(value, kind))
                cell.number_format = number_format
                cells.append(cell)
            worksheet.append(cells)
    if not table.sheets:
        workbook.create_sheet(title=table.name[:31]).append([column.label for column in table.columns])
    folder = tempfile.mkdtemp(prefix="evillage-export-")
    path = Path(folder) / f"{table.name}.xlsx"
    workbook.save(path)
    return _unlinked(path, folder)


class ExportFailed(RuntimeError):
    pass


def gpkg_file(table: Table) -> IO[bytes]:
    """GeoJSON written to a temporary file from the cursor, then converted by `ogr2ogr` (no shell)."""
    folder = tempfile.mkdtemp(prefix="evillage-export-")
    source = Path(folder) / f"{table.name}.geojson"
    target = Path(folder) / f"{table.name}.gpkg"
    try:
        with source.open("wb") as out:
            for chunk in geojson_stream(table):
                out.write(chunk)
        command = [
            shutil.which("ogr2ogr") or "ogr2ogr",
            "-f",
            "GPKG",
            str(target),
            str(source),
            "-nln",
            table.name,
            "-nlt",
            table.geometry_type,
            "-a_srs",
            "EPSG:4326",
            "-lco",
            "SPATIAL_INDEX=YES",
        ]
        result = subprocess.run(  # noqa: S603 (list arguments, no shell)
            command, capture_output=True, text=True, timeout=OGR2OGR_TIMEOUT_SECONDS, check=False
        )
        if result.returncode != 0:
            raise ExportFailed(result.stderr.strip()[-2000:])
        return _unlinked(target, folder)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
