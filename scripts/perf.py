#!/usr/bin/env python3
"""Speed benchmark for issue 7: every target figure beside its reference, medians of several runs.

    python scripts/perf.py                        # samples only (seed-sized scrapes)
    python scripts/perf.py --bench ../shared/bench/aeb/dev.jsonl.gz   # + HTML mode vs trafilatura
    python scripts/perf.py --stream-records 1000000                   # the full streaming check
    python scripts/perf.py --only text,startup    # some sections only

Sections: text (docs/s in one process, end to end), jobs (`--jobs 2` scaling), html (HTML mode
time / trafilatura.extract alone on the same pages), startup (whole processes), stream (a large
generated JSON Lines batch: peak RSS, first output before the end), linear (time per KB from
1 KB to 1 MB), archive (store layer vs bare sqlite-utils + FTS5, `cleaner search` vs FTS5's
ranked query and Datasette search at 100k documents, with scripts/archive_bench.py's functions).
Data paths are arguments: without /work/shared the parts that need it are skipped.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cleaner import CleanOptions, clean  # noqa: E402
from cleaner.cli.common import CHUNK  # noqa: E402
from cleaner.dates import _parse_cached  # noqa: E402
from cleaner.pipeline import draft, finish  # noqa: E402

DEFAULT_BENCH = Path("/work/shared/bench/aeb/dev.jsonl.gz")
SECTIONS = ("text", "jobs", "html", "startup", "stream", "linear", "archive")


@dataclass
class Figure:
    """One line of the summary table."""

    name: str
    measured: str
    target: str
    reference: str
    ok: bool | None  # None: informational, no target


FIGURES: list[Figure] = []


def figure(name: str, measured: str, target: str, reference: str, ok: bool | None) -> None:
    FIGURES.append(Figure(name, measured, target, reference, ok))
    mark = {True: "ok", False: "MISS", None: "--"}[ok]
    print(f"  {name:44s} {measured:>16s}  target {target:<14s} [{mark}]  ref: {reference}")


def median_of(runs: int, fn: Callable[[], float]) -> float:
    """Median of `runs` calls of a function that returns one measurement."""
    return statistics.median(fn() for _ in range(runs))


def seed_texts() -> list[bytes]:
    """Seed-sized plain-text scrapes: the samples (the five seeds are among them)."""
    return [p.read_bytes() for p in sorted((ROOT / "samples").glob("*.raw.txt"))]


def cleaner_command() -> list[str]:
    """The installed console script when there is one, else the same entry point via -c."""
    script = Path(sys.executable).with_name("cleaner")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from cleaner.cli import main; sys.exit(main())"]


# --- 1. text mode in one process -------------------------------------------------------------


def clean_to_json(raw: bytes) -> str:
    """What `cleaner clean --format jsonl` does per document of a live stream, without I/O."""
    return json.dumps(clean(raw).to_record(), ensure_ascii=False)


def clean_group_to_json(raws: list[bytes]) -> list[str]:
    """What `cleaner clean FILES --format jsonl` does per group of inputs, without I/O: each
    drafted, the languages detected together (cleaner.cli.common.clean_several)."""
    drafts = []
    for raw in raws:
        _parse_cached.cache_clear()
        drafts.append(draft(raw))
    return [json.dumps(doc.to_record(), ensure_ascii=False) for doc in finish(drafts)]


def bench_text(runs: int, seconds: float) -> None:
    """Docs/s end to end on seed-sized scrapes; the date cache is cleared before every document
    so that repeating the same few files does not hide the parsing cost."""
    docs = seed_texts()
    for raw in docs:  # warm-up: rules compiled, langdetect profiles and dateparser loaded
        clean_to_json(raw)
    groups = [[docs[(g * CHUNK + k) % len(docs)] for k in range(CHUNK)] for g in range(len(docs))]

    def grouped() -> float:
        n, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            for group in groups:
                clean_group_to_json(group)
                n += len(group)
        return n / (time.perf_counter() - start)

    def one_by_one() -> float:
        n, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            for raw in docs:
                _parse_cached.cache_clear()
                clean_to_json(raw)
                n += 1
        return n / (time.perf_counter() - start)

    rates: dict[str, list[float]] = {"grouped": [], "one": []}
    for _ in range(runs):  # interleaved: both see the same machine
        rates["grouped"].append(grouped())
        rates["one"].append(one_by_one())
    rate, single = (statistics.median(rates[k]) for k in ("grouped", "one"))
    size = statistics.mean(len(d) for d in docs) / 1024
    print(
        f"text mode: {len(docs)} seed-sized scrapes (mean {size:.1f} KB), {seconds:.0f} s per run"
    )
    figure(
        f"text mode, one process (files: groups of {CHUNK})",
        f"{rate:.0f} docs/s",
        ">= 500 docs/s",
        "100 regexes over 70 lines ~450-600 docs/s; langdetect ~400/s on 200 chars",
        rate >= 500,
    )
    figure(
        "text mode, a live stream (one at a time)",
        f"{single:.0f} docs/s",
        "",
        "standard input: each document written before the next is read",
        None,
    )
    profile_text(groups)


def profile_text(groups: list[list[bytes]]) -> None:
    """Where the time goes: the pipeline's passes, timed around the calls `draft` and
    `finish` make, on groups of inputs as files are cleaned."""
    import cleaner.pipeline as pipeline

    passes = [
        "decode_bytes", "make_units", "_head_words", "guess_from_words", "apply_rules",
        "collect", "take_title", "apply_generic", "byline_date", "detect_languages", "_accounting",
    ]  # fmt: skip
    spent = dict.fromkeys(passes, 0.0)
    originals = {name: getattr(pipeline, name) for name in passes}

    def timed(name: str) -> Callable[..., object]:
        fn = originals[name]

        def wrapper(*args: object, **kwargs: object) -> object:
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[name] += time.perf_counter() - start

        return wrapper

    for name in passes:
        setattr(pipeline, name, timed(name))
    try:
        n, json_time, start = 0, 0.0, time.perf_counter()
        for _ in range(20):
            for group in groups:
                drafts = []
                for raw in group:
                    _parse_cached.cache_clear()
                    drafts.append(pipeline.draft(raw))
                finished = pipeline.finish(drafts)
                t = time.perf_counter()
                for doc in finished:
                    json.dumps(doc.to_record(), ensure_ascii=False)
                json_time += time.perf_counter() - t
                n += len(group)
        total = time.perf_counter() - start
    finally:
        for name, fn in originals.items():
            setattr(pipeline, name, fn)
    spent["json out"] = json_time
    spent["other"] = total - sum(spent.values())
    print("  where the time goes (ms per document):")
    for name, value in sorted(spent.items(), key=lambda kv: -kv[1]):
        print(f"    {name:18s} {value / n * 1000:6.3f} ms  {value / total:5.1%}")


# --- 2. --jobs scaling -----------------------------------------------------------------------


def write_batch(path: Path, count: int, texts: list[str]) -> None:
    """A JSON Lines batch of `count` records cycling through the given texts."""
    with open(path, "w", encoding="utf-8") as out:
        for i in range(count):
            out.write(json.dumps({"id": i, "text": texts[i % len(texts)]}, ensure_ascii=False))
            out.write("\n")


def run_cli(args: list[str], stdin: bytes | None = None) -> float:
    """Wall time of one whole `cleaner` process, output discarded."""
    start = time.perf_counter()
    subprocess.run(
        cleaner_command() + args,
        input=stdin,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=True,
    )
    return time.perf_counter() - start


def bench_jobs(runs: int, records: int, tmp: Path) -> None:
    texts = [d.decode("utf-8") for d in seed_texts()]
    batch = tmp / "jobs.jsonl"
    write_batch(batch, records, texts)
    runs_of: dict[int, list[float]] = {1: [], 2: []}
    for _ in range(runs):  # interleaved: a run of each on the same machine, ratios per pair
        for jobs in (1, 2):
            runs_of[jobs].append(
                run_cli(["clean", "--format", "jsonl", "--jobs", str(jobs), str(batch)])
            )
    times = {jobs: statistics.median(values) for jobs, values in runs_of.items()}
    scaling = statistics.median(a / b for a, b in zip(runs_of[1], runs_of[2], strict=True))
    print(f"--jobs: {records} records, whole process ({os.cpu_count()} CPUs)")
    figure(
        "--jobs 1, docs/s (CLI, JSON Lines out)",
        f"{records / times[1]:.0f} docs/s",
        "",
        "",
        None,
    )
    figure(
        "--jobs 2 scaling (time 1 job / 2 jobs)",
        f"{scaling:.2f}x",
        ">= 1.7x",
        "2 cores",
        scaling >= 1.7,
    )


# --- 3. HTML mode vs trafilatura alone -------------------------------------------------------


def load_pages(path: Path, limit: int) -> list[str]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        pages = [json.loads(line).get("html") for line in handle]
    return [p for p in pages if isinstance(p, str) and p.strip()][:limit]


def bench_html(runs: int, bench: Path | None, limit: int) -> None:
    if bench is None or not bench.exists():
        print(f"html mode: skipped (no benchmark file; give --bench PATH, e.g. {DEFAULT_BENCH})")
        return
    import trafilatura

    from cleaner.extract_html import extract

    pages = load_pages(bench, limit)
    options = CleanOptions(input_kind="html")
    for page in pages[:3]:
        clean(page, options=options)
        trafilatura.extract(page)

    def timing(fn: Callable[[str], object]) -> float:
        """CPU time of this (single-threaded) process: the ratio is not moved by whatever
        else the machine runs meanwhile, as wall time on 2 shared cores was (+-0.05x)."""
        _clear_library_caches()  # whoever ran these pages before must not lend its caches
        start = time.process_time()
        for page in pages:
            fn(page)
        return time.process_time() - start

    # Interleaved, so that a slower moment of the machine hits all three alike.
    samples = []
    for _ in range(runs):
        ours_t = timing(lambda p: clean(p.encode(), options=options))
        alone_t = timing(lambda p: trafilatura.extract(p))
        call_t = timing(lambda p: extract(p))
        samples.append((ours_t, alone_t, call_t))
    ours = statistics.median(t[0] for t in samples)
    alone = statistics.median(t[1] for t in samples)
    ratio = statistics.median(t[0] / t[1] for t in samples)
    call_ratio = statistics.median(t[2] / t[1] for t in samples)
    size = statistics.mean(len(p) for p in pages) / 1024
    print(f"html mode: {len(pages)} pages of {bench.name} (mean {size:.0f} KB)")
    figure(
        "trafilatura.extract alone",
        f"{len(pages) / alone:.1f} pages/s",
        "",
        "~35 pages/s (25 ms per 170 KB page)",
        None,
    )
    figure(
        "HTML mode, one process",
        f"{len(pages) / ours:.1f} pages/s",
        "",
        "resiliparse ~550 pages/s",
        None,
    )
    figure(
        "HTML mode time / trafilatura.extract",
        f"{ratio:.2f}x",
        "<= 1.15x",
        "trafilatura.extract() defaults",
        ratio <= 1.15,
    )
    figure(
        "  of which extraction + head metadata",
        f"{call_ratio:.2f}x",
        "",
        "date and category read later, on demand",
        None,
    )


def _clear_library_caches() -> None:
    """Empty the functools caches of trafilatura and the libraries it calls, and our date cache.

    trafilatura, htmldate and courlan memoise per text (`lru_cache`): the second extraction of
    the same 40 pages is faster than the first, whichever code runs it.
    """
    prefixes = ("trafilatura", "htmldate", "courlan", "justext")
    for name, module in list(sys.modules.items()):
        if module is None or not name.startswith(prefixes):
            continue
        for value in list(vars(module).values()):
            clear = getattr(value, "cache_clear", None)
            if callable(clear):
                clear()
    _parse_cached.cache_clear()


# --- 4. start-up -----------------------------------------------------------------------------


def bench_startup(runs: int) -> None:
    seed = seed_texts()[0]
    clean_time = median_of(max(runs, 5), lambda: run_cli(["clean"], stdin=seed))
    help_time = median_of(max(runs, 5), lambda: run_cli(["--help"]))
    bare = median_of(max(runs, 5), lambda: _python_startup())
    print("start-up: whole processes")
    figure(
        "`cleaner clean < seed.txt`",
        f"{clean_time:.3f} s",
        "<= 0.6 s",
        f"bare python {bare:.3f} s; langdetect profiles ~0.45 s",
        clean_time <= 0.6,
    )
    figure("`cleaner --help`", f"{help_time:.3f} s", "<= 0.3 s", "", help_time <= 0.3)


def _python_startup() -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    return time.perf_counter() - start


# --- 5. streaming a large batch --------------------------------------------------------------


def bench_stream(records: int, tmp: Path, jobs: int) -> None:
    """Peak RSS of a whole `cleaner clean` over a big JSON Lines batch, at two batch sizes.

    Records are short (one paragraph of a seed) so that a million of them runs in minutes:
    this measures memory and streaming, not throughput.
    """
    texts = _short_texts()
    small = max(records // 10, 1000)
    figures = {}
    for count in (small, records):
        batch = tmp / f"stream-{count}.jsonl"
        write_batch(batch, count, texts)
        figures[count] = _stream_once(batch, jobs)
        batch.unlink()
    rss_small = figures[small][2]
    t_big, first_big, rss_big = figures[records]
    print(f"streaming: JSON Lines batches of {small} and {records} short records, --jobs {jobs}")
    figure(
        f"peak RSS at {records} records",
        f"{rss_big:.0f} MB",
        "<= 400 MB",
        f"{rss_small:.0f} MB at {small} records",
        rss_big <= 400,
    )
    growth = rss_big / rss_small
    figure(
        "peak RSS growth (10x the records)", f"{growth:.2f}x", "~1x (constant)", "", growth < 1.3
    )
    figure(
        "first output line after",
        f"{first_big:.2f} s",
        "before the end",
        f"whole batch {t_big:.0f} s ({records / t_big:.0f} docs/s)",
        first_big < t_big / 4,
    )


def _short_texts() -> list[str]:
    paragraphs = []
    for raw in seed_texts():
        text = raw.decode("utf-8")
        paragraphs += [p for p in re.split(r"\n\s*\n", text) if len(p) > 200]
    return [p[:600] for p in paragraphs]


def _stream_once(batch: Path, jobs: int) -> tuple[float, float, float]:
    """(seconds, seconds to the first output line, peak RSS in MB of the process and workers).

    The peak comes from /usr/bin/time when there is one: a child's `ru_maxrss` seen from here
    also counts the memory of this process at the fork, which by now holds 40 HTML pages.
    """
    command = [*cleaner_command(), "clean", "--format", "jsonl", "--jobs", str(jobs), str(batch)]
    timer = Path("/usr/bin/time")
    if timer.exists():
        command = [str(timer), "-f", "maxrss_kb=%M", *command]
    start = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    first = None
    while proc.stdout.read(65536):
        if first is None:
            first = time.perf_counter() - start
    err = proc.stderr.read().decode("utf-8", "replace")
    _, _, usage = os.wait4(proc.pid, 0)
    proc.returncode = 0
    elapsed = time.perf_counter() - start
    found = re.search(r"maxrss_kb=(\d+)", err)
    peak_kb = int(found.group(1)) if found else usage.ru_maxrss  # Linux: KB
    return elapsed, first or elapsed, peak_kb / 1024


# --- 6. cost grows linearly ------------------------------------------------------------------


def grown_document(size: int) -> bytes:
    """A scrape of about `size` bytes: a seed's head, then body paragraphs, then its tail.

    Paragraphs are numbered so that no line repeats (repeated lines are boilerplate to the
    rules, and would make a 1 MB page a special case).
    """
    lines = seed_texts()[0].decode("utf-8").splitlines()
    body = [x for x in lines if len(x) > 150]
    head, tail = lines[:10], lines[-10:]
    out, n = list(head), 0
    while sum(len(x) + 1 for x in out) < size - 600:
        out += [f"{body[n % len(body)]} ({n})", ""]
        n += 1
    return "\n".join(out + tail).encode("utf-8")


def bench_linear(runs: int) -> None:
    sizes = [1 << 10, 4 << 10, 16 << 10, 64 << 10, 256 << 10, 1 << 20]
    per_kb = {}
    for size in sizes:
        raw = grown_document(size)
        repeat = max(1, (256 << 10) // size)

        def once(raw: bytes = raw, repeat: int = repeat) -> float:
            start = time.perf_counter()
            for _ in range(repeat):
                _parse_cached.cache_clear()
                clean_to_json(raw)
            return (time.perf_counter() - start) / repeat

        clean_to_json(raw)
        per_kb[size] = median_of(runs, once) / (len(raw) / 1024)
    print("cost per document size (ms per KB):")
    for size in sizes:
        print(f"    {size // 1024:5d} KB  {per_kb[size] * 1000:7.3f} ms/KB")
    floor = min(per_kb[s] for s in sizes if s >= 16 << 10)
    growth = per_kb[sizes[-1]] / floor
    figure(
        "time per KB at 1 MB / best from 16 KB up",
        f"{growth:.2f}x",
        "<= 1.5x (flat)",
        "linear: 1.0x; quadratic: 16x",
        growth <= 1.5,
    )


# --- 7. archive --------------------------------------------------------------------------------


def bench_archive(runs: int, tmp: Path, store_docs: int, search_docs: int) -> None:
    """The archive's figures, measured by scripts/archive_bench.py's functions (`make
    archive-bench` prints more: ingest, the bare query times, Datasette's other pages)."""
    sys.path.insert(0, str(ROOT / "scripts"))
    import archive_bench

    template = clean(archive_bench.article(0, random.Random(0)))
    corpus = archive_bench.synthetic_docs(template, store_docs, random.Random(1))
    store = archive_bench.bench_store(tmp, corpus, runs)
    print(f"archive: store {store_docs} generated articles, search over {search_docs}")
    figure(
        "archive store layer / bare insert_all + FTS5",
        f"{store['sql/bare']:.2f}x",
        "<= 1.30x",
        f"bare {store_docs / store['bare']:.0f} docs/s; same pages {store['sql/bare-pages']:.2f}x;"
        f" hashing in the writer (--jobs 1) {store['full/bare']:.2f}x",
        store["sql/bare"] <= 1.30,
    )
    corpus = archive_bench.synthetic_docs(template, search_docs, random.Random(1))
    path = archive_bench.search_archive(tmp, corpus)
    for t in archive_bench.bench_search(path, runs):
        figure(
            f"cleaner search / FTS5 rank alone, {t.label}",
            f"{t.ratio['bare']:.2f}x",
            "<= 1.10x",
            f"{t.ours:.3f} ms vs {t.ms['bare']:.3f} ms; FTS5's own snippet() alone"
            f" {t.ratio['snippet/bare']:.2f}x; {t.ratio['same']:.2f}x the same statement by hand",
            t.ratio["bare"] <= 1.10,
        )
    for label, ms in archive_bench.bench_datasette(path, runs):
        if label.startswith("ranked"):
            figure(
                f"Datasette ranked search, {search_docs // 1000}k docs",
                f"{ms:.0f} ms",
                "<= 100 ms",
                "table _search with facets + count ~775 ms (issue 7)",
                ms <= 100,
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (median)")
    parser.add_argument("--seconds", type=float, default=3.0, help="length of a text-mode run")
    parser.add_argument("--bench", type=Path, default=None, help="JSON Lines (.gz) with `html`")
    parser.add_argument("--pages", type=int, default=40, help="HTML pages to time")
    parser.add_argument(
        "--jobs-records",
        type=int,
        default=8000,
        help="records for the --jobs scaling (enough work that the ~0.4 s start-up of both runs"
        " does not set the ratio)",
    )
    parser.add_argument("--stream-records", type=int, default=200_000, help="e.g. 1000000")
    parser.add_argument("--stream-jobs", type=int, default=2)
    parser.add_argument("--only", default=",".join(SECTIONS), help="comma-separated sections")
    parser.add_argument("--store-docs", type=int, default=10_000, help="archive store test")
    parser.add_argument("--search-docs", type=int, default=100_000, help="archive for search")
    args = parser.parse_args()
    if args.bench is None and DEFAULT_BENCH.exists():
        args.bench = DEFAULT_BENCH
    only = set(args.only.split(","))
    unknown = only - set(SECTIONS)
    if unknown:
        parser.error(f"unknown section(s): {', '.join(sorted(unknown))}")
    random.seed(0)
    print(
        f"perf: medians of {args.runs} runs, Python {sys.version.split()[0]}, {os.cpu_count()} CPUs"
    )
    with tempfile.TemporaryDirectory(prefix="cleaner-perf-") as name:
        tmp = Path(name)
        if "text" in only:
            bench_text(args.runs, args.seconds)
        if "jobs" in only:
            bench_jobs(args.runs, args.jobs_records, tmp)
        if "html" in only:
            bench_html(args.runs, args.bench, args.pages)
        if "startup" in only:
            bench_startup(args.runs)
        if "linear" in only:
            bench_linear(args.runs)
        if "stream" in only:
            bench_stream(args.stream_records, tmp, args.stream_jobs)
        if "archive" in only:
            bench_archive(args.runs, tmp, args.store_docs, args.search_docs)
    print()
    print(f"{'figure':46s} {'measured':>16s}  {'target':14s}  reference")
    for f in FIGURES:
        mark = {True: "", False: "  <- MISS", None: ""}[f.ok]
        print(f"{f.name:46s} {f.measured:>16s}  {f.target:14s}  {f.reference}{mark}")


if __name__ == "__main__":
    main()
