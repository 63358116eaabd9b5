"""Normalisation and tokens."""

from __future__ import annotations

import pytest

from sms_gateway.protocol.lexer import TokenKind, lex, normalise


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("électricité", "ELECTRICITE"),
        ("Santé École Réseau", "SANTE ECOLE RESEAU"),
        ("e\u0301cole", "ECOLE"),  # decomposed accent
        ("ça", "CA"),
        ("EAU\u00a01\u202fELEC\u20070", "EAU 1 ELEC 0"),  # no-break spaces
        ("EAU\t1\nELEC\r0", "EAU 1 ELEC 0"),
        ("ＥＡＵ１", "EAU1"),  # full width
        ("9º33′04″", "9°33'04\""),
        ("9°33’04”", "9°33'04\""),
        ("−0.15", "-0.15"),
        ("straße", "STRASSE"),
    ],
)
def test_normalise_removes_case_accents_and_look_alikes(text: str, expected: str) -> None:
    assert normalise(text) == expected


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("EAU1ELEC0", ["EAU", "1", "ELEC", "0"]),
        ("ELEC:0 RES=2 SANTE-OUI", ["ELEC", "0", "RES", "2", "SANTE", "OUI"]),
        (" ,;:=/+*#-. ", []),
        ("MERCI!?", ["MERCI", "!", "?"]),
        ("9.5511", ["9", "5511"]),
        ("Amégan", ["AMEGAN"]),
    ],
)
def test_tokens_split_on_separators_and_between_letters_and_digits(text: str, tokens: list[str]) -> None:
    assert [token.text for token in lex(text).tokens] == tokens


def test_tokens_know_their_kind_and_the_separators_before_them() -> None:
    tokens = lex("POP 1.200 ok?").tokens
    assert [(t.text, t.kind, t.gap) for t in tokens] == [
        ("POP", TokenKind.WORD, ""),
        ("1", TokenKind.NUMBER, " "),
        ("200", TokenKind.NUMBER, "."),
        ("OK", TokenKind.WORD, " "),
        ("?", TokenKind.SYMBOL, ""),
    ]


@pytest.mark.parametrize(
    "text", ["ALERTE Pont coupé à Kpélé", "ALERTE Pont coupe a Kpele", "ALE\u0301RTE x", "ﬁ ALERTE"]
)
def test_the_original_text_is_found_again_from_the_normalised_one(text: str) -> None:
    lexed = lex(text)
    last = lexed.tokens[-1]
    assert normalise(lexed.source_from(last.start)) == last.text
    assert lexed.source_from(len(lexed.text)) == ""
