"""Generated messages: `parse` never raises and always returns a well-formed result; valid messages read right."""

from __future__ import annotations

import datetime as dt
import json
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sms_gateway.protocol import (
    DEFAULT_CATALOGUE,
    Catalogue,
    ErrorCode,
    Indicator,
    IndicatorKind,
    ParseResult,
    WarningCode,
    parse,
)
from sms_gateway.protocol.catalogue import MONTH_WORDS, NO_WORDS, POPULATION_WORDS, YES_WORDS
from sms_gateway.protocol.commands import COMMAND_WORDS
from sms_gateway.protocol.typos import match_word, within_one_edit

from .expected import TODAY


def fuzz(examples: int) -> settings:
    """Settings of a property test: no deadline (CI machines vary), no example database in the checkout."""
    return settings(max_examples=examples, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


SHAPES = {
    "report": ["command", "values", "population", "period", "warnings", "errors"],
    "gps": ["command", "lat", "lon", "swapped", "warnings", "errors"],
    "register": ["command", "village_code", "name", "warnings", "errors"],
    "alert": ["command", "text", "warnings", "errors"],
    "help": ["command", "warnings", "errors"],
    "invalid": ["command", "warnings", "errors"],
}
EMPTY_WHEN_REFUSED: dict[str, dict[str, object]] = {
    "report": {"values": {}, "population": None, "period": None},
    "gps": {"lat": None, "lon": None, "swapped": False},
    "register": {"village_code": None, "name": None},
    "alert": {"text": None},
    "help": {},
    "invalid": {},
}
ERROR_CODES = {code.value for code in ErrorCode}
WARNING_CODES = {code.value for code in WarningCode}
# GSM 03.38 basic character set: what a reply can carry in one septet per character.
GSM7 = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿"
    "abcdefghijklmnopqrstuvwxyzäöñüà"
)
PERIOD = re.compile(r"^(\d{4})-(\d{2})$")
SEPARATORS = [" ", "  ", ",", ";", ":", "=", "/", "+", "*", "#", "-", ".", "\u00a0", "\n", "\t", ", ", " - "]


def assert_well_formed(result: ParseResult, catalogue: Catalogue = DEFAULT_CATALOGUE, today: dt.date = TODAY) -> None:
    data = result.as_dict()
    command = data["command"]
    assert isinstance(command, str) and command in SHAPES
    assert list(data) == SHAPES[command]
    assert json.loads(result.to_json()) == data
    json.dumps(data, ensure_ascii=True, allow_nan=False)
    for key, allowed in (("errors", ERROR_CODES), ("warnings", WARNING_CODES)):
        entries = data[key]
        assert isinstance(entries, list)
        for entry in entries:
            assert list(entry) == ["code", "message"]
            assert entry["code"] in allowed
            message = entry["message"]
            assert message and len(message) <= 100 and set(message) <= GSM7, message
    errors = data["errors"]
    assert isinstance(errors, list) and len(errors) <= 1
    if errors:
        assert {key: data[key] for key in EMPTY_WHEN_REFUSED[command]} == EMPTY_WHEN_REFUSED[command]
        return
    assert command != "invalid"
    if command == "report":
        _assert_valid_report(data, catalogue, today)
    elif command == "gps":
        lat, lon = data["lat"], data["lon"]
        assert isinstance(lat, float) and isinstance(lon, float)
        assert 6.0 <= lat <= 11.2 and -0.2 <= lon <= 1.9
        assert isinstance(data["swapped"], bool)
    elif command == "register":
        code, name = data["village_code"], data["name"]
        assert isinstance(code, str) and code and code == code.upper() and not any(c.isspace() for c in code)
        assert name is None or (isinstance(name, str) and name == " ".join(name.split()) and name)
    elif command == "alert":
        text = data["text"]
        assert isinstance(text, str) and text.strip() and len(text) <= 300


def _assert_valid_report(data: dict[str, object], catalogue: Catalogue, today: dt.date) -> None:
    period = data["period"]
    assert isinstance(period, str)
    match = PERIOD.match(period)
    assert match is not None
    months_back = (today.year - int(match.group(1))) * 12 + today.month - int(match.group(2))
    assert 0 <= months_back <= 3 and 1 <= int(match.group(2)) <= 12
    values = data["values"]
    assert isinstance(values, dict) and values
    keys = [indicator.key for indicator in catalogue]
    assert list(values) == [key for key in keys if key in values]
    for key, value in values.items():
        indicator = catalogue.get(key)
        if indicator.kind is IndicatorKind.YES_NO:
            assert isinstance(value, bool)
        else:
            assert type(value) is int and 0 <= value <= indicator.scale_max
    population = data["population"]
    assert population is None or (type(population) is int and 1 <= population <= 200_000)


