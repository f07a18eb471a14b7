"""Fixtures for the archive tests: the five seed scrapes, CLI runners (corpora: corpus.py)."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cleaner.cli import cli

ROOT = Path(__file__).resolve().parents[2]
SEEDS = sorted((ROOT / "samples").glob("00[0-4]_*.raw.*"))


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    """A directory holding only the five seed scrapes."""
    assert len(SEEDS) == 5, SEEDS
    folder = tmp_path / "seeds"
    folder.mkdir()
    for seed in SEEDS:
        shutil.copy(seed, folder / seed.name)
    return folder


def invoke(*args: str, input: bytes | None = None) -> Result:
    """Run a `cleaner` command in-process, as a user would type it."""
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


@pytest.fixture
def seed_db(tmp_path: Path, seeds: Path) -> Path:
    db = tmp_path / "db.db"
    result = invoke("archive", str(db), str(seeds))
    assert result.exit_code == 0, result.output
    return db


def cleaner_process(
    *args: str, env: dict[str, str] | None = None, **kwargs: object
) -> subprocess.Popen[bytes]:
    """`cleaner ARGS` as a separate process (for concurrency and signals); `env` adds to ours."""
    exe = Path(sys.executable).with_name("cleaner")
    env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    return subprocess.Popen([str(exe), *args], env=env, **kwargs)  # type: ignore[call-overload]


def query(db: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def scalar(db: Path, sql: str) -> object:
    return query(db, sql)[0][0]
