"""Merging archives (the shards of `cleaner archive --dask`, or any archives) into one.

Every stored article of each shard, in shard order then archive order, is written into the
target through the store's own batch write (`Archive.write_batch`), as `cleaner archive`
writes what it cleans. So the target is what one `cleaner archive` over the union would
have built, and nothing here re-implements the store:

- raw documents are deduplicated by hash: one already in the target is skipped (counted as
  already stored), which makes a merge idempotent (merging twice adds nothing) and resumable
  (one transaction per batch; a merge killed half-way and run again does the rest);
- near-duplicates are found across shards by the same MinHash/LSH index (archive.dedupe):
  the shard's stored signatures are reused, never recomputed; `duplicate_of` names the
  first copy in the target;
- the merge is one run in the target's `runs` table, with its counts;
- site templates are counted over all shards: each document's line keys are taken again
  from its raw bytes (`cleaner.pipeline.template_keys`) for the sites with at least
  `MIN_DOCS` documents over all shards (a census of the shards' URLs and publishers first);
- the FTS index is written with the rows, by the store's triggers, in the same transactions.

Articles are not cleaned again: a shard's text is kept as it was cleaned (`cleaner reclean`
re-cleans the merged archive with the templates learned over all shards).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
from collections import Counter, deque
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from cleaner.archive import templates
from cleaner.archive.dedupe import Signature
from cleaner.archive.ingest import Hooks, ingest, raw_bytes, workers
from cleaner.archive.schema import RECORD_COLUMNS
from cleaner.archive.store import Archive, Counts, Fingerprinted, Pending, present, raw_rows

from cleaner.document import Document, Removal
from cleaner.inputs import InputFailure, InputNotice, Item, RawInput
from cleaner.pipeline import CleanOptions, template_keys
from cleaner.templates import MIN_DOCS, site_key

BATCH = 1000


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
    if learn:
        templates.create_tables(target)
    sites = _census(paths, target) if learn else None
    own_run = run_id is None
    if run_id is None:
        run_id = target.start_run("merge", paths, _ruleset_version(paths))
    total = Counts()
    stopped = False
    for path in paths:
        with Archive(path, write=False) as shard:
            stopped = not _merge_one(target, shard, run_id, sites, hooks, batch_size, total)
        if stopped:
            break
    if own_run:
        target.finish_run(run_id, "interrupted" if stopped else "completed")
    return run_id, total, stopped


def _census(paths: Sequence[str], target: Archive) -> Counter[str]:
    """Documents per site (URL host, else publisher) over all shards and the target."""
    sites: Counter[str] = Counter()
    with contextlib.suppress(sqlite3.OperationalError):  # a target without template tables
        for site, documents in target.conn.execute("SELECT site, documents FROM site_templates"):
            sites[site] += documents
    for path in paths:
        with Archive(path, write=False) as shard:
            for url, publisher in shard.conn.execute("SELECT url, publisher FROM articles"):
                site = site_key(url, publisher)
                if site is not None:
                    sites[site] += 1
    return sites


def _ruleset_version(paths: Sequence[str]) -> str:
    """The shards' ruleset version when they agree, else `mixed`."""
    versions: set[str] = set()
    for path in paths:
        with Archive(path, write=False) as shard:
            versions |= {
                v for (v,) in shard.conn.execute("SELECT DISTINCT ruleset_version FROM articles")
            }
    return versions.pop() if len(versions) == 1 else "mixed" if versions else ""


_COLUMNS = ("id", *RECORD_COLUMNS, "text_sha256", "extra")


def _merge_one(
    target: Archive,
    shard: Archive,
    run_id: int,
    sites: Counter[str] | None,
    hooks: Hooks,
    batch_size: int,
    total: Counts,
) -> bool:
    """One shard, a batch (one transaction) at a time; False when asked to stop."""
    after = 0
    known = _stored_keys(shard)
    while not hooks.should_stop():
        heads = shard.conn.execute(
            "SELECT id, raw_sha256 FROM articles WHERE id > ? ORDER BY id LIMIT ?",
            (after, batch_size),
        ).fetchall()
        if not heads:
            return True
        after = heads[-1][0]
        # Only what the target lacks is read whole: merging again reads little.
        stored = present(target.conn, "raw_documents", "raw_sha256", [sha for _, sha in heads])
        new_ids = [aid for aid, sha in heads if sha not in stored]
        rows = raw_rows(
            shard.conn, "a.id IN (SELECT value FROM json_each(?))", (json.dumps(new_ids),)
        )
        rows.sort(key=lambda row: row[0])
        docs = _documents(shard, new_ids) if new_ids else {}
        batch: list[Pending] = []
        seen: list[templates.Observation] = []
        skipped = len(heads) - len(new_ids)
        for aid, raw, meta in rows:
            doc, text_sha, sig = docs[aid]
            if doc.raw_sha256 in stored:  # twice in this batch (shards never hold that)
                skipped += 1
                continue
            stored.add(doc.raw_sha256)
            batch.append(Pending(doc, raw, meta["kind"], text_sha, sig, hashed=True))
            site = site_key(doc.url, doc.publisher)
            if site is not None and sites is not None and sites[site] >= MIN_DOCS:
                keys = known.get(doc.raw_sha256)
                seen.append(keys if keys is not None else _observation(doc, raw, meta["kind"]))
        if seen:
            templates.count(target, run_id, seen)
        total.add(target.write_batch(run_id, batch, 0, skipped))
        hooks.on_progress(len(heads))
    return False


