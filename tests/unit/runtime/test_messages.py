"""The message catalogue: every text in every language, with the same fields; numbers, amounts
and dates as each language writes them."""

from __future__ import annotations

import string
from datetime import UTC, date, datetime

from caseflow.runtime.messages import LANGUAGES, Messages, catalogue


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_message_in_every_language_with_the_same_fields() -> None:
    for key, texts in catalogue().items():
        assert set(texts) == set(LANGUAGES), key
        assert fields(texts["nl"]) == fields(texts["en"]), key


def test_numbers_amounts_and_dates_as_each_language_writes_them() -> None:
    nl, en = Messages("nl"), Messages("en")
    assert (nl.number(13484353), en.number(13484353)) == ("13.484.353", "13,484,353")
    assert nl.euros(1442) == "€ 1.442"
    assert (nl.month(date(2020, 12, 1)), en.month(date(2020, 12, 1))) == (
        "december 2020",
        "December 2020",
    )
    assert nl.day(date(2020, 7, 10)) == "10 juli 2020"
    assert nl.moment(datetime(2021, 1, 4, 8, 0, tzinfo=UTC)) == "4 januari 2021 09:00 CET"
