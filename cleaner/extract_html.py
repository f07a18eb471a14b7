"""HTML to article text with trafilatura, keeping one paragraph per line, plus its metadata.

trafilatura's cleaning is structural (tags, classes, link density): "Related", "Share" and
copyright lines inside the article container survive it, so its output goes through the same
rule engine as a plain-text scrape. It is imported only when an HTML input appears.

Settings (docs/quality.md, measured on the three benchmarks' tuning halves together): trafilatura's
default balance, and readers' comments kept as `trafilatura.extract()` keeps them by default, so
that HTML mode never gives less than trafilatura alone. Pages trafilatura cannot read as they come
(a fragment without <html>, start tags inside conditional comments) are repaired first; when it
still finds no article, the page's visible text goes to the body model as a plain-text scrape.

Metadata: `with_metadata=True` costs ~40 % of the extraction again: htmldate, an author search
through the body and category, tag and licence scans, most of which the page's meta tags or text
make moot. The page is parsed once, extracted (trafilatura prunes its own copy), and the fields
we report are read from the same tree with trafilatura's own metadata functions, the costly ones
on demand; the body's author search is left out (see HtmlResult.author).
"""

from __future__ import annotations

import contextlib
import re
from functools import cached_property
from typing import Any

# trafilatura's balance between recall and precision, chosen by measurement on the three
# benchmarks' tuning halves (docs/quality.md): one of "recall", "default", "precision".
# "recall" was 0.005 better on AEB and 0.004 worse on the trafilatura corpus, and left more
# pages below trafilatura alone; the default balance also did better on the unseen halves.
BALANCE = "default"
# Readers' comments that trafilatura finds under the article: "extract" runs trafilatura with
# its comment search on (as `trafilatura.extract()` does by default: the comment containers are
# then taken out before the article is looked for, not pruned with it) and keeps only the
# article; "keep" also appends the comments; "prune" turns the search off. "keep": the broad
# corpus's gold (CleanEval) keeps comments, and without them HTML mode was below trafilatura
# alone there (0.867 against 0.873); it costs AEB 0.003 and the trafilatura corpus nothing.
COMMENTS = "keep"
# A comments part shorter than this is the comment form's own lines ("Leave a comment",
# "0 Comments"), not readers' comments: it is not appended.
MIN_COMMENTS_CHARS = 200

# Internet Explorer's conditional comments. Pages that wrap their <html> and <head> start tags
# in them (`<!--[if gt IE 8]>` … with the closing `<!-->` lost) parse as one long comment: the
# tree has no body. Unwrapped, the page parses as a browser shows it.
_CONDITIONAL = re.compile(
    r"<!--\[if[^\]]*\]>(?:\s*<!-->)?|<!(?:--)?\[endif\]-->|<!--<!\[endif\]-->", re.I
)


class HtmlResult:
    """The extracted text and what the page declares about itself.

    Title, site name and author are read at once (cheap look-ups in the head and its JSON-LD).
    The date (htmldate: up to ~2 ms, a deep copy of the page) and the category (a scan of the
    links) are only read when asked: the pipeline asks only when the page's meta tags and the
    text's own lines did not already say. The values are those trafilatura's extract_metadata
    gives (the tree is never changed), except the author: see `author`.
    """

    def __init__(
        self, text: str, tree: Any = None, url: str | None = None, *, extracted: bool = True
    ) -> None:
        self.text = text
        # False: trafilatura found no article and `text` is the page's visible text, in which
        # the body model looks for the article as in a plain-text scrape
        self.extracted = extracted
        self._tree = tree
        self._meta: Any = None
        self._url: str | None = url
        self.title: str | None = None
        self.sitename: str | None = None
        if tree is not None:
            self._read_head(url)

    def _read_head(self, url: str | None) -> None:
        from trafilatura import metadata as traf

        tree = self._tree
        meta = traf.examine_meta(tree)
        if meta.author and " " not in meta.author:
            meta.author = None  # a one-word "author" is a handle or the site (as trafilatura)
        with contextlib.suppress(Exception):  # trafilatura's JSON-LD reader fails on odd pages
            meta = traf.extract_meta_json(tree, meta)
        self._meta = meta
        self._url = meta.url or traf.extract_url(tree, url)
        self.title = _trimmed(meta.title or traf.extract_title(tree))
        sitename = meta.sitename or traf.extract_sitename(tree)
        if sitename:
            sitename = sitename.lstrip("@")
            if sitename and "." not in sitename and not sitename[0].isupper():
                sitename = sitename.title()
        elif self._url:
            found = traf.META_URL.match(self._url)
            sitename = found[1] if found else None
        self.sitename = _trimmed(sitename)

    @cached_property
    def date(self) -> str | None:
        if self._tree is None:
            return None
        from htmldate import find_date
        from trafilatura.settings import set_date_params

        params = set_date_params(True)  # trafilatura's default (EXTENSIVE_DATE_SEARCH = on)
        params["url"] = self._url
        found: str | None = find_date(self._tree, **params)  # searches a copy of the tree
        return found

    @cached_property
    def category(self) -> str | None:
        if self._tree is None:
            return None
        from trafilatura import metadata as traf

        categories = self._meta.categories or traf.extract_catstags("category", self._tree)
        return _trimmed(categories[0]) if categories else None

    @property
    def author(self) -> str | None:
        """The author the page declares (meta tags, JSON-LD); the text's byline rules find the
        rest. trafilatura's search of the body for author-like elements is left out: on the
        benchmark pages it cost 15 % of HTML mode's time, and half of what it found was not a
        name ('Article by', 'Unknown', 'Wordpressadmin', a photo credit, a date)."""
        return _trimmed(self._meta.author) if self._meta is not None else None


