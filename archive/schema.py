"""The archive's tables, as numbered migrations.

Each migration runs once and is recorded in `_migrations`, so an old archive is upgraded in
place. A new archive is built by running them all on a private file that is then linked into
place (see `store._create`), because sqlite-utils' `enable_fts` commits as it goes. Later
migrations run on the live file inside `BEGIN IMMEDIATE`, so they must use plain statements
(no `executescript`, which commits) to stay all-or-nothing.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported where needed: reading an archive loads neither (nor numpy)
    import sqlite_utils

# Article columns copied straight from the JSON record (SPEC.md); `id` there becomes `doc_id`
# here because the table's own `id` is an INTEGER PRIMARY KEY (stable FTS rowids).
RECORD_COLUMNS: tuple[str, ...] = (
    "doc_id",
    "source",
    "url",
    "title",
    "text",
    "language",
    "language_probability",
    "published",
    "page_date",
    "publisher",
    "category",
    "author",
    "published_source",
    "modified",
    "modified_source",
    "paywalled",
    "raw_sha256",
    "cleaner_version",
    "ruleset_version",
    "fetched_at",
)

FTS_COLUMNS = ["title", "text", "folded"]


def _m001_initial(db: sqlite_utils.Database) -> None:
    db.execute(
        """
        CREATE TABLE raw_documents (
            raw_sha256 TEXT PRIMARY KEY,
            raw BLOB NOT NULL,
            size INTEGER NOT NULL,
            content_type TEXT,
            encoding TEXT,
            kind TEXT,
            source TEXT,
            doc_id TEXT,
            url TEXT,
            fetched_at TEXT,
            extra TEXT,
            archived_at TEXT NOT NULL,
            run_id INTEGER REFERENCES runs(id)
        )"""
    )
    db.execute(
        """
        CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            command TEXT NOT NULL,
            started_at TEXT NOT NULL,
            ended_at TEXT,
            status TEXT NOT NULL,
            cleaner_version TEXT,
            ruleset_version TEXT,
            inputs TEXT,
            added INTEGER NOT NULL DEFAULT 0,
            already_stored INTEGER NOT NULL DEFAULT 0,
            duplicates INTEGER NOT NULL DEFAULT 0,
            updated INTEGER NOT NULL DEFAULT 0,
            failed INTEGER NOT NULL DEFAULT 0
        )"""
    )
    db.execute(
        """
        CREATE TABLE articles (
            id INTEGER PRIMARY KEY,
            doc_id TEXT,
            source TEXT,
            url TEXT,
            title TEXT,
            text TEXT NOT NULL,
            language TEXT,
            language_probability REAL,
            published TEXT,
            page_date TEXT,
            publisher TEXT,
            category TEXT,
            author TEXT,
            published_source TEXT,
            paywalled INTEGER NOT NULL DEFAULT 0,
            raw_sha256 TEXT NOT NULL UNIQUE REFERENCES raw_documents(raw_sha256),
            cleaner_version TEXT,
            ruleset_version TEXT,
            fetched_at TEXT,
            archived_at TEXT NOT NULL,
            run_id INTEGER REFERENCES runs(id),
            duplicate_of INTEGER REFERENCES articles(id),
            text_sha256 TEXT,
            extra TEXT,
            folded TEXT
        )"""
    )
    db.execute("CREATE INDEX idx_articles_text_sha256 ON articles(text_sha256)")
    db.execute("CREATE INDEX idx_articles_language ON articles(language)")
    db.execute("CREATE INDEX idx_articles_published ON articles(published)")
    db.execute(  # partial: costs nothing for the (many) rows that are not copies
        "CREATE INDEX idx_articles_duplicate_of ON articles(duplicate_of) "
        "WHERE duplicate_of IS NOT NULL"
    )
    db.execute(
        """
        CREATE TABLE removals (
            id INTEGER PRIMARY KEY,
            article_id INTEGER NOT NULL REFERENCES articles(id),
            rule TEXT NOT NULL,
            category TEXT,
            line INTEGER,
            text TEXT
        )"""
    )
    db.execute("CREATE INDEX idx_removals_article ON removals(article_id)")
    db.execute("CREATE INDEX idx_removals_rule ON removals(rule)")
    # Near-duplicate detection: MinHash LSH bands kept in SQL, so every process and every
    # later run sees the same index (no in-memory state to lose on a crash).
    db.execute(
        """
        CREATE TABLE lsh_bands (
            band_hash INTEGER NOT NULL,
            article_id INTEGER NOT NULL REFERENCES articles(id),
            PRIMARY KEY (band_hash, article_id)
        ) WITHOUT ROWID"""
    )
    db.execute(
        """
        CREATE TABLE minhashes (
            article_id INTEGER PRIMARY KEY REFERENCES articles(id),
            signature BLOB NOT NULL
        )"""
    )
    # `folded` holds title + text with ё → е only when they contain ё (else NULL), so that
    # queries normalised the same way match, at no cost for texts without ё.
    db.table("articles").enable_fts(FTS_COLUMNS, create_triggers=True, replace=True)
    # `rank` is bm25 with the title counting five times the body; kept in the FTS config, so
    # `ORDER BY rank` stays the fast path FTS5 sorts by itself.
    db.execute(
        "INSERT INTO articles_fts (articles_fts, rank) VALUES ('rank', 'bm25(5.0, 1.0, 1.0)')"
    )


def _m002_vectorised_minhash(db: sqlite_utils.Database) -> None:
    # The MinHash hash family changed (see archive.dedupe): signatures stored by the old one
    # would never match new ones, so recompute them all from the stored texts.
    from cleaner.archive.dedupe import reindex_all

    reindex_all(db.conn)


def _m003_byte_minhash(db: sqlite_utils.Database) -> None:
    # Words are hashed from the bytes (no crc32 per word) and LSH has 8 bands of 32-bit keys
    # instead of 16 of 64 bits (see archive.dedupe): recompute signatures and bands.
    from cleaner.archive.dedupe import reindex_all

    reindex_all(db.conn)


def _m004_lean_article_indexes(db: sqlite_utils.Database) -> None:
    # Two indexes cost a fifth of every insert for no query: `raw_sha256` is looked up in
    # raw_documents (its key), never in articles, so its UNIQUE index goes (raw_documents'
    # key keeps one row per raw document); the exact-duplicate look-up needs only 16 hex
    # digits of `text_sha256` (the full hash is compared after), a third of the index.
    conn = db.conn
    _rebuild_table(conn, "articles", lambda sql: sql.replace(" NOT NULL UNIQUE ", " NOT NULL "))
    conn.execute("DROP INDEX IF EXISTS idx_articles_text_sha256")
    conn.execute(
        "CREATE INDEX IF NOT EXISTS idx_articles_text_key ON articles(substr(text_sha256, 1, 16))"
    )


def _rebuild_table(conn: sqlite3.Connection, name: str, edit: Callable[[str], str]) -> None:
    """Re-create a table from its edited CREATE statement, keeping rows, rowids, indexes and
    triggers (SQLite's documented procedure; one transaction, run by `migrate`).

    Rowids are kept, so the FTS index (external content) stays valid as it is.
    """
    (sql,) = conn.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
    ).fetchone()
    temporary = f"_{name}_rebuilt"
    head = re.match(rf"CREATE TABLE\s+(\"{name}\"|\[{name}\]|{name})\s*\(", sql)
    if head is None:
        raise sqlite3.DatabaseError(f"cannot rebuild {name}: unexpected schema")
    new_sql = f"CREATE TABLE {temporary} (" + edit(sql[head.end() :])
    if new_sql == f"CREATE TABLE {temporary} (" + sql[head.end() :]:
        return  # nothing to change
    others = conn.execute(
        "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND type IN ('index', 'trigger') "
        "AND sql IS NOT NULL ORDER BY type, name",
        (name,),
    ).fetchall()
    conn.execute(new_sql)
    conn.execute(f"INSERT INTO {temporary} SELECT * FROM {name}")
    conn.execute(f"DROP TABLE {name}")
    # Legacy renaming: other tables and views that name `articles` keep naming it.
    conn.execute("PRAGMA legacy_alter_table = ON")
    try:
        conn.execute(f"ALTER TABLE {temporary} RENAME TO {name}")
    finally:
        conn.execute("PRAGMA legacy_alter_table = OFF")
    for (statement,) in others:
        conn.execute(statement)


def _m005_run_owner(db: sqlite_utils.Database) -> None:
    # `host:pid` of the process running a run: a run left `running` by a process that is
    # gone (kill -9, a crash) is marked `interrupted` when the next run starts.
    columns = {row[1] for row in db.conn.execute("PRAGMA table_info(runs)")}
    if "owner" not in columns:  # idempotent: a re-applied migration finds it there
        db.conn.execute("ALTER TABLE runs ADD COLUMN owner TEXT")


def _m006_modified(db: sqlite_utils.Database) -> None:
    # SPEC's `modified` and `modified_source` (the date a page says it was updated): two
    # nullable columns at the end, so rows archived before read NULL and nothing is rewritten.
    # Idempotent: an archive whose _migrations lost the record keeps its columns.
    present = {row[1] for row in db.execute("PRAGMA table_info(articles)").fetchall()}
    for column in ("modified", "modified_source"):
        if column not in present:
            db.execute(f"ALTER TABLE articles ADD COLUMN {column} TEXT")


def _m007_compressed_raw(db: sqlite_utils.Database) -> None:
    # Raw documents are stored compressed (archive/rawstore.py: an HTML page ~165 KB -> ~29 KB);
    # `codec` says how each row is stored, and the rows stored as is are compressed now.
    from cleaner.archive.rawstore import compress_all

    columns = {row[1] for row in db.conn.execute("PRAGMA table_info(raw_documents)")}
    if "codec" not in columns:
        db.conn.execute("ALTER TABLE raw_documents ADD COLUMN codec TEXT")
    compress_all(db.conn)


MIGRATIONS: list[tuple[str, Callable[[sqlite_utils.Database], None]]] = [
    ("001_initial", _m001_initial),
    ("002_vectorised_minhash", _m002_vectorised_minhash),
    ("003_byte_minhash", _m003_byte_minhash),
    ("004_lean_article_indexes", _m004_lean_article_indexes),
    ("005_run_owner", _m005_run_owner),
    ("006_modified", _m006_modified),
    ("007_compressed_raw", _m007_compressed_raw),
]


def migrate(db: sqlite_utils.Database) -> list[str]:
    """Apply the migrations this database lacks; returns their names."""
    conn = db.conn
    conn.execute("CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT)")
    done = {row[0] for row in conn.execute("SELECT name FROM _migrations")}
    applied = []
    for name, step in MIGRATIONS:
        if name in done:
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Another process may have applied it while we waited for the lock.
            if conn.execute("SELECT 1 FROM _migrations WHERE name = ?", (name,)).fetchone():
                conn.execute("COMMIT")
                continue
            step(db)
            conn.execute(
                "INSERT INTO _migrations VALUES (?, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))",
                (name,),
            )
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        applied.append(name)
    return applied
