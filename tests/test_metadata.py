"""Metadata users sort and facet on: which date is the publication date, and clean names.

Each case is a small scrape with one trap: a date widget, a teaser's date, an in-story date, a date
after the fetch or after the copyright year, a dateline without a year, a year-only HTML date.
"""

from __future__ import annotations

import pytest

from cleaner import CleanOptions, clean
from cleaner.metadata import (
    html_copyright_year,
    html_meta_date,
    html_title,
    normalise_author,
    normalise_name,
    normalise_title,
    widget_dates,
    year_only,
)

BODY_EN = (
    "The council approved the new budget on a narrow vote after a long debate about school "
    "funding and road repairs in the northern districts.\n\n"
    "Opposition members said the plan relied on optimistic forecasts and would have to be "
    "revised within a year if tax income fell short of expectations."
)
BODY_RU = (
    "Городской совет утвердил новый бюджет после долгого обсуждения расходов на школы и ремонт "
    "дорог в северных районах города.\n\n"
    "Представители оппозиции заявили, что план основан на слишком оптимистичных прогнозах и его "
    "придётся пересмотреть уже через год."
)


def meta(raw: str, **kwargs: str) -> dict[str, str | None]:
    doc = clean(raw, **kwargs)  # type: ignore[arg-type]
    return {
        "title": doc.title,
        "published": doc.published,
        "published_source": doc.published_source,
        "page_date": doc.page_date,
        "publisher": doc.publisher,
        "category": doc.category,
        "author": doc.author,
        "language": doc.language,
    }


def test_label_date_and_byline() -> None:
    got = meta(f"Council passes budget\nPublished 12 March 2023, 14:05\nBy Jane Doe\n\n{BODY_EN}")
    assert got["published"] == "2023-03-12T14:05"
    assert got["published_source"] == "label"
    assert got["author"] == "Jane Doe"
    assert got["title"] == "Council passes budget"


def test_byline_with_date() -> None:
    got = meta(f"Council passes budget\nBy Jane Doe | March 12, 2023\n\n{BODY_EN}")
    assert (got["published"], got["published_source"]) == ("2023-03-12", "byline")


def test_russian_label_numeric_order() -> None:
    head = "Совет принял бюджет\nОпубликовано: 03.04.2024 09:30\nАвтор: Иван Петров"
    got = meta(f"{head}\n\n{BODY_RU}")
    assert got["published"] == "2024-04-03T09:30"
    assert got["author"] == "Иван Петров"
    assert got["language"] == "ru"


def test_date_widget_is_page_date_not_published() -> None:
    got = meta(f"Thursday, March 28, 2024\nCouncil passes budget\n\n{BODY_EN}")
    assert got["page_date"] == "2024-03-28"
    assert got["published"] is None


def test_in_story_date_is_not_published() -> None:
    body = BODY_EN + "\n\nOn Jan. 4, 2022, the mayor declared a state of emergency in the city."
    assert meta(f"Council passes budget\n\n{body}")["published"] is None


def test_teaser_dates_in_lists_are_not_published() -> None:
    teasers = "Recent Posts\nMayor opens new bridge\nPosted on March 1, 2023"
    raw = f"Council passes budget\n\n{BODY_EN}\n\n{teasers}"
    assert meta(raw)["published"] is None


def test_date_after_fetch_is_rejected() -> None:
    raw = f"Council passes budget\nPublished: 12 March 2024\n\n{BODY_EN}"
    assert meta(raw, fetched_at="2024-03-01T00:00:00Z")["published"] is None
    assert meta(raw, fetched_at="2024-03-20T00:00:00Z")["published"] == "2024-03-12"


def test_date_after_copyright_year_is_rejected() -> None:
    footer = "© 2023 Example News. All rights reserved."
    raw = f"Council passes budget\nPublished: 12 March 2025\n\n{BODY_EN}\n\n{footer}"
    got = meta(raw)
    assert got["published"] is None
    assert got["publisher"] == "Example News"


def test_relative_label_only_with_fetched_at() -> None:
    raw = f"Совет принял бюджет\nОпубликовано: 3 часа назад\n\n{BODY_RU}"
    assert meta(raw)["published"] is None
    assert meta(raw, fetched_at="2024-01-05T10:00:00+00:00")["published"] == "2024-01-05"


def test_dateline_alone_gives_no_year() -> None:
    raw = f"Council passes budget\n\nLEEDS, England, January 3. {BODY_EN}"
    assert meta(raw)["published"] is None


def test_dateline_corroborates_bare_date() -> None:
    raw = f"Council passes budget\nJanuary 3, 2024\n\nLEEDS, England, January 3. {BODY_EN}"
    got = meta(raw)
    assert (got["published"], got["published_source"]) == ("2024-01-03", "dateline")
    raw = f"Council passes budget\nJanuary 5, 2024\n\nLEEDS, England, January 3. {BODY_EN}"
    assert meta(raw)["published"] is None


