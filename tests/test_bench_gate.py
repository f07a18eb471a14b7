"""The quality gate of scripts/bench.py: figures below their floors, or HTML below trafilatura
alone, fail it (no benchmark data needed: the figures are given)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _bench():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("bench", ROOT / "scripts" / "bench.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_figure_below_its_floor_fails_the_gate() -> None:
    bench = _bench()
    floors = {"aeb-dev text": 0.94, "wce-dev html": 0.89}
    assert bench.check_floors({"aeb-dev text": 0.95, "wce-dev html": 0.90}, floors) == []
    failures = bench.check_floors({"aeb-dev text": 0.939, "wce-dev html": 0.90}, floors)
    assert failures == ["aeb-dev text: F1 0.9390 below its floor 0.9400"]


def test_html_below_trafilatura_alone_fails_the_gate() -> None:
    bench = _bench()
    figures = {"wce-dev html": 0.86, "wce-dev trafilatura-alone": 0.87}
    assert bench.check_floors(figures, {}) == [
        "wce-dev html: F1 0.8600 below trafilatura alone (0.8700)"
    ]


def test_figures_not_measured_in_a_run_are_not_checked() -> None:
    bench = _bench()
    assert bench.check_floors({"samples exact": 1.0}, {"traf-dev text": 0.9}) == []


def test_the_shipped_floors_file_names_every_corpus_and_mode() -> None:
    bench = _bench()
    floors = bench.load_floors(bench.FLOORS)
    assert floors["samples exact"] == 1.0
    for corpus in ("aeb", "traf", "wce"):
        for mode in ("text", "html", "text LOCO"):
            assert 0.5 < floors[f"{corpus}-dev {mode}"] < 1.0
    assert json.loads(bench.FLOORS.read_text("utf-8"))["about"]
