"""Metadata from what the rules captured and from the page's shape: title, dates, publisher.

The passes here are rules too (`meta.title`, `meta.repeated-title`): a headline is taken out of
the text into `title`, and its repetitions are removed, each with a rule id for `--explain`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cleaner.dates import WEEKDAY, dateline, parse_date
from cleaner.engine import TOP_UNITS, Match, is_body_like
from cleaner.lines import Unit

BUILTIN_RULES: dict[str, tuple[str, str]] = {
    "meta.title": ("title", "The headline: a short first line before the body (kept in `title`)"),
    "meta.repeated-title": ("title", "A line that repeats the headline"),
    "meta.byline-date": (
        "social",
        "A bare date between the headline and the lead: the publication date (kept in `published`)",
    ),
}

_TRAILING = re.compile(r"[\s.,;:|/\\—–-]+$")
_MARKS = re.compile(r"[®™℠]")
_TRAILING_YEARS = re.compile(r"[\s,]+(?:19|20)\d\d(?:\s*[-–—]\s*(?:19|20)\d\d)?$")
_QUOTES = re.compile(r"^[\"“”«»']+|[\"“”«»']+$")
_QUOTE_CHARS = re.compile(r"[\"“”«»]")


@dataclass(slots=True)
class Metadata:
    title: str | None = None
    published: str | None = None
    published_source: str | None = None
    page_date: str | None = None
    publisher: str | None = None
    category: str | None = None
    author: str | None = None
    copyright_year: int | None = None  # for the consistency check, not output
    dateline: tuple[int, int] | None = None  # (month, day) of the lead's dateline
    published_text: str | None = None  # the string `published` was parsed from


def normalise_name(value: str | None) -> str | None:
    """A publisher, category or author as shown, without ®/™ and trailing punctuation."""
    if not value:
        return None
    value = _MARKS.sub("", unicodedata.normalize("NFC", value))
    value = _TRAILING.sub("", value.strip())
    value = _TRAILING.sub("", _TRAILING_YEARS.sub("", value))  # "© Le Journal 2024 - ..."
    inner = value[1:-1]
    if _QUOTES.sub("", value) == inner and not _QUOTE_CHARS.search(inner):  # «Коммерсантъ»
        value = value[1:-1]
    value = value.strip()
    return value or None


_BY = re.compile(r"^\s*(?:by|written by|von|par|por|автор|текст)\s*:?\s+", re.IGNORECASE)


def normalise_author(value: str | None) -> str | None:
    """An author as a name: meta tags often say `By Jane Doe`."""
    return normalise_name(_BY.sub("", value)) if value else None


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
    if not _looks_like_headline(first.text):
        return None
    return first


_HEADLINE_END = re.compile(r"[.,;:\-–—]$")
_LETTER_WORD = re.compile(r"[^\W\d_]{2,}")


def _looks_like_headline(text: str) -> bool:
    """A headline has words (not only a date), starts like a sentence, ends without a stop."""
    if len(_LETTER_WORD.findall(text)) < 2 or _HEADLINE_END.search(text):
        return False
    first = text.lstrip("\"“«'‘([")[:1]
    return not first.islower()


def take_title(units: Sequence[Unit]) -> str | None:
    """Remove the headline and its repetitions from the text; return the headline."""
    unit = pick_title(units)
    if unit is None:
        return None
    unit.removed_by = "meta.title"
    key = _title_key(unit.text)
    # The key is the text's \w+ words joined by spaces: a unit with another word count (as
    # make_units counted them, before any prefix rule shortened the text) cannot repeat it.
    size = key.count(" ") + 1 if key else 0
    for other in units:
        if not other.kept or (other.words != size and other.prefix_rule is None):
            continue
        if _title_key(other.text) == key:
            other.removed_by = "meta.repeated-title"
    return normalise_title(unit.text)


def drop_leading_title(units: Sequence[Unit], title: str | None) -> None:
    """The page's declared headline (HTML <title>, og:title) as the text's first kept line
    is the title printed above the article: `text` carries no title."""
    first = next((u for u in units if u.kept), None)
    if title and first is not None and _title_key(first.text) == _title_key(title):
        first.removed_by = "meta.repeated-title"


_NON_WORD = re.compile(r"\W+")
_TRAILING_SEPARATORS = re.compile(r"[\s|/\\—–:;,-]+$")


def _title_key(text: str) -> str:
    return _NON_WORD.sub(" ", text).strip().casefold()


def normalise_title(text: str | None) -> str | None:
    """A headline without ®/™, a dangling separator or a full stop; its ?, ! and … stay."""
    if text is None:
        return None
    text = _MARKS.sub("", unicodedata.normalize("NFC", text)).strip()  # HTML titles too
    text = _TRAILING_SEPARATORS.sub("", text)
    if text.endswith(".") and not _KEEP_STOP.search(text):
        text = text[:-1]
    return text.strip() or None


_KEEP_STOP = re.compile(r"(?:\.\.|\b\w\.\w\.|\b(?:Inc|Ltd|Co|Corp|Jr|Sr|St|etc|usw|bzw|г|гг)\.)$")


def collect(
    matches: Sequence[tuple[Unit, Match]],
    language: str | None,
    fetched_at: str | None,
    units: Sequence[Unit] | None = None,
) -> Metadata:
    """Fill metadata from rule captures (first capture of each field wins), then the dateline.

    A date captured after a list heading or a comment section belongs to a teaser, not to the
    article; a date later than the fetch or than the copyright year is not the publication date.
    """
    meta = Metadata(copyright_year=copyright_year(matches))
    after_lists = False
    for unit, found in matches:
        captures = found.captures
        for name in ("publisher", "category", "author"):
            if captures.get(name) and getattr(meta, name) is None:
                setattr(meta, name, normalise_name(captures[name]))
        if captures.get("page_date") and meta.page_date is None:
            meta.page_date = parse_date(captures["page_date"], language, fetched_at=fetched_at)
        raw = captures.get("published")
        # An "Updated"/"Stand" date is not the publication date (on the trafilatura dev pages
        # that state only one, it never was), so it is not even parsed.
        if raw and meta.published is None and not after_lists and not _UPDATED.match(unit.text):
            value = parse_date(raw, language, fetched_at=fetched_at)
            if value and plausible(value, fetched_at, meta.copyright_year):
                meta.published, meta.published_source = value, found.rule.date_source
                meta.published_text = raw
        if found.rule.remove in ("section", "rest") and found.rule.category in _LIST_CATEGORIES:
            after_lists = True
    if units is not None:
        apply_dateline(meta, units, language, fetched_at)
    return meta


_LIST_CATEGORIES = frozenset({"related-lists", "comments"})
_UPDATED = re.compile(
    r"^\W*(?:(?:last\s+)?updated|обновлено|изменено|(?:zuletzt\s+)?aktualisiert|stand\b"
    r"|mis\s+à\s+jour|actualisé|actualizado|última\s+actualización)",
    re.IGNORECASE,
)
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")


def copyright_year(matches: Sequence[tuple[Unit, Match]]) -> int | None:
    """The latest year a copyright line states: nothing on the page is published after it."""
    years = [
        int(y)
        for unit, found in matches
        if found.rule.category == "copyright"
        for y in _YEAR.findall(unit.text)
    ]
    return max(years) if years else None


def apply_dateline(
    meta: Metadata, units: Sequence[Unit], language: str | None, fetched_at: str | None
) -> None:
    """Note the lead's dateline (month, day); it names the year only with another stated date.

    `BAKU, Azerbaijan, January 3.` agrees with a syndication date of 2024-01-03; alone it has no
    year, and guessing one from today or the fetch would be a wrong date more often than not.
    """
    lead = next((u for u in units if u.kept and is_body_like(u)), None)
    if lead is None:
        return
    found = dateline(lead.text)
    if found is None:
        return
    meta.dateline = found
    if meta.published is not None:
        return
    # A bare date above the lead with the dateline's month and day states the year.
    for unit in units[: min(lead.index, TOP_UNITS)]:
        if len(unit.text) > 40 or not any(ch.isdigit() for ch in unit.text):
            continue
        value = parse_date(unit.text, language)
        if value and (int(value[5:7]), int(value[8:10])) == found:
            if plausible(value, fetched_at, meta.copyright_year):
                meta.published, meta.published_source = value, "dateline"
            return


FIRST_YEAR = "1991"  # the first web page; earlier "publication dates" are placeholders
BYLINE_WINDOW = 3  # units after the headline in which a bare date is its byline date


def byline_date(
    meta: Metadata, units: Sequence[Unit], language: str | None, fetched_at: str | None
) -> None:
    """A date standing alone just under the headline, before the lead, is the byline's date.

    A viewing-day widget sits above the headline (and is a rule's `page_date`); a date under it
    and above the first paragraph is how blogs and news sites show when the story was published.
    """
    titles = [u.index for u in units if u.removed_by == "meta.title"]
    if not titles:
        return
    title = titles[-1]  # the generic pass's anchor, when it found the headline repeated
    for unit in units[title + 1 : title + 1 + BYLINE_WINDOW]:
        if is_body_like(unit):
            return
        if unit.removed_by is not None and not unit.removed_by.startswith("generic."):
            continue
        if unit.words > 8 or len(unit.text) > 60 or not any(ch.isdigit() for ch in unit.text):
            continue
        value = parse_date(unit.text, language, fetched_at=fetched_at)
        if value is None or not plausible(value, fetched_at, meta.copyright_year):
            continue
        if value[:10] == meta.page_date:
            return  # the widget's date repeated: no telling
        unit.removed_by = "meta.byline-date"
        month_day = (int(value[5:7]), int(value[8:10]))
        disagrees = meta.dateline is not None and meta.dateline != month_day
        if meta.published is None and not disagrees:
            meta.published, meta.published_source = value, "byline"
        return


def plausible(value: str, fetched_at: str | None, copyright: int | None = None) -> bool:
    """A publication date after the fetch, or after the end of the copyright year, is not one;
    nor is one before the web (CMS placeholders such as 0001-01-01)."""
    if value[:4] < FIRST_YEAR or (fetched_at and value[:10] > fetched_at[:10]):
        return False
    return copyright is None or int(value[:4]) <= copyright


# HTML: the page's own meta dates first (they say "published"), then trafilatura's (htmldate).
_META_TAG = re.compile(r"<meta\b[^>]*>", re.IGNORECASE)
_ATTR = re.compile(r"""([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_PUBLISHED_KEYS = (
    "article:published_time", "og:published_time", "datepublished", "pubdate", "publishdate",
    "publish-date", "publish_date", "dc.date.issued", "dcterms.created", "parsely-pub-date",
    "sailthru.date", "date",
)  # fmt: skip
_JSONLD_DATE = re.compile(r'"datePublished"\s*:\s*"([^"]{8,40})"')
_TIME_TAG = re.compile(
    r"<time\b[^>]*(?:itemprop=[\"']datePublished[\"']|\bpubdate\b)[^>]*>", re.IGNORECASE
)
_SITE_SUFFIX = re.compile(r"\s+[|—–-]\s+[^|—–-]{2,60}$")


def html_meta_date(raw_html: str) -> str | None:
    """The publication date the page's head states (`article:published_time`, JSON-LD, ...)."""
    head = raw_html[:300_000]
    found: dict[str, str] = {}
    for tag in _META_TAG.findall(head):
        attrs = {k.lower(): (a if a else b) for k, a, b in _ATTR.findall(tag)}
        key = (attrs.get("property") or attrs.get("name") or attrs.get("itemprop") or "").lower()
        if key in _PUBLISHED_KEYS and attrs.get("content"):
            found.setdefault(key, attrs["content"].strip())
    json_ld = _JSONLD_DATE.search(head)
    if json_ld:
        found.setdefault("datepublished", json_ld.group(1))
    time_tag = _TIME_TAG.search(head)
    if time_tag:
        attrs = {k.lower(): (a if a else b) for k, a, b in _ATTR.findall(time_tag.group(0))}
        if attrs.get("datetime"):
            found.setdefault("time", attrs["datetime"].strip())
    for key in (*_PUBLISHED_KEYS, "time"):
        if key in found:
            value = parse_date(found[key])
            if value and plausible(value, None):  # "0001-01-01T00:00:00Z" placeholders
                return value
    return None


def year_only(value: str, raw_html: str) -> bool:
    """htmldate says YYYY-01-01 when it found only a year (`Copyright 2019`): check the page."""
    if not value.endswith("-01-01"):
        return False
    year = value[:4]
    stated = [value[:10], f"01.01.{year}", f"01/01/{year}", f"1 January {year}"]
    stated.append(f"January 1, {year}")
    return not any(s in raw_html for s in stated)


def merge_html(
    meta: Metadata, html: Any, raw_html: str, language: str | None, fetched_at: str | None
) -> None:
    """trafilatura's and the page head's metadata fill what the rules did not capture."""
    publisher = meta.publisher or normalise_name(getattr(html, "sitename", None))
    if meta.title is None and html.title:
        meta.title = html_title(html.title, publisher)
    widgets = widget_dates(raw_html, language)
    if meta.page_date is None and widgets:
        meta.page_date = widgets[0]
    if meta.copyright_year is None:
        meta.copyright_year = html_copyright_year(raw_html)
    locale = html_locale(raw_html)
    if locale and meta.published_text and _SLASHED.search(meta.published_text):
        # 03/12/2023 on an en-GB page is 3 December: re-read the label with the page's locale.
        value = parse_date(meta.published_text, locale, fetched_at=fetched_at)
        if value is None or not plausible(value, fetched_at, meta.copyright_year):
            meta.published = meta.published_source = None
        else:
            meta.published = value
    # htmldate and the category scan are the costly part of HTML metadata: the page computes
    # them when first asked (extract_html.HtmlResult), so they are asked only when missing.
    meta_date = html_meta_date(raw_html) if meta.published is None else None
    if meta.published is None:
        value = meta_date
        if value is None and html.date:  # htmldate's own guess
            value = parse_date(html.date, language)
            if value and year_only(value, raw_html):
                value = None  # a year is not a day; the lead's dateline has no year either
            if value and value[:10] in widgets:
                value = None  # htmldate's guess is the viewing-day widget, not the article's
        if value and plausible(value, fetched_at, meta.copyright_year):
            meta.published, meta.published_source = value, "html-meta"
    meta.publisher = publisher
    meta.author = meta.author or normalise_author(getattr(html, "author", None))
    meta.category = meta.category or normalise_name(getattr(html, "category", None))


def html_title(title: str, sitename: str | None) -> str | None:
    """A <title> without its ` | Site Name` suffix, and without ® and trailing separators."""
    clean = normalise_title(title)
    if clean is None:
        return None
    suffix = _SITE_SUFFIX.search(clean)
    if suffix and sitename and sitename.casefold() in suffix.group(0).casefold():
        clean = clean[: suffix.start()]
    return clean.strip() or None


# A text node with a few letters, then digits: cheap to find; the weekday is checked after.
# `\s*+` is possessive: with a plain `\s*` the letters' class (which takes spaces too) made the
# engine retry every split of the indentation after each `>`, 15x slower on real pages.
_WIDGET_NODE = re.compile(r">\s*+([^<>\d]{3,20}\d[^<>]{0,40}?)\s*<")
_HTML_COPYRIGHT = re.compile(
    r">\s*+(?:©|&copy;|&#169;|copyright)\s*(?:©|&copy;)?\s*(?:(?:19|20)\d\d\s*[-–—]\s*)?"
    r"((?:19|20)\d\d)\b[^<>]{0,100}<",
    re.IGNORECASE,
)


def widget_dates(raw_html: str, language: str | None) -> list[str]:
    """Dates shown as a bare weekday + date above the headline (a 'today is' widget)."""
    out: list[str] = []
    start = max(raw_html.find("<body"), 0)
    end = raw_html.find("<h1", start)
    end = end if end != -1 else start + 100_000
    for text in _WIDGET_NODE.findall(raw_html, start, min(end, start + 100_000)):
        if WEEKDAY.match(text):
            value = parse_date(text, language)
            if value and value[:10] not in out:
                out.append(value[:10])
    return out


def html_copyright_year(raw_html: str) -> int | None:
    """The latest year of a text node that is a copyright notice (`Copyright 2021 Courier`)."""
    years = [int(y) for y in _HTML_COPYRIGHT.findall(raw_html)]
    return max(years) if years else None


_HTML_LANG = re.compile(
    r"<html\b[^>]*\blang\s*=\s*[\"']?([a-zA-Z]{2}-[a-zA-Z]{2})\b", re.IGNORECASE
)
_SLASHED = re.compile(r"\b\d{1,2}/\d{1,2}/\d{2,4}\b")


def html_locale(raw_html: str) -> str | None:
    """The page's `<html lang="en-GB">` when it names a region: it decides 03/12 vs 12/03."""
    found = _HTML_LANG.search(raw_html[:5000])
    return found.group(1) if found else None
