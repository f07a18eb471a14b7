"""`clean()`: raw scrape in, Document out. Pure: no disk, no network.

The passes, in order (docs/algorithm.md explains why):
decode → HTML extraction (HTML only) → units (re-joined paragraphs) → language guess →
rule engine → title → site template (when given) → generic classifier (text only) → metadata →
clean text → accounting (`draft`) → language of the body (`finish`, for several drafts at once).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, fields, replace
from typing import Any

from cleaner import __version__
from cleaner.decode import decode_bytes, looks_like_html
from cleaner.document import Document, Removal
from cleaner.engine import apply_rules
from cleaner.generic import apply_generic, gate_extents, gate_unsure, model_headline
from cleaner.language import GUESS_CHARS, detect_languages, guess_from_words, words
from cleaner.limits import Limits, cheap_text, check_lines, element_note, too_many_elements
from cleaner.limits import current as current_limits
from cleaner.lines import Unit, make_units
from cleaner.metadata import (
    Metadata,
    byline_date,
    collect,
    drop_leading_title,
    drop_repeats,
    merge_html,
    normalise_title,
    repeated_headline,
    strip_site_name,
    take_title,
    text_dates,
)
from cleaner.ruleset import CATEGORIES, Ruleset, default_ruleset
from cleaner.templates import Templates, apply_template, document_keys, site_and_keys, site_key

INPUT_KINDS = ("auto", "text", "html")


@dataclass(frozen=True)
class CleanOptions:
    """How to clean. `ruleset=None` means the built-in rules."""

    ruleset: Ruleset | None = None
    input_kind: str = "auto"
    include_preview: bool = False
    generic: bool = True  # the generic classifier beside the named rules
    extra_rules: tuple[Any, ...] = field(default=())
    # Site key -> that site's template keys (cleaner.templates); a document whose site has an
    # entry loses its template lines. None: no template pass at all.
    templates: Templates | None = None
    # Bounds on one document's work (cleaner.limits): big HTML skips trafilatura, flagged in
    # the record's `limited`; too many lines is an InputError, never a truncation.
    limits: Limits = field(default_factory=current_limits)


def clean(
    raw: bytes | str,
    *,
    url: str | None = None,
    source: str = "-",
    doc_id: str | None = None,
    fetched_at: str | None = None,
    extra: dict[str, Any] | None = None,
    options: CleanOptions | None = None,
) -> Document:
    """Clean one raw scrape (plain text or HTML, bytes or str) into a Document."""
    return finish(
        [
            draft(
                raw,
                url=url,
                source=source,
                doc_id=doc_id,
                fetched_at=fetched_at,
                extra=extra,
                options=options,
            )
        ]
    )[0]


@dataclass(slots=True)
class Draft:
    """A document cleaned but for the language of its body, which `finish` detects: the
    Document's fields but `language` and `language_probability`, in its order."""

    id: str
    source: str
    url: str | None
    title: str | None
    text: str
    published: str | None
    page_date: str | None
    publisher: str | None
    category: str | None
    author: str | None
    published_source: str | None
    modified: str | None
    modified_source: str | None
    paywalled: bool
    removed: tuple[Removal, ...]
    raw_sha256: str
    cleaner_version: str
    ruleset_version: str
    fetched_at: str | None
    content_type: str
    encoding: str | None
    extra: dict[str, Any]
    lines: tuple[str, ...]


_DRAFT_FIELDS = tuple(f.name for f in fields(Draft))


def finish(drafts: list[Draft]) -> list[Document]:
    """The documents of `draft`s: their bodies' languages are detected together, which for
    several is a third faster per body (language.detect_languages) with the same answers.

    `clean(raw)` is `finish([draft(raw)])[0]`; `cleaner.batch` drafts each input of a group
    (each may fail on its own) and finishes those that drafted.
    """
    found = detect_languages([d.text for d in drafts])
    return [
        Document(
            **{name: getattr(d, name) for name in _DRAFT_FIELDS},
            language=language,
            language_probability=probability,
        )
        for d, (language, probability) in zip(drafts, found, strict=True)
    ]


