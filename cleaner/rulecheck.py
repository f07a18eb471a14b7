"""Running rules' examples: the same function serves `cleaner rules check` and the test suite.

(a) each rule alone removes its remove-examples and keeps its keep-examples; (b) the whole rule
set keeps every keep-example, which catches one rule eating another's protected text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

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


@dataclass(frozen=True, slots=True)
class ExampleResult:
    """One example of a rule, run: `kind` is "remove" or "keep"; `problem` is None when it
    passed, else why it failed."""

    kind: str
    example: str
    problem: str | None


def run_examples(rule: Rule, ruleset: Sequence[Rule] = ()) -> list[ExampleResult]:
    """Each example of the rule, run alone and (keep-examples) against the whole ruleset."""
    results = []
    for example in rule.examples_remove:
        ok = rule.id in removed_by(example, [rule])
        results.append(ExampleResult("remove", example, None if ok else "not removed"))
    for example in rule.examples_keep:
        problem = None
        if rule.id in removed_by(example, [rule]):
            problem = "removed by the rule itself"
        elif ruleset:
            others = removed_by(example, list(ruleset)) - {rule.id}
            if others:
                problem = f"removed by {', '.join(sorted(others))}"
        results.append(ExampleResult("keep", example, problem))
    return results


def check_rule(rule: Rule, ruleset: Sequence[Rule] = ()) -> list[str]:
    """Problems with one rule's examples, as `rule-id: reason` strings."""
    problems = []
    if not rule.examples_remove:
        problems.append(f"{rule.id}: has no examples_remove")
    if not rule.examples_keep:
        problems.append(f"{rule.id}: has no examples_keep")
    for result in run_examples(rule, ruleset):
        if result.problem is None:
            continue
        if result.kind == "remove":
            problems.append(f"{rule.id}: does not remove its example {result.example!r}")
        elif result.problem == "removed by the rule itself":
            problems.append(f"{rule.id}: removes its keep-example {result.example!r}")
        else:
            problems.append(f"{rule.id}: keep-example {result.example!r} is {result.problem}")
    return problems


def check_ruleset(ruleset: Ruleset) -> list[str]:
    problems: list[str] = []
    for rule in ruleset:
        problems.extend(check_rule(rule, ruleset.rules))
    return problems
