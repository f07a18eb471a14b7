"""Publication dates on a dates corpus: right / wrong / missing, in plain-text and HTML mode.

Usage: .venv/bin/python scripts/bench_dates.py ../shared/bench/dates/dev.jsonl.gz
           [--mode text|html|both] [--show] [--folds 2] [--titles] [--peer]
       .venv/bin/python scripts/bench_dates.py ../shared/bench    # its dates/dev.jsonl.gz

Scored as ../shared/bench/score_dates.py scores the CLI (a `published` value counts by its
first 10 characters; the figures agree with it page for page), but in-process through
`cleaner.clean`, so that a run takes seconds and per-document time is measured without process
start-up. `--peer` also scores htmldate as that scorer runs it (`find_date(html,
original_date=True, extensive_search=True)`, no URL), the peer in HTML mode. `make bench
BENCH=path` runs this after the text benchmark. `--folds K` prints the figures on each
of K halves split by page id (a stable hash), so that a choice tuned on the whole set can be
checked on pages it was not tuned on: the halves must agree. `--titles` also scores the
plain-text `title` against the page's own `<h1>` (the headline the HTML shows).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import re
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cleaner import clean  # noqa: E402
from cleaner.pipeline import CleanOptions  # noqa: E402


def load(path: str) -> list[dict[str, Any]]:
    if Path(path).is_dir():  # the benchmark folder (make bench BENCH=path)
        path = str(Path(path) / "dates" / "dev.jsonl.gz")
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def fold_of(record: dict[str, Any], folds: int) -> int:
    digest = hashlib.sha1(str(record["id"]).encode()).digest()
    return digest[0] % folds


def score(rows: list[tuple[str | None, str]]) -> str:
    n = len(rows) or 1
    right = sum(1 for got, true in rows if got and got[:10] == true)
    wrong = sum(1 for got, true in rows if got and got[:10] != true)
    missing = len(rows) - right - wrong
    return (
        f"right {right} ({right / n:.3f}), wrong {wrong} ({wrong / n:.3f}), "
        f"missing {missing} ({missing / n:.3f})"
    )


_H1 = re.compile(r"<h1\b[^>]*>(.*?)</h1>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


def true_h1(html: str) -> str | None:
    from html import unescape

    found = _H1.search(html)
    if not found:
        return None
    text = " ".join(unescape(_TAG.sub(" ", found.group(1))).split())
    return text or None


def run(records: list[dict[str, Any]], mode: str, args: argparse.Namespace) -> None:
    options = CleanOptions(input_kind=mode)
    rows: list[tuple[str | None, str]] = []
    titles = [0, 0, 0]  # right, wrong, null (of pages with an <h1>)
    spent = 0.0
    for record in records:
        raw = record["raw_text"] if mode == "text" else record["html"]
        start = time.perf_counter()
        doc = clean(raw, url=record.get("url"), doc_id=str(record["id"]), options=options)
        spent += time.perf_counter() - start
        rows.append((doc.published, record["date"]))
        if args.show and (doc.published or "")[:10] != record["date"]:
            print(f"  {mode} {record['id']} got={doc.published} ({doc.published_source}) "
                  f"true={record['date']} {record['url']}")  # fmt: skip
        if args.titles and mode == "text":
            h1 = true_h1(record["html"])
            if h1:
                key = " ".join(re.findall(r"\w+", h1.casefold()))
                got = " ".join(re.findall(r"\w+", (doc.title or "").casefold()))
                titles[0 if got == key else 1 if got else 2] += 1
    n = len(records)
    print(f"cleaner-{mode} dates n={n}: {score(rows)}, {1000 * spent / max(n, 1):.1f} ms/doc")
    if args.folds > 1:
        for k in range(args.folds):
            pairs = zip(rows, records, strict=True)
            part = [row for row, r in pairs if fold_of(r, args.folds) == k]
            print(f"  fold {k + 1}/{args.folds} n={len(part)}: {score(part)}")
    if args.titles and mode == "text":
        print(f"  title vs <h1>: right {titles[0]}, other {titles[1]}, null {titles[2]}")


def peer(records: list[dict[str, Any]]) -> None:
    """htmldate with `original_date=True`, as ../shared/bench/score_dates.py --peer runs it."""
    from htmldate import find_date

    rows: list[tuple[str | None, str]] = []
    start = time.perf_counter()
    for record in records:
        try:
            found = find_date(record["html"], original_date=True, extensive_search=True)
        except Exception:  # the scorer counts a page htmldate fails on as missing
            found = None
        rows.append((found, record["date"]))
    spent = time.perf_counter() - start
    n = len(records)
    print(f"htmldate-original dates n={n}: {score(rows)}, {1000 * spent / max(n, 1):.1f} ms/doc")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("data")
    parser.add_argument("--mode", choices=("text", "html", "both"), default="both")
    parser.add_argument("--show", action="store_true", help="list every page not right")
    parser.add_argument("--folds", type=int, default=2)
    parser.add_argument("--titles", action="store_true")
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--peer", action="store_true", help="also htmldate (original_date)")
    args = parser.parse_args()
    if not Path(args.data).exists():
        sys.exit(f"{args.data}: no such file or folder")
    if Path(args.data).is_dir() and not (Path(args.data) / "dates" / "dev.jsonl.gz").exists():
        print(f"{args.data}: no dates/dev.jsonl.gz, the dates benchmark is skipped")
        return
    records = load(args.data)
    if args.limit:
        records = records[: args.limit]
    clean("warm-up\n\nA first line.", options=CleanOptions(input_kind="text"))
    for mode in ("text", "html") if args.mode == "both" else (args.mode,):
        run(records, mode, args)
    if args.peer and args.mode != "text":
        peer(records)


if __name__ == "__main__":
    main()
