#!/usr/bin/env python3
"""Speed as a user meets it (issue 19): whole commands first, then the figures that explain them.

    python scripts/perf.py                       # /work/shared/bench when present, else generated
    python scripts/perf.py --bench ../shared/bench/traf/dev.jsonl.gz --bench ...aeb/dev.jsonl.gz
    python scripts/perf.py --only commands,inprocess
    python scripts/perf.py --only stream --stream-records 200000

Every figure is measured on distinct documents, each cleaned once (never a few samples
repeated, which keeps every cache warm), first pass and start-up included where a user pays
them: the benchmark files' `raw_text` and `html` when given (`--bench`, repeatable, a file or
a folder of */dev.jsonl.gz), else generated scrapes of invented words in four languages.

Sections: commands (table 1: `cleaner clean < seed`, `--help`, `cleaner search` beside a Python
process running FTS5's ranked query with snippet(), `cleaner clean FILE --format jsonl` on
--docs records, `cleaner clean pages/` beside a plain loop of `trafilatura.extract(html)` and of
`bare_extraction(with_metadata=True)` over the same files: whole processes, interleaved rounds,
medians), inprocess (table 2: ms per document in one process, with where the time goes, text
and HTML), jobs (`--jobs 2` scaling), stream (peak RSS on a large generated stream of distinct
words), linear (time per KB from 1 KB to 1 MB), archive (store layer and search at 100k
documents, scripts/archive_bench.py), dask (`--dask local:2` against `--jobs 2`, `cleaner
merge` at 100k documents, scripts/perf_dask.py). On a shared machine absolute times move with
the load: read the ratios, taken within a round, and run under `nice` beside other work.
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
from cleaner.batch import GROUP as CHUNK  # noqa: E402
from cleaner.pipeline import draft, finish  # noqa: E402

DEFAULT_BENCH = Path("/work/shared/bench")  # every */dev.jsonl.gz below it
SECTIONS = ("commands", "inprocess", "jobs", "stream", "linear", "archive", "dask")


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


# --- the documents: distinct, real when a benchmark file is given ------------------------------


def bench_records(paths: list[Path]) -> list[dict[str, object]]:
    """Every record of the given JSON Lines (.gz) files, in file order."""
    out: list[dict[str, object]] = []
    for path in paths:
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8") as handle:  # type: ignore[operator]
            out += [json.loads(line) for line in handle if line.strip()]
    return out


def distinct_texts(records: list[dict[str, object]], count: int) -> tuple[list[str], str]:
    """`count` distinct plain-text scrapes and where they come from: the benchmark records'
    `raw_text` (never one repeated), topped up with generated ones when they are too few."""
    seen: set[str] = set()
    texts = []
    for record in records:
        text = record.get("raw_text")
        if isinstance(text, str) and text.strip() and text not in seen:
            seen.add(text)
            texts.append(text)
    real = min(len(texts), count)
    texts = texts[:count] + generated_texts(count - real, seed=11)
    what = f"{real} benchmark raw_text" + (f" + {count - real} generated" if count > real else "")
    return texts, what


def distinct_pages(records: list[dict[str, object]], count: int) -> list[str]:
    pages = [r.get("html") for r in records]
    return [p for p in pages if isinstance(p, str) and p.strip()][:count]


_STOP_WORDS = {  # so that each generated document has a language to detect
    "en": "the and of to in is for with that on was as at by from",
    "de": "der die und in den von zu das mit sich des auf für ist im",
    "fr": "le de la et les des en un une du est que dans pour qui",
    "ru": "и в не на что он с как это по но из за то же",
}
_SYLLABLES = {  # invented words that still read as the language (langdetect converges)
    "en": "ing er tion the con ter ment ly al re ate ous and en st",
    "de": "sch ung ein ter der lich keit ge ver be en ich zu st ie",
    "fr": "tion ment que eau ais ère ique des con pour ont ire au é re",
    "ru": "ние ость про ста ено ого ать ски ель при ова ный ра ли ко",
}


def generated_texts(count: int, *, seed: int = 0, paragraphs: int = 8) -> list[str]:
    """Seed-sized scrapes of invented words (nearly every word distinct across documents), in
    four languages, with a headline, a byline, a date, boilerplate lines and body paragraphs:
    the variety a crawl brings, where a few samples repeated would keep every cache warm."""
    rng = random.Random(seed)
    out = []
    for n in range(count):
        lang = rng.choice(list(_STOP_WORDS))
        syllables = _SYLLABLES[lang].split()

        def word() -> str:
            return "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4)))  # noqa: B023

        def sentence() -> str:
            words = [
                rng.choice(_STOP_WORDS[lang].split()) if rng.random() < 0.4 else word()  # noqa: B023
                for _ in range(rng.randint(8, 24))
            ]
            return " ".join(words).capitalize() + "."

        lines = [
            "Home | News | World | Sport | Contact",
            " ".join(word().capitalize() for _ in range(rng.randint(5, 9))),
            f"By {word().capitalize()} {word().capitalize()}",
            f"{rng.randint(1, 28)} March {rng.randint(2015, 2025)}",
            "",
        ]
        for _ in range(paragraphs):
            lines += [" ".join(sentence() for _ in range(rng.randint(2, 5))), ""]
        lines += [
            "Share this article",
            "Subscribe to our newsletter",
            f"© {rng.randint(2015, 2025)} {word().capitalize()} Media. All rights reserved.",
        ]
        out.append("\n".join(lines) + f"\n[{n}]\n")
    return out


def write_jsonl(path: Path, texts: list[str]) -> None:
    with open(path, "w", encoding="utf-8") as out:
        for i, text in enumerate(texts):
            out.write(json.dumps({"id": f"d{i}", "text": text}, ensure_ascii=False) + "\n")


# --- whole commands, the way a user runs them -------------------------------------------------


def timed_process(command: list[str], stdin: bytes | None = None) -> float:
    """CPU time (user + system) of one whole process, output discarded.

    CPU, not wall time: on a shared machine a process's wall time is mostly its wait for a core
    (`python -c pass` took 0.04 s idle and 0.9 s under a load of 14); its CPU time is what it
    costs, and what it takes on an idle machine for these single-threaded commands.
    """
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(
        command, input=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def interleaved(runs: int, commands: dict[str, Callable[[], float]]) -> dict[str, list[float]]:
    """Each command once per round, rounds repeated: a busy moment of the shared machine hits
    every command alike, and ratios are taken within a round."""
    out: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, fn in commands.items():
            out[name].append(fn())
    return out


def ratio(times: dict[str, list[float]], a: str, b: str) -> float:
    return statistics.median(x / y for x, y in zip(times[a], times[b], strict=True))


def bench_commands(
    runs: int, records: list[dict[str, object]], tmp: Path, docs: int, page_count: int
) -> None:
    """Table 1: start-up, text mode, search, HTML mode, each a whole process."""
    exe = cleaner_command()
    seed = seed_texts()[0]
    texts, what = distinct_texts(records, docs)
    batch = tmp / "text.jsonl"
    write_jsonl(batch, texts)
    size = statistics.mean(len(t.encode()) for t in texts) / 1024
    db = tmp / "search.db"
    subprocess.run([*exe, "archive", str(db), str(batch)], check=True, capture_output=True)
    term = _rare_term(db)
    fts = [sys.executable, "-c", _FTS_QUERY, str(db), term]
    runs_start = max(runs, 7)
    times = interleaved(
        runs_start,
        {
            "python": lambda: timed_process([sys.executable, "-c", "pass"]),
            "clean<seed": lambda: timed_process([*exe, "clean"], stdin=seed),
            "help": lambda: timed_process([*exe, "--help"]),
            "search": lambda: timed_process([*exe, "search", str(db), term]),
            "fts": lambda: timed_process(fts),
        },
    )
    med = {name: statistics.median(values) for name, values in times.items()}
    print(f"whole commands: medians of {runs_start} interleaved rounds (CPU time)")
    figure(
        "`cleaner clean < seed`",
        f"{med['clean<seed']:.3f} s",
        "<= 0.3 s",
        f"bare `python -c pass` {med['python']:.3f} s",
        med["clean<seed"] <= 0.3,
    )
    figure("`cleaner --help`", f"{med['help']:.3f} s", "<= 0.15 s", "", med["help"] <= 0.15)
    figure(
        f"`cleaner search DB {term}`",
        f"{med['search']:.3f} s",
        "<= 0.15 s",
        f"a Python process running FTS5's ranked query + snippet() {med['fts']:.3f} s"
        f" ({ratio(times, 'search', 'fts'):.2f}x)",
        med["search"] <= 0.15,
    )
    text = interleaved(
        runs, {"text": lambda: timed_process([*exe, "clean", str(batch), "--format", "jsonl"])}
    )
    rate = docs / statistics.median(text["text"])
    print(f"text mode: {docs} distinct scrapes ({what}), mean {size:.1f} KB")
    figure(
        f"`cleaner clean FILE --format jsonl`, {docs} docs",
        f"{rate:.0f} docs/s",
        ">= 1000 docs/s",
        "whole process, start-up and first pass included",
        rate >= 1000,
    )
    pages = distinct_pages(records, page_count)
    if not pages:
        print("html mode: skipped (no `html` in the benchmark records; give --bench PATH)")
        return
    folder = tmp / "pages"
    folder.mkdir()
    for i, page in enumerate(pages):
        (folder / f"p{i:04d}.html").write_text(page, encoding="utf-8")
    loop = [sys.executable, "-c", _TRAFILATURA_LOOP, str(folder)]
    meta = [sys.executable, "-c", _TRAFILATURA_LOOP, str(folder), "metadata"]
    html = interleaved(
        runs,
        {
            "ours": lambda: timed_process([*exe, "clean", str(folder), "--format", "jsonl"]),
            "extract": lambda: timed_process(loop),
            "bare": lambda: timed_process(meta),
        },
    )
    print(f"html mode: {len(pages)} pages as files, whole processes, medians of {runs}")
    figure(
        "`cleaner clean pages/` / trafilatura.extract loop",
        f"{ratio(html, 'ours', 'extract'):.2f}x",
        "<= 1.0x",
        f"{statistics.median(html['ours']):.1f} s vs {statistics.median(html['extract']):.1f} s;"
        f" / bare_extraction(with_metadata=True) loop {ratio(html, 'ours', 'bare'):.2f}x",
        ratio(html, "ours", "extract") <= 1.0,
    )


# A Python process doing what `cleaner search` does at its core, as a user would write it.
_FTS_QUERY = """
import sqlite3, sys
conn = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
rows = conn.execute(
    "SELECT a.title, snippet(articles_fts, -1, '[', ']', '…', 24) FROM articles_fts "
    "JOIN articles a ON a.id = articles_fts.rowid WHERE articles_fts MATCH ? "
    "ORDER BY rank LIMIT 10", ('"' + sys.argv[2] + '"',)).fetchall()
