"""Full-text search and export: the queries, and the hits and records as the CLI prints them.

A user's query is never handed to FTS5 as syntax, and never spliced into SQL: each word or
"quoted phrase" becomes a quoted FTS5 string (a trailing `*` stays a prefix search), upper-case
AND/OR/NOT between two terms stay operators, and a stray quote is dropped. So `Kwork.ru`,
`e-mail`, `C++` and `"` all work, and the MATCH string is always bound as a parameter.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from functools import lru_cache
from typing import IO, Any, NamedTuple

from cleaner.archive.fold import fold
from cleaner.archive.schema import RECORD_COLUMNS
from cleaner.archive.store import Archive

from cleaner.document import RECORD_FIELDS
from cleaner.render import dumps, write_csv

# A "quoted phrase" (a `*` right after its closing quote keeps it a prefix search, so the
# expression build_match returns means the same when typed again), or a bare word.
_TOKEN = re.compile(r'"([^"]*)"(\*?)|([^\s"]+)')
_WORDISH = re.compile(r"\w")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")  # FTS5 stops reading its expression at a NUL
_OPERATORS = ("AND", "OR", "NOT")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# ISO 639-1 (or -3) codes, with langdetect's region suffix (zh-cn)
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[a-z]{2,4})?$")
# A record's fields (one list for JSON, the archive and CSV: a copy once lacked `modified`),
# then what the archive adds; `removed` last, as it is the widest cell.
EXPORT_COLUMNS = (
    *(name for name in RECORD_FIELDS if name != "removed"),
    "fetched_at",
    "archived_at",
    "duplicate_of",
    "removed",
)


def _quote(term: str) -> str | None:
    """One FTS5 string for a term; None when it holds nothing the tokenizer would index."""
    prefix = term.endswith("*")
    term = term.rstrip("*")
    if not _WORDISH.search(term):
        return None
    quoted = '"' + term.replace('"', '""') + '"'
    return quoted + "*" if prefix else quoted


@lru_cache(maxsize=256)
def build_match(query: str) -> str | None:
    """The FTS5 MATCH expression for what a user typed, or None when nothing is searchable."""
    tokens: list[tuple[str, str]] = []
    for phrase, star, word in _TOKEN.findall(_CONTROL.sub(" ", fold(query))):
        if word in _OPERATORS:
            tokens.append(("op", word))
            continue
        quoted = _quote(phrase + star if phrase else word)
        if quoted:
            tokens.append(("term", quoted))
    out: list[str] = []
    last_was_term = False
    for i, (kind, value) in enumerate(tokens):
        if kind == "op":
            following = tokens[i + 1][0] if i + 1 < len(tokens) else None
            if last_was_term and following == "term":
                out.append(value)
                last_was_term = False
                continue
            value = f'"{value}"'  # a dangling operator is just the word
        out.append(value)
        last_was_term = True
    return " ".join(out) if out and last_was_term else None


class Hit(NamedTuple):
    """One search result, best first (a row of the search statement, as it comes)."""

    id: int
    doc_id: str | None
    title: str | None
    url: str | None
    source: str | None
    language: str | None
    published: str | None
    publisher: str | None
    duplicate_of: int | None
    score: float
    snippet: str

    def to_dict(self) -> dict[str, Any]:
        return self._asdict()


class Statement(NamedTuple):
    """The search statement and its parameters, for any SQLite runner (sqlite3, Datasette)."""

    sql: str
    params: tuple[object, ...]


def statement(
    query: str,
    *,
    limit: int = 10,
    offset: int = 0,
    language: str | None = None,
    all_copies: bool = False,
    marks: tuple[str, str] = ("[", "]"),
    snippet_tokens: int = 24,
) -> Statement | None:
    """The ranked search for what a user typed, or None when it searches nothing.

    The one place a query becomes SQL: `search()` runs it here, and the Datasette search page
    (archive.web) runs it through Datasette's own connection and time limit.
    """
    match = build_match(query)
    if match is None or limit <= 0:
        return None
    params: tuple[object, ...] = (*marks, snippet_tokens, match)
    if language:
        params += (language,)
    return Statement(_search_sql(bool(language), all_copies), (*params, limit, max(offset, 0)))


def hit(row: tuple[Any, ...]) -> Hit:
    """A row of the search statement as a Hit (score: higher is better)."""
    return Hit._make((*row[:9], -row[9], row[10] or ""))


def search(
    archive: Archive,
    query: str,
    *,
    limit: int = 10,
    language: str | None = None,
    all_copies: bool = False,
    marks: tuple[str, str] = ("[", "]"),
    snippet_tokens: int = 24,
) -> list[Hit]:
    """bm25-ranked hits (title weighted above text), each story once unless `all_copies`."""
    found = statement(
        query,
        limit=limit,
        language=language,
        all_copies=all_copies,
        marks=marks,
        snippet_tokens=snippet_tokens,
    )
    if found is None:
        return []
    return [hit(row) for row in archive.conn.execute(found.sql, found.params).fetchall()]


@lru_cache(maxsize=4)
def _search_sql(by_language: bool, all_copies: bool) -> str:
    """The search statement, built once per filter combination (its fixed cost is per query)."""
    where = ["articles_fts MATCH ?"]
    if by_language:
        where.append("a.language = ?")
    if not all_copies:
        where.append("a.duplicate_of IS NULL")
    return (
        "SELECT a.id, a.doc_id, a.title, a.url, a.source, a.language, a.published, "
        "a.publisher, a.duplicate_of, articles_fts.rank, "
        "snippet(articles_fts, -1, ?, ?, '…', ?) "
        "FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid "
        f"WHERE {' AND '.join(where)} ORDER BY articles_fts.rank LIMIT ? OFFSET ?"
    )


def iter_records(
    archive: Archive,
    *,
    language: str | None = None,
    since: str | None = None,
    unique: bool = False,
) -> Iterator[dict[str, Any]]:
    """Stored articles as SPEC.md records (plus `archived_at`, `duplicate_of`), streaming."""
    where, params = ["1"], []
    if language:
        where.append("language = ?")
        params.append(language)
    if since:
        where.append("published >= ?")
        params.append(since)
    if unique:
        where.append("duplicate_of IS NULL")
    columns = ", ".join(("id", *RECORD_COLUMNS, "extra", "archived_at", "duplicate_of"))
    cursor = archive.conn.execute(
        f"SELECT {columns} FROM articles WHERE {' AND '.join(where)} ORDER BY id", params
    )
    names = [d[0] for d in cursor.description]
    for row in cursor:
        values = dict(zip(names, row, strict=True))
        record: dict[str, Any] = json.loads(values.pop("extra") or "{}")
        article_id = values.pop("id")
        record["fetched_at"] = values.pop("fetched_at")  # always, as Document.to_record
        doc_id = values.pop("doc_id")
        values["id"] = record.get("id", doc_id)  # the input's own id, unchanged (7 stays 7)
        values["paywalled"] = bool(values["paywalled"])
        removed = archive.conn.execute(
            "SELECT rule, category, line, text FROM removals WHERE article_id = ? ORDER BY id",
            (article_id,),
        ).fetchall()
        for name in RECORD_FIELDS[: RECORD_FIELDS.index("removed")]:
            record[name] = values[name]
        record["removed"] = [
            {"rule": r, "category": c, "line": n, "text": t} for r, c, n, t in removed
        ]
        for name in (
            "raw_sha256",
            "cleaner_version",
            "ruleset_version",
            "archived_at",
            "duplicate_of",
        ):
            record[name] = values[name]
        yield record


def language_code(value: str) -> str | None:
    """`value` as the archive stores language codes (lower case: `EN` means en), or None
    when it cannot be a language code (then a filter on it is a mistake, not a search)."""
    code = value.strip().lower()
    return code if _LANGUAGE.match(code) else None


def is_day(value: str) -> bool:
    """Whether `value` is a date written YYYY-MM-DD (what `published` is compared with)."""
    if not _DAY.match(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def languages_if_absent(archive: Archive, language: str) -> list[str] | None:
    """None when the archive holds an article in `language`; else the languages it holds
    (at most 30), so that an empty result can say why."""
    if archive.conn.execute(
        "SELECT 1 FROM articles WHERE language = ? LIMIT 1", (language,)
    ).fetchone():
        return None
    return [
        row[0]
        for row in archive.conn.execute(
            "SELECT DISTINCT language FROM articles WHERE language IS NOT NULL "
            "ORDER BY language LIMIT 30"
        )
    ]


def language_warning(archive: Archive, language: str | None) -> str | None:
    """The warning line for a `language` filter the archive holds no article in (None when
    it holds one, or no language was asked for): an empty result then says why."""
    present = None if language is None else languages_if_absent(archive, language)
    if present is None:
        return None
    return (
        f"cleaner: warning: no articles in language {language!r} "
        f"(the archive has: {', '.join(present) or 'none'})"
    )


def marks_for(stream: IO[str], fmt: str) -> tuple[str, str]:
    """How a snippet marks the words found: bold on a terminal for "text", else brackets."""
    return ("\x1b[1m", "\x1b[0m") if fmt == "text" and stream.isatty() else ("[", "]")


def hits_lines(hits: Sequence[Hit], fmt: str) -> list[str]:
    """The hits as `cleaner search` prints them: "jsonl" one JSON object a line; "text" each
    hit's `hit_lines`, a blank line between two hits. (CSV is `write_hits_csv`.)"""
    if fmt == "jsonl":
        return [dumps(hit.to_dict()) for hit in hits]
    lines: list[str] = []
    for n, hit in enumerate(hits, 1):
        lines += ([""] if n > 1 else []) + hit_lines(n, hit)
    return lines


