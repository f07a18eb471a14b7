"""The end of a run of `archive`, `reclean` or `merge`, and the stop request that may cause it.

A run is recorded in the archive's `runs` table when it starts (`Archive.start_run`). Ctrl-C
asks it to stop after the current document (`StopOnInterrupt`), so every finished batch stays
committed; `finish` then records how it ended and says so in one line, with the exit status
SPEC gives it (0 all good, 1 some inputs failed, 130 interrupted).
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator
from typing import Any

from cleaner.archive.store import Archive, Counts


class StopOnInterrupt:
    """SIGINT asks the run to stop after the current document; a second one kills it.

    Called, it says whether a stop was asked for: it is a `Hooks.should_stop`.
    """

    def __init__(self) -> None:
        self.requested = False

    def __call__(self) -> bool:
        return self.requested

    @contextlib.contextmanager
    def installed(self) -> Iterator[None]:
        """The SIGINT handler in place for the `with` block, the previous one restored after."""

        def handler(signum: int, frame: Any) -> None:
            if self.requested:
                raise KeyboardInterrupt
            self.requested = True

        previous = signal.signal(signal.SIGINT, handler)
        try:
            yield
        finally:
            signal.signal(signal.SIGINT, previous)


def summary(path: str, run_id: int, counts: Counts, stopped: bool, what: str) -> str:
    """The run's one-line summary: what it added or re-cleaned, duplicates, failures."""
    adds = what in ("archive", "merge")
    parts = [f"{counts.added} added"] if adds else [f"{counts.updated} re-cleaned"]
    parts.append(f"{counts.duplicates} duplicates")
    if adds:
        parts.append(f"{counts.already_stored} already stored")
    parts.append(f"{counts.failed} failed")
    line = f"cleaner: {what} {path} (run {run_id}): " + ", ".join(parts)
    if stopped:
        line += "; interrupted, the work above is committed (run again to finish)"
    return line


def exit_status(counts: Counts, stopped: bool) -> int:
    """130 when interrupted, 1 when some inputs failed, else 0."""
    return 130 if stopped else 1 if counts.failed else 0


def finish(arc: Archive, run_id: int, counts: Counts, stopped: bool, what: str) -> tuple[str, int]:
    """Record how the run ended, close the archive; returns the summary and exit status."""
    arc.finish_run(run_id, "interrupted" if stopped else "completed")
    arc.close()
    return summary(str(arc.path), run_id, counts, stopped, what), exit_status(counts, stopped)
