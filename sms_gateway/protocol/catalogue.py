"""The indicator catalogue: which services a report speaks of, and the words for them.

Indicators are data the ministry can extend: a catalogue built from the database works exactly like
`DEFAULT_CATALOGUE`, with no code change. Keywords and value words are stored normalised (upper case,
no accents), so a catalogue may be written `Électricité` or `ELECTRICITE` alike.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from .commands import COMMAND_WORDS
from .lexer import normalise

# The words of the yes/no answers (digits are read as numbers: 1 is yes, 0 is no).
YES_WORDS = ("OUI", "O", "YES", "Y")
NO_WORDS = ("NON", "N", "NO")

# Words of the report extras, which no indicator may take (nor a command keyword).
POPULATION_WORDS = ("POP",)
MONTH_WORDS = ("MOIS", "M")

Value = bool | int


class IndicatorKind(enum.StrEnum):
    YES_NO = "yes_no"  # true or false: the service exists in the village and works today
    SCALE = "scale"  # an integer from 0 to the indicator's `scale_max`


@dataclass(frozen=True)
class Indicator:
    """One service of the catalogue, as chiefs name it by SMS.

    `scale_words` name the values of a scale (`("BON", 2)`); the first word given for a value is its label
    in replies. `label` names the indicator in replies (`Eau`).
    """

    key: str
    keyword: str
    aliases: tuple[str, ...] = ()
    kind: IndicatorKind = IndicatorKind.YES_NO
    scale_max: int = 1
    scale_words: tuple[tuple[str, int], ...] = ()
    card_order: int = 0
    label: str = ""

    def __post_init__(self) -> None:
        # Frozen, so the normalised forms are set through object.__setattr__, once.
        object.__setattr__(self, "keyword", normalise(self.keyword).strip())
        object.__setattr__(self, "aliases", tuple(normalise(a).strip() for a in self.aliases))
        object.__setattr__(self, "scale_words", tuple((normalise(w).strip(), v) for w, v in self.scale_words))
        object.__setattr__(self, "kind", IndicatorKind(self.kind))
        if not self.label:
            object.__setattr__(self, "label", self.keyword.capitalize())
        if not self.key:
            raise ValueError("an indicator needs a key")
        for word in self.words:
            if not word.isalpha():
                raise ValueError(f"indicator {self.key}: keyword {word!r} must be letters only")
        if self.kind is IndicatorKind.SCALE:
            if self.scale_max < 1:
                raise ValueError(f"indicator {self.key}: a scale goes from 0 to at least 1")
            for word, value in self.scale_words:
                if not word.isalpha() or not 0 <= value <= self.scale_max:
                    raise ValueError(f"indicator {self.key}: scale word {word!r}={value} is not usable")
        elif self.scale_words:
            raise ValueError(f"indicator {self.key}: only a scale has scale words")

    @property
    def words(self) -> tuple[str, ...]:
        """The keyword, then its aliases."""
        return (self.keyword, *self.aliases)

    @property
    def value_words(self) -> Mapping[str, Value]:
        """The words accepted as a value of this indicator (digits are read apart)."""
        if self.kind is IndicatorKind.YES_NO:
            return _YES_NO_VALUES
        return dict(self.scale_words)

    def read_value(self, text: str) -> Value | None:
        """The value a token (normalised) gives this indicator, or None when it is not one of its values."""
        if text.isascii() and text.isdigit():
            number = int(text)
            if self.kind is IndicatorKind.YES_NO:
                return {1: True, 0: False}.get(number)
            return number if number <= self.scale_max else None
        return self.value_words.get(text)

    def value_label(self, value: Value) -> str:
        """How a reply names a value: `OUI`, `NON`, `BON`, or the number of a scale without words."""
        if self.kind is IndicatorKind.YES_NO:
            return "OUI" if value else "NON"
        for word, word_value in self.scale_words:
            if word_value == value:
                return word
        return str(int(value))

    def hint(self) -> str:
        """The accepted values, as an error message shows them: `1=oui, 0=non`."""
        if self.kind is IndicatorKind.YES_NO:
            return "1=oui, 0=non"
        labels = {value: word.lower() for word, value in reversed(self.scale_words)}
        if len(labels) == self.scale_max + 1:
            return ", ".join(f"{value}={labels[value]}" for value in range(self.scale_max + 1))
        return f"0 a {self.scale_max}"


_YES_NO_VALUES: Mapping[str, Value] = dict.fromkeys(YES_WORDS, True) | dict.fromkeys(NO_WORDS, False)


@dataclass(frozen=True)
class Catalogue:
    """The indicators of a report, in card order, with the lookup of their keywords and aliases."""

    indicators: tuple[Indicator, ...]
    _by_word: Mapping[str, Indicator] = field(init=False, repr=False, compare=False)
    _value_words: frozenset[str] = field(init=False, repr=False, compare=False)

    def __init__(self, indicators: Iterable[Indicator]) -> None:
        ordered = tuple(sorted(indicators, key=lambda indicator: indicator.card_order))
        by_word: dict[str, Indicator] = {}
        keys: set[str] = set()
        reserved = set(COMMAND_WORDS) | set(POPULATION_WORDS + MONTH_WORDS) | set(_YES_NO_VALUES)
        for indicator in ordered:
            if indicator.key in keys:
                raise ValueError(f"two indicators have the key {indicator.key!r}")
            keys.add(indicator.key)
            for word in indicator.words:
                if word in reserved:
                    raise ValueError(f"indicator {indicator.key}: {word!r} is a word of the protocol itself")
                other = by_word.get(word)
                if other is not None and other is not indicator:
                    raise ValueError(f"indicators {other.key} and {indicator.key} share the word {word!r}")
                by_word[word] = indicator
        value_words = {word for indicator in ordered for word in indicator.value_words}
        clashes = value_words & by_word.keys()
        if clashes:
            raise ValueError(f"words both keywords and values: {sorted(clashes)}")
        object.__setattr__(self, "indicators", ordered)
        object.__setattr__(self, "_by_word", by_word)
        object.__setattr__(self, "_value_words", frozenset(value_words))

    def __iter__(self) -> Iterator[Indicator]:
        return iter(self.indicators)

    def __len__(self) -> int:
        return len(self.indicators)

    @property
    def by_word(self) -> Mapping[str, Indicator]:
        """Every keyword and alias (normalised), card order, keyword before aliases."""
        return self._by_word

    def indicator(self, word: str) -> Indicator | None:
        """The indicator a word names exactly (after normalisation), or None."""
        return self._by_word.get(normalise(word).strip())

    def get(self, key: str) -> Indicator:
        for indicator in self.indicators:
            if indicator.key == key:
                return indicator
        raise KeyError(key)

    def is_value_word(self, word: str) -> bool:
        """Whether a (normalised) word is a value of some indicator: `OUI`, `FAIBLE`..."""
        return word in self._value_words


DEFAULT_CATALOGUE = Catalogue(
    [
        Indicator("water", "EAU", ("EAUX", "FORAGE"), card_order=1, label="Eau"),
        Indicator("electricity", "ELEC", ("ELECT", "ELECTRICITE", "COURANT"), card_order=2, label="Elec"),
        Indicator(
            "network",
            "RES",
            ("RESEAU", "TEL", "GSM"),
            kind=IndicatorKind.SCALE,
            scale_max=2,
            scale_words=(("AUCUN", 0), ("NON", 0), ("FAIBLE", 1), ("BON", 2), ("OUI", 2)),
            card_order=3,
            label="Res",
        ),
        Indicator("health", "SANTE", ("SAN", "USP", "CSP"), card_order=4, label="Sante"),
        Indicator("school", "ECOLE", ("ECO", "EPP"), card_order=5, label="Ecole"),
        Indicator("road", "ROUTE", ("RTE", "PISTE"), card_order=6, label="Route"),
    ]
)
