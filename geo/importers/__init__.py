"""Importers: read files from outside (boundaries, village lists, chief lists), check every row, and write
through the verbs of `geo.services` (and `evillage.services` for chiefs).

Each importer does all its work inside one transaction and rolls it back unless asked to commit, so a
dry run prints the very report a real run would. A file that cannot be read at all raises `ImportRefused`
and nothing is written; a bad row is reported with its line number and the good rows are imported.
"""

from __future__ import annotations


class ImportRefused(Exception):
    """The file as a whole cannot be imported (unreadable, empty, unknown field…); the message says why."""
