#!/usr/bin/env python3
"""Quality benchmark: the samples always; with --data DIR, the shared benchmark files too.

    python scripts/bench.py                                   # samples: exact matches
    python scripts/bench.py --data ../shared/bench [--mode text|html|both] [--show 5]
    python scripts/bench.py --data ../shared/bench --mode text --loco   # + leave-one-corpus-out

The metrics are the benchmark's own (bench/README.md): for AEB and wce, 4-token shingles,
precision and recall per document averaged, F1 of the averages; for the trafilatura corpus,
snippet precision/recall/F1 over all snippets. Beside F1 it counts the losses a reader notices:
"article lost" pages (recall < 0.5) and gold paragraphs of >= 25 words missing from the output
(less than half of their shingles found; in the trafilatura corpus, `with` snippets of >= 25
words), and F1 by language group (English, German, other languages with a stop-word list,
languages without one).

`--loco` trains the body model on two corpora (scripts/train_body.py, needs scikit-learn:
`pip install -e '.[train]'`) and scores the third: the figure that predicts unseen pages, since
the tuning half's own figure is measured on the pages the model learned from.

HTML mode also scores trafilatura alone (its `extract()` with default settings, the peer a user
would otherwise run) and lists the pages where `cleaner` loses more than 0.05 F1 against it.
Runs the library in-process (the CLI adds only I/O); docs/s is the cleaning time alone.

Quality gate: every figure measured is checked against its floor in scripts/bench_floors.json
(the figures measured when the file was last updated, less a small margin), and HTML mode
against trafilatura alone on the same pages; the script exits 1 naming each figure below its
floor, so `make bench` fails on a regression. `--floors FILE` reads another floors file,
`--no-floors` skips the gate.
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
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from cleaner import CleanOptions, clean  # noqa: E402

WORD = re.compile(r"\w+")
CORPORA = ("aeb", "traf", "wce")
LONG_PARAGRAPH = 25  # words: a gold paragraph a reader misses
WITH_STOPLIST = ("ru", "fr", "es", "it", "pt", "nl", "pl", "uk")
FLOORS = ROOT / "scripts" / "bench_floors.json"


def shingles(text: str, n: int = 4) -> Counter:
    toks = WORD.findall(text or "")
    spans = (toks[i : i + n] for i in range(max(1, len(toks) - n + 1)))
    return Counter(tuple(span) for span in spans if span)


def doc_prf(gold: str, pred: str) -> tuple[float | None, float | None, float]:
    """One document's shingle precision, recall (None when undefined) and F1."""
    g, p = shingles(gold), shingles(pred)
    tp, fp, fn = sum((g & p).values()), sum((p - g).values()), sum((g - p).values())
    if not tp + fp + fn:
        return None, None, 1.0
    dp = 1.0 if fp == fn == 0 else (tp / (tp + fp) if tp + fp else None)
    dr = 1.0 if fp == fn == 0 else (tp / (tp + fn) if tp + fn else None)
    f = 2 * (dp or 0) * (dr or 0) / ((dp or 0) + (dr or 0)) if (dp or dr) else 0.0
    return dp, dr, f


def shingle_prf(pairs: list[tuple[str, str]]) -> tuple[float, float, float, list[float]]:
    P, R, per_doc = [], [], []
    for gold, pred in pairs:
        dp, dr, f = doc_prf(gold, pred)
        per_doc.append(f)
        if dp is not None:
            P.append(dp)
        if dr is not None:
            R.append(dr)
    p = sum(P) / len(P) if P else 0.0
    r = sum(R) / len(R) if R else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0), per_doc


def _ws(t: str) -> str:
    return re.sub(r"\s+", " ", t or "").strip()


def snippet_counts(with_: list[str], without: list[str], pred: str) -> tuple[int, int, int]:
    pred = _ws(pred)
    tp = sum(1 for s in with_ if _ws(s) in pred)
    fp = sum(1 for s in without if _ws(s) in pred)
    return tp, fp, len(with_) - tp


def snippet_prf(triples: list[tuple[list[str], list[str], str]]) -> tuple[float, float, float]:
    tp = fp = fn = 0
    for with_, without, pred in triples:
        a, b, c = snippet_counts(with_, without, pred)
        tp, fp, fn = tp + a, fp + b, fn + c
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def page_f1(rec: dict, pred: str) -> tuple[float, float]:
    """(F1, recall) of one page by its corpus's measure."""
    if "gold_text" in rec:
        _, dr, f = doc_prf(rec["gold_text"], pred)
        return f, 1.0 if dr is None else dr
    tp, fp, fn = snippet_counts(rec["with"], rec["without"], pred)
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return (2 * p * r / (p + r) if p + r else 0.0), r


def missing_paragraphs(rec: dict, pred: str) -> tuple[int, int]:
    """(missing, all) gold paragraphs of >= 25 words."""
    if "gold_text" not in rec:
        long = [s for s in rec["with"] if len(WORD.findall(s)) >= LONG_PARAGRAPH]
        text = _ws(pred)
        return sum(1 for s in long if _ws(s) not in text), len(long)
    out = shingles(pred)
    missing = total = 0
    for para in re.split(r"\n+", rec["gold_text"]):
        if len(WORD.findall(para)) < LONG_PARAGRAPH:
            continue
        total += 1
        sh = shingles(para)
        if sum(1 for s in sh if s in out) < 0.5 * len(sh):
            missing += 1
    return missing, total


