"""cleaner.dask and `cleaner merge`: a LocalCluster of 2 workers (threads, for speed) gives
the same records as one process; merged shards equal the one-process archive of their union."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("distributed")

from click.testing import CliRunner  # noqa: E402

from cleaner.cli import cli  # noqa: E402
from tests.archive.corpus import write_jsonl  # noqa: E402


@pytest.fixture(scope="module")
def client() -> Iterator[object]:
    from cleaner.dask import client_for

    client = client_for("local:2", processes=False)
    yield client
    cluster = client.cluster
    client.close()
    cluster.close()


def _jsonl(tmp_path: Path, count: int = 120) -> Path:
    path = write_jsonl(tmp_path / "gen.jsonl", count, "dk")
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(json.dumps({"id": 7, "text": "  \n"}) + "\n")  # fails, keeps its place
        handle.write("{broken\n")
    return path


def test_clean_on_a_cluster_gives_the_same_results_in_the_same_order(
    client: object, tmp_path: Path
) -> None:
    from cleaner.batch import clean_batch
    from cleaner.dask import clean_on_cluster
    from cleaner.inputs import read_inputs

    items = list(read_inputs([str(_jsonl(tmp_path))]))
    here = [getattr(r, "reason", None) or r.to_record() for r in clean_batch(items)]
    there = [
        getattr(r, "reason", None) or r.to_record()
        for r in clean_on_cluster(client, items, partition=16)  # type: ignore[arg-type]
    ]
    assert there == here and len(there) == 122


def test_clean_bag_and_clean_dataframe_give_spec_records(client: object, tmp_path: Path) -> None:
    import dask.bag as db
    import dask.dataframe as dd
    import pandas as pd

    from cleaner.batch import clean_batch
    from cleaner.dask import clean_bag, clean_dataframe
    from cleaner.inputs import read_inputs

    path = write_jsonl(tmp_path / "gen.jsonl", 30, "bg")
    records = [json.loads(line) for line in path.read_text().splitlines()]
    expected = [doc.to_record() for doc in clean_batch(read_inputs([str(path)]))]
    for record in expected:
        record["source"] = "-"  # a bag's records come from no file
    bag = db.from_sequence([*records, {"id": 7, "text": " "}], npartitions=3)
    out = clean_bag(bag).compute()
    assert out[:-1] == expected
    assert (out[-1]["id"], out[-1]["error"]) == (7, "nothing to clean: empty input")
    frame = clean_dataframe(dd.from_pandas(pd.DataFrame(records), npartitions=2)).compute()
    assert list(frame["title"]) == [r["title"] for r in expected]
    assert list(frame["id"]) == [r["id"] for r in expected]
    assert frame["error"].isna().all()


def _cli(*args: str) -> object:
    return CliRunner().invoke(cli, list(args))


def test_a_big_json_lines_file_is_shared_by_the_workers_in_parts(
    client: object, tmp_path: Path
) -> None:
    from distributed import get_task_stream

    from cleaner.batch import clean_batch
    from cleaner.dask import clean_on_cluster
    from cleaner.inputs import read_inputs
    from cleaner.partition import Part, partitioned
    from cleaner.sources import Sources

    path = _jsonl(tmp_path, 150)
    units = list(partitioned(Sources([str(path)]), part_bytes=8000))
    assert sum(isinstance(unit, Part) for unit in units) >= 6
    here = [
        getattr(r, "reason", None) or r.to_record() for r in clean_batch(read_inputs([str(path)]))
    ]
    with get_task_stream(client) as stream:  # type: ignore[arg-type]
        there = [
            getattr(r, "reason", None) or r.to_record()
            for r in clean_on_cluster(client, units)  # type: ignore[arg-type]
        ]
    assert there == here and len(here) == 152
    ranges = [task for task in stream.data if "clean_range" in str(task["key"])]
    assert len(ranges) == len(units) and len({task["worker"] for task in ranges}) == 2


@pytest.mark.slow
def test_clean_dask_local_2_is_byte_identical_to_jobs_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import cleaner.partition
    from cleaner.dask import has_dashboard

    path = _jsonl(tmp_path, 60)
    monkeypatch.setattr(cleaner.partition, "PART_BYTES", 5000)  # cut in parts, read by workers
    one = _cli("clean", "--format", "jsonl", str(path))
    dask = _cli("clean", "--format", "jsonl", "--dask", "local:2", str(path))
    assert one.exit_code == dask.exit_code == 1  # the blank and the broken record
    said, _, rest = dask.stderr.partition("\n")
    assert dask.stdout == one.stdout and rest == one.stderr
    # one line names the cluster and its dashboard (or why there is none)
    assert said.startswith("cleaner: Dask local cluster, 2 workers: ")
    assert ("dashboard http" in said) == has_dashboard(), said
    quiet = _cli("clean", "--format", "jsonl", "--dask", "local:2", "--quiet", str(path))
    assert quiet.stdout == one.stdout and "Dask" not in quiet.stderr


def test_clean_without_dask_never_imports_it(tmp_path: Path) -> None:
    path = _jsonl(tmp_path, 3)
    code = (
        "import sys; from cleaner.cli import main\n"
        "try:\n    main(['clean', sys.argv[1]])\nexcept SystemExit:\n    pass\n"
        "assert 'dask' not in sys.modules and 'distributed' not in sys.modules, 'imported'\n"
    )
    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True)
    assert done.returncode == 0, done.stderr.decode()


def _export(db: Path) -> list[dict[str, object]]:
    out = _cli("export", str(db))
    assert out.exit_code == 0
    records = [json.loads(line) for line in out.stdout.splitlines()]
    for record in records:
        record.pop("archived_at")
        record.pop("source")
    return records


def _near(text: str) -> str:
    words = text.split(" ")
    words[20] = "lighthouse"
    return " ".join(words)


def _shards(tmp_path: Path) -> tuple[list[Path], Path]:
    """Three overlapping JSONL files, each with a near-copy of a story of another."""
    import random

    from tests.archive.corpus import generated_text

    rng = random.Random(3)
    texts = [generated_text(n, rng, "mg", paragraphs=3, sentences=3, words=14) for n in range(30)]
    parts = [texts[0:12], texts[10:22] + [_near(texts[2])], texts[20:30] + [_near(texts[15])]]
    paths = []
    for n, part in enumerate(parts):
        path = tmp_path / f"part{n}.jsonl"
        path.write_text(
            "".join(json.dumps({"id": f"mg{hash(t) % 10**6}", "text": t}) + "\n" for t in part)
        )
        paths.append(path)
    union = tmp_path / "union.jsonl"
    union.write_text("".join(p.read_text() for p in paths))
    return paths, union


def test_merge_of_three_shards_equals_one_archive_of_their_union(tmp_path: Path) -> None:
    paths, union = _shards(tmp_path)
    shards = []
    for path in paths:
        db = tmp_path / f"{path.stem}.db"
        assert _cli("archive", str(db), str(path)).exit_code == 0
        shards.append(str(db))
    one = tmp_path / "one.db"
    assert _cli("archive", str(one), str(union)).exit_code == 0
    merged = tmp_path / "merged.db"
    first = _cli("merge", str(merged), *shards)
    assert first.exit_code == 0, first.output
    assert _export(merged) == _export(one)
    assert sum(1 for r in _export(one) if r["duplicate_of"] is not None) == 2  # across shards
    again = _cli("merge", str(merged), *shards)
    assert "0 added" in again.stderr and again.exit_code == 0
    assert _export(merged) == _export(one)
    search = [
        _cli("search", str(db), "lighthouse", "--all", "--format", "jsonl") for db in (merged, one)
    ]
    assert search[0].stdout.count("\n") == search[1].stdout.count("\n") > 0


@pytest.mark.slow
def test_archive_dask_equals_a_one_process_archive(tmp_path: Path) -> None:
    _, union = _shards(tmp_path)
    one = tmp_path / "one.db"
    assert _cli("archive", str(one), str(union)).exit_code == 0
    dask = tmp_path / "dask.db"
    result = _cli("archive", str(dask), str(union), "--dask", "local:2")
    assert result.exit_code == 0, result.output
    assert _export(dask) == _export(one)
    assert not (tmp_path / "dask.db.shards").exists()


def test_a_merge_stopped_half_way_completes_when_run_again(tmp_path: Path) -> None:
    from cleaner.archive import Archive, Hooks
    from cleaner.archive.merge import merge

    paths, union = _shards(tmp_path)
    shards = []
    for path in paths:
        db = tmp_path / f"{path.stem}.db"
        assert _cli("archive", str(db), str(path)).exit_code == 0
        shards.append(str(db))
    one = tmp_path / "one.db"
    assert _cli("archive", str(one), str(union)).exit_code == 0
    merged = tmp_path / "merged.db"
    done: list[int] = []
    with Archive(str(merged), write=True) as arc:
        hooks = Hooks(on_progress=done.append, should_stop=lambda: len(done) >= 2)
        _, counts, stopped = merge(arc, shards, hooks=hooks, batch_size=5)
    assert stopped and counts.added == 10
    with Archive(str(merged), write=True) as arc:
        _, counts, stopped = merge(arc, shards, batch_size=5)
    # 32 distinct documents in 36 rows: the 10 merged before, 4 in two shards each
    assert not stopped and (counts.added, counts.already_stored) == (32 - 10, 10 + 4)
    assert _export(merged) == _export(one)
    runs = Archive(str(merged), write=False)
    statuses = runs.conn.execute("SELECT command, status FROM runs ORDER BY id").fetchall()
    runs.close()
    assert statuses == [("merge", "interrupted"), ("merge", "completed")]


@pytest.mark.slow
def test_a_worker_killed_during_archive_dask_loses_nothing(tmp_path: Path) -> None:
    import os
    import signal

    from cleaner.archive import Archive, Hooks
    from cleaner.archive.merge import archive_on_cluster

    from cleaner.dask import connected
    from cleaner.inputs import read_inputs
    from cleaner.pipeline import CleanOptions

    _, union = _shards(tmp_path)
    one = tmp_path / "one.db"
    assert _cli("archive", str(one), str(union)).exit_code == 0
    killed: list[int] = []
    with connected("local:2") as client:
        pids = client.run(os.getpid)

        def kill_a_busy_worker(_: int) -> None:
            """At the first shard merged, SIGKILL a worker that is cleaning another."""
            busy = [addr for addr, keys in client.processing().items() if keys]
            if not killed and busy:
                killed.append(pids[busy[0]])
                os.kill(pids[busy[0]], signal.SIGKILL)

        dask = tmp_path / "dask.db"
        with Archive(str(dask)) as arc:
            run_id = arc.start_run("archive", [str(union)], "")
            counts, stopped = archive_on_cluster(
                client,
                arc,
                read_inputs([str(union)]),
                CleanOptions(),
                run_id=run_id,
                shard_dir=tmp_path / "shards",
                hooks=Hooks(on_progress=kill_a_busy_worker),
                learn=False,
                partition=3,
            )
            arc.finish_run(run_id, "completed")
    assert killed and not stopped and not counts.failures
    assert (counts.added, counts.already_stored) == (32, 4)
    assert _export(dask) == _export(one)
    left = sorted(p.name for p in (tmp_path / "shards").glob("*"))
    assert not (tmp_path / "shards").exists(), left  # every shard merged and removed


def test_a_local_cluster_whose_forked_workers_hang_starts_spawned_ones(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import sys

    import cleaner.dask

    if sys.platform != "linux":
        pytest.skip("workers are forked on Linux only")
    tried: list[str] = []
    real = cleaner.dask._local_cluster

    def starting(workers: int, processes: bool, dashboard: bool, method: str) -> object:
        tried.append(method)
        if method == "fork":  # what LocalCluster raises when a nanny's worker never starts
            raise RuntimeError("Nanny failed to start.")
        return real(workers, False, dashboard, method)  # threads: quick

    monkeypatch.setattr(cleaner.dask, "_local_cluster", starting)
    client = cleaner.dask.client_for("local:1")
    try:
        assert client.submit(sum, [1, 2]).result() == 3
    finally:
        cluster = client.cluster
        client.close()
        cluster.close()
    assert tried == ["fork", "spawn"]
