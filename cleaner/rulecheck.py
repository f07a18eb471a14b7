"""Running rules' examples: the same function serves `cleaner rules check` and the test suite.

(a) each rule alone removes its remove-examples and keeps its keep-examples; (b) the whole rule
set keeps every keep-example, which catches one rule eating another's protected text.
"""

from __future__ import annotations

from collections.abc import Sequence

from cleaner.engine import apply_rules
from cleaner.lines import make_units
from cleaner.ruleset import Rule, Ruleset


def removed_by(example: str, rules: Sequence[Rule]) -> set[str]:
    """Ids of the rules that remove some part of the example."""
    units, _ = make_units(example)
    apply_rules(units, rules, positional=False)
    out = {u.removed_by for u in units if u.removed_by}
    out |= {u.prefix_rule for u in units if u.prefix_rule}
    return out  # type: ignore[return-value]


def check_rule(rule: Rule, ruleset: Sequence[Rule] = ()) -> list[str]:
    """Problems with one rule's examples, as `rule-id: reason` strings."""
    problems = []
    if not rule.examples_remove:
        problems.append(f"{rule.id}: has no examples_remove")
    if not rule.examples_keep:
        problems.append(f"{rule.id}: has no examples_keep")
    for example in rule.examples_remove:
        if rule.id not in removed_by(example, [rule]):
            problems.append(f"{rule.id}: does not remove its example {example!r}")
    for example in rule.examples_keep:
        if rule.id in removed_by(example, [rule]):
            problems.append(f"{rule.id}: removes its keep-example {example!r}")
        if ruleset:
            others = removed_by(example, list(ruleset)) - {rule.id}
            if others:
                problems.append(
                    f"{rule.id}: keep-example {example!r} is removed by {', '.join(sorted(others))}"
                )
    return problems


def check_ruleset(ruleset: Ruleset) -> list[str]:
    problems: list[str] = []
    for rule in ruleset:
        problems.extend(check_rule(rule, ruleset.rules))
    return problems
