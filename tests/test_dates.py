"""Date strings as pages state them, in five languages: expected ISO value or None.

The table is the contract for `parse_date`; a wrong date is worse than none, so the None rows
(date widgets' partial dates, bare months, year-only strings, relative dates without
`fetched_at`) matter as much as the parsed ones.
"""

from __future__ import annotations

import pytest

from cleaner.dates import dateline, parse_date

FETCHED = "2024-01-05T10:00:00+00:00"

# (text, language, expected) — parsed without fetched_at
TABLE: list[tuple[str, str, str | None]] = [
    # English
    ("Published 12 March 2023, 14:05", "en", "2023-03-12T14:05"),
    ("Published: March 12, 2023", "en", "2023-03-12"),
    ("Posted on March 12, 2023 at 2:05 pm", "en", "2023-03-12T14:05"),
    ("Updated: Sun, March 12, 2023", "en", "2023-03-12"),
    ("Mar. 12, 2023", "en", "2023-03-12"),
    ("12 Mar 2023", "en", "2023-03-12"),
    ("03/12/2023", "en", "2023-03-12"),
    ("3/12/2023", "en", "2023-03-12"),
    ("Jan. 4, 2022", "en", "2022-01-04"),
    ("2023-03-12T14:05:00Z", "en", "2023-03-12T14:05:00+00:00"),
    ("2023-03-12T14:05:00+0300", "en", "2023-03-12T14:05:00+03:00"),
    ("2023-03-12 14:05", "en", "2023-03-12T14:05"),
    ("2023-03-12", "en", "2023-03-12"),
    ("March 12, 2023 14:05 GMT", "en", "2023-03-12T14:05+00:00"),
    ("Date: 12 March 2023", "en", "2023-03-12"),
    ("May", "en", None),
    ("January 3", "en", None),
    ("2023", "en", None),
    ("3 hours ago", "en", None),
    ("yesterday", "en", None),
    ("You may also like", "en", None),
    ("1 Min", "en", None),
    ("7 days", "en", None),
    ("5 min", "de", None),
    ("2 Stunden", "de", None),
    ("2023-02-30", "en", None),
    ("13/13/2023", "en", None),
    ("March 12th, 2023", "en", "2023-03-12"),
    ("March 12, 2023 2:05 PM EST", "en", "2023-03-12T14:05-05:00"),
    ("Mon, 12 Mar 2023 14:05:00 +0000", "en", "2023-03-12T14:05+00:00"),
    ("2023-03-12T14:05:00.000+01:00", "en", "2023-03-12T14:05:00+01:00"),
    # Russian
    ("Опубликовано: 12.03.2023 14:05", "ru", "2023-03-12T14:05"),
    ("Опубликовано: 3 марта 2024, 14:05", "ru", "2024-03-03T14:05"),
    ("12 марта 2023 г.", "ru", "2023-03-12"),
    ("12 марта 2023 года, 09:30", "ru", "2023-03-12T09:30"),
    ("Дата публикации: 05.04.2023", "ru", "2023-04-05"),
    ("03.04.2024", "ru", "2024-04-03"),
    ("Обновлено 1 февраля 2024", "ru", "2024-02-01"),
    ("вторник, 12 марта 2024", "ru", "2024-03-12"),
    ("12.03.2023 14:05 МСК", "ru", "2023-03-12T14:05+03:00"),
    ("12 марта", "ru", None),
    ("март 2023", "ru", None),
    ("3 дня назад", "ru", None),
    ("вчера, 14:05", "ru", None),
    ("Подписаться", "ru", None),
    # German
    ("Veröffentlicht am 12.03.2023", "de", "2023-03-12"),
    ("Veröffentlicht am 12.03.2023, 14:05 Uhr", "de", "2023-03-12T14:05"),
    ("12. März 2023", "de", "2023-03-12"),
    ("Stand: 05.04.2023 09:15 Uhr", "de", "2023-04-05T09:15"),
    ("Aktualisiert am 1. Februar 2024", "de", "2024-02-01"),
    ("Donnerstag, 28. März 2024", "de", "2024-03-28"),
    ("03.04.2024", "de", "2024-04-03"),
    ("12.03.2023, 14:05 MEZ", "de", "2023-03-12T14:05+01:00"),
    ("Sonntag, 12. März 2023 um 14:05 Uhr", "de", "2023-03-12T14:05"),
    ("12.03.23", "de", "2023-03-12"),
    ("12. März", "de", None),
    ("vor 2 Stunden", "de", None),
    ("gestern", "de", None),
    # French
    ("Publié le 12 mars 2023", "fr", "2023-03-12"),
    ("Publié le 12 mars 2023 à 14h05", "fr", "2023-03-12T14:05"),
    ("Mis à jour le 1er février 2024 à 09:30", "fr", "2024-02-01T09:30"),
    ("12/03/2023", "fr", "2023-03-12"),
    ("lundi 12 mars 2023", "fr", "2023-03-12"),
    ("Publié le 03.04.2024", "fr", "2024-04-03"),
    ("12/03/2023 à 14h05 CET", "fr", "2023-03-12T14:05+01:00"),
    ("12 mars", "fr", None),
    ("il y a 3 heures", "fr", None),
    ("mars 2023", "fr", None),
    # Spanish
    ("Publicado el 12 de marzo de 2023", "es", "2023-03-12"),
    ("Publicado el 12 de marzo de 2023 a las 14:05", "es", "2023-03-12T14:05"),
    ("Actualizado el 1 de febrero de 2024", "es", "2024-02-01"),
    ("12/03/2023", "es", "2023-03-12"),
    ("12/03/2023 14:05", "es", "2023-03-12T14:05"),
    ("jueves, 28 de marzo de 2024", "es", "2024-03-28"),
    ("Fecha: 05-04-2023", "es", "2023-04-05"),
    ("12 de marzo", "es", None),
    ("hace 5 minutos", "es", None),
    ("marzo de 2023", "es", None),
]

