"""The SQLite archive: raw bytes with provenance, clean articles, removals, runs, FTS5.

    >>> from cleaner.archive import Archive, search
    >>> with Archive("news.db", write=False) as db:
    ...     hits = search(db, "Kazakhstan", limit=3)

Built on the pipeline (`cleaner.clean`, `cleaner.inputs`); the CLI is a thin layer over it.
The names are imported on first use (PEP 562): searching an archive must not load the
pipeline that ingesting needs.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cleaner.archive.ingest import Hooks, ingest, reclean, sequential, workers
    from cleaner.archive.search import Hit, build_match, iter_records, search
    from cleaner.archive.store import Archive, Counts, Pending

    from cleaner.errors import ArchiveError

_LAZY = {
    "Archive": "cleaner.archive.store",
    "ArchiveError": "cleaner.errors",
    "Counts": "cleaner.archive.store",
    "Hit": "cleaner.archive.search",
    "Hooks": "cleaner.archive.ingest",
    "Pending": "cleaner.archive.store",
    "build_match": "cleaner.archive.search",
    "ingest": "cleaner.archive.ingest",
    "iter_records": "cleaner.archive.search",
    "reclean": "cleaner.archive.ingest",
    "search": "cleaner.archive.search",
    "sequential": "cleaner.archive.ingest",
    "workers": "cleaner.archive.ingest",
}

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


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'cleaner.archive' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


class _Package(types.ModuleType):
    """`archive.ingest` and `archive.search` name functions, as they did when this file
    imported them eagerly: importing the submodules of the same names must not rebind them."""

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, types.ModuleType) and _LAZY.get(name) == value.__name__:
            return  # still in sys.modules under its full name
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
