"""The archive file: opening it safely, and writing batches of cleaned documents atomically.

Every write happens in one `BEGIN IMMEDIATE` transaction per batch (WAL mode, long busy
timeout), so concurrent writers queue instead of failing, a killed process loses at most the
batch it was writing, and the raw bytes, the article, its removals and its FTS row always
appear together or not at all.
"""

from __future__ import annotations

import contextlib
import json
import operator
import os
import socket
import sqlite3
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from cleaner.archive.schema import RECORD_COLUMNS, migrate

from cleaner.errors import ArchiveError

if TYPE_CHECKING:
    from cleaner.archive.dedupe import Signature

    from cleaner.document import Document

# Writing needs sqlite-utils, archive.dedupe (numpy) and cleaner.templates; reading does not,
# so they are imported where written: `cleaner search` and `export` start in a tenth of the time.

SQLITE_HEADER = b"SQLite format 3\x00"
BUSY_TIMEOUT_S = 120.0
CACHE_KIB = 32 * 1024  # writers' page cache
# Articles are kilobytes of text, raw pages tens of kilobytes, and FTS5 writes its index in
# blobs of several kilobytes: with 16 KiB pages (not SQLite's default 4 KiB) fewer rows spill
# onto overflow pages, and a batch is written ~15% faster (measured; scripts/archive_bench.py).
PAGE_SIZE = 16384

V = TypeVar("V", str, int)  # a column value that `present` looks up


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(slots=True)
class Pending:
    """A cleaned document with its raw bytes, ready to write.

    The duplicate keys (exact hash, MinHash) are computed for a whole batch at once, before
    the write lock is taken (`fingerprint`), unless given.
    """

    doc: Document
    raw: bytes
    kind: str = "auto"
    text_sha: str | None = None
    sig: Signature | None = None
    article_id: int | None = None  # set when re-cleaning an existing row
    hashed: bool = False

    @classmethod
    def of(cls, doc: Document | Fingerprinted, raw: bytes, kind: str = "auto") -> Pending:
        if isinstance(doc, Fingerprinted):
            return cls(doc.doc, raw, kind, doc.text_sha, doc.sig, hashed=True)
        return cls(doc, raw, kind)


@dataclass(slots=True)
class Fingerprinted:
    """A cleaned document with its duplicate keys, computed where it was cleaned.

    `cleaner archive --jobs N` has its workers hash what they clean (see `fingerprinted`),
    so the one process that writes, SQLite's single writer, only writes.
    """

    doc: Document
    text_sha: str | None
    sig: Signature | None
    # The document's site and line keys for the archive's template counts, when learning.
    site_keys: tuple[str | None, frozenset[int]] | None = None


def fingerprinted(docs: Sequence[Document], *, site_keys: bool = False) -> list[Fingerprinted]:
    """Each document with its duplicate keys, in one vectorised pass over all of them; with
    `site_keys`, also its site and line keys (cleaner.templates.site_and_keys)."""
    from cleaner.archive.dedupe import fingerprints

    from cleaner.templates import site_and_keys

    keys = fingerprints([doc.text for doc in docs])
    return [
        Fingerprinted(doc, sha, sig, site_and_keys(doc) if site_keys else None)
        for doc, (sha, sig) in zip(docs, keys, strict=True)
    ]


def fingerprint(batch: Sequence[Pending]) -> None:
    """Fill in the duplicate keys of the items that lack them, in one vectorised pass."""
    from cleaner.archive.dedupe import fingerprints

    todo = [item for item in batch if not item.hashed]
    for item, (sha, sig) in zip(todo, fingerprints([i.doc.text for i in todo]), strict=True):
        item.text_sha, item.sig, item.hashed = sha, sig, True


@dataclass(slots=True)
class Counts:
    """What one run (or one batch) did."""

    added: int = 0
    already_stored: int = 0
    duplicates: int = 0
    updated: int = 0
    failed: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)

    def add(self, other: Counts) -> None:
        self.added += other.added
        self.already_stored += other.already_stored
        self.duplicates += other.duplicates
        self.updated += other.updated
        self.failed += other.failed


