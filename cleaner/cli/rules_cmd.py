"""`cleaner rules list|check|show`: click over `cleaner.rulecheck`."""

from __future__ import annotations

import sys

import click

from cleaner.cli.common import Command
from cleaner.console import fail_usage, rule_warnings
from cleaner.rulecheck import (
    check_report,
    describe,
    example_report,
    rule_table,
    table_count,
    table_line,
)
from cleaner.ruleset import load_ruleset

directory_argument = click.argument("directory", required=False, type=click.Path())


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


@rules.command("list", cls=Command)
@directory_argument
@click.option("--category", help="Only rules of this category.")
@click.option("--no-default-rules", is_flag=True, help="Only the rules of DIRECTORY.")
def list_rules(directory: str | None, category: str | None, no_default_rules: bool) -> None:
    """List rules: id, category, languages, what it removes, description.

    \b
    Example:
      cleaner rules list --category paywall
    """
    ruleset = load_ruleset([directory] if directory else [], defaults=not no_default_rules)
    rows = rule_table(ruleset, category)
    for row in rows:
        click.echo(table_line(row))
    if sys.stdout.isatty():  # a count for the reader; a pipe gets the rows alone
        click.echo(table_count(rows), err=True)


@rules.command("check", cls=Command)
@directory_argument
@click.option("--no-default-rules", is_flag=True, help="Check only the rules of DIRECTORY.")
def check_rules(directory: str | None, no_default_rules: bool) -> None:
    """Load rule files and run every rule's examples; exit 1 when one fails.

    \b
    Example:
      cleaner rules check my-rules/
    """
    ruleset = load_ruleset([directory] if directory else [], defaults=not no_default_rules)
    with rule_warnings():  # a user pattern that times out: one warning line, not a traceback
        lines, passed = check_report(ruleset)
    for line in lines:
        click.echo(line)
    if not passed:
        sys.exit(1)


@rules.command("show", cls=Command)
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
    ruleset = load_ruleset([directory] if directory else [])
    rule = ruleset.get(rule_id) or fail_usage(f"no rule {rule_id!r}")
    for line in describe(rule):
        click.echo(line)
    with rule_warnings():
        lines, passed = example_report(rule, ruleset)
    for line in lines:
        click.echo(line)
    if not passed:
        sys.exit(1)
