"""Simulated SMS traffic: a month of chiefs' messages as Africa's Talking would POST them to the webhook.

Two halves, neither importing Django (the `simulate_traffic` command joins them to the database):

- **Generation** is pure: `generate_traffic(chiefs, count, period=..., seed=...)` returns the same messages for
  the same arguments. The mix of kinds (`DEFAULT_MIX`: mostly valid reports, some GPS positions, alerts, help
  requests and errors), how chiefs type on feature phones (upper or lower case, accents or not, glued or
  separated values, key–value or positional reports, aliases, signatures, T9 slips that the parser's typo
  rule corrects), numbers that are no chief's, and deliveries the provider repeats with the same id.
- **Posting**: `post_traffic(messages, url, ...)` sends them with `http.client`, a connection per thread and a
  small pool of threads, at a bounded rate, and counts what came back. It stops by itself: after the last
  message, when asked to (`stop`), or when the server keeps failing to answer.

Dates fall inside the reporting month given, so a valid report is recorded for that month: the webhook's
`date` is what sets a report's period (see `sms_gateway.handling`). `SimulatedSms.period` says which month
the parser should find, for the tests.
"""

from __future__ import annotations

import calendar
import datetime as dt
import enum
import http.client
import ipaddress
import json
import random
import socket
import threading
import time
import urllib.parse
import uuid
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TypeVar

# Africa's Talking's `to`: the shortcode chiefs write to (a placeholder until Togo's is assigned).
SHORTCODE = "21512"

# MCC+MNC, as Africa's Talking's `networkCode` gives them: Togocom 615-01, Moov Africa Togo 615-03.
TOGOCOM, MOOV = "61501", "61503"
Choice = TypeVar("Choice")

_MOOV_PREFIXES = frozenset({"78", "79", "96", "97", "98", "99"})


class Kind(enum.StrEnum):
    REPORT = "report"  # a key–value report the parser accepts (`RAP EAU 1 ELEC 0 …`, partial ones too)
    POSITIONAL = "positional"  # a positional report the parser accepts (`RAP 1 0 2 1 1 0`)
    TYPO = "typo"  # a report with misspelt keywords, read by the typo rule (with a warning)
    GPS = "gps"  # the village's position, in one of the accepted notations
    ALERT = "alert"  # free text for the prefecture
    HELP = "help"  # asks for the card
    INVALID = "invalid"  # a message the parser refuses: bad value, wrong count, unknown command…
    UNKNOWN = "unknown"  # from a number that is no chief's: a report or a registration


VALID_REPORTS = frozenset({Kind.REPORT, Kind.POSITIONAL, Kind.TYPO})

# A month of traffic from known chiefs, by share (numbers that are no chief's are a separate share).
DEFAULT_MIX: Mapping[Kind, float] = {
    Kind.REPORT: 0.55,
    Kind.POSITIONAL: 0.22,
    Kind.TYPO: 0.08,
    Kind.GPS: 0.05,
    Kind.ALERT: 0.02,
    Kind.HELP: 0.02,
    Kind.INVALID: 0.06,
}


@dataclass(frozen=True)
class SimChief:
    """A chief as the simulation needs one: a phone, and the village's position for GPS messages."""

    phone: str
    village_code: str = ""
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True)
class SimulatedSms:
    """One delivery of an inbound SMS, as Africa's Talking would POST it."""

    provider_id: str
    sender: str
    text: str
    date: dt.datetime  # UTC
    date_text: str  # as posted: one of the provider's two formats
    kind: Kind
    period: str | None = None  # the month a valid report is recorded for
    recipient: str = SHORTCODE
    network_code: str = ""
    link_id: str = ""
    duplicate: bool = False  # a repeated delivery of an earlier message (same id, same fields)

    def form(self) -> dict[str, str]:
        """The form fields of the callback (shared/reference/africastalking.md §1)."""
        fields = {"from": self.sender, "to": self.recipient, "text": self.text, "date": self.date_text}
        fields["id"] = self.provider_id
        if self.link_id:
            fields["linkId"] = self.link_id
        if self.network_code:
            fields["networkCode"] = self.network_code
        return fields


