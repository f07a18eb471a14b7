"""Reading inputs: files, directories, standard input; plain text, HTML, JSON Lines, WARC, gzip.

This is the I/O edge shared by the CLI and the archive; the pipeline never imports it. Every
input yields either a RawInput (to clean) or an InputFailure (to report, then go on): a broken
JSON line, an unreadable file or a truncated gzip never stops the batch.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from cleaner.errors import InputError

INPUT_KINDS = ("auto", "text", "html", "jsonl", "warc")
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
_JSONL_EXT = (".jsonl", ".ndjson")
_WARC_EXT = (".warc", ".arc")
_HTML_EXT = (".html", ".htm", ".xhtml")


@dataclass(slots=True)
class RawInput:
    """One document to clean, with its provenance."""

    source: str
    data: bytes | str
    doc_id: str
    url: str | None = None
    fetched_at: str | None = None
    kind: str = "auto"  # text, html or auto (sniff)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class InputFailure:
    """An input that could not be read, named with the reason."""

    source: str
    reason: str


Item = RawInput | InputFailure


def iter_paths(paths: Iterable[str]) -> Iterator[tuple[str, Path | None] | InputFailure]:
    """Expand directories recursively (symlink loops are skipped); `-` is standard input."""
    for raw in paths:
        if raw == "-":
            yield raw, None
            continue
        path = Path(raw)
        if path.is_dir():
            seen: set[tuple[int, int]] = set()
            for root, dirs, files in os.walk(path, followlinks=True, onerror=None):
                st = os.stat(root)
                if (st.st_dev, st.st_ino) in seen:
                    dirs[:] = []
                    continue
                seen.add((st.st_dev, st.st_ino))
                dirs.sort()
                for name in sorted(files):
                    if not name.startswith("."):
                        yield str(Path(root) / name), Path(root) / name
        elif path.exists():
            yield raw, path
        else:
            yield InputFailure(raw, "no such file or directory")


def kind_from_name(name: str) -> str:
    low = name.lower()
    if low.endswith(".gz"):
        low = low[:-3]
    if low.endswith(_JSONL_EXT):
        return "jsonl"
    if low.endswith(_WARC_EXT):
        return "warc"
    if low.endswith(_HTML_EXT):
        return "html"
    if low.endswith((".txt", ".text")):
        return "text"
    return "auto"


def sniff_kind(head: bytes) -> str:
    """JSON Lines and WARC are told by their first bytes; text vs HTML is the pipeline's job."""
    stripped = head.lstrip()
    if stripped.startswith(b"WARC/"):
        return "warc"
    if stripped.startswith(b"{"):
        first = stripped.split(b"\n", 1)[0]
        if b"\n" not in stripped and stripped.startswith(b'{"'):
            return "jsonl"  # a first record longer than the peek
        try:
            return "jsonl" if isinstance(json.loads(first), dict) else "auto"
        except ValueError:
            return "auto"
    return "auto"


def read_inputs(
    paths: Iterable[str],
    *,
    kind: str = "auto",
    stdin: IO[bytes] | None = None,
    url: str | None = None,
    fetched_at: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Iterator[Item]:
    """Every document of every path, in order."""
    for entry in iter_paths(list(paths) or ["-"]):
        if isinstance(entry, InputFailure):
            yield entry
            continue
        name, path = entry
        try:
            if path is None:
                stream: IO[bytes] = stdin if stdin is not None else io.BytesIO()
                yield from _read_stream(name, stream, kind, url, fetched_at, max_bytes)
            else:
                with open(path, "rb") as handle:
                    yield from _read_stream(name, handle, kind, None, None, max_bytes)
        except OSError as exc:
            yield InputFailure(name, exc.strerror or str(exc))
        except InputError as exc:
            yield InputFailure(name, str(exc))


def _read_stream(
    name: str,
    stream: IO[bytes],
    kind: str,
    url: str | None,
    fetched_at: str | None,
    max_bytes: int,
) -> Iterator[Item]:
    effective = kind if kind != "auto" else kind_from_name(name)
    head = stream.read(2)
    gzipped = head == b"\x1f\x8b" and effective != "warc"
    if gzipped:
        stream = gzip.GzipFile(fileobj=_Prepended(head, stream), mode="rb")  # type: ignore[assignment]
        head = b""
    try:
        peek = head + stream.read(4096 - len(head))
        if effective == "auto":
            effective = sniff_kind(peek)
        if effective == "warc":
            from cleaner.warc import read_warc

            yield from read_warc(name, _Prepended(peek, stream), max_bytes)
            return
        if effective == "jsonl":
            yield from _read_jsonl(name, io.BufferedReader(_Prepended(peek, stream)), max_bytes)
            return
        data = peek + stream.read(max_bytes + 1 - len(peek))
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        yield InputFailure(name, f"truncated or corrupt gzip data, the rest was lost ({exc})")
        return
    if len(data) > max_bytes:
        raise InputError(f"larger than the {max_bytes // (1024 * 1024)} MB size limit (--max-size)")
    yield RawInput(name, data, name, url=url, fetched_at=fetched_at, kind=effective)


def _read_jsonl(name: str, stream: IO[bytes], max_bytes: int) -> Iterator[Item]:
    for number, line in enumerate(stream, 1):
        if not line.strip():
            continue
        where = f"{name}:{number}"
        if len(line) > max_bytes:
            yield InputFailure(where, "record larger than the size limit")
            continue
        try:
            record = json.loads(line)
        except ValueError as exc:
            yield InputFailure(where, f"invalid JSON: {exc.msg} at column {exc.colno}")
            continue
        if not isinstance(record, dict):
            yield InputFailure(where, "a JSON Lines record must be an object")
            continue
        body = record.get("html") if record.get("html") is not None else record.get("text")
        if not isinstance(body, str):
            yield InputFailure(where, "record has no 'text' or 'html' string")
            continue
        extra = {k: v for k, v in record.items() if k not in ("text", "html")}
        doc_id = str(record["id"]) if record.get("id") is not None else f"{name}:{number}"
        yield RawInput(
            name,
            body,
            doc_id,
            url=record.get("url") if isinstance(record.get("url"), str) else None,
            fetched_at=record.get("fetched_at") if isinstance(record.get("fetched_at"), str) else None,
            kind="html" if "html" in record and record.get("html") is not None else "auto",
            extra=extra,
        )


class _Prepended(io.RawIOBase):
    """A stream with some already-read bytes put back in front."""

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        self._head, self._rest = head, rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)
