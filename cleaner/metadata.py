"""Metadata from what the rules captured and from the page's shape: title, dates, publisher.

The passes here are rules too (`meta.title`, `meta.repeated-title`): a headline is taken out of
the text into `title`, and its repetitions are removed, each with a rule id for `--explain`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from cleaner.dates import WEEKDAY, dateline, find_dates, parse_date
from cleaner.engine import TOP_UNITS, Match, is_body_like
from cleaner.lines import Unit

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
    modified: str | None = None
    modified_source: str | None = None
    page_date: str | None = None
    publisher: str | None = None
    category: str | None = None
    author: str | None = None
    copyright_year: int | None = None  # for the consistency check, not output
    dateline: tuple[int, int] | None = None  # (month, day) of the lead's dateline
    published_text: str | None = None  # the string `published` was parsed from


# What a footer adds to a publisher's name: a platform credit, a rights notice, an age rating.
# "Powered by" as the platforms' own footers say it in each language (WordPress's among them).
_POWERED_BY = (
    r"(?:(?:proudly\s+)?powered\s+by|(?:fièrement\s+)?propulsé\s+par|stolz\s+präsentiert\s+von"
    r"|betrieben\s+mit|funciona\s+(?:gracias\s+a|con)|con\s+la\s+tecnología\s+de"
    r"|(?:сайт\s+)?работает\s+на)\b"
)
_DECORATION = re.compile(
    r"\s*(?:[·|•,;:–—-]\s*)?(?:" + _POWERED_BY + r"|(?:site\s+|theme\s+|web)?design(?:ed)?"
    r"\s+by\b|theme\s+by\b|all\s+rights\s+reserved|все\s+права\s+защищены|alle\s+rechte"
    r"\s+vorbehalten|tous\s+droits\s+réservés|todos\s+los\s+derechos\s+reservados"
    r"|сетевое\s+издание\b).*$"
    r"|\s*[·|•,;–—-]?\s*\b\d{1,2}\s*\+\s*$",  # "18+"
    re.IGNORECASE,
)
_LEADING_COPYRIGHT = re.compile(
    r"^\s*(?:copyright\s*)?(?:©|\(c\)|copyright)\s*(?:(?:19|20)\d\d(?:\s*[-–—]\s*(?:19|20)\d\d)?"
    r"\s*[,.]?\s*)?",
    re.IGNORECASE,
)


def normalise_name(value: str | None) -> str | None:
    """A publisher, category or author as shown, without ®/™, trailing punctuation, or a
    footer's decorations ("· Proudly powered by WordPress", "Все права защищены. 18+")."""
    if not value:
        return None
    value = _MARKS.sub("", unicodedata.normalize("NFC", value))
    value = _LEADING_COPYRIGHT.sub("", value)
    for _ in range(3):  # "X. Все права защищены. 18+": the rating, then the notice
        shorter = _DECORATION.sub("", value).strip()
        if shorter == value or not shorter:
            break
        value = shorter
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
    """A headline has words (not only a date), starts like a sentence, ends without a stop,
    and is not a menu."""
    if len(_LETTER_WORD.findall(text)) < 2 or _HEADLINE_END.search(text):
        return False
    first = text.lstrip("\"“«'‘([")[:1]
    return not first.islower() and not looks_like_menu(text)


# Title case capitalises these too ("Signs Climate Bill Into Law"); a menu has none of them.
_TITLE_CASE_SMALL = frozenset(
    [
        "a",
        "an",
        "and",
        "as",
        "at",
        "but",
        "by",
        "for",
        "from",
        "in",
        "into",
        "of",
        "on",
        "or",
        "the",
        "to",
        "with",
        "vs",
        "via",
    ]
)
MENU_WORDS = 4  # at least this many words, every one capitalised, none a small word


def looks_like_menu(text: str) -> bool:
    """`Home World Business Tech Sport Opinion`, `Accueil Actualités Sports Culture`: words
    that all start with a capital, no punctuation, none of the small words an English title
    case headline capitalises too (sentence-case headlines of other languages have lowercase
    words)."""
    tokens = text.split()
    if len(tokens) < MENU_WORDS or any(not t.isalpha() for t in tokens):
        return False
    if not all(t[0].isupper() for t in tokens):
        return False
    return not any(t.casefold() in _TITLE_CASE_SMALL for t in tokens)


