"""The typo rule: how a misspelt keyword is still understood.

A word one edit away (one letter wrong, missing or extra, or two neighbours swapped) from a keyword or alias
of 4 letters or more is read as that keyword, unless it is as close to a word meaning something else.
Keywords of 3 letters or fewer are never a correction's target (too many words are one edit from `EAU`),
but they do count as rivals: `ECOS` is as close to `ECO` as to `ECOLE`, and both mean school, so it reads as
school; were `ECO` to mean something else, `ECOS` would be left unread.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

MIN_CORRECTABLE_LENGTH = 4

Meaning = TypeVar("Meaning", bound=Hashable)


def within_one_edit(typed: str, known: str) -> bool:
    """Whether `typed` is `known` or one substitution, insertion, deletion or adjacent swap away from it."""
    if typed == known:
        return True
    length, known_length = len(typed), len(known)
    if length == known_length:
        differences = [i for i in range(length) if typed[i] != known[i]]
        if len(differences) == 1:
            return True
        if len(differences) == 2:
            first, second = differences
            return second == first + 1 and typed[first] == known[second] and typed[second] == known[first]
        return False
    if abs(length - known_length) != 1:
        return False
    shorter, longer = (typed, known) if length < known_length else (known, typed)
    for i, char in enumerate(shorter):
        if char != longer[i]:
            return shorter[i:] == longer[i + 1 :]
    return True  # the extra letter is the last one


@dataclass(frozen=True)
class Match(Generic[Meaning]):
    """What a word was read as: `keyword` is the vocabulary word it matched."""

    meaning: Meaning
    keyword: str
    corrected: bool


def match_word(word: str, vocabulary: Mapping[str, Meaning]) -> Match[Meaning] | None:
    """Read `word` (normalised) against `vocabulary` (normalised words → meanings): exactly, else by the typo rule."""
    exact = vocabulary.get(word)
    if exact is not None:
        return Match(exact, word, corrected=False)
    if len(word) < MIN_CORRECTABLE_LENGTH - 1 or not word.isalpha():
        return None
    targets: dict[Meaning, str] = {}
    rivals: set[Meaning] = set()
    for known, meaning in vocabulary.items():
        if abs(len(known) - len(word)) > 1 or not within_one_edit(word, known):
            continue
        if len(known) >= MIN_CORRECTABLE_LENGTH:
            targets.setdefault(meaning, known)
        else:
            rivals.add(meaning)
    if len(targets) != 1 or not rivals <= targets.keys():
        return None
    ((meaning, keyword),) = targets.items()
    return Match(meaning, keyword, corrected=True)
