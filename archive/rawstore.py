"""Raw documents are stored compressed: what `raw_documents.raw` holds and how to read it back.

An HTML page stored as fetched was nine tenths of the archive (~165 KB of the ~185 KB an AEB
page cost). Measured on the 83 AEB pages (one process, `nice`, a loaded 2-core machine):

    codec      stored/page  ratio  compress  decompress
    zlib-6        31.7 KB    5.2    3.6 ms     0.46 ms
    zstd-3        31.6 KB    5.2    0.8 ms     0.17 ms
    zstd-9        28.5 KB    5.8    3.6 ms     0.16 ms   <- chosen
    zstd-19       27.0 KB    6.1  120   ms     0.22 ms
    xz-6          26.2 KB    6.3   55   ms     2.3  ms

zstd level 9 stores ~10 % less than zlib for the same time, and reads back three times faster;
beyond it each KB saved costs tens of milliseconds per page. `raw_documents.codec` names how a
row is stored (NULL: as is, rows written before the migration that compresses them), so a
reader never guesses from the bytes. Every reader goes through `unpack` (Python) or the SQL
function `raw_bytes(raw, codec)` that `register` adds to a connection (Datasette, sqlite3).
"""

from __future__ import annotations

import sqlite3
import threading
from typing import Any

CODEC = "zstd"
LEVEL = 9
_local = threading.local()  # zstandard's (de)compressor objects are not thread-safe


def _compressor() -> Any:
    found = getattr(_local, "compressor", None)
    if found is None:
        import zstandard

        found = _local.compressor = zstandard.ZstdCompressor(level=LEVEL)
    return found


def _decompressor() -> Any:
    found = getattr(_local, "decompressor", None)
    if found is None:
        import zstandard

        found = _local.decompressor = zstandard.ZstdDecompressor()
    return found


def pack(raw: bytes) -> tuple[bytes, str | None]:
    """(stored bytes, codec) for a raw document: compressed unless that saves nothing."""
    packed = _compressor().compress(raw)
    if len(packed) >= len(raw):
        return raw, None
    return packed, CODEC


def unpack(stored: bytes | memoryview, codec: str | None) -> bytes:
    """The raw document's bytes as fetched, from a `raw_documents` row's `raw` and `codec`."""
    if codec is None:
        return bytes(stored)
    if codec == CODEC:
        return _decompressor().decompress(bytes(stored))
    raise ValueError(f"unknown raw document codec {codec!r}")


def raw_bytes(stored: bytes | None, codec: str | None) -> bytes | None:
    """`unpack` as an SQL function: NULL in, NULL out."""
    return None if stored is None else unpack(stored, codec)


def register(conn: sqlite3.Connection) -> None:
    """Add `raw_bytes(raw, codec)` to a connection, e.g. from Datasette's prepare_connection
    hook, so that `SELECT raw_bytes(raw, codec) AS raw FROM raw_documents` downloads pages."""
    conn.create_function("raw_bytes", 2, raw_bytes, deterministic=True)


def compress_all(conn: sqlite3.Connection, batch: int = 200) -> int:
    """Compress every row stored as is (the migration); returns how many were compressed.

    Runs inside the caller's transaction, a batch of rows at a time by rowid, so memory stays
    bounded on any archive. The file keeps its size until `VACUUM` hands the space back;
    new rows reuse the freed pages meanwhile.
    """
    done, after = 0, 0
    while True:
        rows = conn.execute(
            "SELECT rowid, raw FROM raw_documents WHERE rowid > ? AND codec IS NULL "
            "ORDER BY rowid LIMIT ?",
            (after, batch),
        ).fetchall()
        if not rows:
            return done
        updates = []
        for rowid, raw in rows:
            packed, codec = pack(bytes(raw))
            if codec is not None:
                updates.append((packed, codec, rowid))
        conn.executemany("UPDATE raw_documents SET raw = ?, codec = ? WHERE rowid = ?", updates)
        done += len(updates)
        after = rows[-1][0]
