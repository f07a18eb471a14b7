"""Cleaning on a Dask cluster: `cleaner clean/archive --dask SCHEDULER` and a Python API.

    >>> import dask.bag as db, json
    >>> from cleaner.dask import clean_bag
    >>> records = clean_bag(db.read_text("s3://bucket/crawl/*.jsonl.gz").map(json.loads))
    >>> records.map(json.dumps).to_textfiles("out/*.jsonl")

A thin layer over `cleaner.batch`: every partition is cleaned by `clean_batch` in one worker
process, so a Dask run gives the same records, in the same order, as `--jobs 1`. Dask (with
`distributed`) is an optional extra, `pip install 'cleaner[dask]'`, imported only here and
only when asked for: `cleaner clean` without `--dask` never imports it.

The options (rules, templates) travel to each worker once (`Client.scatter(broadcast=True)`
for the CLI; for a bag or a dataframe, once per task, but warmed up once per worker: see
`_warm`). A worker that dies mid-task has its task retried by Dask on another worker
(`distributed.scheduler.allowed-failures`); a task that kills workers every time fails with
`KilledWorker`, and its inputs are reported failed, as with `--jobs`.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import os
import sys
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from cleaner.batch import (
    WORKER_DIED,
    Item,
    Render,
    chunks,
    clean_group,
    split_chunk,
    warm_up,
)
from cleaner.document import RECORD_FIELDS, Document
from cleaner.inputs import InputFailure, InputNotice, RawInput, read_inputs
from cleaner.partition import Part, read_part
from cleaner.pipeline import CleanOptions

if TYPE_CHECKING:
    import dask.bag
    import dask.dataframe
    from distributed import Client

PARTITION = 256  # inputs per task: enough to amortise a round trip, small enough to balance
IN_FLIGHT_PER_WORKER = 3


def client_for(
    scheduler: str,
    *,
    processes: bool = True,
    dashboard: bool = True,
    options: CleanOptions | None = None,
) -> Client:
    """A distributed Client: `local` (a LocalCluster, one worker per core), `local:N` (N
    workers) or the address of a running scheduler (`tcp://host:8786`).

    A local cluster's worker processes are forked (on Linux) from this process once it is
    warmed up (`cleaner.batch.warm_up(options)`: rules compiled, language profiles and
    dateparser loaded), as `--jobs` forks its pool: they start in a fraction of a second,
    ready to clean, where spawned ones would each import Dask and cleaner and warm up again
    (measured: 6-9 s more for `local:2` on 2 cores). A worker restarted later (one that
    died) is spawned, and warms itself up on its first task (`_warm`). The dashboard is
    served with `dashboard` when Bokeh, which draws it, is installed.
    """
    from distributed import Client

    if scheduler == "local" or scheduler.startswith("local:"):
        _, _, count = scheduler.partition(":")
        workers = int(count) if count else os.cpu_count() or 1
        if workers < 1:
            raise ValueError(f"{scheduler!r}: local:N needs N >= 1")
        method = "fork" if processes and sys.platform == "linux" else "spawn"
        if method == "fork":
            warm_up(options)
            try:
                cluster = _local_cluster(workers, processes, dashboard, "fork")
            except (TimeoutError, RuntimeError):
                # A forked child can hang before it runs (a lock some thread of this
                # process held at the fork): past FORK_START_S, start spawned workers.
                cluster = _local_cluster(workers, processes, dashboard, "spawn")
        else:
            cluster = _local_cluster(workers, processes, dashboard, method)
        return Client(cluster)
    return Client(scheduler)


FORK_START_S = 60  # a forked worker is ready in about a second; longer means it hung


def _local_cluster(workers: int, processes: bool, dashboard: bool, method: str) -> Any:
    """A LocalCluster whose worker processes start by `method` (fork or spawn)."""
    import logging

    import dask
    from distributed import LocalCluster

    with dask.config.set({"distributed.worker.multiprocessing-method": method}):
        return LocalCluster(
            n_workers=workers,
            threads_per_worker=1,  # the pipeline is CPU-bound Python: one process per core
            processes=processes,
            # The scheduler's HTTP server (always started) on a free port, so that two runs
            # never clash; the dashboard's pages only when wanted and servable.
            dashboard_address=":0",
            scheduler_kwargs={"dashboard": dashboard and has_dashboard()},
            silence_logs=logging.ERROR,
            **({"death_timeout": FORK_START_S} if method == "fork" else {}),
        )


def has_dashboard() -> bool:
    """Whether this process can serve Dask's dashboard (it needs Bokeh)."""
    import importlib.util

    return importlib.util.find_spec("bokeh") is not None


