"""Faults: concurrent writers, SIGKILL and SIGINT half-way, read-only, not SQLite, disk full."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import cleaner.archive.store
import pytest
from cleaner.archive import Archive, ArchiveError, Hooks, ingest, sequential

from cleaner.inputs import read_inputs
from tests.archive.conftest import cleaner_process, invoke, query, scalar
from tests.archive.corpus import write_jsonl

TIMEOUT = 150  # seconds; generous for a loaded 2-core machine, never a pass condition


def wait_for(condition: Callable[[], bool], timeout: float = 60, what: str = "") -> None:
    """Poll until `condition()` holds; fail (not hang) after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


def count(db: Path, table: str = "articles") -> int:
    if not db.exists():
        return 0
    try:
        return int(scalar(db, f"select count(*) from {table}"))  # type: ignore[call-overload]
    except sqlite3.OperationalError:  # not created yet
        return 0


def assert_consistent(db: Path) -> None:
    """Integrity ok, and every article has its raw bytes, its FTS row and nothing dangling."""
    assert query(db, "pragma integrity_check") == [("ok",)]
    conn = sqlite3.connect(db)
    try:
        conn.execute("insert into articles_fts(articles_fts) values ('integrity-check')")
    finally:
        conn.close()
    n = count(db)
    assert count(db, "raw_documents") == n
    assert count(db, "articles_fts") == n
    assert not query(
        db, "select 1 from removals where article_id not in (select id from articles) limit 1"
    )


