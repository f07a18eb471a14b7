"""Rules as `cleaner rules list` and `rules show` print them (cleaner.rulecheck)."""

from __future__ import annotations

from cleaner.rulecheck import ExampleResult, describe, example_line, rule_table, table_line
from cleaner.ruleset import default_ruleset


def test_rule_table_knows_code_rules_and_filters_by_category() -> None:
    ruleset = default_ruleset()
    rows = rule_table(ruleset)
    assert len(rows) == len(ruleset.all_rules())
    by_id = {row[0]: row for row in rows}
    assert by_id["meta.title"][3] == "code"
    ads = rule_table(ruleset, "ads")
    assert ads and all(row[1] == "ads" for row in ads)
    line = table_line(("x.y", "ads", "*", "line", "An ad."))
    assert line == f"{'x.y':<34} {'ads':<16} {'*':<14} {'line':<8} An ad."


def test_describe_a_pattern_rule_and_a_code_rule() -> None:
    ruleset = default_ruleset()
    pattern_rule = next(r for r in ruleset.all_rules() if not r.code)
    lines = describe(pattern_rule)
    assert lines[0].startswith(f"{pattern_rule.id}  ({pattern_rule.category}: ")
    assert lines[-1].startswith("  keywords: ") and lines[-2] == (
        f"  pattern: {pattern_rule.pattern_text}"
    )
    code_rule = ruleset.get("meta.title")
    assert code_rule is not None
    assert describe(code_rule)[-1].endswith(f"decided in code by {code_rule.code} (no pattern)")


def test_example_lines() -> None:
    assert example_line(ExampleResult("remove", "Buy now", None)) == "  PASS removes: Buy now"
    failed = example_line(ExampleResult("keep", "A quiet line", "removed by ads.x"))
    assert failed == "  FAIL keeps:   A quiet line  (removed by ads.x)"
