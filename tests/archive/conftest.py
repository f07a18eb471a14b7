"""Fixtures for the archive tests: the five seed scrapes, generated corpora, CLI runners."""

from __future__ import annotations

import json
import os
import random
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

_WORDS = [
    "harbour",
    "council",
    "minister",
    "railway",
    "strike",
    "budget",
    "river",
    "election",
    "museum",
    "festival",
    "farmers",
    "wheat",
    "export",
    "drought",
    "court",
    "ruling",
    "police",
    "station",
    "bridge",
    "hospital",
    "school",
    "teachers",
    "union",
    "pension",
    "reform",
    "energy",
    "prices",
    "winter",
    "heating",
    "market",
    "shares",
    "bank",
    "inflation",
    "report",
    "village",
    "mayor",
    "airport",
    "runway",
    "storm",
    "coast",
    "fishing",
    "boats",
    "tourism",
    "library",
    "archive",
    "science",
    "research",
    "vaccine",
    "doctors",
    "patients",
    "city",
    "traffic",
    "tunnel",
]


def generated_text(n: int, rng: random.Random, tag: str) -> str:
    """A plausible English article, unique per `n`/`tag`, with no boilerplate lines."""
    paras = []
    for p in range(3):
        sentences = []
        for s in range(2):
            words = rng.choices(_WORDS, k=12)
            words.insert(3, f"{tag}{n}x{p}{s}")
            sentences.append(" ".join(words).capitalize() + ".")
        paras.append(" ".join(sentences))
    return f"The {rng.choice(_WORDS)} story number {n}\n\n" + "\n\n".join(paras) + "\n"


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


def cleaner_process(*args: str, **kwargs: object) -> subprocess.Popen[bytes]:
    """`cleaner ARGS` as a separate process (for concurrency and signals)."""
    exe = Path(sys.executable).with_name("cleaner")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([str(exe), *args], env=env, **kwargs)  # type: ignore[call-overload]


def query(db: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def scalar(db: Path, sql: str) -> object:
    return query(db, sql)[0][0]
