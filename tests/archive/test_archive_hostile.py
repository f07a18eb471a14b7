"""Issue #18 (archive): stale `duplicate_of` after re-cleaning, runs left `running` by a
killed process, and a stateful fuzz test of random interleavings of archive, reclean, merge
and kill (hypothesis; `make fuzz` runs its long profile)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from cleaner.archive import Archive, Pending
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from cleaner import clean
from tests.archive.conftest import query, scalar
from tests.archive.corpus import generated_text


def _raw_documents(db: Path) -> set[bytes]:
    """The archived raw documents as fetched (stored compressed: archive/rawstore.py)."""
    from cleaner.archive.rawstore import unpack

    return {unpack(raw, codec) for raw, codec in query(db, "select raw, codec from raw_documents")}


def _story(n: int) -> str:
    return generated_text(n, random.Random(n), "hostile", paragraphs=3, sentences=3, words=14)


def _near(text: str, at: int = 20) -> str:
    words = text.split(" ")
    words[at] = "changed"
    return " ".join(words)


def _pending(text: str, article_id: int | None = None) -> Pending:
    item = Pending.of(clean(text), text.encode())
    item.article_id = article_id
    return item


def test_reclean_refreshes_the_copies_of_a_changed_original(tmp_path: Path) -> None:
    db = tmp_path / "d.db"
    a = _story(1)
    with Archive(db) as arc:
        run = arc.start_run("archive", [], "t")
        arc.write_batch(run, [_pending(a), _pending(_near(a)), _pending(_near(_near(a), 40))])
        assert query(db, "select id, duplicate_of from articles") == [(1, None), (2, 1), (3, 1)]
        # article 1 re-cleaned to the same text: its copies stay its copies
        arc.update_batch(run, [_pending(a, 1)])
        assert query(db, "select id, duplicate_of from articles") == [(1, None), (2, 1), (3, 1)]
        # article 1 re-cleaned to another story (new rules, a template): 2 is no copy of it
        # any more, and 3, a near copy of 2, becomes 2's copy
        arc.update_batch(run, [_pending(_story(7), 1)])
    assert query(db, "select id, duplicate_of from articles") == [(1, None), (2, None), (3, 2)]


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_runs_of_a_dead_process_are_marked_interrupted(tmp_path: Path) -> None:
    import socket

    db = tmp_path / "r.db"
    with Archive(db) as arc:
        arc.start_run("archive", [], "t")  # this process: alive
        killed = arc.start_run("archive", [], "t")
        arc.conn.execute(
            "UPDATE runs SET owner = ? WHERE id = ?",
            (f"{socket.gethostname()}:{_dead_pid()}", killed),
        )
        elsewhere = arc.start_run("archive", [], "t")
        arc.conn.execute("UPDATE runs SET owner = 'other-host:1' WHERE id = ?", (elsewhere,))
        arc.start_run("reclean", [], "t")  # the next start looks
    statuses = query(db, "select id, status from runs order by id")
    assert statuses == [(1, "running"), (2, "interrupted"), (3, "running"), (4, "running")]
    assert scalar(db, "select ended_at is not null from runs where id = 2") == 1


# --- stateful fuzz ---------------------------------------------------------------------------

_TEXTS = [_story(n) for n in range(6)]
_TEXTS += [_near(_TEXTS[0]), _near(_TEXTS[1]), _TEXTS[2] + "\n"]


class ArchiveMachine(RuleBasedStateMachine):
    """Random interleavings of archive (in process, and in a child killed at a random
    point), reclean, merge of a shard (in process, and in a killed child) and re-open; after
    each step the archive must be consistent: one row per raw document, FTS in step with the
    articles, every `duplicate_of` pointing at an older, existing, non-copy article, and no
    run left `running` once the next one has started."""

    def __init__(self) -> None:
        super().__init__()
        self.stored: set[bytes] = set()

    @initialize()
    def make_db(self) -> None:
        import tempfile

        self.dir = Path(tempfile.mkdtemp(prefix="cleaner-fuzz-"))
        self.db = self.dir / "fuzz.db"
        self.inputs = self.dir / "in"
        self.inputs.mkdir()

    def teardown(self) -> None:
        import shutil

        shutil.rmtree(self.dir, ignore_errors=True)

    @rule(picks=st.lists(st.integers(0, len(_TEXTS) - 1), min_size=1, max_size=4))
    def archive_in_process(self, picks: list[int]) -> None:
        with Archive(self.db) as arc:
            run = arc.start_run("archive", [], "t")
            arc.write_batch(run, [_pending(_TEXTS[i]) for i in picks])
            arc.finish_run(run, "completed")
        self.stored |= {_TEXTS[i].encode() for i in picks}

    @rule(
        picks=st.lists(st.integers(0, len(_TEXTS) - 1), min_size=1, max_size=6),
        when=st.floats(0, 1.5),
    )
    def archive_and_kill(self, picks: list[int], when: float) -> None:
        for old in self.inputs.iterdir():
            old.unlink()
        for n, i in enumerate(picks):
            (self.inputs / f"{n}.txt").write_text(_TEXTS[i], encoding="utf-8")
        proc = subprocess.Popen(
            [sys.executable, "-m", "cleaner", "archive", str(self.db), str(self.inputs), "-q"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            proc.wait(timeout=when)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        # what was committed is what counts: the batch is all or nothing (and the file is
        # created whole, or not at all)
        if self.db.exists():
            self.stored = _raw_documents(self.db)

    @rule(
        picks=st.lists(st.integers(0, len(_TEXTS) - 1), min_size=1, max_size=4),
        when=st.one_of(st.none(), st.floats(0, 2.0)),
    )
    def merge_a_shard(self, picks: list[int], when: float | None) -> None:
        """A shard archived apart (some of its documents may be in the target already),
        merged in process (`when` None) or by `cleaner merge` killed after `when` s."""
        from cleaner.archive.merge import merge

        shard = self.dir / f"shard-{len(list(self.dir.glob('shard-*.db')))}.db"
        with Archive(shard) as arc:
            run = arc.start_run("archive", [], "t")
            arc.write_batch(run, [_pending(_TEXTS[i]) for i in picks])
            arc.finish_run(run, "completed")
        if when is None:
            with Archive(self.db) as target:
                _, _, stopped = merge(target, [shard])
            assert not stopped
            self.stored |= {_TEXTS[i].encode() for i in picks}
            return
        proc = subprocess.Popen(
            [sys.executable, "-m", "cleaner", "merge", str(self.db), str(shard)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            proc.wait(timeout=when)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        else:
            assert proc.returncode == 0
            self.stored |= {_TEXTS[i].encode() for i in picks}
        if self.db.exists():  # a killed merge: its committed batches count
            assert _raw_documents(self.db) >= self.stored
            self.stored = _raw_documents(self.db)

    @rule(all_rows=st.booleans())
    def reclean(self, all_rows: bool) -> None:
        from cleaner.archive import reclean

        from cleaner.pipeline import CleanOptions

        # Not a precondition: whether a killed child created the file depends on timing, and
        # hypothesis needs the rules it may draw to depend on its draws only.
        if not self.db.exists():
            return

        with Archive(self.db, create=False) as arc:
            run = arc.start_run("reclean", [], "t2")
            reclean(
                arc, run_id=run, options=CleanOptions(), version=None if all_rows else ("x", "y")
            )
            arc.finish_run(run, "completed")

    @invariant()
    def consistent(self) -> None:
        if not hasattr(self, "db") or not self.db.exists():
            assert not self.stored
            return
        raws = _raw_documents(self.db)
        assert raws == self.stored
        assert scalar(self.db, "select count(*) from articles") == len(raws)
        assert scalar(self.db, "select count(*) from articles_fts") == len(raws)
        bad = query(
            self.db,
            "select a.id from articles a left join articles o on o.id = a.duplicate_of "
            "where a.duplicate_of is not null and (o.id is null or o.id >= a.id "
            "or o.duplicate_of is not null)",
        )
        assert bad == []
        with Archive(self.db, create=False) as arc:
            arc.mark_interrupted()
        assert query(self.db, "select count(*) from runs where status = 'running'") == [(0,)]


_PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "")
TestArchiveMachine = ArchiveMachine.TestCase
TestArchiveMachine.settings = settings(
    max_examples=min(500, int(os.environ.get("FUZZ_EXAMPLES", "500"))) if _PROFILE == "long" else 8,
    stateful_step_count=10 if _PROFILE == "long" else 5,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
TestArchiveMachine = pytest.mark.slow(TestArchiveMachine)