def _check_file(path: Path, write: bool, create: bool = True) -> bool:
    """Refuse what is not an archive before SQLite half-opens it; True when the file is new."""
    if path.is_dir():
        raise ArchiveError(f"{path}: is a directory, not a database file")
    if not path.exists():
        if not write or not create:
            raise ArchiveError(f"{path}: no such archive")
        return True
    try:
        with open(path, "rb") as handle:
            head = handle.read(16)
    except OSError as exc:
        raise ArchiveError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    if not head:
        if write and create:
            return True
        raise ArchiveError(f"{path}: not a cleaner archive (an empty file)")
    if head != SQLITE_HEADER:
        raise ArchiveError(f"{path}: not a SQLite database")
    # The mode bits count too: root may write anything, but a file marked read-only is not
    # meant to be changed.
    if write and (not os.access(path, os.W_OK) or not path.stat().st_mode & 0o222):
        raise ArchiveError(f"{path}: the database file is read-only")
    return False


def _recognise(path: Path, *, force: bool, write: bool) -> None:
    """Refuse a SQLite database that is not an archive, before anything writes to it.

    It is read through a read-only connection: no journal mode switched, no table added. A
    database without tables may become an archive; one with other tables only with `force`
    (the archive's tables are added beside them), and never one whose tables clash.
    """
    try:
        conn = _connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise ArchiveError(f"{path}: cannot open: {exc}") from exc
    try:
        names = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        ours = (
            "_migrations" in names
            and conn.execute("SELECT 1 FROM _migrations WHERE name = '001_initial'").fetchone()
        )
    except sqlite3.Error as exc:
        reason = "not a SQLite database" if "not a database" in str(exc) else str(exc)
        raise ArchiveError(f"{path}: {reason}") from exc
    finally:
        conn.close()
    if ours:
        return
    if not names:
        if write:
            return
        raise ArchiveError(f"{path}: not a cleaner archive (a database without tables)")
    shown = ", ".join(sorted(names)[:5]) + (", ..." if len(names) > 5 else "")
    clash = sorted(set(names) & _ARCHIVE_TABLES)
    if write and force and not clash:
        return
    hint = ""
    if write and clash:
        hint = f"; its table(s) {', '.join(clash)} would clash with the archive's"
    elif write:
        hint = "; --force adds the archive's tables to it"
    raise ArchiveError(f"{path}: not a cleaner archive (it holds other tables: {shown}){hint}")


_ARCHIVE_TABLES = frozenset(
    {"_migrations", "articles", "raw_documents", "runs", "removals", "lsh_bands", "minhashes"}
    | {"articles_fts", "site_templates", "site_template_counts", "site_template_documents"}
)


def _owner() -> str:
    """Who runs a run: `host:pid`, to tell on the next start whether it is still alive."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _alive(owner: str | None) -> bool:
    """False only when the run's process is certainly gone (same host, no such process)."""
    if not owner or ":" not in owner:
        return True  # an older row, or another format: cannot tell
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True


def _connect(target: str, *, uri: bool = False) -> sqlite3.Connection:
    conn = sqlite3.connect(
        target, timeout=BUSY_TIMEOUT_S, isolation_level=None, uri=uri, check_same_thread=False
    )
    conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
    return conn


def _create(path: Path) -> None:
    """Build the schema in a private file, then link it into place: creation is atomic."""
    import sqlite_utils

    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        conn = _connect(str(tmp))
        # A private file until it is linked: no journal and no syncs while it is built (a
        # crash leaves only a stray temporary file), then WAL and one fsync before linking.
        conn.execute("PRAGMA journal_mode = MEMORY")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")  # before the first table
        migrate(sqlite_utils.Database(conn))
        conn.execute("PRAGMA journal_mode = WAL")
        conn.close()
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        if path.exists() and path.stat().st_size == 0:  # an empty file: take its place
            os.replace(tmp, path)
        else:  # never replace a file another process may already be writing
            with contextlib.suppress(FileExistsError):  # another process was first: use theirs
                os.link(tmp, path)
    except OSError as exc:
        raise ArchiveError(f"{path}: cannot create the archive: {exc.strerror or exc}") from exc
    except sqlite3.Error as exc:
        raise ArchiveError(f"{path}: cannot create the archive: {exc}") from exc
    finally:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{tmp}{suffix}").unlink(missing_ok=True)


