"""Reading the CSV tables people send: `,` or `;` separated, UTF-8 with or without BOM (or Windows-1252,
as Excel writes it in French), rows kept with the line number the person sees in their editor."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _

from geo.importers import ImportRefused

DELIMITERS = (";", ",", "\t")


@dataclass(frozen=True)
class TableRow:
    line: int  # 1 is the header line
    values: dict[str, str]
    extra_cells: bool  # more cells than the header has columns


@dataclass(frozen=True)
class Table:
    fields: list[str]
    rows: list[TableRow]
    delimiter: str
    encoding: str

    def field(self, wanted: str | None, option: str, *, required: bool) -> str | None:
        """The column named `wanted` (ignoring case and surrounding spaces), or None when it is optional
        and absent. A required column that is absent refuses the file, listing the columns it has."""
        if not wanted:
            return None
        for name in self.fields:
            if name.strip().lower() == wanted.strip().lower():
                return name
        if not required:
            return None
        raise ImportRefused(
            _("Colonne « %(field)s » absente (option %(option)s). Colonnes du fichier : %(fields)s.")
            % {"field": wanted, "option": option, "fields": ", ".join(self.fields)}
        )


def sniff_delimiter(header_line: str) -> str:
    """The separator the header line uses most (a single-column file gets `,`)."""
    counts = {d: header_line.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def read_table(path: Path) -> Table:
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ImportRefused(
            _("Impossible de lire « %(path)s » : %(error)s.") % {"path": path, "error": error}
        ) from None
    encoding = "utf-8-sig"
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError:
        encoding = "cp1252"
        text = raw.decode(encoding, errors="replace")
    if not text.strip():
        raise ImportRefused(_("Le fichier « %(name)s » est vide.") % {"name": path.name})
    delimiter = sniff_delimiter(text.lstrip().splitlines()[0])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
        while not any(cell.strip() for cell in header):
            header = next(reader)
        header_end = reader.line_num
        fields = [name.strip() for name in header]
        rows: list[TableRow] = []
        start = header_end + 1
        for cells in reader:
            if any(cell.strip() for cell in cells):
                values = {name: (cells[i].strip() if i < len(cells) else "") for i, name in enumerate(fields)}
                extra = any(cell.strip() for cell in cells[len(fields) :])
                rows.append(TableRow(start, values, extra))
            start = reader.line_num + 1
    except StopIteration:
        raise ImportRefused(_("Le fichier « %(name)s » est vide.") % {"name": path.name}) from None
    except csv.Error as error:
        raise ImportRefused(
            _("Fichier CSV illisible, ligne %(line)d : %(error)s.") % {"line": reader.line_num, "error": error}
        ) from None
    if not rows:
        raise ImportRefused(_("Le fichier « %(name)s » n'a aucune ligne de données.") % {"name": path.name})
    return Table(fields, rows, delimiter, encoding)