def strip_site_name(title: str | None, units: Sequence[Unit], publisher: str | None) -> str | None:
    """A scrape's headline taken from its page-title line without the ` | Site Name` suffix,
    when the suffix names the publisher or the page repeats the headline without it."""
    if not title:
        return title
    suffix = _SITE_SUFFIX.search(title)
    if suffix is None:
        return title
    head = title[: suffix.start()].strip()
    if publisher and publisher.casefold() in suffix.group(0).casefold():
        return head
    key = _title_key(head)
    if key and any(_title_key(u.text) == key for u in units[:HEADLINE_SEARCH] if len(u.text) < 300):
        return head
    return title


def take_title(units: Sequence[Unit]) -> str | None:
    """Remove the headline and its repetitions from the text; return the headline."""
    unit = pick_title(units)
    if unit is None:
        return None
    unit.removed_by = "meta.title"
    drop_repeats(units, unit.text)
    return normalise_title(unit.text)


def drop_repeats(units: Sequence[Unit], title: str) -> None:
    """Mark the kept lines that repeat the headline word for word (a share bar's or a sticky
    header's copy, below the lead as often as above it) as `meta.repeated-title`."""
    key = _title_key(title)
    if not key:
        return
    # The key is the text's \w+ words joined by spaces: a unit with another word count (as
    # make_units counted them, before any prefix rule shortened the text) cannot repeat it.
    size = key.count(" ") + 1
    for other in units:
        if not other.kept or (other.words != size and other.prefix_rule is None):
            continue
        if _title_key(other.text) == key:
            other.removed_by = "meta.repeated-title"


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
    if meta.category is not None and meta.category.casefold() in _NAV_WORDS:
        meta.category = None  # "Home | About | Contact" is a menu, not a breadcrumb
    if units is not None:
        apply_dateline(meta, units, language, fetched_at)
    return meta


# A site's menu entries, never a category or section.
_NAV_WORDS = frozenset(
    [
        "home",
        "about",
        "contact",
        "login",
        "search",
        "menu",
        "subscribe",
        "impressum",
        "kontakt",
        "datenschutz",
        "startseite",
        "accueil",
        "contact",
        "inicio",
        "contacto",
        "главная",
        "контакты",
        "о нас",
    ]
)