def describe(client: Client, scheduler: str) -> str:
    """One line for stderr: the cluster and where its dashboard is."""
    workers = len(client.scheduler_info().get("workers", {}))
    what = "local cluster" if scheduler.startswith("local") else f"scheduler {scheduler}"
    link = client.dashboard_link if client.cluster is None or has_dashboard() else None
    shown = f"dashboard {link}" if link else "no dashboard (pip install bokeh to have one)"
    return f"cleaner: Dask {what}, {workers} worker{'s' * (workers != 1)}: {shown}"


@dataclass(frozen=True)
class Shipped:
    """What a worker needs, sent once: the options and how to render documents. `token`
    names it in each worker's cache, so its rules are compiled once per worker process."""

    options: CleanOptions
    render: Render | None = None
    token: str = field(default_factory=lambda: uuid.uuid4().hex)


_WARMED: set[str] = set()  # per worker process: the tokens already warmed up


def _warm(options: CleanOptions, token: str) -> None:
    """`cleaner.batch.warm_up` once per worker process and token (a scattered `Shipped` is
    one object per worker, so its rules are compiled once)."""
    if token not in _WARMED:
        warm_up(options)
        _WARMED.add(token)


def warmed(shipped: Shipped) -> CleanOptions:
    """The options of `shipped`, warmed up in this worker (once)."""
    _warm(shipped.options, shipped.token)
    return shipped.options


def clean_part(shipped: Shipped, items: list[RawInput]) -> list[Any]:
    """A task: one partition cleaned by `cleaner.batch.clean_group`, in order."""
    _warm(shipped.options, shipped.token)
    out = clean_group(items, shipped.options, shipped.render)
    for result in out:
        if isinstance(result, InputFailure):
            result.error = None  # an arbitrary exception may not pickle back
    return out


def clean_range(shipped: Shipped, part: Part) -> list[Any]:
    """A task: one part of a big JSON Lines file read here (cleaner.partition) and cleaned,
    its read failures in their places."""
    slots, raws = split_chunk(read_part(part))
    done = iter(clean_part(shipped, raws) if raws else [])
    return [slot if slot is not None else next(done) for slot in slots]


def _units(items: Iterable[Item | Part], size: int) -> Iterator[list[Item] | Part]:
    """The batch engine's chunks of `size` RawInputs (failures and notices ride along), and
    each `Part` of a big file a unit of its own (groupby keeps the stream lazy)."""
    for is_part, run in itertools.groupby(items, key=lambda item: isinstance(item, Part)):
        if is_part:
            yield from cast(Iterator[Part], run)
        else:
            yield from chunks(cast(Iterator[Item], run), size)


def clean_on_cluster(
    client: Client,
    items: Iterable[Item | Part],
    options: CleanOptions | None = None,
    *,
    render: Render | None = None,
    partition: int = PARTITION,
) -> Iterator[Any]:
    """`cleaner.batch.clean_batch` on a cluster: the same results, in input order.

    Inputs read here are sent in partitions of `partition`; a `Part` of a big file
    (`cleaner.partition.partitioned`) is read by the task that cleans it. At most a few
    tasks per worker are in flight, so memory stays bounded whatever the batch size.
    """
    from distributed import KilledWorker

    shipped = client.scatter(Shipped(options or CleanOptions(), render), broadcast=True)
    workers = max(len(client.scheduler_info().get("workers", {})), 1)
    units = _units(items, partition)
    pending: deque[tuple[list[Item | None], list[RawInput] | Part, Any]] = deque()

    def submit() -> bool:
        unit = next(units, None)
        if unit is None:
            return False
        if isinstance(unit, Part):
            pending.append(([], unit, client.submit(clean_range, shipped, unit, pure=False)))
            return True
        slots, raws = split_chunk(unit)
        future = client.submit(clean_part, shipped, raws, pure=False) if raws else None
        pending.append((slots, raws, future))
        return True

    for _ in range(workers * IN_FLIGHT_PER_WORKER):
        if not submit():
            break
    while pending:
        slots, work, future = pending.popleft()
        try:
            results = future.result() if future is not None else []
        except KilledWorker:
            if isinstance(work, Part):
                results = [InputFailure(work.label, WORKER_DIED)]
            else:
                results = [InputFailure(item.label, WORKER_DIED) for item in work]
        submit()
        if isinstance(work, Part):
            yield from results
            continue
        done = iter(results)
        for slot in slots:
            yield slot if slot is not None else next(done)