# Any text at all.


@fuzz(800)
@given(st.text(max_size=700))
def test_any_text_gives_a_well_formed_result(text: str) -> None:
    assert_well_formed(parse(text, DEFAULT_CATALOGUE, TODAY))


@fuzz(200)
@given(st.text(min_size=400, max_size=640))
def test_long_texts_within_the_limit_are_read(text: str) -> None:
    assert_well_formed(parse(text, DEFAULT_CATALOGUE, TODAY))


@fuzz(100)
@given(st.text(min_size=641, max_size=5000))
def test_texts_over_the_limit_are_refused_whole(text: str) -> None:
    result = parse(text, DEFAULT_CATALOGUE, TODAY)
    assert_well_formed(result)
    assert [error.code for error in result.errors] == [ErrorCode.TOO_LONG]


@fuzz(200)
@given(st.text(alphabet=" ,;:=/+*#-.\u00a0\u202f\t\n\r", max_size=80))
def test_separators_only_ask_for_help(text: str) -> None:
    assert parse(text, DEFAULT_CATALOGUE, TODAY).as_dict() == {"command": "help", "warnings": [], "errors": []}


# Mixtures of protocol words, numbers and noise.

WORDS = sorted(
    {*COMMAND_WORDS, *DEFAULT_CATALOGUE.by_word, *YES_WORDS, *NO_WORDS, *POPULATION_WORDS, *MONTH_WORDS}
    | {"AUCUN", "FAIBLE", "BON", "MERCI", "CHEF", "KOFFI", "N", "E", "S", "W", "O", "D", "NORD", "EST", "°", "'", '"'}
)
FRAGMENTS = st.one_of(
    st.sampled_from(WORDS),
    st.sampled_from(WORDS).map(str.lower),
    st.sampled_from(WORDS).map(lambda word: word[:-1] if len(word) > 3 else word),
    st.integers(0, 300_000).map(str),
    st.decimals(min_value=-2, max_value=12, places=4, allow_nan=False, allow_infinity=False).map(str),
    st.sampled_from(["9.5511", "1.1862", "9,5511", "9°33'04\"N", "1d11m10sE", "KLO-0231", "10/2026", "12/2026"]),
    st.text(max_size=6),
)


MIXTURES = st.lists(st.tuples(FRAGMENTS, st.sampled_from(["", *SEPARATORS])), max_size=20).map(
    lambda items: "".join(fragment + separator for fragment, separator in items)
)


@fuzz(600)
@given(MIXTURES)
def test_mixtures_of_words_numbers_and_noise_give_well_formed_results(text: str) -> None:
    assert_well_formed(parse(text, DEFAULT_CATALOGUE, TODAY))


# Valid reports, generated with their expected values.

SPELLINGS: dict[bool | int, list[str]] = {
    True: ["1", "OUI", "O", "YES", "Y", "oui", "Oui"],
    False: ["0", "NON", "N", "NO", "non"],
}
SCALE_SPELLINGS: dict[int, list[str]] = {0: ["0", "AUCUN", "NON"], 1: ["1", "FAIBLE", "faible"], 2: ["2", "BON", "OUI"]}


def _spellings(indicator: Indicator, value: bool | int) -> list[str]:
    return SPELLINGS[value] if indicator.kind is IndicatorKind.YES_NO else SCALE_SPELLINGS[int(value)]


def _value(indicator: Indicator) -> st.SearchStrategy[bool | int]:
    if indicator.kind is IndicatorKind.YES_NO:
        return st.booleans()
    return st.integers(0, indicator.scale_max)


def _case(draw: st.DrawFn, word: str) -> str:
    return draw(st.sampled_from([word, word.lower(), word.capitalize()]))


