"""HTML to article text with trafilatura, keeping one paragraph per line, plus its metadata.

trafilatura's cleaning is structural (tags, classes, link density): "Related", "Share" and
copyright lines inside the article container survive it, so its output goes through the same
rule engine as a plain-text scrape. It is imported only when an HTML input appears.

Metadata: `with_metadata=True` costs ~35 % of the extraction again, most of it in a deep copy
of the whole page for the author search and in tag and licence scans we do not report. The page
is parsed once, extracted (trafilatura prunes its own copy), then the fields we report are read
from the same tree with trafilatura's own metadata functions, the author search last and in place.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any


@dataclass(slots=True)
class HtmlResult:
    text: str
    title: str | None = None
    date: str | None = None
    sitename: str | None = None
    author: str | None = None
    category: str | None = None


def extract(html: str, url: str | None = None) -> HtmlResult:
    """Article text and metadata; falls back to the page's visible text when extraction fails."""
    import trafilatura
    from trafilatura.utils import load_html

    tree = load_html(html)
    if tree is None:
        return HtmlResult(text=_visible_text(html))
    doc = trafilatura.bare_extraction(
        tree,  # trafilatura prunes a copy: the tree stays whole for the metadata
        url=url,
        with_metadata=False,
        include_comments=False,
        include_tables=True,
        include_formatting=False,
        deduplicate=False,
        favor_recall=True,
    )
    result = page_metadata(tree, url)
    text = (getattr(doc, "text", None) or "") if doc is not None else ""
    result.text = text if text.strip() else _visible_text(html)
    return result


def page_metadata(tree: Any, url: str | None) -> HtmlResult:
    """The fields trafilatura's extract_metadata gives (same functions, same order of
    precedence) for what we report, without the licence and tag scans. Consumes the tree: the
    author search prunes it in place, where trafilatura first deep-copies the whole page."""
    from htmldate import find_date
    from trafilatura import metadata as traf
    from trafilatura.htmlprocessing import prune_unwanted_nodes
    from trafilatura.settings import set_date_params

    meta = traf.examine_meta(tree)
    if meta.author and " " not in meta.author:
        meta.author = None  # a one-word "author" is a handle or the site (as trafilatura does)
    with contextlib.suppress(Exception):  # trafilatura's JSON-LD reader fails on odd pages
        meta = traf.extract_meta_json(tree, meta)
    title = meta.title or traf.extract_title(tree)
    page_url = meta.url or traf.extract_url(tree, url)
    params = set_date_params(True)  # trafilatura's default (EXTENSIVE_DATE_SEARCH = on)
    params["url"] = page_url
    date = find_date(tree, **params)
    sitename = meta.sitename or traf.extract_sitename(tree)
    if sitename:
        sitename = sitename.lstrip("@")
        if sitename and "." not in sitename and not sitename[0].isupper():
            sitename = sitename.title()
    elif page_url:
        found = traf.META_URL.match(page_url)
        sitename = found[1] if found else None
    categories = meta.categories or traf.extract_catstags("category", tree)
    author = meta.author
    if not author:
        pruned = prune_unwanted_nodes(tree, traf.AUTHOR_DISCARD_XPATHS)
        author = traf.extract_metainfo(pruned, traf.AUTHOR_XPATHS, len_limit=120)
        author = traf.normalize_authors(None, author) if author else None
    return HtmlResult(
        text="",
        title=_trimmed(title),
        date=date,
        sitename=_trimmed(sitename),
        author=_trimmed(author),
        category=_trimmed(categories[0]) if categories else None,
    )


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
