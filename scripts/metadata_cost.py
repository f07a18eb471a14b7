"""Per-document cost of metadata extraction, and date/language accuracy on the test tables.

Usage: .venv/bin/python scripts/metadata_cost.py [--repeat N] [PATH ...]   (default: samples/)
       python scripts/metadata_cost.py --bench ../shared/bench/aeb/dev.jsonl.gz --mode html

The metadata passes of `clean()` (rule captures and dates, title, HTML head metadata, langdetect
on the body) are wrapped with timers for the run, so the figures are what a real `clean()` spends
in them, not a synthetic loop. The first document pays the one-off imports (dateparser, langdetect
profiles); it is reported apart, as a cold start. The date cache is cleared before every document,
so repeated runs over the same files measure parsing, not cache hits.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cleaner import pipeline  # noqa: E402
from cleaner.dates import _parse_cached, parse_date  # noqa: E402
from cleaner.errors import CleanerError  # noqa: E402

PASSES = ("collect", "take_title", "_merge_html_metadata", "byline_date", "detect_language")
spent: dict[str, float] = defaultdict(float)


def timed(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return func(*args, **kwargs)
        finally:
            spent[name] += time.perf_counter() - start

    return wrapper


def bench_inputs(path: str, mode: str) -> list[bytes]:
    """Raw documents from a benchmark file (`../shared/bench/*/dev.jsonl.gz`), text or HTML."""
    import gzip

    with gzip.open(path, "rt", encoding="utf-8") as handle:
        records = [json.loads(line) for line in handle]
    key = "raw_text" if mode == "text" else "html"
    return [r[key].encode("utf-8") for r in records if r.get(key)]


def inputs(paths: list[str]) -> list[Path]:
    out: list[Path] = []
    for path in paths or [str(ROOT / "samples")]:
        p = Path(path)
        if p.is_dir():
            out += sorted(x for x in p.iterdir() if x.name.endswith((".raw.txt", ".raw.html")))
        else:
            out.append(p)
    return out


def measure(raws: list[bytes], repeat: int) -> None:
    for name in PASSES:
        setattr(pipeline, name, timed(name, getattr(pipeline, name)))
    start = time.perf_counter()
    _cleans(raws[0])
    cold = time.perf_counter() - start
    raws = [raw for raw in raws if _cleans(raw)]  # what the CLI would report as failed
    spent.clear()
    totals = []
    for _ in range(repeat):
        for raw in raws:
            _parse_cached.cache_clear()  # measure parsing, not the cache of repeated strings
            start = time.perf_counter()
            pipeline.clean(raw)
            totals.append(time.perf_counter() - start)
    docs = len(totals)
    meta = sum(spent.values())
    print(f"{docs} documents ({len(raws)} inputs x {repeat})")
    print(f"cold start (first document, imports included): {cold * 1000:.0f} ms")
    print(f"clean() per document: {statistics.mean(totals) * 1000:.2f} ms (mean)")
    print(f"metadata per document: {meta / docs * 1000:.2f} ms ({meta / sum(totals):.0%} of clean)")
    for name in PASSES:
        print(f"  {name:22s} {spent[name] / docs * 1000:.3f} ms")


def _cleans(raw: bytes) -> bool:
    try:
        pipeline.clean(raw)
    except CleanerError:
        return False
    return True


def date_accuracy() -> None:
    sys.path.insert(0, str(ROOT / "tests"))
    from test_dates import FETCHED, RELATIVE, TABLE

    rows = [(t, lang, exp, None) for t, lang, exp in TABLE]
    rows += [(t, lang, exp, FETCHED) for t, lang, exp in RELATIVE]
    by_lang: dict[str, list[bool]] = defaultdict(list)
    for text, lang, expected, fetched in rows:
        by_lang[lang].append(parse_date(text, lang, fetched_at=fetched) == expected)
    ok = sum(sum(v) for v in by_lang.values())
    print(f"date table: {ok}/{len(rows)} right", end="  ")
    print(" ".join(f"{k}={sum(v)}/{len(v)}" for k, v in sorted(by_lang.items())))


def sample_accuracy(files: list[Path]) -> None:
    fields = ("title", "language", "published", "page_date", "publisher", "category")
    right: dict[str, int] = defaultdict(int)
    text_ok = 0
    for file in files:
        stem = file.name.rsplit(".raw.", 1)[0]
        gold_path = file.with_name(f"{stem}.gold.json")
        if not gold_path.exists():
            continue
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        doc = pipeline.clean(file.read_bytes())
        text_ok += doc.text == gold["text"]
        for field in fields:
            right[field] += getattr(doc, field) == gold[field]
    print(f"samples: text {text_ok}/{len(files)}", end="  ")
    print(" ".join(f"{f}={right[f]}/{len(files)}" for f in fields))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--bench", help="a benchmark .jsonl.gz: measure on its pages instead")
    parser.add_argument("--mode", choices=("text", "html"), default="text")
    args = parser.parse_args()
    if args.bench:
        measure(bench_inputs(args.bench, args.mode), 1)
        return
    files = inputs(args.paths)
    measure([f.read_bytes() for f in files], args.repeat)
    date_accuracy()
    sample_accuracy(files)


if __name__ == "__main__":
    main()
