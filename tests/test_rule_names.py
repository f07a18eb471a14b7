"""Rule ids say where a rule lives: a pattern rule's id prefix is its category, and its file is
named after the category; an id that was renamed stays an alias, so archives, `--explain`
output and user scripts that hold the old id still find the rule."""

from __future__ import annotations

from pathlib import PurePosixPath

import pytest
from click.testing import CliRunner

from cleaner.cli import cli
from cleaner.ruleset import default_ruleset

# Renamed when ids were aligned with files and categories (a sample of them; every alias of
# every rule is checked below).
RENAMED = {
    "nav.breadcrumb": "navigation.breadcrumb",
    "notice.photo-credit": "editorial-notes.photo-credit",
    "related.read-more-link": "related-lists.read-more-link",
    "date-widget.weekday-date": "date-widgets.weekday-date",
    "byline.author": "social.byline-author",
}


def test_pattern_rules_are_named_after_their_category_and_file() -> None:
    for rule in default_ruleset().rules:
        assert rule.id.split(".", 1)[0] == rule.category, rule.id
        assert PurePosixPath(rule.source_file).stem == rule.category, rule.id


def test_every_alias_finds_its_rule() -> None:
    ruleset = default_ruleset()
    for rule in ruleset.all_rules():
        for alias in rule.aliases:
            assert ruleset.get(alias) is rule, alias
    for old, new in RENAMED.items():
        found = ruleset.get(old)
        assert found is not None and found.id == new and old in found.aliases


@pytest.mark.parametrize("old", sorted(RENAMED))
def test_rules_show_an_old_id(old: str) -> None:
    result = CliRunner().invoke(cli, ["rules", "show", old])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith(f"{RENAMED[old]}  (")
    assert f"  formerly: {old}" in lines