def html_page(head: str, body: str) -> str:
    paragraphs = "".join(f"<p>{p}</p>" for p in BODY_EN.split("\n\n"))
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'>{head}</head><body>{body}"
        f"<article><h1>Council passes budget</h1>{paragraphs}</article></body></html>"
    )


def test_html_meta_date_keeps_time_and_offset() -> None:
    head = '<meta property="article:published_time" content="2023-03-12T14:05:00Z">'
    got = meta(html_page(head, ""))
    assert got["published"] == "2023-03-12T14:05:00+00:00"
    assert got["published_source"] == "html-meta"


def test_html_year_only_is_not_a_day() -> None:
    got = meta(html_page("<title>Council</title>", "<footer><p>Copyright 2019</p></footer>"))
    assert got["published"] is None


def test_html_widget_date_is_page_date() -> None:
    got = meta(
        html_page("<title>Council</title>", "<div class='today'>Wednesday, July 3, 2024</div>")
    )
    assert got["published"] is None
    assert got["page_date"] == "2024-07-03"


@pytest.mark.parametrize(("lang", "expected"), [("en-GB", "2023-12-03"), ("en-US", "2023-03-12")])
def test_html_locale_decides_slashed_label_dates(lang: str, expected: str) -> None:
    page = html_page("<title>Council</title>", "").replace("<html>", f'<html lang="{lang}">')
    page = page.replace(
        "<h1>Council passes budget</h1>",
        "<h1>Council passes budget</h1><p>Published: 03/12/2023</p>",
    )
    assert meta(page)["published"] == expected


def test_updated_label_is_not_published() -> None:
    head = "Council passes budget\nUpdated: 14 March 2023\nPublished: 12 March 2023"
    assert meta(f"{head}\n\n{BODY_EN}")["published"] == "2023-03-12"
    only_update = f"Council passes budget\nStand: 14.03.2023, 09:15 Uhr\n\n{BODY_EN}"
    assert meta(only_update)["published"] is None


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (
            '<meta property="article:published_time" content="2023-03-12T14:05:00+03:00">',
            "2023-03-12T14:05:00+03:00",
        ),
        ("<meta content='2023-03-12' name='pubdate'>", "2023-03-12"),
        (
            '<script type="application/ld+json">{"datePublished": "2023-03-12"}</script>',
            "2023-03-12",
        ),
        (
            '<time itemprop="datePublished" datetime="2023-03-12T09:00">Mar</time>',
            "2023-03-12T09:00",
        ),
        ('<time datetime="2024-07-03">Today</time>', None),
        ('<meta property="og:title" content="2023-03-12">', None),
        (
            '<meta property="article:published_time" content="0001-01-01T00:00:00Z">'
            '<meta itemprop="datePublished" content="2019-11-19T06:00:00-05:00">',
            "2019-11-19T06:00:00-05:00",
        ),
    ],
)
def test_html_meta_date(head: str, expected: str | None) -> None:
    assert html_meta_date(f"<html><head>{head}</head><body></body></html>") == expected


def test_year_only_guard() -> None:
    assert year_only("2019-01-01", "<p>Copyright 2019</p>")
    assert not year_only("2019-01-01", '<meta name="date" content="2019-01-01">')
    assert not year_only("2019-03-12", "")


def test_html_helpers() -> None:
    assert html_copyright_year("<footer><p>© 2019-2023 Example</p></footer>") == 2023
    assert html_copyright_year("<p>The copyright 1976 act was amended.</p>") is None
    widget = "<body><span>Donnerstag, 28. März 2024</span></body>"
    assert widget_dates(widget, "de") == ["2024-03-28"]
    title = "Council passes budget"
    assert html_title(f"{title} | Example News", "Example News") == title
    assert html_title("Q&A: what now? - Example News", "Example News") == "Q&A: what now?"
    assert html_title("Left - right", "Example News") == "Left - right"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Fourth Estate®", "Fourth Estate"),
        ("paradox.", "paradox"),
        ("Le Journal 2024", "Le Journal"),
        ("Example Media 2019-2024", "Example Media"),
        ("ООО «Медиа»", "ООО «Медиа»"),
        ("«Коммерсантъ»", "Коммерсантъ"),
        ('"Acme News"', "Acme News"),
        ("Radio 1", "Radio 1"),
        ("  ", None),
        (None, None),
    ],
)
def test_normalise_name(raw: str | None, expected: str | None) -> None:
    assert normalise_name(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Acme® launches a phone", "Acme launches a phone"),
        ("Is this the end?", "Is this the end?"),
        ("Breaking: council votes |", "Breaking: council votes"),
        ("“Quoted” headline", "“Quoted” headline"),
        ("Council passes budget.", "Council passes budget"),
        ("Troops leave the U.S.", "Troops leave the U.S."),
        ("Wait for it...", "Wait for it..."),
    ],
)
def test_normalise_title(raw: str, expected: str) -> None:
    assert normalise_title(raw) == expected


