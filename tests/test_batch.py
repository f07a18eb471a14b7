"""cleaner.batch: one engine for `clean`, `archive` and `reclean` — order, groups, workers
that die, and the same record for one input whichever way it goes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from cleaner import clean
from cleaner.batch import WORKER_DIED, clean_batch
from cleaner.cli import cli as main
from cleaner.document import Document
from cleaner.inputs import InputFailure, InputNotice, RawInput
from tests.killed_worker import kill_a_worker

CLEANER = str(Path(sys.executable).with_name("cleaner"))

STORY = (
    "The harbour council met on Tuesday to approve the new ferry timetable.\n\n"
    "Members said the winter service would add two crossings a day, and the mayor "
    "promised that fares would stay as they are until the spring review of the budget.\n"
)
DAYS = ("Monday", "Tuesday", "Friday", "Sunday", "Saturday")


def _texts() -> list[str]:
    return [STORY.replace("Tuesday", day) for day in DAYS]


def _items() -> list[RawInput | InputFailure | InputNotice]:
    texts = _texts()
    return [
        RawInput("a", texts[0], "a"),
        InputFailure("unreadable", "permission denied"),
        RawInput("b", texts[1], "b"),
        RawInput("empty", "   \n\t\n", "empty"),
        InputNotice("loop", "symbolic link loop"),
        RawInput("c", texts[2], "c"),
        RawInput("d", texts[3], "d"),
        RawInput("e", texts[4], "e"),
    ]


@pytest.mark.parametrize(("jobs", "group"), [(1, 1), (1, 3), (1, 16), (2, 1), (2, 2)])
def test_results_keep_input_order_with_failures_in_place(jobs: int, group: int) -> None:
    """Every result, failures and notices included, comes out where its input was, and each
    document is the one `clean` gives for that input alone."""
    results = list(clean_batch(iter(_items()), jobs=jobs, group=group))
    labels = [getattr(r, "source", None) for r in results]
    assert labels == ["a", "unreadable", "b", "empty", "loop", "c", "d", "e"]
    assert isinstance(results[1], InputFailure) and isinstance(results[4], InputNotice)
    assert isinstance(results[3], InputFailure)
    assert results[3].reason == "nothing to clean: empty input"
    docs = [r for r in results if isinstance(r, Document)]
    for doc, text in zip(docs, _texts(), strict=True):
        assert doc.to_record() == clean(text, source=doc.source, doc_id=doc.id).to_record()


def _kill_on_poison(docs: list[Document]) -> list[str]:
    """A renderer that kills its worker process (as the OOM killer would) on one document."""
    if any(doc.id == "poison" for doc in docs):
        os.kill(os.getpid(), signal.SIGKILL)
    return [doc.id for doc in docs]


def test_a_worker_that_dies_fails_only_its_input_and_never_hangs() -> None:
    """The input that kills its worker fails alone, named, with the reason; the inputs that
    were in flight with it are cleaned again in a fresh worker; order is kept."""
    texts = _texts()
    items = [RawInput(f"n{i}", texts[i % len(texts)], f"n{i}") for i in range(40)]
    items[13] = RawInput("poison", texts[0], "poison")
    warned: list[str] = []
    started = time.monotonic()
    results = list(
        clean_batch(
            items,
            jobs=2,
            group=4,
            render=_kill_on_poison,
            warn=lambda what, reason: warned.append(reason),
        )
    )
    assert time.monotonic() - started < 60
    assert [r for r in results if isinstance(r, InputFailure)] == [
        InputFailure("poison", WORKER_DIED, doc_id="poison")
    ]
    assert [r if isinstance(r, str) else r.source for r in results] == [i.source for i in items]
    assert warned and "worker process died" in warned[0]


class _BreaksOnThirdSubmit:
    """A pool that runs work in this process and, like a real pool whose worker was just
    killed, refuses the third submission with BrokenProcessPool."""

    submitted = 0

    def submit(self, fn, *args):  # type: ignore[no-untyped-def]
        from concurrent.futures import Future
        from concurrent.futures.process import BrokenProcessPool

        type(self).submitted += 1
        if type(self).submitted == 3:
            raise BrokenProcessPool("a child process terminated abruptly")
        future: Future = Future()
        future.set_result(fn(*args))
        return future

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        pass


def test_a_pool_broken_between_two_submissions_retries_instead_of_failing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A worker can die while the parent is handing out the next chunk: the submission itself
    then raises. Those inputs are cleaned again like the others in flight, never an error."""
    from cleaner import batch

    monkeypatch.setattr(_BreaksOnThirdSubmit, "submitted", 0)
    monkeypatch.setattr(batch, "_new_pool", lambda jobs: _BreaksOnThirdSubmit())
    texts = _texts()
    items = [RawInput(f"n{i}", texts[i % len(texts)], f"n{i}") for i in range(12)]
    warned: list[str] = []
    results = list(
        clean_batch(items, jobs=2, group=2, warn=lambda what, reason: warned.append(reason))
    )
    assert not [r for r in results if isinstance(r, InputFailure)]
    assert [r.source for r in results] == [i.source for i in items]
    assert warned and "worker process died" in warned[0]


