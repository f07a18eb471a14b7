"""Merging archives (the shards of `cleaner archive --dask`, or any archives) into one.

Each shard is ATTACHed to the target and copied a batch of articles at a time with
`INSERT … SELECT` (raw documents, articles, removals, signatures): rows go from one file to
the other inside SQLite, never through Python objects, and raw documents keep their stored
(compressed) bytes. Python decides only what SQL cannot: which rows are new and what each
duplicates. So the target is what one `cleaner archive` over the union would have built:

- raw documents are deduplicated by hash: one already in the target is skipped (counted as
  already stored), which makes a merge idempotent (merging twice adds nothing) and resumable
  (one transaction per batch; a merge killed half-way and run again does the rest);
- near-duplicates are found across shards by the store's own look-up
  (`archive.dedupe.find_originals`, the same MinHash/LSH as `cleaner archive`) from the
  shards' stored signatures, never recomputed; `duplicate_of` names the first copy in the
  target, as if the union had been archived in shard order;
- the merge is one run in the target's `runs` table, with its counts;
- site templates are counted over all shards: a shard written by `archive --dask` carries
  each document's site and line keys; for other archives the keys are taken again from the
  raw bytes (`cleaner.pipeline.template_keys`), for the sites with at least `MIN_DOCS`
  documents over all shards (a census of their URLs and publishers first);
- the FTS index is written by the store's triggers within each batch's one `INSERT …
  SELECT`, so each batch adds one index segment (a bulk insert), in the same transaction.

Articles are not cleaned again: a shard's text is kept as it was cleaned (`cleaner reclean`
re-cleans the merged archive with the templates learned over all shards).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
from collections import Counter, deque
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from cleaner.archive import templates
from cleaner.archive.dedupe import Signature, _band_matrix, find_originals, index_signatures
from cleaner.archive.ingest import Hooks, ingest, raw_bytes, workers
from cleaner.archive.store import Archive, Counts, Fingerprinted, present, raw_rows, utc_now

from cleaner.errors import ArchiveError
from cleaner.inputs import InputFailure, InputNotice, Item, RawInput
from cleaner.pipeline import CleanOptions, template_keys
from cleaner.templates import MIN_DOCS, site_key

# Articles per transaction. Each batch is one FTS segment and one pass over the random-keyed
# indexes (hashes, LSH bands): bigger batches write each index page once for more rows.
BATCH = 5000
SHARD = "shard"  # the schema name a shard is attached under
# Between checkpoints the WAL may grow to this many pages (16 KiB each: 256 MiB) during a
# merge, instead of SQLite's 1,000: a checkpoint (and its fsync) every few batches, not one
# per batch. The WAL is checkpointed and truncated when the merge ends.
WAL_PAGES = 16384


def merge(
    target: Archive,
    shards: Sequence[str | Path],
    *,
    run_id: int | None = None,
    hooks: Hooks | None = None,
    batch_size: int = BATCH,
    learn: bool = True,
) -> tuple[int, Counts, bool]:
    """Merge `shards` into `target`; returns (run id, counts, stopped early).

    Without `run_id`, the merge is a run of its own (`merge` in `runs`), finished here;
    with one (`cleaner archive --dask` merging its shards as they come), it counts there.
    """
    hooks = hooks or Hooks()
    paths = [str(s) for s in shards]
    for path in paths:
        _check_shard(target, path)
    if learn:
        templates.create_tables(target)
    own_run = run_id is None
    if run_id is None:
        run_id = target.start_run("merge", paths, _ruleset_version(target, paths))
    total = Counts()
    stopped = False
    with _merging(target, truncate=own_run):
        sites = _census(target, paths) if learn else None
        for path in paths:
            with _attached(target, path):
                stopped = not _merge_one(target, path, run_id, sites, hooks, batch_size, total)
            if stopped:
                break
    if own_run:
        target.finish_run(run_id, "interrupted" if stopped else "completed")
    return run_id, total, stopped


def _check_shard(target: Archive, path: str) -> None:
    """One clear line for a shard that cannot be merged into `target`."""
    with contextlib.suppress(OSError):
        if os.path.samefile(path, target.path):
            raise ArchiveError(f"{path}: is the archive being merged into")


@contextlib.contextmanager
def _merging(target: Archive, *, truncate: bool) -> Iterator[None]:
    """The target's settings for a bulk copy, restored after: a larger WAL between
    checkpoints (see `WAL_PAGES`), temporary tables in memory; with `truncate`, the WAL
    checkpointed and emptied at the end (not after each shard of `archive --dask`). Every
    batch is still one committed transaction (`synchronous = NORMAL` in WAL mode: a killed
    merge loses at most the batch it was writing)."""
    conn = target.conn
    (pages,) = conn.execute("PRAGMA main.wal_autocheckpoint").fetchone()
    conn.execute(f"PRAGMA main.wal_autocheckpoint = {WAL_PAGES}")
    conn.execute("PRAGMA temp_store = MEMORY")
    conn.execute(
        "CREATE TEMP TABLE IF NOT EXISTS merge_ids "
        "(old INTEGER PRIMARY KEY, new INTEGER NOT NULL, dup INTEGER)"
    )
    try:
        yield
    finally:
        with contextlib.suppress(sqlite3.Error):
            conn.execute("DROP TABLE IF EXISTS temp.merge_ids")
            conn.execute(f"PRAGMA main.wal_autocheckpoint = {int(pages)}")
            if truncate:
                conn.execute("PRAGMA main.wal_checkpoint(TRUNCATE)")


@contextlib.contextmanager
def _attached(target: Archive, path: str) -> Iterator[None]:
    """`path` attached read-only to the target's connection as `shard`."""
    conn = target.conn
    uri = f"{Path(path).resolve().as_uri()}?mode=ro"
    try:
        conn.execute(f"ATTACH DATABASE ? AS {SHARD}", (uri,))
    except sqlite3.Error as exc:
        raise ArchiveError(f"{path}: cannot open: {exc}") from exc
    try:
        yield
    finally:
        with contextlib.suppress(sqlite3.Error):
            conn.execute(f"DETACH DATABASE {SHARD}")


