"""Serving an archive with Datasette: read-only, on loopback, safe by default, while it grows.

What `cleaner serve` passes Datasette:
- the shipped metadata (titles, facets, canned queries) and, under `plugins.cleaner`, the
  archive's name and the limits the plugin (archive.web) enforces on it;
- the file as a mutable database: Datasette then opens it `mode=ro` and SQLite reads the WAL,
  so commits made by a `cleaner archive` running beside it show up; `--immutable` would let
  Datasette read a file that changes under it as if it never did ("database disk image is
  malformed", new rows invisible);
- `default_allow_sql off` unless the user asks: table pages, the search page and canned
  queries keep working, arbitrary SQL is refused (HTTP 403).
"""

from __future__ import annotations

import contextlib
import errno
import ipaddress
import json
import signal
import socket
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from importlib import resources
from pathlib import Path
from typing import Any

from cleaner.archive.web.limits import MIN_VALUE_BYTES

from cleaner.errors import ArchiveError

METADATA_FILE = "datasette-metadata.json"
PLACEHOLDER = "ARCHIVE"
SQL_TIME_LIMIT_MS = 3000
MAX_RESPONSE_BYTES = 64 * 1024 * 1024
SETTINGS = {
    "suggest_facets": "off",  # suggestions scan the table on every page: too slow when big
    "facet_time_limit_ms": "200",
    "sql_time_limit_ms": str(SQL_TIME_LIMIT_MS),
    "default_facet_size": "10",
    "max_returned_rows": "1000",
}


def shipped_metadata() -> dict[str, Any]:
    """The metadata template shipped with the package (database name = PLACEHOLDER)."""
    text = resources.files("cleaner.archive").joinpath(METADATA_FILE).read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def metadata_for(db_path: Path, *, max_value_bytes: int = MIN_VALUE_BYTES) -> dict[str, Any]:
    """The metadata with the database keyed by the name Datasette gives the file (its stem).

    Links to `/ARCHIVE/...` in the HTML descriptions (the search form) get the database's own
    path; `plugins.cleaner` turns the plugin on for this database, with its limits.
    """
    from datasette.utils import tilde_encode

    data = shipped_metadata()
    text = json.dumps(data["databases"][PLACEHOLDER], ensure_ascii=False)
    text = text.replace(f"/{PLACEHOLDER}/", f"/{tilde_encode(db_path.stem)}/")
    data["databases"] = {db_path.stem: json.loads(text)}
    data["plugins"] = {
        "cleaner": {
            "databases": [db_path.stem],
            "limits": {
                "max_value_bytes": max_value_bytes,
                "max_response_bytes": MAX_RESPONSE_BYTES,
            },
        }
    }
    return data


def search_url(db_path: Path, host: str, port: int) -> str:
    """Where `cleaner serve` sends users first: the search page."""
    from datasette.utils import tilde_encode

    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/{tilde_encode(db_path.stem)}/search"


def prepare(db_path: Path) -> int:
    """Check DB is an archive; return the value-size cap (covers its largest raw document)."""
    from cleaner.archive.store import Archive

    with Archive(db_path, write=False) as arc:  # raises ArchiveError when not an archive
        try:
            (largest,) = arc.conn.execute("SELECT max(size) FROM raw_documents").fetchone()
        except sqlite3.Error as exc:
            raise arc.error(exc, "cannot read") from exc
    return max(MIN_VALUE_BYTES, int(largest or 0) + 1024 * 1024)


def is_loopback(host: str) -> bool:
    """True for an address (or `localhost`) only this machine can reach."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_exposure(host: str, allow_sql: bool, i_know: bool) -> str | None:
    """The warning to print for a non-loopback host; ArchiveError when it must be refused.

    Arbitrary SQL reachable from the network is refused unless the user says `--i-know`.
    """
    if is_loopback(host):
        return None
    if allow_sql and not i_know:
        raise ArchiveError(
            f"--allow-sql with --host {host} lets anyone who can reach this machine run SQL "
            "on it; add --i-know to do it anyway"
        )
    return (
        f"WARNING: serving on {host}: anyone who can reach this machine can read the whole "
        "archive" + (" and run SQL on it" if allow_sql else "")
    )


def check_port(host: str, port: int) -> None:
    """Refuse, with one line, a port that is already taken (Datasette would exit 3)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host.strip("[]"), port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise ArchiveError(f"port {port} on {host} is already in use") from exc
            raise ArchiveError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc


def serve(
    db: str,
    host: str,
    port: int,
    *,
    allow_sql: bool = False,
    i_know: bool = False,
    say: Callable[[str], None] = lambda line: None,
) -> None:
    """`cleaner serve`: check, then serve DB until stopped (`run`). DB must be an archive and
    the port free; a host other machines can reach is warned about through `say`, and refused
    with `allow_sql` unless `i_know`. What is refused raises ArchiveError before Datasette
    starts."""
    max_value_bytes = prepare(Path(db))
    warning = check_exposure(host, allow_sql, i_know)
    if warning:
        say(f"cleaner: {warning}")
    check_port(host, port)
    run(db, host, port, allow_sql=allow_sql, max_value_bytes=max_value_bytes, announce=say)


def datasette_args(
    db_path: Path, metadata_file: Path, host: str, port: int, *, allow_sql: bool = False
) -> list[str]:
    """Arguments for `datasette serve`: the file as a (read-only) mutable database, settings."""
    args = [
        "serve",
        str(db_path),
        "--metadata",
        str(metadata_file),
        "--host",
        host,
        "--port",
        str(port),
    ]
    settings = {**SETTINGS, "default_allow_sql": "on" if allow_sql else "off"}
    for name, value in settings.items():
        args += ["--setting", name, value]
    return args


def run(
    db: str,
    host: str,
    port: int,
    *,
    allow_sql: bool = False,
    max_value_bytes: int = MIN_VALUE_BYTES,
    announce: Callable[[str], None] = lambda line: None,
) -> None:
    """Serve the archive DB (already `prepare`d) with Datasette until stopped.

    The metadata goes to a temporary file, removed at exit, also on SIGTERM; `announce`
    receives the one line that says what is served and where its search page is.
    """
    from datasette.cli import cli as datasette_cli

    db_path = Path(db)
    with (
        _exit_on_sigterm(),
        tempfile.TemporaryDirectory(prefix="cleaner-serve-") as tmp,
    ):
        meta = Path(tmp) / "metadata.json"
        data = metadata_for(db_path, max_value_bytes=max_value_bytes)
        meta.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        sql = "SQL allowed" if allow_sql else "no arbitrary SQL"
        where = search_url(db_path, host, port)
        announce(f"cleaner: serving {db} read-only ({sql}); search: {where}")
        args = datasette_args(db_path, meta, host, port, allow_sql=allow_sql)
        datasette_cli.main(args=args, prog_name="datasette")


@contextlib.contextmanager
def _exit_on_sigterm() -> Iterator[None]:
    """Turn SIGTERM into SystemExit(143), so `with` blocks (the metadata's temp dir) unwind.

    uvicorn catches SIGTERM for a graceful shutdown, then re-raises it with the handler it
    found: the default one would kill the process before any cleanup runs.
    """

    def handler(signum: int, frame: Any) -> None:
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
