"""Dates to ISO 8601: regexes find candidates, dateparser parses them with the language given.

dateparser's automatic language search is 20-40x slower and its `search_dates` sees dates in
ordinary words, so it is only ever called on a candidate string with the page's language, strict
parsing and day, month and year required. Relative dates are resolved against `fetched_at` only:
against the wall clock they would silently become "today" for every re-run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any

ISO = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})(?:[T ](?P<h>\d{2}):(?P<m>\d{2})(?::(?P<s>\d{2}))?(?:\.\d+)?"
    r"\s*(?P<tz>Z|[+-]\d{2}:?\d{2})?)?$"
)
_TIME = re.compile(r"(?<![\d.:/-])\d{1,2}\s*[:h]\s*\d{2}(?::\d{2})?(?![\d.:/-])", re.IGNORECASE)
_FRENCH_TIME = re.compile(r"\b(\d{1,2})\s*h\s*(\d{2})\b", re.IGNORECASE)
_ZONE = re.compile(
    r"(?:\b(?:UTC|GMT|MSK|CET|CEST|EET|EEST|WET|WEST|BST|EST|EDT|CST|CDT|PST|PDT)\b"
    r"|(?<=\d)\s*[+-]\d{2}:?\d{2}\b)"
)
_RELATIVE = re.compile(
    r"(?:\bago\b|\byesterday\b|\btoday\b|назад|вчера|сегодня|\bvor\s+\d|\bgestern\b|\bheute\b"
    r"|\bil y a\b|\bhier\b|aujourd'hui|\bhace\s+\d|\bayer\b|\bhoy\b)",
    re.IGNORECASE,
)
_LABEL = re.compile(
    r"^\s*(?:(?:first\s+)?(?:published|posted|updated|last\s+updated|last\s+modified|created|dated?)"
    r"(?:\s+(?:on|at))?"
    r"|опубликовано|обновлено|изменено|создано|дата\s+публикации|дата\s+обновления|дата|размещено"
    r"|veröffentlicht(?:\s+am)?|aktualisiert(?:\s+am)?|zuletzt\s+aktualisiert(?:\s+am)?|erstellt\s+am"
    r"|stand|datum"
    r"|publié(?:\s+le)?|mis\s+à\s+jour(?:\s+le)?|actualisé(?:\s+le)?|date\s+de\s+publication|modifié\s+le"
    r"|publicado(?:\s+el)?|actualizado(?:\s+el)?|fecha(?:\s+de\s+publicación)?"
    r"|última\s+actualización)\s*[:\-–—]?\s*",
    re.IGNORECASE,
)
_NOISE = [
    (re.compile(r"\(?\b(?:мск|msk)\b\)?", re.IGNORECASE), "+0300"),  # Moscow time, no DST
    (re.compile(r"\bMESZ\b"), "CEST"),
    (re.compile(r"\bMEZ\b"), "CET"),
    (re.compile(r"\b(\d{1,2})er\b", re.IGNORECASE), r"\1"),  # French "1er février"
    (re.compile(r"\s+(?:г\.|года|гг\.)(?=\s|,|$)"), ""),  # Russian "2023 г.", "2023 года"
    (re.compile(r"\s+Uhr\b"), ""),
    (re.compile(r"\s+(?:à|a las|a la|в|um|at)\s+(?=\d)", re.IGNORECASE), " "),
    (re.compile(r"\s+,"), ","),
]
DMY_LANGUAGES = {"ru", "de", "fr", "es", "it", "pt", "nl", "pl", "uk"}
SUPPORTED = {"en", "ru", "de", "fr", "es", "it", "pt", "nl", "pl", "uk"}
# English-speaking regions that write day/month/year: `language="en-GB"` reads 03/12 as 3 December.
DMY_REGIONS = {"GB", "UK", "IE", "AU", "NZ", "IN", "ZA", "SG", "NG", "KE", "PK"}
_CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
_COARSE = re.compile(
    r"(?:weeks?|months?|years?|\bнедел|\bмесяц|\bгод|\bлет\b|woche|monat|jahr|semaine|mois|\bans?\b"
    r"|semana|\bmes(?:es)?\b|años?)",
    re.IGNORECASE,
)
_HAS_YEAR = re.compile(r"(?<!\d)(?:\d{4}|\d{1,2}[./-]\d{1,2}[./-]\d{2})(?!\d)")
MAX_CANDIDATE = 80  # a longer string is prose, not a date


@lru_cache(maxsize=64)
def _parser(language: str, order: str, base_iso: str | None, aware: bool) -> Any:
    """One DateDataParser per (language, order, base): building one costs far more than a parse."""
    from dateparser.date import DateDataParser

    settings: dict[str, Any] = {
        "DATE_ORDER": order,
        "REQUIRE_PARTS": ["day", "month", "year"],
        "STRICT_PARSING": True,
        "RETURN_AS_TIMEZONE_AWARE": aware,
        "PREFER_DATES_FROM": "past",
    }
    if base_iso:
        settings["RELATIVE_BASE"] = datetime.fromisoformat(base_iso).replace(tzinfo=None)
        # A relative date has no day/month/year of its own; the base supplies them.
        settings.pop("REQUIRE_PARTS")
        settings.pop("STRICT_PARSING")
    languages = [language] if language == "en" else [language, "en"]
    return DateDataParser(languages=languages, settings=settings)


def strip_label(text: str) -> str:
    """The date part of `Published: 12 March 2023`: dateparser returns None with the label on."""
    return _LABEL.sub("", text.strip()).strip(" .,;|")


def _order(language: str, text: str) -> str:
    """Day/month order: the page's convention (English uses M/D/Y only with slashes)."""
    if language in DMY_LANGUAGES:
        return "DMY"
    if re.search(r"\d{1,2}\.\d{1,2}\.\d{2,4}", text):
        return "DMY"  # dotted numeric dates are European even on English pages
    return "MDY"