def network_code(phone: str) -> str:
    """The Togolese operator of a +228 number, as a network code."""
    return MOOV if phone.removeprefix("+228")[:2] in _MOOV_PREFIXES else TOGOCOM


def parse_mix(text: str) -> dict[Kind, float]:
    """`report=3,gps=1` → weights by kind; a kind left out is never drawn. Raises ValueError."""
    mix: dict[Kind, float] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, _, weight = part.partition("=")
        try:
            kind = Kind(name.strip().lower())
        except ValueError:
            raise ValueError(f"unknown kind {name!r} (kinds: {', '.join(k.value for k in Kind)})") from None
        if kind is Kind.UNKNOWN:
            raise ValueError("the share of unknown numbers is given apart (--unknown)")
        try:
            mix[kind] = float(weight) if weight else 1.0
        except ValueError:
            raise ValueError(f"weight of {kind.value}: {weight!r} is not a number") from None
        if mix[kind] < 0:
            raise ValueError(f"weight of {kind.value} is negative")
    if not mix or sum(mix.values()) <= 0:
        raise ValueError("the mix names no kind with a positive weight")
    return mix


def month_days(period: str) -> tuple[dt.date, dt.date]:
    """First and last day of a calendar month `YYYY-MM`."""
    year, month = (int(part) for part in period.split("-"))
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


def previous_period(period: str) -> str:
    year, month = (int(part) for part in period.split("-"))
    return f"{year - 1}-12" if month == 1 else f"{year:04d}-{month - 1:02d}"


# ---------------------------------------------------------------------------------------------------------
# Generation (pure)


def generate_traffic(
    chiefs: Sequence[SimChief],
    count: int,
    *,
    period: str,
    seed: int,
    mix: Mapping[Kind, float] = DEFAULT_MIX,
    duplicates: float = 0.0,
    unknown: float = 0.0,
    days: tuple[dt.date, dt.date] | None = None,
    village_codes: Sequence[str] = (),
    recipient: str = SHORTCODE,
) -> list[SimulatedSms]:
    """`count` messages (plus `duplicates` × count repeated deliveries), in the order they arrive.

    Each chief writes in turn, in a shuffled order (one message each when `count` is their number). A share
    `unknown` comes from numbers that are no chief's. Dates fall between `days` (default: the calendar month
    of `period`), more of them early in the month, when reminders go out. A repeated delivery carries the
    same id and fields as the first and arrives a little after it.
    """
    if count < 0:
        raise ValueError("count must be positive")
    if not chiefs and count:
        raise ValueError("no chiefs to write from")
    if not 0 <= duplicates <= 1 or not 0 <= unknown <= 1:
        raise ValueError("the shares of duplicates and unknown numbers lie between 0 and 1")
    rng = random.Random(seed)
    first, last = days or month_days(period)
    kinds = list(mix)
    drawn = rng.choices(kinds, weights=[mix[k] for k in kinds], k=count)
    for index in rng.sample(range(count), round(count * unknown)):
        drawn[index] = Kind.UNKNOWN
    order = list(chiefs)
    rng.shuffle(order)
    known_phones = {chief.phone for chief in chiefs}
    codes = list(village_codes) or sorted({c.village_code for c in chiefs if c.village_code}) or ["KOZ-0001"]

    messages = []
    for index, kind in enumerate(drawn):
        chief = order[index % len(order)]
        moment = _moment(rng, first, last)
        if kind is Kind.UNKNOWN:
            sender = _unknown_phone(rng, known_phones)
            text, expected = _from_unknown(rng, period, codes)
        else:
            sender = chief.phone
            text, expected = _WRITERS[kind](rng, chief, period)
        messages.append(
            SimulatedSms(
                provider_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                sender=sender,
                text=text,
                date=moment,
                date_text=moment.strftime("%Y-%m-%dT%H:%M:%SZ" if rng.random() < 0.8 else "%Y-%m-%d %H:%M:%S"),
                kind=kind,
                period=expected,
                recipient=recipient,
                network_code=network_code(sender),
                link_id=str(rng.randrange(10**19, 10**20)) if rng.random() < 0.2 else "",
            )
        )
    messages.sort(key=lambda m: m.date)
    # A repeated delivery lands a few messages after the first one (the provider retried, or a fetch replayed).
    repeats = sorted(rng.sample(range(len(messages)), round(count * duplicates)), reverse=True)
    for index in repeats:
        position = min(len(messages), index + 1 + rng.randrange(20))
        messages.insert(position, replace(messages[index], duplicate=True))
    return messages


