"""Shared fixtures: the samples table, and `--update-golden` to rewrite gold files on purpose."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"

settings.register_profile(
    "default", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
# `make fuzz`: 100,000 inputs per property (FUZZ_EXAMPLES to change it).
settings.register_profile(
    "long", max_examples=int(os.environ.get("FUZZ_EXAMPLES", "100000")), deadline=None
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="Rewrite samples/*.gold.* from the current output (review the diff, then commit).",
    )


def sample_names() -> list[str]:
    return sorted(p.name[: -len(".raw.txt")] for p in SAMPLES.glob("*.raw.txt")) + sorted(
        p.name[: -len(".raw.html")] for p in SAMPLES.glob("*.raw.html")
    )


def raw_path(name: str) -> Path:
    for ext in (".raw.txt", ".raw.html"):
        if (SAMPLES / f"{name}{ext}").exists():
            return SAMPLES / f"{name}{ext}"
    raise FileNotFoundError(name)