def parse_date(
    text: str, language: str | None = None, *, fetched_at: str | None = None
) -> str | None:
    """ISO date (or date-time when a time is stated, with offset when a zone is) or None.

    `language` is an ISO 639-1 code, optionally with a region (`en-GB`) that sets day/month order.
    """
    return _parse_cached(text, language, fetched_at)


@lru_cache(maxsize=4096)
def _parse_cached(text: str, language: str | None, fetched_at: str | None) -> str | None:
    """Pages of one site repeat their widget and label dates: parse each string once."""
    text = strip_label(text)
    if not text or len(text) > MAX_CANDIDATE:
        return None
    iso = ISO.match(text)
    if iso:
        return _iso_from_match(iso)
    if not any(ch.isdigit() for ch in text) and not _RELATIVE.search(text):
        return None  # "May", "You may also like": no day, no year
    relative = bool(_RELATIVE.search(text))
    if relative and (not fetched_at or _COARSE.search(text)):
        return None  # "4 months ago" is a month wide: a day picked from it would be a guess
    if not relative and not _HAS_YEAR.search(text):
        return None  # "1 Min", "7 days": dateparser would count them back from the wall clock
    base_lang, _, region = (language or "").partition("-")
    lang = base_lang.lower() if base_lang.lower() in SUPPORTED else "en"
    if lang not in ("ru", "uk") and _CYRILLIC.search(text):
        lang = "ru"  # a Russian widget on a page whose language is unknown or Latin-script
    text = _FRENCH_TIME.sub(r"\1:\2", text)
    for pattern, replacement in _NOISE:
        text = pattern.sub(replacement, text)
    has_time = bool(_TIME.search(text))
    aware = has_time and bool(_ZONE.search(text)) and not relative
    base = fetched_at[:19] if relative and fetched_at else None
    if not relative and not aware:
        fast = _common_date(text, lang)
        if fast is not None:
            return fast
    try:
        order = "DMY" if region.upper() in DMY_REGIONS else _order(lang, text)
        result = _parser(lang, order, base, aware).get_date_data(text)
    except (ValueError, OverflowError, TypeError):
        return None
    if result is None or result.date_obj is None:
        return None
    when: datetime = result.date_obj
    if relative:
        return when.date().isoformat()
    if not has_time:
        return when.date().isoformat()
    return when.replace(second=0, microsecond=0).isoformat(timespec="minutes")


