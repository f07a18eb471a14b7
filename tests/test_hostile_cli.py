"""Issue #18 and #17 (command line): each defect a hostile test found, as a test that failed
before the fix. Names that are not UTF-8, records that break Python's JSON parser, WARC
records that lie about their length, output that cannot be written: one line, the right exit
code, nothing lost that could be kept.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cleaner.cli import cli
from cleaner.render import dumps, one_line
from tests.killed_worker import kill_a_worker

EN = (
    "The city council approved the new harbour budget on Tuesday after a long debate.\n\n"
    "The mayor said the works would start in spring and last about two years.\n"
)
ENV = {**os.environ, "PYTHONIOENCODING": "utf-8"}


def run(args: list[str], stdin: bytes | None = None) -> Result:
    return CliRunner().invoke(cli, args, input=stdin)


def cleaner(*args: str, **kwargs: object) -> subprocess.CompletedProcess[bytes]:
    """The real command (`python -m cleaner`): exit codes and pipes as a shell sees them."""
    streams = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, **kwargs}
    return subprocess.run(
        [sys.executable, "-m", "cleaner", *args],
        env=ENV,
        timeout=120,
        **streams,  # type: ignore[arg-type]
    )


def stderr_lines(result: Result | subprocess.CompletedProcess[bytes]) -> list[str]:
    err = result.stderr if isinstance(result.stderr, str) else result.stderr.decode()
    return [line for line in err.splitlines() if line.strip()]


# --- names ---------------------------------------------------------------------------------


@pytest.fixture
def odd_names(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "plain.txt").write_text(EN, encoding="utf-8")
    with open(os.fsencode(folder) + b"/caf\xff.txt", "wb") as handle:
        handle.write(EN.replace("city", "town").encode())
    (folder / "two\nlines.txt").write_text(EN.replace("city", "village"), encoding="utf-8")
    (folder / "empty\n-injected: yes.txt").write_text("   \n", encoding="utf-8")
    return folder


def test_undecodable_and_newline_names_in_clean(odd_names: Path) -> None:
    result = cleaner("clean", "--format", "jsonl", str(odd_names))
    assert result.returncode == 1  # the empty file
    records = [json.loads(line) for line in result.stdout.decode("utf-8").splitlines()]
    names = [Path(r["source"]).name for r in records]
    assert names == ["caf\\xff.txt", "empty\n-injected: yes.txt", "plain.txt", "two\nlines.txt"]
    [line] = stderr_lines(result)  # the newline in the name does not start a second line
    assert line.startswith("cleaner: ") and "empty\\n-injected: yes.txt" in line


def test_undecodable_name_in_the_archive(odd_names: Path, tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    result = cleaner("archive", str(db), str(odd_names))
    assert result.returncode == 1, result.stderr
    assert b"Traceback" not in result.stderr
    exported = cleaner("export", str(db))
    sources = sorted(Path(json.loads(x)["source"]).name for x in exported.stdout.splitlines())
    assert sources == ["caf\\xff.txt", "plain.txt", "two\nlines.txt"]
    rerun = cleaner("archive", str(db), str(odd_names))
    assert rerun.returncode == 1 and b"3 already stored" in rerun.stderr


def test_one_line_escapes_what_could_start_a_line() -> None:
    assert one_line("a\nb\rc\x1b[31md\u2028e") == "a\\nb\\rc\\x1b[31md\\u2028e"
    assert one_line("caf\udcff") == "caf\\xff"
    assert one_line("ordinary — текст") == "ordinary — текст"


# --- JSON Lines ----------------------------------------------------------------------------


def test_each_broken_record_fails_alone_with_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "batch.jsonl"
    lines = [
        json.dumps({"id": "a", "text": EN}),
        '{"id": "b", "text": "x", "n": ' + "7" * 5000 + "}",  # ValueError, not JSONDecodeError
        '{"id": "c", "text": "x", "score": NaN}',
        '{"id": "d", "text": "x", "score": -Infinity}',
        '{"id": "e", "text": "x", "score": 1e999}',
        json.dumps({"id": "f", "text": EN.replace("city", "town")}),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run(["clean", "--format", "jsonl", str(path)])
    assert result.exit_code == 1
    errors = stderr_lines(result)
    assert [e.split(": ")[1] for e in errors] == [f"{path}:{n}" for n in (2, 3, 4, 5)]
    assert "too many digits" in errors[0] and "NaN" in errors[1] and "Infinity" in errors[2]
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in records] == ["a", f"{path}:2", f"{path}:3", f"{path}:4"] + [
        f"{path}:5",
        "f",
    ]
    for line in result.stdout.splitlines():  # strict JSON: NaN and Infinity refused
        json.loads(line, parse_constant=lambda name: pytest.fail(f"{name} written"))


def test_big_integer_record_does_not_stop_the_archive(tmp_path: Path) -> None:
    path = tmp_path / "batch.jsonl"
    path.write_text(
        json.dumps({"id": "a", "text": EN})
        + "\n"
        + '{"text": "x", "n": '
        + "9" * 4400
        + "}\n"
        + json.dumps({"id": "c", "text": EN.replace("city", "town")})
        + "\n",
        encoding="utf-8",
    )
    db = tmp_path / "a.db"
    result = run(["archive", str(db), str(path)])
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    assert "2 added" in result.stderr and f"{path}:2: invalid JSON" in result.stderr


def test_json_output_is_never_nan() -> None:
    assert dumps({"p": float("nan"), "q": [float("inf")], "r": 0.5}) == (
        '{"p": null, "q": [null], "r": 0.5}'
    )


# --- WARC ----------------------------------------------------------------------------------


def _warc_record(uri: str, body: bytes, length: int | str | None = None) -> bytes:
    http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n" + body
    head = (
        f"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: {uri}\r\n"
        "WARC-Date: 2024-01-01T00:00:00Z\r\nContent-Type: application/http; msgtype=response\r\n"
        f"Content-Length: {len(http) if length is None else length}\r\n\r\n"
    )
    return head.encode() + http + b"\r\n\r\n"


def test_warc_record_with_a_too_small_content_length_is_reported(tmp_path: Path) -> None:
    body = f"<html><body><article><p>{EN}</p></article></body></html>".encode()
    path = tmp_path / "lying.warc"
    path.write_bytes(
        _warc_record("http://example.com/1", body)
        + _warc_record("http://example.com/2", body, length=120)
        + _warc_record("http://example.com/3", body.replace(b"city", b"town"))
    )
    result = cleaner("clean", "--format", "jsonl", "--skip-errors", str(path))
    assert result.returncode == 1
    [line] = stderr_lines(result)  # and none of warcio's multi-line warnings
    assert "http://example.com/2" in line and "Content-Length" in line
    urls = [json.loads(x)["url"] for x in result.stdout.splitlines()]
    assert urls == ["http://example.com/1", "http://example.com/3"]


# Records whose header (or HTTP head) cannot be read, and junk between records: each fails
# alone, named by file, record number and offset; the records after it are still read.
_BAD_RECORDS = {
    "letters for a length": _warc_record("http://example.com/b", b"x", length="abc"),
    "a negative length": _warc_record("http://example.com/b", b"x", length=-5),
    "an overflowing length": _warc_record("http://example.com/b", b"x", length=10**25),
    "no length": b"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: http://example.com/b"
    b"\r\n\r\nHTTP/1.1 200 OK\r\n\r\n<p>the rest of the file would be its body</p>\r\n\r\n",
    "binary junk in the header": b"WARC/1.0\r\nWARC-Type: response\r\n\xff\xfe\x00\x01"
    b"\r\nContent-Length: 5\r\n\r\nhello\r\n\r\n",
    "an unknown version": _warc_record("http://example.com/b", b"x").replace(b"1.0", b"X.Y", 1),
    "an unknown type": _warc_record("http://example.com/b", b"x").replace(
        b"response", b"nonsense", 1
    ),
    "a status line without a code": _warc_record("http://example.com/b", b"x").replace(
        b"HTTP/1.1 200 OK", b"GARBAGE LINE", 1
    ),
    "junk between records": b"this is not a record\r\nnor is this\r\n",
}


@pytest.mark.parametrize("bad", list(_BAD_RECORDS), ids=str)
def test_a_bad_warc_record_fails_alone(tmp_path: Path, bad: str) -> None:
    body = f"<html><body><article><p>{EN}</p></article></body></html>".encode()
    path = tmp_path / "crawl.warc"
    first = _warc_record("http://example.com/a", body)
    path.write_bytes(
        first
        + _BAD_RECORDS[bad]
        + _warc_record("http://example.com/c", body.replace(b"city", b"town"))
        + _warc_record("http://example.com/d", body.replace(b"city", b"village"))
    )
    result = cleaner("clean", "--format", "jsonl", str(path))
    assert result.returncode == 1, result.stderr
    [line] = stderr_lines(result)
    assert line.startswith(f"cleaner: {path}") and f"byte {len(first)}" in line, line
    if bad != "junk between records":
        assert "record 2 (" in line, line
    records = [json.loads(x) for x in result.stdout.splitlines()]
    assert [r.get("url") for r in records] == [
        "http://example.com/a",
        None,
        "http://example.com/c",
        "http://example.com/d",
    ]
    # the error record has the id the record would have had: its URI when its header
    # names one, else FILE#N as for a record without a URI
    expected = {"binary junk in the header": f"{path}#2", "junk between records": str(path)}
    assert records[1]["id"] == expected.get(bad, "http://example.com/b"), records[1]


def test_error_records_have_the_ids_of_successful_ones(tmp_path: Path) -> None:
    """A record that fails while it is cleaned (nothing to clean, a limit) has the id its
    clean record would have had: a JSON Lines record's own id as written, `file:line` when it
    has none; a WARC record's URI."""
    path = tmp_path / "batch.jsonl"
    path.write_text(
        "\n".join(
            json.dumps(r)
            for r in [
                {"id": 1, "text": EN},
                {"id": 2, "text": "  "},
                {"id": "three", "html": "<p></p>"},
                {"text": " "},
                {"text": EN.replace("city", "town")},
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    records = [
        json.loads(x) for x in cleaner("clean", "--format", "jsonl", str(path)).stdout.splitlines()
    ]
    assert [r["id"] for r in records] == [1, 2, "three", f"{path}:4", f"{path}:5"]
    assert ["error" in r for r in records] == [False, True, True, True, False]
    warc = tmp_path / "crawl.warc"
    warc.write_bytes(
        _warc_record("http://example.com/1", f"<p>{EN}</p>".encode())
        + _warc_record("http://example.com/2", b"<html><body></body></html>")
    )
    records = [
        json.loads(x) for x in cleaner("clean", "--format", "jsonl", str(warc)).stdout.splitlines()
    ]
    assert [r["id"] for r in records] == ["http://example.com/1", "http://example.com/2"]
    assert "nothing to clean" in records[1]["error"]


def test_jsonl_read_as_warc_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "batch.jsonl"
    path.write_text("".join(json.dumps({"text": f"line {i}"}) + "\n" for i in range(5000)))
    result = cleaner("clean", "--input", "warc", str(path))
    assert result.returncode == 1
    assert stderr_lines(result) == [
        f"cleaner: {path}: not a WARC file (it starts with '{{\"text\": \"line 0', not 'WARC/')"
    ]


# --- output that cannot be written, and readers that stop --------------------------------


def test_sigpipe_exits_0(tmp_path: Path) -> None:
    for command in ("rules list", "clean --format jsonl {f} {f} {f} {f}"):
        path = tmp_path / "many.jsonl"
        path.write_text("".join(json.dumps({"text": EN}) + "\n" for _ in range(300)))
        script = f"set -o pipefail; {sys.executable} -m cleaner {command.format(f=path)} | head -1"
        done = subprocess.run(["bash", "-c", script], capture_output=True, env=ENV, timeout=120)
        assert done.returncode == 0, (command, done.stderr)
        assert done.stderr == b"", done.stderr


def test_full_disk_and_closed_stdout_are_one_line(tmp_path: Path) -> None:
    path = tmp_path / "many.jsonl"
    path.write_text("".join(json.dumps({"text": EN}) + "\n" for _ in range(50)))
    with open("/dev/full", "wb") as full:
        result = cleaner("clean", str(path), stdout=full)
    assert result.returncode == 1
    assert stderr_lines(result) == ["cleaner: error writing the output: no space left on device"]
    closed = subprocess.run(
        ["bash", "-c", f"{sys.executable} -m cleaner clean {path} >&-"],
        capture_output=True,
        env=ENV,
        timeout=120,
    )
    assert closed.returncode == 1
    assert stderr_lines(closed) == ["cleaner: error writing the output: standard output is closed"]


def test_memory_error_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    from cleaner.console import run_cli

    def boom() -> None:
        raise MemoryError

    assert run_cli(boom, []) == 1
    with pytest.raises(MemoryError):
        run_cli(boom, ["--debug"])


def test_python_dash_m() -> None:
    result = cleaner("--version")
    assert result.returncode == 0 and b"cleaner" in result.stdout


# --- archive commands: missing files, foreign databases, options ----------------------


def _archive(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_text(EN, encoding="utf-8")
    (src / "b.txt").write_text(EN.replace("city", "town"), encoding="utf-8")
    db = tmp_path / "news.db"
    assert run(["archive", str(db), str(src)]).exit_code == 0
    return db


@pytest.mark.parametrize(
    "command", [["reclean"], ["search", "{db}", "x"], ["export"], ["serve"]], ids=str
)
def test_missing_archive_is_refused_and_not_created(tmp_path: Path, command: list[str]) -> None:
    db = tmp_path / "typo.db"
    args = [command[0], str(db), *command[2:]]
    result = run(args)
    assert result.exit_code == 2
    assert stderr_lines(result) == [f"cleaner: error: {db}: no such archive"]
    assert not db.exists()


def _foreign(tmp_path: Path, table: str = "notes") -> Path:
    import sqlite3

    db = tmp_path / "foreign.db"
    conn = sqlite3.connect(db)
    conn.execute(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, text TEXT)")
    conn.execute(f"INSERT INTO {table} VALUES (1, 'mine')")
    conn.commit()
    conn.close()
    return db


def test_foreign_database_is_not_touched(tmp_path: Path) -> None:
    db = _foreign(tmp_path)
    before = db.read_bytes()
    src = tmp_path / "a.txt"
    src.write_text(EN, encoding="utf-8")
    result = run(["archive", str(db), str(src)])
    assert result.exit_code == 2
    [line] = stderr_lines(result)
    assert "not a cleaner archive" in line and "--force" in line
    assert db.read_bytes() == before and not Path(f"{db}-wal").exists()
    forced = run(["archive", str(db), str(src), "--force"])
    assert forced.exit_code == 0, forced.stderr
    import sqlite3

    conn = sqlite3.connect(db)
    assert conn.execute("SELECT text FROM notes").fetchall() == [("mine",)]
    assert conn.execute("SELECT count(*) FROM articles").fetchone() == (1,)


@pytest.mark.parametrize("command", ["export", "search", "reclean", "archive"])
def test_foreign_database_with_an_articles_table(tmp_path: Path, command: str) -> None:
    db = _foreign(tmp_path, "articles")
    before = db.read_bytes()
    args = [command, str(db)] + (["x"] if command == "search" else [])
    result = run([*args, "--force"] if command == "archive" else args)
    assert result.exit_code == 2, result.stderr
    [line] = stderr_lines(result)
    assert "not a cleaner archive" in line
    assert db.read_bytes() == before


def test_language_and_since_are_validated(tmp_path: Path) -> None:
    db = _archive(tmp_path)
    upper = run(["search", str(db), "harbour", "--language", "EN", "--format", "jsonl"])
    assert upper.exit_code == 0 and len(upper.stdout.splitlines()) >= 1
    bad = run(["search", str(db), "harbour", "--language", "english"])
    assert bad.exit_code == 2 and len(stderr_lines(bad)) == 1
    missing = run(["export", str(db), "--language", "fr"])
    assert missing.exit_code == 0 and "the archive has: en" in missing.stderr
    since = run(["export", str(db), "--since", "2024-13-01"])
    assert since.exit_code == 2
    assert stderr_lines(since) == [
        "cleaner: error: --since: expected a date YYYY-MM-DD, got '2024-13-01'"
    ]


def test_csv_output(tmp_path: Path) -> None:
    import csv
    import io

    db = _archive(tmp_path)
    rows = list(csv.DictReader(io.StringIO(run(["export", str(db), "--format", "csv"]).stdout)))
    assert len(rows) == 2 and rows[0]["language"] == "en" and "harbour" in rows[0]["text"]
    assert json.loads(rows[0]["removed"]) == []
    from cleaner.document import RECORD_FIELDS

    assert set(RECORD_FIELDS) <= set(rows[0])  # every record field has its column
    hits = run(["search", str(db), "harbour", "--format", "csv"]).stdout
    found = list(csv.DictReader(io.StringIO(hits)))
    assert [h["rank"] for h in found] == ["1"] and found[0]["language"] == "en"


def test_quiet_archive_prints_nothing(tmp_path: Path) -> None:
    src = tmp_path / "a.txt"
    src.write_text(EN, encoding="utf-8")
    result = run(["archive", str(tmp_path / "q.db"), str(src), "--quiet"])
    assert result.exit_code == 0 and result.stderr == ""


# --- progress and summary ------------------------------------------------------------------


class _Terminal:
    """A terminal for rich and for the summary line."""

    def __init__(self) -> None:
        import io

        self.buffer = io.StringIO()

    def write(self, text: str) -> int:
        return self.buffer.write(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return True

    def getvalue(self) -> str:
        return self.buffer.getvalue()


def test_progress_bar_with_a_total(monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from cleaner.console import progress

    err = _Terminal()
    monkeypatch.setattr(sys, "stderr", err)
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    with progress("archiving", total=10) as advance:
        advance(4)
    assert "4/10" in err.getvalue() and "40%" in err.getvalue()


def test_count_documents_knows_files_not_records(tmp_path: Path) -> None:
    from cleaner.inputs import count_documents

    (tmp_path / "a.txt").write_text(EN)
    (tmp_path / "b.html").write_text("<p>x</p>")
    assert count_documents([str(tmp_path)]) == 2
    (tmp_path / "c").write_text('{"text": "a record"}\n')  # JSON Lines without the extension
    assert count_documents([str(tmp_path)]) is None
    assert count_documents(["-"]) is None


def test_clean_prints_a_summary_on_a_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cleaner.clean_run import write_all
    from cleaner.inputs import read_inputs
    from cleaner.pipeline import CleanOptions
    from cleaner.ruleset import default_ruleset

    (tmp_path / "a.txt").write_text(EN)
    (tmp_path / "b.txt").write_text("  \n")
    err = _Terminal()
    monkeypatch.setattr(sys, "stderr", err)
    monkeypatch.setattr(sys, "stdout", _Terminal())  # no progress bar between documents
    options = CleanOptions(ruleset=default_ruleset())
    assert write_all(read_inputs([str(tmp_path)]), sys.stdout, "text", False, options) == 1
    assert "cleaner: 1 cleaned, 1 failed in " in err.getvalue()


def test_export_and_search_to_a_full_disk(tmp_path: Path) -> None:
    db = _archive(tmp_path)
    for args in (["export", str(db)], ["search", str(db), "harbour", "--format", "jsonl"]):
        with open("/dev/full", "wb") as full:
            result = cleaner(*args, stdout=full)
        assert result.returncode == 1, args
        assert stderr_lines(result) == [
            "cleaner: error writing the output: no space left on device"
        ]


def test_memory_error_in_rules_check_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    import cleaner.rulecheck
    from cleaner.cli import main

    def exhausted(ruleset: object) -> list[str]:
        raise MemoryError

    monkeypatch.setattr(cleaner.rulecheck, "check_ruleset", exhausted)
    with pytest.raises(SystemExit) as stopped:
        main(["rules", "check"])
    assert stopped.value.code == 1


# --- a worker killed during `cleaner archive --jobs 2` (#18 item 3; `clean`: test_batch.py) --


@pytest.mark.slow
def test_archive_jobs_2_with_a_worker_killed_ends_and_loses_nothing(tmp_path: Path) -> None:
    """kill -9 one worker of `cleaner archive --jobs 2` mid-run: the dead worker is noticed
    within 10 s, the inputs in flight are named and cleaned again, the run completes and
    every record is stored (before #18 the run sat at 0 % CPU forever)."""
    path = tmp_path / "many.jsonl"
    with open(path, "w", encoding="utf-8") as handle:
        for n in range(600):
            text = EN.replace("city", f"city of district {n}") + f"Note number {n} of the day.\n"
            handle.write(json.dumps({"id": f"r{n}", "text": text}) + "\n")
    db = tmp_path / "a.db"
    command = [sys.executable, "-m", "cleaner", "archive", str(db), str(path), "--jobs", "2"]
    run = kill_a_worker(command, stdout=False, env=ENV)
    assert run.killed_at is not None, "no workers started"
    assert run.returncode == 0, run.heard
    [(after, warning)] = run.noticed()
    assert after < 10, "the dead worker was not noticed in time"
    assert f"in flight ({path}:" in warning
    stored = cleaner("export", str(db)).stdout.splitlines()
    assert sorted(json.loads(x)["id"] for x in stored) == sorted(f"r{n}" for n in range(600))
