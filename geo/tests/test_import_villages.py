from __future__ import annotations

import csv
import json
from io import StringIO
from pathlib import Path

import pytest
import shapely
from django.contrib.gis.geos import Point
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import F

from geo.models import Area, BoundarySet, Level, LocationSource, LocationStatus, Village

pytestmark = pytest.mark.django_db

HEADER = "code,name,lat,lon,population,prefecture,canton\n"


def run(path: Path, *args: str) -> str:
    out = StringIO()
    call_command("import_villages", str(path), *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def write(tmp_path: Path, text: str, name: str = "villages.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def declared(path: Path, *args: str) -> str:
    return run(path, "--prefecture-field", "prefecture", "--canton-field", "canton", "--commit", *args)


def village(code: str) -> Village:
    return Village.objects.select_related("canton", "prefecture", "region").get(code=code)


# The real file ------------------------------------------------------------------------------------------


def test_osm_places_are_all_kept_unnamed_under_their_code_and_outsiders_flagged(
    shared_data, django_assert_max_num_queries
):
    common = ["--set", "OSM", "--commit"]
    call_command(
        "import_boundaries", "region", str(shared_data / "regions_osm.geojson"), "--code-field", "ISO3166-2",
        *common, stdout=StringIO(), stderr=StringIO(),
    )  # fmt: skip
    call_command(
        "import_boundaries", "prefecture", str(shared_data / "prefectures_2017_geoboundaries.geojson"),
        "--name-field", "shapeName", *common, stdout=StringIO(), stderr=StringIO(),
    )  # fmt: skip
    with (shared_data / "osm_places_2019.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    # What to expect, computed apart from the database: shapely on the prefectures file itself.
    features = json.loads((shared_data / "prefectures_2017_geoboundaries.geojson").read_text())["features"]
    country = shapely.union_all([shapely.make_valid(shapely.geometry.shape(f["geometry"])) for f in features])
    shapely.prepare(country)
    inside = {r["osm_node_id"] for r in rows if country.intersects(shapely.Point(float(r["lon"]), float(r["lat"])))}
    outside = len(rows) - len(inside)
    unnamed = sum(1 for r in rows if not r["name"].strip())
    assert 0 < outside < 300 and unnamed > 2000  # the file is as PROVENANCE.md describes it

    with django_assert_max_num_queries(25):
        report = run(shared_data / "osm_places_2019.csv", "--code-field", "osm_node_id", "--commit")

    assert f"villages créés : {len(rows)}" in report
    assert "lignes rejetées : 0" in report
    assert f"sans nom (gardés sous leur code) : {unnamed}" in report
    assert f"dont points hors du pays : {outside}" in report
    assert "dont coordonnées inversées, corrigées : 0" in report
    assert f"positions en conflit (à revoir) : {outside}" in report
    assert Village.objects.count() == len(rows)
    assert Village.objects.filter(location_status=LocationStatus.CONFLICT).count() == outside
    assert (
        set(Village.objects.filter(location_status=LocationStatus.UNVERIFIED).values_list("code", flat=True)) == inside
    )
    assert (
        Village.objects.filter(location_note__startswith="point hors du pays ; préfecture la plus proche").count()
        == outside
    )
    unnamed_codes = {r["osm_node_id"] for r in rows if not r["name"].strip()}
    assert set(Village.objects.filter(name__in=unnamed_codes).values_list("code", flat=True)) == unnamed_codes
    dapaong = village("279670201")
    assert (dapaong.name, dapaong.population, dapaong.prefecture.name, dapaong.region.code) == (
        "Dapaong",
        33000,
        "Tone",
        "TG-S",
    )
    assert dapaong.location.coords == (0.2043122, 10.8595454)
    # Every village's region is its prefecture's.
    assert not Village.objects.exclude(region=F("prefecture__parent")).exists()

    with django_assert_max_num_queries(25):
        again = run(shared_data / "osm_places_2019.csv", "--code-field", "osm_node_id", "--commit")
    assert f"villages inchangés : {len(rows)}" in again
    assert "villages créés : 0" in again
    assert "villages modifiés : 0" in again


# Placement ------------------------------------------------------------------------------------------------


def test_points_inside_are_placed_in_canton_prefecture_and_region(world, tmp_path):
    path = write(tmp_path, HEADER + "k-10,Pya,9.55,1.05,,,\nB-10,Kabou,9.45,0.8,1500,,\n")
    report = run(path, "--commit")
    assert "villages créés : 2" in report
    assert "positions en conflit (à revoir) : 0" in report
    pya, kabou = village("K-10"), village("B-10")
    assert (pya.canton, pya.prefecture, pya.region) == (world.lama, world.kozah, world.kara)
    assert (kabou.canton, kabou.prefecture, kabou.region, kabou.population) == (None, world.bassar, world.kara, 1500)
    assert pya.location_status == kabou.location_status == LocationStatus.UNVERIFIED
    assert pya.location_source == LocationSource.IMPORT
    assert pya.location.coords == (1.05, 9.55)


def test_declared_area_disagreeing_with_the_point_wins_and_is_flagged(world, tmp_path):
    path = write(
        tmp_path,
        HEADER
        + "D-1,Un,9.5,1.1,,,Tcharé\n"  # point in Lama
        + "D-2,Deux,9.5,1.1,,Bassar,\n"  # point in Kozah
        + "D-3,Trois,9.5,1.1,,Préfecture de KOZAH,Lama\n"  # agrees, spelled otherwise
        + "D-4,Quatre,9.5,1.1,,Atlantis,\n",
    )
    report = declared(path)
    assert "positions en conflit (à revoir) : 3" in report
    assert "dont zone déclarée en désaccord avec le point : 2" in report
    assert "ligne 2 (D-1) : le point est dans le canton Lama, canton déclaré : Tcharé" in report
    assert "ligne 3 (D-2) : le point est dans la préfecture Kozah, préfecture déclarée : Bassar" in report
    assert "ligne 5 (D-4) : préfecture déclarée « Atlantis » inconnue" in report
    one, two, three, four = (village(f"D-{i}") for i in range(1, 5))
    assert (one.canton, one.prefecture, one.location_status) == (world.tchare, world.kozah, LocationStatus.CONFLICT)
    assert (two.canton, two.prefecture, two.location_status) == (None, world.bassar, LocationStatus.CONFLICT)
    assert (three.canton, three.location_status, three.location_note) == (world.lama, LocationStatus.UNVERIFIED, "")
    assert (four.canton, four.prefecture, four.location_status) == (world.lama, world.kozah, LocationStatus.CONFLICT)
    assert one.location.coords == (1.1, 9.5)  # the point itself is kept as given


def test_swapped_and_outside_points_are_flagged_not_dropped(world, tmp_path):
    path = write(
        tmp_path,
        HEADER
        + "S-1,Inversé,1.1,9.5,,,\n"  # lat and lon swapped
        + "S-2,Est,9.5,1.6,,,\n"  # east of Kozah, in Benin
        + "S-3,Ouest,9.5,0.3,,,\n"  # west of Bassar, in Ghana
        + "S-4,Ailleurs,6.0,2.5,,Bassar,\n",  # far away, but its prefecture is declared
    )
    report = declared(path)
    assert "villages créés : 4" in report
    assert "dont coordonnées inversées, corrigées : 1" in report
    assert "dont points hors du pays : 3" in report
    assert "ligne 2 (S-1) : coordonnées inversées (lat/lon), corrigées" in report
    assert "ligne 3 (S-2) : point hors du pays ; préfecture la plus proche : Kozah" in report
    assert "ligne 4 (S-3) : point hors du pays ; préfecture la plus proche : Bassar" in report
    assert "ligne 5 (S-4) : point hors du pays ; placé dans la zone déclarée" in report
    swapped = village("S-1")
    assert swapped.location.coords == (1.1, 9.5)
    assert (swapped.canton, swapped.location_status) == (world.lama, LocationStatus.CONFLICT)
    assert swapped.location_note == "coordonnées inversées (lat/lon), corrigées"
    east, west, away = village("S-2"), village("S-3"), village("S-4")
    assert (east.canton, east.prefecture, east.region) == (None, world.kozah, world.kara)
    assert east.location.coords == (1.6, 9.5)
    assert (west.prefecture, away.prefecture) == (world.bassar, world.bassar)
    assert {east.location_status, west.location_status, away.location_status} == {LocationStatus.CONFLICT}


# Bad rows, formats --------------------------------------------------------------------------------------


def test_bad_rows_are_reported_with_line_and_reason_and_good_rows_imported(world, tmp_path):
    path = write(
        tmp_path,
        HEADER
        + "G-1,Bon,9.5,1.1,120,,\n"  # line 2
        + ",Sans code,9.5,1.1,,,\n"  # line 3
        + "G-2,Latitude,abc,1.1,,,\n"  # line 4
        + "g-1,Doublon,9.5,1.1,,,\n"  # line 5
        + "G-3,Négatif,9.5,1.1,-5,,\n"  # line 6
        + "G-4,Décimal,9.5,1.1,12.5,,\n"  # line 7
        + "G-5,Zéro,9.5,1.1,0,,\n"  # line 8
        + "G-6,Pôle,95,1.1,,,\n"  # line 9
        + "G-7,Trop,9.5,1.1,,,,en trop\n"  # line 10
        + "\n"  # line 11: blank, skipped
        + 'G-8,"Sur deux\nlignes",9.5,1.1,,,\n'  # lines 12-13
        + "G-9,Vide,,1.1,,,\n"  # line 14
        + "G-10,Bon aussi,9.6,1.4,1 200,,\n",  # line 15
    )
    report = run(path, "--commit")
    assert "villages créés : 3" in report
    assert "lignes rejetées : 9" in report
    rejected = report.split("Rejets :\n")[1].split("Remarques")[0].split("Écrit")[0]
    assert rejected.splitlines() == [
        "  ligne 3 : code manquant",
        "  ligne 4 : latitude « abc » illisible",
        "  ligne 5 : code G-1 déjà donné ligne 2",
        "  ligne 6 : population « -5 » : un nombre entier positif est attendu",
        "  ligne 7 : population « 12.5 » : un nombre entier positif est attendu",
        "  ligne 8 : population « 0 » : un nombre entier positif est attendu",
        "  ligne 9 : latitude « 95 » impossible (entre -90 et 90)",
        "  ligne 10 : plus de cellules que de colonnes (séparateur ou guillemets ?)",
        "  ligne 14 : latitude manquante",
    ]
    assert dict(Village.objects.filter(code__startswith="G-").values_list("code", "population")) == {
        "G-1": 120,
        "G-8": None,
        "G-10": 1200,
    }
    assert village("G-8").name == "Sur deux\nlignes"


def test_semicolons_decimal_commas_and_bom_are_read(world, tmp_path):
    path = write(tmp_path, "\ufeffCode;Nom;Lat;Lon\nkoz-0100;Kémérida;9,55;1,3\n")
    report = run(path, "--name-field", "nom", "--commit")
    assert "villages créés : 1" in report
    kemerida = village("KOZ-0100")
    assert (kemerida.name, kemerida.location.coords, kemerida.canton) == ("Kémérida", (1.3, 9.55), world.tchare)


def test_windows_1252_file_is_read_and_said(world, tmp_path):
    path = write(tmp_path, "code;name;lat;lon\nW-1;Kémérida;9,55;1,3\n", encoding="cp1252")
    report = run(path, "--commit")
    assert "Fichier lu en Windows-1252 (ce n'est pas de l'UTF-8)." in report
    assert village("W-1").name == "Kémérida"


# Re-import ----------------------------------------------------------------------------------------------


def test_reimport_is_idempotent_and_updates_by_upper_cased_code(world, tmp_path):
    path = write(tmp_path, HEADER + "koz-0001,Lama-Tessi,9.5,1.1,1200,,\nN-1,Nouveau,9.6,1.4,,,\n")
    first = run(path, "--commit")
    # koz-0001 is the world's KOZ-0001, given as the builder made it: nothing to change.
    assert "villages créés : 1" in first
    assert "villages inchangés : 1" in first
    assert Village.objects.filter(code="KOZ-0001").count() == 1
    stamp = village("N-1").updated_at
    second = run(path, "--commit")
    assert "villages créés : 0" in second
    assert "villages modifiés : 0" in second
    assert "villages inchangés : 2" in second
    assert village("N-1").updated_at == stamp
    changed = write(tmp_path, HEADER + "N-1,Nouveau,9.6,1.4,300,,\n", name="changed.csv")
    assert "villages modifiés : 1" in run(changed, "--commit")
    assert village("N-1").population == 300


def test_a_verified_location_survives_a_reimport(world, tmp_path):
    Village.objects.filter(code="KOZ-0001").update(
        location_status=LocationStatus.VERIFIED, location_source=LocationSource.SMS_GPS
    )
    path = write(tmp_path, "code,name,lat,lon,population\nKOZ-0001,Lama Tessi,9.45,1.4,1300\n")
    assert "villages modifiés : 1" in run(path, "--commit")
    lama = village("KOZ-0001")
    assert (lama.name, lama.population) == ("Lama Tessi", 1300)
    assert (lama.location.coords, lama.canton) == ((1.1, 9.5), world.lama)
    assert (lama.location_status, lama.location_source) == (LocationStatus.VERIFIED, LocationSource.SMS_GPS)


def test_dry_run_writes_nothing(world, tmp_path):
    path = write(tmp_path, HEADER + "N-1,Nouveau,9.6,1.4,,,\n")
    report = run(path)
    assert "villages créés : 1" in report
    assert "Essai à blanc : rien n'a été écrit" in report
    assert not Village.objects.filter(code="N-1").exists()


# Refused files ------------------------------------------------------------------------------------------


def assert_refused(message: str, path: Path, *args: str) -> None:
    before = set(Village.objects.values_list("code", flat=True))
    with pytest.raises(CommandError) as error:
        run(path, "--commit", *args)
    assert message in str(error.value)
    assert set(Village.objects.values_list("code", flat=True)) == before


def test_unknown_column_is_refused_listing_the_columns(world, tmp_path):
    path = write(tmp_path, HEADER + "N-1,Nouveau,9.6,1.4,,,\n")
    assert_refused(
        "Colonne « latitude » absente (option --lat-field). "
        "Colonnes du fichier : code, name, lat, lon, population, prefecture, canton.",
        path,
        "--lat-field",
        "latitude",
    )
    assert_refused("Colonne « pop » absente (option --population-field)", path, "--population-field", "pop")


def test_empty_file_and_header_only_file_are_refused(world, tmp_path):
    assert_refused("est vide", write(tmp_path, ""))
    assert_refused("n'a aucune ligne de données", write(tmp_path, HEADER, name="header.csv"))


def test_without_an_active_boundary_set_nothing_can_be_placed(db, tmp_path):
    assert_refused("Aucun jeu de limites actif", write(tmp_path, HEADER + "N-1,Nouveau,9.6,1.4,,,\n"))


def test_an_active_set_without_prefectures_is_refused(db, tmp_path):
    BoundarySet.objects.create(name="vide", is_active=True)
    assert_refused("n'a pas de préfectures", write(tmp_path, HEADER + "N-1,Nouveau,9.6,1.4,,,\n"))


def test_only_the_active_set_places_villages(world, tmp_path):
    # Lookups use the active set only: an older set's prefecture holding the point does not place it.
    old = BoundarySet.objects.create(name="2017")
    Area.objects.create(boundary_set=old, level=Level.PREFECTURE, code="X", name="Ancienne", geom=world.kozah.geom)
    path = write(tmp_path, HEADER + "N-1,Nouveau,9.6,1.4,,,\n")
    run(path, "--commit")
    assert Point(1.4, 9.6, srid=4326).within(Area.objects.get(code="X").geom)
    assert village("N-1").prefecture == world.kozah


def test_4300_villages_are_placed_in_a_handful_of_queries(world, tmp_path, django_assert_max_num_queries):
    # A grid over Kozah and Bassar, with a column east of Kozah (outside) and one with lat/lon swapped.
    lines = [HEADER]
    for i in range(4300):
        lon, lat = 0.553 + (i % 100) * 0.009, 9.31 + (i // 100) * 0.011  # never on a border
        if i % 100 == 99:
            lon = 1.6  # outside, east of Kozah
        if i % 100 == 98:
            lon, lat = lat, lon
        lines.append(f"V-{i},Village {i},{lat},{lon},{i + 1},,\n")
    path = write(tmp_path, "".join(lines))
    with django_assert_max_num_queries(30):
        report = run(path, "--commit")
    assert "villages créés : 4300" in report
    assert "dont points hors du pays : 43" in report
    assert "dont coordonnées inversées, corrigées : 43" in report
    assert "  … et 36 autres remarques (--verbosity 2 pour tout voir).\n" in report  # 86 remarks, 50 shown
    assert Village.objects.filter(code__startswith="V-").count() == 4300
    assert Village.objects.filter(code__startswith="V-", location_status=LocationStatus.CONFLICT).count() == 86
    in_lama = Village.objects.filter(code__startswith="V-", canton=world.lama).count()
    assert in_lama == Village.objects.filter(code__startswith="V-", location__within=world.lama.geom).count() > 0
