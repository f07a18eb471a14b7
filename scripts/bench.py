#!/usr/bin/env python3
"""Quality benchmark: the samples always; with --data DIR, the shared benchmark files too.

    python scripts/bench.py                       # samples: exact matches
    python scripts/bench.py --data ../shared/bench [--mode text|html|both] [--show 5]

The benchmark metrics are those of the benchmark's own definition (bench/README.md): for the
Article Extraction Benchmark, 4-token shingles, precision and recall per document averaged, F1 of
the averages; for the trafilatura corpus, snippet precision/recall/F1 over all snippets. Runs the
library in-process (the CLI adds only I/O); docs/s is the cleaning time alone.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cleaner import CleanOptions, clean  # noqa: E402

WORD = re.compile(r"\w+")


def shingles(text: str, n: int = 4) -> Counter:
    toks = WORD.findall(text or "")
    spans = (toks[i : i + n] for i in range(max(1, len(toks) - n + 1)))
    return Counter(tuple(span) for span in spans if span)


def shingle_prf(pairs: list[tuple[str, str]]) -> tuple[float, float, float, list[float]]:
    P, R, per_doc = [], [], []
    for gold, pred in pairs:
        g, p = shingles(gold), shingles(pred)
        tp, fp, fn = sum((g & p).values()), sum((p - g).values()), sum((g - p).values())
        s = tp + fp + fn
        if not s:
            per_doc.append(1.0)
            continue
        dp = 1.0 if fp == fn == 0 else (tp / (tp + fp) if tp + fp else None)
        dr = 1.0 if fp == fn == 0 else (tp / (tp + fn) if tp + fn else None)
        if dp is not None:
            P.append(dp)
        if dr is not None:
            R.append(dr)
        per_doc.append(2 * (dp or 0) * (dr or 0) / ((dp or 0) + (dr or 0)) if (dp or dr) else 0.0)
    p = sum(P) / len(P) if P else 0.0
    r = sum(R) / len(R) if R else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0), per_doc


def snippet_prf(triples: list[tuple[list[str], list[str], str]]) -> tuple[float, float, float]:
    def ws(t: str) -> str:
        return re.sub(r"\s+", " ", t or "").strip()

    tp = fp = fn = 0
    for with_, without, pred in triples:
        pred = ws(pred)
        for s in with_:
            if ws(s) in pred:
                tp += 1
            else:
                fn += 1
        fp += sum(1 for s in without if ws(s) in pred)
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def run_file(path: Path, mode: str, show: int, options: CleanOptions) -> str:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        records = [json.loads(line) for line in f]
    started = time.perf_counter()
    outputs = []
    for rec in records:
        raw = rec["raw_text"] if mode == "text" else rec["html"]
        kind = "text" if mode == "text" else "html"
        opts = CleanOptions(input_kind=kind, generic=options.generic)
        outputs.append(clean(raw, url=rec.get("url"), source=rec["id"], options=opts).text)
    secs = time.perf_counter() - started
    name = f"{path.parent.name}-{path.name.split('.')[0]}"
    empty = sum(1 for o in outputs if not o.strip())
    if "gold_text" in records[0]:
        pairs = [(rec["gold_text"], o) for rec, o in zip(records, outputs, strict=True)]
        p, r, f1, per_doc = shingle_prf(pairs)
        if show:
            worst = sorted(zip(per_doc, (rec["id"] for rec in records), strict=True))[:show]
            for score, doc_id in worst:
                print(f"  {score:.3f} {doc_id}")
    else:
        p, r, f1 = snippet_prf(
            [(rec["with"], rec["without"], o) for rec, o in zip(records, outputs, strict=True)]
        )
    return (
        f"{name} {mode} F1={f1:.3f} P={p:.3f} R={r:.3f} n={len(records)} empty={empty} "
        f"docs/s={len(records) / secs:.0f}"
    )


def run_samples() -> str:
    samples = ROOT / "samples"
    names = sorted(p for p in samples.glob("*.raw.*"))
    exact = 0
    for raw in names:
        gold_path = raw.with_name(raw.name.split(".raw.")[0] + ".gold.json")
        if not gold_path.exists():
            print(f"{raw.name}: no gold file, skipped")
            continue
        gold = json.loads(gold_path.read_text())
        doc = clean(raw.read_bytes(), source=str(raw))
        exact += doc.text == gold["text"]
    return f"samples: {exact}/{len(names)} exact"


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--data", type=Path, help="the benchmark folder (holding aeb/ and traf/)")
    ap.add_argument("--mode", choices=["text", "html", "both"], default="both")
    ap.add_argument("--split", default="dev", help="file name stem: dev (or test when you have it)")
    ap.add_argument("--show", type=int, default=0, help="list the N worst AEB documents")
    ap.add_argument("--no-generic", action="store_true", help="named rules only")
    a = ap.parse_args()
    print(run_samples())
    if not a.data:
        return
    options = CleanOptions(generic=not a.no_generic)
    modes = ["text", "html"] if a.mode == "both" else [a.mode]
    for corpus in ("aeb", "traf"):
        path = a.data / corpus / f"{a.split}.jsonl.gz"
        if not path.exists():
            print(f"{path}: missing, skipped")
            continue
        for mode in modes:
            print(run_file(path, mode, a.show, options), flush=True)


if __name__ == "__main__":
    main()