@st.composite
def key_value_reports(draw: st.DrawFn) -> tuple[str, dict[str, bool | int]]:
    chosen = draw(st.lists(st.sampled_from(DEFAULT_CATALOGUE.indicators), min_size=1, max_size=8))
    expected: dict[str, bool | int] = {}
    pairs = []
    for indicator in chosen:
        value = expected.setdefault(indicator.key, draw(_value(indicator)))
        keyword = _case(draw, draw(st.sampled_from(indicator.words)))
        spelling = draw(st.sampled_from(_spellings(indicator, value)))
        glue = "" if spelling.isdigit() else " "
        pairs.append(keyword + draw(st.sampled_from([glue, *SEPARATORS])) + spelling)
    command = draw(st.sampled_from(["RAP ", "rap ", "RAPPORT ", "R ", "RAP:", ""]))
    return command + "".join(pair + draw(st.sampled_from(SEPARATORS)) for pair in pairs), expected


@fuzz(300)
@given(key_value_reports())
def test_generated_key_value_reports_read_exactly_their_values(case: tuple[str, dict[str, bool | int]]) -> None:
    text, expected = case
    result = parse(text, DEFAULT_CATALOGUE, TODAY)
    assert_well_formed(result)
    order = [indicator.key for indicator in DEFAULT_CATALOGUE]
    assert result.as_dict() == {
        "command": "report",
        "values": {key: expected[key] for key in order if key in expected},
        "population": None,
        "period": "2026-11",
        "warnings": [],
        "errors": [],
    }


@st.composite
def positional_reports(draw: st.DrawFn) -> tuple[str, dict[str, bool | int], int, str]:
    expected = {indicator.key: draw(_value(indicator)) for indicator in DEFAULT_CATALOGUE}
    values = [draw(st.sampled_from(_spellings(i, expected[i.key]))) for i in DEFAULT_CATALOGUE]
    population = draw(st.integers(1, 200_000))
    month_back = draw(st.integers(0, 3))
    year, month = divmod(TODAY.year * 12 + TODAY.month - 1 - month_back, 12)
    extras = [f"POP {population}", f"MOIS {month + 1}/{year}"]
    items = draw(st.permutations(extras))
    where = draw(st.integers(0, 2))
    words = [*items[:where], *values, *items[where:]]
    text = "RAP " + "".join(word + draw(st.sampled_from(SEPARATORS)) for word in words)
    return text, expected, population, f"{year:04d}-{month + 1:02d}"


@fuzz(200)
@given(positional_reports())
def test_generated_positional_reports_read_exactly_their_values(
    case: tuple[str, dict[str, bool | int], int, str],
) -> None:
    text, expected, population, period = case
    result = parse(text, DEFAULT_CATALOGUE, TODAY)
    assert result.as_dict() == {
        "command": "report",
        "values": expected,
        "population": population,
        "period": period,
        "warnings": [],
        "errors": [],
    }


# GPS points inside Togo, written in the accepted forms.

LATITUDES = st.integers(6_000_000, 11_200_000).map(lambda micro: micro / 1_000_000)
LONGITUDES = st.integers(-200_000, 1_900_000).map(lambda micro: micro / 1_000_000)


def _decimal(value: float, decimals: int, comma: bool) -> str:
    text = f"{value:.{decimals}f}"
    return text.replace(".", ",") if comma else text


def _dms(value: float, letters: bool) -> tuple[str, float]:
    total = round(abs(value) * 3600)
    degrees, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    marks = ("D", "M", "S") if letters else ("°", "'", '"')
    return f"{degrees}{marks[0]}{minutes:02d}{marks[1]}{seconds:02d}{marks[2]}", total / 3600


@st.composite
def gps_messages(draw: st.DrawFn) -> tuple[str, float, float, bool]:
    lat, lon = draw(LATITUDES), draw(LONGITUDES)
    form = draw(st.sampled_from(["dot", "comma", "letters_before", "letters_after", "dms", "dms_letters", "swapped"]))
    decimals = draw(st.integers(3, 6))
    swapped = False
    if form in ("dms", "dms_letters"):
        lat_text, lat = _dms(lat, form == "dms_letters")
        lon_text, lon = _dms(lon, form == "dms_letters")
        west = "W" if lon < 0 else "E"
        lon = -lon if west == "W" else lon
        body = f"{lat_text}N {lon_text}{west}"
    else:
        comma = form == "comma"
        lat_text, lon_text = _decimal(lat, decimals, comma), _decimal(lon, decimals, comma)
        lat, lon = float(lat_text.replace(",", ".")), float(lon_text.replace(",", "."))
        if form == "letters_before":
            body = f"N{lat_text} E{lon_text}"
        elif form == "letters_after":
            body = f"{lat_text}N {lon_text}E"
        elif form == "swapped":
            body, swapped = f"{lon_text} {lat_text}", True
        else:
            body = f"{lat_text}{draw(st.sampled_from([' ', ', ', ';', ' / ']))}{lon_text}"
    command = draw(st.sampled_from(["GPS ", "gps ", "POS ", "LOC:", "GPS"]))
    return command + body, round(lat, 6), round(lon, 6), swapped