def present(conn: sqlite3.Connection, table: str, column: str, values: Sequence[V]) -> set[V]:
    """Which of `values` the (indexed) column already holds: one query for a whole batch."""
    return {
        row[0]
        for row in conn.execute(
            f"SELECT {column} FROM {table} WHERE {column} IN (SELECT value FROM json_each(?))",
            (json.dumps(values),),
        )
    }


def raw_rows(
    conn: sqlite3.Connection, where: str, params: Sequence[Any]
) -> list[tuple[int, bytes, dict[str, Any]]]:
    """(article id, raw bytes, provenance) of the articles matching `where` (SQL over `a`, the
    articles, and `r`, their raw documents): what re-cleaning needs to clean them again."""
    rows = conn.execute(
        "SELECT a.id, r.raw, r.codec, r.kind, r.source, r.doc_id, r.url, r.fetched_at, r.extra "
        f"FROM articles a JOIN raw_documents r ON r.raw_sha256 = a.raw_sha256 WHERE {where}",
        params,
    ).fetchall()
    from cleaner.archive.rawstore import unpack

    out = []
    for aid, raw, codec, kind, source, doc_id, url, fetched_at, extra in rows:
        meta = {
            "kind": kind or "auto",
            "source": source or "-",
            "doc_id": doc_id,
            "url": url,
            "fetched_at": fetched_at,
            "extra": json.loads(extra) if extra else {},
        }
        out.append((int(aid), unpack(raw, codec), meta))
    return out


