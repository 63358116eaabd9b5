"""Who may open a page: the one gate of every dashboard page, over the one jurisdiction scope.

A visitor who is not logged in is sent to the login page; someone with no jurisdiction gets 403; a row outside
the jurisdiction is a 404, exactly like one that does not exist, so guessing URLs tells an official nothing about
other prefectures.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from evillage.jurisdiction import Jurisdiction, jurisdiction_of

M = TypeVar("M", bound=Model)
ScopedView = Callable[..., HttpResponse]


def scoped_page(view: ScopedView) -> Callable[..., HttpResponse]:
    """Logged in, with a jurisdiction; the view receives it after the request: `view(request, scope, …)`."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        scope = jurisdiction_of(request.user)
        if scope.is_empty:
            raise PermissionDenied
        return view(request, scope, *args, **kwargs)

    return wrapper


def get_in_scope(scope: Jurisdiction, queryset: QuerySet[M], prefecture_path: str, **lookup: Any) -> M:
    """The row of `queryset` matching `lookup` whose prefecture (by `prefecture_path`) is in scope, else 404."""
    return get_object_or_404(scope.scope(queryset, prefecture_path), **lookup)
