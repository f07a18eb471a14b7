"""Site templates in the archive: counted as documents are archived, applied to later ones.

`cleaner clean` learns a batch's templates in a first pass and forgets them; the archive keeps
the counts, so a page archived alone later is cleaned with its site's menus and footers known.
Three tables, created here (CREATE TABLE IF NOT EXISTS) whenever a run writes to the archive:

- `site_templates`: one row per site that has a document: how many distinct documents were
  counted, the derived template (`cleaner.templates.SiteTemplate` as JSON) and the run whose
  documents last changed it (what `cleaner reclean` compares articles with).
- `site_template_counts`: per site and line key, in how many documents the key occurred
  (`documents`, a lower bound) and the lossy-counting error bound `delta`.
- `site_template_documents`: a fingerprint (site + line keys) of every counted document, so an
  identical page (the same raw bytes, or the same lines fetched twice) never counts twice, even
  when a killed run is repeated.

Memory and rows are bounded by lossy counting (Manku and Motwani): a site's documents fall into
buckets of `BUCKET_DOCS`; a key first seen in bucket b starts with `delta = b - 1`, and at the
end of each bucket the keys with `documents + delta <= b` are deleted. A key on at least
`1 / BUCKET_DOCS` of the site's pages is never lost, and every stored count is at most
`documents / BUCKET_DOCS` too low; a site keeps about `lines * BUCKET_DOCS * ln(documents /
BUCKET_DOCS)` keys however big it grows. Since the template share (`MIN_SHARE`, a half) is five
times the error, menus and footers stay; the article lines of a big site are pruned. As in
`TemplateLearner`, pruning can miss a template line, never invent one.

The thresholds are `cleaner.templates`' own (`MIN_DOCS`, `MIN_SHARE`), so an archive and a
`cleaner clean` batch agree on what a template is.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from cleaner.archive.store import Archive, present, raw_rows, utc_now

from cleaner.templates import MIN_DOCS, MIN_SHARE, SiteTemplate, site_key, threshold

# The lossy-counting bucket: error 1/10 of a site's documents, a fifth of the template share.
BUCKET_DOCS = 10
# Articles scanned per query when looking for those a changed template makes stale.
SCAN_ROWS = 5000

Observation = tuple[str | None, frozenset[int]]  # a document's site and line keys

TABLES = (
    """CREATE TABLE IF NOT EXISTS site_templates (
        site TEXT PRIMARY KEY,
        documents INTEGER NOT NULL DEFAULT 0,
        template_lines INTEGER NOT NULL DEFAULT 0,
        template TEXT,
        changed_run INTEGER,
        updated_at TEXT
    )""",
    """CREATE TABLE IF NOT EXISTS site_template_counts (
        site TEXT NOT NULL,
        key INTEGER NOT NULL,
        documents INTEGER NOT NULL,
        delta INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (site, key)
    ) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS site_template_documents (
        fingerprint INTEGER PRIMARY KEY,
        site TEXT NOT NULL
    )""",
)


def create_tables(archive: Archive) -> None:
    """Create the template tables if missing (idempotent: every writing run calls it).

    Not a migration in archive/schema.py: older archives gain the tables on their next run.
    """
    try:
        with archive.conn:
            for sql in TABLES:
                archive.conn.execute(sql)
    except sqlite3.Error as exc:
        raise archive.error(exc, "cannot create the site template tables") from exc


def load(archive: Archive) -> dict[str, frozenset[int]]:
    """Every site's template in the form `CleanOptions.templates` takes ({} without tables).

    A row that does not parse is skipped: a damaged template must not stop an archive run.
    """
    try:
        rows = archive.conn.execute(
            "SELECT template FROM site_templates WHERE template_lines > 0"
        ).fetchall()
    except sqlite3.OperationalError:  # an archive that never had a writing run since
        return {}
    out = {}
    for (text,) in rows:
        try:
            template = SiteTemplate.from_dict(json.loads(text))
        except (ValueError, TypeError):
            continue
        out[template.site] = template.keys
    return out


def fingerprint(site: str, keys: Iterable[int]) -> int:
    """A signed 64-bit hash of a document's site and line keys (an INTEGER PRIMARY KEY)."""
    text = site + ":" + ",".join(map(str, sorted(keys)))
    digest = hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def count(archive: Archive, run_id: int, observations: Sequence[Observation]) -> int:
    """Count a batch of archived documents in one transaction; returns how many were new.

    Called before the batch itself is written: if the run dies in between, the repeated run
    cleans those documents again and their fingerprints stop them counting twice.
    """
    todo = [(site, keys) for site, keys in observations if site is not None if keys]
    if not todo:
        return 0
    conn = archive.conn
    try:
        conn.execute("BEGIN IMMEDIATE")
        new = _count(conn, run_id, todo)
        conn.execute("COMMIT")
    except sqlite3.Error as exc:
        _rollback(conn)
        raise archive.error(exc, "cannot count site template lines") from exc
    except BaseException:
        _rollback(conn)
        raise
    return new


def _rollback(conn: sqlite3.Connection) -> None:
    """Undo a half-counted batch; a failing ROLLBACK must not hide the first error."""
    if conn.in_transaction:
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")


