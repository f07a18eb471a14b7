"""HTML to article text with trafilatura, keeping one paragraph per line, plus its metadata.

trafilatura's cleaning is structural (tags, classes, link density): "Related", "Share" and
copyright lines inside the article container survive it, so its output goes through the same
rule engine as a plain-text scrape. It is imported only when an HTML input appears.
"""

from __future__ import annotations

from dataclasses import dataclass


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

    doc = trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        include_formatting=False,
        deduplicate=False,
        favor_recall=True,
    )
    if doc is None or not (getattr(doc, "text", None) or "").strip():
        return HtmlResult(text=_visible_text(html))
    categories = getattr(doc, "categories", None) or []
    return HtmlResult(
        text=doc.text or "",
        title=getattr(doc, "title", None),
        date=getattr(doc, "date", None),
        sitename=getattr(doc, "sitename", None),
        author=getattr(doc, "author", None),
        category=categories[0] if categories else None,
    )


def _visible_text(html: str) -> str:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "lxml")
    for tag in soup(["script", "style", "noscript", "template"]):
        tag.decompose()
    return soup.get_text("\n")
