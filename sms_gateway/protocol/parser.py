"""`parse`: one SMS, the indicator catalogue and today's date in; one result out. No I/O, no global state.

The first word says the command (`RAP`, `GPS`, `INSCR`, `AIDE`, `ALERTE` or an alias, misspelt by one letter
at most); a message starting with an indicator keyword is a report. RAP and GPS are read in their own
modules; INSCR, AIDE and ALERTE here. Decisions where protocol.md leaves room:

- a message over 640 characters is refused whole, but its first word still tells `command`;
- `GPSN9.5511 E1.1862` (the keyword glued to a hemisphere letter) is read as GPS;
- a message with no token at all (empty, spaces, separators only) is a request for help; AIDE ignores
  whatever follows it;
- INSCR: the village code runs up to the first space or separator other than `-` and is upper-cased
  without accents; the name is what follows, kept as typed (case and accents), spaces collapsed, or None;
- ALERTE: the text is kept as typed, without the separators right after the keyword; 300 characters at most.
"""

from __future__ import annotations

import datetime as dt
import re

from . import messages
from .catalogue import Catalogue, Indicator
from .commands import COMMAND_WORDS, Command
from .gps import HEMISPHERES, parse_gps
from .lexer import SEPARATORS, Lexed, Token, TokenKind, lex
from .report import parse_report
from .result import (
    AlertResult,
    ErrorCode,
    GpsResult,
    HelpResult,
    InvalidResult,
    Issue,
    ParseResult,
    RegisterResult,
    ReportResult,
    WarningCode,
)
from .typos import Match, match_word

MAX_MESSAGE_LENGTH = 640
MAX_ALERT_LENGTH = 300

_LETTER_COMMAND_WORDS = {word: command for word, command in COMMAND_WORDS.items() if word.isalpha()}
_VILLAGE_CODE = re.compile(r"[^ ,;:=/+*#.\-][^ ,;:=/+*#.]*")  # separators end it, except `-`
_RESULTS: dict[Command | None, type[ParseResult]] = {
    Command.REPORT: ReportResult,
    Command.GPS: GpsResult,
    Command.REGISTER: RegisterResult,
    Command.HELP: HelpResult,
    Command.ALERT: AlertResult,
    None: InvalidResult,
}


def parse(text: str, catalogue: Catalogue, today: dt.date) -> ParseResult:
    """Read one SMS. `today` sets the current reporting month (its calendar month) and the MOIS bounds."""
    if len(text) > MAX_MESSAGE_LENGTH:
        return _too_long(text, catalogue)
    lexed = lex(text)
    if not lexed.tokens:
        return HelpResult()
    first = lexed.tokens[0]
    match = _read_command(first, catalogue)
    if match is None:
        error = Issue(ErrorCode.UNKNOWN_COMMAND, messages.unknown_command(first.text), token=first.text)
        return InvalidResult(errors=(error,))
    if isinstance(match.meaning, Indicator):
        # A report without RAP: the report reader reads (and corrects) this keyword itself.
        return parse_report(lexed.tokens, catalogue, today, _LETTER_COMMAND_WORDS, [])
    warnings: list[Issue] = []
    if match.corrected:
        message = messages.typo_corrected(first.text, match.keyword)
        warnings.append(Issue(WarningCode.TYPO_CORRECTED, message, token=first.text, corrected=match.keyword))
    command = match.meaning
    if command is Command.REPORT:
        return parse_report(lexed.tokens[1:], catalogue, today, _LETTER_COMMAND_WORDS, warnings)
    if command is Command.GPS:
        return parse_gps(lexed.text[first.start + len(match.keyword) :], warnings)  # GPS words are never corrected
    if command is Command.REGISTER:
        return _parse_register(lexed, first.end, warnings)
    if command is Command.ALERT:
        return _parse_alert(lexed, first.end, warnings)
    return HelpResult(warnings=tuple(warnings))


def _read_command(token: Token, catalogue: Catalogue) -> Match[Command | Indicator] | None:
    """What the first token asks for: a command, or an indicator (a report without RAP)."""
    if token.kind is TokenKind.NUMBER:
        return None
    command = COMMAND_WORDS.get(token.text)
    if command is not None:
        return Match(command, token.text, corrected=False)
    indicator = catalogue.by_word.get(token.text)
    if indicator is not None:
        return Match(indicator, token.text, corrected=False)
    if not token.is_word:
        return None
    if token.text.startswith("GPS") and token.text[3:] in HEMISPHERES:
        # `GPSN9.5511 E1.1862`: the keyword glued to its value, which starts with a letter here.
        return Match(Command.GPS, "GPS", corrected=False)
    vocabulary: dict[str, Command | Indicator] = {**COMMAND_WORDS, **catalogue.by_word}
    return match_word(token.text, vocabulary)


def _too_long(text: str, catalogue: Catalogue) -> ParseResult:
    """Refused whole; the first word still says which command was meant."""
    error = Issue(ErrorCode.TOO_LONG, messages.too_long(len(text), MAX_MESSAGE_LENGTH))
    tokens = lex(text.lstrip()[:40]).tokens
    match = _read_command(tokens[0], catalogue) if tokens else None
    command = None if match is None else Command.REPORT if isinstance(match.meaning, Indicator) else match.meaning
    return _RESULTS[command](errors=(error,))


def _parse_register(lexed: Lexed, start: int, warnings: list[Issue]) -> RegisterResult:
    code_match = _VILLAGE_CODE.search(lexed.text, start)
    code = code_match.group().rstrip("-") if code_match else ""
    if code_match is None or not any(char.isalnum() for char in code):
        error = Issue(ErrorCode.MISSING_ARGUMENT, messages.missing_village_code())
        return RegisterResult(warnings=tuple(warnings), errors=(error,))
    name = " ".join(lexed.source_from(code_match.end()).split()).strip(SEPARATORS)
    return RegisterResult(village_code=code, name=name or None, warnings=tuple(warnings))


def _parse_alert(lexed: Lexed, start: int, warnings: list[Issue]) -> AlertResult:
    text = _strip_leading_separators(lexed.source_from(start)).rstrip()
    if not text:
        error = Issue(ErrorCode.MISSING_ARGUMENT, messages.missing_alert_text())
        return AlertResult(warnings=tuple(warnings), errors=(error,))
    if len(text) > MAX_ALERT_LENGTH:
        text = text[:MAX_ALERT_LENGTH]
        warnings.append(Issue(WarningCode.ALERT_TRUNCATED, messages.alert_truncated(MAX_ALERT_LENGTH)))
    return AlertResult(text=text, warnings=tuple(warnings))


def _strip_leading_separators(text: str) -> str:
    for index, char in enumerate(text):
        if not (char.isspace() or char in SEPARATORS):
            return text[index:]
    return ""