def _moment(rng: random.Random, first: dt.date, last: dt.date) -> dt.datetime:
    """A daytime instant between two days (UTC, which is Lomé's time), most of them early in the span."""
    span = (last - first).days
    day = first + dt.timedelta(days=min(span, int(rng.triangular(0, span + 1, 0))))
    seconds = rng.randrange(6 * 3600, 22 * 3600)
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC) + dt.timedelta(seconds=seconds)


def _unknown_phone(rng: random.Random, taken: set[str]) -> str:
    while True:
        phone = f"+228{rng.choice(('90', '91', '92', '93', '70', '96', '97', '98', '99'))}{rng.randrange(10**6):06d}"
        if phone not in taken:
            return phone


# How chiefs type ------------------------------------------------------------------------------------------

# Keywords and the aliases chiefs use, by indicator in card order, with how often each is used.
_KEYWORDS: tuple[tuple[str, tuple[tuple[str, int], ...]], ...] = (
    ("water", (("EAU", 85), ("FORAGE", 10), ("EAUX", 5))),
    ("electricity", (("ELEC", 75), ("COURANT", 12), ("ELECTRICITE", 8), ("ELECT", 5))),
    ("network", (("RES", 75), ("RESEAU", 15), ("GSM", 5), ("TEL", 5))),
    ("health", (("SANTE", 80), ("USP", 8), ("CSP", 6), ("SAN", 6))),
    ("school", (("ECOLE", 85), ("EPP", 10), ("ECO", 5))),
    ("road", (("ROUTE", 80), ("PISTE", 15), ("RTE", 5))),
)
# The chance that a village has each service (for the network: no, weak, good signal).
_YES_SHARE = {"water": 0.7, "electricity": 0.35, "health": 0.6, "school": 0.8, "road": 0.65}
_NETWORK_WEIGHTS = (15, 35, 50)

# How a chief writes yes and no; the network's scale in words goes with the word styles.
_YES_NO_STYLES = ((("1", "0"), 60), (("OUI", "NON"), 25), (("O", "N"), 10), (("YES", "NO"), 3), (("Y", "N"), 2))
_NETWORK_WORDS = ("AUCUN", "FAIBLE", "BON")

_ACCENTED = {"ELECTRICITE": "ÉLECTRICITÉ", "RESEAU": "RÉSEAU", "SANTE": "SANTÉ", "ECOLE": "ÉCOLE"}
_REPORT_WORDS = (("RAP", 70), ("RAPPORT", 8), ("R", 5), ("", 17))  # "" starts with the first indicator
_SIGNATURES = ("MERCI", "MERCI CHEF", "Merci beaucoup", "Bonne journee", "merci le chef")

# Letters sharing a key of a phone keypad: a multi-tap press too many or too few gives the neighbour.
_KEYPAD = ("ABC", "DEF", "GHI", "JKL", "MNO", "PQRS", "TUV", "WXYZ")
_KEY_OF = {letter: keys for keys in _KEYPAD for letter in keys}

_ALERTS = (
    "ALERTE forage en panne depuis 3 jours, les femmes vont au marigot",
    "ALERTE inondation, le pont vers le canton est coupé",
    "URGENCE cas de cholera suspects au village, 4 malades",
    "Alerte: feu de brousse près des champs",
    "ALERTE la route est coupée par la pluie, pas de taxi-moto",
    "alerte plus de courant depuis une semaine",
    "URGENCE école fermée, le toit est tombé",
    "ALERT le relais telephone ne marche plus",
)
_HELPS = ("AIDE", "aide", "?", "Aide", "HELP")
_NAMES = ("KOSSI AMEGAN", "Yao Bawa", "ESSO KPATCHA", "Akouvi Mensah", "KOMI AGBEKO", "Abalo Tchalla")


