"""The fast reader of common date shapes gives exactly dateparser's answers.

`cleaner.dates._common_date` skips dateparser for `28 March 2024`, `March 28, 2024` and
`28.03.2024` (weekday before, time after): every string it answers is compared with the answer
of the full dateparser path, across languages, month tables, weekdays, cases and bad days.
"""

from __future__ import annotations

import itertools
import random

import pytest

from cleaner import dates

LANGUAGES = ["en", "de", "fr", "es", "it", "pt", "nl", "ru", "pl", "uk", "en-GB", None]


def _cases() -> list[tuple[str, str | None]]:
    rng = random.Random(7)
    months = [m for names in dates._MONTH_NAMES.values() for m in names]
    weekdays = [w for names in dates._WEEKDAY_NAMES.values() for w in names] + ["Mon", "xyz"]
    days = ["1", "01", "9", "28", "29", "30", "31", "0", "32"]
    years = ["1899", "1900", "1991", "2023", "2024", "2099", "0999"]
    times = ["", " 14:05", ", 09:15", " 9:05", " 23:59:59", " 24:00", " 12:60", " 7:5"]
    out = []
    for _ in range(1800):
        language = rng.choice(LANGUAGES)
        own = dates._MONTH_NAMES.get((language or "en").split("-")[0], dates._MONTH_NAMES["en"])
        month = rng.choice(own) if rng.random() < 0.6 else rng.choice(months)
        day, year = rng.choice(days), rng.choice(years)
        month = rng.choice([month, month.title(), month.upper()])
        shape = rng.randrange(5)
        if shape == 0:
            text = f"{day} {month} {year}"
        elif shape == 1:
            text = f"{day}. {month} {year}"
        elif shape == 2:
            text = f"{day} de {month} de {year}"
        elif shape == 3:
            text = f"{month} {day}, {year}"
        else:
            text = f"{day}.{rng.randrange(0, 14):02d}.{year}"
        if rng.random() < 0.3:
            text = f"{rng.choice(weekdays)}, {text}"
        text += rng.choice(times)
        out.append((text, language))
    return out


CASES = _cases()


@pytest.mark.parametrize("chunk", range(6))
def test_fast_path_agrees_with_dateparser(chunk: int, monkeypatch: pytest.MonkeyPatch) -> None:
    cases = CASES[chunk::6]
    fast = {}
    for text, language in cases:
        dates._parse_cached.cache_clear()
        fast[text, language] = dates.parse_date(text, language)
    monkeypatch.setattr(dates, "_common_date", lambda text, language: None)
    wrong = []
    for text, language in cases:
        dates._parse_cached.cache_clear()
        slow = dates.parse_date(text, language)
        if slow != fast[text, language]:
            wrong.append((text, language, fast[text, language], slow))
    dates._parse_cached.cache_clear()
    assert not wrong, wrong[:10]


def test_fast_path_answers_the_common_shapes() -> None:
    """The shapes of the samples' dates do not reach dateparser."""
    shapes = [
        ("July 3, 2024", "en"),
        ("Wednesday, July 3, 2024", "en"),
        ("12.03.2024 14:05", "ru"),
        ("28. März 2024", "de"),
        ("12 mars 2024 14:05", "fr"),
        ("jueves, 28 de marzo de 2024", "es"),
    ]
    for text, language in shapes:
        assert dates._common_date(text, language) is not None, text
    assert list(itertools.islice(CASES, 1))  # the generated table is not empty