def draft(
    raw: bytes | str,
    *,
    url: str | None = None,
    source: str = "-",
    doc_id: str | None = None,
    fetched_at: str | None = None,
    extra: dict[str, Any] | None = None,
    options: CleanOptions | None = None,
) -> Draft:
    """Every pass of `clean` but the body's language (arguments as for `clean`)."""
    options = options or CleanOptions()
    ruleset = options.ruleset or default_ruleset()
    data = raw.encode("utf-8") if isinstance(raw, str) else raw
    if not isinstance(raw, bytes | str):
        raise TypeError(f"clean() takes bytes or str, not {type(raw).__name__}")
    text, encoding, kind, html_meta, raw_html = _page_text(
        raw, options.input_kind, url, options.limits
    )
    limited = isinstance(html_meta, str)
    if limited:  # too big for trafilatura: a plain strip, so the generic pass finds the body
        extra = {**(extra or {}), "limited": html_meta}
        html_meta = None
    check_lines(text, options.limits)
    units, lines = make_units(text)
    hint = guess_from_words(_head_words(units[:200]))
    rules = [
        r for r in ruleset if r.applies_to(hint) and (options.include_preview or not r.preview)
    ]
    matches = apply_rules(units, rules)
    # trafilatura found nothing: the page's visible text, in which the body model looks
    extracted = html_meta is not None and html_meta.extracted
    if extracted:  # trafilatura's extraction: only sure rules, extents may not take it whole
        gate_unsure(units, ruleset)
        gate_extents(units, matches)
    meta = collect(matches, hint, fetched_at, units)
    if html_meta is not None:  # before the template pass: the site may be the HTML's publisher
        _merge_html_metadata(meta, html_meta, raw_html, hint, fetched_at)
    headline = take_title(units)  # before the template pass: a headline is never template
    if options.templates:
        site = site_key(url, meta.publisher)
        keys = options.templates.get(site) if site is not None else None
        headline = _apply_site_template(units, keys, headline)
    # trafilatura already found the HTML's article: the body model is for text (and for HTML
    # too big for trafilatura or in which it found nothing, reduced to its visible text)
    generic = options.generic and (kind == "text" or not extracted)
    anchor = apply_generic(units, hint, ruleset) if generic else None
    title = _decide_title(
        units,
        headline,
        anchor,
        meta,
        text=kind == "text",
        html=html_meta is not None,
        model_head=generic,
    )
    if kind == "text":  # every dateline of the scrape decides; byline_date removes its line
        text_dates(meta, units, hint, url, fetched_at, title)
    byline_date(meta, units, hint, fetched_at, decide=kind != "text")
    body = "\n\n".join(u.text for u in units if u.kept)
    removed = _accounting(units, ruleset)
    return Draft(
        id=doc_id if doc_id is not None else source,
        source=source,
        url=url,
        title=normalise_title(title if title is not None else meta.title),
        text=body,
        published=meta.published,
        page_date=meta.page_date,
        publisher=meta.publisher,
        category=meta.category,
        author=meta.author,
        published_source=meta.published_source,
        modified=meta.modified,
        modified_source=meta.modified_source,
        paywalled=any(r.category == "paywall" for r in removed),
        removed=removed,
        raw_sha256=hashlib.sha256(data).hexdigest(),
        cleaner_version=__version__,
        ruleset_version=ruleset.version,
        fetched_at=fetched_at,
        content_type="text/html" if kind == "html" else "text/plain",
        encoding=encoding,
        extra=dict(extra or {}),
        lines=tuple(lines),
    )


def _decide_title(
    units: list[Unit],
    headline: str | None,
    anchor: int | None,
    meta: Metadata,
    *,
    text: bool,
    html: bool,
    model_head: bool = False,
) -> str | None:
    """The document's title, decided here only: the headline the rules took, else the line
    the generic classifier anchored the body on (text), else (text) a headline the body model
    left at the top of the body, else in text a line that repeats the page-title line,
    without its ` | Site` suffix; in HTML the metadata's title. Returned as found: the Draft
    normalises it, the text's dateline pass reads it as the page shows it.

    The lines that repeat it are marked removed: the anchor line as `meta.title` (with a
    first line before it that repeats it as `meta.repeated-title`); in HTML, a leading line
    that is the title.
    """
    title = headline
    if anchor is not None:
        if title is None:
            title = units[anchor].text
        units[anchor].removed_by = "meta.title"
        if units[0].removed_by is None or units[0].removed_by.startswith("generic."):
            units[0].removed_by = "meta.repeated-title"
    elif title is None and model_head and (head := model_headline(units)) is not None:
        title = units[head].text  # the headline the body model kept above the body
        units[head].removed_by = "meta.title"
    if text:
        title = title if title is not None else repeated_headline(units)
        title = strip_site_name(title, units, meta.publisher)
        if title is not None:  # its copies further down (a share bar's) are not article text
            drop_repeats(units, title)
    if html:
        title = title or meta.title
        drop_leading_title(units, title)
    return title


