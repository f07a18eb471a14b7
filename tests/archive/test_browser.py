"""`cleaner serve` in headless Chromium (Playwright + Debian's chromium): what a reader sees.

Screenshots go to test-artifacts/browser/ (gitignored); the widths measured are written beside
them (measures.json). With CLEANER_UPDATE_SCREENSHOT=1 the first seed's article page is also
written to docs/img/article.png for the docs. Skipped when chromium or Playwright is missing
(`make browser-deps` installs chromium).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.archive.conftest import ROOT, SEEDS, invoke, query
from tests.archive.test_archive_serve import serving

pytestmark = pytest.mark.slow

ARTEFACTS = ROOT / "test-artifacts" / "browser"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1280, "height": 800}
# Invented text: the two searched words are paragraphs apart, never a phrase.
HEADLINE = "Lighthouse keepers return to Skerry Point"
ARTICLE = (
    f"{HEADLINE}\n\n"
    "The last lighthouse on the northern coast will be staffed again from next spring, the "
    "maritime authority said on Tuesday, after a storm left its automatic lamp dark for nine "
    "nights in a row.\n\n"
    "The authority will hire four keepers, who will live in the restored cottages beside the "
    "tower and take turns on watch through the winter.\n\n"
    "Fishermen in the harbour welcomed the decision. Several crews said the lamp had failed "
    "twice during the autumn mackerel season, when boats come home late in heavy weather.\n"
)


def chromium_path() -> str | None:
    for candidate in ("/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """The seeds plus the lighthouse story, served; yields (base URL, the story's id)."""
    if chromium_path() is None:
        pytest.skip("Debian chromium is not installed (make browser-deps installs it)")
    pytest.importorskip("playwright.sync_api")
    folder = tmp_path_factory.mktemp("browser")
    db = folder / "news.db"
    story = folder / "lighthouse.txt"
    story.write_text(ARTICLE, encoding="utf-8")
    result = invoke("archive", str(db), *map(str, SEEDS))
    assert result.exit_code == 0, result.output
    assert invoke("archive", str(db), "--input", "text", str(story)).exit_code == 0
    ((story_id,),) = query(db, f"select id from articles where title = '{HEADLINE}'")
    with serving(db, folder / "serve.log") as base:
        yield f"{base}/news", int(str(story_id))


@pytest.fixture(scope="module")
def browser(site: tuple[str, int]) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport=VIEWPORT)
    try:
        yield context.new_page()
    finally:
        context.close()


def record(name: str, value: object) -> None:
    """Keep a measured figure beside the screenshots (test-artifacts/browser/measures.json)."""
    path = ARTEFACTS / "measures.json"
    data = json.loads(path.read_text()) if path.exists() else {}
    data[name] = value
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")


def no_sideways_scroll(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= VIEWPORT["width"], f"the page is {width} px wide"


def test_article_page_reads_as_an_article(site: tuple[str, int], page: Any) -> None:
    base, story_id = site
    page.goto(f"{base}/articles/{story_id}")
    assert page.locator("h1").inner_text() == HEADLINE
    assert page.title() == HEADLINE
    column = page.locator(".cleaner-text").bounding_box()
    assert column is not None and column["width"] >= 500, column
    paragraphs = page.locator(".cleaner-text p")
    assert paragraphs.count() == 3
    assert "mackerel season" in paragraphs.nth(2).inner_text()
    no_sideways_scroll(page)
    record("article_text_column_px", round(column["width"]))
    record("article_page_height_px", page.evaluate("document.documentElement.scrollHeight"))
    page.screenshot(path=str(ARTEFACTS / "article.png"), full_page=True)
    if os.environ.get("CLEANER_UPDATE_SCREENSHOT"):  # the docs' picture: a seed with metadata
        docs = ROOT / "docs" / "img"
        docs.mkdir(parents=True, exist_ok=True)
        page.set_viewport_size({"width": 1000, "height": 640})
        page.goto(f"{base}/articles/1")
        page.screenshot(path=str(docs / "article.png"))


def test_removed_lines_are_behind_a_toggle_grouped_by_rule(
    site: tuple[str, int], page: Any
) -> None:
    base, _ = site
    page.goto(f"{base}/articles/1")  # the first seed: a page with a related-posts list
    toggle = page.locator("details.cleaner-removed")
    assert not toggle.evaluate("d => d.open")
    assert not page.locator(".cleaner-removed li").first.is_visible()
    toggle.locator("summary").click()
    assert page.locator(".cleaner-removed li").first.is_visible()
    rules = page.locator(".cleaner-removed h3 code").all_inner_texts()
    assert rules and len(rules) == len(set(rules)), rules
    page.locator("a.cleaner-raw").click()
    page.wait_for_url("**/raw_documents/**")
    assert "raw" in page.inner_text("body")


def test_articles_table_opens_on_titles(site: tuple[str, int], page: Any) -> None:
    base, _ = site
    page.goto(f"{base}/articles")
    headers = page.locator("table.rows-and-columns th").all_inner_texts()
    assert [h.strip() for h in headers] == [
        "title",
        "publisher",
        "published",
        "language",
        "excerpt",
    ]
    titles = page.locator("td.col-title a")
    visible = [
        box
        for box in (titles.nth(i).bounding_box() for i in range(titles.count()))
        if box and box["y"] + box["height"] <= VIEWPORT["height"]
    ]
    assert len(visible) >= 3, f"{len(visible)} titles on the first screen"
    assert page.get_by_text(HEADLINE).first.is_visible()
    record("articles_table_titles_on_first_screen", len(visible))
    no_sideways_scroll(page)
    page.screenshot(path=str(ARTEFACTS / "articles.png"))
    page.locator("a.cleaner-full").click()
    assert "raw_sha256" in page.locator("table.rows-and-columns thead").inner_text()


def test_two_word_search_finds_words_apart_and_links_the_article(
    site: tuple[str, int], page: Any
) -> None:
    base, story_id = site
    page.goto(f"{base}/search")
    box = page.locator("input[name=q]")
    box.fill("mackerel lighthouse")
    box.press("Enter")
    page.wait_for_url("**q=mackerel+lighthouse**")
    result = page.locator("ol.cleaner-results li").first
    link = result.locator("a.cleaner-title")
    assert link.inner_text() == HEADLINE
    marks = result.locator("mark").all_inner_texts()
    assert {m.lower() for m in marks} & {"mackerel", "lighthouse"}, marks
    assert "**" not in result.inner_text()
    no_sideways_scroll(page)
    page.screenshot(path=str(ARTEFACTS / "search.png"))
    link.click()
    page.wait_for_url(f"**/articles/{story_id}")
    assert page.locator("h1").inner_text() == HEADLINE
