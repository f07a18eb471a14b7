"""Every rule's examples are tests: the rule alone, and the whole built-in set on keep-examples."""

from __future__ import annotations

import pytest

from cleaner.rulecheck import check_rule
from cleaner.ruleset import (
    CATEGORIES,
    CODE_RULES_FILE,
    builtin_sources,
    default_ruleset,
    parse_rule_file,
)

RULESET = default_ruleset()


@pytest.mark.parametrize("rule", RULESET.rules, ids=[r.id for r in RULESET.rules])
def test_rule_examples(rule) -> None:  # type: ignore[no-untyped-def]
    assert check_rule(rule, RULESET.rules) == []


def test_rule_ids_are_named_after_their_namespace() -> None:
    for rule in RULESET:
        assert rule.category in CATEGORIES
        assert "." in rule.id


def test_enough_rules_and_categories() -> None:
    assert len(RULESET) >= 20
    assert len({r.category for r in RULESET}) >= 10


@pytest.mark.parametrize(
    "source",
    [source for source in builtin_sources() if source[0] != CODE_RULES_FILE],
    ids=lambda source: source[0],
)
def test_builtin_rule_files_pass_the_checks_users_rules_get(source: tuple[str, str]) -> None:
    """Built-in patterns are compiled on first use, not at load: here each file goes through
    the load-time checks a user's file gets (valid pattern, no empty match, known groups)."""
    name, text = source
    rules = parse_rule_file(text, name)
    assert rules and all(rule.matcher is not None for rule in rules)
    lazy = {rule.id: rule for rule in parse_rule_file(text, name, builtin=True)}
    for rule in rules:
        assert lazy[rule.id].matcher is None
        compiled = lazy[rule.id].compile()
        assert (compiled.pattern, compiled.flags) == (rule.matcher.pattern, rule.matcher.flags)


def test_the_code_rules_file_holds_only_rules_decided_in_code() -> None:
    (text,) = [text for name, text in builtin_sources() if name == CODE_RULES_FILE]
    rules = parse_rule_file(text, CODE_RULES_FILE, builtin=True)
    assert rules and all(rule.code and not rule.pattern_text for rule in rules)
    assert {rule.id for rule in rules} == {rule.id for rule in RULESET.code_rules}
