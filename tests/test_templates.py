"""Site templates: keys, learning thresholds, the serialised form, and the pass in `clean()`.

The pages are synthetic and built here: a site's menu and footer around articles that share
nothing but, sometimes, one sentence, so each test shows what recurs and how often.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from cleaner import CleanOptions, clean
from cleaner.document import Document
from cleaner.lines import split_lines
from cleaner.pipeline import template_keys
from cleaner.templates import (
    MAX_WORDS,
    MIN_DOCS,
    RULE_ID,
    SiteCounts,
    SiteTemplate,
    TemplateLearner,
    document_keys,
    learn,
    learnable,
    line_key,
    site_and_keys,
    site_key,
    threshold,
)
from tests.conftest import raw_path, sample_names

MENU = ["Daily Harbour Gazette", "News", "Sport", "Weather", "Contact us"]
FOOTER = ["About the Gazette", "Terms of use", "Follow us on Mastodon"]
ARTICLES = [
    (
        "Harbour budget approved after long debate",
        "The city council approved the new harbour budget on Tuesday after a debate on costs.",
        "The mayor said the works would start in spring and last about two years in all.",
    ),
    (
        "New library opens in the old town",
        "The new public library opened its doors on Saturday to hundreds of curious visitors.",
        "Its director said the collection would grow to fifty thousand books in three years.",
    ),
    (
        "Rail strike disrupts morning commute",
        "Thousands of commuters were stranded on Monday as train drivers walked out over pay.",
        "The union said further strikes could follow next month if the talks fail once more.",
    ),
    (
        "Drought forces water restrictions",
        "Farmers in the south face new water restrictions after the driest winter on record.",
        "The regional government said the measures would be reviewed every week from now on.",
    ),
    (
        "Museum returns stolen painting",
        "A painting stolen from the city museum twenty years ago was returned on Thursday.",
        "Curators said the work was in good condition and would be shown again next month.",
    ),
]
SHARED = "Officials did not respond to several requests for comment on the plans this week."


def page(n: int, *, extra: list[str] | None = None, menu: list[str] = MENU) -> str:
    title, first, second = ARTICLES[n]
    body = [first, *(extra or []), second]
    return "\n".join([*menu, "", title, "", "\n\n".join(body), "", *FOOTER]) + "\n"


def url(n: int, host: str = "www.gazette.example") -> str:
    return f"https://{host}/news/{n}"


def learned(pages: list[tuple[str, str]]) -> dict[str, frozenset[int]]:
    """Templates learned from (url, raw) pairs the way the CLI's first pass does."""
    learner = TemplateLearner()
    for address, raw in pages:
        learner.add(*template_keys(raw, url=address))
    return learner.mapping()


def removed_by(doc: Document, rule: str) -> list[str]:
    return [r.text for r in doc.removed if r.rule == rule]


# --- keys --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "publisher", "expected"),
    [
        ("https://www.Example.COM/a?b=1", None, "example.com"),
        ("http://news.example.com:8080/x", "Ignored Ltd", "news.example.com"),
        ("https://www./x", None, "www"),
        ("not a url", " The  Daily\tPlanet ", "the daily planet"),
        (None, "Le Journal", "le journal"),
        (None, None, None),
        ("http://[::1", None, None),  # a malformed URL is not a site
        ("https://web.archive.org/web/20080731095500/http://www.krimi.de/a", None, "krimi.de"),
        ("http://web.archive.org/web/2008im_/https:/x.org/", None, "x.org"),
        ("https://web.archive.org/web/2008/krimi.de/x", None, "krimi.de"),
        ("https://web.archive.org/about", None, "web.archive.org"),
    ],
)
def test_site_key(address: str | None, publisher: str | None, expected: str | None) -> None:
    assert site_key(address, publisher) == expected


def test_line_key_normalises_case_digits_and_spaces() -> None:
    assert line_key("Comments (12)  on  3 May") == line_key("comments (7) on 28 may")
    assert line_key("ÉTÉ 2024") == line_key("été 1999")
    assert line_key("Home") != line_key("Hom e")
    assert line_key("Sport") != line_key("Spot")
    assert 0 <= line_key("x") < 2**53


def test_line_key_is_stable_across_processes() -> None:
    """Templates are stored and reused later: `hash()` would change with PYTHONHASHSEED."""
    code = "from cleaner.templates import line_key; print(line_key('Terms of use'))"
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert int(out.stdout) == line_key("Terms of use")


def test_long_lines_are_never_learned() -> None:
    long_line = " ".join(["word"] * (MAX_WORDS + 1))
    assert not learnable(long_line) and not learnable("   ")
    assert learnable(" ".join(["word"] * MAX_WORDS))
    assert document_keys([long_line, "Home", "home", ""]) == {line_key("Home")}


# --- learning thresholds ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("documents", "need"), [(0, 0), (2, 0), (3, 3), (4, 3), (6, 3), (7, 4), (10, 5), (101, 51)]
)
def test_threshold(documents: int, need: int) -> None:
    assert threshold(documents) == need