def extract(html: str, url: str | None = None) -> HtmlResult:
    """Article text and metadata; the page's visible text (`extracted=False`) when trafilatura
    finds no article."""
    tree = load_tree(html)
    if tree is None:
        return HtmlResult(_visible_text(html), extracted=False)
    text, comments = extraction(tree, url)
    if COMMENTS == "keep" and len(comments.strip()) >= MIN_COMMENTS_CHARS:
        text = f"{text}\n{comments}"
    if text.strip():
        return HtmlResult(text, tree, url)
    return HtmlResult(_visible_text(html), tree, url, extracted=False)


def load_tree(html: str) -> Any:
    """The page's tree as trafilatura parses it, or None. Two kinds of page it rejects or reads
    as empty are repaired first: a fragment without an <html> element (trafilatura's own advice:
    wrap it), and a page whose <html>/<head> start tags sit inside conditional comments."""
    from trafilatura.utils import load_html

    tree = load_html(html)
    if tree is None and "<html" not in html[:2000].lower():
        tree = load_html(f"<html><body>{html}</body></html>")
    if tree is not None and _has_body(tree):
        return tree
    if _CONDITIONAL.search(html):
        repaired = load_html(_CONDITIONAL.sub("", html))
        if repaired is not None and _has_body(repaired):
            return repaired
    return tree


def _has_body(tree: Any) -> bool:
    body = tree.find("body")
    return body is not None and len(body) > 0


def extraction(
    tree: Any, url: str | None = None, *, balance: str | None = None, comments: str | None = None
) -> tuple[str, str]:
    """trafilatura's article text and readers' comments (empty unless the comment search is on:
    COMMENTS "extract" or "keep"), with the module's settings unless given."""
    import trafilatura

    balance = balance or BALANCE
    comments = comments or COMMENTS
    doc = trafilatura.bare_extraction(
        tree,  # trafilatura prunes a copy: the tree stays whole for the metadata
        url=url,
        with_metadata=False,
        include_comments=comments != "prune",
        include_tables=True,
        include_formatting=False,
        deduplicate=False,
        favor_recall=balance == "recall",
        favor_precision=balance == "precision",
    )
    if doc is None:
        return "", ""
    return getattr(doc, "text", None) or "", getattr(doc, "comments", None) or ""


def _trimmed(value: str | None) -> str | None:
    """As trafilatura's Document.clean_and_trim leaves a field: entities decoded, spaces and
    control characters trimmed, at most 10,000 characters; None when nothing is left."""
    from html import unescape

    from trafilatura.utils import line_processing

    if not value:
        return None
    if len(value) > 10000:
        value = value[:9999] + "…"
    return line_processing(unescape(value)) or None


def _visible_text(html: str) -> str:
    """The page's visible text, a line per block (conditional comments unwrapped: their
    content is what the page shows)."""
    from cleaner.limits import cheap_text

    return cheap_text(_CONDITIONAL.sub("", html))
