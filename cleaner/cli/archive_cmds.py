"""`cleaner archive|search|export|reclean|merge|serve`: click over `cleaner.archive`."""

from __future__ import annotations

import functools
import sqlite3
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from cleaner import archive as lib
from cleaner.archive import runs
from cleaner.archive.search import (
    hit_lines,
    is_day,
    language_code,
    languages_if_absent,
    write_hits_csv,
    write_records,
)
from cleaner.archive.store import Archive
from cleaner.cli.clean_cmd import limit_options
from cleaner.cli.common import (
    build_ruleset,
    dask_client,
    fail_usage,
    input_options,
    input_sources,
    report,
    rule_options,
    warn,
)
from cleaner.console import progress
from cleaner.errors import ArchiveError
from cleaner.render import dumps, one_line

if TYPE_CHECKING:
    from cleaner.archive import Counts
# `archive` and `reclean` import the pipeline where they run: search, export and serve do not.


def _language(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """`--language EN` means en: codes are stored lower-case. A value that cannot be a
    language code is a usage error, not an empty result."""
    if value is None:
        return None
    code = language_code(value)
    if code is None:
        fail_usage(f"--language: expected a language code such as en or ru, got {value!r}")
    return code


def _since(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None and not is_day(value):
        fail_usage(f"--since: expected a date YYYY-MM-DD, got {value!r}")
    return value


def _warn_unknown_language(arc: Archive, language: str | None) -> None:
    """An empty result for a language the archive does not hold says so on standard error."""
    present = None if language is None else languages_if_absent(arc, language)
    if present is not None:
        click.echo(
            f"cleaner: warning: no articles in language {language!r} "
            f"(the archive has: {', '.join(present) or 'none'})",
            err=True,
        )


_QUIET = click.option(
    "--quiet", "-q", is_flag=True, help="No progress display, summary or warnings; errors only."
)


def _open(
    db: str, *, write: bool, debug: bool = False, create: bool = True, force: bool = False
) -> Archive:
    """Open the archive or exit 2 with one line (missing, not SQLite, not an archive,
    read-only, a directory...). Only `archive` creates a missing file."""
    try:
        return Archive(db, write=write, create=create, force=force)
    except ArchiveError as exc:
        if debug:
            raise
        fail_usage(str(exc))
        raise  # unreachable


def _start(arc: Archive, command: str, inputs: Sequence[str], ruleset_version: str) -> int:
    """The run's id; an archive that cannot record a run is a usage error (exit 2)."""
    try:
        return arc.start_run(command, inputs, ruleset_version)
    except ArchiveError as exc:
        arc.close()
        fail_usage(str(exc))
        raise  # unreachable


def _finish(
    arc: Archive, run_id: int, counts: Counts, stopped: bool, what: str, quiet: bool = False
) -> None:
    """Close the run, print the one-line summary, exit with SPEC's code (130: interrupted)."""
    line, status = runs.finish(arc, run_id, counts, stopped, what)
    if not quiet or stopped:
        click.echo(one_line(line), err=True)
    sys.exit(status)


def _work(
    arc: Archive,
    run_id: int,
    label: str,
    work: Callable[..., tuple[Counts, bool]],
    *,
    total: int | None = None,
    quiet: bool = False,
    debug: bool = False,
) -> tuple[Counts, bool]:
    """`work(hooks=...)` with progress shown, failures reported and Ctrl-C asking it to stop;
    a failed write to the archive records the run as failed and exits 1 with one line."""
    from cleaner.archive import Hooks

    stop = runs.StopOnInterrupt()
    with stop.installed(), progress(label, total=total, quiet=quiet) as advance:
        try:
            return work(hooks=Hooks(on_failure=report, on_progress=advance, should_stop=stop))
        except ArchiveError as exc:
            arc.finish_run(run_id, "failed")
            arc.close()
            if debug:
                raise
            click.echo(one_line(f"cleaner: error: {exc}"), err=True)
            sys.exit(1)


_TEMPLATES_HELP = (
    "Clean with the site templates the archive has learned, and (archive) count this run's "
    "documents into them. On by default."
)


@click.command()
@click.argument("db", type=click.Path(dir_okay=False))
@click.argument("paths", nargs=-1, type=click.Path(allow_dash=True))
@input_options
@limit_options
@rule_options
@click.option("--templates/--no-templates", "use_templates", default=True, help=_TEMPLATES_HELP)
@click.option(
    "--force",
    is_flag=True,
    help="Add the archive's tables to an existing SQLite database that has other tables.",
)
@_QUIET
def archive(
    db: str,
    paths: tuple[str, ...],
    force: bool,
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
    use_templates: bool,
) -> None:
    """Clean documents and store them in the SQLite archive DB (created if missing).

    Same inputs as `cleaner clean`. Raw bytes already in the archive are skipped, so running
    it again, or after an interrupted run, only adds what is missing. Ctrl-C stops after the
    current document with everything before it committed.

    Site templates: documents of a site whose menus and footers the archive already knows
    (from 3 or more earlier pages) lose those lines as template.site-line; this run's
    documents are counted in turn. A template first learned in this run reaches the pages
    archived before it on `cleaner reclean DB`.

    \b
    Examples:
      cleaner archive news.db scrapes/
      cleaner archive news.db crawl.warc.gz --jobs 2
      curl -s URL | cleaner archive news.db --url URL

    An existing SQLite file that is not an archive is refused (nothing written to it)
    unless --force.

    Exit status: 0 all stored; 1 some inputs failed (named on standard error); 2 bad usage,
    unreadable rules, or DB is not a writable SQLite archive; 130 interrupted.
    """
    from cleaner.archive import templates as site_templates
    from cleaner.batch import batch_options
    from cleaner.inputs import count_documents

    ruleset = build_ruleset(rule_dirs, no_default_rules)
    arc = _open(db, write=True, debug=debug, force=force)
    items = input_sources(paths, input_kind, url, fetched_at, max_size).read()
    learned = site_templates.load(arc) if use_templates else None
    options = batch_options(ruleset, input_kind, learned)
    cleaning = lib.workers(options, jobs=jobs, site_keys=use_templates, debug=debug, warn=warn)
    run_id = _start(arc, "archive", paths or ("-",), ruleset.version)
    if dask_scheduler is not None:  # shards cleaned on the cluster, merged here as they come
        from cleaner.archive.merge import archive_on_cluster

        with dask_client(dask_scheduler, debug, quiet) as client:
            work = functools.partial(
                archive_on_cluster,
                client,
                arc,
                items,
                options,
                run_id=run_id,
                shard_dir=Path(f"{db}.shards"),
                learn=use_templates,
            )
            counts, stopped = _work(arc, run_id, "archiving", work, quiet=quiet, debug=debug)
        _finish(arc, run_id, counts, stopped, "archive", quiet)
    total = None if quiet else count_documents(paths)
    work = functools.partial(
        lib.ingest, arc, items, run_id=run_id, clean_batch=cleaning, learn=use_templates
    )
    counts, stopped = _work(arc, run_id, "archiving", work, total=total, quiet=quiet, debug=debug)
    _finish(arc, run_id, counts, stopped, "archive", quiet)


@click.command()
@click.argument("out", type=click.Path(dir_okay=False))
@click.argument("shards", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--templates/--no-templates", "use_templates", default=True, help=_TEMPLATES_HELP)
@click.option("--debug", is_flag=True, help="Show tracebacks instead of one-line errors.")
def merge(out: str, shards: tuple[str, ...], use_templates: bool, debug: bool) -> None:
    """Merge archives (e.g. the shards of `archive --dask`) into OUT (created if missing).

    Raw documents already in OUT are skipped, so merging twice adds nothing and a merge
    interrupted half-way completes when run again. Near-duplicates are found across the
    shards; site templates are counted over all of them.

    \b
    Examples:
      cleaner merge news.db shard-1.db shard-2.db shard-3.db
    """
    from cleaner.archive import Hooks
    from cleaner.archive.merge import merge as merge_archives

    arc = _open(out, write=True, debug=debug)
    for shard in shards:
        _open(shard, write=False, debug=debug).close()  # exit 2 on what is not an archive
    stop = runs.StopOnInterrupt()
    with stop.installed(), progress("merging") as advance:
        hooks = Hooks(on_progress=advance, should_stop=stop)
        try:
            run_id, counts, stopped = merge_archives(arc, shards, hooks=hooks, learn=use_templates)
        except ArchiveError as exc:
            arc.close()
            if debug:
                raise
            fail_usage(str(exc))
    _finish(arc, run_id, counts, stopped, "merge")


@click.command()
@click.argument("db", type=click.Path(dir_okay=False))
@click.option(
    "--all", "all_rows", is_flag=True, help="Re-clean every article, not only stale ones."
)
@click.option("--debug", is_flag=True, help="Show tracebacks instead of one-line errors.")
@rule_options
@limit_options
@click.option("--templates/--no-templates", "use_templates", default=True, help=_TEMPLATES_HELP)
@_QUIET
def reclean(
    db: str,
    all_rows: bool,
    quiet: bool,
    debug: bool,
    rule_dirs: tuple[str, ...],
    no_default_rules: bool,
    use_templates: bool,
) -> None:
    """Re-run the current rules over the raw documents kept in DB.

    Updates text, metadata, removals, duplicates and the search index, one transaction per
    batch, and records a run. Articles already cleaned with this cleaner and rule set are
    skipped unless --all, so a re-run after an interruption finishes the job. The archive's
    current site templates are applied, and articles cleaned before their site's template
    last changed are re-cleaned too.

    \b
    Examples:
      cleaner reclean news.db
      cleaner reclean news.db --rules my-rules/ --all
    """
    from cleaner import __version__
    from cleaner.archive import templates as site_templates
    from cleaner.batch import batch_options

    ruleset = build_ruleset(rule_dirs, no_default_rules)
    arc = _open(db, write=True, debug=debug, create=False)
    run_id = _start(arc, "reclean", [db], ruleset.version)
    version = None if all_rows else (__version__, ruleset.version)
    templates = site_templates.load(arc) if use_templates else None
    options = batch_options(ruleset, templates=templates)
    work = functools.partial(lib.reclean, arc, run_id=run_id, options=options, version=version)
    total = None if quiet else arc.count_stale(version)
    counts, stopped = _work(arc, run_id, "re-cleaning", work, total=total, quiet=quiet, debug=debug)
    _finish(arc, run_id, counts, stopped, "reclean", quiet)


def _marks() -> tuple[str, str]:
    return ("\x1b[1m", "\x1b[0m") if sys.stdout.isatty() else ("[", "]")


@click.command()
@click.argument("db", type=click.Path(dir_okay=False))
@click.argument("query")
@click.option(
    "--limit",
    type=click.IntRange(1, 10_000),
    default=10,
    show_default=True,
    help="At most this many results.",
)
@click.option(
    "--language",
    metavar="xx",
    callback=_language,
    help="Only articles in this language (ISO 639-1, any case).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "jsonl", "csv"]),
    default="text",
    show_default=True,
    help="text: numbered hits; jsonl: one object per hit; csv: a header row, one row per hit.",
)
@click.option("--all", "all_copies", is_flag=True, help="Show every copy of duplicated stories.")
@click.option("--debug", is_flag=True, help="Show tracebacks instead of one-line errors.")
def search(
    db: str,
    query: str,
    limit: int,
    language: str | None,
    fmt: str,
    all_copies: bool,
    debug: bool,
) -> None:
    """Full-text search DB for QUERY, best match first, with a highlighted snippet.

    Words are all required; "quoted words" are a phrase; a trailing * searches a prefix;
    OR / NOT (upper case) between words are operators; е and ё match each other. Anything
    else is searched literally (Kwork.ru, e-mail, C++).

    \b
    Examples:
      cleaner search news.db Kazakhstan
      cleaner search news.db '"peacekeeping forces"' --limit 3
      cleaner search news.db 'эконом*' --language ru --format jsonl
      cleaner search news.db Kazakhstan --format csv > hits.csv
    """
    arc = _open(db, write=False, debug=debug)
    try:
        _warn_unknown_language(arc, language)
        hits = lib.search(
            arc,
            query,
            limit=limit,
            language=language,
            all_copies=all_copies,
            marks=_marks() if fmt == "text" else ("[", "]"),
        )
    except ArchiveError as exc:
        fail_usage(str(exc))
    except Exception as exc:  # sqlite3.Error: a damaged archive, not the query
        if debug:
            raise
        fail_usage(f"{db}: search failed: {exc}")
    finally:
        arc.close()
    if fmt == "csv":
        write_hits_csv(sys.stdout, hits)
        return
    for n, hit in enumerate(hits, 1):
        if fmt == "jsonl":
            click.echo(dumps(hit.to_dict()))
            continue
        for line in hit_lines(n, hit):
            click.echo(line)
        if n < len(hits):
            click.echo()
    if not hits and fmt == "text":
        click.echo("cleaner: no matches", err=True)


@click.command()
@click.argument("db", type=click.Path(dir_okay=False))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["jsonl", "text", "csv"]),
    default="jsonl",
    show_default=True,
    help="jsonl: SPEC records; text: texts separated by a form feed; csv: a header row, "
    "one row per article (removals as JSON).",
)
@click.option(
    "--language", metavar="xx", callback=_language, help="Only articles in this language."
)
@click.option(
    "--since",
    metavar="YYYY-MM-DD",
    callback=_since,
    help="Only articles published on or after this date.",
)
@click.option("--unique", is_flag=True, help="Leave out duplicates of earlier articles.")
@click.option("--debug", is_flag=True, help="Show tracebacks instead of one-line errors.")
def export(
    db: str, fmt: str, language: str | None, since: str | None, unique: bool, debug: bool
) -> None:
    """Stream the clean articles of DB to standard output, in archive order.

    \b
    Examples:
      cleaner export news.db > articles.jsonl
      cleaner export news.db --language ru --since 2024-01-01 --format text | wc -w
      cleaner export news.db --format csv > articles.csv
    """
    arc = _open(db, write=False, debug=debug)
    try:
        _warn_unknown_language(arc, language)
        records = lib.iter_records(arc, language=language, since=since, unique=unique)
        write_records(sys.stdout, records, fmt)
        sys.stdout.flush()
    except sqlite3.Error as exc:  # a damaged archive: one line (a full disk is run_cli's)
        if debug:
            raise
        fail_usage(f"{db}: export failed: {exc}")
    finally:
        arc.close()


@click.command()
@click.argument("db", type=click.Path(dir_okay=False))
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8001,
    show_default=True,
    help="The port to listen on.",
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Interface to bind; the default is reachable from this machine only.",
)
@click.option("--allow-sql", is_flag=True, help="Let visitors run their own SQL (off by default).")
@click.option(
    "--i-know", is_flag=True, help="Allow --allow-sql on a host other machines can reach."
)
@click.option("--debug", is_flag=True, help="Show tracebacks instead of one-line errors.")
def serve(db: str, port: int, host: str, allow_sql: bool, i_know: bool, debug: bool) -> None:
    """Browse, search and read DB in Datasette, read-only, while it may still be written.

    \b
    Examples:
      cleaner serve news.db                 # then open http://127.0.0.1:8001/news/search
      cleaner serve news.db --port 9000
      cleaner serve news.db --allow-sql     # also let visitors run SQL queries
    """
    from cleaner.archive.serve import check_exposure, check_port, prepare, run

    try:
        max_value_bytes = prepare(Path(db))
        warning = check_exposure(host, allow_sql, i_know)
        if warning:
            click.echo(f"cleaner: {warning}", err=True)
        check_port(host, port)
    except ArchiveError as exc:
        if debug:
            raise
        fail_usage(str(exc))
    announce = functools.partial(click.echo, err=True)
    run(db, host, port, allow_sql=allow_sql, max_value_bytes=max_value_bytes, announce=announce)
