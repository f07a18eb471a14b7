"""Serving an archive with Datasette: read-only, on loopback, with the shipped metadata."""

from __future__ import annotations

import json
import sqlite3
from importlib import resources
from pathlib import Path
from typing import Any

from cleaner.errors import ArchiveError

METADATA_FILE = "datasette-metadata.json"
PLACEHOLDER = "ARCHIVE"
SETTINGS = {
    "suggest_facets": "off",  # suggestions scan the table on every page: too slow when big
    "facet_time_limit_ms": "200",
    "sql_time_limit_ms": "3000",
    "default_facet_size": "10",
}


def shipped_metadata() -> dict[str, Any]:
    """The metadata template shipped with the package (database name = PLACEHOLDER)."""
    text = resources.files("archive").joinpath(METADATA_FILE).read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def metadata_for(db_path: Path) -> dict[str, Any]:
    """The metadata with the database keyed by the name Datasette gives the file (its stem).

    Links to `/ARCHIVE/...` in the HTML descriptions (the ranked search form) get the
    database's own path, so the search form a user lands on is the fast ranked query.
    """
    from datasette.utils import tilde_encode

    data = shipped_metadata()
    text = json.dumps(data["databases"][PLACEHOLDER], ensure_ascii=False)
    text = text.replace(f"/{PLACEHOLDER}/", f"/{tilde_encode(db_path.stem)}/")
    data["databases"] = {db_path.stem: json.loads(text)}
    return data


def search_url(db_path: Path, host: str, port: int) -> str:
    """Where `cleaner serve` sends users first: the ranked search query's page."""
    from datasette.utils import tilde_encode

    return f"http://{host}:{port}/{tilde_encode(db_path.stem)}/search"


def prepare(db_path: Path) -> None:
    """Fold the WAL into the main file, since immutable mode reads the main file only."""
    from archive.store import Archive

    with Archive(db_path, write=False):
        pass  # validates it is an archive; raises ArchiveError otherwise
    try:
        conn = sqlite3.connect(str(db_path), timeout=30)
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()
    except sqlite3.Error as exc:
        if "readonly" not in str(exc):
            raise ArchiveError(f"{db_path}: cannot prepare for serving: {exc}") from exc


def datasette_args(db_path: Path, metadata_file: Path, host: str, port: int) -> list[str]:
    """Arguments for `datasette serve`: immutable (read-only, no locking), our settings."""
    args = [
        "serve",
        "--immutable",
        str(db_path),
        "--metadata",
        str(metadata_file),
        "--host",
        host,
        "--port",
        str(port),
    ]
    for name, value in SETTINGS.items():
        args += ["--setting", name, value]
    return args