# A rule id's prefix is its category (rules/*.toml: file, category and prefix aligned).
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
    meta: Metadata,
    units: Sequence[Unit],
    language: str | None,
    fetched_at: str | None,
    decide: bool = True,
) -> None:
    """A date standing alone just under the headline, before the lead, is the byline's date.

    A viewing-day widget sits above the headline (and is a rule's `page_date`); a date under it
    and above the first paragraph is how blogs and news sites show when the story was published.
    With `decide=False` the line is only removed: `text_dates` has decided `published`.
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
        if decide and meta.published is None and not disagrees:
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
_MODIFIED_KEYS = (
    "article:modified_time", "og:updated_time", "datemodified", "dc.date.modified",
    "dcterms.modified", "last-modified", "lastmod",
)  # fmt: skip
_JSONLD_MODIFIED = re.compile(r'"dateModified"\s*:\s*"([^"]{8,40})"')
_JSONLD_DATE = re.compile(r'"datePublished"\s*:\s*"([^"]{8,40})"')
_TIME_TAG = re.compile(
    r"<time\b[^>]*(?:itemprop=[\"']datePublished[\"']|\bpubdate\b)[^>]*>", re.IGNORECASE
)
_SITE_SUFFIX = re.compile(r"\s+[|—–-]\s+[^|—–-]{2,60}$")


def _meta_contents(head: str, keys: tuple[str, ...]) -> dict[str, str]:
    """The `content` of the head's meta tags whose property, name or itemprop is one of
    `keys` (the first of each), for the published and the modified date alike."""
    found: dict[str, str] = {}
    for tag in _META_TAG.findall(head):
        attrs = {k.lower(): (a if a else b) for k, a, b in _ATTR.findall(tag)}
        key = (attrs.get("property") or attrs.get("name") or attrs.get("itemprop") or "").lower()
        if key in keys and attrs.get("content"):
            found.setdefault(key, attrs["content"].strip())
    return found


def html_meta_date(raw_html: str, keys: tuple[str, ...] | None = None) -> str | None:
    """The publication date the page's head states (`article:published_time`, JSON-LD, ...);
    with `keys=_MODIFIED_KEYS`, the date it says it was modified."""
    if keys is not None:
        return _html_meta_modified(raw_html, keys)
    head = raw_html[:300_000]
    found = _meta_contents(head, _PUBLISHED_KEYS)
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


def _html_meta_modified(raw_html: str, keys: tuple[str, ...]) -> str | None:
    head = raw_html[:300_000]
    found = _meta_contents(head, keys)
    json_ld = _JSONLD_MODIFIED.search(head)
    if json_ld:
        found.setdefault("datemodified", json_ld.group(1))
    for key in keys:
        if key in found:
            value = parse_date(found[key])
            if value and plausible(value, None):
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
    scan: Metadata | None = None
    if meta.published is None or meta.modified is None:
        url = getattr(html, "_url", None)
        meta_date = html_meta_date(raw_html) if meta.published is None else None
        scan, shown = html_text_dates(
            html, raw_html, language, url, fetched_at, meta.copyright_year, meta_date
        )
    if meta.published is None and scan is not None:
        _html_published(meta, html, raw_html, meta_date, scan, shown, widgets, language, fetched_at)
    if meta.modified is None:
        modified = html_meta_date(raw_html, _MODIFIED_KEYS)
        if modified is not None:
            meta.modified, meta.modified_source = modified, "html-meta"
        elif scan is not None and scan.modified is not None:
            meta.modified, meta.modified_source = scan.modified, scan.modified_source
    meta.publisher = publisher or (scan.publisher if scan is not None else None)
    meta.author = meta.author or normalise_author(getattr(html, "author", None))
    if meta.author is None and scan is not None:
        meta.author = scan.author  # a dated byline's name ("By Jane Doe · May 2, 2024")
    meta.category = meta.category or normalise_name(getattr(html, "category", None))


def _html_published(
    meta: Metadata,
    html: Any,
    raw_html: str,
    meta_date: str | None,
    scan: Metadata,
    shown: set[str],
    widgets: list[str],
    language: str | None,
    fetched_at: str | None,
) -> None:
    """The page's own dateline or byline (read from its visible text) first, then htmldate's
    guess (`original_date=True`) when the page's shown dates do not contradict it.

    On the dates tuning pages the visible text's date was right where htmldate was wrong more
    often than the reverse; htmldate alone is kept only when its day is one the page shows
    (or its meta tags state), since a day shown nowhere is most often a template's date.
    """
    value, source = scan.published, scan.published_source
    if value is None:
        # htmldate (a copy and a search of the whole tree, ~1.5 ms) only when the page's text
        # gave no date: its guess is not read otherwise.
        guess = parse_date(html.date, language) if html.date else None
        if guess and year_only(guess, raw_html):
            guess = None  # a year is not a day; the lead's dateline has no year either
        value, source = guess, "html-meta"
        stated = value is not None and (
            (meta_date is not None and meta_date[:10] == value[:10])
            or url_date(getattr(html, "_url", None)) == value[:10]  # the URL states it too
        )
        if value and value[:10] in widgets and not stated:
            value = None  # htmldate's guess is the viewing-day widget, not the article's
        if value and shown and value[:10] not in shown:
            # htmldate's original date is shown nowhere on the page: its default guess (the
            # latest date the page states) when the page shows that one, else only a date
            # the meta tags state (on the dates tuning pages: 4 more right, none lost).
            latest = html_latest_date(html)
            if latest and latest[:10] in shown:
                value = latest
            elif meta_date and meta_date[:10] in shown:
                value = meta_date
            elif not stated:
                value = None
    month = url_month(getattr(html, "_url", None))
    if value and month and value[:7] != month and meta_date and meta_date[:7] == month:
        value, source = meta_date, "html-meta"  # the URL's /2023/10/ says the meta tags' month
    if value and meta_date and meta_date[:10] == value[:10]:
        value, source = meta_date, "html-meta"  # the same day, with its time and offset
    # The copyright year is not held against it (the scan holds its labels to it): a stale
    # "© 2017" footer under a page of 2023 is common.
    if value and plausible(value, fetched_at):
        meta.published, meta.published_source = value, source


def html_latest_date(html: Any) -> str | None:
    """htmldate's default guess (`original_date=False`): the page's latest stated date."""
    tree = getattr(html, "_tree", None)
    if tree is None:
        return None
    from htmldate import find_date

    try:
        found = find_date(
            tree, original_date=False, extensive_search=True, url=getattr(html, "_url", None)
        )
    except Exception:  # htmldate fails on odd pages as trafilatura's metadata does
        return None
    return parse_date(found) if found else None


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


# Dates read from every line of a scrape, removed or kept: removal and metadata are separate
# decisions (a "Publié le … · Mis à jour le …" line is boilerplate, and the page's dates).
_PUBLISHED_LABEL = re.compile(
    r"(?:published|posted|first\s+published|publiziert|veröffentlicht|erschienen|erstellt"
    r"|publié|publiée|mis\s+en\s+ligne|publicado|publicada|опубликовано|размещено"
    r"|дата\s+публикации|pubblicato|publicerad|gepubliceerd|opublikowano|publicação"
    r"|originally|created|(?:artikel|beitrag|meldung|nachricht)\s+vom)",
    re.IGNORECASE,
)
_MODIFIED_LABEL = re.compile(
    r"(?:updated|modified|aktualisiert|geändert|editiert|zuletzt|\bstand\b|mis\s+à\s+jour"
    r"|actualisé|modifié|actualizado|actualizada|actualización|обновлено|изменено|обновлен"
    r"|aggiornato|atualizado|bijgewerkt|zaktualizowano|last\s+edited)",
    re.IGNORECASE,
)
# Dates a line shows that are not the page's: events, memberships, deadlines, the clock.
_OTHER_LABEL = re.compile(
    r"(?:regist|joined|member\s+since|mitglied|release|\bbis\b|\buntil\b|\bvom\b|\bfrom\b"
    r"|aktuelle\s+zeit|current\s+time|revision|deadline|frist|termin|event|veranstaltung"
    r"|geboren|\bborn\b|\bdu\b|\bau\b|\bdel\b|\bal\b|\bс\b|\bпо\b|copyright|©|\bab\b|\bam\s+\w+\s+\d"
    r"|reply|antworten|répondre|responder|ответить|says|sagt|schreibt|wrote|\bzum\b|seit|since"
    r"|expires|valid|gültig|erscheint|coming|ends|starts|beginn|abgerufen|retrieved|accessed"
    r"|\(@\w+\))",  # "— Jane Doe (@jane) March 3, 2024": an embedded post's signature
    re.IGNORECASE,
)
_PAGE_TITLE_SPLIT = re.compile(r"\s+[|–—·»-]\s+|\s*\|\s*")  # not ":", which headlines use
_SLASHED_DATE = re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})(?![\d/])")
# A one-digit day only before "/" or the end: "/2023/10/3-fragen" is a slug starting "3-".
_URL_DATE = re.compile(
    r"/((?:19|20)\d\d)[/-](\d{1,2})[/-](\d\d(?=/|$|\.html?|[-_](?!\d))|\d(?=/|$))"
)
_DMY_TLDS = (".uk", ".ie", ".au", ".nz", ".in", ".za", ".sg", ".ng", ".ke", ".pk")
_LABEL_ONLY = re.compile(
    r"\W*(?:published|posted|updated|last\s+updated|modified|publiziert|veröffentlicht|erstellt"
    r"|aktualisiert|zuletzt|publié|mis\s+à\s+jour|modifié|publicado|actualizado|опубликовано"
    r"|обновлено|изменено)\W*(?:on|am|le|el|at)?\W*$",
    re.IGNORECASE,
)
# A post's footer names its date before the verb: "Dieser Beitrag wurde am 3. Mai 2011 um 10:00
# Uhr veröffentlicht", "<Title> wurde am … gepostet" (WordPress themes' German wording).
_POSTED_AFTER = re.compile(
    r"[^.!?]{0,30}?\b(?:veröffentlicht|gepostet|publiziert|geschrieben)\b", re.IGNORECASE
)
_THIS_POST = re.compile(r"\b(?:beitrag|eintrag|artikel|post|blogpost|gepostet)\b", re.IGNORECASE)
_BYLINE = re.compile(r"^\W*(?:by|von|par|por|di|door|автор|текст)\s+[^\W\d_]", re.IGNORECASE)
_WORD4 = re.compile(r"[^\W\d_]{4,}")  # a word, not a zone name (GMT) or "am"
_RANGE_START = re.compile(r"\d\.?\s*(?:[-–—]|bis|to|au|al|до)\s*$", re.IGNORECASE)
LABEL_REACH = 40  # a label stands at most this many characters before its date
DATE_WINDOW_BEFORE = 6  # units above the headline in which a dateline can stand
DATE_WINDOW_AFTER = 16  # units below it
LEAD_WINDOW = 8  # without a headline: units above the first paragraph
LIST_GAP = 6  # dates in units this close chain into one run ...
LIST_DATES = 3  # ... and a run with this many different dates is a dated list


@dataclass(slots=True)
class _Candidate:
    index: int  # the unit's index
    value: str
    label: str | None  # "published", "modified", "other" or None
    prose: bool  # inside a sentence of the story
    widget: bool  # a bare "Wednesday, 3 July 2024": the day the page was viewed
    listed: bool = False


_BYLINE_NAME = re.compile(
    r"^\W*(?:by|von|par|por|di|door|автор|текст)\s*:?\s+(?P<name>[^|·•,;:\d()]{3,60}?)"
    r"\s*(?:[|·•,;:()–—]|\s-\s|\d|$)",
    re.IGNORECASE,
)
_POWERED = re.compile(
    r"^\W*(?:©\s*)?(?P<name>[^·|•©]{2,60}?)\s*[·|•–—-]\s*" + _POWERED_BY, re.IGNORECASE
)
_RIGHTS = re.compile(
    r"^[\s|·–—-]*(?P<name>[^©\d]{2,60}?)[\s.,;:|—–-]*(?:all\s+rights\s+reserved|все\s+права\s+защищены"
    r"|alle\s+rechte\s+vorbehalten|tous\s+droits\s+réservés|todos\s+los\s+derechos\s+reservados)",
    re.IGNORECASE,
)
_DISTRIBUTED = re.compile(r"\bdistributed\s+by\s+(?P<name>[^.,;|()]{2,60})", re.IGNORECASE)
_FOOTER_WORDS = (
    "powered", "rights", "права", "rechte", "droits", "derechos", "distributed", "propulsé",
    "präsentiert", "betrieben", "funciona", "tecnología", "работает",
)  # fmt: skip
FOOTER_UNITS = 40  # a footer's credit lines stand in the page's last units


def byline_author(text: str) -> str | None:
    """The name of a byline (`By Jane Doe | March 12, 2023`, `Von Max Muster, 12.03.2024`)."""
    found = _BYLINE_NAME.match(text)
    if not found:
        return None
    name = normalise_author(found["name"])
    if not name or not name[0].isupper() or len(_LETTER_WORD.findall(name)) > 6:
        return None  # "by the way, …"
    return name


def footer_publisher(meta: Metadata, units: Sequence[Unit]) -> None:
    """A publisher from a footer's credit line when no copyright line named one:
    `Pedal & Spoke · Proudly powered by WordPress`, `«Деловая лента». Все права защищены`,
    `Distributed by Example Wire`."""
    if meta.publisher is not None:
        return
    for unit in units[-FOOTER_UNITS:]:
        text = unit.text
        lowered = text.casefold()
        if not any(word in lowered for word in _FOOTER_WORDS):
            continue
        found = _POWERED.match(text) or _RIGHTS.match(text) or _DISTRIBUTED.search(text)
        if found:
            meta.publisher = normalise_name(found["name"])
            if meta.publisher:
                return


def url_date(url: str | None) -> str | None:
    """The date a URL's path states (`/2024/03/12/slug`), or None."""
    found = _URL_DATE.search(url or "")
    if not found:
        return None
    try:
        return date(int(found[1]), int(found[2]), int(found[3])).isoformat()
    except ValueError:
        return None