def language_group(lang: str) -> str:
    lang = (lang or "").split("-")[0]
    if lang in ("en", "de"):
        return lang
    return "stop-list" if lang in WITH_STOPLIST else "no-list"


def score(records: list[dict], outputs: list[str]) -> tuple[float, float, float]:
    if "gold_text" in records[0]:
        p, r, f1, _ = shingle_prf(
            [(x["gold_text"], o) for x, o in zip(records, outputs, strict=True)]
        )
        return p, r, f1
    return snippet_prf(
        [(x["with"], x["without"], o) for x, o in zip(records, outputs, strict=True)]
    )


def report(
    name: str,
    records: list[dict],
    outputs: list[str],
    secs: float,
    show: int,
    figures: dict[str, float] | None = None,
) -> str:
    """The report line of one run; its F1 goes into `figures` under `name` (for the gate)."""
    p, r, f1 = score(records, outputs)
    if figures is not None:
        figures[name] = f1
    empty = sum(1 for o in outputs if not o.strip())
    per_page = [page_f1(rec, o) for rec, o in zip(records, outputs, strict=True)]
    lost = sum(1 for _, rec_r in per_page if rec_r < 0.5)
    missing = total = 0
    for rec, o in zip(records, outputs, strict=True):
        m, t = missing_paragraphs(rec, o)
        missing, total = missing + m, total + t
    groups: dict[str, list[int]] = {}
    for i, rec in enumerate(records):
        groups.setdefault(language_group(rec.get("lang", "")), []).append(i)
    by_group = " ".join(
        f"{g}={score([records[i] for i in idx], [outputs[i] for i in idx])[2]:.3f}(n={len(idx)})"
        for g, idx in sorted(groups.items())
    )
    if show:
        worst = sorted(zip((f for f, _ in per_page), (rec["id"] for rec in records), strict=True))
        for f, doc_id in worst[:show]:
            print(f"  {f:.3f} {doc_id}")
    return (
        f"{name} F1={f1:.3f} P={p:.3f} R={r:.3f} n={len(records)} empty={empty} "
        f"lost={lost} ({lost / len(records):.1%}) missing25={missing}/{total} "
        f"({missing / max(total, 1):.1%}) docs/s={len(records) / secs:.0f}\n"
        f"    by language: {by_group}"
    )


