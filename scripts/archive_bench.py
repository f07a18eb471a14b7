"""Archive speed: ingest documents/s, store overhead vs bare sqlite-utils, search latency.

    python scripts/archive_bench.py [--docs 3000] [--store-docs 10000] [--search-docs 100000]

Every figure is the median of `--runs` runs (search: of many queries per run); ratios are
medians of ratios measured in the same run, the two sides interleaved. References (issue 7):
the store adds <= 30 % over a bare sqlite-utils insert with FTS5 triggers; `cleaner search`
<= 1.1x FTS5's own `ORDER BY rank LIMIT N`; Datasette search <= 100 ms, at 100k documents.

The bare side gets what the store gives it and nothing else: the same article rows (every
column of `articles`), the same FTS5 columns with sqlite-utils' triggers, the same pragmas
(WAL, synchronous=NORMAL, the page cache size) and the same transactions (one per batch of
`ingest.BATCH_SIZE`). It is timed with SQLite's default page size, as sqlite-utils leaves it,
and with the archive's larger pages.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import NamedTuple

import sqlite_utils

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cleaner.archive import Archive, Pending, ingest, search, sequential  # noqa: E402
from cleaner.archive.ingest import BATCH_SIZE  # noqa: E402
from cleaner.archive.schema import FTS_COLUMNS  # noqa: E402
from cleaner.archive.store import CACHE_KIB, PAGE_SIZE, fingerprinted  # noqa: E402

from cleaner import clean  # noqa: E402
from cleaner.document import Document  # noqa: E402
from cleaner.inputs import RawInput  # noqa: E402
from tests.archive.corpus import generated_text  # noqa: E402

REPS = 20  # queries per timed run
nan = float("nan")


def article(n: int, rng: random.Random) -> str:
    """A ~1.5 KB generated article (tests/archive/corpus.py): 20 % hold "zebra"."""
    return generated_text(n, rng, "tok", paragraphs=4, sentences=4, words=14)


def median_time(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def fresh(tmp: Path, name: str) -> Path:
    path = tmp / name
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return path


def bench_ingest(tmp: Path, texts: list[str], runs: int) -> float:
    """End to end: clean + dedupe + store, one process (documents/s)."""
    items = [RawInput(f"doc{i}", t, f"doc{i}", kind="text") for i, t in enumerate(texts)]

    def once() -> None:
        with Archive(fresh(tmp, "ingest.db")) as arc:
            run_id = arc.start_run("archive", [], "bench")
            ingest(arc, items, run_id=run_id, clean_batch=sequential())

    return len(texts) / median_time(once, runs)


def _timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def bench_store(tmp: Path, docs: list[Document], runs: int) -> dict[str, float]:
    """The store layer vs a bare sqlite-utils insert_all with FTS5 triggers, same rows.

    Returns medians: seconds for bare, ours hashing the documents too ("full"), ours given
    documents hashed by the workers ("sql"), and the per-run ratios of the last two to bare.
    """
    # As `cleaner archive --jobs N` gets them from its workers: documents with their keys.
    precomputed = [Pending.of(f, f.doc.text.encode()) for f in fingerprinted(docs)]
    rows = [  # exactly what `articles` gets: every column, ids included
        {"id": i + 1, **Archive._article_values(p.doc, p), "archived_at": "x", "run_id": 1}
        | {"duplicate_of": None}
        for i, p in enumerate(precomputed)
    ]

    def ours(prepared: bool) -> None:
        with Archive(fresh(tmp, "store.db")) as arc:
            run_id = arc.start_run("archive", [], "bench")
            for i in range(0, len(docs), BATCH_SIZE):
                if prepared:
                    batch = precomputed[i : i + BATCH_SIZE]
                else:
                    batch = [Pending.of(d, d.text.encode()) for d in docs[i : i + BATCH_SIZE]]
                arc.write_batch(run_id, batch)

    def bare(page_size: int | None = None) -> None:
        db = sqlite_utils.Database(fresh(tmp, "bare.db"))
        if page_size:
            db.conn.execute(f"PRAGMA page_size = {page_size}")
        db.conn.execute("PRAGMA journal_mode = WAL")
        db.conn.execute("PRAGMA synchronous = NORMAL")
        db.conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        table = db.table("articles")
        table.create({k: type(v) if v is not None else str for k, v in rows[0].items()}, pk="id")
        table.enable_fts(FTS_COLUMNS, create_triggers=True)
        for i in range(0, len(rows), BATCH_SIZE):
            with db.atomic():
                table.insert_all(rows[i : i + BATCH_SIZE], batch_size=BATCH_SIZE)
        db.close()

    times: dict[str, list[float]] = {"bare": [], "bare-pages": [], "full": [], "sql": []}
    for _ in range(runs):
        times["bare"].append(_timed(bare))
        times["bare-pages"].append(_timed(lambda: bare(PAGE_SIZE)))
        times["full"].append(_timed(lambda: ours(False)))
        times["sql"].append(_timed(lambda: ours(True)))
    out = {name: statistics.median(values) for name, values in times.items()}
    for name in ("full", "sql"):
        for reference in ("bare", "bare-pages"):
            ratios = [t / b for t, b in zip(times[name], times[reference], strict=True)]
            out[f"{name}/{reference}"] = statistics.median(ratios)
    return out


def synthetic_docs(template: Document, n: int, rng: random.Random) -> list[Document]:
    out = []
    for i in range(n):
        text = article(i, rng).split("\n\n", 1)[1]
        sha = hashlib.sha256(f"{i}:{text}".encode()).hexdigest()
        out.append(
            dataclasses.replace(
                template, id=f"s{i}", source=f"s{i}", text=text, title=f"Story {i}", raw_sha256=sha
            )
        )
    return out


FTS_RANK_SQL = (
    "SELECT rowid, rank FROM articles_fts WHERE articles_fts MATCH ? ORDER BY rank LIMIT 10"
)
# FTS5's own ranked query with its own snippet(): what SPEC's "highlighted snippet" costs alone.
FTS_SNIPPET_SQL = (
    "SELECT rowid, rank, snippet(articles_fts, -1, '[', ']', '…', 24) FROM articles_fts "
    "WHERE articles_fts MATCH ? ORDER BY rank LIMIT 10"
)
# What `cleaner search` shows, written by hand: the same columns, snippet and copy filter.
SAME_COLUMNS_SQL = (
    "SELECT a.id, a.doc_id, a.title, a.url, a.source, a.language, a.published, a.publisher, "
    "a.duplicate_of, articles_fts.rank, snippet(articles_fts, -1, '[', ']', '…', 24) "
    "FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid "
    "WHERE articles_fts MATCH ? AND a.duplicate_of IS NULL ORDER BY articles_fts.rank LIMIT 10"
)
REFERENCES = {"bare": FTS_RANK_SQL, "snippet": FTS_SNIPPET_SQL, "same": SAME_COLUMNS_SQL}


class SearchTiming(NamedTuple):
    """One query: ms per query (medians) and ratios (medians of the per-run ratios)."""

    label: str
    ours: float  # archive.search
    ms: dict[str, float]  # each reference statement (REFERENCES)
    ratio: dict[str, float]  # ours / reference; "snippet/bare": FTS5's snippet alone


def _fetch(conn: sqlite3.Connection, sql: str, match: str) -> list[object]:
    return conn.execute(sql, (match,)).fetchall()


def _ratio(ours: list[float], theirs: list[float]) -> float:
    """The median of per-run ratios (each run's two sides measured back to back)."""
    return statistics.median(a / b for a, b in zip(ours, theirs, strict=True))


def search_archive(tmp: Path, docs: list[Document]) -> Path:
    """A fresh archive holding `docs`, for the search and Datasette timings."""
    path = fresh(tmp, "search.db")
    with Archive(path) as arc:
        run_id = arc.start_run("archive", [], "bench")
        for i in range(0, len(docs), 500):
            arc.write_batch(run_id, [Pending(d, d.text.encode()) for d in docs[i : i + 500]])
    return path


def bench_search(path: Path, runs: int) -> list[SearchTiming]:
    """`archive.search` vs FTS5's own `ORDER BY rank LIMIT 10`, vs that query with FTS5's
    snippet, and vs the statement search() runs written by hand, interleaved."""
    queries = [
        ("rare term", "tok77x10", '"tok77x10"'),
        ("phrase", '"golden lighthouse"', '"golden lighthouse"'),
        ("term in 20%", "zebra", '"zebra"'),
    ]
    results = []
    with Archive(path, write=False) as arc:
        conn = arc.conn

        def repeat(fn: Callable[[], object]) -> Callable[[], object]:
            return lambda: [fn() for _ in range(REPS)]

        for label, user_query, match in queries:
            sides: dict[str, Callable[[], object]] = {
                "ours": partial(search, arc, user_query),
                **{name: partial(_fetch, conn, sql, match) for name, sql in REFERENCES.items()},
            }
            for _ in range(3):  # warm the page cache
                for run in sides.values():
                    run()
            times: dict[str, list[float]] = {name: [] for name in sides}
            for _ in range(runs):  # interleaved, ratios per run
                for name, run in sides.items():
                    times[name].append(_timed(repeat(run)))

            ms = {name: statistics.median(values) / REPS * 1000 for name, values in times.items()}
            ratios = {name: _ratio(times["ours"], times[name]) for name in REFERENCES}
            ratios["snippet/bare"] = _ratio(times["snippet"], times["bare"])
            results.append(SearchTiming(label, ms.pop("ours"), ms, ratios))
    return results


def bench_datasette(path: Path, runs: int) -> list[tuple[str, float]]:
    """Datasette with the shipped metadata and `cleaner serve`'s settings (ms, medians)."""
    import asyncio

    from cleaner.archive.serve import SETTINGS, metadata_for
    from datasette.app import Datasette  # type: ignore[import-untyped]

    settings = {k: (v == "on") if v in ("on", "off") else int(v) for k, v in SETTINGS.items()}
    ds = Datasette(immutables=[str(path)], metadata=metadata_for(path), settings=settings)
    name = path.stem
    urls = [  # HTML pages, as a browser gets them; the first is where users search
        ("ranked search form (canned query)", f"/{name}/search?q=zebra"),
        ("table _search: facets + count", f"/{name}/articles?_search=zebra"),
        ("table _search, no facets/count", f"/{name}/articles?_search=zebra&_nocount=1&_nofacet=1"),
    ]

    async def timed() -> list[tuple[str, float]]:
        await ds.invoke_startup()
        out = []
        for label, url in urls:
            (await ds.client.get(url)).raise_for_status()  # warm up
            times = []
            for _ in range(max(runs, 5)):
                start = time.perf_counter()
                (await ds.client.get(url)).raise_for_status()
                times.append(time.perf_counter() - start)
            out.append((label, statistics.median(times) * 1000))
        return out

    return asyncio.run(timed())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=3000, help="documents for ingest/store")
    parser.add_argument("--store-docs", type=int, default=10000, help="rows for the store test")
    parser.add_argument("--search-docs", type=int, default=100000, help="archive size for search")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--only", choices=("ingest", "store", "search"), help="run one part of the bench"
    )
    args = parser.parse_args()
    rng = random.Random(0)
    texts = [article(i, rng) for i in range(args.docs)]
    print(f"archive bench: {args.docs} generated documents (~1.5 KB), medians of {args.runs} runs")
    print(f"SQLite {sqlite3.sqlite_version}")
    with tempfile.TemporaryDirectory(prefix="archive-bench-") as name:
        tmp = Path(name)
        start = time.perf_counter()
        docs = [clean(t) for t in texts]
        clean_rate = len(docs) / (time.perf_counter() - start)
        if args.only in (None, "ingest"):
            print_ingest(tmp, texts, docs, clean_rate, args.runs)
        if args.only in (None, "store"):
            print_store(tmp, docs, args.store_docs, args.runs)
        if args.only in (None, "search"):
            print_search(tmp, docs, args.search_docs, args.runs)


