"""Bad parameters get a clear 400 naming the parameter; nothing is silently ignored."""

from __future__ import annotations

import json

import pytest

BAD = [
    ("/api/v1/villages/?indicator=beer", "indicator", "Indicateur inconnu"),
    ("/api/v1/villages/?bbox=1,2,3", "bbox", "bbox invalide"),
    ("/api/v1/villages/?bbox=a,b,c,d", "bbox", "bbox invalide"),
    ("/api/v1/villages/?bbox=2,9,1,10", "bbox", "bbox invalide"),  # west east of east
    ("/api/v1/villages/?bbox=0,0,200,10", "bbox", "bbox invalide"),
    ("/api/v1/villages/?bbox=nan,0,1,1", "bbox", "bbox invalide"),
    ("/api/v1/villages/?status=lost", "status", ""),
    ("/api/v1/villages/?prefecture=XYZ", "prefecture", "Zone inconnue"),
    ("/api/v1/villages/?prefecture=TG-K", "prefecture", "Zone inconnue"),  # a region's code is no prefecture
    ("/api/v1/villages/?value=1", "value", "indicator"),
    ("/api/v1/villages/?ordering=phone", "ordering", ""),
    ("/api/v1/villages/?prefectur=KOZ", "prefectur", "Paramètre inconnu"),
    ("/api/v1/areas/?level=district", "level", ""),
    ("/api/v1/areas/?tolerance=-1", "tolerance", "Tolérance invalide"),
    ("/api/v1/areas/?tolerance=abc", "tolerance", "Tolérance invalide"),
    ("/api/v1/areas/?tolerance=5", "tolerance", "Tolérance invalide"),
    ("/api/v1/areas/?tolerance=nan", "tolerance", "Tolérance invalide"),
    ("/api/v1/layers/", "indicator", ""),
    ("/api/v1/layers/?indicator=water&level=village", "level", ""),
    ("/api/v1/layers/?indicator=water&period=2024-13", "period", "Mois invalide"),
    ("/api/v1/layers/?indicator=water&period=mai", "period", "Mois invalide"),
    ("/api/v1/reports/?period_from=2024", "period_from", "Mois invalide"),
    ("/api/v1/reports/?indicator=EAU", "indicator", "Indicateur inconnu"),
    ("/api/v1/reports/?ordering=chief__phone", "ordering", ""),
    ("/api/v1/chiefs/?status=dead", "status", ""),
    ("/api/v1/exports/statistics.csv?decimal=,", "decimal", "sep=;"),
    ("/api/v1/exports/statistics.csv?sep=|", "sep", ""),
    ("/api/v1/exports/statistics.xlsx?period=2024-5", "period", "Mois invalide"),
    ("/api/v1/exports/villages.gpkg?level=prefecture", "level", "Paramètre inconnu"),
]


@pytest.mark.parametrize(("url", "parameter", "message"), BAD, ids=[row[0] for row in BAD])
def test_a_bad_parameter_is_a_400_naming_it(world, clients, url, parameter, message):
    response = clients["ministry"].get(url)
    assert response.status_code == 400
    errors = json.loads(response.content)
    assert parameter in errors
    assert message in " ".join(errors[parameter])


def test_every_bad_parameter_is_reported_at_once(world, clients):
    errors = json.loads(clients["ministry"].get("/api/v1/villages/?bbox=x&indicator=beer&colour=red").content)
    assert set(errors) == {"bbox", "indicator", "colour"}


def test_bad_parameters_are_refused_before_anything_is_exported(world, clients):
    from dashboards.models import ExportRecord

    assert clients["ministry"].get("/api/v1/exports/villages.csv?status=lost").status_code == 400
    assert not ExportRecord.objects.exists()


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/tiles/villages/23/0/0.pbf", 400),
        ("/tiles/villages/7/128/60.pbf", 400),
        ("/tiles/villages/7/64/128.pbf", 400),
        ("/tiles/roads/7/64/60.pbf", 404),
        ("/api/v1/exports/chiefs.csv", 404),
        ("/api/v1/exports/villages.pdf", 404),
    ],
)
def test_out_of_range_tiles_and_unknown_files(world, clients, url, status):
    response = clients["ministry"].get(url)
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
