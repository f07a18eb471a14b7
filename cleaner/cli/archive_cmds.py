"""`cleaner archive|search|export|reclean|merge|serve`: click over `cleaner.archive`.

`archive`, `reclean` and `merge` are `cleaner.archive.runs`' functions; they import the pipeline
where they run: search, export and serve do not.
"""

from __future__ import annotations

import functools
import sqlite3
import sys
from typing import TYPE_CHECKING

import click

from cleaner import archive as lib
from cleaner.archive.search import (
    hits_lines,
    is_day,
    language_code,
    language_warning,
    marks_for,
    write_hits_csv,
    write_records,
)
from cleaner.archive.store import Archive
from cleaner.cli.common import (
    Command,
    debug_option,
    input_options,
    limit_options,
    quiet_option,
    rule_options,
    templates_option,
)
from cleaner.console import fail_usage, usage_errors

if TYPE_CHECKING:
    from cleaner.ruleset import Ruleset
    from cleaner.sources import Sources


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


db_argument = click.argument("db", type=click.Path(dir_okay=False))
language_option = click.option(
    "--language",
    metavar="xx",
    callback=_language,
    help="Only articles in this language (ISO 639-1, any case).",
)


@click.command(cls=Command)
@db_argument
@input_options
@limit_options
@rule_options
@templates_option
@click.option(
    "--force",
    is_flag=True,
    help="Add the archive's tables to an existing SQLite database that has other tables.",
)
@quiet_option
def archive(
    db: str,
    sources: Sources,
    ruleset: Ruleset,
    use_templates: bool,
    force: bool,
    quiet: bool,
    jobs: int,
    dask_scheduler: str | None,
    debug: bool,
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
    from cleaner.archive.runs import archive_run

    sys.exit(
        archive_run(
            db,
            sources,
            ruleset,
            force=force,
            learn=use_templates,
            jobs=jobs,
            dask_scheduler=dask_scheduler,
            quiet=quiet,
            debug=debug,
        )
    )


@click.command(cls=Command)
@click.argument("out", type=click.Path(dir_okay=False))
@click.argument("shards", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@templates_option
@debug_option
def merge(out: str, shards: tuple[str, ...], use_templates: bool, debug: bool) -> None:
    """Merge archives (e.g. the shards of `archive --dask`) into OUT (created if missing).

    Raw documents already in OUT are skipped, so merging twice adds nothing and a merge
    interrupted half-way completes when run again. Near-duplicates are found across the
    shards; site templates are counted over all of them.

    \b
    Examples:
      cleaner merge news.db shard-1.db shard-2.db shard-3.db
    """
    from cleaner.archive.runs import merge_run

    sys.exit(merge_run(out, shards, learn=use_templates))


@click.command(cls=Command)
@db_argument
@click.option(
    "--all", "all_rows", is_flag=True, help="Re-clean every article, not only stale ones."
)
@debug_option
@rule_options
@limit_options
@templates_option
@quiet_option
def reclean(
    db: str, ruleset: Ruleset, all_rows: bool, use_templates: bool, quiet: bool, debug: bool
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
    from cleaner.archive.runs import reclean_run

    run = reclean_run(db, ruleset, all_rows=all_rows, learn=use_templates, quiet=quiet, debug=debug)
    sys.exit(run)


@click.command(cls=Command)
@db_argument
@click.argument("query")
@click.option(
    "--limit",
    type=click.IntRange(1, 10_000),
    default=10,
    show_default=True,
    help="At most this many results.",
)
@language_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "jsonl", "csv"]),
    default="text",
    show_default=True,
    help="text: numbered hits; jsonl: one object per hit; csv: a header row, one row per hit.",
)
@click.option("--all", "all_copies", is_flag=True, help="Show every copy of duplicated stories.")
@debug_option
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
    failed = f"{db}: search failed: "  # sqlite3.Error: a damaged archive, not the query
    with Archive(db, write=False) as arc, usage_errors(debug, also=Exception, prefix=failed):
        if warning := language_warning(arc, language):
            click.echo(warning, err=True)
        marks = marks_for(sys.stdout, fmt)
        hits = lib.search(
            arc, query, limit=limit, language=language, all_copies=all_copies, marks=marks
        )
    if fmt == "csv":
        write_hits_csv(sys.stdout, hits)
        return
    for line in hits_lines(hits, fmt):
        click.echo(line)
    if not hits and fmt == "text":
        click.echo("cleaner: no matches", err=True)


@click.command(cls=Command)
@db_argument
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["jsonl", "text", "csv"]),
    default="jsonl",
    show_default=True,
    help="jsonl: SPEC records; text: texts separated by a form feed; csv: a header row, "
    "one row per article (removals as JSON).",
)
@language_option
@click.option(
    "--since",
    metavar="YYYY-MM-DD",
    callback=_since,
    help="Only articles published on or after this date.",
)
@click.option("--unique", is_flag=True, help="Leave out duplicates of earlier articles.")
@debug_option
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
    failed = f"{db}: export failed: "  # a damaged archive: one line (a full disk is run_cli's)
    with Archive(db, write=False) as arc, usage_errors(debug, also=sqlite3.Error, prefix=failed):
        if warning := language_warning(arc, language):
            click.echo(warning, err=True)
        records = lib.iter_records(arc, language=language, since=since, unique=unique)
        write_records(sys.stdout, records, fmt)
        sys.stdout.flush()


@click.command(cls=Command)
@db_argument
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
@debug_option
def serve(db: str, port: int, host: str, allow_sql: bool, i_know: bool, debug: bool) -> None:
    """Browse, search and read DB in Datasette, read-only, while it may still be written.

    \b
    Examples:
      cleaner serve news.db                 # then open http://127.0.0.1:8001/news/search
      cleaner serve news.db --port 9000
      cleaner serve news.db --allow-sql     # also let visitors run SQL queries
    """
    from cleaner.archive.serve import serve as serve_archive

    say = functools.partial(click.echo, err=True)
    serve_archive(db, host, port, allow_sql=allow_sql, i_know=i_know, say=say)
