"""The faces' verbs: recording an export, issuing an API token."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from rest_framework.authtoken.models import Token

from dashboards.models import ExportRecord
from evillage.jurisdiction import Jurisdiction, jurisdiction_of
from geo.models import Area


class TokenRefused(ValueError):
    """API tokens are for the ministry (national scope) only."""


def record_export(
    user: Any, jurisdiction: Jurisdiction, *, dataset: str, file_format: str, parameters: Mapping[str, Any]
) -> ExportRecord:
    if jurisdiction.national:
        scope = "nation"
    else:
        names = Area.objects.filter(pk__in=jurisdiction.prefecture_ids).order_by("name").values_list("name", flat=True)
        scope = ", ".join(names)[:500]
    return ExportRecord.objects.create(
        user=user,
        username=user.get_username(),
        dataset=dataset,
        file_format=file_format,
        parameters=dict(parameters),
        scope=scope,
        with_phones=jurisdiction.national and dataset == "villages",
    )


def issue_api_token(user: AbstractBaseUser, *, rotate: bool = False) -> Token:
    """The user's API token (created if missing; replaced when `rotate`)."""
    if not jurisdiction_of(user).national:
        raise TokenRefused(user.get_username())
    with transaction.atomic():
        if rotate:
            Token.objects.filter(user=user).delete()
        token, _created = Token.objects.get_or_create(user=user)
    return token