def _head_words(units: list[Unit]) -> list[str]:
    """`words()` of the units' texts joined by spaces and cut at GUESS_CHARS, from each unit's
    cached words (the generic classifier reads them again)."""
    out: list[str] = []
    room = GUESS_CHARS
    for unit in units:
        if len(unit.text) > room:
            out += words(unit.text[:room])
            break
        out += unit.tokens()
        room -= len(unit.text) + 1
        if room <= 0:
            break
    return out


def _page_text(
    raw: bytes | str, input_kind: str, url: str | None, limits: Limits | None = None
) -> tuple[str, str | None, str, Any, str]:
    """The text whose lines become units: the decoded scrape, or the HTML's extracted text.

    Returns (text, encoding, kind, trafilatura's result or None, the raw HTML or ""); for
    HTML over `limits`, the result is instead the note for the record's `limited` field.
    """
    if isinstance(raw, str):
        text, encoding = raw, None
    else:
        text, encoding = decode_bytes(raw)
    kind = input_kind
    if kind == "auto":
        kind = "html" if looks_like_html(text) else "text"
    if kind != "html":
        return text, encoding, kind, None, ""
    if limits is not None and (count := too_many_elements(text, limits)) is not None:
        return cheap_text(text), encoding, kind, element_note(count, limits), text
    from cleaner.extract_html import extract

    html_meta = extract(text, url)
    return html_meta.text, encoding, kind, html_meta, text


def _apply_site_template(
    units: list[Unit], keys: frozenset[int] | None, title: str | None
) -> str | None:
    """Remove the site's template lines; the headline, already taken, is never one of them.

    When no headline was found, it is looked for again: a site menu above it may have hidden it.
    """
    if keys and apply_template(units, keys) and title is None:
        return take_title(units)
    return title


def template_keys(
    raw: bytes | str,
    *,
    url: str | None = None,
    options: CleanOptions | None = None,
) -> tuple[str | None, frozenset[int]]:
    """The site of one raw document and its line keys: what a template learner counts.

    The first pass of a batch. With a URL only the text is needed (no rules, a fraction of a
    clean); without one, the site is the publisher the rules find, so the page is cleaned.
    """
    options = options or CleanOptions()
    site = site_key(url)
    if site is not None:
        text = _page_text(raw, options.input_kind, url, options.limits)[0]
        return site, document_keys(u.text for u in make_units(text)[0])
    return site_and_keys(clean(raw, url=url, options=replace(options, templates=None)))


def _merge_html_metadata(
    meta: Metadata, html: Any, raw_html: str, language: str | None, fetched_at: str | None
) -> None:
    """trafilatura's metadata and the page head's dates fill what the rules did not capture."""
    merge_html(meta, html, raw_html, language, fetched_at)


def category_of(rule_id: str, ruleset: Ruleset) -> str:
    """The category of the rule that removed a line: every id, code rules' included, is in
    the registry (a ruleset built by hand may lack the code rules: the built-in one has them)."""
    rule = ruleset.get(rule_id) or default_ruleset().get(rule_id)
    if rule is not None:
        return rule.category
    prefix = rule_id.split(".", 1)[0]
    return prefix if prefix in CATEGORIES else "generic"


def _accounting(units: list[Unit], ruleset: Ruleset) -> tuple[Removal, ...]:
    """One Removal per removed input line, in input order."""
    out: list[Removal] = []
    for unit in units:
        if unit.prefix_rule is not None:
            out.append(
                Removal(
                    unit.prefix_rule,
                    category_of(unit.prefix_rule, ruleset),
                    unit.lines[0],
                    unit.prefix_removed,
                )
            )
        if unit.removed_by is not None:
            category = category_of(unit.removed_by, ruleset)
            note = unit.note if unit.removed_by.startswith("generic.") else ""
            for i, (number, line) in enumerate(zip(unit.lines, unit.raw, strict=True)):
                if i == 0 and unit.prefix_rule is not None:
                    line = _after_prefix(line, unit.prefix_removed)
                    if not line:
                        continue
                out.append(Removal(unit.removed_by, category, number, line, note))
    return tuple(out)


def _after_prefix(line: str, prefix: str) -> str:
    """What a prefix rule left of an input line (each removed character is reported once)."""
    return line[len(prefix) :].strip() if line.startswith(prefix) else line
