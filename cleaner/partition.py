"""Big JSON Lines files cut into byte ranges at line boundaries, so that several tasks (the
workers of `cleaner clean --dask`) share one file, each reading its own part.

A part is the lines that start in [start, end); each boundary is the first line start at or
after a multiple of the part size, so no record is cut. The parts' first line numbers are
counted here (one pass over the file, at the speed of `bytes.count`), because a record is
named by its line (`crawl.jsonl:1234`), which also becomes its id when it has none: each
part then reads its lines with `cleaner.inputs.read_jsonl_lines`, numbered as in the whole
file, and the parts' items in order are exactly what `read_inputs` gives for the file.

Only uncompressed regular files are cut (a gzip stream cannot be entered in the middle);
anything else is read whole by `read_inputs`, as without parts.
"""

from __future__ import annotations

import copy
import io
import mmap
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cleaner.inputs import (
    DEFAULT_MAX_BYTES,
    Item,
    kind_from_name,
    read_jsonl_lines,
    safe_name,
    sniff_kind,
)

if TYPE_CHECKING:
    from cleaner.sources import Sources

PART_BYTES = 16 * 1024 * 1024  # ~6,000 seed-sized records: seconds of cleaning per task
_COUNT_BLOCK = 16 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Part:
    """The lines of file `path` (named `name` in messages) that start in [start, end); the
    first of them is line `first_line` of the file. A record over `max_bytes` is refused."""

    name: str
    path: str
    start: int
    end: int
    first_line: int
    max_bytes: int = DEFAULT_MAX_BYTES

    @property
    def label(self) -> str:
        return f"{self.name}:{self.first_line}-"


def cut(
    name: str, path: str, part_bytes: int = PART_BYTES, max_bytes: int = DEFAULT_MAX_BYTES
) -> list[Part]:
    """`path` in parts of about `part_bytes`, cut at line starts (one part if it is small)."""
    size = os.path.getsize(path)
    if size == 0:
        return [Part(name, path, 0, 0, 1, max_bytes)]
    with open(path, "rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        bounds = [0]
        target = part_bytes
        while target < size:
            newline = mm.find(b"\n", target - 1)
            if newline < 0 or newline + 1 >= size:
                break
            bounds.append(newline + 1)
            target = newline + 1 + part_bytes
        bounds.append(size)
        parts = []
        first = 1
        for start, end in zip(bounds, bounds[1:], strict=False):
            parts.append(Part(name, path, start, end, first, max_bytes))
            first += sum(
                mm[at : min(at + _COUNT_BLOCK, end)].count(b"\n")
                for at in range(start, end, _COUNT_BLOCK)
            )
    return parts


def read_part(part: Part) -> list[Item]:
    """The items of one part, as `read_inputs` gives them for those lines of the file."""
    with open(part.path, "rb") as handle:
        handle.seek(part.start)
        data = handle.read(part.end - part.start)
    return list(
        read_jsonl_lines(
            part.name, io.BytesIO(data), first_line=part.first_line, max_bytes=part.max_bytes
        )
    )


def _cuttable(raw: str, kind: str) -> bool:
    """A regular, uncompressed JSON Lines file (by `kind`, its name or its first bytes)."""
    if raw == "-" or not os.path.isfile(raw):
        return False
    try:
        with open(raw, "rb") as handle:
            head = handle.read(4096)
    except OSError:
        return False  # read_inputs reports it
    if head.startswith(b"\x1f\x8b"):
        return False
    effective = kind if kind != "auto" else kind_from_name(raw)
    if effective == "auto":
        effective = sniff_kind(head)
    return effective == "jsonl"


def partitioned(sources: Sources, *, part_bytes: int | None = None) -> Iterator[Item | Part]:
    """The inputs of `sources` in order: a JSON Lines file bigger than `part_bytes` (default
    `PART_BYTES`) as its `Part`s, everything else as `sources.read()` gives it."""
    part_bytes = part_bytes or PART_BYTES
    if not any(_cuttable(raw, sources.kind) for raw in sources.paths):
        yield from sources.read()
        return
    for raw in sources.paths:
        if _cuttable(raw, sources.kind) and os.path.getsize(raw) > part_bytes:
            yield from cut(safe_name(raw), raw, part_bytes, sources.max_bytes)
        else:
            one = copy.copy(sources)  # the same options (and standard input), one path
            one.paths = [raw]
            yield from one.read()
