"""Runs of `archive`, `reclean` and `merge`, as the command line runs them.

A run is recorded in the archive's `runs` table when it starts (`start_run`). Its work goes
with a progress display, each failed input named on one line, and Ctrl-C asking it to stop
after the current document (`StopOnInterrupt`), so every finished batch stays committed
(`run_work`); `end_run` then records how it ended and says so in one line, with the exit status
SPEC gives it (0 all good, 1 some inputs failed, 130 interrupted). `archive_run`,
`reclean_run` and `merge_run` are the three commands, each returning its exit status.
"""

from __future__ import annotations

import contextlib
import functools
import signal
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from cleaner.archive.ingest import Hooks
from cleaner.archive.store import Archive, Counts

from cleaner.console import dask_client, progress, report, warn
from cleaner.errors import ArchiveError
from cleaner.render import one_line

if TYPE_CHECKING:
    from cleaner.ruleset import Ruleset
    from cleaner.sources import Sources

Work = Callable[..., tuple[Counts, bool]]  # called with hooks=Hooks(...)


class StopOnInterrupt:
    """SIGINT asks the run to stop after the current document; a second one kills it.

    Called, it says whether a stop was asked for: it is a `Hooks.should_stop`.
    """

    def __init__(self) -> None:
        self.requested = False

    def __call__(self) -> bool:
        return self.requested

    @contextlib.contextmanager
    def installed(self) -> Iterator[None]:
        """The SIGINT handler in place for the `with` block, the previous one restored after."""

        def handler(signum: int, frame: Any) -> None:
            if self.requested:
                raise KeyboardInterrupt
            self.requested = True

        previous = signal.signal(signal.SIGINT, handler)
        try:
            yield
        finally:
            signal.signal(signal.SIGINT, previous)


def summary(path: str, run_id: int, counts: Counts, stopped: bool, what: str) -> str:
    """The run's one-line summary: what it added or re-cleaned, duplicates, failures."""
    adds = what in ("archive", "merge")
    parts = [f"{counts.added} added"] if adds else [f"{counts.updated} re-cleaned"]
    parts.append(f"{counts.duplicates} duplicates")
    if adds:
        parts.append(f"{counts.already_stored} already stored")
    parts.append(f"{counts.failed} failed")
    line = f"cleaner: {what} {path} (run {run_id}): " + ", ".join(parts)
    if stopped:
        line += "; interrupted, the work above is committed (run again to finish)"
    return line


def exit_status(counts: Counts, stopped: bool) -> int:
    """130 when interrupted, 1 when some inputs failed, else 0."""
    return 130 if stopped else 1 if counts.failed else 0


def finish(arc: Archive, run_id: int, counts: Counts, stopped: bool, what: str) -> tuple[str, int]:
    """Record how the run ended, close the archive; returns the summary and exit status."""
    arc.finish_run(run_id, "interrupted" if stopped else "completed")
    arc.close()
    return summary(str(arc.path), run_id, counts, stopped, what), exit_status(counts, stopped)


def start_run(arc: Archive, command: str, inputs: Sequence[str], ruleset_version: str) -> int:
    """The new run's id. An archive that cannot record a run is closed; the ArchiveError
    propagates (the command could not start: exit 2)."""
    try:
        return arc.start_run(command, inputs, ruleset_version)
    except ArchiveError:
        arc.close()
        raise


def run_work(
    arc: Archive,
    run_id: int,
    label: str,
    work: Work,
    *,
    total: int | None = None,
    quiet: bool = False,
    debug: bool = False,
) -> tuple[Counts, bool] | None:
    """`work(hooks=...)` with progress shown, failures reported and Ctrl-C asking it to stop;
    returns its counts and whether it stopped early. A failed write to the archive records the
    run as failed, closes the archive and is one line: None (exit 1), or with `debug` raised."""
    stop = StopOnInterrupt()
    with stop.installed(), progress(label, total=total, quiet=quiet) as advance:
        try:
            return work(hooks=Hooks(on_failure=report, on_progress=advance, should_stop=stop))
        except ArchiveError as exc:
            arc.finish_run(run_id, "failed")
            arc.close()
            if debug:
                raise
            click.echo(one_line(f"cleaner: error: {exc}"), err=True)
            return None


