from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.gis.geos import MultiPolygon, Point
from django.core.management import call_command
from django.core.management.base import CommandError

from geo.importers.names import NameIndex, name_key
from geo.models import Area, BoundarySet, Level
from tests.builders import box, make_area

pytestmark = pytest.mark.django_db


def run(*args: object) -> str:
    out, err = StringIO(), StringIO()
    call_command("import_boundaries", *[str(a) for a in args], stdout=out, stderr=err)
    return out.getvalue()


def square(west: float, south: float, size: float = 0.1) -> list:
    e, n = west + size, south + size
    return [[[west, south], [e, south], [e, n], [west, n], [west, south]]]


def feature(properties: dict, geometry_type: str, coordinates: list) -> dict:
    return {
        "type": "Feature",
        "properties": properties,
        "geometry": {"type": geometry_type, "coordinates": coordinates},
    }


def write_geojson(path: Path, *features: dict, crs: str | None = None) -> Path:
    collection: dict = {"type": "FeatureCollection", "features": list(features)}
    if crs:
        collection["crs"] = {"type": "name", "properties": {"name": crs}}
    path.write_text(json.dumps(collection), encoding="utf-8")
    return path


def ogr2ogr(*args: str) -> None:
    if shutil.which("ogr2ogr") is None:
        pytest.skip("ogr2ogr (gdal-bin) is not installed: cannot build Shapefile/GeoPackage test files")
    subprocess.run(["ogr2ogr", *args], check=True, capture_output=True)


@pytest.fixture
def three_cantons(tmp_path: Path) -> Path:
    """Three cantons of Kozah (in the `world`): a plain Polygon, a bow-tie, and one without a name."""
    bow_tie = [[[1.0, 9.3], [1.1, 9.4], [1.1, 9.3], [1.0, 9.4], [1.0, 9.3]]]
    return write_geojson(
        tmp_path / "cantons.geojson",
        feature({"name": "Lama", "code": "C1", "pref": "Kozah"}, "Polygon", square(1.2, 9.4)),
        feature({"name": "Tcharé", "code": "C2", "pref": "Kozah"}, "Polygon", bow_tie),
        feature({"name": None, "code": "C3", "pref": "Kozah"}, "MultiPolygon", [square(1.3, 9.6)]),
    )


# The real files --------------------------------------------------------------------------------------


def import_osm_regions(shared_data: Path, set_name: str = "OSM") -> str:
    return run(
        "region", shared_data / "regions_osm.geojson", "--code-field", "ISO3166-2", "--set", set_name, "--commit"
    )


def test_osm_regions_become_the_five_regions_with_their_iso_codes(shared_data):
    report = import_osm_regions(shared_data)
    assert "zones créées : 5" in report
    assert "Jeu de limites « OSM » créé ; premier jeu, il est actif." in report
    osm = BoundarySet.objects.get(name="OSM")
    assert osm.is_active
    regions = Area.objects.filter(boundary_set=osm, level=Level.REGION)
    assert dict(regions.values_list("code", "name")) == {
        "TG-S": "Région des Savanes",
        "TG-K": "Région de la Kara",
        "TG-C": "Région Centrale",
        "TG-P": "Région des Plateaux",
        "TG-M": "Région Maritime",
    }
    assert all(r.geom.valid and isinstance(r.geom, MultiPolygon) for r in regions)
    # Lomé and Dapaong, in lon/lat: the axis order came out right.
    assert Area.objects.containing(Point(1.2226, 6.1319, srid=4326), Level.REGION).get().code == "TG-M"
    assert Area.objects.containing(Point(0.2043, 10.8595, srid=4326), Level.REGION).get().code == "TG-S"


def test_reimporting_the_osm_regions_changes_nothing(shared_data):
    import_osm_regions(shared_data)
    before = {a.code: (a.pk, a.geom.wkb) for a in Area.objects.all()}
    report = import_osm_regions(shared_data)
    assert "zones créées : 0" in report
    assert "zones modifiées : 0" in report
    assert "zones inchangées : 5" in report
    assert {a.code: (a.pk, a.geom.wkb) for a in Area.objects.all()} == before


