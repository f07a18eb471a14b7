"""HTML to article text with trafilatura, keeping one paragraph per line, plus its metadata.

trafilatura's cleaning is structural (tags, classes, link density): "Related", "Share" and
copyright lines inside the article container survive it, so its output goes through the same
rule engine as a plain-text scrape. It is imported only when an HTML input appears.

Metadata: `with_metadata=True` costs ~40 % of the extraction again: htmldate, an author search
through the body and category, tag and licence scans, most of which the page's meta tags or text
make moot. The page is parsed once, extracted (trafilatura prunes its own copy), and the fields
we report are read from the same tree with trafilatura's own metadata functions, the costly ones
on demand; the body's author search is left out (see HtmlResult.author).
"""

from __future__ import annotations

import contextlib
from functools import cached_property
from typing import Any

# trafilatura's balance between recall and precision, chosen by measurement on the three
# benchmarks' tuning halves (docs/quality.md): one of "recall", "default", "precision".
BALANCE = "recall"


class HtmlResult:
    """The extracted text and what the page declares about itself.

    Title, site name and author are read at once (cheap look-ups in the head and its JSON-LD).
    The date (htmldate: up to ~2 ms, a deep copy of the page) and the category (a scan of the
    links) are only read when asked: the pipeline asks only when the page's meta tags and the
    text's own lines did not already say. The values are those trafilatura's extract_metadata
    gives (the tree is never changed), except the author: see `author`.
    """

    def __init__(self, text: str, tree: Any = None, url: str | None = None) -> None:
        self.text = text
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
    """Article text and metadata; falls back to the page's visible text when extraction fails."""
    import trafilatura
    from trafilatura.utils import load_html

    tree = load_html(html)
    if tree is None:
        return HtmlResult(_visible_text(html))
    doc = trafilatura.bare_extraction(
        tree,  # trafilatura prunes a copy: the tree stays whole for the metadata
        url=url,
        with_metadata=False,
        include_comments=False,
        include_tables=True,
        include_formatting=False,
        deduplicate=False,
        favor_recall=BALANCE == "recall",
        favor_precision=BALANCE == "precision",
    )
    text = (getattr(doc, "text", None) or "") if doc is not None else ""
    return HtmlResult(text if text.strip() else _visible_text(html), tree, url)


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
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "lxml")
    for tag in soup(["script", "style", "noscript", "template"]):
        tag.decompose()
    return soup.get_text("\n")
