"""scripts/archive_bench.py, the measuring code behind `make perf`'s archive figures, on a small
archive: every reference statement returns what search() finds, so the ratios compare like
with like."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest
from cleaner.archive import Archive, search

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def archive_bench():  # type: ignore[no-untyped-def]
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import archive_bench

        yield archive_bench
    finally:
        sys.path.remove(str(ROOT / "scripts"))


def test_the_references_find_what_search_finds(archive_bench, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from cleaner import clean

    template = clean(archive_bench.article(0, random.Random(0)))
    docs = archive_bench.synthetic_docs(template, 300, random.Random(1))
    path = archive_bench.search_archive(tmp_path, docs)
    with Archive(path, write=False) as arc:
        for user_query, match in (
            ("zebra", '"zebra"'),
            ('"golden lighthouse"', '"golden lighthouse"'),
        ):
            ours = [hit.id for hit in search(arc, user_query)]
            assert ours, user_query
            for name, sql in archive_bench.REFERENCES.items():
                rows = arc.conn.execute(sql, (match,)).fetchall()
                assert [row[0] for row in rows] == ours, name
    timings = archive_bench.bench_search(path, runs=1)
    assert [t.label for t in timings] == ["rare term", "phrase", "term in 20%"]
    for t in timings:
        assert t.ours > 0 and set(t.ms) == set(archive_bench.REFERENCES)
        assert set(t.ratio) == {*archive_bench.REFERENCES, "snippet/bare"}