def _has_table(conn: sqlite3.Connection, schema: str, name: str) -> bool:
    return (
        conn.execute(
            f"SELECT 1 FROM {schema}.sqlite_master WHERE type = 'table' AND name = ?", (name,)
        ).fetchone()
        is not None
    )


def _census(target: Archive, paths: Sequence[str]) -> Counter[str] | None:
    """Documents per site (URL host, else publisher) over all shards and the target: which
    sites may reach a template, so keys are recomputed for their documents only. None when
    every shard carries its keys (nothing to recompute)."""
    conn = target.conn
    keyless = []
    for path in paths:
        with _attached(target, path):
            if not _has_table(conn, SHARD, KEYS_TABLE):
                keyless.append(path)
    if not keyless:
        return None
    sites: Counter[str] = Counter()
    with contextlib.suppress(sqlite3.OperationalError):  # a target without template tables
        for site, documents in conn.execute("SELECT site, documents FROM site_templates"):
            sites[site] += documents
    for path in paths:
        with _attached(target, path):
            if path in keyless:
                rows = conn.execute(f"SELECT url, publisher FROM {SHARD}.articles")
                sites.update(s for s in (site_key(u, p) for u, p in rows) if s is not None)
            else:
                sites.update(
                    dict(
                        conn.execute(
                            f"SELECT site, count(*) FROM {SHARD}.{KEYS_TABLE} "
                            "WHERE site IS NOT NULL GROUP BY site"
                        ).fetchall()
                    )
                )
    return sites


def _ruleset_version(target: Archive, paths: Sequence[str]) -> str:
    """The shards' ruleset version when they agree, else `mixed`: read from their runs
    that stored articles (a scan of the articles would read every text)."""
    versions: set[str] = set()
    for path in paths:
        with _attached(target, path):
            versions |= {
                v
                for (v,) in target.conn.execute(
                    f"SELECT DISTINCT ruleset_version FROM {SHARD}.runs "
                    "WHERE added > 0 OR updated > 0"
                )
                if v
            }
    return versions.pop() if len(versions) == 1 else "mixed" if versions else ""


def _columns(conn: sqlite3.Connection, table: str, skip: Iterable[str]) -> tuple[str, str]:
    """The target's columns of `table` copied from the shard (minus `skip`), and what is
    selected for them from the shard: NULL for a column an older shard lacks."""
    mine = [row[1] for row in conn.execute(f"PRAGMA main.table_info({table})")]
    theirs = {row[1] for row in conn.execute(f"PRAGMA {SHARD}.table_info({table})")}
    names = [name for name in mine if name not in set(skip)]
    chosen = [f"t.{name}" if name in theirs else "NULL" for name in names]
    return ", ".join(names), ", ".join(chosen)