class Archive:
    """An open archive. `write=False` opens it read-only (search, export).

    A missing file is created when writing, unless `create` is false (re-cleaning a typo
    must not make an empty archive). An existing SQLite database is recognised before
    anything is written to it: one with other tables is refused unless `force`.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        write: bool = True,
        create: bool = True,
        force: bool = False,
    ) -> None:
        self.path = Path(path)
        self.write = write
        new = _check_file(self.path, write, create)
        if not new:
            _recognise(self.path, force=force, write=write)
        try:
            if new:
                _create(self.path)
            if write:
                self.conn = _connect(str(self.path))
            else:
                self.conn = _connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True)
            self.conn.execute("PRAGMA synchronous = NORMAL")
            self.conn.execute("PRAGMA recursive_triggers = ON")  # FTS triggers on REPLACE
            if write:
                import sqlite_utils

                self.db = sqlite_utils.Database(self.conn)
                self.conn.execute("PRAGMA journal_mode = WAL")
                # A batch touches index pages all over the file (hash keys): a page cache
                # that holds them saves re-reading them within the batch.
                self.conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
                migrate(self.db)
            elif not self.conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'articles'"
            ).fetchone():
                raise ArchiveError(f"{self.path}: not a cleaner archive (no articles table)")
        except sqlite3.Error as exc:
            raise self.error(exc) from exc

    def error(self, exc: sqlite3.Error, doing: str = "") -> ArchiveError:
        """One clear line for a SQLite failure."""
        reason = str(exc)
        if "readonly" in reason:
            reason = "the database is read-only"
        elif "not a database" in reason:
            reason = "not a SQLite database"
        elif "full" in reason:
            reason = "database or disk is full"
        prefix = f"{doing}: " if doing else ""
        return ArchiveError(f"{self.path}: {prefix}{reason}")

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- runs ----------------------------------------------------------------------------

    def start_run(self, command: str, inputs: Sequence[str], ruleset_version: str) -> int:
        from cleaner import __version__

        try:
            owned = self._runs_have_owner()
            if owned:
                self.mark_interrupted()
            cur = self.conn.execute(
                "INSERT INTO runs (command, started_at, status, cleaner_version, "
                f"ruleset_version, inputs{', owner' if owned else ''}) "
                f"VALUES (?, ?, 'running', ?, ?, ?{', ?' if owned else ''})",
                (
                    command,
                    utc_now(),
                    __version__,
                    ruleset_version,
                    json.dumps(list(inputs)),
                    *((_owner(),) if owned else ()),
                ),
            )
        except sqlite3.Error as exc:
            raise self.error(exc, "cannot start a run") from exc
        return int(cur.lastrowid or 0)

    def _runs_have_owner(self) -> bool:
        """Migration 005 applied (a read-only or older archive may lack the column)."""
        return any(row[1] == "owner" for row in self.conn.execute("PRAGMA table_info(runs)"))

    def mark_interrupted(self) -> int:
        """Runs left `running` by a process that is gone (killed, crashed) become
        `interrupted`; their committed batches stay. Returns how many were marked."""
        dead = [
            run_id
            for run_id, owner in self.conn.execute(
                "SELECT id, owner FROM runs WHERE status = 'running'"
            )
            if not _alive(owner)
        ]
        if dead:
            self.conn.executemany(
                "UPDATE runs SET status = 'interrupted', ended_at = coalesce(ended_at, ?) "
                "WHERE id = ? AND status = 'running'",
                [(utc_now(), run_id) for run_id in dead],
            )
        return len(dead)

    def finish_run(self, run_id: int, status: str, failed: int = 0) -> None:
        # The data is committed already; a missing end time must not hide that.
        with contextlib.suppress(sqlite3.Error):
            self.conn.execute(
                "UPDATE runs SET ended_at = ?, status = ?, failed = failed + ? WHERE id = ?",
                (utc_now(), status, failed, run_id),
            )

    # --- reading -------------------------------------------------------------------------

    def has_raw(self, raw_sha256: str) -> bool:
        return self.has_raw_in(self.conn, raw_sha256)

    @staticmethod
    def has_raw_in(conn: sqlite3.Connection, raw_sha256: str) -> bool:
        row = conn.execute(
            "SELECT 1 FROM raw_documents WHERE raw_sha256 = ?", (raw_sha256,)
        ).fetchone()
        return row is not None

    def reader(self) -> sqlite3.Connection:
        """A second, read-only connection (for another thread); it sees committed data."""
        return _connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True)

    def stale_raw(
        self, after_id: int, limit: int, version: tuple[str, str] | None
    ) -> list[tuple[int, bytes, dict[str, Any]]]:
        """Articles after `after_id` with their raw bytes and provenance, for re-cleaning.

        `version` = (cleaner_version, ruleset_version): skip rows already cleaned with it.
        """
        where = "a.id > ?"
        params: list[Any] = [after_id]
        if version is not None:
            where += " AND (a.cleaner_version IS NOT ? OR a.ruleset_version IS NOT ?)"
            params += list(version)
        return raw_rows(self.conn, f"{where} ORDER BY a.id LIMIT ?", [*params, limit])

    def count_stale(self, version: tuple[str, str] | None) -> int:
        """How many articles `stale_raw` will return (a progress bar's total)."""
        sql, params = "SELECT count(*) FROM articles", []
        if version is not None:
            sql += " WHERE cleaner_version IS NOT ? OR ruleset_version IS NOT ?"
            params = list(version)
        return int(self.conn.execute(sql, params).fetchone()[0])

    def stats(self) -> dict[str, int]:
        """Row counts, including the FTS index (a consistency check after faults)."""
        q = self.conn.execute
        return {
            "articles": q("SELECT count(*) FROM articles").fetchone()[0],
            "raw_documents": q("SELECT count(*) FROM raw_documents").fetchone()[0],
            "fts": q("SELECT count(*) FROM articles_fts").fetchone()[0],
            "runs": q("SELECT count(*) FROM runs").fetchone()[0],
        }

    # --- writing -------------------------------------------------------------------------

    def write_batch(
        self, run_id: int, batch: Sequence[Pending], failed: int = 0, skipped: int = 0
    ) -> Counts:
        """Store new documents in one transaction; raw bytes already stored are skipped.

        `failed` and `skipped` (inputs not cleaned because already stored) are added to the
        run's counts in the same transaction, so the run row never disagrees with the data.
        Each table gets one `executemany` per batch, and the duplicate look-ups are two
        queries per batch, not a few per document.
        """
        counts = Counts(failed=failed, already_stored=skipped)
        fingerprint(batch)
        return self._transaction(run_id, counts, lambda: self._insert_new(run_id, batch, counts))

    def update_batch(self, run_id: int, batch: Sequence[Pending], failed: int = 0) -> Counts:
        """Replace re-cleaned articles (text, metadata, removals, FTS) in one transaction."""
        counts = Counts(failed=failed)
        fingerprint(batch)
        return self._transaction(run_id, counts, lambda: self._update(run_id, batch, counts))

    def _transaction(self, run_id: int, counts: Counts, write: Callable[[], None]) -> Counts:
        """Run `write` and add `counts` to the run in one `BEGIN IMMEDIATE` transaction."""
        conn = self.conn
        try:
            conn.execute("BEGIN IMMEDIATE")
            write()
            self._count(run_id, counts)
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            self._rollback()
            raise self.error(exc, "nothing from the current batch was written") from exc
        except BaseException:
            self._rollback()
            raise
        return counts

    def _insert_new(self, run_id: int, batch: Sequence[Pending], counts: Counts) -> None:
        conn = self.conn
        shas = [item.doc.raw_sha256 for item in batch]
        stored = present(conn, "raw_documents", "raw_sha256", shas)
        fresh: list[Pending] = []
        for item, sha in zip(batch, shas, strict=True):
            if sha in stored:  # stored meanwhile by another process, or earlier in the batch
                counts.already_stored += 1
                continue
            stored.add(sha)
            fresh.append(item)
        if not fresh:
            return
        # We hold the write lock, so max(id) + 1... are ours: ids known before inserting let
        # every table be written with one executemany.
        first_id = int(conn.execute("SELECT coalesce(max(id), 0) + 1 FROM articles").fetchone()[0])
        ids = range(first_id, first_id + len(fresh))
        from cleaner.archive.dedupe import find_originals, index_signatures

        originals = find_originals(conn, [(i.text_sha, i.sig) for i in fresh], first_id)
        now = utc_now()
        conn.executemany(
            "INSERT INTO raw_documents (raw_sha256, raw, codec, size, content_type, encoding, "
            "kind, source, doc_id, url, fetched_at, extra, archived_at, run_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [_raw_row(item, now, run_id) for item in fresh],
        )
        _insert_articles(
            conn,
            [
                (*_article_row(item.doc, item), now, run_id, aid, original)
                for item, aid, original in zip(fresh, ids, originals, strict=True)
            ],
        )
        self._insert_removals(zip(ids, (item.doc for item in fresh), strict=True))
        index_signatures(conn, [(aid, item.sig) for aid, item in zip(ids, fresh, strict=True)])
        counts.added += len(fresh)
        counts.duplicates += sum(original is not None for original in originals)

    def _update(self, run_id: int, batch: Sequence[Pending], counts: Counts) -> None:
        from cleaner.archive.dedupe import find_originals, index_signatures

        conn = self.conn
        for item in batch:
            assert item.article_id is not None
            doc, aid = item.doc, item.article_id
            # Older rows only: the first copy of a story stays the original.
            (original,) = find_originals(conn, [(item.text_sha, item.sig)], aid)
            values = self._article_values(doc, item)
            sets = ", ".join(f"{name} = ?" for name in values)
            conn.execute(
                f"UPDATE articles SET {sets}, run_id = ?, duplicate_of = ? WHERE id = ?",
                [*values.values(), run_id, original, aid],
            )
            conn.execute("DELETE FROM removals WHERE article_id = ?", (aid,))
            self._insert_removals([(aid, doc)])
            index_signatures(conn, [(aid, item.sig)], replace=True)
            counts.updated += 1
            counts.duplicates += original is not None
        self._recheck_copies([item.article_id for item in batch if item.article_id is not None])

    def _recheck_copies(self, changed: Sequence[int]) -> None:
        """Articles marked as copies of a re-cleaned article are compared again.

        The original's text may have changed (new rules, a learned template) while its copy
        was not re-cleaned: `duplicate_of` would point at a text it no longer resembles, and
        search would hide the copy. Each is matched afresh against the older rows (its stored
        signature, no re-cleaning).
        """
        import numpy as np
        from cleaner.archive.dedupe import Signature, find_originals

        conn = self.conn
        done = set(changed)
        rows = conn.execute(
            "SELECT a.id, a.text_sha256, m.signature FROM articles a "
            "LEFT JOIN minhashes m ON m.article_id = a.id "
            "WHERE a.duplicate_of IN (SELECT value FROM json_each(?)) ORDER BY a.id",
            (json.dumps(sorted(done)),),
        ).fetchall()
        for aid, sha, blob in rows:
            if aid in done:
                continue  # re-cleaned in this batch: its original was found afresh
            sig = Signature.of(np.frombuffer(blob, dtype="<u4")) if blob else None
            (original,) = find_originals(conn, [(sha, sig)], aid)
            conn.execute("UPDATE articles SET duplicate_of = ? WHERE id = ?", (original, aid))

    def _rollback(self) -> None:
        if self.conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                self.conn.execute("ROLLBACK")

    def _count(self, run_id: int, c: Counts) -> None:
        self.conn.execute(
            "UPDATE runs SET added = added + ?, already_stored = already_stored + ?, "
            "duplicates = duplicates + ?, updated = updated + ?, failed = failed + ? "
            "WHERE id = ?",
            (c.added, c.already_stored, c.duplicates, c.updated, c.failed, run_id),
        )

    @staticmethod
    def _article_values(doc: Document, item: Pending) -> dict[str, Any]:
        return dict(zip(ARTICLE_COLUMNS, _article_row(doc, item), strict=True))

    def _insert_removals(self, articles: Iterable[tuple[int, Document]]) -> None:
        self.conn.executemany(
            "INSERT INTO removals (article_id, rule, category, line, text) VALUES (?, ?, ?, ?, ?)",
            [
                (article_id, r.rule, r.category, r.line, r.text)
                for article_id, doc in articles
                for r in doc.removed
            ],
        )


ARTICLE_COLUMNS = (*RECORD_COLUMNS, "text_sha256", "extra", "folded")
_INSERTED_COLUMNS = (*ARTICLE_COLUMNS, "archived_at", "run_id", "id", "duplicate_of")
_INSERT_ARTICLES = f"INSERT INTO articles ({', '.join(_INSERTED_COLUMNS)}) VALUES "
_ROW_MARKS = f"({', '.join('?' * len(_INSERTED_COLUMNS))})"


def _insert_articles(conn: sqlite3.Connection, rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert `_INSERTED_COLUMNS` rows with as few statements as SQLite's bound-variable limit
    allows, not one per row.

    The full-text trigger writes to FTS5, and FTS5 flushes its pending terms to a new index
    segment at every statement's savepoint: one statement per row meant a segment per article
    and the merging that follows, nearly doubling the cost of a batch.
    """
    limit = conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    per_statement = max(1, limit // len(_INSERTED_COLUMNS))
    for start in range(0, len(rows), per_statement):
        part = rows[start : start + per_statement]
        conn.execute(
            _INSERT_ARTICLES + ", ".join([_ROW_MARKS] * len(part)),
            [value for row in part for value in row],
        )


_RECORD_VALUES = operator.attrgetter(*("id" if n == "doc_id" else n for n in RECORD_COLUMNS))


def _article_row(doc: Document, item: Pending) -> tuple[Any, ...]:
    """The `ARTICLE_COLUMNS` of a document (booleans go in as 0/1, as SQLite stores them)."""
    from cleaner.archive.dedupe import folded_column

    extra = json.dumps(doc.extra, ensure_ascii=False) if doc.extra else None
    return (*_RECORD_VALUES(doc), item.text_sha, extra, folded_column(doc.title, doc.text))


def _raw_row(item: Pending, now: str, run_id: int) -> tuple[Any, ...]:
    from cleaner.archive.rawstore import pack

    doc = item.doc
    extra = json.dumps(doc.extra, ensure_ascii=False) if doc.extra else None
    return (
        doc.raw_sha256,
        *pack(item.raw),  # raw, codec
        len(item.raw),
        doc.content_type,
        doc.encoding,
        item.kind,
        doc.source,
        doc.id,
        doc.url,
        doc.fetched_at,
        extra,
        now,
        run_id,
    )