@dataclass
class _Style:
    """One chief's habits for one message."""

    case: str  # "upper", "lower" or "title"
    accents: bool
    yes_no: tuple[str, str]
    pair_sep: str  # between two indicators
    value_sep: str  # between an indicator and its value
    glue: bool  # digits glued to their keyword (`EAU1`)

    def word(self, word: str) -> str:
        return _ACCENTED.get(word, word) if self.accents else word

    def finish(self, text: str) -> str:
        if self.case == "lower":
            return text.lower()
        if self.case == "title":
            return text[:1] + text[1:].lower()
        return text


def _pick(rng: random.Random, weighted: Sequence[tuple[Choice, int]]) -> Choice:
    """One of `(item, weight)` pairs' items, by weight."""
    return rng.choices([item for item, _ in weighted], weights=[weight for _, weight in weighted])[0]


def _style(rng: random.Random) -> _Style:
    case = rng.choices(("upper", "lower", "title"), weights=(60, 25, 15))[0]
    style = _Style(
        case=case,
        accents=rng.random() < (0.4 if case != "upper" else 0.1),
        yes_no=_pick(rng, _YES_NO_STYLES),
        pair_sep=rng.choices((" ", ", ", ",", ";", " / ", "  ", "\u00a0", "+"), weights=(60, 12, 8, 5, 3, 5, 3, 4))[0],
        value_sep=rng.choices((" ", ":", "=", "-", ": "), weights=(75, 10, 6, 5, 4))[0],
        glue=rng.random() < 0.15,
    )
    if style.glue and style.yes_no[0].isdigit() and rng.random() < 0.3:
        style.pair_sep = ""  # all of it glued: `EAU1ELEC0RES2…`, as the card's example is read
    return style


def _values(rng: random.Random) -> dict[str, int]:
    values = {key: int(rng.random() < share) for key, share in _YES_SHARE.items()}
    values["network"] = rng.choices((0, 1, 2), weights=_NETWORK_WEIGHTS)[0]
    return {key: values[key] for key, _ in _KEYWORDS}  # card order


def _value_text(style: _Style, key: str, value: int) -> str:
    if key == "network":
        return _NETWORK_WORDS[value] if style.yes_no[0].isalpha() else str(value)
    return style.yes_no[0] if value else style.yes_no[1]


def _typo(rng: random.Random, word: str) -> str:
    """One T9-ish slip: a neighbour on the same key, a letter doubled or dropped, two letters swapped."""
    at = rng.randrange(1, len(word))  # the first letter is rarely wrong
    slip = rng.choices(("key", "double", "drop", "swap"), weights=(45, 20, 20, 15))[0]
    if slip == "key":
        mates = [c for c in _KEY_OF[word[at]] if c != word[at]]
        return word[:at] + rng.choice(mates) + word[at + 1 :]
    if slip == "double":
        return word[: at + 1] + word[at:]
    if slip == "drop":
        return word[:at] + word[at + 1 :]
    at = min(at, len(word) - 2)
    if word[at] == word[at + 1]:
        return word[:at] + word[at + 1 :]
    return word[:at] + word[at + 1] + word[at] + word[at + 2 :]


def _extras(rng: random.Random, style: _Style, period: str) -> tuple[list[str], str]:
    """`POP n` now and then; `MOIS m` for last month's late report, or the current month said out loud."""
    extras, reported = [], period
    if rng.random() < 0.06:
        extras.append(f"POP{style.value_sep}{rng.randrange(150, 9000)}")
    draw = rng.random()
    if draw < 0.05:
        reported = previous_period(period)
        extras.append(f"MOIS{style.value_sep}{int(reported[5:])}")
    elif draw < 0.08:
        extras.append(f"MOIS {int(period[5:])}/{period[:4]}")
    return extras, reported


def _signature(rng: random.Random, share: float = 0.05) -> str:
    return f" {rng.choice(_SIGNATURES)}" if rng.random() < share else ""


