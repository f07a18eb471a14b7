"""Dates to ISO 8601: regexes find candidates, dateparser parses them with the language given.

dateparser's automatic language search is 20-40x slower and its `search_dates` sees dates in
ordinary words, so it is only ever called on a candidate string with the page's language, strict
parsing and day, month and year required. Relative dates are resolved against `fetched_at` only.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache
from typing import Any

ISO = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})(?:[T ](?P<h>\d{2}):(?P<m>\d{2})(?::(?P<s>\d{2}))?(?:\.\d+)?"
    r"(?P<tz>Z|[+-]\d{2}:?\d{2})?)?$"
)
_TIME = re.compile(r"\b\d{1,2}[:.]\d{2}\b(?!\.\d)")
_RELATIVE = re.compile(
    r"\b(?:ago|yesterday|today|назад|вчера|сегодня|vor|gestern|heute|il y a|hier|aujourd'hui"
    r"|hace|ayer|hoy)\b",
    re.IGNORECASE,
)
_LABEL = re.compile(
    r"^\s*(?:published|posted|updated|date|опубликовано|обновлено|дата публикации|дата"
    r"|veröffentlicht(?: am)?|aktualisiert(?: am)?|publié le|mis à jour le|publicado el|publicado"
    r"|actualizado el)\s*[:\-–—]?\s*",
    re.IGNORECASE,
)
DMY_LANGUAGES = {"ru", "de", "fr", "es", "it", "pt", "nl", "pl", "uk"}
SUPPORTED = {"en", "ru", "de", "fr", "es", "it", "pt", "nl", "pl", "uk"}


@lru_cache(maxsize=32)
def _parser(language: str, order: str, base_iso: str | None) -> Any:
    from dateparser.date import DateDataParser

    settings: dict[str, Any] = {
        "DATE_ORDER": order,
        "REQUIRE_PARTS": ["day", "month", "year"],
        "STRICT_PARSING": True,
        "RETURN_AS_TIMEZONE_AWARE": False,
        "PREFER_DATES_FROM": "past",
    }
    if base_iso:
        settings["RELATIVE_BASE"] = datetime.fromisoformat(base_iso).replace(tzinfo=None)
    languages = [language] if language == "en" else [language, "en"]
    return DateDataParser(languages=languages, settings=settings)


def parse_date(
    text: str, language: str | None = None, *, fetched_at: str | None = None
) -> str | None:
    """ISO date (or date-time when a time is stated) for a date string, or None."""
    text = _LABEL.sub("", text.strip()).strip(" .,;|")
    if not text or len(text) > 80:
        return None
    iso = ISO.match(text)
    if iso:
        return _iso_from_match(iso)
    relative = bool(_RELATIVE.search(text))
    if relative and not fetched_at:
        return None
    lang = language if language in SUPPORTED else "en"
    order = "DMY" if lang in DMY_LANGUAGES else "MDY"
    text = re.sub(r"\s+,", ",", text)
    base = fetched_at[:19] if relative and fetched_at else None
    try:
        result = _parser(lang, order, base).get_date_data(text)
    except (ValueError, OverflowError, TypeError):
        return None
    if result is None or result.date_obj is None:
        return None
    when: datetime = result.date_obj
    if _TIME.search(text) and not relative:
        return when.replace(second=when.second, microsecond=0).isoformat(timespec="minutes")
    return when.date().isoformat()


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
