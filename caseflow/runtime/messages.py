"""The message catalogue (messages.toml beside this file): every text a reader sees, in Dutch
(the default: the IND publishes in Dutch) and English, with the numbers, amounts, days and month
names of that language (CLDR, by Babel). One catalogue for every part of caseflow that speaks
to people: the monthly report, the console.
"""

from __future__ import annotations

import tomllib
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any, Literal, get_args
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal

Language = Literal["nl", "en"]
LANGUAGES: tuple[Language, ...] = get_args(Language)
DEFAULT_LANGUAGE: Language = "nl"
#: The CLDR locale of each language: Dutch as in the Netherlands, English with European dates.
LOCALES: dict[Language, str] = {"nl": "nl_NL", "en": "en_GB"}
CATALOGUE = Path(__file__).with_name("messages.toml")
TIMEZONE = ZoneInfo("Europe/Amsterdam")


@cache
def catalogue() -> dict[str, dict[str, str]]:
    """Every message by its dotted key (``report.title``), each with a text per language."""
    with CATALOGUE.open("rb") as handle:
        tree = tomllib.load(handle)
    found: dict[str, dict[str, str]] = {}

    def walk(prefix: str, table: dict[str, Any]) -> None:
        texts = {k: v for k, v in table.items() if isinstance(v, str)}
        if texts:
            found[prefix] = texts
        for key, value in table.items():
            if isinstance(value, dict):
                walk(f"{prefix}.{key}" if prefix else key, value)

    walk("", tree)
    return found


class Messages:
    """The catalogue in one language: ``messages("report.title", month=...)``."""

    def __init__(self, language: Language = DEFAULT_LANGUAGE) -> None:
        if language not in LANGUAGES:
            raise ValueError(f"language must be one of {', '.join(LANGUAGES)}")
        self.language = language
        self.locale = LOCALES[language]

    def __call__(self, key: str, **fields: object) -> str:
        text = catalogue()[key][self.language]
        return text.format(**fields) if fields else text

    def number(self, value: float) -> str:
        """1.234.567 in Dutch, 1,234,567 in English; whole numbers without decimals."""
        return format_decimal(value, locale=self.locale)

    def euros(self, value: float) -> str:
        return format_currency(
            value, "EUR", format="¤ #,##0", locale=self.locale, currency_digits=False
        )

    def day(self, value: date) -> str:
        """31 december 2020 / 31 December 2020."""
        return format_date(value, "d MMMM yyyy", locale=self.locale)

    def month(self, value: date) -> str:
        """december 2020 / December 2020."""
        return format_date(value, "LLLL yyyy", locale=self.locale)

    def month_short(self, value: date) -> str:
        """dec 2020 / Dec 2020: for the ticks of a chart."""
        return format_date(value, "LLL yyyy", locale=self.locale)

    def moment(self, value: datetime) -> str:
        """A wall-clock time in Amsterdam, with its zone: 2 december 2026 01:56 CET."""
        return format_datetime(value, "d MMMM yyyy HH:mm zzz", tzinfo=TIMEZONE, locale=self.locale)