def test_2017_prefectures_go_into_an_older_set_with_regions_found_by_overlap(shared_data):
    import_osm_regions(shared_data)
    report = run(
        "prefecture",
        shared_data / "prefectures_2017_geoboundaries.geojson",
        "--name-field",
        "shapeName",
        "--code-field",
        "shapeID",
        "--set",
        "2017",
        "--commit",
    )
    assert "zones créées : 37" in report
    assert "parents trouvés par recouvrement : 37" in report
    assert "Parents cherchés dans le jeu actif « OSM »." in report
    old = BoundarySet.objects.get(name="2017")
    assert not old.is_active
    assert BoundarySet.objects.get(is_active=True).name == "OSM"
    prefectures = Area.objects.filter(boundary_set=old, level=Level.PREFECTURE)
    assert prefectures.count() == 37
    assert not prefectures.filter(parent=None).exists()
    region_of = dict(prefectures.values_list("name", "parent__code"))
    assert region_of["Golfe"] == "TG-M"
    assert region_of["Lome Commune"] == "TG-M"
    assert region_of["Ogou"] == "TG-P"
    assert region_of["Tchaoudjo"] == "TG-C"
    assert region_of["Kozah"] == "TG-K"
    assert region_of["Tandjouare"] == "TG-S"
    assert region_of["Plaine de Mô"] == "TG-C"
    # The five prefectures Savanes had before 2019 (Kpendjal-Ouest and Oti-Sud came later).
    assert {name for name, code in region_of.items() if code == "TG-S"} == {
        "Cinkassé",
        "Kpendjal",
        "Oti",
        "Tandjouare",
        "Tone",
    }
    # The active set is untouched: still 5 regions and no prefecture.
    assert Area.objects.active().count() == 5


# Geometry ---------------------------------------------------------------------------------------------


def test_bow_tie_is_repaired_polygon_becomes_multipolygon_and_unnamed_feature_kept_under_its_code(world, three_cantons):
    report = run("canton", three_cantons, "--code-field", "code", "--parent-field", "pref", "--commit")
    assert "zones créées : 3" in report
    assert "polygones réparés : 1" in report
    assert "entités sans nom (gardées sous leur code) : 1" in report
    assert "entité 2 (Tcharé) : polygone invalide réparé" in report
    assert "entité 3 (C3) : sans nom : gardée sous son code C3" in report
    assert "parents trouvés par le nom : 3" in report
    new = {a.code: a for a in Area.objects.filter(level=Level.CANTON, code__in=["C1", "C2", "C3"])}
    assert new["C3"].name == "C3"
    assert all(isinstance(a.geom, MultiPolygon) and a.geom.valid for a in new.values())
    assert len(new["C1"].geom) == 1
    assert len(new["C2"].geom) == 2  # the bow-tie's two triangles
    assert new["C2"].geom.area == pytest.approx(0.005)
    assert {a.parent for a in new.values()} == {world.kozah}


def test_projected_utm_31n_file_is_reprojected_to_lon_lat(world, tmp_path):
    source = write_geojson(tmp_path / "wgs84.geojson", feature({"name": "Pya"}, "Polygon", square(1.1, 9.5)))
    projected = tmp_path / "utm.geojson"
    ogr2ogr("-f", "GeoJSON", "-s_srs", "EPSG:4326", "-t_srs", "EPSG:32631", str(projected), str(source))
    assert json.loads(projected.read_text())["features"][0]["geometry"]["coordinates"][0][0][0] > 100_000
    run("canton", projected, "--commit")
    pya = Area.objects.get(code="PYA")
    west, south, east, north = pya.geom.extent
    assert (west, south, east, north) == pytest.approx((1.1, 9.5, 1.2, 9.6), abs=1e-7)
    assert pya.parent == world.kozah


def test_zipped_shapefile_and_geopackage_are_read(world, three_cantons, tmp_path):
    shapefile_dir = tmp_path / "shp"
    ogr2ogr("-f", "ESRI Shapefile", "-t_srs", "EPSG:32631", str(shapefile_dir), str(three_cantons))
    archive = tmp_path / "cantons.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for part in shapefile_dir.iterdir():
            zipped.write(part, part.name)
    geopackage = tmp_path / "cantons.gpkg"
    ogr2ogr("-f", "GPKG", str(geopackage), str(three_cantons))

    assert "zones créées : 3" in run("canton", archive, "--code-field", "code", "--set", "shp", "--commit")
    assert "zones créées : 3" in run("canton", geopackage, "--code-field", "code", "--set", "gpkg", "--commit")
    for set_name in ("shp", "gpkg"):
        lama = Area.objects.get(boundary_set__name=set_name, code="C1")
        assert lama.name == "Lama"
        assert lama.geom.extent == pytest.approx((1.2, 9.4, 1.3, 9.5), abs=1e-7)
        # Cantons of a set without prefectures take their parent from the active set.
        assert lama.parent == world.kozah


