"""Exports of statistics and of the village list: CSV, XLSX, GeoJSON, GeoPackage; streamed, scoped, recorded."""