def _report(rng: random.Random, chief: SimChief, period: str, *, typos: int = 0) -> tuple[str, str]:
    style = _style(rng)
    values = _values(rng)
    keys = [key for key, _ in _KEYWORDS]
    if rng.random() < 0.12:  # a partial report: only what changed, or what the chief knows
        keys = sorted(rng.sample(keys, rng.randrange(1, len(keys))), key=keys.index)
    if rng.random() < 0.08:
        rng.shuffle(keys)
    words = {
        key: rng.choices([w for w, _ in choices], weights=[n for _, n in choices])[0] for key, choices in _KEYWORDS
    }
    command = rng.choices([w for w, _ in _REPORT_WORDS], weights=[n for _, n in _REPORT_WORDS])[0]
    # Misspelt words must be of 4 letters or more (shorter ones are never corrected): use the full keywords.
    slipped: set[str] = set()
    if typos:
        candidates = [k for k in keys if len(words[k]) >= 4]
        if not candidates:  # a partial report of short keywords only: write them all
            keys = [key for key, _ in _KEYWORDS]
            candidates = [k for k in keys if len(words[k]) >= 4]
        for key in rng.sample(candidates, min(typos, len(candidates))):
            words[key] = _typo(rng, words[key])
            slipped.add(key)
    pairs = []
    for key in keys:
        word = words[key] if key in slipped else style.word(words[key])
        value = _value_text(style, key, values[key])
        separator = "" if style.glue and value.isdigit() else style.value_sep
        pairs.append(f"{word}{separator}{value}")
    extras, reported = _extras(rng, style, period)
    body = style.pair_sep.join(pairs + extras)
    text = f"{command} {body}" if command else body
    return style.finish(text) + _signature(rng), reported


def _key_value_report(rng: random.Random, chief: SimChief, period: str) -> tuple[str, str | None]:
    return _report(rng, chief, period)


def _typo_report(rng: random.Random, chief: SimChief, period: str) -> tuple[str, str | None]:
    if rng.random() < 0.15:  # the command itself misspelt, in a positional report
        text, reported = _positional_report(rng, chief, period)
        return "RAPORT" + text[text.index(" ") :], reported
    return _report(rng, chief, period, typos=rng.choices((1, 2), weights=(80, 20))[0])


def _positional_report(rng: random.Random, chief: SimChief, period: str) -> tuple[str, str | None]:
    style = _style(rng)
    values = _values(rng)
    command = rng.choices(("RAP", "RAPPORT", "R"), weights=(85, 7, 8))[0]
    if rng.random() < 0.1:
        words = [_value_text(style, key, value) for key, value in values.items()]
    else:
        words = [str(value) for value in values.values()]
    separator = rng.choices((" ", ",", "-", ".", " ", "  "), weights=(70, 10, 5, 3, 10, 2))[0]
    extras, reported = _extras(rng, style, period)
    text = " ".join([command, separator.join(words), *extras])
    return style.finish(text) + _signature(rng, 0.08), reported


def _gps(rng: random.Random, chief: SimChief, period: str) -> tuple[str, str | None]:
    # Near the village (within about 200 m); a chief without a known village writes from Kara's plateau.
    lat = (chief.lat if chief.lat is not None else 9.55) + rng.uniform(-0.002, 0.002)
    lon = (chief.lon if chief.lon is not None else 1.19) + rng.uniform(-0.002, 0.002)
    word = rng.choices(("GPS", "gps", "Gps", "POS", "LOC"), weights=(60, 20, 8, 7, 5))[0]
    decimals = rng.choices((4, 5, 6), weights=(50, 30, 20))[0]
    a, b = f"{lat:.{decimals}f}", f"{lon:.{decimals}f}"
    notation = rng.choices(("dot", "comma", "glued", "prefix", "suffix", "dms"), weights=(45, 15, 15, 10, 5, 10))[0]
    if notation == "comma":
        return f"{word} {a.replace('.', ',')} {b.replace('.', ',')}", None
    if notation == "glued":
        return f"{word} {a},{b}", None
    if notation == "prefix":
        return f"{word} N{a} E{b}", None
    if notation == "suffix":
        return f"{word} {a}N {b}E", None
    if notation == "dms":
        return f"{word} {_dms(lat)}N {_dms(lon)}E", None
    return f"{word} {a} {b}", None


