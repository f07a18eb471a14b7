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

import cleaner.generic as generic  # noqa: E402
from bench import shingle_prf, snippet_prf  # noqa: E402
from cleaner import CleanOptions, clean  # noqa: E402

GRID = {
    "SHORT_COST": [1.0, 2.0, 3.5],
    "BAD_COST": [4.0, 6.0, 10.0],
    "NEAR_GAIN": [0.15, 0.3, 0.6],
}


def evaluate(aeb: list[dict], traf: list[dict]) -> tuple[float, float]:
    opts = CleanOptions(input_kind="text")
    out_a = [clean(r["raw_text"], options=opts).text for r in aeb]
    out_t = [clean(r["raw_text"], options=opts).text for r in traf]
    f_a = shingle_prf([(r["gold_text"], o) for r, o in zip(aeb, out_a)])[2]
    f_t = snippet_prf([(r["with"], r["without"], o) for r, o in zip(traf, out_t)])[2]
    return f_a, f_t


def main() -> None:
    data = Path(sys.argv[1])
    aeb = [json.loads(x) for x in gzip.open(data / "aeb/dev.jsonl.gz", "rt")]
    traf = [json.loads(x) for x in gzip.open(data / "traf/dev.jsonl.gz", "rt")]
    results = []
    for values in itertools.product(*GRID.values()):
        for name, value in zip(GRID, values):
            setattr(generic, name, value)
        f_a, f_t = evaluate(aeb, traf)
        results.append(((f_a + f_t) / 2, f_a, f_t, dict(zip(GRID, values))))
        print(f"aeb={f_a:.3f} traf={f_t:.3f} {dict(zip(GRID, values))}", flush=True)
    results.sort(key=lambda r: r[0])
    print("best:", results[-1])


if __name__ == "__main__":
    main()
