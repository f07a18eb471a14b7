"""Which rules run without a timeout: only built-in ones that cannot backtrack catastrophically."""

from __future__ import annotations

import pytest

from cleaner.ruleset import default_ruleset, may_backtrack, parse_rule_file


@pytest.mark.parametrize(
    "pattern", [r"(a+)+$", r"(\w+\s?)*x", r"(?:ab*){2,}", r"(a|ab)+", r"(?P<x>a*)*", r"((a+)b)+"]
)
def test_nested_repetition_is_guarded(pattern: str) -> None:
    assert may_backtrack(pattern)


@pytest.mark.parametrize(
    "pattern", [r"a+b+", r"(?:x|y)", r"(\s\S{1,20}){0,2}", r"[(a+)]+", r"\(a+\)+", r"((a)b)+"]
)
def test_plain_patterns_are_not(pattern: str) -> None:
    assert not may_backtrack(pattern)


def test_user_rules_are_always_guarded() -> None:
    text = '[[rule]]\nid = "user.x"\ncategory = "ads"\ndescription = "d"\npattern = "^ad$"\n'
    assert all(rule.guarded for rule in parse_rule_file(text, "user.toml"))


def test_builtin_rules_without_nested_repetition_run_unguarded() -> None:
    for rule in default_ruleset():
        assert rule.guarded == may_backtrack(rule.pattern_text), rule.id
