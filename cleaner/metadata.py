"""Metadata from what the rules captured and from the page's shape: title, dates, publisher.

The passes here are rules too (`meta.title`, `meta.repeated-title`): a headline is taken out of
the text into `title`, and its repetitions are removed, each with a rule id for `--explain`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from cleaner.dates import parse_date
from cleaner.engine import Match, is_body_like
from cleaner.lines import Unit

BUILTIN_RULES: dict[str, tuple[str, str]] = {
    "meta.title": ("title", "The headline: a short first line before the body (kept in `title`)"),
    "meta.repeated-title": ("title", "A line that repeats the headline"),
}

_TRAILING = re.compile(r"[\s.,;:|/\\—–-]+$")
_MARKS = re.compile(r"[®™℠]")
_QUOTES = re.compile(r"^[\"“”«»']+|[\"“”«»']+$")


@dataclass(slots=True)
class Metadata:
    title: str | None = None
    published: str | None = None
    published_source: str | None = None
    page_date: str | None = None
    publisher: str | None = None
    category: str | None = None
    author: str | None = None


def normalise_name(value: str | None) -> str | None:
    """A publisher, category or author as shown, without ®/™ and trailing punctuation."""
    if not value:
        return None
    value = _MARKS.sub("", value)
    value = _TRAILING.sub("", value.strip())
    value = _QUOTES.sub("", value).strip() if value.count("«") != 1 else value.strip()
    return value or None


def pick_title(units: Sequence[Unit]) -> Unit | None:
    """The first kept unit, when it is short, not prose, and the body follows it."""
    kept = [u for u in units if u.kept]
    if len(kept) < 2:
        return None
    first = kept[0]
    if is_body_like(first) or first.words < 2 or first.words > 30 or len(first.text) > 250:
        return None
    if not any(is_body_like(u) for u in kept[1:4]):
        return None
    return first


def take_title(units: Sequence[Unit]) -> str | None:
    """Remove the headline and its repetitions from the text; return the headline."""
    unit = pick_title(units)
    if unit is None:
        return None
    unit.removed_by = "meta.title"
    key = _title_key(unit.text)
    for other in units:
        if other.kept and _title_key(other.text) == key:
            other.removed_by = "meta.repeated-title"
    return normalise_title(unit.text)


def _title_key(text: str) -> str:
    return re.sub(r"\W+", " ", text).strip().casefold()


def normalise_title(text: str) -> str:
    return _MARKS.sub("", text).strip()


def collect(
    matches: Sequence[tuple[Unit, Match]], language: str | None, fetched_at: str | None
) -> Metadata:
    """Fill metadata from rule captures, first capture of each field wins."""
    meta = Metadata()
    for _unit, found in matches:
        captures = found.captures
        for name in ("publisher", "category", "author"):
            if captures.get(name) and getattr(meta, name) is None:
                setattr(meta, name, normalise_name(captures[name]))
        if captures.get("page_date") and meta.page_date is None:
            meta.page_date = parse_date(captures["page_date"], language, fetched_at=fetched_at)
        if captures.get("published") and meta.published is None:
            value = parse_date(captures["published"], language, fetched_at=fetched_at)
            if value and _plausible(value, fetched_at):
                meta.published = value
                meta.published_source = found.rule.date_source
    return meta


def _plausible(value: str, fetched_at: str | None) -> bool:
    """A publication date after the page was fetched is not one."""
    return not fetched_at or value[:10] <= fetched_at[:10]
