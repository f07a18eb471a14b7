"""Each `remove` kind's extent and each `where` position, with one user rule at a time.

The rules here are written for the test; the generic classifier is off, so every removal is the
rule engine's own decision.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cleaner import CleanOptions, clean
from cleaner.ruleset import load_ruleset

P = [
    "The city council approved the new harbour budget on Tuesday after a long debate on costs.",
    "The mayor said the works would start in spring and would last about two years in all.",
    "Ferries will use the northern quay while the southern one is rebuilt, the port said.",
    "Local shops welcomed the decision, saying the harbour had been neglected for a decade now.",
]


def _rule(rule_id: str, pattern: str, remove: str, where: str = "any") -> str:
    return f"""
[[rule]]
id = "user.{rule_id}"
category = "related-lists"
description = "test rule"
pattern = '{pattern}'
remove = "{remove}"
where = "{where}"
examples_remove = ["x"]
examples_keep = ["y"]
"""


def _removed(text: str, tmp_path: Path, *rules: str) -> list[tuple[str, str]]:
    (tmp_path / "rules.toml").write_text("".join(rules), encoding="utf-8")
    ruleset = load_ruleset([tmp_path], defaults=False)
    doc = clean(text, options=CleanOptions(ruleset=ruleset, generic=False))
    return [(r.rule, r.text) for r in doc.removed]


def test_line_takes_only_its_line(tmp_path: Path) -> None:
    text = "\n\n".join([P[0], "Sponsored link\nBuy cheap boats", P[1], P[2]])
    assert _removed(text, tmp_path, _rule("ad", "^Sponsored", "line")) == [
        ("user.ad", "Sponsored link")
    ]


def test_block_takes_the_lines_up_to_the_next_blank_line(tmp_path: Path) -> None:
    text = "\n\n".join([P[0], "Sponsored link\nBuy cheap boats\nOnly today", P[1], P[2]])
    assert _removed(text, tmp_path, _rule("ad", "^Sponsored", "block")) == [
        ("user.ad", "Sponsored link"),
        ("user.ad", "Buy cheap boats"),
        ("user.ad", "Only today"),
    ]


def test_section_takes_teasers_up_to_the_next_article_paragraph(tmp_path: Path) -> None:
    text = "\n\n".join([P[0], P[1], "More stories", "Teaser one", "Teaser two", P[2], P[3]])
    assert _removed(text, tmp_path, _rule("more", "^More stories$", "section")) == [
        ("user.more", "More stories"),
        ("user.more", "Teaser one"),
        ("user.more", "Teaser two"),
    ]


def test_a_unit_inside_an_extent_keeps_its_own_rule(tmp_path: Path) -> None:
    text = "\n\n".join([P[0], P[1], "More stories", "Teaser one", "Advert here", P[2], P[3]])
    removed = _removed(
        text,
        tmp_path,
        _rule("more", "^More stories$", "section"),
        _rule("ad", "^Advert", "line"),
    )
    assert removed == [
        ("user.more", "More stories"),
        ("user.more", "Teaser one"),
        ("user.ad", "Advert here"),
    ]


def test_prefix_removes_the_leading_span_only(tmp_path: Path) -> None:
    text = "\n\n".join(["LONDON (Wire) - " + P[0], P[1], P[2]])
    doc_removed = _removed(text, tmp_path, _rule("wire", "^[A-Z]+ \\(Wire\\) - ", "prefix"))
    assert doc_removed == [("user.wire", "LONDON (Wire) -")]


def test_rest_before_the_article_has_started_takes_only_its_line(tmp_path: Path) -> None:
    text = "\n\n".join(["Comments", P[0], P[1], P[2]])
    assert _removed(text, tmp_path, _rule("c", "^Comments$", "rest")) == [("user.c", "Comments")]


@pytest.mark.parametrize(
    "where, position, removed",
    [
        ("top", 0, True),  # a header line before the article
        ("top", 3, False),  # the same line after the article started
        ("bottom", 3, True),  # a footer line after the article
        ("bottom", 0, False),  # the same line in the header
        ("any", 0, True),
        ("any", 3, True),
    ],
)
def test_where_limits_a_rule_to_the_header_or_the_footer(
    tmp_path: Path, where: str, position: int, removed: bool
) -> None:
    parts = list(P)
    parts.insert(position, "Weather widget")
    found = _removed("\n\n".join(parts), tmp_path, _rule("w", "^Weather widget$", "line", where))
    assert (found == [("user.w", "Weather widget")]) is removed
