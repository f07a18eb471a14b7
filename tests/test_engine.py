"""The rule engine's extents: where a `rest` rule may take everything after it."""

from __future__ import annotations

from pathlib import Path

from cleaner import CleanOptions, clean
from cleaner.ruleset import load_ruleset

FOOTER_RULE = """
[[rule]]
id = "user.comments-footer"
category = "comments"
description = "The comments section starts: everything after it goes"
pattern = '^Comments$'
remove = "rest"
examples_remove = ["Comments"]
examples_keep = ["Comments are welcome below the article."]
"""

P = [
    "The city council approved the new harbour budget on Tuesday after a long debate on costs.",
    "The mayor said the works would start in spring and would last about two years in all.",
    "Ferries will use the northern quay while the southern one is rebuilt, the port said.",
    "Local shops welcomed the decision, saying the harbour had been neglected for a decade now.",
    "Opposition members asked for a review of the costs before the first contracts are signed.",
]


def _clean(text: str, tmp_path: Path) -> list[str]:
    (tmp_path / "rules.toml").write_text(FOOTER_RULE, encoding="utf-8")
    ruleset = load_ruleset([tmp_path], defaults=False)
    doc = clean(text, options=CleanOptions(ruleset=ruleset, generic=False))
    return [r.text for r in doc.removed]


def test_rest_rule_takes_the_footer_after_the_article(tmp_path: Path) -> None:
    text = "\n\n".join([*P[:3], "Comments", "Great article!", "I disagree."])
    assert _clean(text, tmp_path) == ["Comments", "Great article!", "I disagree."]


def test_rest_rule_in_a_share_bar_under_the_lead_takes_only_its_line(tmp_path: Path) -> None:
    """Two article paragraphs right after it: a share-bar link, not the footer's start."""
    text = "\n\n".join([*P[:2], "Comments", *P[2:]])
    assert _clean(text, tmp_path) == ["Comments"]