def test_a_site_needs_three_documents() -> None:
    assert learn([{1, 2}, {1, 3}]) == frozenset()
    assert learn([{1, 2}, {1, 3}, {1, 4}]) == {1}


def test_a_key_needs_half_of_the_documents_and_at_least_three() -> None:
    docs = [{1, 2, 3, 100 + i} for i in range(8)]
    for i in range(3):
        docs[i].add(7)  # 3 of 8: under half
    for i in range(4):
        docs[i].add(8)  # 4 of 8: half
    assert learn(docs) == {1, 2, 3, 8}
    assert learn(docs, min_share=0.3) == {1, 2, 3, 7, 8}
    assert learn(docs, min_docs=5) == {1, 2, 3}


def test_identical_documents_count_once() -> None:
    """The same page fetched three times must not make its article a template."""
    article = {10, 11, 12}
    assert learn([article, article, article, {1}]) == frozenset()
    counts = SiteCounts()
    assert counts.add(article) and not counts.add(set(article))
    assert counts.documents == 1


def test_memory_is_bounded_and_template_keys_survive_pruning() -> None:
    counts = SiteCounts()
    for i in range(2_000):
        counts.add({1, 2, *range(10 * i + 100, 10 * i + 110)}, max_keys=500)
        assert len(counts.counts) <= 500
    assert counts.template() == {1, 2}
    assert counts.floor > 0


def test_memory_is_bounded_over_many_small_sites() -> None:
    """A crawl of many one-page sites: the bound holds and a big site still learns."""
    learner = TemplateLearner(max_keys_total=2_000)
    for i in range(3_000):
        learner.add(f"site{i}.example", {10 * i + j for j in range(10)})
        if i % 10 == 0:
            learner.add("big.example", {1, 2, 100_000 + i})
        assert learner.total <= 2_000
        assert learner.total == sum(len(c.counts) for c in learner.sites.values())
    assert learner.floor > 0 and len(learner.sites) < 3_000
    assert learner.mapping() == {"big.example": {1, 2}}


def test_learning_is_linear() -> None:
    """Ten times the documents take about ten times as long (generous bound, not quadratic)."""

    def run(n: int) -> float:
        learner = TemplateLearner()
        start = time.perf_counter()
        for i in range(n):
            learner.add("site", {1, 2, 3, *range(50 * i, 50 * i + 50)})
        learner.templates()
        return time.perf_counter() - start

    small, large = run(400), run(4_000)
    assert large < 30 * small + 0.5, (small, large)


def test_sites_do_not_share_templates() -> None:
    learner = TemplateLearner()
    for i in range(3):
        learner.add("a.example", {1, 10 + i})
        learner.add("b.example", {2, 20 + i})
    learner.add(None, {1, 2})  # no site: teaches nothing
    learner.add("c.example", {1})
    assert learner.mapping() == {"a.example": {1}, "b.example": {2}}


def test_learner_rejects_thresholds_that_would_learn_from_one_page() -> None:
    with pytest.raises(ValueError):
        TemplateLearner(min_docs=1)
    with pytest.raises(ValueError):
        TemplateLearner(min_share=0)


# --- the serialised form -------------------------------------------------------------------


