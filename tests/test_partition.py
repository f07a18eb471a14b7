"""cleaner.partition: a big JSON Lines file cut at line boundaries reads, part by part, as
`read_inputs` reads it whole (same items, same line numbers, same failures)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cleaner.inputs import read_inputs
from cleaner.partition import Part, cut, partitioned, read_part
from cleaner.sources import Sources


def _awkward(path: Path) -> Path:
    """Records of many sizes with what reading must keep in place: a BOM, blank lines, a
    broken line, a record without an id (named by its line), one over the size limit, and
    no newline at the end."""
    lines = []
    for n in range(60):
        record = {"id": f"r{n}", "text": "word " * (n * 7 % 50 + 1)}
        if n == 9:
            del record["id"]
        lines.append(json.dumps(record))
        if n % 13 == 4:
            lines.append("")
        if n == 20:
            lines.append("{not json")
        if n == 33:
            lines.append(json.dumps({"id": "big", "text": "x" * 900}))
    path.write_bytes(b"\xef\xbb\xbf" + "\n".join(lines).encode())
    return path


@pytest.mark.parametrize("part_bytes", [1, 97, 500, 4000, 10**6])
def test_parts_read_as_the_whole_file(tmp_path: Path, part_bytes: int) -> None:
    path = _awkward(tmp_path / "big.jsonl")
    whole = list(read_inputs([str(path)], max_bytes=800))
    parts = cut(str(path), str(path), part_bytes, max_bytes=800)
    assert [p.first_line for p in parts][0] == 1
    assert all(a.end == b.start for a, b in zip(parts, parts[1:], strict=False))
    assert parts[-1].end == path.stat().st_size
    if part_bytes == 97:
        assert len(parts) > 10
    read = [item for part in parts for item in read_part(part)]
    assert read == whole
    assert any(getattr(i, "where", "") == f"{path}:11" == i.doc_id for i in read)  # no id: line 11


def test_partitioned_cuts_only_big_uncompressed_json_lines(tmp_path: Path) -> None:
    import gzip

    big = _awkward(tmp_path / "big.jsonl")
    small = tmp_path / "small.jsonl"
    small.write_text(json.dumps({"text": "one short record"}) + "\n")
    packed = tmp_path / "packed.jsonl.gz"
    packed.write_bytes(gzip.compress(big.read_bytes()))
    text = tmp_path / "page.txt"
    text.write_text("A plain text page. " * 100)
    paths = [str(small), str(big), str(packed), str(text)]
    units = list(partitioned(Sources(paths), part_bytes=300))
    assert sum(isinstance(u, Part) for u in units) > 3
    assert {u.name for u in units if isinstance(u, Part)} == {str(big)}
    flat = [i for u in units for i in (read_part(u) if isinstance(u, Part) else [u])]
    assert flat == list(read_inputs(paths))
