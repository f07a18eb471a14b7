"""`cleaner clean`: click over `cleaner.clean_run` (text, JSON Lines, JSON or an explanation)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from cleaner.cli.common import Command, input_options, limit_options, quiet_option, rule_options

if TYPE_CHECKING:
    from cleaner.ruleset import Ruleset
    from cleaner.sources import Sources


@click.command(cls=Command)
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
@click.option(
    "--templates/--no-templates",
    default=None,
    help="Learn each site's template lines (menus, footers: lines on at least half of, and "
    "3 or more of, the batch's pages of one site, by URL host) in a first pass, then remove "
    "them as template.site-line. Default: on for files and folders; off for standard input, "
    "which is streamed (--templates copies it to a temporary file first).",
)
@click.option(
    "--skip-errors",
    is_flag=True,
    help="JSON Lines: leave out inputs that fail. By default each one gets an error record "
    '{"id": ..., "source": ..., "error": ...} in its place, so output line N is input N.',
)
@quiet_option
@input_options
@limit_options
@rule_options
def clean(
    sources: Sources,
    ruleset: Ruleset,
    fmt: str,
    explain: bool,
    templates: bool | None,
    skip_errors: bool,
    quiet: bool,
    jobs: int,
    dask_scheduler: str | None,
    debug: bool,
) -> None:
    """Clean raw scrapes (plain text or HTML; files, folders, JSON Lines, WARC, .gz).

    With no PATH, or PATH '-', reads standard input.

    \b
    Examples:
      cat scrape.txt | cleaner clean
      cleaner clean page.html --format json
      cleaner clean scrapes/ --format jsonl --jobs 2 > clean.jsonl
      cleaner clean crawl/ --format jsonl --dask tcp://scheduler:8786 > clean.jsonl
      cleaner clean --no-templates crawl.warc.gz
      cleaner clean --explain scrape.txt | grep '^-'
      cleaner clean --rules my-rules/ scrape.txt
      curl -s URL | cleaner clean --url URL --fetched-at 2024-05-01T10:00:00Z

    Files and folders are read twice: a first pass counts, per site (URL host), the hashes
    of the lines; the second cleans. Standard input is read once and written as it goes,
    without templates, unless --templates is given.

    In JSON Lines, an input that fails is an error record in its place (unless
    --skip-errors), and is named on standard error too.

    Exit status: 0 all good; 1 some inputs failed (named on standard error, the
    others still written); 2 bad usage or unreadable rules.
    """
    from cleaner.clean_run import clean_run

    sys.exit(
        clean_run(
            sources,
            ruleset,
            sys.stdout,
            fmt=fmt,
            explain=explain,
            templates=templates,
            skip_errors=skip_errors,
            quiet=quiet,
            jobs=jobs,
            dask_scheduler=dask_scheduler,
            debug=debug,
        )
    )
