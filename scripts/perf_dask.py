#!/usr/bin/env python3
"""Dask throughput and merge speed (issue 15): `--dask local:2` against `--jobs 2`, and
`cleaner merge` in documents per second.

    python scripts/perf_dask.py                       # 20,000 records to clean, merge at 100k
    python scripts/perf_dask.py --only merge --stored --keep /tmp/shards --times 10  # 1M

Clean: seed-sized generated scrapes (scripts/perf.py's `generated_texts`: four languages,
invented words, boilerplate) in one JSON Lines file, through `cleaner clean --format jsonl`
with `--jobs 2` and with `--dask local:2`: whole processes as a user runs them (cluster
start-up included), interleaved rounds, medians; the outputs must be byte-identical. Then
the same inside one process once the cluster is up and warm (the rate of a long run).

Merge: `--merge-docs` documents (`merge_records`: Zipf-distributed invented words, 40 sites
with their menu and footer lines, one in 25 a near copy of an earlier story) in 4 parts that
overlap by 5 %, each written as `cleaner archive --dask` writes its shards (cleaned, by
`archive.merge.write_shard`; with `--stored`, written straight through the store without
cleaning, ten times quicker to build at a million documents), in two processes, not timed
(`--keep DIR` keeps them for the next run); then `cleaner merge` of the 4 shards into a new
archive, a whole process, timed (wall and CPU), then the same merge again (adds nothing).
"""

from __future__ import annotations

import argparse
import io
import json
import multiprocessing
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from perf import _SYLLABLES, generated_texts  # noqa: E402

CLEANER = str(Path(sys.executable).with_name("cleaner"))
PARTS = 4
SITES = 40
NEAR_EVERY = 25