def _iso_from_match(found: re.Match[str]) -> str | None:
    try:
        datetime.fromisoformat(found["date"])
    except ValueError:
        return None
    if not found["h"]:
        return found["date"]
    out = f"{found['date']}T{found['h']}:{found['m']}"
    if found["s"]:
        out += f":{found['s']}"
    tz = found["tz"]
    if tz:
        out += "+00:00" if tz == "Z" else (tz if ":" in tz else f"{tz[:3]}:{tz[3:]}")
    return out


# Datelines: "BAKU, Azerbaijan, January 3." gives a month and a day, never a year.
MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    [
        "january jan январь января янв januar jänner janvier janv enero ene",
        "february feb февраль февраля фев февр februar feb février févr febrero",
        "march mar март марта мар märz mär mars marzo",
        "april apr апрель апреля апр april avril avr abril abr",
        "may май мая mai mai mayo",
        "june jun июнь июня июн juni juin junio",
        "july jul июль июля июл juli juillet juil julio",
        "august aug август августа авг august août agosto ago",
        "september sep sept сентябрь сентября сен сент september septembre septiembre setiembre",
        "october oct октябрь октября окт oktober okt octobre octubre",
        "november nov ноябрь ноября ноя нояб november novembre noviembre",
        "december dec декабрь декабря дек dezember dez décembre déc diciembre dic",
    ],
    start=1,
):
    for _name in _names.split():
        MONTHS.setdefault(_name, _number)

_MONTH = r"(?P<month>[^\W\d_]{3,10})\.?"
_DAY = r"(?P<day>\d{1,2})"
_DATELINE = re.compile(
    r"^(?:[A-ZА-ЯЁ][A-ZА-ЯЁÄÖÜÉÈÁÍÓÚÑ'’.\- ]{1,30})(?:,\s*[^\W\d_][\w .'’-]{1,30}?)?,\s*"
    rf"(?:{_MONTH}\s+{_DAY}|{_DAY.replace('day', 'day2')}\.?\s+(?:de\s+)?"
    rf"{_MONTH.replace('month', 'month2')})\b\s*(?:[.,:—–-]|\()"
)


def dateline(text: str) -> tuple[int, int] | None:
    """(month, day) of a wire dateline at the start of a lead (`MOSCOW, March 12 (Reuters) -`)."""
    found = _DATELINE.match(text)
    if not found:
        return None
    name = (found["month"] or found["month2"]).lower()
    month = MONTHS.get(name)
    day = int(found["day"] or found["day2"])
    if month is None:
        return None
    try:
        date(2000, month, day)  # a leap year, so that 29 February is accepted
    except ValueError:
        return None
    return month, day


WEEKDAY = re.compile(
    r"^\W*(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|wed|thu|fri|sat|sun"
    r"|понедельник|вторник|среда|четверг|пятница|суббота|воскресенье"
    r"|montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonnabend|sonntag"
    r"|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche"
    r"|lunes|martes|miércoles|miercoles|jueves|viernes|sábado|sabado|domingo)\b\.?,?\s",
    re.IGNORECASE,
)


# The common shapes of a stated date, read without dateparser: the answers are dateparser's own
# (tests/test_dates.py compares them on every language and shape), at ~1/100 of its cost, and
# dateparser is not even imported for a page whose dates all have these shapes.
_MONTH_NAMES: dict[str, tuple[str, ...]] = {
    "en": ("january", "february", "march", "april", "may", "june", "july", "august",
           "september", "october", "november", "december"),
    "de": ("januar", "februar", "märz", "april", "mai", "juni", "juli", "august", "september",
           "oktober", "november", "dezember"),
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
           "octobre", "novembre", "décembre"),
    "es": ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
           "septiembre", "octubre", "noviembre", "diciembre"),
    "it": ("gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto",
           "settembre", "ottobre", "novembre", "dicembre"),
    "pt": ("janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto",
           "setembro", "outubro", "novembro", "dezembro"),
    "nl": ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
           "september", "oktober", "november", "december"),
    "ru": ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
           "сентября", "октября", "ноября", "декабря"),
}  # fmt: skip
_WEEKDAY_NAMES: dict[str, tuple[str, ...]] = {
    "en": ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
    "de": ("montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag", "sonntag"),
    "fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
    "es": ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
    "ru": ("понедельник", "вторник", "среда", "четверг", "пятница", "суббота", "воскресенье"),
}
_CLOCK = r"(?:,?\s+(?P<h>\d{1,2}):(?P<m>\d{2})(?::\d{2})?)?"
_WEEKDAY_PREFIX = r"(?:(?P<weekday>[^\W\d_]+),?\s+)?"
_DMY_NAME = re.compile(
    _WEEKDAY_PREFIX + r"(?P<day>\d{1,2})\.?\s+(?:de\s+)?(?P<month>[^\W\d_]+)\s+(?:de\s+)?"
    r"(?P<year>\d{4})" + _CLOCK
)
_MDY_NAME = re.compile(
    _WEEKDAY_PREFIX + r"(?P<month>[^\W\d_]+)\s+(?P<day>\d{1,2}),?\s+(?P<year>\d{4})" + _CLOCK
)
_DMY_DOTS = re.compile(
    _WEEKDAY_PREFIX + r"(?P<day>\d{1,2})\.(?P<month>\d{1,2})\.(?P<year>\d{4})" + _CLOCK
)


