"""The code stays ruff-clean (lint and format) and mypy-clean, as CI sees it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TREES = ["cleaner", "archive", "tests", "scripts"]


def _ruff() -> list[str]:
    script = Path(sys.executable).with_name("ruff")
    if script.exists():
        return [str(script)]
    found = shutil.which("ruff")
    if found is None:
        pytest.skip("ruff is not installed (make test installs it)")
    return [found]


@pytest.mark.slow
def test_mypy() -> None:
    """The package type-checks under its import names (scripts/typecheck.py, `make lint`)."""
    pytest.importorskip("mypy", reason="mypy is not installed (make test installs it)")
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "typecheck.py")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("args", [["check"], ["format", "--check"]], ids=["check", "format"])
def test_ruff(args: list[str]) -> None:
    result = subprocess.run(
        [*_ruff(), *args, *TREES], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
