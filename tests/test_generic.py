"""The generic classifier: unit classes and the body run."""

from __future__ import annotations

from cleaner.generic import BAD, GOOD, SENTENCE, SHORT, apply_generic, classify, classify_cjk
from cleaner.lines import Unit

PROSE = (
    "The council voted on Tuesday to extend the harbour wall by two hundred metres, "
    "after a winter in which the old one was breached three times and the fish market "
    "flooded twice, the mayor said at a meeting with residents."
)
TEASER = (
    "A new bakery opened on the high street this week and it is already the talk of the "
    "town, with queues that start before dawn and run all the way to the station."
)


def units(*specs: tuple[str, str | None]) -> list[Unit]:
    out = []
    for i, (text, removed_by) in enumerate(specs):
        u = Unit(index=i, lines=[i + 1], raw=[text], text=text, block=i, removed_by=removed_by)
        u.words = len(text.split())
        out.append(u)
    return out


def test_classes() -> None:
    assert classify(PROSE, "en") == GOOD
    assert classify("Home | News | Sport", "en") == BAD
    assert classify("Read the full story.", "en") == SHORT  # one stop word in four
    assert classify("He said it was not the end.", "en") == SENTENCE
    assert classify("Follow @someone and #tag on www.example.com", "en") == BAD


def test_handle_shortcut_matches_the_regex() -> None:
    # a line with none of the anchors never reaches the regex; one with them does
    assert classify("Write to name@example.org or visit http://example.org", "en") == BAD


def test_rule_removed_lines_end_the_body() -> None:
    page = units(
        ("Page title", None),
        (PROSE, None),
        (PROSE, None),
        ("Related articles", "related.list-heading"),
        ("More from the site", "related.list-heading"),
        (TEASER, None),
    )
    apply_generic(page, "en")
    assert page[1].kept and page[2].kept
    assert page[5].removed_by == "generic.outside-body"


def test_inserts_inside_the_article_do_not_split_it() -> None:
    page = units(
        ("Page title", None),
        (PROSE, None),
        ("Advertisement", "ads.label"),
        ("Read also: another story", "related.read-more-link"),
        (PROSE, None),
        (PROSE, None),
    )
    apply_generic(page, "en")
    assert page[1].kept and page[4].kept and page[5].kept
    assert page[2].removed_by == "ads.label"


def test_a_one_line_paragraph_at_the_edge_joins_the_body() -> None:
    page = units(
        ("Page title", None),
        (PROSE, None),
        (PROSE, None),
        ("Officials did not give any other details.", None),
        ("Home | News | Sport", None),
    )
    apply_generic(page, "en")
    assert page[3].kept
    assert page[4].removed_by == "generic.outside-body"


def test_chinese_and_japanese_lines_are_weighed_by_characters() -> None:
    paragraph = "今日は天気がとても良かったので、家族と一緒に近くの公園まで散歩に出かけました。" * 2
    assert classify_cjk(paragraph, len(paragraph) - 2) == GOOD
    assert classify_cjk("サイトマップ", 6) == SHORT
    assert classify_cjk("新しいソフトウェアを公開したのでバージョンアップしてみた", 27) == SHORT
    page = units(
        ("ブログのタイトル | サイト名", None),
        *[(menu, None) for menu in ("ホーム", "お問い合わせ", "プライバシーポリシー")],
        (paragraph, None),
        (paragraph, None),
        ("関連記事", None),
        ("新しいソフトウェアを公開したのでバージョンアップしてみた", None),
    )
    apply_generic(page, "ja")
    assert page[4].kept and page[5].kept
    assert not page[2].kept and not page[7].kept


LEAD = "The mayor says the works on the wall will start in the spring and last for a year"


def test_the_lead_between_the_repeated_headline_and_the_body_is_kept() -> None:
    assert classify(LEAD, "en") == "near-good"
    page = units(
        ("Harbour wall to grow by two hundred metres - Example News", None),
        ("Home | News | Sport", None),
        ("Harbour wall to grow by two hundred metres", None),  # the headline: the anchor
        ("2 May 2023", None),
        (LEAD, None),
        (PROSE, None),
        (PROSE, None),
        ("Home | News | Sport", None),
    )
    assert apply_generic(page, "en") == 2
    assert page[4].kept and page[5].kept and page[6].kept
    # the lead joins back to the first line that is not prose: the date line stays out
    assert page[3].removed_by == "generic.outside-body"
    assert page[7].removed_by == "generic.outside-body"


def test_the_lead_stops_at_a_widget_a_rule_removed() -> None:
    page = units(
        ("Harbour wall to grow by two hundred metres - Example News", None),
        ("Harbour wall to grow by two hundred metres", None),
        (LEAD, None),
        ("Share on Facebook", "social.share-bar"),
        (PROSE, None),
        (PROSE, None),
    )
    assert apply_generic(page, "en") == 1
    assert page[2].removed_by == "generic.outside-body"
    assert page[4].kept and page[5].kept


def test_the_lead_steps_over_an_ad_label_but_not_a_photo_credit() -> None:
    def page(insert: tuple[str, str]) -> list[Unit]:
        return units(
            ("Harbour wall to grow by two hundred metres - Example News", None),
            ("Harbour wall to grow by two hundred metres", None),
            (LEAD, None),
            insert,
            (PROSE, None),
            (PROSE, None),
        )

    with_ad = page(("Advertisement", "ads.label"))
    assert apply_generic(with_ad, "en") == 1
    assert with_ad[2].kept
    # a caption ending in a full stop reads as prose: its credit line marks it as a caption
    with_credit = page(("Photo: Jane Doe", "notice.photo-credit"))
    assert apply_generic(with_credit, "en") == 1
    assert with_credit[2].removed_by == "generic.outside-body"
