"""`cleaner rules list|check|show`: the rule registry, and its examples run as checks."""

from __future__ import annotations

import sys

import click

from cleaner.console import rule_warnings
from cleaner.errors import RuleFileError
from cleaner.rulecheck import (
    check_ruleset,
    describe,
    example_line,
    rule_table,
    run_examples,
    table_line,
)
from cleaner.ruleset import Ruleset, load_ruleset


def _load(directory: str | None, no_default_rules: bool) -> Ruleset:
    try:
        return load_ruleset([directory] if directory else [], defaults=not no_default_rules)
    except RuleFileError as exc:
        click.echo(f"cleaner: error: {exc}", err=True)
        sys.exit(2)


@click.group()
def rules() -> None:
    """List the rules, run their examples, show one rule.

    \b
    Examples:
      cleaner rules list
      cleaner rules list --category ads
      cleaner rules check my-rules/
      cleaner rules show copyright.all-rights-reserved
    """


@rules.command("list")
@click.argument("directory", required=False, type=click.Path())
@click.option("--category", help="Only rules of this category.")
@click.option("--no-default-rules", is_flag=True, help="Only the rules of DIRECTORY.")
def list_rules(directory: str | None, category: str | None, no_default_rules: bool) -> None:
    """List rules: id, category, languages, what it removes, description.

    \b
    Example:
      cleaner rules list --category paywall
    """
    ruleset = _load(directory, no_default_rules)
    rows = rule_table(ruleset, category)
    for row in rows:
        click.echo(table_line(row))
    if sys.stdout.isatty():  # a count for the reader; a pipe gets the rows alone
        categories = sorted({row[1] for row in rows})
        click.echo(f"\n{len(rows)} rules in {len(categories)} categories.", err=True)


@rules.command("check")
@click.argument("directory", required=False, type=click.Path())
@click.option("--no-default-rules", is_flag=True, help="Check only the rules of DIRECTORY.")
def check_rules(directory: str | None, no_default_rules: bool) -> None:
    """Load rule files and run every rule's examples; exit 1 when one fails.

    \b
    Example:
      cleaner rules check my-rules/
    """
    ruleset = _load(directory, no_default_rules)
    with rule_warnings():  # a user pattern that times out: one warning line, not a traceback
        problems = check_ruleset(ruleset)
    for problem in problems:
        click.echo(f"FAIL {problem}")
    examples = sum(len(r.examples_remove) + len(r.examples_keep) for r in ruleset)
    click.echo(f"{len(ruleset)} rules, {examples} examples, {len(problems)} failures.")
    if problems:
        sys.exit(1)


@rules.command("show")
@click.argument("rule_id")
@click.option("--rules", "directory", type=click.Path(), help="Also load this rule directory.")
def show_rule(rule_id: str, directory: str | None) -> None:
    """Print one rule with its pattern, and run its examples (exit 1 when one fails).

    Each example is marked: PASS, or FAIL with the reason. Keep-examples are also run against
    the whole rule set, which catches another rule eating them. An old id (an alias) finds the
    rule it was renamed to.

    \b
    Example:
      cleaner rules show ads.domain-price-line
    """
    ruleset = _load(directory, False)
    rule = ruleset.get(rule_id)
    if rule is None:
        click.echo(f"cleaner: error: no rule {rule_id!r}", err=True)
        sys.exit(2)
    for line in describe(rule):
        click.echo(line)
    if rule.code:
        return
    with rule_warnings():
        results = run_examples(rule, ruleset.rules)
    for result in results:
        click.echo(example_line(result))
    failed = sum(1 for result in results if result.problem is not None)
    click.echo(f"{len(results)} examples, {failed} failed.")
    if failed:
        sys.exit(1)
