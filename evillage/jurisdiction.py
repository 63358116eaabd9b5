"""Who may see what: the one scope every page, API endpoint and export goes through.

The ministry and administrators see the nation. A prefecture official sees their prefectures and
everything inside them (cantons, communes, villages, chiefs, reports, statistics) — not the region
around them, whose figures mix in other prefectures. Anyone else sees nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from django.db.models import Model, Q, QuerySet

from evillage.models import Official, Role
from geo.models import Level

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class Jurisdiction:
    national: bool
    prefecture_ids: frozenset[int] = frozenset()

    @property
    def is_empty(self) -> bool:
        return not self.national and not self.prefecture_ids

    def scope(self, queryset: QuerySet[M], prefecture_path: str) -> QuerySet[M]:
        """Rows whose prefecture (reached by `prefecture_path`, e.g. `village__prefecture`) is in scope."""
        if self.national:
            return queryset
        return queryset.filter(**{f"{prefecture_path}__in": self.prefecture_ids})

    def areas(self, queryset: QuerySet[M]) -> QuerySet[M]:
        """Areas: the prefectures themselves and the areas inside them (their cantons and communes)."""
        if self.national:
            return queryset
        return queryset.filter(
            Q(level=Level.PREFECTURE, pk__in=self.prefecture_ids) | Q(parent_id__in=self.prefecture_ids)
        )

    def covers_prefecture(self, prefecture_id: int | None) -> bool:
        return self.national or prefecture_id in self.prefecture_ids


NOBODY = Jurisdiction(national=False)
NATION = Jurisdiction(national=True)


def jurisdiction_of(user: Any) -> Jurisdiction:
    """The scope of a user (two queries at most)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return NOBODY
    if user.is_superuser:
        return NATION
    official = Official.objects.filter(user=user).first()
    if official is None:
        return NOBODY
    if official.role in (Role.MINISTRY, Role.ADMINISTRATOR):
        return NATION
    return Jurisdiction(national=False, prefecture_ids=frozenset(official.prefectures.values_list("pk", flat=True)))
