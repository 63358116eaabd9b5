"""Normalisation and tokens: the lexical rules shared by every command.

Case and accents do not matter, so matching works on a normalised copy of the text: accents removed
(Unicode NFKD, non-spacing marks dropped), upper-cased, every kind of space (no-break spaces too) turned
into a plain space, and the look-alike quotes, primes and dashes that phones insert turned into their
ASCII forms. The copy keeps a map back to the original, because an alert's text and a chief's name are
kept as typed.

Tokens are runs of letters (`WORD`), runs of ASCII digits (`NUMBER`, so that `EAU1ELEC0` reads
`EAU 1 ELEC 0`) and single other characters (`SYMBOL`: `?`, `'`, `!`...). Whitespace and
`, ; : = / + * # - .` only separate. GPS and INSCR read their arguments from the normalised text
themselves, since there `.`, `,` and `-` can be part of a number or a code.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

SEPARATORS = " ,;:=/+*#-."

# Look-alikes phones produce, mapped before the Unicode decomposition (which would turn `º` into `o`).
_LOOK_ALIKES = {
    "º": "°",
    "˚": "°",
    "′": "'",
    "‘": "'",
    "’": "'",
    "ʼ": "'",
    "´": "'",
    "`": "'",
    "″": '"',
    "“": '"',
    "”": '"',
    "−": "-",
    "‐": "-",
    "‑": "-",
    "–": "-",
    "—": "-",
    "\u200b": " ",  # zero-width space
    "\u2060": " ",  # word joiner
    "\ufeff": " ",  # byte order mark
}

# ASCII text normalises character for character: other spaces become spaces, the back-quote a quote.
_ASCII = str.maketrans(dict.fromkeys("\t\n\r\x0b\x0c\x1c\x1d\x1e\x1f", " ") | {"`": "'"})

_TOKEN = re.compile(r"(?P<number>[0-9]+)|(?P<word>[^\W\d_]+)|(?P<gap>[ ,;:=/+*#.\-]+)|(?P<symbol>.)", re.DOTALL)


class TokenKind(enum.Enum):
    WORD = "word"
    NUMBER = "number"
    SYMBOL = "symbol"


@dataclass(frozen=True, slots=True)
class Token:
    """One token of the normalised text; `start` and `end` index that text."""

    text: str
    kind: TokenKind
    start: int
    end: int
    gap: str  # the separators between the previous token (or the start) and this one

    @property
    def is_word(self) -> bool:
        return self.kind is TokenKind.WORD

    @property
    def is_number(self) -> bool:
        return self.kind is TokenKind.NUMBER


@lru_cache(maxsize=8192)
def _normalise_char(char: str) -> str:
    char = _LOOK_ALIKES.get(char, char)
    if char.isspace():
        return " "
    # Upper-casing can itself produce a combining mark (`ǰ` → `J̌`), hence a second decomposition.
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", char).upper())
    return "".join(c if not c.isspace() else " " for c in decomposed if unicodedata.category(c) != "Mn")


def normalise(text: str) -> str:
    """The matching form of a text: no accents, upper case, plain spaces."""
    return _normalise_with_origin(text)[0]


def _normalise_with_origin(text: str) -> tuple[str, tuple[int, ...] | None]:
    """The normalised text and, unless it is index for index the same, the source index of each character."""
    if text.isascii():
        return text.upper().translate(_ASCII), None
    parts: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        normalised = _normalise_char(char)
        parts.append(normalised)
        origin.extend([index] * len(normalised))
    return "".join(parts), tuple(origin)


@dataclass(frozen=True)
class Lexed:
    """A message read into tokens, with its normalised text and the original beside it."""

    source: str
    text: str
    tokens: tuple[Token, ...]
    origin: tuple[int, ...] | None  # source index of each normalised character; None when the same

    def source_from(self, index: int) -> str:
        """The original text from the character that normalised to `text[index]` on."""
        if self.origin is None:
            return self.source[index:]
        if index >= len(self.origin):
            return ""
        return self.source[self.origin[index] :]


def tokenize(text: str) -> tuple[Token, ...]:
    """Tokens of an already normalised text."""
    tokens: list[Token] = []
    gap = ""
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind == "gap":
            gap = match.group()
            continue
        token_kind = TokenKind.NUMBER if kind == "number" else TokenKind.WORD if kind == "word" else TokenKind.SYMBOL
        tokens.append(Token(match.group(), token_kind, match.start(), match.end(), gap))
        gap = ""
    return tuple(tokens)


def lex(source: str) -> Lexed:
    text, origin = _normalise_with_origin(source)
    return Lexed(source=source, text=text, tokens=tokenize(text), origin=origin)
