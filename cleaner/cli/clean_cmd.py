"""`cleaner clean`: read inputs, clean them, write text, JSON Lines, JSON or an explanation."""

from __future__ import annotations

import sys

import click

from cleaner.cli.common import (
    build_ruleset,
    input_options,
    report,
    rule_options,
    rule_warnings,
    run_batch,
    warn,
)
from cleaner.cli.output import Writer
from cleaner.inputs import InputFailure, InputNotice, read_inputs


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(allow_dash=True))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "jsonl", "json"]),
    default="text",
    show_default=True,
    help="text: the clean text (documents separated by a form-feed line); "
    "jsonl: one JSON object per document; json: an object, or an array of several.",
)
@click.option(
    "--explain", is_flag=True, help="Show every input line: '+' kept, '-' removed + rule id."
)
@input_options
@rule_options
def clean(
    paths: tuple[str, ...],
    fmt: str,
    explain: bool,
    input_kind: str,
    url: str | None,
    fetched_at: str | None,
    jobs: int,
    max_size: int,
    debug: bool,
    rule_dirs: tuple[str, ...],
    no_default_rules: bool,
) -> None:
    """Clean raw scrapes (plain text or HTML; files, folders, JSON Lines, WARC, .gz).

    With no PATH, or PATH '-', reads standard input.

    \b
    Examples:
      cat scrape.txt | cleaner clean
      cleaner clean page.html --format json
      cleaner clean scrapes/ --format jsonl --jobs 2 > clean.jsonl
      cleaner clean --explain scrape.txt | grep '^-'
      cleaner clean --rules my-rules/ scrape.txt
      curl -s URL | cleaner clean --url URL --fetched-at 2024-05-01T10:00:00Z

    Exit status: 0 all good; 1 some inputs failed (named on standard error, the
    others still written); 2 bad usage or unreadable rules.
    """
    ruleset = build_ruleset(rule_dirs, no_default_rules, debug)
    items = read_inputs(
        paths,
        kind=input_kind,
        stdin=sys.stdin.buffer,
        url=url,
        fetched_at=fetched_at,
        max_bytes=max_size * 1024 * 1024,
    )
    writer = Writer(sys.stdout, fmt, explain)
    failed = 0
    with rule_warnings():
        results = run_batch(
            items,
            ruleset=ruleset,
            rule_dirs=rule_dirs,
            no_default_rules=no_default_rules,
            input_kind=input_kind,
            jobs=jobs,
            debug=debug,
        )
        try:
            for result in results:
                if isinstance(result, InputFailure):
                    failed += 1
                    report(result.source, result.reason)
                elif isinstance(result, InputNotice):
                    warn(result.source, result.reason)
                else:
                    writer.write(result)
        except BrokenPipeError:
            sys.stderr.close()
            sys.exit(0)
        except Exception as exc:  # noqa: BLE001 - one line, not a traceback, unless --debug
            if debug:
                raise
            writer.close()
            report("error", f"internal error ({type(exc).__name__}: {exc}); rerun with --debug")
            sys.exit(1)
    writer.close()
    if failed:
        sys.exit(1)