# --- the Python API: bags and dataframes ---------------------------------------------------


def _records_to_inputs(records: Iterable[dict[str, Any]]) -> list[Item]:
    """JSON Lines records (dicts with `text` or `html`) as inputs, read as `cleaner clean`
    reads a JSON Lines file (one path: cleaner.inputs)."""
    lines = b"".join(
        json.dumps(record, ensure_ascii=False).encode("utf-8") + b"\n" for record in records
    )
    return list(read_inputs(["-"], kind="jsonl", stdin=io.BytesIO(lines)))


def _failure_record(record: Any, failure: InputFailure | InputNotice) -> dict[str, Any]:
    """SPEC's failed-input record: it keeps its place, so outputs stay aligned with inputs."""
    known = record.get("id") if isinstance(record, dict) else None
    return {
        "id": known if known is not None else failure.source,
        "source": failure.source,
        "error": failure.reason,
    }


def clean_records(
    records: Iterable[dict[str, Any]], options: CleanOptions | None = None
) -> list[dict[str, Any]]:
    """JSON records in, SPEC records out (`Document.to_record()`), one per input, in order;
    an input that fails gives `{"id", "source", "error"}`."""
    options = options or CleanOptions()
    _warm(options, "records")  # the language profiles and dateparser, once per process
    records = list(records)
    out = []
    for record, result in zip(
        records, _in_order(_records_to_inputs(records), options), strict=True
    ):
        if isinstance(result, Document):
            out.append(result.to_record())
        else:
            out.append(_failure_record(record, result))
    return out


def _in_order(items: list[Item], options: CleanOptions) -> list[Any]:
    raws = [item for item in items if isinstance(item, RawInput)]
    done = iter(clean_group(raws, options))
    return [next(done) if isinstance(item, RawInput) else item for item in items]


def clean_bag(bag: dask.bag.Bag, options: CleanOptions | None = None) -> dask.bag.Bag:
    """A bag of JSON Lines records (dicts with `text` or `html`, and optionally `id`, `url`,
    `fetched_at`, anything else) -> a bag of SPEC records, partition by partition, in order."""
    return bag.map_partitions(clean_records, options)


def record_columns(input_columns: Iterable[str], text_column: str) -> list[str]:
    """The columns of `clean_dataframe`'s result: the input's other columns (passed through),
    then `fetched_at`, SPEC's record fields, and `error` (null unless the row failed)."""
    columns = [c for c in input_columns if c not in (text_column, "text", "html")]
    for name in ("fetched_at", *RECORD_FIELDS, "error"):
        if name not in columns:
            columns.append(name)
    return columns


def _clean_frame(frame: Any, text_column: str, html: bool, options: CleanOptions | None) -> Any:
    import pandas as pd

    records = frame.to_dict("records")
    for record in records:
        record["html" if html else "text"] = record.pop(text_column)
        for key, value in list(record.items()):
            if isinstance(value, float) and value != value:  # NaN: a missing value
                record[key] = None
    columns = record_columns(frame.columns, text_column)
    cleaned = clean_records(records, options)
    return pd.DataFrame([[r.get(c) for c in columns] for r in cleaned], columns=columns).astype(
        object
    )


def clean_dataframe(
    ddf: dask.dataframe.DataFrame,
    text_column: str = "text",
    *,
    html: bool = False,
    options: CleanOptions | None = None,
) -> dask.dataframe.DataFrame:
    """One row per input row: `text_column` (HTML with `html=True`) cleaned into SPEC's
    record fields; the other columns pass through (`id`, `url`, `fetched_at` are used).
    Ready for `to_parquet`."""
    import pandas as pd

    columns = record_columns(ddf.columns, text_column)
    meta = pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    return ddf.map_partitions(_clean_frame, text_column, html, options, meta=meta)


@contextlib.contextmanager
def connected(
    scheduler: str,
    options: CleanOptions | None = None,
    *,
    announce: Callable[[str], None] | None = None,
) -> Iterator[Client]:
    """A client for `scheduler` (see `client_for`), closed with its local cluster after;
    `announce` hears one line naming the cluster and its dashboard (`describe`)."""
    client = client_for(scheduler, dashboard=announce is not None, options=options)
    try:
        if announce is not None:
            announce(describe(client, scheduler))
        yield client
    finally:
        cluster = client.cluster
        client.close()
        if cluster is not None:
            cluster.close()
