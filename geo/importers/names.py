"""Place names as people write them, compared without accents, case, punctuation or generic words.

Togo's sources spell the same place differently: Agoè-Nyivé / Agouè-Nyivé, Tandjoaré / Tandjouaré,
Région Centrale / Centre, Kandé / Kanté, Bas-Mono / Bas Mono. `name_key` reduces a name to its
letters and digits, lower-case ASCII, without the generic words ("région", "préfecture", "de", "la"…).
`NameIndex.match` then looks for, in order:

1. a candidate whose code is the text (case-insensitive): files often give the parent's code;
2. a candidate with the same key under one of its names;
3. the one candidate whose key is closest by edit distance, within 1 edit for keys of 4–5 letters and
   2 edits from 6 letters on. Shorter keys must match exactly (Vo, Oti, Zio are real prefectures).

Two candidates at the same best distance, or the same key for two candidates, give no match:
a wrong parent is worse than none (the importer then falls back on the geometry).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from typing import Generic, TypeVar

T = TypeVar("T")

# Words that name the kind of area or join words, not the place itself.
GENERIC_WORDS = frozenset(
    {"region", "prefecture", "canton", "commune", "village", "de", "des", "du", "la", "le", "les", "l", "d"}
)


def name_words(name: str) -> list[str]:
    """The words of `name`, lower-case ASCII, generic words dropped (unless nothing else is left)."""
    text = unicodedata.normalize("NFKD", name or "")
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    words = re.findall(r"[a-z0-9]+", text)
    specific = [w for w in words if w not in GENERIC_WORDS]
    return specific or words


def name_key(name: str) -> str:
    """What two spellings of one place share: `Agoè-Nyivé` and `agoe nyive` both give `agoenyive`."""
    return "".join(name_words(name))


def allowed_edits(key: str) -> int:
    """How many edits a key of this length may differ by and still name the same place."""
    if len(key) >= 6:
        return 2
    if len(key) >= 4:
        return 1
    return 0


def edit_distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance between `a` and `b`, or `limit + 1` as soon as it must exceed `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


class NameIndex(Generic[T]):
    """Finds the one item a written name means, tolerating spelling variants (see the module's text)."""

    def __init__(self, items: Iterable[T], names: Callable[[T], Iterable[str]], code: Callable[[T], str]) -> None:
        self._by_code: dict[str, T] = {}
        self._by_key: dict[str, list[T]] = {}
        for item in items:
            item_code = (code(item) or "").strip().upper()
            if item_code:
                self._by_code[item_code] = item
            for key in {name_key(n) for n in names(item) if n}:
                if key:
                    bucket = self._by_key.setdefault(key, [])
                    if item not in bucket:
                        bucket.append(item)
        self._cache: dict[str, T | None] = {}

    def match(self, text: str) -> T | None:
        text = (text or "").strip()
        if not text:
            return None
        if text not in self._cache:
            self._cache[text] = self._match(text)
        return self._cache[text]

    def _match(self, text: str) -> T | None:
        if text.upper() in self._by_code:
            return self._by_code[text.upper()]
        key = name_key(text)
        if not key:
            return None
        exact = self._by_key.get(key, [])
        if exact:
            return exact[0] if len(exact) == 1 else None
        limit = allowed_edits(key)
        if limit == 0:
            return None
        best: list[T] = []
        best_distance = limit + 1
        for other, items in self._by_key.items():
            # Both spellings must be long enough for the edits: "Kara" is not a misspelling of "Kéran".
            cap = min(limit, allowed_edits(other))
            distance = edit_distance(key, other, cap)
            if distance > cap:
                continue
            if distance < best_distance:
                best, best_distance = list(items), distance
            elif distance == best_distance:
                best.extend(i for i in items if i not in best)
        return best[0] if len(best) == 1 else None