# Relative dates resolve against fetched_at only.
RELATIVE: list[tuple[str, str, str | None]] = [
    ("3 hours ago", "en", "2024-01-05"),
    ("2 days ago", "en", "2024-01-03"),
    ("yesterday", "en", "2024-01-04"),
    ("3 дня назад", "ru", "2024-01-02"),
    ("вчера", "ru", "2024-01-04"),
    ("сегодня, 09:15", "ru", "2024-01-05"),
    ("vor 2 Stunden", "de", "2024-01-05"),
    ("vor 3 Tagen", "de", "2024-01-02"),
    ("il y a 2 jours", "fr", "2024-01-03"),
    ("hace 2 días", "es", "2024-01-03"),
    ("Published 12 March 2023", "en", "2023-03-12"),
    ("2 weeks ago", "en", None),  # too coarse to give a day
    ("vor 4 Monaten", "de", None),
    ("2 месяца назад", "ru", None),
    ("il y a 3 mois", "fr", None),
    ("hace 1 año", "es", None),
]


@pytest.mark.parametrize(("text", "language", "expected"), TABLE)
def test_parse_date(text: str, language: str, expected: str | None) -> None:
    assert parse_date(text, language) == expected


@pytest.mark.parametrize(("text", "language", "expected"), RELATIVE)
def test_relative_dates_against_fetched_at(text: str, language: str, expected: str | None) -> None:
    assert parse_date(text, language, fetched_at=FETCHED) == expected


def test_table_is_big_enough() -> None:
    assert len(TABLE) >= 60
    assert {lang for _, lang, _ in TABLE} >= {"en", "ru", "de", "fr", "es"}


def test_numeric_order_follows_the_language() -> None:
    assert parse_date("03.04.2024", "ru") == "2024-04-03"
    assert parse_date("03/04/2024", "en") == "2024-03-04"
    assert parse_date("03/04/2024", "es") == "2024-04-03"
    assert parse_date("03/04/2024", "en-GB") == "2024-04-03"
    assert parse_date("03/04/2024", "en-US") == "2024-03-04"


def test_cyrillic_date_without_a_russian_page_language() -> None:
    assert parse_date("10 апреля 2024", None) == "2024-04-10"
    assert parse_date("10 апреля 2024", "en") == "2024-04-10"


DATELINES: list[tuple[str, tuple[int, int] | None]] = [
    ("BAKU, Azerbaijan, January 3. During the Security Council meeting ...", (1, 3)),
    ("MOSCOW, March 12 (Reuters) - Russia said on Monday ...", (3, 12)),
    ("WASHINGTON (AP) — The Senate voted on Tuesday ...", None),
    ("On Jan. 4, Tokayev declared a two-week state of emergency.", None),
    ("МОСКВА, 12 марта. Правительство объявило ...", (3, 12)),
    ("BERLIN, 12. März (dpa) - Die Bundesregierung ...", (3, 12)),
    ("PARIS, 12 mars (AFP) - Le gouvernement ...", (3, 12)),
    ("MADRID, 12 de marzo (EFE). El Gobierno ...", (3, 12)),
    ("Armenian Prime Minister Nikol Pashinyan announced on Jan. 6 that ...", None),
]


@pytest.mark.parametrize(("text", "expected"), DATELINES)
def test_dateline(text: str, expected: tuple[int, int] | None) -> None:
    assert dateline(text) == expected