def end_run(
    arc: Archive, run_id: int, done: tuple[Counts, bool] | None, what: str, quiet: bool = False
) -> int:
    """Close the run (`finish`), print its one-line summary (with `quiet`, only when it was
    interrupted) and return its exit status; a run whose work failed (None) is 1."""
    if done is None:
        return 1
    line, status = finish(arc, run_id, *done, what)
    if not quiet or done[1]:
        click.echo(one_line(line), err=True)
    return status


def archive_run(
    db: str,
    sources: Sources,
    ruleset: Ruleset,
    *,
    force: bool = False,
    learn: bool = True,
    jobs: int = 1,
    dask_scheduler: str | None = None,
    quiet: bool = False,
    debug: bool = False,
) -> int:
    """`cleaner archive`: clean `sources` into the archive `db` (created if missing; an
    existing database with other tables only with `force`) as one run; returns the exit status.

    With `learn`, the archive's site templates clean the documents and this run's documents
    are counted into them. With `dask_scheduler`, shards are cleaned on the cluster and merged
    here as they come (`archive.merge.archive_on_cluster`); else `jobs` worker processes clean.
    """
    from cleaner.archive import templates as site_templates

    from cleaner import archive as lib
    from cleaner.batch import batch_options
    from cleaner.inputs import count_documents

    arc = Archive(db, write=True, force=force)
    items = sources.read()
    learned = site_templates.load(arc) if learn else None
    options = batch_options(ruleset, sources.kind, learned)
    run_id = start_run(arc, "archive", sources.paths or ("-",), ruleset.version)
    with contextlib.ExitStack() as stack:  # a cluster is closed before the summary line
        if dask_scheduler is not None:
            from cleaner.archive.merge import archive_on_cluster

            client = stack.enter_context(dask_client(dask_scheduler, debug, quiet))
            shard_dir = Path(f"{db}.shards")
            work: Work = functools.partial(
                archive_on_cluster, client, arc, items, options, shard_dir=shard_dir
            )
            total = None
        else:
            cleaning = lib.workers(options, jobs=jobs, site_keys=learn, debug=debug, warn=warn)
            work = functools.partial(lib.ingest, arc, items, clean_batch=cleaning)
            total = None if quiet else count_documents(sources.paths)
        work = functools.partial(work, run_id=run_id, learn=learn)
        done = run_work(arc, run_id, "archiving", work, total=total, quiet=quiet, debug=debug)
    return end_run(arc, run_id, done, "archive", quiet)


def reclean_run(
    db: str,
    ruleset: Ruleset,
    *,
    all_rows: bool = False,
    learn: bool = True,
    quiet: bool = False,
    debug: bool = False,
) -> int:
    """`cleaner reclean`: re-run `ruleset` over the raw documents of the archive `db` as one
    run; returns the exit status. Articles already cleaned with this cleaner and rule set are
    skipped unless `all_rows`; with `learn`, the archive's site templates are applied."""
    from cleaner.archive import templates as site_templates

    from cleaner import __version__
    from cleaner import archive as lib
    from cleaner.batch import batch_options

    arc = Archive(db, write=True, create=False)
    run_id = start_run(arc, "reclean", [db], ruleset.version)
    version = None if all_rows else (__version__, ruleset.version)
    templates = site_templates.load(arc) if learn else None
    options = batch_options(ruleset, templates=templates)
    work = functools.partial(lib.reclean, arc, run_id=run_id, options=options, version=version)
    total = None if quiet else arc.count_stale(version)
    done = run_work(arc, run_id, "re-cleaning", work, total=total, quiet=quiet, debug=debug)
    return end_run(arc, run_id, done, "reclean", quiet)


def merge_run(out: str, shards: Sequence[str], *, learn: bool = True) -> int:
    """`cleaner merge`: merge the archives `shards` into `out` (created if missing) as a run
    of its own, with progress shown and Ctrl-C asking it to stop; returns the exit status.
    Every shard is opened first: what is not an archive is refused (ArchiveError) before
    anything is merged."""
    from cleaner.archive.merge import merge

    arc = Archive(out, write=True)
    for shard in shards:
        Archive(shard, write=False).close()
    stop = StopOnInterrupt()
    with stop.installed(), progress("merging") as advance:
        hooks = Hooks(on_progress=advance, should_stop=stop)
        try:
            run_id, counts, stopped = merge(arc, shards, hooks=hooks, learn=learn)
        except ArchiveError:
            arc.close()
            raise
    return end_run(arc, run_id, (counts, stopped), "merge")
