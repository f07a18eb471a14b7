#!/usr/bin/env python3
"""Grid-search the generic classifier's few weights on the *dev* benchmark files only.

    python scripts/tune_generic.py ../shared/bench

Prints F1 on both corpora for each setting, best (mean F1) last. The chosen values are then
written by hand into cleaner/generic.py, where each has a comment; held-out pages are never used.
"""

from __future__ import annotations

import gzip
import itertools
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from bench import shingle_prf, snippet_prf  # noqa: E402

import cleaner.generic as generic  # noqa: E402
from cleaner import CleanOptions, clean  # noqa: E402

GRID = {
    "SHORT_COST": [1.0, 2.0, 3.5],
    "BAD_COST": [6.0, 10.0],
    "NEAR_GAIN": [0.3, 0.6],
    "RULE_COST": [0.0, 15.0, 35.0, 50.0],
    "SENTENCE_GAIN": [0.0, 5.0, 8.0],
}


def load(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [json.loads(x) for x in f]


def evaluate(aeb: list[dict], traf: list[dict]) -> tuple[float, float]:
    opts = CleanOptions(input_kind="text")
    out_a = [clean(r["raw_text"], options=opts).text for r in aeb]
    out_t = [clean(r["raw_text"], options=opts).text for r in traf]
    f_a = shingle_prf([(r["gold_text"], o) for r, o in zip(aeb, out_a, strict=True)])[2]
    f_t = snippet_prf([(r["with"], r["without"], o) for r, o in zip(traf, out_t, strict=True)])[2]
    return f_a, f_t


def main() -> None:
    data = Path(sys.argv[1])
    aeb = load(data / "aeb/dev.jsonl.gz")
    traf = load(data / "traf/dev.jsonl.gz")
    results = []
    for values in itertools.product(*GRID.values()):
        setting = dict(zip(GRID, values, strict=True))
        for name, value in setting.items():
            setattr(generic, name, value)
        f_a, f_t = evaluate(aeb, traf)
        results.append(((f_a + f_t) / 2, f_a, f_t, setting))
        print(f"aeb={f_a:.3f} traf={f_t:.3f} {setting}", flush=True)
    results.sort(key=lambda r: r[0])
    print("best:", results[-1])


if __name__ == "__main__":
    main()