def run(*args: str, timeout: float = TIMEOUT) -> subprocess.CompletedProcess[bytes]:
    proc = cleaner_process(*args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        out, err = proc.communicate(timeout=timeout)
    finally:
        proc.kill()
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


@pytest.mark.slow
@pytest.mark.parametrize(("writers", "each"), [(2, 300), (4, 100)])
def test_concurrent_writers_lose_nothing(tmp_path: Path, writers: int, each: int) -> None:
    db = tmp_path / "c.db"
    files = [write_jsonl(tmp_path / f"w{i}.jsonl", each, f"w{i}x", seed=i) for i in range(writers)]
    procs = [
        cleaner_process("archive", str(db), str(f), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for f in files
    ]
    try:
        outputs = [p.communicate(timeout=TIMEOUT) for p in procs]
    finally:
        for p in procs:
            p.kill()
    assert [p.returncode for p in procs] == [0] * writers, outputs
    assert count(db) == writers * each
    assert_consistent(db)
    assert scalar(db, "select sum(added) from runs") == writers * each


@pytest.mark.slow
def test_concurrent_writers_of_the_same_documents_store_them_once(tmp_path: Path) -> None:
    db = tmp_path / "same.db"
    docs = write_jsonl(tmp_path / "same.jsonl", 200, "same")
    procs = [
        cleaner_process("archive", str(db), str(docs), stderr=subprocess.PIPE) for _ in range(2)
    ]
    for p in procs:
        p.communicate(timeout=TIMEOUT)
    assert [p.returncode for p in procs] == [0, 0]
    assert count(db) == 200 and count(db, "raw_documents") == 200
    assert scalar(db, "select sum(added) from runs") == 200
    assert scalar(db, "select sum(added + already_stored) from runs") == 400
    assert_consistent(db)


@pytest.fixture(scope="module")
def big_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_jsonl(tmp_path_factory.mktemp("big") / "big.jsonl", 3000, "big")


@pytest.mark.slow
def test_sigkill_half_way_then_rerun_completes(tmp_path: Path, big_corpus: Path) -> None:
    db = tmp_path / "k.db"
    proc = cleaner_process("archive", str(db), str(big_corpus), stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: count(db) >= 400 or proc.poll() is not None, what="a committed batch")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    done = count(db)
    assert 0 < done < 3000, "the run must be killed half-way"
    assert_consistent(db)
    assert query(db, "select status from runs") == [("running",)]  # killed, never finished

    again = run("archive", str(db), str(big_corpus))
    assert again.returncode == 0, again.stderr
    assert count(db) == 3000
    assert_consistent(db)
    assert f"{done} already stored".encode() in again.stderr
    # the next start found the killed run's process gone (#18)
    assert query(db, "select status from runs") == [("interrupted",), ("completed",)]
    hits = invoke("search", str(db), "big2999x00", "--format", "jsonl").stdout.splitlines()
    assert len(hits) == 1


@pytest.mark.slow
def test_sigint_stops_cleanly_with_work_committed(tmp_path: Path, big_corpus: Path) -> None:
    db = tmp_path / "i.db"
    proc = cleaner_process(
        "archive", str(db), str(big_corpus), stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        wait_for(lambda: count(db) >= 200 or proc.poll() is not None, what="a committed batch")
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    lines = err.decode().strip().splitlines()
    assert len(lines) == 1 and "interrupted" in lines[0] and "committed" in lines[0], lines
    assert b"Traceback" not in err
    done = count(db)
    assert 0 < done < 3000
    assert query(db, "select status, added from runs") == [("interrupted", done)]
    assert f"{done} added" in lines[0]
    assert_consistent(db)


@pytest.mark.slow
def test_sigkill_during_reclean_then_rerun_completes(tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    docs = write_jsonl(tmp_path / "r.jsonl", 800, "rc")
    with Archive(db) as arc:
        run_id = arc.start_run("archive", [str(docs)], "test")
        ingest(arc, read_inputs([str(docs)]), run_id=run_id, clean_batch=sequential())
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "u.toml").write_text(
        "[[rule]]\nid = 'user.story-number'\ncategory = 'ads'\ndescription = 'test'\n"
        "pattern = 'story number'\nremove = 'line'\n"
        "examples_remove = ['The bank story number 3']\nexamples_keep = ['A story']\n"
    )
    proc = cleaner_process("reclean", str(db), "--rules", str(rules), stderr=subprocess.DEVNULL)

    def updated() -> int:
        rows = query(db, "select updated from runs where command = 'reclean'")
        return int(rows[0][0]) if rows else 0  # type: ignore[call-overload]

    try:
        wait_for(lambda: updated() >= 200 or proc.poll() is not None, what="a re-cleaned batch")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    assert 0 < updated() < 800
    assert_consistent(db)
    versions = query(db, "select count(distinct ruleset_version) from articles")
    assert versions == [(2,)]  # half old, half new: each batch all-or-nothing

    again = run("reclean", str(db), "--rules", str(rules))
    assert again.returncode == 0, again.stderr
    assert query(db, "select count(distinct ruleset_version) from articles") == [(1,)]
    assert count(db) == 800 and count(db, "removals") > 0
    assert scalar(db, "select count(*) from removals where rule = 'user.story-number'") == 800
    assert_consistent(db)


def _one_line_error(result: object, *words: str) -> None:
    err = result.stderr  # type: ignore[attr-defined]
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err
    for word in words:
        assert word in err


def test_read_only_database_file(seed_db: Path, seeds: Path) -> None:
    before = seed_db.read_bytes()
    seed_db.chmod(0o444)
    result = invoke("archive", str(seed_db), str(seeds))
    assert result.exit_code == 2
    _one_line_error(result, "read-only", str(seed_db))
    assert invoke("reclean", str(seed_db)).exit_code == 2
    assert seed_db.read_bytes() == before
    # Reading a read-only archive still works.
    assert invoke("search", str(seed_db), "Pashinyan").exit_code == 0


@pytest.mark.parametrize("command", ["archive", "search", "export", "reclean", "serve"])
def test_a_file_that_is_not_sqlite(tmp_path: Path, seeds: Path, command: str) -> None:
    db = tmp_path / "notes.db"
    db.write_text("these are my notes, not a database\n" * 50)
    before = db.read_bytes()
    args = {"archive": [str(seeds)], "search": ["x"]}.get(command, [])
    result = invoke(command, str(db), *args)
    assert result.exit_code == 2
    _one_line_error(result, "not a SQLite database")
    assert db.read_bytes() == before


def test_a_sqlite_file_that_is_not_an_archive(tmp_path: Path) -> None:
    db = tmp_path / "other.db"
    sqlite3.connect(db).execute("create table t (x)").connection.commit()
    result = invoke("search", str(db), "x")
    assert result.exit_code == 2
    _one_line_error(result, "not a cleaner archive")


def _limit_room(monkeypatch: pytest.MonkeyPatch, extra_kib: int) -> None:
    """Every connection the store opens gets a size cap: a full disk, simulated."""
    real = cleaner.archive.store._connect

    def capped(target: str, *, uri: bool = False) -> sqlite3.Connection:
        conn = real(target, uri=uri)
        pages = conn.execute("pragma page_count").fetchone()[0]
        extra_pages = extra_kib * 1024 // conn.execute("pragma page_size").fetchone()[0]
        conn.execute(f"pragma max_page_count = {pages + extra_pages}")
        return conn

    monkeypatch.setattr(cleaner.archive.store, "_connect", capped)


def test_database_full_in_the_library(
    tmp_path: Path, seed_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = write_jsonl(tmp_path / "full.jsonl", 300, "full")
    _limit_room(monkeypatch, 240)
    with Archive(seed_db) as arc, pytest.raises(ArchiveError, match="full") as info:
        run_id = arc.start_run("archive", [], "x")
        ingest(
            arc,
            read_inputs([str(docs)]),
            run_id=run_id,
            clean_batch=sequential(),
            hooks=Hooks(),
            batch_size=50,
        )
    assert "nothing from the current batch was written" in str(info.value)
    assert (count(seed_db) - 5) % 50 == 0  # whole batches only
    assert_consistent(seed_db)


def test_database_full_from_the_command_line(
    tmp_path: Path, seed_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = write_jsonl(tmp_path / "full.jsonl", 300, "full")
    _limit_room(monkeypatch, 160)
    result = invoke("archive", str(seed_db), str(docs))
    assert result.exit_code == 1
    _one_line_error(result, "database or disk is full")
    monkeypatch.undo()
    assert_consistent(seed_db)
    assert query(seed_db, "select status from runs order by id desc limit 1") == [("failed",)]