def _count(conn: sqlite3.Connection, run_id: int, todo: list[tuple[str, frozenset[int]]]) -> int:
    """Skip documents already counted (by fingerprint), then count the rest site by site."""
    prints = [fingerprint(site, keys) for site, keys in todo]
    known = present(conn, "site_template_documents", "fingerprint", prints)
    by_site: dict[str, list[frozenset[int]]] = defaultdict(list)
    fresh: list[tuple[int, str]] = []
    for (site, keys), mark in zip(todo, prints, strict=True):
        if mark in known:
            continue
        known.add(mark)
        fresh.append((mark, site))
        by_site[site].append(keys)
    conn.executemany("INSERT INTO site_template_documents (fingerprint, site) VALUES (?, ?)", fresh)
    for site, documents in by_site.items():
        _count_site(conn, run_id, site, documents)
    return len(fresh)


def _count_site(
    conn: sqlite3.Connection, run_id: int, site: str, documents: list[frozenset[int]]
) -> None:
    """Add one site's new documents, bucket by bucket, then re-derive its template."""
    row = conn.execute(
        "SELECT documents, template FROM site_templates WHERE site = ?", (site,)
    ).fetchone()
    seen = int(row[0]) if row else 0
    old = _keys_of(row[1]) if row else frozenset()
    start = 0
    while start < len(documents):
        # The documents up to the end of the current bucket share one delta: one upsert each.
        room = BUCKET_DOCS - seen % BUCKET_DOCS
        part = documents[start : start + room]
        bucket = seen // BUCKET_DOCS + 1
        tally = Counter(key for keys in part for key in keys)
        conn.executemany(
            "INSERT INTO site_template_counts (site, key, documents, delta) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (site, key) DO UPDATE SET documents = documents + excluded.documents",
            [(site, key, n, bucket - 1) for key, n in tally.items()],
        )
        seen += len(part)
        start += len(part)
        if seen % BUCKET_DOCS == 0:  # the bucket is full: forget what cannot be template
            conn.execute(
                "DELETE FROM site_template_counts WHERE site = ? AND documents + delta <= ?",
                (site, bucket),
            )
    need = threshold(seen, MIN_DOCS, MIN_SHARE)
    keys = (
        frozenset(
            key
            for (key,) in conn.execute(
                "SELECT key FROM site_template_counts WHERE site = ? AND documents >= ?",
                (site, need),
            )
        )
        if need
        else frozenset()
    )
    template = json.dumps(SiteTemplate(site, seen, keys).to_dict()) if keys else None
    changed = run_id if keys != old else None  # what `cleaner reclean` compares runs with
    conn.execute(
        "INSERT INTO site_templates (site, documents, template_lines, template, changed_run, "
        "updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (site) DO UPDATE SET "
        "documents = excluded.documents, template_lines = excluded.template_lines, "
        "template = excluded.template, updated_at = excluded.updated_at, "
        "changed_run = coalesce(excluded.changed_run, changed_run)",
        (site, seen, len(keys), template, changed, utc_now()),
    )


def _keys_of(text: str | None) -> frozenset[int]:
    if not text:
        return frozenset()
    try:
        return SiteTemplate.from_dict(json.loads(text)).keys
    except (ValueError, TypeError):
        return frozenset()


def changed_sites(archive: Archive) -> dict[str, int]:
    """Sites whose template changed, with the last run that changed it."""
    try:
        rows = archive.conn.execute(
            "SELECT site, changed_run FROM site_templates WHERE changed_run IS NOT NULL"
        ).fetchall()
    except sqlite3.OperationalError:
        return {}
    return {site: int(run) for site, run in rows}


def template_stale(
    archive: Archive, after_id: int, limit: int, changed: dict[str, int]
) -> list[tuple[int, bytes, dict[str, Any]]]:
    """Articles after `after_id` cleaned before their site's template last changed.

    An article cleaned in run r saw the templates as they were when r started, so it is stale
    when its site's template changed in run r or later (`changed`: from `changed_sites`).
    Returns the rows `Archive.stale_raw` returns, for the same re-cleaning loop.
    """
    if not changed:
        return []
    conn = archive.conn
    ids: list[int] = []
    while len(ids) < limit:
        rows = conn.execute(
            "SELECT id, url, publisher, run_id FROM articles WHERE id > ? ORDER BY id LIMIT ?",
            (after_id, SCAN_ROWS),
        ).fetchall()
        if not rows:
            break
        for aid, address, publisher, run in rows:
            site = site_key(address, publisher)
            if site in changed and (run is None or run <= changed[site]):
                ids.append(int(aid))
                if len(ids) >= limit:
                    break
        after_id = int(rows[-1][0])
    return _raw_rows(conn, ids)


def _raw_rows(conn: sqlite3.Connection, ids: list[int]) -> list[tuple[int, bytes, dict[str, Any]]]:
    if not ids:
        return []
    where = "a.id IN (SELECT value FROM json_each(?)) ORDER BY a.id"
    return raw_rows(conn, where, (json.dumps(ids),))
