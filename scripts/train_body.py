#!/usr/bin/env python3
"""Train the body model (cleaner/body_model.json) from the benchmark's tuning halves and samples/.

    python scripts/train_body.py /work/shared/bench [--out cleaner/body_model.json]
    python scripts/train_body.py DATA --corpora aeb traf --out /tmp/model-no-wce.json

Each page is run through the pipeline up to the body finder (rules, headline) and the stage-1
features of its units are recorded (cached under --cache, keyed by the page's text and this
project's code, so a rerun only retrains). Labels: a unit is article text when most of its
4-token shingles (the benchmark's own unit) are in the page's gold text (AEB, wce, samples); in
the trafilatura corpus, when it holds a `with` snippet or lies inside one, and boilerplate when
it holds a `without` snippet (other units carry no label there and are left out of training).

The learner (HistGradientBoostingClassifier, chosen against logistic regression by
leave-one-corpus-out F1, docs/quality.md) is exported as plain node arrays: inference needs
numpy only (cleaner/body_model.py).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import pickle
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import cleaner.pipeline as pipeline  # noqa: E402
from cleaner import CleanOptions, clean  # noqa: E402
from cleaner.body_model import (  # noqa: E402
    FORMAT_VERSION,
    STAGE1,
    STAGE2,
    page_features,  # noqa: E402
    prob_context,
)
from cleaner.generic import anchor_position, body_sequence  # noqa: E402

CORPORA = ("aeb", "traf", "wce")
WORD = re.compile(r"\w+")
PARAMS = dict(
    max_iter=60, max_depth=5, learning_rate=0.15, max_leaf_nodes=31, l2_regularization=1.0
)
VERSION = "1"


@dataclass
class Page:
    """One page's units as the body model sees them."""

    corpus: str
    doc_id: str
    lang: str
    x: np.ndarray  # stage-1 features, one row per unit of the body sequence
    kept: np.ndarray  # the unit survived the named rules (only those are classified)
    label: np.ndarray  # 1 article, 0 boilerplate, -1 unknown
    words: np.ndarray


def _shingles(tokens: list[str], n: int = 4) -> set[tuple[str, ...]]:
    return {tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)}


def gold_labels(texts: list[str], gold: str) -> np.ndarray:
    """1 when most of a unit's 4-token shingles (or, below 4 tokens, its token run) are in the
    gold text, else 0."""
    gold_tokens = WORD.findall(gold.lower())
    gold_set = _shingles(gold_tokens)
    joined = " " + " ".join(gold_tokens) + " "
    out = np.zeros(len(texts), dtype=np.int8)
    for i, text in enumerate(texts):
        tokens = WORD.findall(text.lower())
        if not tokens:
            continue
        if len(tokens) < 4:
            out[i] = (" " + " ".join(tokens) + " ") in joined
            continue
        sh = _shingles(tokens)
        out[i] = sum(1 for s in sh if s in gold_set) >= 0.5 * len(sh)
    return out


