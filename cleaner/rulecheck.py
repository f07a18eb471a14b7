"""Running rules' examples: the same function serves `cleaner rules check` and the test suite.

(a) each rule alone removes its remove-examples and keeps its keep-examples; (b) the whole rule
set keeps every keep-example, which catches one rule eating another's protected text.

Also the rules as `cleaner rules list` and `rules show` print them (`rule_table`, `describe`,
`example_line`), so that the registry reads the same wherever it is shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cleaner.engine import apply_rules
from cleaner.lines import make_units
from cleaner.ruleset import CATEGORIES, Rule, Ruleset


def removed_by(example: str, rules: Sequence[Rule]) -> set[str]:
    """Ids of the rules that remove some part of the example."""
    units, _ = make_units(example)
    apply_rules(units, rules, positional=False)
    out = {u.removed_by for u in units if u.removed_by}
    out |= {u.prefix_rule for u in units if u.prefix_rule}
    return out


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


def rule_table(ruleset: Ruleset, category: str | None = None) -> list[tuple[str, ...]]:
    """One row per rule (of `category`, if given): id, category, languages ("*": all), what it
    removes ("code": decided in code, no pattern), description."""
    rows = [
        (r.id, r.category, ",".join(sorted(r.languages)) or "*", r.remove if not r.code else "code",
         r.description)
        for r in ruleset.all_rules()
    ]  # fmt: skip
    return [row for row in rows if not category or row[1] == category]


def table_line(row: tuple[str, ...]) -> str:
    """A row of `rule_table` in aligned columns."""
    rule_id, category, languages, remove, description = row
    return f"{rule_id:<34} {category:<16} {languages:<14} {remove:<8} {description}"


def describe(rule: Rule) -> list[str]:
    """The rule as `rules show` prints it before its examples: id and category, description,
    former ids, properties, file, and (a pattern rule) where it looks, languages, pattern and
    keywords."""
    lines = [f"{rule.id}  ({rule.category}: {CATEGORIES[rule.category]})", f"  {rule.description}"]
    if rule.aliases:
        lines.append(f"  formerly: {', '.join(rule.aliases)}")
    if rule.properties():
        lines.append(f"  properties: {', '.join(rule.properties())}")
    if rule.code:
        lines.append(f"  file: {rule.source_file}; decided in code by {rule.code} (no pattern)")
        return lines
    return lines + [
        f"  file: {rule.source_file}; removes: {rule.remove}; where: {rule.where}",
        f"  languages: {', '.join(sorted(rule.languages)) or 'all'}",
        f"  pattern: {rule.pattern_text}",
        f"  keywords: {', '.join(rule.keywords) or '(none: tried on every line)'}",
    ]


def example_line(result: ExampleResult) -> str:
    """One example's outcome: PASS or FAIL, what it should do, the example, why it failed."""
    mark = "PASS" if result.problem is None else "FAIL"
    verb = "removes:" if result.kind == "remove" else "keeps:  "
    reason = f"  ({result.problem})" if result.problem else ""
    return f"  {mark} {verb} {result.example}{reason}"


def table_count(rows: Sequence[tuple[str, ...]]) -> str:
    """The count `rules list` ends with on a terminal (a blank line first)."""
    categories = {row[1] for row in rows}
    return f"\n{len(rows)} rules in {len(categories)} categories."


def check_report(ruleset: Ruleset) -> tuple[list[str], bool]:
    """What `cleaner rules check` prints, and whether every example passed: a `FAIL` line
    per problem (`check_ruleset`), then the counts of rules, examples and failures."""
    problems = check_ruleset(ruleset)
    examples = sum(len(r.examples_remove) + len(r.examples_keep) for r in ruleset)
    lines = [f"FAIL {problem}" for problem in problems]
    lines.append(f"{len(ruleset)} rules, {examples} examples, {len(problems)} failures.")
    return lines, not problems


def example_report(rule: Rule, ruleset: Ruleset) -> tuple[list[str], bool]:
    """What `cleaner rules show` prints after `describe`, and whether every example passed:
    each example of a pattern rule marked PASS or FAIL (`run_examples`, keep-examples also
    against the whole `ruleset`), then the counts. A rule decided in code has none."""
    if rule.code:
        return [], True
    results = run_examples(rule, ruleset.rules)
    failed = sum(1 for result in results if result.problem is not None)
    return [*map(example_line, results), f"{len(results)} examples, {failed} failed."], not failed