def _merge_one(
    target: Archive,
    path: str,
    run_id: int,
    sites: Counter[str] | None,
    hooks: Hooks,
    batch_size: int,
    total: Counts,
) -> bool:
    """One attached shard, a batch (one transaction) at a time; False when asked to stop."""
    conn = target.conn
    raw_names, raw_values = _columns(conn, "raw_documents", ("archived_at", "run_id"))
    names, values = _columns(conn, "articles", ("id", "archived_at", "run_id", "duplicate_of"))
    copy_raw = (
        f"INSERT INTO main.raw_documents ({raw_names}, archived_at, run_id) "
        f"SELECT {raw_values}, ?, ? FROM temp.merge_ids m "
        f"JOIN {SHARD}.articles a ON a.id = m.old "
        f"JOIN {SHARD}.raw_documents t ON t.raw_sha256 = a.raw_sha256 ORDER BY m.new"
    )
    copy_articles = (
        f"INSERT INTO main.articles ({names}, archived_at, run_id, id, duplicate_of) "
        f"SELECT {values}, ?, ?, m.new, m.dup FROM temp.merge_ids m "
        f"JOIN {SHARD}.articles t ON t.id = m.old ORDER BY m.new"
    )
    copy_removals = (
        "INSERT INTO main.removals (article_id, rule, category, line, text) "
        "SELECT m.new, t.rule, t.category, t.line, t.text FROM temp.merge_ids m "
        f"JOIN {SHARD}.removals t ON t.article_id = m.old ORDER BY m.new, t.id"
    )
    keyed = _has_table(conn, SHARD, KEYS_TABLE)
    with contextlib.closing(_RawReader(path)) as reader:
        after = 0
        while not hooks.should_stop():
            upto, heads = conn.execute(
                f"SELECT max(id), count(*) FROM (SELECT id FROM {SHARD}.articles "
                "WHERE id > ? ORDER BY id LIMIT ?)",
                (after, batch_size),
            ).fetchone()
            if not heads:
                return True
            if sites is not None or keyed:
                seen = (
                    _stored_observations(conn, after, upto)
                    if keyed
                    else _recomputed_observations(conn, reader, after, upto, sites)
                )
                if seen:  # counted first, as `ingest` does: fingerprints stop a second count
                    templates.count(target, run_id, seen)

            counts = Counts()

            def write(counts: Counts = counts, after: int = after, upto: int = upto) -> None:
                _copy_batch(conn, after, upto, counts)
                now = utc_now()
                conn.execute(copy_raw, (now, run_id))
                conn.execute(copy_articles, (now, run_id))
                conn.execute(copy_removals)

            total.add(target._transaction(run_id, counts, write))
            hooks.on_progress(heads)
            after = upto
    return False


def _copy_batch(conn: sqlite3.Connection, after: int, upto: int, counts: Counts) -> None:
    """Inside the batch's transaction: pick the shard's articles in (after, upto] that the
    target lacks, give them the target's next ids in shard order, find what each duplicates
    (the target's rows and the earlier ones of the batch), index their signatures, and leave
    old id -> new id, duplicate_of in `temp.merge_ids` for the `INSERT … SELECT`s."""
    rows = conn.execute(
        f"SELECT a.id, a.raw_sha256, a.text_sha256, h.signature FROM {SHARD}.articles a "
        f"LEFT JOIN {SHARD}.minhashes h ON h.article_id = a.id "
        "WHERE a.id > ? AND a.id <= ? ORDER BY a.id",
        (after, upto),
    ).fetchall()
    stored = present(conn, "main.raw_documents", "raw_sha256", [row[1] for row in rows])
    fresh = []
    for aid, sha, text_sha, blob in rows:
        if sha in stored:
            counts.already_stored += 1
            continue
        stored.add(sha)
        fresh.append((aid, text_sha, blob))
    conn.execute("DELETE FROM temp.merge_ids")
    if not fresh:
        return
    (first_id,) = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM main.articles").fetchone()
    sigs = _signatures([blob for _, _, blob in fresh])
    originals = find_originals(
        conn, [(text_sha, sig) for (_, text_sha, _), sig in zip(fresh, sigs, strict=True)], first_id
    )
    new_ids = range(first_id, first_id + len(fresh))
    conn.executemany(
        "INSERT INTO temp.merge_ids (old, new, dup) VALUES (?, ?, ?)",
        zip([aid for aid, _, _ in fresh], new_ids, originals, strict=True),
    )
    index_signatures(conn, list(zip(new_ids, sigs, strict=True)))
    counts.added += len(fresh)
    counts.duplicates += sum(original is not None for original in originals)