for row in rows:
    print(*row)
"""

# The reference a user would pick instead of `cleaner clean pages/`: trafilatura with its
# defaults over the same files, in one process.
_TRAFILATURA_LOOP = """
import pathlib, sys, trafilatura
metadata = len(sys.argv) > 2
for path in sorted(pathlib.Path(sys.argv[1]).iterdir()):
    html = path.read_text(encoding="utf-8")
    if metadata:
        trafilatura.bare_extraction(html, with_metadata=True)
    else:
        trafilatura.extract(html)
"""


def _rare_term(db: Path) -> str:
    """A word that occurs in exactly one archived article (a rare-term search)."""
    import sqlite3

    conn = sqlite3.connect(db)
    try:
        conn.execute("CREATE VIRTUAL TABLE temp.v USING fts5vocab(main, articles_fts, row)")
        row = conn.execute(
            "SELECT term FROM temp.v WHERE doc = 1 AND length(term) >= 6 "
            "AND term GLOB '[a-z]*' ORDER BY term LIMIT 1 OFFSET 10"
        ).fetchone()
    finally:
        conn.close()
    return row[0] if row else "zebra"


# --- in-process figures that explain them ------------------------------------------------------


def clean_to_json(raw: bytes) -> str:
    """What `cleaner clean --format jsonl` does per document of a live stream, without I/O."""
    return json.dumps(clean(raw).to_record(), ensure_ascii=False)


def clean_group_to_json(raws: list[bytes]) -> list[str]:
    """What `cleaner clean FILES --format jsonl` does per group of inputs, without I/O: each
    drafted, the languages detected together (as cleaner.batch.clean_batch groups them)."""
    drafts = [draft(raw) for raw in raws]
    return [json.dumps(doc.to_record(), ensure_ascii=False) for doc in finish(drafts)]


def bench_in_process(records: list[dict[str, object]], docs: int, page_count: int) -> None:
    """Table 2: per-document cost on distinct documents, each seen once (first pass included),
    and where the time goes; HTML beside trafilatura.extract on the same pages."""
    texts, what = distinct_texts(records, docs)
    raws = [t.encode() for t in texts]
    clean_group_to_json(raws[:CHUNK])  # what start-up loads: rules, profiles
    groups = [raws[i : i + CHUNK] for i in range(CHUNK, len(raws), CHUNK)]
    spent, total = profile_text(groups)
    n = sum(map(len, groups))
    print(f"text mode in process: {n} distinct scrapes ({what}), each once")
    figure(
        "text mode, per document (in process)",
        f"{total / n * 1000:.2f} ms",
        "<= 1.0 ms",
        f"{n / total:.0f} docs/s in one process",
        total / n <= 0.001,
    )
    _print_profile(spent, total, n)
    pages = distinct_pages(records, page_count)
    if pages:
        bench_html_in_process(pages)


def profile_text(groups: list[list[bytes]]) -> tuple[dict[str, float], float]:
    """Where the time goes: the pipeline's passes, timed around the calls `draft` and
    `finish` make, on groups of inputs as files are cleaned (CPU time of this process)."""
    import cleaner.pipeline as pipeline

    passes = [
        "decode_bytes", "make_units", "_head_words", "guess_from_words", "apply_rules",
        "collect", "take_title", "apply_generic", "byline_date", "detect_languages", "_accounting",
    ]  # fmt: skip
    passes = [name for name in passes if hasattr(pipeline, name)]
    spent = dict.fromkeys(passes, 0.0)
    originals = {name: getattr(pipeline, name) for name in passes}

    def timed(name: str) -> Callable[..., object]:
        fn = originals[name]

        def wrapper(*args: object, **kwargs: object) -> object:
            start = time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[name] += time.process_time() - start

        return wrapper

    for name in passes:
        setattr(pipeline, name, timed(name))
    try:
        json_time, start = 0.0, time.process_time()
        for group in groups:
            finished = pipeline.finish([pipeline.draft(raw) for raw in group])
            t = time.process_time()
            for doc in finished:
                json.dumps(doc.to_record(), ensure_ascii=False)
            json_time += time.process_time() - t
        total = time.process_time() - start
    finally:
        for name, fn in originals.items():
            setattr(pipeline, name, fn)
    spent["json out"] = json_time
    spent["other"] = total - sum(spent.values())
    return spent, total


def _print_profile(spent: dict[str, float], total: float, n: int) -> None:
    print("  where the time goes (ms per document):")
    for name, value in sorted(spent.items(), key=lambda kv: -kv[1]):
        print(f"    {name:18s} {value / n * 1000:6.3f} ms  {value / total:5.1%}")


def bench_html_in_process(pages: list[str]) -> None:
    """Each page once through HTML mode and once through trafilatura.extract, alternating (CPU
    time of this process: not moved by what else the shared machine runs); then a profile."""
    import cProfile
    import pstats

    import trafilatura

    options = CleanOptions(input_kind="html")
    clean(pages[0].encode(), options=options)  # start-up loads, as a process would
    trafilatura.extract(pages[0])
    ours = alone = 0.0
    worst = 0.0
    for page in pages[1:]:
        start = time.process_time()
        clean(page.encode(), options=options)
        took = time.process_time() - start
        ours, worst = ours + took, max(worst, took)
        start = time.process_time()
        trafilatura.extract(page)
        alone += time.process_time() - start
    n = len(pages) - 1
    print(f"html mode in process: {n} distinct pages, each once, alternating with trafilatura")
    figure(
        "HTML mode / trafilatura.extract, per page",
        f"{ours / alone:.2f}x",
        "<= 1.0x",
        f"{ours / n * 1000:.0f} ms vs {alone / n * 1000:.0f} ms per page; slowest {worst:.2f} s",
        ours / alone <= 1.0,
    )
    profiler = cProfile.Profile()
    profiler.enable()
    for page in pages[1 : 1 + min(n, 40)]:
        clean(page.encode(), options=options)
    profiler.disable()
    print("  HTML mode profile (cumulative, top entries):")
    stats = pstats.Stats(profiler, stream=sys.stdout)
    stats.sort_stats("cumulative").print_stats(r"cleaner|trafilatura|htmldate|dateparser", 14)


# --- 2. --jobs scaling -----------------------------------------------------------------------


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


def bench_jobs(runs: int, records: int, tmp: Path, bench: list[dict[str, object]]) -> None:
    texts, _ = distinct_texts(bench, records)
    batch = tmp / "jobs.jsonl"
    write_jsonl(batch, texts)
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


# --- 5. streaming a large batch --------------------------------------------------------------


def bench_stream(records: int, tmp: Path, jobs: int) -> None:
    """Peak RSS of a whole `cleaner clean` over a big JSON Lines batch, at two batch sizes.

    Records are short (one paragraph of a seed) so that a million of them runs in minutes:
    this measures memory and streaming, not throughput.
    """
    small = max(records // 10, 1000)
    figures = {}
    for count in (small, records):
        batch = tmp / f"stream-{count}.jsonl"
        write_jsonl(batch, generated_texts(count, seed=count, paragraphs=1))
        figures[count] = _stream_once(batch, jobs)
        batch.unlink()
    rss_small = figures[small][2]
    t_big, first_big, rss_big = figures[records]
    print(
        f"streaming: JSON Lines batches of {small} and {records} generated records (nearly every"
        f" word distinct), --jobs {jobs}"
    )
    figure(
        f"peak RSS at {records} records",
        f"{rss_big:.0f} MB",
        "<= 150 MB",
        f"{rss_small:.0f} MB at {small} records",
        rss_big <= 150,
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


def bench_dask(runs: int, tmp: Path, clean_docs: int, merge_docs: int) -> None:
    """Issue 15's figures, measured by scripts/perf_dask.py's functions: `--dask local:2`
    against `--jobs 2` as a user runs them (whole processes, cluster start-up included) and
    warm (one process, the cluster up), and `cleaner merge` of 4 shards in documents/s."""
    try:
        import distributed  # noqa: F401
    except ImportError:
        print("dask: skipped (pip install 'cleaner[dask]')")
        return
    sys.path.insert(0, str(ROOT / "scripts"))
    import perf_dask

    whole = perf_dask.clean_ratio(clean_docs, runs, tmp)
    figure(
        f"--dask local:2 / --jobs 2, {clean_docs:,} records",
        f"{whole['ratio']:.2f}x",
        ">= 0.80x",
        f"whole processes: {whole['dask']:.0f} vs {whole['jobs']:.0f} docs/s;"
        f" same output {whole['same']}; {whole['load']}",
        whole["ratio"] >= 0.8 and whole["same"],
    )
    warm = perf_dask.steady_ratio(clean_docs, tmp)
    figure(
        "--dask local:2 / --jobs 2, warm (one process)",
        f"{warm['ratio']:.2f}x",
        "--",
        f"{warm['dask']:.0f} vs {warm['jobs']:.0f} docs/s; cluster start {warm['start']:.1f} s",
        None,
    )
    merged = perf_dask.merge_speed(merge_docs, tmp / "shards", stored=True)
    figure(
        f"cleaner merge, {merge_docs:,} documents in 4 shards",
        f"{merged['rate']:.0f} docs/s",
        ">= 5000/s",
        f"CPU {merged['cpu_rate']:.0f} docs/s; FTS5 alone {merged['fts_rate']:.0f} docs/s;"
        f" again {merged['again']:.0f}/s; {merged['load']}",
        merged["rate"] >= 5000,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (median)")
    parser.add_argument(
        "--bench",
        type=Path,
        action="append",
        help="JSON Lines (.gz) with `raw_text` and `html`, or a folder of */dev.jsonl.gz;"
        " repeatable (default: /work/shared/bench when present, else generated documents)",
    )
    parser.add_argument("--docs", type=int, default=2000, help="text documents to clean")
    parser.add_argument("--pages", type=int, default=181, help="HTML pages to clean")
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
    parser.add_argument("--dask-docs", type=int, default=20_000, help="records, --dask vs --jobs")
    parser.add_argument("--merge-docs", type=int, default=100_000, help="documents to merge")
    args = parser.parse_args()
    if args.bench is None and DEFAULT_BENCH.exists():
        args.bench = [DEFAULT_BENCH]
    paths: list[Path] = []
    for path in args.bench or []:
        paths += sorted(path.glob("*/dev.jsonl.gz")) if path.is_dir() else [path]
    records = bench_records(paths)
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
        if "commands" in only:
            bench_commands(args.runs, records, tmp, args.docs, args.pages)
        if "inprocess" in only:
            bench_in_process(records, args.docs, args.pages)
        if "jobs" in only:
            bench_jobs(args.runs, args.jobs_records, tmp, records)
        if "linear" in only:
            bench_linear(args.runs)
        if "stream" in only:
            bench_stream(args.stream_records, tmp, args.stream_jobs)
        if "archive" in only:
            bench_archive(args.runs, tmp, args.store_docs, args.search_docs)
        if "dask" in only:
            bench_dask(args.runs, tmp, args.dask_docs, args.merge_docs)
    print()
    print(f"{'figure':46s} {'measured':>16s}  {'target':14s}  reference")
    for f in FIGURES:
        mark = {True: "", False: "  <- MISS", None: ""}[f.ok]
        print(f"{f.name:46s} {f.measured:>16s}  {f.target:14s}  {f.reference}{mark}")


if __name__ == "__main__":
    main()
