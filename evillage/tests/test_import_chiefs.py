from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from evillage.importers import parse_role
from evillage.models import Chief, ChiefRole, ChiefStatus
from evillage.phones import InvalidPhone, normalize_phone
from evillage.services import ChiefConflict, ChiefEntry, upsert_chief
from geo.services import Outcome
from tests.builders import make_village

pytestmark = pytest.mark.django_db

HEADER = "name,phone,village_code,role\n"


@pytest.fixture
def villages(world):
    """Two villages of Kozah without a chief, beside the world's three."""
    return {
        code: make_village(code, name, 1.1, 9.6, world.lama, world.kozah)
        for code, name in [("KOZ-0003", "Landa"), ("KOZ-0004", "Pya")]
    }


def run(path: Path, *args: str) -> str:
    out = StringIO()
    call_command("import_chiefs", str(path), *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def write(tmp_path: Path, text: str, name: str = "chefs.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def rejected_lines(report: str) -> list[str]:
    return report.split("Rejets :\n")[1].split("Écrit")[0].split("Essai")[0].splitlines()


def phone_message(raw: str) -> str:
    with pytest.raises(InvalidPhone) as error:
        normalize_phone(raw)
    return error.value.messages[0]


def test_good_rows_become_active_chiefs(villages, tmp_path):
    path = write(
        tmp_path,
        HEADER
        + "Afi Mensah,91 22 33 44,koz-0003,chef de village\n"
        + "Komla Agbeko,0022898765432,KOZ-0004,Chef de Canton\n"
        + "Ama Dzifa,+228 70 00 00 01,KOZ-0004,\n",
    )
    report = run(path, "--commit")
    assert "chefs créés : 3" in report
    assert "lignes rejetées : 0" in report
    chiefs = {c.phone: (c.full_name, c.village.code, c.role, c.status) for c in Chief.objects.select_related("village")}
    assert chiefs["+22891223344"] == ("Afi Mensah", "KOZ-0003", ChiefRole.VILLAGE_CHIEF, ChiefStatus.ACTIVE)
    assert chiefs["+22898765432"] == ("Komla Agbeko", "KOZ-0004", ChiefRole.CANTON_CHIEF, ChiefStatus.ACTIVE)
    assert chiefs["+22870000001"] == ("Ama Dzifa", "KOZ-0004", ChiefRole.VILLAGE_CHIEF, ChiefStatus.ACTIVE)
    assert Chief.objects.count() == 6


def test_bad_rows_are_reported_with_line_and_reason(world, villages, tmp_path):
    path = write(
        tmp_path,
        HEADER
        + "Afi Mensah,12345,KOZ-0003,village\n"  # 2
        + "Afi Mensah,91223344,XX-9,village\n"  # 3
        + "Afi Mensah,90112233,KOZ-0003,village\n"  # 4: the world's Kossi Amegan holds this phone
        + "Afi Mensah,91223344,KOZ-0001,village\n"  # 5: Lama-Tessi has its village chief
        + "Afi Mensah,91223345,KOZ-0003,maire\n"  # 6
        + ",91223346,KOZ-0003,village\n"  # 7
        + "Afi Mensah,91223347,KOZ-0003,village\n"  # 8: good
        + "Afi Mensah,+22891223347,KOZ-0004,canton\n"  # 9: same phone as line 8
        + "Kodjo,91223348,KOZ-0003,village\n"  # 10: KOZ-0003 got its chief on line 8
        + "Kodjo,91223349,KOZ-0001,canton\n",  # 11: good, a canton chief beside the village chief
    )
    report = run(path, "--commit")
    assert "chefs créés : 2" in report
    assert "lignes rejetées : 8" in report
    assert rejected_lines(report) == [
        f"  ligne 2 : {phone_message('12345')}",
        "  ligne 3 : village « XX-9 » inconnu",
        "  ligne 4 : le numéro +22890112233 est déjà celui de Kossi Amegan, chef actif de Lama-Tessi (KOZ-0001)",
        "  ligne 5 : le village Lama-Tessi (KOZ-0001) a déjà un chef de village actif : Kossi Amegan (+22890112233)",
        "  ligne 6 : rôle « maire » inconnu (chef de village ou chef de canton attendu)",
        "  ligne 7 : nom manquant",
        "  ligne 9 : numéro +22891223347 déjà donné ligne 8",
        "  ligne 10 : le village Landa (KOZ-0003) a déjà un chef de village actif : Afi Mensah (+22891223347)",
    ]
    assert set(Chief.objects.values_list("phone", "village__code", "role")) == {
        ("+22890112233", "KOZ-0001", ChiefRole.VILLAGE_CHIEF),
        ("+22870112233", "KOZ-0002", ChiefRole.CANTON_CHIEF),
        ("+22899112233", "BAS-0001", ChiefRole.VILLAGE_CHIEF),
        ("+22891223347", "KOZ-0003", ChiefRole.VILLAGE_CHIEF),
        ("+22891223349", "KOZ-0001", ChiefRole.CANTON_CHIEF),
    }


def test_reimport_is_idempotent_and_a_new_name_updates(villages, tmp_path):
    path = write(tmp_path, HEADER + "Afi Mensah,91223344,KOZ-0003,village\nKossi Amegan,90112233,KOZ-0001,village\n")
    first = run(path, "--commit")
    assert "chefs créés : 1" in first
    assert "chefs inchangés : 1" in first  # the world's Kossi Amegan, as he is
    afi = Chief.objects.get(phone="+22891223344")
    second = run(path, "--commit")
    assert "chefs créés : 0" in second
    assert "chefs inchangés : 2" in second
    renamed = write(tmp_path, HEADER + "Afi Mensah-Kodjo,91223344,KOZ-0003,village\n", name="renamed.csv")
    assert "chefs modifiés (ou activés) : 1" in run(renamed, "--commit")
    afi_after = Chief.objects.get(phone="+22891223344")
    assert (afi_after.pk, afi_after.full_name) == (afi.pk, "Afi Mensah-Kodjo")
    assert Chief.objects.count() == 4


def test_a_pending_registration_is_activated_and_a_retired_chief_does_not_block(villages, tmp_path):
    pending = Chief.objects.create(
        full_name="Afi", phone="+22891223344", village=villages["KOZ-0003"], status=ChiefStatus.PENDING
    )
    Chief.objects.create(full_name="Ancien", phone="+22891223355", village=villages["KOZ-0004"], status="retired")
    path = write(tmp_path, HEADER + "Afi Mensah,91223344,KOZ-0003,village\nNouveau,91223355,KOZ-0004,village\n")
    report = run(path, "--commit")
    assert "chefs modifiés (ou activés) : 1" in report
    assert "chefs créés : 1" in report
    pending.refresh_from_db()
    assert (pending.status, pending.full_name) == (ChiefStatus.ACTIVE, "Afi Mensah")
    assert Chief.objects.filter(phone="+22891223355").count() == 2
    assert Chief.objects.get(phone="+22891223355", status=ChiefStatus.ACTIVE).full_name == "Nouveau"


def test_other_column_names_and_semicolons(villages, tmp_path):
    path = write(tmp_path, "\ufeffNom;Téléphone;Village;Fonction\nAfi Mensah;91 22 33 44;KOZ-0003;Chef de canton\n")
    report = run(
        path, "--name-field", "nom", "--phone-field", "téléphone", "--village-field", "village", "--role-field",
        "fonction", "--commit",
    )  # fmt: skip
    assert "chefs créés : 1" in report
    assert Chief.objects.get(phone="+22891223344").role == ChiefRole.CANTON_CHIEF


def test_dry_run_writes_nothing(villages, tmp_path):
    report = run(write(tmp_path, HEADER + "Afi Mensah,91223344,KOZ-0003,village\n"))
    assert "chefs créés : 1" in report
    assert "Essai à blanc : rien n'a été écrit" in report
    assert not Chief.objects.filter(phone="+22891223344").exists()


def test_unknown_column_is_refused_listing_the_columns(villages, tmp_path):
    path = write(tmp_path, "nom,phone,village_code\nAfi,91223344,KOZ-0003\n")
    with pytest.raises(CommandError) as error:
        run(path, "--commit")
    assert (
        str(error.value)
        == "Colonne « name » absente (option --name-field). Colonnes du fichier : nom, phone, village_code."
    )
    with pytest.raises(CommandError, match="Colonne « fonction » absente"):
        run(path, "--name-field", "nom", "--role-field", "fonction", "--commit")
    assert Chief.objects.count() == 3


@pytest.mark.parametrize(
    ("text", "role"),
    [
        ("village", ChiefRole.VILLAGE_CHIEF),
        ("Chef de village", ChiefRole.VILLAGE_CHIEF),
        ("CHEF DU VILLAGE", ChiefRole.VILLAGE_CHIEF),
        ("", ChiefRole.VILLAGE_CHIEF),
        ("canton", ChiefRole.CANTON_CHIEF),
        ("chef de canton", ChiefRole.CANTON_CHIEF),
        ("Chef-de-Canton", ChiefRole.CANTON_CHIEF),
        ("maire", None),
        ("chef", None),
    ],
)
def test_roles_are_read_in_english_and_french(text, role):
    assert parse_role(text) == role


def test_upsert_chief_raises_the_conflict(world, villages):
    with pytest.raises(ChiefConflict, match="déjà celui de Kossi Amegan"):
        upsert_chief(ChiefEntry("Afi", "90 11 22 33", villages["KOZ-0003"]))
    chief, outcome = upsert_chief(ChiefEntry("Afi", "90 11 22 44", villages["KOZ-0003"]))
    assert (chief.phone, chief.status, outcome) == ("+22890112244", ChiefStatus.ACTIVE, Outcome.CREATED)
    with pytest.raises(InvalidPhone):
        upsert_chief(ChiefEntry("Afi", "12", villages["KOZ-0004"]))