def _signatures(blobs: Sequence[bytes | None]) -> list[Signature | None]:
    """The stored signatures as `Signature`s, their LSH band keys computed for all at once."""
    out: list[Signature | None] = [None] * len(blobs)
    have = [i for i, blob in enumerate(blobs) if blob]
    if not have:
        return out
    sizes = {len(blobs[i] or b"") for i in have}
    if len(sizes) != 1:  # not one signature length: each on its own (never written so)
        for i in have:
            out[i] = Signature.of(np.frombuffer(blobs[i] or b"", dtype="<u4").copy())
        return out
    values = np.frombuffer(b"".join(blobs[i] or b"" for i in have), dtype="<u4")
    values = values.reshape(len(have), -1)
    for i, row, bands in zip(have, values, _band_matrix(values).tolist(), strict=True):
        out[i] = Signature(row, tuple(bands))
    return out


# A shard written by `archive --dask` keeps each document's site and line keys (computed
# where it was cleaned, from the lines the rules saw), so the merge need not read the raw
# bytes again to count templates. Other archives lack the table: keys are then recomputed.
KEYS_TABLE = "merge_site_keys"

_NEW = (
    "a.id > ? AND a.id <= ? AND NOT EXISTS "
    "(SELECT 1 FROM main.raw_documents r WHERE r.raw_sha256 = a.raw_sha256)"
)


def _stored_observations(
    conn: sqlite3.Connection, after: int, upto: int
) -> list[templates.Observation]:
    """The carried site and line keys of the shard's new documents in (after, upto]."""
    return [
        (site, _keys(keys))
        for site, keys in conn.execute(
            f"SELECT k.site, k.keys FROM {SHARD}.articles a "
            f"JOIN {SHARD}.{KEYS_TABLE} k ON k.raw_sha256 = a.raw_sha256 "
            f"WHERE {_NEW} ORDER BY a.id",
            (after, upto),
        )
        if site is not None
    ]


def _keys(stored: bytes | str) -> frozenset[int]:
    """Line keys as `_save_keys` stores them: 64-bit little-endian integers (a JSON list in
    shards written before)."""
    if isinstance(stored, str):
        return frozenset(json.loads(stored))
    return frozenset(np.frombuffer(stored, dtype="<i8").tolist())


class _RawReader:
    """The shard's raw documents through a connection of its own, opened on first use
    (`raw_rows` reads the main schema's tables); only shards without carried keys need it."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.archive: Archive | None = None

    def rows(self, ids: list[int]) -> list[tuple[int, bytes, dict[str, Any]]]:
        if self.archive is None:
            self.archive = Archive(self.path, write=False)
        rows = raw_rows(
            self.archive.conn, "a.id IN (SELECT value FROM json_each(?))", (json.dumps(ids),)
        )
        return sorted(rows, key=lambda row: row[0])

    def close(self) -> None:
        if self.archive is not None:
            self.archive.close()


def _recomputed_observations(
    conn: sqlite3.Connection,
    reader: _RawReader,
    after: int,
    upto: int,
    sites: Counter[str] | None,
) -> list[templates.Observation]:
    """Site and line keys from the raw bytes of the shard's new documents in (after, upto]
    whose site may reach a template."""
    wanted = [
        aid
        for aid, url, publisher in conn.execute(
            f"SELECT a.id, a.url, a.publisher FROM {SHARD}.articles a WHERE {_NEW} ORDER BY a.id",
            (after, upto),
        )
        if sites is not None and sites[site_key(url, publisher) or ""] >= MIN_DOCS
    ]
    if not wanted:
        return []
    return [_observation(meta["url"], raw, meta["kind"]) for _, raw, meta in reader.rows(wanted)]


def _save_keys(shard: Archive, keys: dict[str, templates.Observation]) -> None:
    with shard.conn:
        shard.conn.execute(
            f"CREATE TABLE IF NOT EXISTS {KEYS_TABLE} "
            "(raw_sha256 TEXT PRIMARY KEY, site TEXT, keys BLOB NOT NULL)"
        )
        shard.conn.executemany(
            f"INSERT OR REPLACE INTO {KEYS_TABLE} VALUES (?, ?, ?)",
            [
                (sha, site, np.array(sorted(k), dtype="<i8").tobytes())
                for sha, (site, k) in keys.items()
            ],
        )


def _observation(url: str | None, raw: bytes, kind: str) -> templates.Observation:
    """The document's site and line keys, from its raw bytes (the lines are not stored)."""
    try:
        return template_keys(raw, url=url, options=CleanOptions(input_kind=kind))
    except Exception:  # noqa: BLE001 - a page that no longer reads is not counted
        return None, frozenset()


# --- `cleaner archive --dask`: shards written by tasks, merged here as they come ------------

