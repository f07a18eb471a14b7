"""Every rule's examples are tests: the rule alone, and the whole built-in set on keep-examples."""

from __future__ import annotations

import pytest

from cleaner.rulecheck import check_rule
from cleaner.ruleset import CATEGORIES, default_ruleset

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
