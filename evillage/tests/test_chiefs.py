from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from evillage.models import Chief, ChiefRole, ChiefStatus
from evillage.phones import InvalidPhone, normalize_phone


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("+22890123456", "+22890123456"),
        ("90 12 34 56", "+22890123456"),
        ("0022870123456", "+22870123456"),
        ("228 99 00 11 22", "+22899001122"),
        ("79-11-22-33", "+22879112233"),
    ],
)
def test_togo_mobile_numbers_are_normalised_to_e164(raw, e164):
    assert normalize_phone(raw) == e164


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "manquant"),
        ("bonjour", "pas un numéro"),
        ("+33612345678", "pas un numéro du Togo"),
        ("+2289012345", "8 chiffres"),
        ("+22822212345", "Togocom"),  # a fixed line
        ("+22894123456", "Togocom"),  # outside the mobile ranges
    ],
)
def test_other_numbers_are_refused_with_a_reason(raw, reason):
    with pytest.raises(InvalidPhone) as refused:
        normalize_phone(raw)
    assert reason in refused.value.messages[0]


def test_a_phone_belongs_to_one_active_chief(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        Chief.objects.create(
            full_name="Autre",
            phone=world.chiefs["lama"].phone,
            village=world.villages["bassar"],
            role=ChiefRole.CANTON_CHIEF,
        )
    # A retired chief's phone may be handed to a new chief.
    world.chiefs["lama"].status = ChiefStatus.RETIRED
    world.chiefs["lama"].save()
    Chief.objects.create(full_name="Successeur", phone=world.chiefs["lama"].phone, village=world.villages["lama"])


def test_a_village_has_one_active_village_chief(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        Chief.objects.create(full_name="Second", phone="+22891000000", village=world.villages["lama"])
    Chief.objects.create(
        full_name="En attente", phone="+22891000000", village=world.villages["lama"], status=ChiefStatus.PENDING
    )