def _dms(degrees: float) -> str:
    whole = int(degrees)
    minutes_float = (degrees - whole) * 60
    minutes = int(minutes_float)
    seconds = round((minutes_float - minutes) * 60)
    if seconds == 60:
        minutes, seconds = minutes + 1, 0
    return f"{whole}°{minutes:02d}'{seconds:02d}\""


def _alert(rng: random.Random, chief: SimChief, period: str) -> tuple[str, str | None]:
    return rng.choice(_ALERTS), None


def _help(rng: random.Random, chief: SimChief, period: str) -> tuple[str, str | None]:
    return rng.choice(_HELPS), None


def _invalid(rng: random.Random, chief: SimChief, period: str) -> tuple[str, str | None]:
    """A mistake the parser refuses, each with the error a reply will name."""
    mistake = rng.choices(
        ("bad_value", "wrong_count", "conflict", "chatter", "missing", "outside", "old_month"),
        weights=(30, 25, 10, 15, 10, 5, 5),
    )[0]
    if mistake == "bad_value":
        keyword = rng.choice(("EAU", "ELEC", "SANTE", "ECOLE", "ROUTE"))
        return f"RAP EAU 1 {keyword} {rng.randrange(3, 10)}" if keyword != "EAU" else "RAP EAU 7 ELEC 0", None
    if mistake == "wrong_count":
        count = rng.choice((3, 4, 5, 7))
        return "RAP " + " ".join(str(rng.randrange(2)) for _ in range(count)), None
    if mistake == "conflict":
        return "RAP EAU 1 ELEC 0 EAU 0", None
    if mistake == "chatter":
        return rng.choice(("Bonjour chef", "Bonsoir", "Merci", "Allo", "ok", "Je suis au champ")), None
    if mistake == "missing":
        return rng.choice(("RAP", "RAP EAU", "GPS", "rap eau elec")), None
    if mistake == "outside":
        return f"GPS {rng.uniform(4.0, 5.5):.4f} {rng.uniform(2.5, 3.5):.4f}", None
    old = period
    for _ in range(5):
        old = previous_period(old)
    return f"RAP EAU 1 MOIS {int(old[5:])}/{old[:4]}", None


def _from_unknown(rng: random.Random, period: str, codes: Sequence[str]) -> tuple[str, str | None]:
    """A new chief registering (often before the prefecture knows the phone), or a report from a lent phone."""
    if rng.random() < 0.5:
        return f"INSCR {rng.choice(codes)} {rng.choice(_NAMES)}", None
    return _report(rng, SimChief(phone=""), period)


_WRITERS: dict[Kind, Callable[[random.Random, SimChief, str], tuple[str, str | None]]] = {
    Kind.REPORT: _key_value_report,
    Kind.POSITIONAL: _positional_report,
    Kind.TYPO: _typo_report,
    Kind.GPS: _gps,
    Kind.ALERT: _alert,
    Kind.HELP: _help,
    Kind.INVALID: _invalid,
}


# ---------------------------------------------------------------------------------------------------------
# Posting


@dataclass
class TrafficResult:
    """What posting the messages gave."""

    sent: int = 0  # requests that got an HTTP answer
    duplicates_sent: int = 0  # of them, repeated deliveries
    statuses: Counter[int] = field(default_factory=Counter)
    answers: Counter[str] = field(default_factory=Counter)  # the webhook's "status": accepted, duplicate
    errors: Counter[str] = field(default_factory=Counter)  # requests that got no answer, by exception
    latencies: list[float] = field(default_factory=list)  # seconds, per answered request
    elapsed: float = 0.0
    aborted: str = ""  # why posting stopped before the end, if it did

    @property
    def rate(self) -> float:
        return self.sent / self.elapsed if self.elapsed > 0 else 0.0

    def latency(self, quantile: float) -> float | None:
        if not self.latencies:
            return None
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(quantile * len(ordered)))]