# --- one input, one record: clean, archive + export, reclean ------------------------------


def _records_through_everything(tmp_path: Path, record: dict[str, object]) -> list[dict]:
    """The record of one JSON Lines input from `clean`, `archive`+`export`, `reclean --all`
    +`export`, leaving out only the archive's own columns."""
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    runner = CliRunner()
    cleaned = runner.invoke(main, ["clean", "--format", "jsonl", str(path)])
    assert cleaned.exit_code == 0, cleaned.output
    db = str(tmp_path / "one.db")
    assert runner.invoke(main, ["archive", db, str(path)]).exit_code == 0
    exported = runner.invoke(main, ["export", db])
    assert runner.invoke(main, ["reclean", db, "--all"]).exit_code == 0
    again = runner.invoke(main, ["export", db])
    out = [json.loads(cleaned.stdout)]
    for result in (exported, again):
        assert result.exit_code == 0
        out.append(json.loads(result.stdout))
    return out


@pytest.mark.parametrize(
    "record",
    [
        {"id": 7, "text": STORY},
        {"id": "x-1", "url": "https://example.org/a/1", "fetched_at": "2024-05-01T10:00:00Z",
         "text": STORY, "lang_hint": ["en"]},
        {"text": STORY},
    ],
)  # fmt: skip
def test_one_input_gives_the_same_record_through_clean_archive_and_reclean(
    tmp_path: Path, record: dict[str, object]
) -> None:
    first, exported, recleaned = _records_through_everything(tmp_path, record)
    for rec in (exported, recleaned):
        assert rec.pop("archived_at") and rec.pop("duplicate_of") is None
        assert list(rec) == list(first)  # the same keys in the same order
        assert rec == first
    if "id" in record:
        assert first["id"] == record["id"]  # 7 stays 7, never "7"


def test_to_record_has_the_same_keys_with_or_without_fetched_at() -> None:
    bare = clean(STORY).to_record()
    dated = clean(STORY, fetched_at="2024-05-01T10:00:00Z").to_record()
    assert list(bare) == list(dated)
    assert bare["fetched_at"] is None and dated["fetched_at"] == "2024-05-01T10:00:00Z"


@pytest.mark.parametrize("blank", ["", "   \n\t\n", "\u00a0\n \n"])
def test_a_blank_input_fails_alike_in_clean_archive_and_the_library(
    tmp_path: Path, blank: str
) -> None:
    """Nothing to clean is a failure everywhere: `clean`, `archive` (with one and with two
    workers) and the library's `sequential()` step; the archive stores nothing for it."""
    from cleaner.archive import Archive, ingest, sequential

    path = tmp_path / "blank.txt"
    path.write_text(blank, encoding="utf-8")
    runner = CliRunner()
    cleaned = runner.invoke(main, ["clean", str(path)])
    assert cleaned.exit_code == 1 and "nothing to clean: empty input" in cleaned.stderr
    for jobs in ("1", "2"):
        db = tmp_path / f"blank{jobs}.db"
        archived = runner.invoke(main, ["archive", str(db), str(path), "--jobs", jobs])
        assert archived.exit_code == 1 and "nothing to clean: empty input" in archived.stderr
        arc = Archive(str(db), write=False)
        assert arc.conn.execute("select count(*) from articles").fetchone() == (0,)
        arc.close()
    [result] = sequential()([RawInput(str(path), blank, "b")])
    assert isinstance(result, InputFailure) and result.reason == "nothing to clean: empty input"
    arc = Archive(str(tmp_path / "lib.db"), write=True)
    counts, _ = ingest(
        arc,
        [RawInput(str(path), blank, "b")],
        run_id=arc.start_run("archive", [], "t"),
        clean_batch=sequential(),
    )
    assert (counts.added, counts.failed) == (0, 1)
    arc.close()


# --- a worker killed from outside during `cleaner clean --jobs 2` -------------------------


@pytest.mark.slow
def test_clean_jobs_2_with_a_worker_killed_ends_soon_and_names_the_inputs(
    tmp_path: Path,
) -> None:
    """#18: kill -9 one worker mid-run: the run exits within 10 s of the kill, says which
    inputs were in flight, and loses none of them (they are cleaned again)."""
    texts = _texts()
    path = tmp_path / "many.jsonl"
    with open(path, "w", encoding="utf-8") as handle:
        for n in range(600):
            handle.write(json.dumps({"id": f"r{n}", "text": texts[n % 5] + f"Note {n}.\n"}) + "\n")
    command = [CLEANER, "clean", "--format", "jsonl", "--no-templates", str(path)]
    one = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert one.returncode == 0
    run = kill_a_worker([*command, "--jobs", "2"], start_within=60)
    assert run.killed_at is not None, "no workers started"
    assert run.returncode == 0, run.heard
    [(after, warning)] = run.noticed()
    assert after < 10, "the dead worker was not noticed in time"
    assert f"in flight ({path}:" in warning  # names the inputs
    assert run.stdout == one.stdout  # nothing lost, same bytes, same order
    print(f"noticed after {after:.2f} s, exit after {run.ended_at - run.killed_at:.2f} s")
