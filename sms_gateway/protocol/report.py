"""RAP: reading a service report, key–value (`EAU 1 ELEC 0`) or positional (`1 0 2 1 1 0`).

Both forms take the extras `POP <n>` and `MOIS <m>[/<yyyy>]` anywhere. The form is set by the first item
that is not an extra: a keyword makes it key–value, a bare value positional; mixing them is an error.
Decisions where protocol.md leaves room:

- the first problem stops the reading; a report needs at least one indicator value (`RAP POP 300` alone is
  `missing_argument`), and a keyword followed by nothing or by another keyword is `missing_argument` too;
- `POP 1 200` and `POP 1.200` read as 1200 (groups of three digits after a space, dot or comma);
- `MOIS 10` means the latest October not in the future; a year is 4 digits, or 2 right after `/` (`10/26`);
- the trailing signature must contain no digit and no keyword of the report or of a command (exact or one
  edit away), and must follow at least one readable item.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from . import messages
from .catalogue import MONTH_WORDS, POPULATION_WORDS, Catalogue, Indicator, Value
from .lexer import Token
from .result import ErrorCode, Issue, ReportResult, WarningCode
from .typos import match_word

POPULATION_MIN = 1
POPULATION_MAX = 200_000
MONTHS_BACK = 3  # how many months before the current one a report may still be sent for


class Extra(enum.Enum):
    POPULATION = "population"
    MONTH = "month"


ReportWord = Indicator | Extra


@dataclass(frozen=True)
class _Month:
    year: int
    month: int
    token: str

    @property
    def period(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def report_vocabulary(catalogue: Catalogue) -> dict[str, ReportWord]:
    vocabulary: dict[str, ReportWord] = dict(catalogue.by_word)
    vocabulary.update(dict.fromkeys(POPULATION_WORDS, Extra.POPULATION))
    vocabulary.update(dict.fromkeys(MONTH_WORDS, Extra.MONTH))
    return vocabulary


def parse_report(
    tokens: Sequence[Token],
    catalogue: Catalogue,
    today: dt.date,
    command_words: Mapping[str, object],
    warnings: list[Issue],
) -> ReportResult:
    """Read the tokens after `RAP` (or all of them, for a message starting with an indicator keyword).

    `command_words` are the command keywords, which a signature may not hold; `warnings` is extended.
    """
    reader = _ReportReader(tokens, catalogue, today, command_words, warnings)
    error = reader.read()
    if error is not None:
        return ReportResult(warnings=tuple(warnings), errors=(error,))
    values = {key: reader.values[key][0] for key in (indicator.key for indicator in catalogue) if key in reader.values}
    month = reader.month
    return ReportResult(
        values=values,
        population=reader.population[0] if reader.population else None,
        period=month.period if month else f"{today.year:04d}-{today.month:02d}",
        warnings=tuple(warnings),
    )


class _ReportReader:
    def __init__(
        self,
        tokens: Sequence[Token],
        catalogue: Catalogue,
        today: dt.date,
        command_words: Mapping[str, object],
        warnings: list[Issue],
    ) -> None:
        self.tokens = tokens
        self.catalogue = catalogue
        self.today = today
        self.command_words = command_words
        self.warnings = warnings
        self.vocabulary = report_vocabulary(catalogue)
        self.values: dict[str, tuple[Value, str]] = {}  # key → (value, the pair as typed)
        self.positional: list[Token] = []
        self.population: tuple[int, str] | None = None
        self.month: _Month | None = None

    def read(self) -> Issue | None:
        tokens = self.tokens
        i = 0
        while i < len(tokens):
            token = tokens[i]
            exact = self.vocabulary.get(token.text) if token.is_word else None
            if exact is None and (token.is_number or self.catalogue.is_value_word(token.text)):
                if self.values:
                    return _error(ErrorCode.UNKNOWN_INDICATOR, messages.value_without_indicator(token.text), token.text)
                self.positional.append(token)
                i += 1
                continue
            match = match_word(token.text, self.vocabulary) if token.is_word else None
            if match is None:
                if (self.values or self.positional or self.population or self.month) and self._is_signature(i):
                    text = token.text + "".join(t.gap + t.text for t in tokens[i + 1 :])
                    self.warnings.append(
                        Issue(WarningCode.SIGNATURE_IGNORED, messages.signature_ignored(text), token=text)
                    )
                    break
                message = messages.unknown_indicator if token.is_word else messages.unreadable
                return _error(ErrorCode.UNKNOWN_INDICATOR, message(token.text), token.text)
            if match.corrected:
                self.warnings.append(
                    Issue(
                        WarningCode.TYPO_CORRECTED,
                        messages.typo_corrected(token.text, match.keyword),
                        token=token.text,
                        corrected=match.keyword,
                    )
                )
            meaning = match.meaning
            if isinstance(meaning, Indicator):
                if self.positional:
                    return _error(ErrorCode.WRONG_COUNT, messages.mixed_forms(len(self.catalogue)), token.text)
                error = self._read_pair(meaning, i)
                i += 2
            elif meaning is Extra.POPULATION:
                error, i = self._read_population(i)
            else:
                error, i = self._read_month(i)
            if error is not None:
                return error
        if self.positional:
            return self._read_positional()
        if not self.values:
            return _error(ErrorCode.MISSING_ARGUMENT, messages.no_values(), "")
        return None

    def _is_keyword(self, token: Token) -> bool:
        return token.is_word and match_word(token.text, self.vocabulary) is not None

    def _is_signature(self, start: int) -> bool:
        """Whether the tokens from `start` on hold no digit and no keyword."""
        for token in self.tokens[start:]:
            if token.is_number:
                return False
            if token.is_word and (self._is_keyword(token) or match_word(token.text, self.command_words) is not None):
                return False
        return True

    def _argument(self, i: int) -> Token | None:
        """The token after the keyword at `i`, unless there is none or it is itself a keyword."""
        if i + 1 >= len(self.tokens):
            return None
        argument = self.tokens[i + 1]
        return None if self._is_keyword(argument) else argument

    def _read_pair(self, indicator: Indicator, i: int) -> Issue | None:
        keyword = self.tokens[i]
        argument = self.tokens[i + 1] if i + 1 < len(self.tokens) else None
        value = indicator.read_value(argument.text) if argument is not None else None
        if argument is None or (value is None and self._is_keyword(argument)):
            return _error(ErrorCode.MISSING_ARGUMENT, messages.missing_value(keyword.text), keyword.text)
        pair = f"{keyword.text} {argument.text}"
        if value is None:
            return _error(ErrorCode.BAD_VALUE, messages.bad_value(pair, indicator.hint()), pair, indicator.key)
        return self._record(indicator, value, pair)

    def _record(self, indicator: Indicator, value: Value, pair: str) -> Issue | None:
        previous = self.values.get(indicator.key)
        if previous is not None and previous[0] != value:
            message = messages.conflicting_value(indicator.keyword, previous[1], pair)
            return _error(ErrorCode.CONFLICTING_VALUE, message, pair, indicator.key)
        self.values[indicator.key] = (value, pair)
        return None

    def _read_positional(self) -> Issue | None:
        expected, received = len(self.catalogue), len(self.positional)
        if received != expected:
            text = " ".join(token.text for token in self.positional)
            return _error(ErrorCode.WRONG_COUNT, messages.wrong_count(expected, received), text)
        for indicator, token in zip(self.catalogue, self.positional, strict=True):
            value = indicator.read_value(token.text)
            pair = f"{indicator.keyword} {token.text}"
            if value is None:
                return _error(ErrorCode.BAD_VALUE, messages.bad_value(pair, indicator.hint()), pair, indicator.key)
            self.values[indicator.key] = (value, pair)
        return None

    def _read_population(self, i: int) -> tuple[Issue | None, int]:
        keyword = self.tokens[i]
        argument = self._argument(i)
        if argument is None:
            return _error(ErrorCode.MISSING_ARGUMENT, messages.missing_value(keyword.text), keyword.text), i + 1
        if not argument.is_number:
            pair = f"{keyword.text} {argument.text}"
            message = messages.bad_population(argument.text, POPULATION_MIN, POPULATION_MAX)
            return _error(ErrorCode.BAD_POPULATION, message, pair), i + 2
        digits, end = argument.text, i + 2
        if len(digits) <= 3:
            # Thousands written apart: POP 1 200, POP 12.500.
            while (
                end < len(self.tokens)
                and self.tokens[end].is_number
                and len(self.tokens[end].text) == 3
                and self.tokens[end].gap in (" ", ".", ",")
            ):
                digits += self.tokens[end].text
                end += 1
        pair = f"{keyword.text} {digits}"
        population = int(digits)
        if not POPULATION_MIN <= population <= POPULATION_MAX:
            message = messages.bad_population(digits, POPULATION_MIN, POPULATION_MAX)
            return _error(ErrorCode.BAD_POPULATION, message, pair), end
        if self.population is not None and self.population[0] != population:
            message = messages.conflicting_value(POPULATION_WORDS[0], self.population[1], pair)
            return _error(ErrorCode.CONFLICTING_VALUE, message, pair), end
        self.population = (population, pair)
        return None, end

    def _read_month(self, i: int) -> tuple[Issue | None, int]:
        keyword = self.tokens[i]
        argument = self._argument(i)
        if argument is None:
            return _error(ErrorCode.MISSING_ARGUMENT, messages.missing_value(keyword.text), keyword.text), i + 1
        pair = f"{keyword.text} {argument.text}"
        if not argument.is_number or not 1 <= int(argument.text) <= 12:
            return _error(ErrorCode.BAD_PERIOD, messages.bad_month(argument.text), pair), i + 2
        month, end = int(argument.text), i + 2
        year_token = self.tokens[end] if end < len(self.tokens) else None
        today = self.today
        if year_token is not None and year_token.is_number and len(year_token.text) == 4:
            year = int(year_token.text)
        elif year_token is not None and year_token.is_number and len(year_token.text) == 2 and year_token.gap == "/":
            year = 2000 + int(year_token.text)
        else:
            year_token = None
            year = today.year if month <= today.month else today.year - 1
        if year_token is not None:
            pair = f"{pair}/{year_token.text}"
            end += 1
        months_back = (today.year - year) * 12 + today.month - month
        if months_back < 0:
            return _error(ErrorCode.BAD_PERIOD, messages.future_month(month, year), pair), end
        if months_back > MONTHS_BACK:
            return _error(ErrorCode.BAD_PERIOD, messages.old_month(month, year, MONTHS_BACK), pair), end
        if self.month is not None and (self.month.year, self.month.month) != (year, month):
            message = messages.conflicting_value(MONTH_WORDS[0], self.month.token, pair)
            return _error(ErrorCode.CONFLICTING_VALUE, message, pair), end
        self.month = _Month(year, month, pair)
        return None, end


def _error(code: ErrorCode, message: str, token: str, indicator: str = "") -> Issue:
    return Issue(code, message, token=token, indicator=indicator)