def post_traffic(
    messages: Sequence[SimulatedSms],
    url: str,
    *,
    rate: float = 0.0,
    concurrency: int = 4,
    timeout: float = 10.0,
    progress: Callable[[int], None] | None = None,
    stop: threading.Event | None = None,
    give_up_after: int = 20,
) -> TrafficResult:
    """POST each message's form to `url`, in order, from `concurrency` threads, at most `rate` per second.

    A rate of 0 posts as fast as the server answers. Message i leaves no earlier than i / rate seconds after
    the start. Posting stops early when `stop` is set, or after `give_up_after` requests in a row got no
    answer (the server is down).
    """
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    stop = stop or threading.Event()
    result = TrafficResult()
    lock = threading.Lock()
    next_index = 0
    failures_in_a_row = 0
    parts = urllib.parse.urlsplit(url)
    target = urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, ""))
    started = time.perf_counter()

    def take() -> int | None:
        nonlocal next_index
        with lock:
            if stop.is_set() or next_index >= len(messages):
                return None
            index, next_index = next_index, next_index + 1
            return index

    def work() -> None:
        nonlocal failures_in_a_row
        connection = _connection(url, timeout)
        try:
            while (index := take()) is not None:
                if rate > 0:
                    delay = started + index / rate - time.perf_counter()
                    if delay > 0 and stop.wait(delay):
                        return
                message = messages[index]
                sent_at = time.perf_counter()
                try:
                    status, answer = _post(connection, target, urllib.parse.urlencode(message.form()))
                except (OSError, http.client.HTTPException) as exc:
                    connection.close()  # opened again by the next request
                    with lock:
                        result.errors[type(exc).__name__] += 1
                        failures_in_a_row += 1
                        if failures_in_a_row >= give_up_after and not result.aborted:
                            result.aborted = f"{failures_in_a_row} requêtes de suite sans réponse ({exc})"
                            stop.set()
                    continue
                latency = time.perf_counter() - sent_at
                with lock:
                    failures_in_a_row = 0
                    result.sent += 1
                    result.duplicates_sent += message.duplicate
                    result.statuses[status] += 1
                    result.latencies.append(latency)
                    if answer:
                        result.answers[answer] += 1
                if progress is not None:
                    progress(1)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, name=f"simulate-{n}", daemon=True) for n in range(concurrency)]
    for thread in threads:
        thread.start()
    try:
        for thread in threads:
            while thread.is_alive():
                thread.join(0.2)
    except KeyboardInterrupt:
        result.aborted = "interrompu"
        stop.set()
        for thread in threads:
            thread.join(timeout + 1)
    result.elapsed = time.perf_counter() - started
    return result


def check_loopback(url: str) -> None:
    """Refuse a URL that is not http(s) on this machine (ValueError): the simulation never leaves it unasked.

    A host name counts only when every address it resolves to is a loopback one.
    """
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{url!r} n'est pas une adresse http(s)://hôte[:port]")
    host = parts.hostname
    try:
        addresses = [ipaddress.ip_address(host)]
    except ValueError:
        try:
            infos = socket.getaddrinfo(host, parts.port or 80, proto=socket.IPPROTO_TCP)
        except OSError as exc:
            raise ValueError(f"{host} : nom introuvable ({exc})") from None
        addresses = [ipaddress.ip_address(info[4][0]) for info in infos]
    if not addresses or not all(address.is_loopback for address in addresses):
        raise ValueError(f"{host} n'est pas cette machine (boucle locale)")


def _connection(url: str, timeout: float) -> http.client.HTTPConnection:
    """A connection of its own for a posting thread (plain `http.client`, lighter than `requests`: a load
    generator sharing the machine with the server it measures should cost it little)."""
    parts = urllib.parse.urlsplit(url)
    kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    return kind(parts.hostname or "127.0.0.1", parts.port, timeout=timeout)


_FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def _post(connection: http.client.HTTPConnection, target: str, body: str) -> tuple[int, str]:
    """POST a form; the HTTP status and the webhook's "status", if it answered JSON with one."""
    connection.request("POST", target, body=body, headers=_FORM)
    response = connection.getresponse()
    content = response.read()
    if response.will_close:
        connection.close()  # the server closes after each answer (gunicorn's sync workers do)
    return response.status, _answer(response.getheader("content-type", ""), content)


def _answer(content_type: str, content: bytes) -> str:
    if not content_type.startswith("application/json"):
        return ""
    try:
        body = json.loads(content)
    except ValueError:
        return ""
    return str(body.get("status", "")) if isinstance(body, dict) else ""
