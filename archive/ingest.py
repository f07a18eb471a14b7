"""Ingest and re-clean: the loops that feed the store in batches.

They take the cleaning step as a function (so the CLI can pass its worker pool) and a
`should_stop` callable (so SIGINT ends the run between documents, with every finished batch
committed and the run recorded as interrupted).
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

from cleaner.archive import templates
from cleaner.archive.store import Archive, Counts, Fingerprinted, Pending, fingerprinted

from cleaner.batch import GROUP, clean_batch
from cleaner.document import Document
from cleaner.inputs import InputFailure, InputNotice, RawInput
from cleaner.pipeline import CleanOptions
from cleaner.templates import site_and_keys

Item = RawInput | InputFailure | InputNotice
Result = Document | Fingerprinted | InputFailure | InputNotice
# Yields one result per item, in order; a Fingerprinted document (archive.store.fingerprinted,
# applied by worker processes) saves the writer the hashing.
CleanBatch = Callable[[Iterable[Item]], Iterator[Result]]
# One transaction per batch: a killed run loses at most one batch of cleaning. Bigger batches
# make each page of the random-keyed indexes (hashes, LSH bands) written once for more rows;
# the byte cap bounds memory when the inputs are large HTML pages.
BATCH_SIZE = 1000
BATCH_BYTES = 32 * 1024 * 1024
RECLEAN_BATCH_SIZE = 200


@dataclass(slots=True)
class Hooks:
    """Side channels of a run: failures to report, progress to show, a stop request."""

    on_failure: Callable[[str, str], None] = lambda source, reason: None
    on_progress: Callable[[int], None] = lambda n: None
    should_stop: Callable[[], bool] = lambda: False


def raw_bytes(item: RawInput) -> bytes:
    """The bytes `clean()` hashes into `raw_sha256` (str inputs are UTF-8 encoded)."""
    return item.data.encode("utf-8") if isinstance(item.data, str) else item.data


def sequential(options: CleanOptions | None = None, group: int = GROUP) -> CleanBatch:
    """A cleaning step for one process: `cleaner.batch.clean_batch` with these options,
    inputs cleaned `group` at a time (their languages detected together)."""
    return partial(clean_batch, options=options or CleanOptions(), group=group)


def workers(
    options: CleanOptions,
    *,
    jobs: int,
    site_keys: bool = True,
    debug: bool = False,
    warn: Callable[[str, str], None] | None = None,
) -> CleanBatch:
    """The cleaning step of `cleaner archive --jobs N`: `clean_batch` whose workers also hash
    what they clean (and, with `site_keys`, count its template lines), so this process, SQLite's
    one writer, only writes."""
    return partial(
        clean_batch,
        options=options,
        jobs=jobs,
        debug=debug,
        render=partial(fingerprinted, site_keys=site_keys),
        warn=warn,
    )


class _Tally:
    """A counter shared between the feeder thread and the main thread."""

    def __init__(self) -> None:
        self._n = 0
        self._lock = threading.Lock()

    def add(self, n: int) -> None:
        with self._lock:
            self._n += n

    def take(self) -> int:
        with self._lock:
            n, self._n = self._n, 0
        return n


def ingest(
    archive: Archive,
    items: Iterable[Item],
    *,
    run_id: int,
    clean_batch: CleanBatch,
    hooks: Hooks | None = None,
    batch_size: int = BATCH_SIZE,
    learn: bool = True,
) -> tuple[Counts, bool]:
    """Clean and store every new input; returns the counts and whether it was stopped early.

    Inputs whose raw bytes are already stored are not cleaned again, so re-running an
    interrupted or killed run only does the rest. With `learn`, each batch's documents are
    counted into the archive's site templates (archive/templates.py) before the batch is
    written; `clean_batch` decides which templates the documents are cleaned with.
    """
    hooks = hooks or Hooks()
    if learn:
        templates.create_tables(archive)
    total = Counts()
    in_flight: deque[Item] = deque()  # clean_batch yields one result per item, in order
    skipped = _Tally()  # already stored, not yet counted in the run row
    # With a worker pool, `fresh()` runs in the pool's feeder thread: it gets its own
    # connection and touches nothing of the main thread's but thread-safe objects.
    reader: list[sqlite3.Connection] = []

    def fresh() -> Iterator[Item]:
        seen: set[str] = set()
        try:
            for item in items:
                if isinstance(item, RawInput):
                    sha = hashlib.sha256(raw_bytes(item)).hexdigest()
                    if not reader:
                        reader.append(archive.reader())
                    if sha in seen or Archive.has_raw_in(reader[0], sha):
                        skipped.add(1)
                        hooks.on_progress(1)
                        continue
                    seen.add(sha)
                in_flight.append(item)
                yield item
                if hooks.should_stop():
                    return
        finally:
            for conn in reader:
                conn.close()

    pending: list[Pending] = []
    seen: list[templates.Observation] = []
    pending_bytes = 0
    failed = 0
    stopped = False

    def write(already: int) -> None:
        if seen:  # counted first: a repeated run's fingerprints stop a second count
            templates.count(archive, run_id, seen)
        total.add(archive.write_batch(run_id, pending, failed, already))

    for result in clean_batch(fresh()):
        item = in_flight.popleft()
        if isinstance(result, InputFailure):
            failed += 1
            total.failures.append((result.source, result.reason))
            hooks.on_failure(result.source, result.reason)
        elif isinstance(item, RawInput) and isinstance(result, Document | Fingerprinted):
            pending.append(Pending.of(result, raw_bytes(item), item.kind))
            pending_bytes += len(pending[-1].raw)
            if learn:  # computed by the worker that cleaned it, when there was one
                known = result.site_keys if isinstance(result, Fingerprinted) else None
                seen.append(known if known is not None else site_and_keys(pending[-1].doc))
        hooks.on_progress(1)
        if len(pending) >= batch_size or pending_bytes >= BATCH_BYTES:
            write(skipped.take())
            pending, seen, pending_bytes, failed = [], [], 0, 0
        if hooks.should_stop():
            stopped = True
            break
    stopped = stopped or hooks.should_stop()
    late = skipped.take()
    if pending or failed or late:
        write(late)
    total.failed = len(total.failures)
    return total, stopped


def reclean(
    archive: Archive,
    *,
    run_id: int,
    options: CleanOptions,
    version: tuple[str, str] | None,
    hooks: Hooks | None = None,
    batch_size: int = RECLEAN_BATCH_SIZE,
) -> tuple[Counts, bool]:
    """Re-run the rules over stored raw bytes, one transaction per batch.

    With `version` = (cleaner_version, ruleset_version), rows already cleaned with it are
    skipped, so a re-run after a crash only does what is left. `options.templates` (the
    archive's, from `archive.templates.load`) are applied; then, unless `version` is None
    (everything was redone), articles cleaned before their site's template last changed are
    re-cleaned too: a template learned from a batch reaches that batch's earlier documents.
    """
    hooks = hooks or Hooks()
    total = Counts()
    finished = _reclean_rows(
        archive,
        lambda after, n: archive.stale_raw(after, n, version),
        run_id=run_id,
        options=options,
        hooks=hooks,
        batch_size=batch_size,
        total=total,
    )
    if finished and version is not None and options.templates is not None:
        changed = templates.changed_sites(archive)
        finished = _reclean_rows(
            archive,
            lambda after, n: templates.template_stale(archive, after, n, changed),
            run_id=run_id,
            options=options,
            hooks=hooks,
            batch_size=batch_size,
            total=total,
        )
    total.failed = len(total.failures)
    return total, not finished


Rows = list[tuple[int, bytes, dict[str, Any]]]


def _reclean_rows(
    archive: Archive,
    fetch: Callable[[int, int], Rows],
    *,
    run_id: int,
    options: CleanOptions,
    hooks: Hooks,
    batch_size: int,
    total: Counts,
) -> bool:
    """Re-clean what `fetch(after_id, limit)` returns until it is empty; False if stopped."""
    after = 0
    while not hooks.should_stop():
        rows = fetch(after, batch_size)
        if not rows:
            return True
        items = (
            RawInput(
                meta["source"],
                raw,
                meta["doc_id"],
                url=meta["url"],
                fetched_at=meta["fetched_at"],
                kind=meta["kind"],
                extra=meta["extra"],
            )
            for _, raw, meta in rows
        )
        batch: list[Pending] = []
        failed = 0
        for (aid, raw, meta), result in zip(rows, clean_batch(items, options)):  # noqa: B905
            after = aid
            if isinstance(result, InputFailure):
                failed += 1
                total.failures.append((result.source, result.reason))
                hooks.on_failure(result.source, result.reason)
            else:
                hooks.on_progress(1)
                pending = Pending.of(result, raw, meta["kind"])
                pending.article_id = aid
                batch.append(pending)
            if hooks.should_stop():  # what is cleaned so far is still written below
                break
        total.add(archive.update_batch(run_id, batch, failed))
    return False
