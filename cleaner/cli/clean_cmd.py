"""`cleaner clean`: read inputs, clean them, write text, JSON Lines, JSON or an explanation."""

from __future__ import annotations

import contextlib
import functools
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import IO, TYPE_CHECKING, Any

import click

from cleaner import limits
from cleaner.cli.common import (
    build_ruleset,
    dask_client,
    input_options,
    report,
    rule_options,
    rule_warnings,
    warn,
)
from cleaner.cli.output import Rendered, Writer, dumps, error_record, progress, render_all
from cleaner.inputs import InputFailure, InputNotice, Item, read_inputs

if TYPE_CHECKING:  # annotations only: `cleaner search` imports this module for limit_options
    from cleaner.pipeline import CleanOptions
    from cleaner.ruleset import Ruleset
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
    ruleset = build_ruleset(rule_dirs, no_default_rules, debug)
    stdin: IO[bytes] = sys.stdin.buffer
    reads_stdin = not paths or "-" in paths
    if templates is None:  # a stream stays a stream: output as it goes, constant memory
        templates = not reads_stdin
    spool = templates and reads_stdin  # a pipe cannot be read twice
    with contextlib.ExitStack() as stack:
        if spool:
            stdin = stack.enter_context(_spooled(stdin))

        def inputs(urls_only: bool = False, only: list[str] | None = None) -> Iterator[Item]:
            if spool:
                stdin.seek(0)
            return read_inputs(
                paths if only is None else only,
                kind=input_kind,
                stdin=stdin,
                url=url,
                fetched_at=fetched_at,
                max_bytes=max_size * 1024 * 1024,
                urls_only=urls_only,
            )

        stack.enter_context(rule_warnings())  # one context: a rule's warning shows once
        learned: Templates | None = None
        if templates:
            from cleaner.batch import learn_templates

            learner = learn_templates(
                inputs,
                _options(ruleset, input_kind),
                jobs=jobs,
                census=lambda: inputs(urls_only=True),
            )
            learned = learner.mapping() or None
        items: Iterator[Any] = inputs()
        if dask_scheduler is not None:  # a big JSON Lines file is read in parts by the workers
            from cleaner.partition import partitioned

            some = functools.partial(inputs, False)
            items = partitioned(paths, some, kind=input_kind, max_bytes=max_size * 1024 * 1024)
        _write_all(
            items,
            fmt,
            explain,
            _options(ruleset, input_kind, learned),
            jobs,
            debug,
            stream=reads_stdin and not spool,
            error_records=fmt == "jsonl" and not explain and not skip_errors,
            quiet=quiet,
            cluster=stack.enter_context(dask_client(dask_scheduler, debug, quiet)),
        )


def _options(ruleset: Ruleset, input_kind: str, templates: Templates | None = None) -> CleanOptions:
    """The batch's options; JSON Lines and WARC records declare their own kind."""
    from cleaner.pipeline import CleanOptions

    kind = input_kind if input_kind in ("text", "html") else "auto"
    return CleanOptions(ruleset=ruleset, input_kind=kind, templates=templates)


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
    failed = 0
    started = time.monotonic()
    render = functools.partial(render_all, fmt=fmt, explain=explain)
    if cluster is not None:  # --dask: the same results, cleaned on the cluster
        from cleaner.dask import clean_on_cluster

        results = clean_on_cluster(cluster, items, options, render=render)
    else:
        from cleaner.batch import GROUP, clean_batch

        results = clean_batch(
            items,
            options,
            jobs=jobs,
            group=1 if stream and jobs == 1 else GROUP,
            render=render,
            debug=debug,
            warn=warn,
        )
    try:
        with progress("cleaning", quiet=quiet, quiet_when_stdout_is_terminal=True) as advance:
            for result in results:
                if isinstance(result, InputFailure):
                    failed += 1
                    report(result.source, result.reason)
                    if error_records:
                        record = error_record(result.doc_id, result.source, result.reason)
                        writer.write(Rendered(dumps(record)))
                    advance(1)
                elif isinstance(result, InputNotice):
                    if not quiet:
                        warn(result.source, result.reason)
                else:
                    writer.write(result)
                    advance(1)
    except (OSError, MemoryError):
        raise  # cleaner.cli.output.run_cli: a closed pipe exits 0, a full disk one line
    except Exception as exc:  # noqa: BLE001 - one line, not a traceback, unless --debug
        if debug:
            raise
        writer.close()
        report("error", f"internal error ({type(exc).__name__}: {exc}); rerun with --debug")
        sys.exit(1)
    writer.close()
    if not quiet and sys.stderr.isatty():
        written = writer.count - (failed if error_records else 0)
        seconds = time.monotonic() - started
        click.echo(
            f"cleaner: {written:,} cleaned, {failed:,} failed in {seconds:.1f} s"
            + (f" ({written / seconds:,.0f}/s)" if seconds > 0 and written else ""),
            err=True,
        )
    if failed:
        sys.exit(1)


@contextlib.contextmanager
def _spooled(stream: IO[bytes]) -> Iterator[IO[bytes]]:
    """Standard input copied to an unnamed temporary file, so that it can be read twice.

    It holds the whole input on disk (not in memory) and is gone when the command ends.
    """
    with tempfile.TemporaryFile() as copy:
        shutil.copyfileobj(stream, copy, 1 << 20)
        copy.seek(0)
        yield copy
