"""Raw documents are stored compressed, and every reader gets the bytes as fetched back."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from cleaner.archive import Archive
from cleaner.archive.rawstore import CODEC, pack, register, unpack

from tests.archive.conftest import ROOT, invoke, query, scalar

HTML = sorted((ROOT / "samples").glob("*.raw.html"))


def test_pack_round_trips_and_leaves_incompressible_bytes_as_they_are() -> None:
    page = b"<html><body>" + b"<p>A paragraph of an invented page.</p>\n" * 200 + b"</body></html>"
    packed, codec = pack(page)
    assert codec == CODEC and len(packed) < len(page) / 10
    assert unpack(packed, codec) == page
    noise = b"\x8f\x02"  # too short to shrink
    assert pack(noise) == (noise, None)
    assert unpack(noise, None) == noise
    with pytest.raises(ValueError, match="codec"):
        unpack(packed, "brotli")


def test_an_archived_html_page_is_stored_compressed(tmp_path: Path) -> None:
    assert HTML, "samples hold HTML pages"
    db = tmp_path / "db.db"
    assert invoke("archive", str(db), *map(str, HTML)).exit_code == 0
    rows = query(db, "select raw, codec, size from raw_documents")
    assert {codec for _, codec, _ in rows} == {CODEC}
    assert sum(len(raw) for raw, _, _ in rows) < 0.7 * sum(size for _, _, size in rows)
    assert {unpack(raw, codec) for raw, codec, _ in rows} == {p.read_bytes() for p in HTML}


def test_the_sql_function_gives_datasette_the_raw_bytes(seed_db: Path, seeds: Path) -> None:
    conn = sqlite3.connect(seed_db)
    register(conn)
    got = {row[0] for row in conn.execute("select raw_bytes(raw, codec) from raw_documents")}
    conn.close()
    assert got == {p.read_bytes() for p in seeds.iterdir()}


def test_the_migration_compresses_an_archive_written_before_it(seed_db: Path, seeds: Path) -> None:
    """An archive as it was before raw documents were compressed: plain bytes, no `codec`."""
    before = invoke("export", str(seed_db)).stdout
    conn = sqlite3.connect(seed_db)
    register(conn)
    conn.execute("UPDATE raw_documents SET raw = raw_bytes(raw, codec)")
    conn.execute("ALTER TABLE raw_documents DROP COLUMN codec")
    conn.execute("DELETE FROM _migrations WHERE name = '007_compressed_raw'")
    conn.commit()
    conn.close()
    plain = sum(len(raw) for (raw,) in query(seed_db, "select raw from raw_documents"))
    with Archive(seed_db):  # opening it for writing applies the migration
        pass
    rows = query(seed_db, "select raw, codec from raw_documents")
    assert {codec for _, codec in rows} == {CODEC}
    assert sum(len(raw) for raw, _ in rows) < 0.7 * plain
    assert {unpack(raw, codec) for raw, codec in rows} == {p.read_bytes() for p in seeds.iterdir()}
    assert invoke("export", str(seed_db)).stdout == before
    result = invoke("reclean", str(seed_db))  # reads the raw bytes back
    assert result.exit_code == 0, result.output
    assert scalar(seed_db, "select count(*) from articles") == 5
    records = [json.loads(line) for line in invoke("export", str(seed_db)).stdout.splitlines()]
    assert [r["text"] for r in records] == [
        json.loads(line)["text"] for line in before.splitlines()
    ]