_URL_MONTH = re.compile(r"/((?:19|20)\d\d)/(0?[1-9]|1[0-2])/")


def url_month(url: str | None) -> str | None:
    """The year and month a URL's path states (`/2023/10/slug`: "2023-10"), or None."""
    found = _URL_MONTH.search(url or "")
    return f"{found[1]}-{int(found[2]):02d}" if found else None


def _day_first(text: str, url: str | None, stated: str | None = None) -> bool | None:
    """Whether the page writes 03/04 as 3 April: its own slashed dates tell (a 14/04 or a
    04/14), else the date its meta tags state (`2/11/2023` beside `2023-11-02`), else its
    domain (en-GB, .au, …); None leaves it to the language."""
    dmy = mdy = 0
    agree = {False: 0, True: 0}
    for first, second, year in _SLASHED_DATE.findall(text):
        if int(first) > 12 >= int(second):
            dmy += 1
        elif int(second) > 12 >= int(first):
            mdy += 1
        elif stated and first != second and year[-2:] == stated[2:4]:
            day_month = (int(stated[8:10]), int(stated[5:7]))
            if (int(first), int(second)) in (day_month, day_month[::-1]):
                agree[(int(first), int(second)) == day_month] += 1
    if dmy != mdy:
        return dmy > mdy
    if agree[True] != agree[False]:
        return agree[True] > agree[False]
    host = (url or "").split("//", 1)[-1].split("/", 1)[0]
    if host.endswith(_DMY_TLDS):
        return True
    return None