def load(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def run_text(records: list[dict], generic: bool = True) -> tuple[list[str], float]:
    opts = CleanOptions(input_kind="text", generic=generic)
    started = time.perf_counter()
    out = [
        clean(r["raw_text"], url=r.get("url"), source=r["id"], options=opts).text for r in records
    ]
    return out, time.perf_counter() - started


def run_html(records: list[dict]) -> tuple[list[str], list[str], float]:
    """cleaner's HTML output and the extraction it started from (trafilatura with our
    settings), recorded on the way."""
    import cleaner.extract_html as extract_html

    seen: list[str] = []
    real = extract_html.extract

    def recording(html: str, url: str | None = None) -> Any:
        result = real(html, url)
        seen.append(result.text)
        return result

    extract_html.extract = recording
    opts = CleanOptions(input_kind="html")
    started = time.perf_counter()
    try:
        out = [
            clean(r["html"], url=r.get("url"), source=r["id"], options=opts).text for r in records
        ]
    finally:
        extract_html.extract = real
    return out, seen, time.perf_counter() - started


def trafilatura_alone(records: list[dict], cache: Path | None = None) -> list[str]:
    """The peer: trafilatura.extract() with its default settings (cached in `cache`)."""
    import trafilatura

    if cache is not None and cache.exists():
        return json.loads(cache.read_text("utf-8"))
    out = [trafilatura.extract(r["html"], url=r.get("url")) or "" for r in records]
    if cache is not None:
        cache.write_text(json.dumps(out), "utf-8")
    return out


def html_losses(
    records: list[dict], ours: list[str], theirs: list[str], limit: int = 20
) -> list[str]:
    out = []
    for rec, a, b in zip(records, ours, theirs, strict=True):
        fa, fb = page_f1(rec, a)[0], page_f1(rec, b)[0]
        if fa < fb - 0.05:
            out.append(f"  -{fb - fa:.3f} {rec['id']} cleaner={fa:.3f} trafilatura={fb:.3f}")
    return sorted(out, key=lambda s: float(s.split()[0]))[:limit] + [f"  ({len(out)} pages)"]


def check_floors(figures: dict[str, float], floors: dict[str, float]) -> list[str]:
    """One line per figure below its floor (figures without a floor are not checked; a floor
    whose figure was not measured in this run is skipped), and per HTML figure below
    trafilatura alone on the same pages."""
    failures = [
        f"{name}: F1 {figures[name]:.4f} below its floor {floor:.4f}"
        for name, floor in sorted(floors.items())
        if name in figures and figures[name] < floor
    ]
    for name, f1 in sorted(figures.items()):
        peer = figures.get(name.replace(" html", " trafilatura-alone"))
        if name.endswith(" html") and peer is not None and f1 < peer:
            failures.append(f"{name}: F1 {f1:.4f} below trafilatura alone ({peer:.4f})")
    return failures


def load_floors(path: Path) -> dict[str, float]:
    """The floors file: {"corpus-split mode": F1 floor}, keys as the report lines name them."""
    data = json.loads(path.read_text("utf-8"))
    return {str(k): float(v) for k, v in data["floors"].items()}


def run_loco(
    data: Path,
    corpora: list[str],
    show: int,
    stages: int = 2,
    figures: dict[str, float] | None = None,
) -> None:
    """Train on the other corpora, score this one's tuning half."""
    import train_body

    import cleaner.generic as generic
    from cleaner.body_model import BodyModel

    cache = Path("/tmp/cleaner-body-features")
    pages = {c: train_body.extract_corpus(data, c, cache) for c in CORPORA}
    samples = train_body.extract_samples()
    for corpus in corpora:
        training = [p for c in CORPORA if c != corpus for p in pages[c]] + samples
        model = BodyModel.from_dict(train_body.train(training, stages=stages))
        generic.use_model(model)
        try:
            records = load(data / corpus / "dev.jsonl.gz")
            outputs, secs = run_text(records)
            line = report(f"{corpus}-dev text LOCO", records, outputs, secs, show, figures)
            print(line, flush=True)
        finally:
            generic.use_model(None)


def run_samples(figures: dict[str, float] | None = None) -> str:
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
    if figures is not None:
        figures["samples exact"] = exact / max(len(names), 1)
    return f"samples: {exact}/{len(names)} exact"


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--data", type=Path, help="the benchmark folder (holding aeb/, traf/, wce/)")
    ap.add_argument("--mode", choices=["text", "html", "both"], default="both")
    ap.add_argument("--corpora", nargs="+", default=list(CORPORA))
    ap.add_argument("--split", default="dev", help="file name stem: dev (or test when you have it)")
    ap.add_argument("--show", type=int, default=0, help="list the N worst pages")
    ap.add_argument("--no-generic", action="store_true", help="named rules only")
    ap.add_argument("--loco", action="store_true", help="also leave-one-corpus-out (text mode)")
    ap.add_argument("--loco-only", action="store_true", help="skip the shipped model's figures")
    ap.add_argument("--stages", type=int, choices=[1, 2], default=2, help="LOCO: model stages")
    ap.add_argument("--no-peer", action="store_true", help="HTML: skip trafilatura alone")
    ap.add_argument(
        "--balance", choices=["recall", "default", "precision"], help="HTML: trafilatura's balance"
    )
    ap.add_argument("--floors", type=Path, default=FLOORS, help="the gate's floors file")
    ap.add_argument("--no-floors", action="store_true", help="report only, no quality gate")
    a = ap.parse_args()
    figures: dict[str, float] = {}
    if a.balance:
        import cleaner.extract_html

        cleaner.extract_html.BALANCE = a.balance
    print(run_samples(figures))
    if a.data:
        measure(a, figures)
    if a.no_floors or a.no_generic or a.balance:
        return  # a variant run is a measurement, not the shipped configuration
    failures = check_floors(figures, load_floors(a.floors))
    for failure in failures:
        print(f"bench gate: {failure}", file=sys.stderr)
    if failures:
        sys.exit(1)
    print(f"bench gate: {len(figures)} figures at or above their floors ({a.floors.name})")


def measure(a: argparse.Namespace, figures: dict[str, float]) -> None:
    """The benchmark corpora's figures, printed and put in `figures`."""
    modes = ["text", "html"] if a.mode == "both" else [a.mode]
    for corpus in a.corpora:
        path = a.data / corpus / f"{a.split}.jsonl.gz"
        if not path.exists():
            print(f"{path}: missing, skipped")
            continue
        records = load(path)
        name = f"{corpus}-{a.split}"
        if "text" in modes and not a.loco_only:
            outputs, secs = run_text(records, generic=not a.no_generic)
            print(report(f"{name} text", records, outputs, secs, a.show, figures), flush=True)
        if "html" in modes:
            outputs, extracted, secs = run_html(records)
            print(report(f"{name} html", records, outputs, secs, a.show, figures), flush=True)
            print(f"    extraction alone: F1={score(records, extracted)[2]:.3f}")
            if not a.no_peer:
                size = path.stat().st_size
                peer = trafilatura_alone(records, Path(f"/tmp/cleaner-peer-{corpus}-{size}.json"))
                line = report(f"{name} trafilatura-alone", records, peer, 1.0, 0, figures)
                print(line, flush=True)
                print("\n".join(html_losses(records, outputs, peer)), flush=True)
    if (a.loco or a.loco_only) and "text" in modes:
        run_loco(a.data, a.corpora, a.show, a.stages, figures)


if __name__ == "__main__":
    main()