def test_today_widget_and_label_with_author() -> None:
    widget = "Today is Wednesday, July 3, 2024"
    head = f"{widget}\nCouncil passes budget\nPosted on March 12, 2023 by Jane Doe"
    got = meta(f"{head}\n\n{BODY_EN}")
    assert got["page_date"] == "2024-07-03"
    assert got["published"] == "2023-03-12"
    assert got["author"] == "Jane Doe"
    assert got["title"] == "Council passes budget"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("By Jane Doe", "Jane Doe"),
        ("Автор: Иван Петров", "Иван Петров"),
        ("Byron Smith", "Byron Smith"),
    ],
)
def test_normalise_author(raw: str, expected: str) -> None:
    assert normalise_author(raw) == expected


def test_html_head_date_replaces_an_updated_label() -> None:
    head = '<meta property="article:published_time" content="2023-03-10T08:00:00Z">'
    page = html_page(head, "").replace(
        "<h1>Council passes budget</h1>",
        "<h1>Council passes budget</h1><p>Updated: 14 March 2023</p>",
    )
    assert meta(page)["published"] == "2023-03-10T08:00:00+00:00"


@pytest.mark.parametrize(
    ("head", "expected", "source"),
    [
        ("Council passes budget\n27.01.2022", "2022-01-27", "byline"),
        ("Council passes budget\nBy Anna Berger 6. November 2023", "2023-11-06", "byline"),
        (
            "Council passes budget\nGeschrieben von Cooper am 25.08.2015 22:30",
            "2015-08-25T22:30",
            "byline",
        ),
        ("Council passes budget\n1 Min", None, None),  # a reading time, not a date
        ("Thursday, March 28, 2024\nCouncil passes budget", None, None),  # widget above the title
    ],
)
def test_byline_dates(head: str, expected: str | None, source: str | None) -> None:
    got = meta(f"{head}\n\n{BODY_EN}")
    assert (got["published"], got["published_source"]) == (expected, source)


def test_byline_date_leaves_the_text() -> None:
    doc = clean(f"Council passes budget\n27.01.2022\n\n{BODY_EN}")
    assert "27.01.2022" not in doc.text
    assert any(r.rule == "meta.byline-date" for r in doc.removed)


def test_posted_in_category_by_author_on_date() -> None:
    got = meta(
        f"Council passes budget\nPosted in Politics by Jane Doe on March 3, 2019\n\n{BODY_EN}"
    )
    assert (got["category"], got["author"], got["published"]) == (
        "Politics",
        "Jane Doe",
        "2019-03-03",
    )


def test_names_and_titles_are_nfc() -> None:
    assert normalise_title("Cafe\u0301 ne\u0301ws") == "Café néws"
    assert normalise_name("Le Monde\u0301") == "Le Mondé"


def test_html_headline_printed_above_the_article_is_not_in_the_text() -> None:
    html = (
        "<html><head><title>Harbour budget approved. Works start in spring.</title>"
        "</head><body><article><p>Harbour budget approved. Works start in spring.</p>"
        "<p>The city council approved the new harbour budget on Tuesday after a long debate "
        "about the costs of the works and the date they would start.</p>"
        "<p>The mayor said the works would start in spring and would last about two years, "
        "with the quay closed to ferries for three months in the second year.</p>"
        "</article></body></html>"
    )
    doc = clean(html, options=CleanOptions(input_kind="html"))
    # a headline ending in a full stop does not look like one on its own: the page says it is
    assert doc.title == "Harbour budget approved. Works start in spring"
    assert not doc.text.startswith("Harbour budget approved")
    assert any(r.rule == "meta.repeated-title" for r in doc.removed)


def test_headline_repeated_with_other_punctuation_or_after_a_prefix_is_removed() -> None:
    lead = (
        "The city council approved the new harbour budget on Tuesday after a long debate "
        "about the costs of the works and the date they would start."
    )
    text = "\n\n".join(
        [
            "Harbour budget approved: works start in spring",
            lead,
            "HARBOUR BUDGET APPROVED — WORKS START IN SPRING!",  # same words, other marks
            # a prefix rule takes the wire prefix off: the rest repeats the headline
            "2023-05-02 (NEWSWIRE- Acme Press) Harbour budget approved: works start in spring",
            "Harbour budget approved, works start in spring again",  # one word more: kept
            lead.replace("Tuesday", "Monday"),
        ]
    )
    doc = clean(text, options=CleanOptions(generic=False))
    repeated = [r.text for r in doc.removed if r.rule == "meta.repeated-title"]
    assert doc.title == "Harbour budget approved: works start in spring"
    assert repeated == [
        "HARBOUR BUDGET APPROVED — WORKS START IN SPRING!",
        "Harbour budget approved: works start in spring",  # what the prefix rule left
    ]
    assert any(r.rule == "syndication.wire-prefix" for r in doc.removed)
    assert "Harbour budget approved, works start in spring again" in doc.text