def test_site_template_round_trips_through_json() -> None:
    template = SiteTemplate("gazette.example", 5, frozenset({3, 1, 2**53 - 1}))
    data = json.loads(json.dumps(template.to_dict()))
    assert data["keys"] == [1, 3, 2**53 - 1] and data["format"] == "cleaner-site-template/1"
    assert SiteTemplate.from_dict(data) == template


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"format": "cleaner-site-template/1", "site": "", "documents": 3, "keys": []},
        {"format": "cleaner-site-template/1", "site": "x", "documents": -1, "keys": []},
        {"format": "cleaner-site-template/1", "site": "x", "documents": 3, "keys": ["1"]},
        {"format": "cleaner-site-template/1", "site": "x", "documents": 3, "keys": [2**53]},
        {"format": "cleaner-site-template/1", "site": "x", "documents": 3, "keys": [True]},
    ],
)
def test_site_template_rejects_malformed_data(data: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        SiteTemplate.from_dict(data)


# --- the pass in clean() -------------------------------------------------------------------


def test_a_batch_of_one_site_loses_its_menu_and_footer() -> None:
    pages = [(url(i), page(i)) for i in range(5)]
    templates = learned(pages)
    assert set(templates) == {"gazette.example"}
    for i, (address, raw) in enumerate(pages):
        doc = clean(raw, url=address, options=CleanOptions(templates=templates))
        gone = removed_by(doc, RULE_ID)
        assert {"News", "Sport", "Terms of use", "Follow us on Mastodon"} <= set(gone)
        assert doc.title == ARTICLES[i][0]
        assert ARTICLES[i][1] in doc.text and ARTICLES[i][2] in doc.text
        assert all(r.category == "template" for r in doc.removed if r.rule == RULE_ID)


def test_a_sentence_in_two_documents_is_kept() -> None:
    pages = [(url(i), page(i, extra=[SHARED] if i < 2 else None)) for i in range(5)]
    templates = learned(pages)
    for address, raw in pages[:2]:
        doc = clean(raw, url=address, options=CleanOptions(templates=templates))
        assert SHARED in doc.text
        assert "Terms of use" in removed_by(doc, RULE_ID)


def test_another_sites_template_is_not_applied() -> None:
    templates = learned([(url(i), page(i)) for i in range(5)])
    other = url(0, host="other.example")
    doc = clean(page(0), url=other, options=CleanOptions(templates=templates))
    assert removed_by(doc, RULE_ID) == []
    assert doc == clean(page(0), url=other)


def test_a_heading_inside_articles_is_kept() -> None:
    """A section heading all of a site's articles use sits between prose paragraphs."""
    pages = [(url(i), page(i, extra=["Background"])) for i in range(5)]
    templates = learned(pages)
    assert line_key("Background") in templates["gazette.example"]
    doc = clean(pages[0][1], url=pages[0][0], options=CleanOptions(templates=templates))
    assert "\n\nBackground\n\n" in doc.text


def test_the_headline_is_never_removed_even_when_it_recurs() -> None:
    """A column's pages share their headline: it stays the title, not a template line."""
    column = "Letters to the editor"
    pages = [(url(i), page(i, menu=[]).replace(ARTICLES[i][0], column)) for i in range(5)]
    templates = learned(pages)
    assert line_key(column) in templates["gazette.example"]
    for address, raw in pages:
        doc = clean(raw, url=address, options=CleanOptions(templates=templates))
        assert doc.title == column
        assert column not in removed_by(doc, RULE_ID)


def test_a_near_duplicate_page_keeps_its_prose() -> None:
    """A reprint of the same article (other menus) must not lose its body to the template."""
    reprints = [(url(i), page(0, menu=[f"Edition {chr(65 + i)}"])) for i in range(4)]
    others = [(url(i + 10), page(i)) for i in range(1, 4)]
    templates = learned(reprints + others)
    assert line_key(ARTICLES[0][1]) in templates["gazette.example"]
    doc = clean(reprints[0][1], url=reprints[0][0], options=CleanOptions(templates=templates))
    assert ARTICLES[0][1] in doc.text and ARTICLES[0][2] in doc.text
    assert "Terms of use" in removed_by(doc, RULE_ID)


def test_template_removals_keep_accounting_lossless() -> None:
    pages = [(url(i), page(i, extra=[SHARED])) for i in range(5)]
    templates = learned(pages)
    for address, raw in pages:
        doc = clean(raw, url=address, options=CleanOptions(templates=templates))
        assert removed_by(doc, RULE_ID)
        numbers = [r.line for r in doc.removed]
        assert len(numbers) == len(set(numbers))
        kept = [n for n, line in enumerate(split_lines(raw), 1) if line and n not in numbers]
        for n in kept:
            assert split_lines(raw)[n - 1] in doc.text
        for r in doc.removed:
            assert r.text == split_lines(raw)[r.line - 1]
            assert r.text not in doc.text.split("\n")


def test_template_keys_without_a_url_use_the_publisher() -> None:
    raw = page(0) + "© 2024 Daily Harbour Gazette. All rights reserved.\n"
    site, keys = template_keys(raw)
    assert site == "daily harbour gazette"
    assert line_key("Terms of use") in keys and line_key(ARTICLES[0][1]) in keys
    assert template_keys("Just one line without any site.\n") == (None, frozenset())


def test_a_cleaned_document_gives_the_keys_its_raw_page_gives() -> None:
    """The archive learns from documents it has cleaned anyway; the keys must be the same."""
    raw = page(1, extra=[SHARED])
    doc = clean(raw, url=url(1))
    assert site_and_keys(doc) == template_keys(raw, url=url(1))
    assert site_and_keys(clean(raw)) == (None, frozenset())


@pytest.mark.parametrize("name", sample_names())
def test_samples_are_unchanged_by_an_empty_or_foreign_template(name: str) -> None:
    raw = raw_path(name).read_bytes()
    plain = clean(raw)
    foreign = {"elsewhere.example": frozenset({line_key("x")})}
    assert clean(raw, options=CleanOptions(templates={})) == plain
    assert clean(raw, options=CleanOptions(templates=foreign)) == plain


def test_no_template_costs_no_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without templates the pass is skipped entirely: hashing would fail the test."""

    def boom(*args: object) -> None:
        raise AssertionError("template pass ran without a template")

    monkeypatch.setattr("cleaner.pipeline.apply_template", boom)
    monkeypatch.setattr("cleaner.templates.line_key", boom)
    assert clean(page(0), url=url(0)).text
    assert clean(page(0), url=url(0), options=CleanOptions(templates={})).text


def test_enough_documents_constant_is_what_learning_uses() -> None:
    keys = [{1, i} for i in range(MIN_DOCS)]
    assert learn(keys) == {1} and learn(keys[:-1]) == frozenset()
