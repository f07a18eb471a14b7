"""The input edge: gzip and WARC cut at any point keep what was readable and report the rest;
JSON Lines records are checked one by one; directories are walked once, in order."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from cleaner.inputs import InputFailure, InputNotice, RawInput, iter_paths, read_inputs, sniff_kind
from tests.test_cli_clean import make_warc


def items(*paths: Path | str, **kwargs: object) -> list[RawInput | InputFailure | InputNotice]:
    return list(read_inputs([str(p) for p in paths], **kwargs))  # type: ignore[arg-type]


def kinds(found: list) -> list[str]:
    return [type(i).__name__ for i in found]


def test_gzip_whole_and_multi_member(tmp_path: Path) -> None:
    path = tmp_path / "a.txt.gz"
    path.write_bytes(gzip.compress(b"first member\n") + gzip.compress(b"second member\n"))
    [only] = items(path)
    assert isinstance(only, RawInput) and only.data == b"first member\nsecond member\n"


@pytest.mark.parametrize("fraction", [0.05, 0.3, 0.5, 0.9, 0.999])
def test_gzip_cut_anywhere_keeps_the_decompressed_part(tmp_path: Path, fraction: float) -> None:
    text = b"".join(b"line %d of the scrape\n" % i for i in range(5000))
    data = gzip.compress(text)
    path = tmp_path / "cut.txt.gz"
    path.write_bytes(data[: int(len(data) * fraction)])
    found = items(path)
    assert isinstance(found[-1], InputFailure) and "cut off" in found[-1].reason
    if len(found) == 2:
        assert isinstance(found[0], RawInput)
        assert text.startswith(found[0].data)  # a true prefix of what was compressed
    else:
        assert "nothing could be decompressed" in found[0].reason


def test_corrupt_gzip(tmp_path: Path) -> None:
    path = tmp_path / "bad.gz"
    path.write_bytes(b"\x1f\x8b" + b"\xff" * 50)
    [failure] = items(path)
    assert isinstance(failure, InputFailure) and "corrupt gzip" in failure.reason


@pytest.mark.parametrize("gz", [False, True], ids=["warc", "warc.gz"])
def test_warc_cut_at_every_tenth_reports_the_rest(tmp_path: Path, gz: bool) -> None:
    data = make_warc(5, gz)
    assert kinds(items(_write(tmp_path, "whole.warc", data))) == ["RawInput"] * 5
    for tenth in range(1, 10):
        cut = data[: len(data) * tenth // 10 + 5]  # + 5: not on a record boundary
        found = items(_write(tmp_path, f"cut{tenth}.warc", cut))
        assert any(isinstance(i, InputFailure) for i in found), (tenth, found)
        docs = [i for i in found if isinstance(i, RawInput)]
        assert [d.url for d in docs] == [f"http://example.com/{n}" for n in range(len(docs))]


def _write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def test_jsonl_record_over_the_size_limit_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    lines = [
        json.dumps({"text": "small one"}),
        json.dumps({"text": "x" * 5000}),
        json.dumps({"text": "small two"}),
    ]
    path.write_text("\n".join(lines), encoding="utf-8")
    found = items(path, max_bytes=1000)
    assert kinds(found) == ["RawInput", "InputFailure", "RawInput"]
    assert found[1].source == f"{path}:2" and "size limit" in found[1].reason
    assert [i.data for i in found if isinstance(i, RawInput)] == ["small one", "small two"]


def test_jsonl_with_bom_crlf_and_bad_bytes(tmp_path: Path) -> None:
    path = tmp_path / "win.jsonl"
    path.write_bytes(
        b'\xef\xbb\xbf{"id": "a", "text": "one"}\r\n{"id": "b", "text": "caf\xe9 ok"}\r\n'
    )
    found = items(path)
    assert kinds(found) == ["RawInput", "RawInput"]
    assert found[1].data == "caf\ufffd ok"


def test_jsonl_deeply_nested_record(tmp_path: Path) -> None:
    path = tmp_path / "deep.jsonl"
    path.write_text('{"text": "ok"}\n' + "[" * 100_000 + "\n", encoding="utf-8")
    found = items(path)
    assert kinds(found) == ["RawInput", "InputFailure"]


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b'{"text": "x"}\n', "jsonl"),
        (b'\xef\xbb\xbf{"text": "x"}\n', "jsonl"),
        (b"WARC/1.0\r\n", "warc"),
        (b"{not json\n", "auto"),
        (b"<html>", "auto"),
    ],
)
def test_sniff_kind(head: bytes, kind: str) -> None:
    assert sniff_kind(head) == kind


def test_directory_walk_is_ordered_and_enters_each_directory_once(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "a").mkdir()
    (tmp_path / "b" / "2.txt").write_text("x")
    (tmp_path / "a" / "1.txt").write_text("x")
    (tmp_path / "0.txt").write_text("x")
    (tmp_path / ".hidden").write_text("x")
    (tmp_path / "b" / "again").symlink_to(tmp_path / "a")  # not a loop: a second way in
    found = list(iter_paths([str(tmp_path)]))
    names = [Path(e[0]).relative_to(tmp_path).as_posix() for e in found if isinstance(e, tuple)]
    assert names == ["0.txt", "a/1.txt", "b/2.txt"]
    notices = [e for e in found if isinstance(e, InputNotice)]
    assert len(notices) == 1 and "same directory as" in notices[0].reason


def test_stdin_size_limit_and_empty_stdin() -> None:
    import io

    [failure] = list(read_inputs([], stdin=io.BytesIO(b"x" * 2000), max_bytes=1000))
    assert isinstance(failure, InputFailure) and "size limit" in failure.reason
    [empty] = list(read_inputs([], stdin=io.BytesIO(b"")))
    assert isinstance(empty, RawInput) and empty.data == b""  # `clean_one` reports it


def test_the_url_census_reads_every_input_with_a_url_and_skips_the_rest(tmp_path: Path) -> None:
    """read_inputs(urls_only=True) feeds the template census: it may skip what cannot carry a
    URL (plain files, records without a "url" key), never an input that has one."""
    (tmp_path / "a.txt").write_text("A plain scrape.\n\nIts second paragraph.")
    (tmp_path / "b.html").write_text("<html><body><p>A page.</p></body></html>")
    records = [
        {"id": 1, "text": "no address here"},
        {"id": 2, "text": "one", "url": "https://news.example/1"},
        {"id": 3, "text": "Grüße aus Köln", "url": "https://news.example/2"},
        {"id": 4, "text": "an escaped text \u00e9"},  # json.dumps escapes it: \\u00e9
    ]
    lines = [json.dumps(r, ensure_ascii=False) for r in records[:3]]
    lines.append(json.dumps(records[3]))
    lines.append('{"id": 5, "text": "escaped key", "\\u0075rl": "https://news.example/3"}')
    (tmp_path / "c.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    full = [i for i in read_inputs([str(tmp_path)]) if isinstance(i, RawInput)]
    census = [i for i in read_inputs([str(tmp_path)], urls_only=True) if isinstance(i, RawInput)]
    with_url = [i.url for i in full if i.url]
    assert with_url == [f"https://news.example/{n}" for n in (1, 2, 3)]
    assert [i.url for i in census if i.url] == with_url
    assert len(full) == 7 and len(census) < len(full)
    assert not any(i.source.endswith(("a.txt", "b.html")) for i in census)
