"""`cleaner clean`: read inputs, clean them, write text, JSON Lines, JSON or an explanation."""

from __future__ import annotations

import contextlib
import functools
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import click

from cleaner import limits
from cleaner.cli.common import (
    build_ruleset,
    dask_client,
    input_options,
    input_sources,
    report,
    rule_options,
    warn,
)
from cleaner.console import progress, rule_warnings
from cleaner.render import Writer, render_all, summary, write_results

if TYPE_CHECKING:  # annotations only: `cleaner search` imports this module for limit_options
    from cleaner.inputs import Item
    from cleaner.pipeline import CleanOptions
    from cleaner.templates import Templates


def limit_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """--max-elements and --max-lines: the per-document work bounds of cleaner.limits, set
    for this process and its workers before any input is cleaned."""

    def configure(ctx: click.Context, param: click.Parameter, value: int) -> int:
        current = limits.current()
        field_name = "max_elements" if param.name == "max_elements" else "max_lines"
        limits.configure(replace(current, **{field_name: value or None}))
        return value

    func = click.option(
        "--max-lines",
        type=click.IntRange(0),
        default=limits.DEFAULT_MAX_LINES,
        show_default=True,
        callback=configure,
        expose_value=False,
        help="Refuse a document with more lines than this (0: no limit).",
    )(func)
    return click.option(
        "--max-elements",
        type=click.IntRange(0),
        default=limits.DEFAULT_MAX_ELEMENTS,
        show_default=True,
        callback=configure,
        expose_value=False,
        help="HTML with more elements skips article extraction for a plain tag strip, "
        "flagged in the record's 'limited' field (0: no limit).",
    )(func)


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
@click.option(
    "--quiet", "-q", is_flag=True, help="No progress display, summary or warnings; errors only."
)
@input_options
@limit_options
@rule_options
def clean(
    paths: tuple[str, ...],
    fmt: str,
    explain: bool,
    templates: bool | None,
    skip_errors: bool,
    quiet: bool,
    input_kind: str,
    url: str | None,
    fetched_at: str | None,
    jobs: int,
    dask_scheduler: str | None,
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
    from cleaner.batch import batch_options, learn_templates

    ruleset = build_ruleset(rule_dirs, no_default_rules, debug)
    sources = input_sources(paths, input_kind, url, fetched_at, max_size)
    if templates is None:  # a stream stays a stream: output as it goes, constant memory
        templates = not sources.reads_stdin
    with contextlib.ExitStack() as stack:
        if templates:  # a pipe cannot be read twice: standard input is spooled
            stack.enter_context(sources.spooled())
        stack.enter_context(rule_warnings())  # one context: a rule's warning shows once
        learned: Templates | None = None
        if templates:
            options = batch_options(ruleset, input_kind)
            learner = learn_templates(sources.read, options, jobs=jobs, census=sources.census)
            learned = learner.mapping() or None
        if dask_scheduler is None:
            items: Iterator[Any] = sources.read()
        else:  # a big JSON Lines file is read in parts by the workers
            from cleaner.partition import partitioned

            items = partitioned(sources)
        _write_all(
            items,
            fmt,
            explain,
            batch_options(ruleset, input_kind, learned),
            jobs,
            debug,
            stream=sources.reads_stdin and not templates,
            error_records=fmt == "jsonl" and not explain and not skip_errors,
            quiet=quiet,
            cluster=stack.enter_context(dask_client(dask_scheduler, debug, quiet)),
        )


def _write_all(
    items: Iterator[Item],
    fmt: str,
    explain: bool,
    options: CleanOptions,
    jobs: int,
    debug: bool,
    *,
    stream: bool,
    error_records: bool = False,
    quiet: bool = False,
    cluster: Any = None,
) -> None:
    """The cleaning pass: every result written or reported in input order; exit 1 on failures.

    A `stream` (standard input read once) is written a document at a time, as it comes; files
    are cleaned in small groups, which is faster (clean_batch's `group`). With
    `error_records`, a failed input's error record takes its place in the output.
    """
    writer = Writer(sys.stdout, fmt, explain)
    started = time.monotonic()
    render = functools.partial(render_all, fmt=fmt, explain=explain)
    if cluster is not None:  # --dask: the same results, cleaned on the cluster
        from cleaner.dask import clean_on_cluster

        results = clean_on_cluster(cluster, items, options, render=render)
    else:
        from cleaner.batch import GROUP, clean_batch

        group = 1 if stream and jobs == 1 else GROUP
        results = clean_batch(
            items, options, jobs=jobs, group=group, render=render, debug=debug, warn=warn
        )
    try:
        with progress("cleaning", quiet=quiet, quiet_when_stdout_is_terminal=True) as advance:
            failed = write_results(
                results,
                writer,
                on_failure=report,
                on_notice=None if quiet else warn,
                error_records=error_records,
                advance=advance,
            )
    except (OSError, MemoryError):
        raise  # cleaner.console.run_cli: a closed pipe exits 0, a full disk one line
    except Exception as exc:  # noqa: BLE001 - one line, not a traceback, unless --debug
        if debug:
            raise
        writer.close()
        report("error", f"internal error ({type(exc).__name__}: {exc}); rerun with --debug")
        sys.exit(1)
    writer.close()
    if not quiet and sys.stderr.isatty():
        written = writer.count - (failed if error_records else 0)
        click.echo(summary(written, failed, time.monotonic() - started), err=True)
    if failed:
        sys.exit(1)
