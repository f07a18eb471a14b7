"""The SQLite archive: raw bytes with provenance, clean articles, removals, runs, FTS5.

    >>> from archive import Archive, search
    >>> with Archive("news.db", write=False) as db:
    ...     hits = search(db, "Kazakhstan", limit=3)

Built on the pipeline (`cleaner.clean`, `cleaner.inputs`); the CLI is a thin layer over it.
"""

from archive.ingest import Hooks, ingest, reclean, sequential, workers
from archive.search import Hit, build_match, iter_records, search
from archive.store import Archive, Counts, Pending
from cleaner.errors import ArchiveError

__all__ = [
    "Archive",
    "ArchiveError",
    "Counts",
    "Hit",
    "Hooks",
    "Pending",
    "build_match",
    "ingest",
    "iter_records",
    "reclean",
    "search",
    "sequential",
    "workers",
]