def _title_parts(first_line: str) -> list[str]:
    """The keys a scrape's first line (the page's <title>) can show its headline as: the whole
    line, and its first part before a separator (site and section names follow it)."""
    parts = [_title_key(p) for p in _PAGE_TITLE_SPLIT.split(first_line)]
    keys = [_title_key(first_line), *(parts[:1] if len(parts) > 1 else [])]
    return [k for k in keys if len(k) >= 8 and " " in k]


def _headline_index(units: Sequence[Unit], title: str | None) -> int | None:
    """The headline's unit: the one taken as the title, or the first to repeat the page title
    the scrape starts with (or a part of it before the site's name)."""
    taken = [u.index for u in units if u.removed_by == "meta.title"]
    if taken:
        return taken[-1]
    keys = [_title_key(title)] if title else []
    if units:
        keys += _title_parts(units[0].text)
    keys = [k for k in keys if k]
    if not keys:
        return None
    shortest, longest = min(map(len, keys)), max(map(len, keys))
    for unit in units[1:HEADLINE_SEARCH]:
        if not shortest * 0.8 <= len(unit.text) <= longest * 1.5 + 20:
            continue  # cannot repeat a title: not worth a _title_key
        key = _title_key(unit.text)
        if key and any(key == k or (len(k) > 20 and key.startswith(k)) for k in keys):
            return unit.index
    return None


