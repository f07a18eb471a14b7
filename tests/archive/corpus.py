"""Generated English articles for the archive tests and `scripts/archive_bench.py`.

One generator for both, so the benchmark measures the same kind of text the tests store.
Every document is unique (a token built from `tag` and `n`), has no boilerplate lines, and
carries search markers at known rates: every 5th holds "zebra", every 20th the phrase
"golden lighthouse".
"""

from __future__ import annotations

import json
import random
from pathlib import Path

_VOCABULARY = (
    "harbour council minister railway strike budget river election museum festival farmers "
    "wheat export drought court ruling police station bridge hospital school teachers union "
    "pension reform energy prices winter heating market shares bank inflation report village "
    "mayor airport runway storm coast fishing boats tourism library archive science research "
    "vaccine doctors patients city traffic tunnel"
)
WORDS = _VOCABULARY.split()


def generated_text(
    n: int,
    rng: random.Random,
    tag: str,
    *,
    paragraphs: int = 3,
    sentences: int = 2,
    words: int = 12,
) -> str:
    """A headline and `paragraphs` paragraphs; `{tag}{n}x{p}{s}` makes each sentence unique."""
    paras = []
    for p in range(paragraphs):
        out = []
        for s in range(sentences):
            chosen = rng.choices(WORDS, k=words)
            chosen.insert(3, f"{tag}{n}x{p}{s}")
            if p == s == 0 and n % 5 == 0:
                chosen.insert(6, "zebra")
            if p == 1 and s == 0 and n % 20 == 0:
                chosen[8:8] = ["golden", "lighthouse"]
            out.append(" ".join(chosen).capitalize() + ".")
        paras.append(" ".join(out))
    return f"The {rng.choice(WORDS)} story number {n}\n\n" + "\n\n".join(paras) + "\n"


def write_jsonl(path: Path, count: int, tag: str, seed: int = 0) -> Path:
    """`count` generated documents as one JSON Lines file."""
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as handle:
        for n in range(count):
            record = {
                "id": f"{tag}-{n}",
                "url": f"https://example.org/{tag}/{n}",
                "text": generated_text(n, rng, tag),
            }
            handle.write(json.dumps(record) + "\n")
    return path