# A shard written by `archive --dask` keeps each document's site and line keys (computed
# where it was cleaned, from the lines the rules saw), so the merge need not read the raw
# bytes again to count templates. Other archives lack the table: keys are then recomputed.
KEYS_TABLE = "merge_site_keys"


def _stored_keys(shard: Archive) -> dict[str, templates.Observation]:
    try:
        rows = shard.conn.execute(f"SELECT raw_sha256, site, keys FROM {KEYS_TABLE}").fetchall()
    except sqlite3.OperationalError:
        return {}
    return {sha: (site, frozenset(json.loads(keys))) for sha, site, keys in rows}


def _save_keys(shard: Archive, keys: dict[str, templates.Observation]) -> None:
    with shard.conn:
        shard.conn.execute(
            f"CREATE TABLE IF NOT EXISTS {KEYS_TABLE} "
            "(raw_sha256 TEXT PRIMARY KEY, site TEXT, keys TEXT NOT NULL)"
        )
        shard.conn.executemany(
            f"INSERT OR REPLACE INTO {KEYS_TABLE} VALUES (?, ?, ?)",
            [(sha, site, json.dumps(sorted(k))) for sha, (site, k) in keys.items()],
        )


def _observation(doc: Document, raw: bytes, kind: str) -> templates.Observation:
    """The document's site and line keys, from its raw bytes (the lines are not stored)."""
    try:
        return template_keys(raw, url=doc.url, options=CleanOptions(input_kind=kind))
    except Exception:  # noqa: BLE001 - a page that no longer reads is not counted
        return None, frozenset()


def _documents(
    shard: Archive, ids: list[int]
) -> dict[int, tuple[Document, str | None, Signature | None]]:
    """The stored Documents of `ids` with their duplicate keys, as the shard has them."""
    conn = shard.conn
    wanted = json.dumps(ids)
    removed: dict[int, list[Removal]] = {}
    for aid, rule, category, line, text in conn.execute(
        "SELECT article_id, rule, category, line, text FROM removals "
        "WHERE article_id IN (SELECT value FROM json_each(?)) ORDER BY id",
        (wanted,),
    ):
        removed.setdefault(aid, []).append(Removal(rule, category, line, text))
    sigs = {
        aid: Signature.of(np.frombuffer(blob, dtype="<u4").copy())
        for aid, blob in conn.execute(
            "SELECT article_id, signature FROM minhashes "
            "WHERE article_id IN (SELECT value FROM json_each(?))",
            (wanted,),
        )
    }
    provenance = {
        sha: (content_type, encoding)
        for sha, content_type, encoding in conn.execute(
            "SELECT r.raw_sha256, r.content_type, r.encoding FROM raw_documents r "
            "JOIN articles a ON a.raw_sha256 = r.raw_sha256 "
            "WHERE a.id IN (SELECT value FROM json_each(?))",
            (wanted,),
        )
    }
    out = {}
    cursor = conn.execute(
        f"SELECT {', '.join(_COLUMNS)} FROM articles WHERE id IN (SELECT value FROM json_each(?))",
        (wanted,),
    )
    for row in cursor:
        values: dict[str, Any] = dict(zip(_COLUMNS, row, strict=True))
        aid = values.pop("id")
        text_sha = values.pop("text_sha256")
        extra = json.loads(values.pop("extra") or "{}")
        values["id"] = values.pop("doc_id")
        values["paywalled"] = bool(values["paywalled"])
        content_type, encoding = provenance.get(values["raw_sha256"], ("text/plain", None))
        doc = Document(
            **values,
            removed=tuple(removed.get(aid, ())),
            content_type=content_type or "text/plain",
            encoding=encoding,
            extra=extra,
        )
        out[aid] = (doc, text_sha, sigs.get(aid))
    return out


# --- `cleaner archive --dask`: shards written by tasks, merged here as they come ------------

PARTITION = 1000  # inputs per shard


def write_shard(path: str, shipped: Any, items: list[RawInput]) -> Counts:
    """A Dask task: clean `items` into a new shard archive at `path`. A retried task (its
    worker died) starts over: the partial shard is discarded first."""
    from cleaner.dask import warmed

    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
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