PARTITION = 1000  # inputs per shard


def write_shard(path: str, shipped: Any, items: list[RawInput]) -> Counts:
    """A Dask task: clean `items` into a new shard archive at `path`. A retried task (its
    worker died) starts over: the partial shard is discarded first."""
    from cleaner.dask import warmed

    where = Path(path)
    # What a killed attempt left: the shard, its WAL, or the private file it was being
    # created in (archive.store._create links `.NAME.UUID.tmp` into place when complete).
    for left in [where, Path(f"{path}-wal"), Path(f"{path}-shm")]:
        left.unlink(missing_ok=True)
    for left in where.parent.glob(f".{where.name}.*.tmp*"):
        left.unlink(missing_ok=True)
    options = warmed(shipped)
    keys: dict[str, templates.Observation] = {}

    def cleaning(inputs: Iterable[Item]) -> Iterator[Any]:
        for result in workers(options, jobs=1)(inputs):  # hashes and site keys included
            if isinstance(result, Fingerprinted) and result.site_keys is not None:
                keys[result.doc.raw_sha256] = result.site_keys
            yield result

    shard = Archive(path, write=True)
    try:
        ruleset = options.ruleset
        run_id = shard.start_run("archive", [path], ruleset.version if ruleset else "")
        counts, _ = ingest(shard, items, run_id=run_id, clean_batch=cleaning, learn=False)
        _save_keys(shard, keys)
        shard.finish_run(run_id, "completed")
    finally:
        shard.close()
    return counts


def archive_on_cluster(
    client: Any,
    target: Archive,
    items: Iterable[RawInput | InputFailure | InputNotice],
    options: CleanOptions,
    *,
    run_id: int,
    shard_dir: Path,
    hooks: Hooks | None = None,
    learn: bool = True,
    partition: int = PARTITION,
) -> tuple[Counts, bool]:
    """Clean `items` on the cluster into shards (one per `partition` inputs, in `shard_dir`,
    which every worker must be able to write), each merged into `target` as it is done,
    in input order, under `run_id`; then removed. Inputs already in `target` are skipped."""
    from distributed import KilledWorker

    from cleaner.batch import WORKER_DIED
    from cleaner.dask import Shipped

    hooks = hooks or Hooks()
    shard_dir.mkdir(parents=True, exist_ok=True)
    shipped = client.scatter(Shipped(options), broadcast=True)
    workers = max(len(client.scheduler_info().get("workers", {})), 1)
    total = Counts()
    reader = target.reader()
    pending: deque[tuple[str, list[RawInput], Any]] = deque()
    source = iter(items)
    number = 0

    def submit() -> bool:
        nonlocal number
        raws: list[RawInput] = []
        for item in source:
            if isinstance(item, InputFailure):
                total.failures.append((item.source, item.reason))
                hooks.on_failure(item.source, item.reason)
                target.write_batch(run_id, [], 1, 0)
            elif isinstance(item, RawInput):
                if Archive.has_raw_in(reader, hashlib.sha256(raw_bytes(item)).hexdigest()):
                    total.already_stored += 1
                    hooks.on_progress(1)
                    continue
                raws.append(item)
                if len(raws) >= partition:
                    break
        if not raws:
            return False
        number += 1
        path = str(shard_dir / f"shard-{run_id}-{number:06d}.db")
        pending.append((path, raws, client.submit(write_shard, path, shipped, raws, pure=False)))
        return True

    try:
        for _ in range(workers * 2):
            if not submit():
                break
        stopped = False
        while pending and not stopped:
            path, raws, future = pending.popleft()
            try:
                counts: Counts = future.result()
            except KilledWorker:
                counts = Counts(failures=[(item.label, WORKER_DIED) for item in raws])
            for source_name, reason in counts.failures:
                total.failures.append((source_name, reason))
                hooks.on_failure(source_name, reason)
            if counts.failures or counts.already_stored:  # inputs repeated within a shard
                target.write_batch(run_id, [], len(counts.failures), counts.already_stored)
                total.already_stored += counts.already_stored
            if Path(path).exists():
                _, merged, stopped = merge(target, [path], run_id=run_id, hooks=hooks, learn=learn)
                total.add(merged)
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{path}{suffix}").unlink(missing_ok=True)
            if not stopped and not hooks.should_stop():
                submit()
        stopped = stopped or hooks.should_stop()
    finally:
        reader.close()
        for _, _, future in pending:
            future.cancel()
        with contextlib.suppress(OSError):
            shard_dir.rmdir()  # when empty: every shard merged
    total.failed = len(total.failures)
    return total, stopped