def records(count: int, tag: str, seed: int = 0) -> list[dict[str, str]]:
    """`count` distinct scrapes with URLs on `SITES` sites; every `NEAR_EVERY`th is a near
    copy (one word changed) of an earlier one, so near-duplicates cross the shards."""
    rng = random.Random(seed)
    texts = generated_texts(count, seed=seed, paragraphs=5)
    out = []
    for n, text in enumerate(texts):
        if n % NEAR_EVERY == NEAR_EVERY - 1:
            words = texts[rng.randrange(n)].split(" ")
            words[len(words) // 2] = f"altered{n}"
            text = " ".join(words)
        site = f"site{rng.randrange(SITES)}.example"
        out.append({"id": f"{tag}-{n}", "url": f"https://{site}/news/{n}", "text": text})
    return out


def merge_records(count: int, tag: str, seed: int = 0) -> list[dict[str, str]]:
    """`count` news-like scrapes for the merge, quick to make at a million: words drawn from
    an invented vocabulary of 50,000 (four languages' syllables) with Zipf's frequencies, as
    a real crawl's are; 3 to 7 paragraphs; a site's menu and footer lines around each (the
    template lines); every `NEAR_EVERY`th a near copy (another title, one word changed) of
    an earlier story, so near-duplicates cross the shards."""
    rng = random.Random(seed)
    syllables = [s for group in _SYLLABLES.values() for s in group.split()]
    vocabulary = list(
        dict.fromkeys("".join(rng.choices(syllables, k=rng.randint(2, 4))) for _ in range(60_000))
    )[:50_000]
    import numpy as np

    cumulative = np.cumsum(1 / np.arange(1, len(vocabulary) + 1))
    draws = np.random.default_rng(seed)
    pool: list[str] = []
    at = 0

    def words(low: int, high: int) -> str:
        nonlocal pool, at
        size = rng.randint(low, high)
        if at + size > len(pool):  # drawn 100,000 at a time: numpy, not a loop per word
            picks = np.searchsorted(cumulative, draws.random(100_000) * cumulative[-1])
            pool, at = [vocabulary[i] for i in picks.tolist()], 0
        at += size
        return " ".join(pool[at - size : at])

    bodies: list[str] = []
    out = []
    for n in range(count):
        site = f"site{rng.randrange(SITES)}.example"
        if n % NEAR_EVERY == NEAR_EVERY - 1:
            body = bodies[rng.randrange(n)].split(" ")
            body[len(body) // 2] = f"altered{n}"
            bodies.append(" ".join(body))
        else:
            bodies.append(
                "\n\n".join(
                    " ".join(words(8, 24).capitalize() + "." for _ in range(rng.randint(2, 5)))
                    for _ in range(rng.randint(3, 7))
                )
            )
        text = (
            f"{site} | Home | World | Business | Sport\n{words(5, 9).capitalize()}\n\n"
            f"{bodies[-1]}\n\nShare this story\nMore from {site}\n"
            f"© {site}, all rights reserved\n"
        )
        out.append({"id": f"{tag}-{n}", "url": f"https://{site}/news/{n}", "text": text})
    return out


def write_records(path: Path, rows: list[dict[str, str]]) -> Path:
    with open(path, "w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path


def _write_shard(job: tuple[str, bytes]) -> int:
    """One shard, as a task of `cleaner archive --dask` writes it (in a pool process)."""
    from cleaner.archive.merge import write_shard

    from cleaner.dask import Shipped
    from cleaner.inputs import read_inputs
    from cleaner.pipeline import CleanOptions

    path, data = job
    items = list(read_inputs(["-"], kind="jsonl", stdin=io.BytesIO(data)))
    return write_shard(path, Shipped(CleanOptions()), items).added  # type: ignore[arg-type]


def _store_shard(job: tuple[str, bytes]) -> int:
    """One shard written straight through the store, without cleaning (`--stored`): the
    generated scrape's first line and last three are recorded as removed boilerplate, the
    second is the title, the rest the text. Ten times faster to build than cleaning, for
    merge measurements at a million documents; the merge reads such a shard as any other."""
    import hashlib

    from cleaner.archive import Archive
    from cleaner.archive.merge import _save_keys
    from cleaner.archive.store import Pending

    from cleaner import __version__
    from cleaner.document import Document, Removal
    from cleaner.templates import site_and_keys

    path, data = job
    rows = [json.loads(line) for line in data.decode("utf-8").splitlines()]
    keys = {}
    with Archive(path) as shard:
        run_id = shard.start_run("archive", [path], "generated")
        for start in range(0, len(rows), 5000):
            batch = []
            for row in rows[start : start + 5000]:
                raw = row["text"].encode("utf-8")
                lines = row["text"].split("\n")
                removed = [0, len(lines) - 4, len(lines) - 3, len(lines) - 2]
                doc = Document(
                    id=row["id"],
                    source=path,
                    url=row["url"],
                    title=lines[1],
                    text="\n".join(lines[2:-4]).strip(),
                    language=None,
                    language_probability=0.0,
                    published=None,
                    page_date=None,
                    publisher=None,
                    category=None,
                    author=None,
                    published_source=None,
                    paywalled=False,
                    removed=tuple(
                        Removal("generated", "boilerplate", i, lines[i]) for i in removed
                    ),
                    raw_sha256=hashlib.sha256(raw).hexdigest(),
                    cleaner_version=__version__,
                    ruleset_version="generated",
                    lines=tuple(lines),
                )
                keys[doc.raw_sha256] = site_and_keys(doc)
                batch.append(Pending(doc, raw, "text"))
            shard.write_batch(run_id, batch)
        shard.finish_run(run_id, "completed")
        _save_keys(shard, keys)
    return len(rows)


def build_shards(docs: int, folder: Path, *, stored: bool = False) -> tuple[list[str], int]:
    """`PARTS` overlapping shards of `docs` distinct documents in `folder` (reused when a
    previous run left them there); returns their paths and how many rows they hold. With
    `stored`, written straight through the store (`_store_shard`), else cleaned."""
    folder.mkdir(parents=True, exist_ok=True)
    marker = folder / "shards.json"
    if marker.exists():
        known = json.loads(marker.read_text())
        if (known["docs"], known.get("stored", False)) == (docs, stored) and all(
            Path(p).exists() for p in known["paths"]
        ):
            return known["paths"], known["rows"]
    rows = merge_records(docs, "pm")
    quarter, overlap = docs // PARTS, docs // 20
    parts = [rows[max(0, n * quarter - overlap) : (n + 1) * quarter] for n in range(PARTS)]
    paths, jobs = [], []
    for n, part in enumerate(parts):
        path = folder / f"shard{n}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in part).encode()
        paths.append(str(path))
        jobs.append((str(path), data))
    started = time.perf_counter()
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        pool.map(_store_shard if stored else _write_shard, jobs, chunksize=1)
    total = sum(len(part) for part in parts)
    print(f"  ({total} rows in {PARTS} shards written in {time.perf_counter() - started:.0f} s)")
    marker.write_text(json.dumps({"docs": docs, "stored": stored, "paths": paths, "rows": total}))
    return paths, total


def replicate(shards: list[str], times: int, folder: Path) -> tuple[list[str], int]:
    """Shards `times` as big, for a merge at a million documents in minutes rather than the
    hours cleaning them takes here: each shard's rows copied `times` - 1 more times inside
    SQLite, with new raw and text hashes (so each copy counts as new documents) and their
    MinHash values XORed with a constant per copy (each copy's near copies stay near copies
    of each other, none of another copy's). The copies' texts are the same words, so FTS5
    tokenises as much per document as for the first. The copies are left out of the shards'
    own FTS indexes, which a merge never reads."""
    import hashlib
    import shutil
    import sqlite3

    import numpy as np

    folder.mkdir(parents=True, exist_ok=True)
    marker = folder / "shards.json"
    if marker.exists():
        known = json.loads(marker.read_text())
        if (known["from"], known["times"]) == (shards, times):
            return known["paths"], known["rows"]
    masks = np.random.default_rng(1).integers(1, 2**32, size=times, dtype=np.uint32)
    out, rows = [], 0
    for n, source in enumerate(shards):
        path = folder / f"shard{n}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        shutil.copy(source, path)
        conn = sqlite3.connect(path, isolation_level=None)
        conn.create_function(
            "rekey",
            2,
            lambda sha, k: sha and hashlib.sha256(f"{k}:{sha}".encode()).hexdigest(),
            deterministic=True,
        )
        conn.create_function(
            "shifted",
            2,
            lambda blob, k: (np.frombuffer(blob, dtype="<u4") ^ masks[k]).tobytes(),
            deterministic=True,
        )
        conn.execute("ATTACH DATABASE ? AS s", (source,))
        for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'"):
            conn.execute(f"DROP TRIGGER {name}")
        raw = [r[1] for r in conn.execute("PRAGMA table_info(raw_documents)")]
        articles = [r[1] for r in conn.execute("PRAGMA table_info(articles)")]
        (top,) = conn.execute("SELECT max(id) FROM s.articles").fetchone()
        changed = {
            "raw_sha256": "rekey(raw_sha256, :k)",
            "text_sha256": "rekey(text_sha256, :k)",
            "id": "id + :offset",
            "duplicate_of": "duplicate_of + :offset",
        }
        conn.execute("BEGIN")
        for k in range(1, times):
            values = {"k": k, "offset": k * top}
            for table, columns in (("raw_documents", raw), ("articles", articles)):
                chosen = ", ".join(
                    changed.get(c, c) if table == "articles" or c == "raw_sha256" else c
                    for c in columns
                )
                conn.execute(
                    f"INSERT INTO {table} ({', '.join(columns)}) SELECT {chosen} FROM s.{table}"
                    " ORDER BY rowid",
                    values,
                )
            conn.execute(
                "INSERT INTO removals (article_id, rule, category, line, text) SELECT "
                "article_id + :offset, rule, category, line, text FROM s.removals ORDER BY id",
                values,
            )
            conn.execute(
                "INSERT INTO minhashes SELECT article_id + :offset, shifted(signature, :k) "
                "FROM s.minhashes",
                values,
            )
            conn.execute(
                "INSERT INTO merge_site_keys SELECT rekey(raw_sha256, :k), site, keys "
                "FROM s.merge_site_keys",
                values,
            )
        conn.execute("COMMIT")
        rows += conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        conn.close()
        out.append(str(path))
    marker.write_text(json.dumps({"from": shards, "times": times, "paths": out, "rows": rows}))
    return out, rows


def run(args: list[str], out: Path | None = None) -> float:
    """Wall time of one whole `cleaner` process."""
    return run_timed(args, out)[0]


def run_timed(args: list[str], out: Path | None = None) -> tuple[float, float]:
    """Wall and CPU time (user + system) of one whole `cleaner` process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    with open(out or os.devnull, "wb") as handle:
        subprocess.run([CLEANER, *args], stdout=handle, stderr=subprocess.DEVNULL, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def fts_rate(archive: Path, sample: int = 20_000) -> float:
    """Documents per CPU second that FTS5 alone indexes, for the archive's own titles and
    texts in a table of the same definition: the floor under a merge (SQLite's single
    writer tokenises every text it adds)."""
    import sqlite3

    with sqlite3.connect(archive) as conn:
        rows = conn.execute("SELECT title, text, folded FROM articles LIMIT ?", (sample,))
        rows = rows.fetchall()
    memory = sqlite3.connect(":memory:")
    memory.execute("CREATE VIRTUAL TABLE f USING fts5(title, text, folded)")
    started = time.process_time()
    memory.executemany("INSERT INTO f VALUES (?, ?, ?)", rows)
    memory.commit()
    return len(rows) / (time.process_time() - started)


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load {one:.1f} {five:.1f} {fifteen:.1f}"


def merge_speed(docs: int, folder: Path, *, stored: bool = False, times: int = 1) -> dict[str, Any]:
    """`cleaner merge` of the shards into a new archive, then again (nothing to add); with
    `times`, of the shards made that many times bigger (`replicate`)."""
    shards, rows = build_shards(docs, folder, stored=stored)
    if times > 1:
        shards, rows = replicate(shards, times, folder / f"times{times}")
        docs *= times
    target = folder / "merged.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    before = load()
    seconds, cpu = run_timed(["merge", str(target), *shards])
    again = run(["merge", str(target), *shards])
    size = target.stat().st_size
    floor = fts_rate(target)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    out = {
        "docs": docs,
        "rows": rows,
        "seconds": seconds,
        "rate": rows / seconds,
        "cpu_rate": rows / cpu,
        "fts_rate": floor,
        "again": rows / again,
        "bytes": size,
        "load": f"{before}, after {load()}",
    }
    print(
        f"merge of {PARTS} shards, {rows} rows ({docs} distinct documents): {seconds:.1f} s, "
        f"{out['rate']:.0f} docs/s (target >= 5000), {out['cpu_rate']:.0f} per CPU second"
        f" (FTS5 alone: {floor:.0f}/s); merging again: {out['again']:.0f} docs/s;"
        f" archive {size / 1e6:.0f} MB ({out['load']})"
    )
    return out


def clean_ratio(docs: int, runs: int, tmp: Path) -> dict[str, Any]:
    """`cleaner clean --format jsonl` with `--jobs 2` and `--dask local:2`, whole processes,
    interleaved rounds, medians."""
    data = write_records(tmp / "clean.jsonl", records(docs, "pd", seed=5))
    times: dict[str, list[float]] = {"jobs": [], "dask": []}
    before = load()
    for _ in range(runs):
        for name, flag, value in (("jobs", "--jobs", "2"), ("dask", "--dask", "local:2")):
            args = ["clean", "--format", "jsonl", str(data), flag, value]
            times[name].append(run(args, tmp / name))
    same = (tmp / "jobs").read_bytes() == (tmp / "dask").read_bytes()
    jobs, dask = (docs / statistics.median(times[k]) for k in ("jobs", "dask"))
    out = {"docs": docs, "jobs": jobs, "dask": dask, "ratio": dask / jobs, "same": same}
    out["load"] = f"{before}, after {load()}"
    print(
        f"clean {docs} records, whole processes, medians of {runs}: --jobs 2 {jobs:.0f} docs/s,"
        f" --dask local:2 {dask:.0f} docs/s: {dask / jobs:.2f}x (target >= 0.8);"
        f" identical output: {same} ({out['load']})"
    )
    return out


def steady_ratio(docs: int, tmp: Path) -> dict[str, Any]:
    """The same inside one process, the cluster started and warmed up first: the rate of a
    long run once the fixed start-up cost (worker processes, imports, rules) is paid."""
    from cleaner.batch import clean_batch
    from cleaner.dask import clean_on_cluster, connected
    from cleaner.inputs import read_inputs

    path = write_records(tmp / "steady.jsonl", records(docs, "ps", seed=7))
    items = list(read_inputs([str(path)]))
    started = time.perf_counter()
    with connected("local:2") as client:
        up = time.perf_counter() - started
        sum(1 for _ in clean_on_cluster(client, items[:200]))  # warm-up, not counted
        started = time.perf_counter()
        sum(1 for _ in clean_on_cluster(client, items))
        dask = docs / (time.perf_counter() - started)
    started = time.perf_counter()
    sum(1 for _ in clean_batch(items, jobs=2))
    jobs = docs / (time.perf_counter() - started)
    print(
        f"steady state, {docs} records in one process: jobs=2 {jobs:.0f} docs/s, local:2 "
        f"{dask:.0f} docs/s: {dask / jobs:.2f}x; the cluster started in {up:.1f} s"
    )
    return {"jobs": jobs, "dask": dask, "ratio": dask / jobs, "start": up}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clean-docs", type=int, default=20_000)
    parser.add_argument("--merge-docs", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", choices=["clean", "steady", "merge"])
    parser.add_argument("--keep", type=Path, help="folder for the merge shards, kept")
    parser.add_argument(
        "--stored", action="store_true", help="merge shards written through the store, not cleaned"
    )
    parser.add_argument("--times", type=int, default=1, help="merge shards made N times bigger")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="perf-dask-") as name:
        tmp = Path(name)
        if args.only in (None, "clean"):
            clean_ratio(args.clean_docs, args.runs, tmp)
        if args.only in (None, "steady"):
            steady_ratio(args.clean_docs, tmp)
        if args.only in (None, "merge"):
            folder = args.keep or tmp / "shards"
            merge_speed(args.merge_docs, folder, stored=args.stored, times=args.times)


if __name__ == "__main__":
    main()
