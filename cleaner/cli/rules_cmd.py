"""`cleaner rules list|check|show`: the rule registry, and its examples run as checks."""

from __future__ import annotations

import sys

import click

from cleaner.cli.common import rule_warnings
from cleaner.errors import RuleFileError
from cleaner.rulecheck import check_ruleset, run_examples
from cleaner.ruleset import CATEGORIES, Ruleset, load_ruleset


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
    rows = [
        (r.id, r.category, ",".join(sorted(r.languages)) or "*", r.remove if not r.code else "code",
         r.description)
        for r in ruleset.all_rules()
    ]  # fmt: skip
    if category:
        rows = [row for row in rows if row[1] == category]
    for rule_id, cat, langs, remove, description in rows:
        click.echo(f"{rule_id:<34} {cat:<16} {langs:<14} {remove:<8} {description}")
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
    click.echo(f"{rule.id}  ({rule.category}: {CATEGORIES[rule.category]})")
    click.echo(f"  {rule.description}")
    if rule.aliases:
        click.echo(f"  formerly: {', '.join(rule.aliases)}")
    if rule.code:
        click.echo(f"  file: {rule.source_file}; decided in code by {rule.code} (no pattern)")
        return
    click.echo(f"  file: {rule.source_file}; removes: {rule.remove}; where: {rule.where}")
    click.echo(f"  languages: {', '.join(sorted(rule.languages)) or 'all'}")
    click.echo(f"  pattern: {rule.pattern_text}")
    click.echo(f"  keywords: {', '.join(rule.keywords) or '(none: tried on every line)'}")
    with rule_warnings():
        results = run_examples(rule, ruleset.rules)
    for result in results:
        mark = "PASS" if result.problem is None else "FAIL"
        verb = "removes:" if result.kind == "remove" else "keeps:  "
        reason = f"  ({result.problem})" if result.problem else ""
        click.echo(f"  {mark} {verb} {result.example}{reason}")
    failed = sum(1 for result in results if result.problem is not None)
    click.echo(f"{len(results)} examples, {failed} failed.")
    if failed:
        sys.exit(1)
