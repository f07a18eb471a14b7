"""A rule file's `[vocab]`: word lists written once, used by name in its patterns."""

from __future__ import annotations

import tomllib
from collections import Counter

import pytest

from cleaner.errors import RuleFileError
from cleaner.ruleset import builtin_sources, parse_rule_file

FILE = """
[vocab]
fruit = 'apples|pears|plums'

[[rule]]
id = "user.fruit-ad"
category = "ads"
description = "A fruit ad"
pattern = '(?i)^(?:fresh|cheap) (?:{{fruit}}) (?:here|today)$|^buy (?:{{fruit}})$'
examples_remove = ["Fresh pears today"]
examples_keep = ["The pears were picked early this year."]
"""


def test_a_pattern_uses_the_vocab_by_name() -> None:
    (rule,) = parse_rule_file(FILE, "fruit.toml")
    assert rule.pattern_text == (
        "(?i)^(?:fresh|cheap) (?:apples|pears|plums) (?:here|today)$|^buy (?:apples|pears|plums)$"
    )
    assert rule.search("Cheap plums here") and rule.search("buy apples")
    assert not rule.search("Cheap cherries here")


def test_an_unknown_vocab_name_is_an_error_naming_file_and_rule() -> None:
    text = FILE.replace("{{fruit}}) (?:here", "{{fruits}}) (?:here")
    with pytest.raises(RuleFileError, match=r"fruit\.toml: user\.fruit-ad: unknown vocab name"):
        parse_rule_file(text, "fruit.toml")


@pytest.mark.parametrize("bad", ["fruit = 3", "fruit = ''", "fruit = ['apples']"])
def test_vocab_entries_must_be_strings(bad: str) -> None:
    with pytest.raises(RuleFileError, match=r"fruit\.toml: \[vocab\]"):
        parse_rule_file(FILE.replace("fruit = 'apples|pears|plums'", bad), "fruit.toml")


def test_without_a_vocab_table_braces_are_left_alone() -> None:
    text = FILE.replace("[vocab]\nfruit = 'apples|pears|plums'\n", "").replace(
        "{{fruit}}", "apples"
    )
    text = text.replace("^buy (?:apples)$", "^x{{2}}$")
    (rule,) = parse_rule_file(text, "fruit.toml")
    assert rule.pattern_text.endswith("^x{{2}}$")


def test_no_builtin_pattern_repeats_a_long_word_list() -> None:
    """A run of 60 characters written twice in one pattern belongs in the file's [vocab]."""
    for name, text in builtin_sources():
        for entry in tomllib.loads(text).get("rule", []):
            pattern = entry.get("pattern", "")
            counts = Counter(pattern[i : i + 60] for i in range(len(pattern) - 59))
            repeated = [gram for gram, n in counts.items() if n > 1]
            assert not repeated, f"{name}: {entry['id']} repeats {repeated[0]!r}"