def _ws(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def snippet_labels(texts: list[str], with_: list[str], without: list[str]) -> np.ndarray:
    """1 for units holding (or inside) a `with` snippet, 0 for a `without` one, else -1."""
    out = np.full(len(texts), -1, dtype=np.int8)
    norm = [_ws(t) for t in texts]
    for snippets, value in ((without, 0), (with_, 1)):
        for s in snippets:
            s = _ws(s)
            if not s:
                continue
            for i, t in enumerate(norm):
                if s in t or (len(t) >= 25 and t in s):
                    out[i] = value
    return out


def _capture(raw: str, kind: str, url: str | None) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Run the pipeline with the body finder replaced by a recorder."""
    got: dict = {}

    def record(units, language, ruleset=None):  # type: ignore[no-untyped-def]
        seq = body_sequence(units)
        got["texts"] = [u.text for u in seq]
        got["kept"] = np.array([u.kept for u in seq], dtype=bool)
        got["x"] = page_features(seq, language, anchor_position(units, seq)) if seq else None
        return None

    real = pipeline.apply_generic
    pipeline.apply_generic = record
    try:
        clean(raw, url=url, options=CleanOptions(input_kind=kind))
    finally:
        pipeline.apply_generic = real
    if not got.get("texts"):
        return [], np.zeros((0, len(STAGE1))), np.zeros(0, dtype=bool)
    return got["texts"], got["x"], got["kept"]


def _code_hash() -> str:
    """The code and rules the features depend on, read once when this module loads (the
    cleaner modules are loaded by then: a later edit must not label old features as new)."""
    return CODE_HASH


def _hash_code() -> str:
    h = hashlib.sha256()
    for path in sorted((ROOT / "cleaner").glob("*.py")) + sorted((ROOT / "rules").glob("*")):
        if path.name not in ("body_model.json", "generic.py"):
            h.update(path.read_bytes())
    return h.hexdigest()[:16]


CODE_HASH = _hash_code()


def load_records(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def extract_corpus(data: Path, corpus: str, cache: Path) -> list[Page]:
    """The pages of one corpus's tuning half, from the cache when the code is unchanged."""
    path = data / corpus / "dev.jsonl.gz"
    key = hashlib.sha256(f"{path.stat().st_size}:{path.stat().st_mtime}".encode()).hexdigest()
    cached = cache / f"{corpus}-{key[:12]}-{_code_hash()}.pkl"
    if cached.exists():
        return [Page(**d) for d in pickle.loads(cached.read_bytes())]
    pages = []
    started = time.perf_counter()
    for rec in load_records(path):
        texts, x, kept = _capture(rec["raw_text"], "text", rec.get("url"))
        if not texts:
            continue
        if "gold_text" in rec:
            label = gold_labels(texts, rec["gold_text"])
        else:
            label = snippet_labels(texts, rec["with"], rec["without"])
        words = np.array([len(WORD.findall(t)) for t in texts])
        pages.append(Page(corpus, rec["id"], rec.get("lang", ""), x, kept, label, words))
    print(f"{corpus}: {len(pages)} pages in {time.perf_counter() - started:.0f} s", flush=True)
    cache.mkdir(parents=True, exist_ok=True)
    cached.write_bytes(pickle.dumps([vars(p) for p in pages]))
    return pages


def extract_samples() -> list[Page]:
    """The project's own plain-text samples, labelled from their exact gold text."""
    pages = []
    for raw in sorted((ROOT / "samples").glob("*.raw.txt")):
        gold = raw.with_name(raw.name.split(".raw.")[0] + ".gold.txt").read_text("utf-8")
        texts, x, kept = _capture(raw.read_text("utf-8"), "text", None)
        if texts:
            words = np.array([len(WORD.findall(t)) for t in texts])
            label = gold_labels(texts, gold)
            pages.append(Page("samples", raw.name, "", x, kept, label, words))
    return pages


def _rows(pages: list[Page], x_of: list[np.ndarray]) -> tuple[np.ndarray, ...]:
    xs, ys, ws, groups = [], [], [], []
    corpus_rows: dict[str, float] = {}
    for page in pages:
        mask = page.kept & (page.label >= 0)
        corpus_rows[page.corpus] = corpus_rows.get(page.corpus, 0) + mask.sum()
    for g, (page, x) in enumerate(zip(pages, x_of, strict=True)):
        mask = page.kept & (page.label >= 0)
        if not mask.any():
            continue
        xs.append(x[mask])
        ys.append(page.label[mask])
        # long units weigh more (the scores count shingles); each corpus weighs about the same
        w = 1.0 + np.minimum(page.words[mask], 100) / 10.0
        ws.append(w * 20000.0 / max(corpus_rows[page.corpus], 1))
        groups.append(np.full(mask.sum(), g))
    return np.vstack(xs), np.concatenate(ys), np.concatenate(ws), np.concatenate(groups)


def _fit(x: np.ndarray, y: np.ndarray, w: np.ndarray):  # type: ignore[no-untyped-def]
    from sklearn.ensemble import HistGradientBoostingClassifier

    clf = HistGradientBoostingClassifier(random_state=0, early_stopping=False, **PARAMS)
    clf.fit(x, y, sample_weight=w)
    return clf


def export_trees(clf) -> dict:  # type: ignore[no-untyped-def]
    """A fitted HistGradientBoostingClassifier as node arrays (cleaner.body_model.Forest)."""
    trees = []
    depth = 0
    for (predictor,) in clf._predictors:
        nodes = predictor.nodes
        n = len(nodes)
        left = nodes["left"].astype(int)
        right = nodes["right"].astype(int)
        leaf = nodes["is_leaf"].astype(bool)
        left[leaf] = np.arange(n)[leaf]
        right[leaf] = np.arange(n)[leaf]
        depth = max(depth, int(nodes["depth"].max()))
        trees.append(
            {
                "feature": nodes["feature_idx"].astype(int).tolist(),
                "threshold": [float(t) for t in nodes["num_threshold"]],
                "left": left.tolist(),
                "right": right.tolist(),
                "value": [round(float(v), 7) for v in nodes["value"]],
            }
        )
    return {
        "baseline": float(np.ravel(clf._baseline_prediction)[0]),
        "depth": depth,
        "trees": trees,
    }


def train(pages: list[Page], threshold: float = 0.5, folds: int = 2, stages: int = 2) -> dict:
    """Both stages: stage 2 learns from stage 1's out-of-fold probabilities."""
    x1, y, w, groups = _rows(pages, [p.x for p in pages])
    if stages == 1:
        stage1 = _fit(x1, y, w)
        model = _model_dict(pages, threshold, export_trees(stage1), None)
        _check_export(model, stage1, x1[:500])
        return model
    oof = [np.zeros(len(p.kept)) for p in pages]
    page_fold = np.arange(len(pages)) % folds
    for k in range(folds):
        train_pages = [p for p, f in zip(pages, page_fold, strict=True) if f != k]
        xk, yk, wk, _ = _rows(train_pages, [p.x for p in train_pages])
        clf = _fit(xk, yk, wk)
        held = [i for i in range(len(pages)) if page_fold[i] == k]
        probs = clf.predict_proba(np.vstack([pages[i].x for i in held]))[:, 1]
        bounds = np.cumsum([0] + [len(pages[i].kept) for i in held])
        for j, i in enumerate(held):
            oof[i] = probs[bounds[j] : bounds[j + 1]]
    stage1 = _fit(x1, y, w)
    x2_pages = [np.hstack([p.x, prob_context(p.x, q)]) for p, q in zip(pages, oof, strict=True)]
    x2, y2, w2, _ = _rows(pages, x2_pages)
    stage2 = _fit(x2, y2, w2)
    model = _model_dict(pages, threshold, export_trees(stage1), export_trees(stage2))
    _check_export(model, stage1, x1[:500])
    return model


def _model_dict(pages: list[Page], threshold: float, stage1: dict, stage2: dict | None) -> dict:
    return {
        "format": FORMAT_VERSION,
        "version": VERSION,
        "learner": "sklearn HistGradientBoostingClassifier " + json.dumps(PARAMS),
        "trained_on": sorted({p.corpus for p in pages}),
        "pages": len(pages),
        "threshold": threshold,
        "stage1_features": list(STAGE1),
        "stage2_features": list(STAGE2),
        "stage1": stage1,
        "stage2": stage2,
    }


def _check_export(model: dict, clf, x: np.ndarray) -> None:  # type: ignore[no-untyped-def]
    from cleaner.body_model import Forest

    mine = Forest.from_dict(model["stage1"]).proba(x)
    theirs = clf.predict_proba(x)[:, 1]
    assert np.allclose(mine, theirs, atol=1e-4), float(np.abs(mine - theirs).max())


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("data", type=Path, help="folder holding aeb/, traf/, wce/ dev.jsonl.gz")
    ap.add_argument("--out", type=Path, default=ROOT / "cleaner" / "body_model.json")
    ap.add_argument("--corpora", nargs="+", default=list(CORPORA))
    ap.add_argument("--cache", type=Path, default=Path("/tmp/cleaner-body-features"))
    ap.add_argument("--no-samples", action="store_true")
    ap.add_argument("--threshold", type=float, default=0.5)
    ap.add_argument("--stages", type=int, choices=[1, 2], default=2)
    a = ap.parse_args()
    pages = [p for c in a.corpora for p in extract_corpus(a.data, c, a.cache)]
    if not a.no_samples:
        pages += extract_samples()
    model = train(pages, a.threshold, stages=a.stages)
    a.out.write_text(json.dumps(model, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {a.out} ({a.out.stat().st_size // 1024} KiB, {len(pages)} pages)")


if __name__ == "__main__":
    main()