# Parents -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        ("Agoè-Nyivé", "Agouè-Nyivé"),
        ("Tandjoaré", "Tandjouaré"),
        ("Centre", "Région Centrale"),
        ("Kandé", "Kanté"),
        ("BAS MONO", "Bas-Mono"),
        ("préfecture de la Kozah", "Kozah"),
        ("TG-C", "Région Centrale"),  # by code
    ],
)
def test_a_spelling_variant_finds_its_place(written, meant):
    places = ["Agouè-Nyivé", "Tandjouaré", "Région Centrale", "Kanté", "Bas-Mono", "Kozah", "Kara", "Vo", "Yoto"]
    index = NameIndex(places, lambda p: [p], lambda p: "TG-C" if p == "Région Centrale" else "")
    assert index.match(written) == meant


@pytest.mark.parametrize("written", ["Keran", "Yo", "Oto", "Lomé", ""])
def test_a_different_name_finds_nothing(written):
    index = NameIndex(["Kara", "Vo", "Yoto", "Golfe"], lambda p: [p], lambda p: "")
    assert index.match(written) is None


def test_two_equally_close_names_find_nothing():
    index = NameIndex(["Amlamé", "Amlami"], lambda p: [p], lambda p: "")
    assert name_key("Amlamé") == "amlame"
    assert index.match("Amlama") is None


def test_parent_field_tolerates_spellings_and_falls_back_on_overlap(world, tmp_path):
    centrale = make_area(world.boundary_set, Level.REGION, "TG-C", "Région Centrale", box(1.5, 8.0, 2.0, 9.0))
    path = write_geojson(
        tmp_path / "prefs.geojson",
        feature({"name": "Tchaoudjo", "region": "Centre"}, "Polygon", square(1.6, 8.5)),
        feature({"name": "Dankpen", "region": "KARA"}, "Polygon", square(0.6, 9.1)),
        # Across the Kara–Centrale border, mostly in Centrale.
        feature({"name": "Assoli", "region": "Nulle part"}, "Polygon", square(1.45, 8.9, 0.2)),
    )
    report = run("prefecture", path, "--parent-field", "region", "--commit")
    assert "parents trouvés par le nom : 2" in report
    assert "parents trouvés par recouvrement : 1" in report
    assert "entité 1 (Tchaoudjo) : parent « Centre » lu comme Région Centrale" in report
    assert "entité 3 (Assoli) : parent « Nulle part » introuvable ; trouvé par recouvrement : Région Centrale" in report
    parents = dict(Area.objects.filter(level=Level.PREFECTURE).values_list("code", "parent"))
    assert parents == {
        "KOZ": world.kara.pk,
        "BAS": world.kara.pk,
        "TCHAOUDJO": centrale.pk,
        "DANKPEN": world.kara.pk,
        "ASSOLI": centrale.pk,
    }


def test_parents_come_from_the_same_set_when_it_has_them(world, tmp_path):
    regions = write_geojson(tmp_path / "r.geojson", feature({"name": "Kara"}, "Polygon", square(0.5, 9.0, 1.0)))
    prefectures = write_geojson(tmp_path / "p.geojson", feature({"name": "Kozah"}, "Polygon", square(1.0, 9.3, 0.5)))
    run("region", regions, "--set", "2024", "--commit")
    run("prefecture", prefectures, "--set", "2024", "--commit")
    new_set = BoundarySet.objects.get(name="2024")
    kozah = Area.objects.get(boundary_set=new_set, level=Level.PREFECTURE)
    assert kozah.parent == Area.objects.get(boundary_set=new_set, level=Level.REGION)
    assert kozah.parent != world.kara


# Sets, re-import, dry run -----------------------------------------------------------------------------


def test_reimport_is_unchanged_and_a_new_set_keeps_the_old_one(world, three_cantons):
    run("canton", three_cantons, "--code-field", "code", "--commit")
    first = {a.code: (a.pk, a.name, a.geom.wkb) for a in Area.objects.filter(level=Level.CANTON)}
    report = run("canton", three_cantons, "--code-field", "code", "--commit")
    assert "zones créées : 0" in report
    assert "zones modifiées : 0" in report
    assert "zones inchangées : 3" in report
    assert "zones du jeu absentes du fichier (gardées) : 2" in report  # the world's Lama and Tcharé
    report = run("canton", three_cantons, "--code-field", "code", "--set", "2024", "--commit")
    assert "Jeu de limites « 2024 » créé, inactif (activate_boundary_set pour l'activer)." in report
    assert "zones créées : 3" in report
    assert {
        a.code: (a.pk, a.name, a.geom.wkb)
        for a in Area.objects.filter(level=Level.CANTON, boundary_set=world.boundary_set)
    } == first
    assert Area.objects.filter(boundary_set__name="2024").count() == 3
    assert BoundarySet.objects.get(is_active=True) == world.boundary_set


