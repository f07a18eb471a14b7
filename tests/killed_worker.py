"""Kill one worker of a `cleaner … --jobs 2` run mid-way (kill -9, as the OOM killer would) and
record what the run says and when (issue #18).

Shared by tests/test_batch.py (`clean`), tests/test_hostile_cli.py (`archive`) and
scripts/hostile_figures.py (the figures), so that the three kill the same way.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

DIED = "worker process died"  # what cleaner.batch.WORKER_DIED says, in the warning line


@dataclass(frozen=True)
class KilledRun:
    """How the run went: `heard` holds each standard-error line with the time it arrived
    (time.monotonic); `killed_at` is None when two workers never started (then nothing was
    killed and the run was stopped)."""

    returncode: int
    stdout: str
    heard: list[tuple[float, str]]
    worker: int | None
    killed_at: float | None
    ended_at: float

    def noticed(self) -> list[tuple[float, str]]:
        """The lines that say a worker died, each with the seconds since the kill."""
        start = self.killed_at or 0.0
        return [(t - start, line) for t, line in self.heard if DIED in line]


def _children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def kill_a_worker(
    command: Sequence[str],
    *,
    stdout: bool = True,
    env: Mapping[str, str] | None = None,
    start_within: float = 120,
    timeout: float = 300,
) -> KilledRun:
    """Run `command`, wait (at most `start_within` s) for two worker processes, let the run
    get going, kill -9 the first worker and wait for the run to end. Standard error is read
    by a thread as it comes, so the time the dead worker was noticed is known; standard output
    is returned (with `stdout`) or discarded."""
    proc = subprocess.Popen(
        list(command),
        stdout=subprocess.PIPE if stdout else subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=None if env is None else dict(env),
    )
    heard: list[tuple[float, str]] = []

    def listen() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            heard.append((time.monotonic(), line))

    listener = threading.Thread(target=listen)
    listener.start()
    deadline = time.monotonic() + start_within
    workers: list[int] = []
    while len(workers) < 2 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
        workers = _children(proc.pid)
    worker, killed_at = None, None
    if len(workers) < 2:
        proc.kill()
    else:
        time.sleep(0.3)  # let the run get going
        worker = workers[0]
        os.kill(worker, signal.SIGKILL)
        killed_at = time.monotonic()
    out = proc.stdout.read() if proc.stdout is not None else ""  # stderr is the listener's
    proc.wait(timeout=timeout)
    ended_at = time.monotonic()
    listener.join()
    return KilledRun(proc.returncode, out, heard, worker, killed_at, ended_at)
