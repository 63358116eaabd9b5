"""The one way a page of places reaches a row: through the user's jurisdiction, or not at all.

Someone with no jurisdiction gets 403; a row outside it is a 404, exactly like a code that does not exist,
so that guessing URLs tells an official nothing about other prefectures.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from evillage.jurisdiction import Jurisdiction, jurisdiction_of

M = TypeVar("M", bound=Model)


def get_in_scope(request: HttpRequest, queryset: QuerySet[M], prefecture_path: str, **lookup: Any) -> M:
    """The row of `queryset` matching `lookup` whose prefecture (by `prefecture_path`) the user sees, else 404."""
    scope = jurisdiction_or_403(request)
    return get_object_or_404(scope.scope(queryset, prefecture_path), **lookup)


def jurisdiction_or_403(request: HttpRequest) -> Jurisdiction:
    scope = jurisdiction_of(request.user)
    if scope.is_empty:
        raise PermissionDenied
    return scope