def test_changed_geometry_is_updated(world, tmp_path):
    path = write_geojson(
        tmp_path / "c.geojson", feature({"name": "Lama", "code": "KOZ-C01"}, "Polygon", square(1.0, 9.3))
    )
    report = run("canton", path, "--code-field", "code", "--commit")
    assert "zones modifiées : 1" in report
    world.lama.refresh_from_db()
    assert world.lama.geom.extent == pytest.approx((1.0, 9.3, 1.1, 9.4))
    assert world.lama.pk == Area.objects.get(code="KOZ-C01").pk


def test_dry_run_writes_nothing_and_says_so(db, three_cantons):
    report = run("region", three_cantons, "--code-field", "code")
    assert "zones créées : 3" in report
    assert report.endswith("Essai à blanc : rien n'a été écrit. Relancer avec --commit pour écrire.\n")
    assert not BoundarySet.objects.exists()
    assert not Area.objects.exists()


# Refused files ----------------------------------------------------------------------------------------


def assert_refused(message: str, *args: object) -> None:
    with pytest.raises(CommandError) as error:
        run(*args)
    assert message in str(error.value)
    assert not Area.objects.exclude(boundary_set__name="Test 2019").exists()
    assert not BoundarySet.objects.exclude(name="Test 2019").exists()


def test_unknown_field_is_refused_listing_the_fields_of_the_file(world, three_cantons):
    assert_refused(
        "Champ « nom » absent (option --name-field). Champs du fichier : name, code, pref.",
        "canton",
        three_cantons,
        "--name-field",
        "nom",
        "--set",
        "x",
        "--commit",
    )


def test_unknown_level_is_refused_listing_the_levels(world, three_cantons):
    assert_refused(
        "Niveau « village » inconnu. Niveaux possibles : region, prefecture, commune, canton.",
        "village",
        three_cantons,
        "--commit",
    )


def test_french_level_names_are_understood(db, three_cantons):
    assert "au niveau region" in run("Régions", three_cantons, "--code-field", "code")


def test_non_geographic_files_are_refused(world, tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("Ceci n'est pas une carte.\n")
    assert_refused("n'est pas un fichier géographique lisible", "canton", text, "--set", "x", "--commit")
    table = tmp_path / "table.csv"
    table.write_text("name,code\nLama,C1\n")
    assert_refused("il ne contient aucune géométrie", "canton", table, "--set", "x", "--commit")
    points = write_geojson(tmp_path / "points.geojson", feature({"name": "Kara"}, "Point", [1.1, 9.5]))
    assert_refused("ne contient pas de polygones (géométries : Point)", "canton", points, "--set", "x", "--commit")


def test_empty_files_are_refused(world, tmp_path):
    empty = tmp_path / "empty.geojson"
    empty.write_bytes(b"")
    assert_refused("n'est pas un fichier géographique lisible", "canton", empty, "--set", "x", "--commit")
    no_features = write_geojson(tmp_path / "none.geojson")
    assert_refused("ne contient aucune entité", "canton", no_features, "--set", "x", "--commit")
    assert_refused("Fichier introuvable", "canton", tmp_path / "absent.shp", "--set", "x", "--commit")


def test_repeated_code_and_missing_geometry_are_rejected_and_the_rest_imported(world, tmp_path):
    path = write_geojson(
        tmp_path / "c.geojson",
        feature({"name": "Landa", "code": "C1"}, "Polygon", square(1.0, 9.3)),
        feature({"name": "Landa bis", "code": "C1"}, "Polygon", square(1.1, 9.3)),
        {"type": "Feature", "properties": {"name": "Sans forme", "code": "C2"}, "geometry": None},
        feature({"name": "", "code": ""}, "Polygon", square(1.2, 9.3)),
    )
    report = run("canton", path, "--code-field", "code", "--commit")
    assert "zones créées : 1" in report
    assert "entités rejetées : 3" in report
    assert "  entité 2 (Landa bis) : code C1 déjà donné à entité 1 (Landa)" in report
    assert "  entité 3 (Sans forme) : pas de géométrie" in report
    assert "  entité 4 : ni nom ni code : impossible de l'identifier" in report
    assert Area.objects.get(code="C1").name == "Landa"
    assert not Area.objects.filter(code="C2").exists()