HEADLINE_SEARCH = 200  # units searched for the repeated page title


def _headline_indices(units: Sequence[Unit], title: str | None, first: int | None) -> list[int]:
    """Every unit that shows the headline: the one taken as the title (`first`), the lines
    that repeat the title, and those that repeat the page title the scrape starts with (or
    its part before the site's name). A sticky header or a breadcrumb repeats the headline
    above the article's own; the byline date stands under one of them, and which one the
    title passes took is no evidence."""
    keys = {_title_key(title)} if title else set()
    if title and ":" in title:  # a kicker on a line of its own: "Kicker:" above "Headline"
        keys.add(_title_key(title.split(":", 1)[1]))
    if units:
        keys.update(_title_parts(units[0].text))
    keys = {k for k in keys if len(k) >= 8 and " " in k}
    out = {first} if first is not None else set()
    if keys:
        shortest, longest = min(map(len, keys)), max(map(len, keys))
        for unit in units[1:HEADLINE_SEARCH]:
            if not shortest * 0.8 <= len(unit.text) <= longest * 1.5 + 20:
                continue
            key = _title_key(unit.text)
            if key and any(key == k or (len(k) > 20 and key.startswith(k)) for k in keys):
                out.add(unit.index)
    return sorted(out)


def _before_byline(units: Sequence[Unit]) -> int | None:
    """The unit just above the first byline (`By Jane Doe`, `Von …`, `Автор: …`) that stands
    before the story's first paragraph: where a page prints its headline."""
    lead = _lead_index(units)
    for unit in units[1:lead]:
        if _BYLINE_NAME.match(unit.text) and unit.index > 0 and unit.words <= 12:
            above = units[unit.index - 1]
            return above.index if 3 <= above.words <= 30 else None
    return None


def repeated_headline(units: Sequence[Unit]) -> str | None:
    """The headline of a plain-text scrape where no other pass found one: the line that repeats
    its first line (the page's <title>) or the part of it before the site's name. It is taken
    out of the text as `meta.title` (and the first line as its repetition); None when no line
    repeats it: a page without a headline has no title."""
    index = _headline_index(units, None)
    if index is None:
        index = _before_byline(units)
    if index is None or is_body_like(units[index]) or not _looks_like_headline(units[index].text):
        return None
    units[index].removed_by = "meta.title"
    if units[0].removed_by is None or units[0].removed_by.startswith("generic."):
        units[0].removed_by = "meta.repeated-title"
    return units[index].text


_MAY_HAVE_DATE = re.compile(r"(?:19|20)\d\d|\d\d[./]\d\d[./]\d\d")