def print_ingest(
    tmp: Path, texts: list[str], docs: list[Document], clean_rate: float, runs: int
) -> None:
    rate = bench_ingest(tmp, texts, runs)
    print(
        f"  ingest end to end (clean + store): {rate:8.0f} docs/s   "
        f"(clean alone: {clean_rate:.0f} docs/s)"
    )


def print_store(tmp: Path, docs: list[Document], count: int, runs: int) -> None:
    corpus = synthetic_docs(docs[0], count, random.Random(1))
    store = bench_store(tmp, corpus, runs)
    n = len(corpus)
    print(
        f"  store {n} articles, {BATCH_SIZE} per transaction: bare sqlite-utils insert_all "
        f"+ FTS5 triggers {n / store['bare']:6.0f} docs/s "
        f"({n / store['bare-pages']:.0f} docs/s with the archive's {PAGE_SIZE // 1024} KiB pages)"
    )
    print(
        "    store layer, the writer's work (raw bytes, removals, duplicate look-ups, LSH "
        "rows; documents hashed by the cleaning workers, as `cleaner archive --jobs N` does):"
    )
    print(
        f"      {n / store['sql']:6.0f} docs/s = {store['sql/bare']:.2f}x bare (target <= 1.30x),"
        f" {store['sql/bare-pages']:.2f}x bare with the same page size"
    )
    print("    store layer with the hashing in the writer too (exact hash + MinHash; --jobs 1):")
    print(
        f"      {n / store['full']:6.0f} docs/s = {store['full/bare']:.2f}x bare,"
        f" {store['full/bare-pages']:.2f}x bare with the same page size"
    )


def print_search(tmp: Path, docs: list[Document], count: int, runs: int) -> None:
    path = search_archive(tmp, synthetic_docs(docs[0], count, random.Random(1)))
    print(f"  search over {count} articles, LIMIT 10 (ms per query):")
    for t in bench_search(path, runs):
        print(
            f"    {t.label:12s} cleaner search {t.ours:6.3f}   FTS5 rank alone {t.ms['bare']:6.3f}"
            f" = {t.ratio['bare']:.2f}x (target <= 1.10x)"
        )
        print(
            f"    {'':12s} FTS5 rank + snippet() {t.ms['snippet']:6.3f} ="
            f" {t.ratio['snippet/bare']:.2f}x rank alone;  cleaner search"
            f" = {t.ratio['snippet']:.2f}x it, {t.ratio['same']:.2f}x its own statement by hand"
        )
    for label, ms in bench_datasette(path, runs):
        target = " (target <= 100 ms at 100k docs)" if "ranked" in label else ""
        print(f"    datasette: {label:50s} {ms:7.1f} ms{target}")


if __name__ == "__main__":
    main()
