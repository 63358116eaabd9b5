"""The one-edit typo rule."""

from __future__ import annotations

import pytest

from sms_gateway.protocol.typos import Match, match_word, within_one_edit


@pytest.mark.parametrize(
    ("typed", "known", "expected"),
    [
        ("SANTE", "SANTE", True),
        ("SANTR", "SANTE", True),  # one letter wrong
        ("SATE", "SANTE", True),  # one missing
        ("SANNTE", "SANTE", True),  # one extra
        ("SANTEE", "SANTE", True),  # one extra at the end
        ("XSANTE", "SANTE", True),  # one extra at the start
        ("SNATE", "SANTE", True),  # two neighbours swapped
        ("SANET", "SANTE", True),  # the last two swapped
        ("SNATR", "SANTE", False),  # a swap and a wrong letter
        ("STNAE", "SANTE", False),  # letters swapped that are not neighbours
        ("SAN", "SANTE", False),  # two missing
        ("ETNAS", "SANTE", False),
        ("", "E", True),
        ("", "EA", False),
    ],
)
def test_within_one_edit(typed: str, known: str, expected: bool) -> None:
    assert within_one_edit(typed, known) is expected
    assert within_one_edit(known, typed) is expected


VOCABULARY = {"SANTE": "health", "SAN": "health", "EAU": "water", "EAUX": "water", "PONT": "bridge", "PORT": "port"}


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("SANTE", Match("health", "SANTE", corrected=False)),
        ("SAN", Match("health", "SAN", corrected=False)),
        ("SANT", Match("health", "SANTE", corrected=True)),  # also one edit from SAN, which means the same
        ("EAUS", Match("water", "EAUX", corrected=True)),
        ("EUA", None),  # 3-letter keywords are never corrected to
        ("EA", None),
        ("PONR", Match("bridge", "PONT", corrected=True)),
        ("POST", None),  # one edit from PONT and from PORT: ambiguous
        ("SNATR", None),
        ("SANT3", None),
    ],
)
def test_match_word(word: str, expected: Match[str] | None) -> None:
    assert match_word(word, VOCABULARY) == expected


def test_a_short_keyword_of_another_meaning_makes_the_correction_ambiguous() -> None:
    vocabulary = {"POMPE": "pump", "POP": "population"}
    assert match_word("POPE", vocabulary) is None  # one edit from POMPE and from POP
    assert match_word("POMPR", vocabulary) == Match("pump", "POMPE", corrected=True)