def _common_date(text: str, language: str) -> str | None:
    """The ISO date of `28 March 2024`, `March 28, 2024`, `28.03.2024` (with a weekday before
    or a time after), or None for anything else, which then goes to dateparser."""
    languages = (language, "en") if language != "en" else ("en",)
    found = _DMY_DOTS.fullmatch(text)
    if found:
        month, words_from = int(found["month"]), set(languages)
    else:
        found = _DMY_NAME.fullmatch(text) or _MDY_NAME.fullmatch(text)
        if found is None:
            return None
        name = found["month"].lower()
        # dateparser reads a date whose words all come from one of its languages.
        words_from = {lang for lang in languages if name in _MONTH_NAMES.get(lang, ())}
        if not words_from:
            return None
        month = _MONTH_NAMES[next(iter(words_from))].index(name) + 1
        if found.re is _MDY_NAME and "en" not in words_from:
            return None
        if " de " in text and not words_from & {"es", "pt"}:
            return None  # `28 de marzo de 2024` is Spanish and Portuguese only
    if found["weekday"] is not None:
        weekday = found["weekday"].lower()
        if not any(weekday in _WEEKDAY_NAMES.get(lang, ()) for lang in words_from):
            return None
    try:
        day = date(int(found["year"]), month, int(found["day"]))
    except ValueError:
        return None
    if found["year"] < FIRST_FAST_YEAR:
        return None
    if found["h"] is None:
        return day.isoformat()
    hour, minute = int(found["h"]), int(found["m"])
    if hour > 23 or minute > 59:
        return None
    return f"{day.isoformat()}T{hour:02d}:{minute:02d}"


FIRST_FAST_YEAR = "1900"  # older years go to dateparser, whose century rules decide them


# Date candidates in a scrape's lines: every shape a dateline or byline shows, found by one
# pattern, so that dateparser only ever sees strings that already look like a date.
_FIND_NUMERIC = (
    r"(?P<ymd>(?P<y1>(?:19|20)\d\d)[-/.](?P<m1>\d{1,2})[-/.](?P<d1>\d{1,2})(?!\d))"
    r"|(?P<dmy>(?P<a>\d{1,2})(?P<sep>[./-])(?P<b>\d{1,2})(?P=sep)(?P<y2>(?:19|20)\d\d)(?!\d))"
    r"|(?P<dmy2>(?P<a2>\d{2})(?P<sep2>[./])(?P<b2>\d{2})(?P=sep2)(?P<y3>\d{2})(?![\d.]))"
    r"|(?P<cjk>(?P<y4>(?:19|20)\d\d)\s*年\s*(?P<m4>\d{1,2})\s*月\s*(?P<d4>\d{1,2})\s*日)"
)
_FIND_WORDS = (
    r"|(?P<dmon>\d{1,2}(?:er|\.|st|nd|rd|th|º)?\s+(?:de\s+)?(?P<w1>[^\W\d_]{3,12})\.?,?\s+"
    r"(?:de\s+|del\s+)?(?:19|20)\d\d)(?!\d)"
    r"|(?P<mond>(?P<w2>[^\W\d_]{3,12})\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+(?:19|20)\d\d)(?!\d)"
)
_FIND_TIME = (
    r"(?:,?\s*(?:um|at|à|a las|a la|в|alle|às|-|\|)?\s*"
    r"(?P<h>\d{1,2})\s*[:h]\s*(?P<mi>\d{2})(?!\d)(?:\s*(?P<ampm>[ap]\.?\s?m\b\.?))?)?"
)
FIND_DATE = re.compile(
    r"(?<![\w/.:-])(?:" + _FIND_NUMERIC + _FIND_WORDS + r")" + _FIND_TIME, re.IGNORECASE
)