def _candidates(
    units: Sequence[Unit], language: str | None, day_first: bool | None
) -> list[_Candidate]:
    out: list[_Candidate] = []
    label_line: str | None = None  # a "Published:" standing alone on the line before
    for unit in units:
        text = unit.text
        previous_label, label_line = label_line, None
        if len(text) < 40 and not _MAY_HAVE_DATE.search(text):
            if _LABEL_ONLY.match(text):  # "Published:", "Mis à jour le" alone on a line
                label_line = "modified" if _MODIFIED_LABEL.search(text) else "published"
            continue
        if len(text) > 400 or not _MAY_HAVE_DATE.search(text):
            continue
        if unit.removed_by and unit.removed_by.partition(".")[0] in _LIST_CATEGORIES:
            continue  # a teaser's or a comment's date, as a rule already said
        found = find_dates(text, language, day_first)
        previous = 0
        for item in found:
            before = text[max(previous, item.start - LABEL_REACH) : item.start]
            previous = item.end
            label: str | None = None
            after = False
            if _MODIFIED_LABEL.search(before):
                label = "modified"
            elif _PUBLISHED_LABEL.search(before):
                label = "published"
            elif (
                _OTHER_LABEL.search(before)
                or _RANGE_START.search(before)
                or _OTHER_LABEL.match(text, item.end)
            ):
                label = "other"
            elif _POSTED_AFTER.match(text, item.end) and _THIS_POST.search(text):
                label, after = "published", True
            elif _BYLINE.match(text):
                label = "byline"
            elif previous_label and not _WORD4.search(before):
                label = previous_label
            rest = len(text) - sum(len(f.text) for f in found)
            near = item.start <= LABEL_REACH or after
            prose = (rest > 100 and (label is None or not near)) or (
                label is None and item.start > 0 and is_body_like(unit)
            )
            widget = label is None and bool(WEEKDAY.match(text)) and rest < 20
            out.append(_Candidate(unit.index, item.value, label, prose, widget))
    # A dated list (teasers, comments, an archive): candidates in units at most
    # LIST_GAP apart chain into a run; a run showing three or more dates is a list.
    run: list[_Candidate] = []
    for cand in [*out, None]:
        if cand is not None and (not run or cand.index - run[-1].index <= LIST_GAP):
            run.append(cand)
            continue
        if len({c.value[:10] for c in run}) >= LIST_DATES:
            for member in run:
                member.listed = True
        run = [cand] if cand is not None else []
    return out


def _lead_index(units: Sequence[Unit]) -> int:
    """The first unit that reads as a paragraph of the story (or the end)."""
    return next((u.index for u in units if is_body_like(u)), len(units))


def text_dates(
    meta: Metadata,
    units: Sequence[Unit],
    language: str | None,
    url: str | None,
    fetched_at: str | None,
    title: str | None,
    stated: str | None = None,
) -> set[str]:
    """Published, modified and page dates from every dateline and byline of a scrape.

    Labelled dates first ("Publié le", "Aktualisiert am"); else the unlabelled date standing
    near the headline (a byline), never inside a sentence, a dated list or a weekday widget.
    A date the URL states decides between candidates; candidates that disagree with nothing to
    decide leave `published` null. Returns the days the page shows.
    """
    if not units:
        return set()
    footer_publisher(meta, units)
    text = "\n".join(u.text for u in units[:400] if "/" in u.text)
    cands = _candidates(units, language, _day_first(text, url, stated))
    if not cands:
        return set()
    in_url = url_date(url)
    head = _headline_index(units, title)
    heads = _headline_indices(units, title, head)
    if head is None and heads:
        head = heads[0]
    if meta.author is None:
        meta.author = next(
            (byline_author(units[c.index].text) for c in cands if c.label == "byline"), None
        )
    lead = _lead_index(units)
    top = head if head is not None else lead
    # After the story, a list heading or a comment section starts dates of other pages.
    end = next(
        (
            u.index
            for u in units[lead:]
            if u.removed_by and u.removed_by.partition(".")[0] in _LIST_CATEGORIES
        ),
        len(units),
    )
    # A byline's date is not held to the copyright year: a "© Site 2017" footer outlives its
    # template by years (on the dates tuning pages, holding byline dates to it lost 0.05 of
    # the pages right and saved no wrong one); a labelled date is, as rule captures are.
    ok = [
        c
        for c in cands
        if c.index < end
        and plausible(c.value, fetched_at, meta.copyright_year if c.label else None)
    ]
    for cand in ok:
        cand.widget = cand.widget and cand.index <= top  # below the headline: its byline
    if meta.modified is None:
        modified = next((c for c in ok if c.label == "modified" and not c.listed), None)
        if modified is not None:
            meta.modified, meta.modified_source = modified.value, "label"
    if meta.page_date is None:
        widget = next((c for c in ok if c.widget and c.index <= top), None)
        if widget is not None:
            meta.page_date = widget.value[:10]
    shown = {c.value[:10] for c in cands}
    if meta.published is not None:
        return shown
    usable = [
        c for c in ok if not c.widget and not c.prose and c.label in (None, "published", "byline")
    ]
    chosen: _Candidate | None = None
    source = "byline"

    def distance(c: _Candidate) -> float:
        if not heads:
            return c.index
        return min(c.index - h if c.index > h else (h - c.index) * 1.5 + 0.5 for h in heads)

    labelled = [c for c in usable if c.label == "published" and not c.listed]
    # A label above the story's first paragraph is the page's; one below it may be a
    # comment's ("posted 14/04/2024") and yields to a byline date near the headline.
    above = [c for c in labelled if c.index < lead]
    if above or (labelled and head is None):
        chosen, source = min(above or labelled, key=distance), "label"
    elif head is not None:
        window = [
            c
            for c in usable
            if not c.listed
            and any(h - DATE_WINDOW_BEFORE <= c.index <= h + DATE_WINDOW_AFTER for h in heads)
        ]
        chosen = min(window, key=distance) if window else None
        if chosen is not None and chosen.label == "published":
            source = "label"  # a post footer's "… wurde am <date> veröffentlicht"
        if chosen is None and labelled:
            chosen, source = min(labelled, key=distance), "label"
    else:  # no headline found: a dateline just above the first paragraph
        window = [c for c in usable if not c.listed and top - LEAD_WINDOW <= c.index < top]
        chosen = next((c for c in window if c.index == window[-1].index), None)
    if in_url is not None:
        agree = next((c for c in usable if c.value[:10] == in_url), None)
        if chosen is None or chosen.value[:10] != in_url:
            chosen = agree
    if (
        chosen is not None
        and source == "byline"
        and meta.dateline is not None
        and (int(chosen.value[5:7]), int(chosen.value[8:10])) != meta.dateline
    ):
        chosen = None  # the lead's own dateline says another day
    if chosen is not None:
        meta.published, meta.published_source = chosen.value, source
    return shown


