"""Hostile input through `cleaner clean`: each gives one clear line naming the input, SPEC.md's
exit code (0 all good, 1 some inputs failed, 2 usage), and no traceback unless --debug.

Binary and encoded fixtures are made here in tmp_path, not committed.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cleaner.cli import cli

ROOT = Path(__file__).resolve().parent.parent
CLEANER = str(Path(sys.executable).with_name("cleaner"))

EN = (
    "The city council approved the new harbour budget on Tuesday after a long debate.\n\n"
    "The mayor said the works would start in spring and last about two years.\n"
)
RU = (
    "Москва. Правительство утвердило новый бюджет на следующий год после долгого обсуждения.\n\n"
    "Министр финансов сообщил, что расходы на образование вырастут на десять процентов.\n"
)
FR = (
    "Le conseil municipal a approuvé le budget du port mardi après un long débat.\n\n"
    "Le maire a précisé que les travaux commenceront au printemps et dureront deux ans.\n"
)


def run(args: list[str], stdin: bytes | None = None) -> Result:
    return CliRunner().invoke(cli, ["clean", *args], input=stdin)


def error_lines(result: Result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.strip()]


def assert_one_error(result: Result, name: str, *fragments: str) -> str:
    """Exactly one stderr line, naming the input, giving the reason; exit 1; no traceback."""
    assert result.exit_code == 1, (result.exit_code, result.stderr, result.exception)
    lines = error_lines(result)
    assert len(lines) == 1, lines
    line = lines[0]
    assert line.startswith(f"cleaner: {name}: "), line
    for fragment in fragments:
        assert fragment in line, line
    assert "Traceback" not in result.stderr
    return line


# --- empty, binary, encodings -------------------------------------------------------------


@pytest.mark.parametrize(
    "data", [b"", b"   \n\t\n\r\n  ", b"\xef\xbb\xbf\n\n"], ids=["empty", "ws", "bom"]
)
def test_empty_or_whitespace_stdin_is_one_line_and_exit_1(data: bytes) -> None:
    result = run([], data)
    assert_one_error(result, "-", "nothing to clean", "empty")
    assert result.stdout == ""


def test_empty_file_is_named(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    good = tmp_path / "good.txt"
    good.write_text(EN, encoding="utf-8")
    result = run([str(empty), str(good)])
    assert_one_error(result, str(empty), "empty")
    assert "harbour budget" in result.stdout


BINARIES = {
    "png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4,
    "pdf": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" * 20,
    "nul": b"\x00" * 4096,
    "random": bytes((i * 151 + 7) % 256 for i in range(8192)),
}


@pytest.mark.parametrize("kind", sorted(BINARIES))
def test_binary_file_is_refused_by_name(tmp_path: Path, kind: str) -> None:
    path = tmp_path / f"blob.{kind}"
    path.write_bytes(BINARIES[kind])
    result = run([str(path)])
    assert_one_error(result, str(path), "binary data")
    assert result.stdout == ""


def test_binary_on_stdin_with_json_gives_an_empty_array() -> None:
    result = run(["--format", "json"], BINARIES["png"])
    assert_one_error(result, "-", "binary")
    assert json.loads(result.stdout) == []


def test_invalid_utf8_is_kept_readable() -> None:
    data = ("Le café est bon. " + RU).encode("utf-8").replace(b"bon.", b"bon \xff\xfe.")
    result = run([], data)
    assert result.exit_code == 0, result.stderr
    assert "Le café est bon \ufffd\ufffd." in result.stdout
    assert "Правительство утвердило" in result.stdout


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be", "utf-8-sig"])
def test_utf16_and_utf8_with_bom(codec: str) -> None:
    data = RU.encode(codec)
    if codec == "utf-16-be":
        data = b"\xfe\xff" + data
    result = run([], data)
    assert result.exit_code == 0, result.stderr
    assert "Министр финансов сообщил" in result.stdout
    assert "\ufeff" not in result.stdout


@pytest.mark.parametrize(
    ("text", "codec"), [(RU, "cp1251"), (RU, "koi8-r"), (FR, "latin-1"), (FR, "cp1252")]
)
def test_legacy_encodings_come_out_readable(text: str, codec: str) -> None:
    result = run(["--format", "json"], text.encode(codec))
    assert result.exit_code == 0, result.stderr
    record = json.loads(result.stdout)
    first = text.split("\n")[0]
    assert first in record["text"], record["text"]


@pytest.mark.parametrize(
    ("declared", "codec"), [("utf-8", "cp1251"), ("windows-1251", "utf-8"), ("koi8-r", "cp1251")]
)
def test_html_with_a_wrong_meta_charset(tmp_path: Path, declared: str, codec: str) -> None:
    body = "".join(f"<p>{p}</p>" for p in RU.split("\n\n"))
    page = (
        f'<html><head><meta charset="{declared}"><title>Новости</title></head>'
        f"<body><article><h1>Бюджет утверждён</h1>{body}</article></body></html>"
    )
    path = tmp_path / "page.html"
    path.write_bytes(page.encode(codec))
    result = run([str(path)])
    assert result.exit_code == 0, result.stderr
    assert "Министр финансов сообщил" in result.stdout


def test_html_with_an_xml_encoding_declaration(tmp_path: Path) -> None:
    page = (
        '<?xml version="1.0" encoding="iso-8859-1"?>\n<html><body><p>' + FR + "</p></body></html>"
    )
    path = tmp_path / "page.xhtml"
    path.write_bytes(page.encode("utf-8"))
    result = run([str(path)])
    assert result.exit_code == 0, result.stderr
    assert "approuvé le budget" in result.stdout


# --- hostile HTML ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "page",
    [
        "<html><body>"
        + "<div>" * 50_000
        + "<p>"
        + EN
        + "</p>"
        + "</div>" * 50_000
        + "</body></html>",
        "<html><body>" + "<div><p><b><i><span>" * 20_000 + EN,
        "<html><body><table>" + "<tr><td><table>" * 5_000 + EN,
    ],
    ids=["nested", "unclosed", "tables"],
)
def test_deep_or_unclosed_html_gives_no_traceback(tmp_path: Path, page: str) -> None:
    path = tmp_path / "deep.html"
    path.write_text(page, encoding="utf-8")
    result = run([str(path)])
    assert "Traceback" not in result.stderr
    assert not isinstance(result.exception, RecursionError)
    assert result.exit_code in (0, 1)
    if result.exit_code == 0:
        assert "harbour budget" in result.stdout
    else:
        assert_one_error(result, str(path))


# --- size ----------------------------------------------------------------------------------


def test_a_30mb_input_is_refused_quickly_by_name(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with open(path, "wb") as handle:
        handle.truncate(30 * 1024 * 1024)  # sparse: no time spent writing it
    start = time.perf_counter()
    result = run([str(path)])
    assert time.perf_counter() - start < 5
    assert_one_error(result, str(path), "30.0 MB", "20.0 MB size limit", "--max-size")


def test_max_size_is_configurable(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_text("\n" * (1024 * 1024) + EN, encoding="utf-8")  # just over 1 MB, cheap to clean
    assert_one_error(run(["--max-size", "1", str(path)]), str(path), "1.0 MB size limit")
    accepted = run(["--max-size", "2", str(path)])
    assert accepted.exit_code == 0 and "harbour budget" in accepted.stdout


def test_size_limit_on_stdin_and_gzip_bomb(tmp_path: Path) -> None:
    big = b"a" * (2 * 1024 * 1024 + 10)
    assert_one_error(run(["--max-size", "2"], big), "-", "size limit")
    bomb = tmp_path / "bomb.txt.gz"
    bomb.write_bytes(gzip.compress(bytes(64 * 1024 * 1024)))  # 64 MB of zeros in ~64 KB
    start = time.perf_counter()
    result = run([str(bomb)])
    assert time.perf_counter() - start < 10
    assert_one_error(result, str(bomb), "size limit")


@pytest.mark.slow
def test_large_text_is_cleaned_in_roughly_linear_time() -> None:
    """5 MB takes about ten times what 0.5 MB takes, not a hundred (quadratic); generous bounds.

    CPU time, not wall time: other processes on a shared machine must not fail it."""
    from cleaner import clean

    paragraph = EN + "\n"
    half = paragraph * (512 * 1024 // len(paragraph))
    five = half * 10
    start = time.process_time()
    small = clean(half)
    t_half = time.process_time() - start
    start = time.process_time()
    large = clean(five)
    t_five = time.process_time() - start
    assert large.text.count("harbour budget") > 9.9 * small.text.count("harbour budget")
    assert t_five < 30 * t_half + 2, (t_half, t_five)
    assert t_five < 90


def test_a_long_line_without_spaces_is_cleaned_in_linear_time() -> None:
    from cleaner import clean

    blob = "QUJDRA+/" * 7_500  # 60,000 characters of base64, as inlined images are
    text = f"{EN}\n{blob}\n\n{EN}"
    start = time.process_time()
    clean(text)
    assert time.process_time() - start < 1.5


# --- JSON Lines, gzip, WARC -----------------------------------------------------------------


def test_jsonl_with_a_broken_line_in_the_middle(tmp_path: Path) -> None:
    path = tmp_path / "batch.jsonl"
    lines = [
        json.dumps({"id": "a", "zeta": 1, "text": EN, "alpha": [1, 2]}),
        json.dumps({"id": "b", "text": RU}),
        '{"id": "c", "text": "unterminated',
        json.dumps({"text": FR, "source_site": "example.fr"}),
        "",
        json.dumps({"id": "e", "html": "<p>" + EN + "</p>"}),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run(["--format", "jsonl", str(path)])
    assert_one_error(result, f"{path}:3", "invalid JSON")
    records = [json.loads(line) for line in result.stdout.splitlines()]
    # the broken line keeps its place as an error record: output N is input N
    assert [r["id"] for r in records] == ["a", "b", f"{path}:3", f"{path}:4", "e"]
    assert records[2]["error"].startswith("invalid JSON") and records[2]["source"] == f"{path}:3"
    # unknown fields, in order, then fetched_at (always there, null or not), then SPEC's
    assert list(records[0])[:5] == ["id", "zeta", "alpha", "fetched_at", "source"]
    assert records[0]["alpha"] == [1, 2] and records[3]["source_site"] == "example.fr"
    assert "Министр финансов" in records[1]["text"]
    skipped = run(["--format", "jsonl", "--skip-errors", str(path)])
    assert [json.loads(line)["id"] for line in skipped.stdout.splitlines()] == [
        "a",
        "b",
        f"{path}:4",
        "e",
    ]


def test_jsonl_records_that_are_not_documents(tmp_path: Path) -> None:
    path = tmp_path / "odd.jsonl"
    path.write_text(
        '{"id": 1, "text": "ok line of text that is long enough to be kept."}\n'
        "[1, 2]\n"
        '{"id": 3, "title": "no body"}\n'
        '{"id": 4, "text": "   "}\n'
        '{"id": 5, "text": "lone \\ud800 surrogate in a sentence.", "note": "\\udfff"}\n',
        encoding="utf-8",
    )
    result = run(["--format", "jsonl", str(path)])
    assert result.exit_code == 1
    lines = error_lines(result)
    assert [line.split(": ", 2)[1] for line in lines] == [f"{path}:2", f"{path}:3", f"{path}:4"]
    assert "Traceback" not in result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    # input ids pass through unchanged, in error records too (3 and 4 stay numbers); each
    # failed record has an error record in its place
    assert [r["id"] for r in records] == [1, f"{path}:2", 3, 4, 5]
    assert [("error" in r) for r in records] == [False, True, True, True, False]
    assert "\ufffd" in records[4]["text"] and records[4]["note"] == "\ufffd"


def test_jsonl_numeric_id_passes_through_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "ids.jsonl"
    path.write_text(json.dumps({"id": 7, "text": EN}) + "\n", encoding="utf-8")
    assert json.loads(run(["--format", "jsonl", str(path)]).stdout)["id"] == 7


def test_jsonl_output_keeps_input_order_with_jobs(tmp_path: Path) -> None:
    path = tmp_path / "many.jsonl"
    path.write_text(
        "".join(json.dumps({"n": i, "text": f"Story {i}. " + EN}) + "\n" for i in range(40)),
        encoding="utf-8",
    )
    result = run(["--format", "jsonl", "--jobs", "2", str(path)])
    assert result.exit_code == 0, result.stderr
    assert [json.loads(line)["n"] for line in result.stdout.splitlines()] == list(range(40))


def test_gzip_cut_half_way_keeps_what_was_decompressed(tmp_path: Path) -> None:
    text = "".join(
        f"Paragraph {i}: the council met again to discuss the budget.\n\n" for i in range(2000)
    )
    data = gzip.compress(text.encode("utf-8"))
    path = tmp_path / "scrape.txt.gz"
    path.write_bytes(data[: len(data) // 2])
    result = run([str(path)])
    assert_one_error(result, str(path), "cut off", "the rest is lost")
    assert "Paragraph 0: the council met again" in result.stdout
    assert "Paragraph 1999" not in result.stdout


def test_gzip_jsonl_cut_half_way(tmp_path: Path) -> None:
    records = "".join(json.dumps({"id": i, "text": f"Story {i}. " + EN}) + "\n" for i in range(300))
    data = gzip.compress(records.encode("utf-8"))
    path = tmp_path / "batch.jsonl.gz"
    path.write_bytes(data[: len(data) // 2])
    result = run(["--format", "jsonl", str(path)])
    assert result.exit_code == 1
    [line] = error_lines(result)
    assert line.startswith(f"cleaner: {path}:") and "gzip data cut off" in line
    records = [json.loads(line) for line in result.stdout.splitlines()]
    *good, cut = records
    assert "gzip data cut off" in cut["error"]
    ids = [record["id"] for record in good]
    assert len(ids) > 10 and ids == list(range(len(ids)))


def make_warc(n: int, gz: bool) -> bytes:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=gz)
    for i in range(n):
        body = f"<html><body><article><h1>Story {i}</h1><p>{EN}</p></article></body></html>"
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        record = writer.create_warc_record(
            f"http://example.com/{i}", "response", payload=io.BytesIO(body.encode()),
            http_headers=headers,
        )  # fmt: skip
        writer.write_record(record)
    return buf.getvalue()


@pytest.mark.parametrize("gz", [False, True], ids=["warc", "warc.gz"])
def test_warc_cut_half_way(tmp_path: Path, gz: bool) -> None:
    data = make_warc(6, gz)
    path = tmp_path / ("crawl.warc.gz" if gz else "crawl.warc")
    path.write_bytes(data[: len(data) * 55 // 100])
    result = run(["--format", "jsonl", "--skip-errors", str(path)])
    assert result.exit_code == 1
    assert "Traceback" not in result.stderr
    [line] = error_lines(result)  # one fault, one line, even when both WARC and gzip are cut
    assert line.startswith(f"cleaner: {path}") and "cut off" in line
    urls = [json.loads(line)["url"] for line in result.stdout.splitlines()]
    assert urls[:3] == [f"http://example.com/{i}" for i in range(3)]


def test_whole_warc_is_clean(tmp_path: Path) -> None:
    path = tmp_path / "crawl.warc.gz"
    path.write_bytes(make_warc(3, True))
    result = run(["--format", "jsonl", str(path)])
    assert result.exit_code == 0, result.stderr
    assert len(result.stdout.splitlines()) == 3


# --- paths ---------------------------------------------------------------------------------


def test_nonexistent_path_is_named_and_others_still_processed(tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text(EN, encoding="utf-8")
    missing = tmp_path / "missing.txt"
    result = run([str(missing), str(good)])
    assert_one_error(result, str(missing), "no such file or directory")
    assert "harbour budget" in result.stdout


def test_directory_with_an_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "scrapes"
    folder.mkdir()
    (folder / "a.txt").write_text(EN, encoding="utf-8")
    secret = folder / "b.txt"
    secret.write_text(FR, encoding="utf-8")
    (folder / "c.txt").write_text(RU, encoding="utf-8")
    secret.chmod(0)
    if os.geteuid() == 0:  # root reads a mode-000 file: make opening it fail as it would
        import builtins

        import cleaner.inputs

        def guarded_open(file, *args, **kwargs):  # type: ignore[no-untyped-def]
            if Path(file) == secret:
                raise PermissionError(13, "Permission denied", str(file))
            return builtins.open(file, *args, **kwargs)

        monkeypatch.setattr(cleaner.inputs, "open", guarded_open, raising=False)
    try:
        result = run([str(folder)])
    finally:
        secret.chmod(0o644)
    assert_one_error(result, str(secret), "permission denied")
    assert "harbour budget" in result.stdout and "Правительство" in result.stdout
    assert "approuvé" not in result.stdout


def test_unreadable_subdirectory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "scrapes"
    (folder / "locked").mkdir(parents=True)
    (folder / "locked" / "x.txt").write_text(FR, encoding="utf-8")
    (folder / "a.txt").write_text(EN, encoding="utf-8")
    (folder / "locked").chmod(0)
    if os.geteuid() == 0:
        import cleaner.inputs

        real_scandir = os.scandir

        def guarded_scandir(path):  # type: ignore[no-untyped-def]
            if Path(path).name == "locked":
                raise PermissionError(13, "Permission denied", str(path))
            return real_scandir(path)

        monkeypatch.setattr(cleaner.inputs.os, "scandir", guarded_scandir)
    try:
        result = run([str(folder)])
    finally:
        (folder / "locked").chmod(0o755)
    assert_one_error(result, str(folder / "locked"), "cannot read directory", "permission denied")
    assert "harbour budget" in result.stdout


def test_symlink_loops_are_skipped_with_a_warning(tmp_path: Path) -> None:
    folder = tmp_path / "scrapes"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text(EN, encoding="utf-8")
    (folder / "sub" / "b.txt").write_text(RU, encoding="utf-8")
    (folder / "sub" / "up").symlink_to("..")  # a loop back to scrapes/
    result = run(["--format", "jsonl", str(folder)])
    assert result.exit_code == 0, result.stderr
    lines = error_lines(result)
    assert lines == [
        f"cleaner: warning: {folder / 'sub' / 'up'}: symbolic link loop (back to {folder}), skipped"
    ]
    sources = [json.loads(line)["source"] for line in result.stdout.splitlines()]
    assert sources == [str(folder / "a.txt"), str(folder / "sub" / "b.txt")]


def test_self_and_broken_symlinks_are_failures(tmp_path: Path) -> None:
    folder = tmp_path / "scrapes"
    folder.mkdir()
    (folder / "a.txt").write_text(EN, encoding="utf-8")
    (folder / "self.txt").symlink_to("self.txt")
    (folder / "gone.txt").symlink_to("nowhere.txt")
    result = run([str(folder)])
    assert result.exit_code == 1
    assert error_lines(result) == [
        f"cleaner: {folder / 'gone.txt'}: broken symbolic link (to nowhere.txt)",
        f"cleaner: {folder / 'self.txt'}: symbolic link loop",
    ]
    assert "harbour budget" in result.stdout


def test_fifo_in_a_directory_does_not_block(tmp_path: Path) -> None:
    folder = tmp_path / "scrapes"
    folder.mkdir()
    (folder / "a.txt").write_text(EN, encoding="utf-8")
    os.mkfifo(folder / "pipe")
    assert_one_error(run([str(folder)]), str(folder / "pipe"), "not a regular file")


# --- output formats ------------------------------------------------------------------------


def write_docs(tmp_path: Path, *texts: str) -> list[str]:
    paths = []
    for i, text in enumerate(texts):
        path = tmp_path / f"doc{i}.txt"
        path.write_text(text, encoding="utf-8")
        paths.append(str(path))
    return paths


def test_json_is_an_object_for_one_document_and_an_array_for_several(tmp_path: Path) -> None:
    one, two = write_docs(tmp_path, EN, FR)
    single = run(["--format", "json", one])
    assert single.exit_code == 0 and isinstance(json.loads(single.stdout), dict)
    several = run(["--format", "json", one, two])
    records = json.loads(several.stdout)
    assert isinstance(records, list) and [r["source"] for r in records] == [one, two]


def test_text_documents_are_separated_by_a_form_feed_line(tmp_path: Path) -> None:
    paths = write_docs(tmp_path, EN, FR, RU)
    result = run(paths)
    assert result.exit_code == 0
    parts = result.stdout.split("\n\f\n")
    assert len(parts) == 3
    assert "harbour" in parts[0] and "approuvé" in parts[1] and "Правительство" in parts[2]
    assert result.stdout.split("\n").count("\f") == 2


# --- errors, tracebacks, --debug ------------------------------------------------------------


def test_internal_error_is_one_line_and_debug_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    import cleaner.batch

    def broken(*args: object, **kwargs: object) -> None:
        raise ValueError("boom")

    monkeypatch.setattr(cleaner.batch, "draft", broken)
    result = run([], EN.encode())
    line = assert_one_error(result, "-", "internal error", "ValueError: boom", "--debug")
    assert line.count("\n") == 0
    debug = run(["--debug"], EN.encode())
    assert isinstance(debug.exception, ValueError)


def test_debug_shows_a_traceback_and_the_default_does_not(tmp_path: Path) -> None:
    blob = tmp_path / "image.png"
    blob.write_bytes(BINARIES["png"])
    plain = subprocess.run([CLEANER, "clean", str(blob)], capture_output=True, text=True)
    assert plain.returncode == 1
    assert plain.stderr == f"cleaner: {blob}: binary data, not text or HTML\n"
    debug = subprocess.run([CLEANER, "clean", "--debug", str(blob)], capture_output=True, text=True)
    assert debug.returncode != 0
    assert "Traceback (most recent call last)" in debug.stderr
    assert "InputError: binary data" in debug.stderr


def test_bad_usage_exits_2() -> None:
    result = CliRunner().invoke(cli, ["clean", "--format", "yaml"])
    assert result.exit_code == 2
    assert "Traceback" not in result.stderr


def test_fetched_at_must_be_iso() -> None:
    bad = run(["--fetched-at", "yesterday"], EN.encode())
    assert bad.exit_code == 2 and "ISO 8601" in bad.stderr
    good = run(["--fetched-at", "2024-05-01T10:00:00Z", "--format", "json"], EN.encode())
    assert good.exit_code == 0 and json.loads(good.stdout)["fetched_at"] == "2024-05-01T10:00:00Z"


def test_forced_input_kind_that_does_not_fit() -> None:
    assert_one_error(run(["--input", "warc"], EN.encode()), "-", "not a WARC file")
    assert_one_error(run(["--input", "warc"], b"one-word\n"), "-", "not a WARC file")
    result = run(["--input", "jsonl"], b"first line\nsecond line\n")
    assert result.exit_code == 1
    assert error_lines(result) == [
        "cleaner: -:1: invalid JSON: Expecting value at column 1",
        "cleaner: -:2: invalid JSON: Expecting value at column 1",
    ]


def test_failures_in_a_parallel_batch_keep_order_and_exit_1(tmp_path: Path) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    for i in range(12):
        (folder / f"{i:02}.txt").write_text(f"Story {i}. {EN}", encoding="utf-8")
    (folder / "05.txt").write_bytes(BINARIES["png"])
    result = run(["--format", "jsonl", "--jobs", "2", str(folder)])
    assert_one_error(result, str(folder / "05.txt"), "binary data")
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [Path(r["source"]).name for r in records] == [f"{i:02}.txt" for i in range(12)]
    assert [i for i, r in enumerate(records) if "error" in r] == [5]


@pytest.mark.parametrize(
    "args", [["--format", "text"], ["--format", "jsonl"], ["--format", "json"], ["--explain"]]
)
def test_jobs_write_what_one_process_writes(args: list[str]) -> None:
    """With --jobs, workers send back formatted output; it must be byte for byte the same."""
    samples = str(Path(__file__).resolve().parent.parent / "samples")
    one = run([*args, "--jobs", "1", samples])
    two = run([*args, "--jobs", "2", samples])
    assert one.exit_code == 0 and two.exit_code == 0, two.stderr
    assert two.stdout == one.stdout and one.stdout.strip()


def test_standard_input_is_cleaned_as_it_comes_and_files_in_groups(tmp_path: Path) -> None:
    """A live stream on standard input gets each document's output before the next input
    arrives; files are cleaned in groups (faster), with the same output."""
    import select

    record = json.dumps({"id": "live", "text": EN}) + "\n"
    proc = subprocess.Popen(
        [CLEANER, "clean", "--format", "jsonl"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        proc.stdin.write(record.encode())
        proc.stdin.flush()  # and the pipe stays open: more could come
        ready, _, _ = select.select([proc.stdout], [], [], 30)
        assert ready, "no output before the end of the input"
        first = json.loads(proc.stdout.readline())
        assert first["id"] == "live"
    finally:
        proc.stdin.close()
        proc.wait(timeout=30)
    batch = tmp_path / "batch.jsonl"
    texts = [EN.replace("the", "a", n % 3) for n in range(20)]
    batch.write_text(
        "".join(json.dumps({"id": str(n), "text": t}) + "\n" for n, t in enumerate(texts))
    )
    from_file = run(["--format", "jsonl", str(batch)])
    from_stdin = run(["--format", "jsonl"], batch.read_bytes())
    assert from_file.exit_code == 0 and from_stdin.exit_code == 0

    def records(out: str) -> list[dict[str, object]]:
        return [{**json.loads(line), "source": None} for line in out.splitlines()]

    assert records(from_file.stdout) == records(from_stdin.stdout)
    assert len(records(from_file.stdout)) == len(texts)