_MONTH_KEYS = ("january", "february", "march", "april", "may", "june", "july", "august",
               "september", "october", "november", "december")  # fmt: skip


@lru_cache(maxsize=32)
def month_words(language: str) -> dict[str, int]:
    """Month names and abbreviations → month number, as dateparser knows them for `language`
    (and English), from its data modules: importing one is cheap, unlike building its parser
    (6-12 s per language), and a date found by `find_dates` then never needs that parser."""
    import importlib

    out: dict[str, int] = {}
    for lang in (language, "en"):
        try:
            data = importlib.import_module(f"dateparser.data.date_translation_data.{lang}").info
        except (ImportError, AttributeError):
            continue
        for number, key in enumerate(_MONTH_KEYS, start=1):
            for name in data.get(key, ()):
                out.setdefault(name.casefold().rstrip("."), number)
    return out


@dataclass(frozen=True, slots=True)
class Found:
    """A date shown in a line: where it starts and ends, the string, its ISO value."""

    start: int
    end: int
    text: str
    value: str


def find_dates(text: str, language: str | None, day_first: bool | None = None) -> list[Found]:
    """Every date with day, month and year in `text` (a line), parsed; a time after it kept.

    `day_first` decides 03/04/2024 when the page's own dates told (None: the language's
    convention). Candidates come from one regex; only those reach `parse_date`.
    """
    out: list[Found] = []
    lang = (language or "en").partition("-")[0].lower()
    if _CYRILLIC.search(text) and lang not in ("ru", "uk"):
        lang = "ru"
    for found in FIND_DATE.finditer(text):
        value = _found_value(found, lang, day_first)
        if value is None:
            continue
        if found["h"] is not None:
            hour, minute = int(found["h"]), int(found["mi"])
            ampm = (found["ampm"] or "").lower()
            if ampm.startswith("p") and hour < 12:
                hour += 12
            elif ampm.startswith("a") and hour == 12:
                hour = 0
            if hour < 24 and minute < 60:
                value = f"{value}T{hour:02d}:{minute:02d}"
        out.append(Found(found.start(), found.end(), found.group(0), value))
    return out


def _found_value(found: re.Match[str], lang: str, day_first: bool | None) -> str | None:
    try:
        if found["ymd"]:
            return date(int(found["y1"]), int(found["m1"]), int(found["d1"])).isoformat()
        if found["cjk"]:
            return date(int(found["y4"]), int(found["m4"]), int(found["d4"])).isoformat()
        if found["dmy"] or found["dmy2"]:
            a, b = (found["a"], found["b"]) if found["dmy"] else (found["a2"], found["b2"])
            year = int(found["y2"] or 0) if found["dmy"] else 2000 + int(found["y3"])
            if found["dmy2"] and year > 2000 + date.today().year % 100 + 1:
                year -= 100
            first, second = int(a), int(b)
            dmy = day_first
            if dmy is None:
                sep = found["sep"] or found["sep2"]
                dmy = lang in DMY_LANGUAGES or sep == "." or lang not in SUPPORTED
            if first > 12:
                dmy = True
            elif second > 12:
                dmy = False
            day, month = (first, second) if dmy else (second, first)
            return date(year, month, day).isoformat()
    except ValueError:
        return None
    named = month_words(lang).get((found["w1"] or found["w2"] or "").casefold())
    if named is None:
        return None
    digits = re.findall(r"\d+", found["dmon"] or found["mond"])
    day, year = int(digits[0]), int(digits[-1])
    try:
        return date(year, named, day).isoformat()
    except ValueError:
        return None