def hit_lines(rank: int, hit: Hit) -> list[str]:
    """A hit as `cleaner search` prints it: rank and title (with language, date and
    publisher), its address, and the snippet on one line."""
    facts = ", ".join(x for x in (hit.language, hit.published, hit.publisher) if x)
    return [
        f"{rank}. {hit.title or '(no title)'}" + (f"  ({facts})" if facts else ""),
        f"   {hit.url or hit.source}",
        f"   {' '.join(hit.snippet.split())}",
    ]


def write_hits_csv(stream: IO[str], hits: Sequence[Hit]) -> int:
    """The hits as CSV: a header row, then one row per hit with its rank first."""
    rows = [{"rank": n, **hit.to_dict()} for n, hit in enumerate(hits, 1)]
    columns = ["rank", *(hits[0].to_dict() if hits else Hit._fields)]
    return write_csv(stream, columns, rows)


def write_records(stream: IO[str], records: Iterable[dict[str, Any]], fmt: str) -> None:
    """Exported records as `cleaner export` writes them: "jsonl" one JSON object a line,
    "csv" the EXPORT_COLUMNS, "text" the texts separated by a form-feed line."""
    if fmt == "csv":
        write_csv(stream, EXPORT_COLUMNS, records)
        return
    first = True
    for record in records:
        if fmt == "jsonl":
            stream.write(dumps(record) + "\n")
        else:
            stream.write(("" if first else "\f\n") + record["text"] + "\n")
        first = False