# The whole page as a browser shows it, one block per line: what a plain-text scrape of it
# would hold, so that its datelines and bylines are read by `text_dates` in HTML mode too
# (trafilatura's article text often leaves the byline out). Regexes over the markup, not a
# walk of the parsed tree: a date needs lines, not a DOM, and the walk cost 4x as much.
_INVISIBLE = re.compile(
    r"<(script|style|noscript|template|svg|head|select)\b[^>]*>.*?</\1\s*>|<!--.*?-->"
    # An embedded post (tweet, Instagram, TikTok) is another page, with that page's date.
    r"|<blockquote\b[^>]*class=[\"'][^\"']*\b(?:twitter-tweet|instagram-media|tiktok-embed)"
    r"[^>]*>.*?</blockquote\s*>",
    re.IGNORECASE | re.DOTALL,
)
_BLOCK_TAG = re.compile(
    r"</?(?:p|div|h[1-6]|li|ul|ol|dl|dt|dd|tr|td|th|table|section|article|header|footer|aside"
    r"|nav|main|figure|figcaption|blockquote|pre|address|br|hr|form|time)\b[^>]*>",
    re.IGNORECASE,
)
_ANY_TAG = re.compile(r"<[^>]*>")
PAGE_TEXT_CHARS = 1_500_000  # markup read for the page's text (the head of a huge page)


def page_text(raw_html: str, title: str | None = None) -> str:
    """The visible text of a page, blocks on lines, the title first."""
    from html import unescape

    body = _INVISIBLE.sub(" ", raw_html[:PAGE_TEXT_CHARS])
    body = _ANY_TAG.sub("", _BLOCK_TAG.sub("\n", body))
    return f"{title or ''}\n{unescape(body)}"


def html_text_dates(
    html: Any,
    raw_html: str,
    language: str | None,
    url: str | None,
    fetched_at: str | None,
    copyright: int | None,
    stated: str | None = None,
) -> tuple[Metadata, set[str]]:
    """`text_dates` on the page's whole visible text (`page_text`), in a Metadata of its own;
    with the days the page shows."""
    from cleaner.lines import make_units

    found = Metadata(copyright_year=copyright)
    units, _ = make_units(page_text(raw_html, html.title))
    apply_dateline(found, units, language, fetched_at)
    return found, text_dates(found, units, language, url, fetched_at, html.title, stated)
