"""`cleaner clean` as a function: read the inputs, clean them in input order, write each one
to a stream as text, JSON Lines, JSON or an explanation, and name each failure on one line.

The command line parses its options and calls `clean_run`; a program that wants the same
output bytes, the same lines on standard error and the same exit status calls it too. The
cleaning is `cleaner.batch.clean_batch` (with a Dask client, `cleaner.dask.clean_on_cluster`);
the formats are `cleaner.render`'s; progress and messages are `cleaner.console`'s.
"""

from __future__ import annotations

import contextlib
import functools
import sys
import time
from collections.abc import Iterable
from typing import IO, TYPE_CHECKING, Any

import click

from cleaner.console import dask_client, progress, report, rule_warnings, warn
from cleaner.render import Writer, render_all, summary, write_results

if TYPE_CHECKING:
    from cleaner.batch import Item
    from cleaner.pipeline import CleanOptions
    from cleaner.ruleset import Ruleset
    from cleaner.sources import Sources


def clean_run(
    sources: Sources,
    ruleset: Ruleset,
    out: IO[str],
    *,
    fmt: str = "text",
    explain: bool = False,
    templates: bool | None = None,
    skip_errors: bool = False,
    quiet: bool = False,
    jobs: int = 1,
    dask_scheduler: str | None = None,
    debug: bool = False,
) -> int:
    """Clean every input of `sources` with `ruleset` into `out`; returns the exit status: 0,
    or 1 when some inputs failed (each named on standard error, the others still written).

    With `templates` (default: on unless standard input is read, which then stays a stream
    written as it comes, in constant memory), a first pass learns each site's template lines;
    standard input is then copied to a temporary file to be read twice. With JSON Lines
    (not `explain`), a failed input's error record takes its place unless `skip_errors`.
    `dask_scheduler` cleans on a Dask cluster; a big JSON Lines file is then read in parts by
    the workers (`cleaner.partition`).
    """
    from cleaner.batch import batch_options, learn_templates

    if templates is None:
        templates = not sources.reads_stdin
    with contextlib.ExitStack() as stack:
        if templates:  # a pipe cannot be read twice: standard input is spooled
            stack.enter_context(sources.spooled())
        stack.enter_context(rule_warnings())  # one context: a rule's warning shows once
        learned = None
        if templates:
            options = batch_options(ruleset, sources.kind)
            learner = learn_templates(sources.read, options, jobs=jobs, census=sources.census)
            learned = learner.mapping() or None
        if dask_scheduler is None:
            items: Iterable[Any] = sources.read()
        else:
            from cleaner.partition import partitioned

            items = partitioned(sources)
        return write_all(
            items,
            out,
            fmt,
            explain,
            batch_options(ruleset, sources.kind, learned),
            jobs=jobs,
            debug=debug,
            stream=sources.reads_stdin and not templates,
            error_records=fmt == "jsonl" and not explain and not skip_errors,
            quiet=quiet,
            cluster=stack.enter_context(dask_client(dask_scheduler, debug, quiet)),
        )


def write_all(
    items: Iterable[Item],
    out: IO[str],
    fmt: str,
    explain: bool,
    options: CleanOptions,
    *,
    jobs: int = 1,
    debug: bool = False,
    stream: bool = False,
    error_records: bool = False,
    quiet: bool = False,
    cluster: Any = None,
) -> int:
    """The cleaning pass: every result written or reported in input order; returns 1 when
    some inputs failed (or the run broke: one line, unless `debug`), else 0.

    A `stream` (standard input read once) is written a document at a time, as it comes; files
    are cleaned in small groups, which is faster (clean_batch's `group`). With
    `error_records`, a failed input's error record takes its place in the output. On a
    terminal, unless `quiet`, a progress display runs and a summary line ends the run.
    """
    writer = Writer(out, fmt, explain)
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
    except Exception as exc:  # noqa: BLE001 - one line, not a traceback, unless debug
        if debug:
            raise
        writer.close()
        report("error", f"internal error ({type(exc).__name__}: {exc}); rerun with --debug")
        return 1
    writer.close()
    if not quiet and sys.stderr.isatty():
        written = writer.count - (failed if error_records else 0)
        click.echo(summary(written, failed, time.monotonic() - started), err=True)
    return 1 if failed else 0