@fuzz(400)
@given(gps_messages())
def test_generated_gps_messages_read_exactly_their_point(case: tuple[str, float, float, bool]) -> None:
    text, lat, lon, swapped = case
    result = parse(text, DEFAULT_CATALOGUE, TODAY)
    assert_well_formed(result)
    data = result.as_dict()
    assert (data["command"], data["lat"], data["lon"], data["swapped"], data["errors"]) == (
        "gps",
        lat,
        lon,
        swapped,
        [],
    )


@fuzz(300)
@given(st.text(alphabet="0123456789.,-°'\"NSEWODMnsewodm ", max_size=40))
def test_gps_noise_gives_well_formed_results(noise: str) -> None:
    result = parse("GPS " + noise, DEFAULT_CATALOGUE, TODAY)
    assert_well_formed(result)
    assert result.as_dict()["command"] == "gps"


# The typo rule against a reference edit distance.


def _osa_distance(a: str, b: str) -> int:
    """Optimal string alignment distance (Damerau–Levenshtein without repeated edits), by the textbook table."""
    rows = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        rows[i][0] = i
    for j in range(len(b) + 1):
        rows[0][j] = j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            rows[i][j] = min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                rows[i][j] = min(rows[i][j], rows[i - 2][j - 2] + 1)
    return rows[len(a)][len(b)]


@fuzz(500)
@given(st.text(alphabet="ABCE", max_size=6), st.text(alphabet="ABCE", max_size=6))
def test_within_one_edit_agrees_with_the_reference_distance(a: str, b: str) -> None:
    assert within_one_edit(a, b) is (_osa_distance(a, b) <= 1)


def _edits(word: str) -> st.SearchStrategy[str]:
    letters = st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    positions = st.integers(0, len(word) - 1)
    edits: list[st.SearchStrategy[str]] = [
        st.tuples(positions, letters).map(lambda p: word[: p[0]] + p[1] + word[p[0] + 1 :]),
        st.tuples(st.integers(0, len(word)), letters).map(lambda p: word[: p[0]] + p[1] + word[p[0] :]),
        positions.map(lambda i: word[:i] + word[i + 1 :]),
        st.integers(0, len(word) - 2).map(lambda i: word[:i] + word[i + 1] + word[i] + word[i + 2 :]),
    ]
    return st.one_of(edits)


VOCABULARY: dict[str, object] = {**COMMAND_WORDS, **DEFAULT_CATALOGUE.by_word}
LONG_WORDS = sorted(word for word in VOCABULARY if len(word) >= 4)


@st.composite
def misspellings(draw: st.DrawFn) -> tuple[str, str]:
    word = draw(st.sampled_from(LONG_WORDS))
    return word, draw(_edits(word))


@fuzz(400)
@given(misspellings())
def test_a_misspelt_keyword_is_read_as_itself_unless_as_close_to_another_meaning(case: tuple[str, str]) -> None:
    word, typed = case
    match = match_word(typed, VOCABULARY)
    meaning = VOCABULARY[word]
    if typed in VOCABULARY:
        assert match is not None and match.meaning == VOCABULARY[typed]
        return
    rivals = {VOCABULARY[known] for known in VOCABULARY if _osa_distance(typed, known) <= 1} - {meaning}
    if rivals:
        assert match is None
    else:
        assert match is not None and match.meaning == meaning and match.corrected


@fuzz(100)
@given(st.text(max_size=200), st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2100, 12, 31)))
def test_any_day_gives_a_well_formed_result(text: str, today: dt.date) -> None:
    assert_well_formed(parse(text, DEFAULT_CATALOGUE, today), today=today)
    assert_well_formed(parse("RAP EAU 1 MOIS 1 " + text, DEFAULT_CATALOGUE, today), today=today)
