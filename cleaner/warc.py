"""WARC files, read with warcio: each `response` (or `resource`) record is one document.

A WARC cut off half-way gives the records that were complete, the readable part of the record
that was cut (marked as such), then one failure naming where the file stopped. warcio itself
stops silently at a truncated record, so the cut is detected from the record's Content-Length:
bytes promised but never delivered.

The opposite fault, a Content-Length too small (data goes on after the record), warcio only
prints to standard error, several times, and resumes at the next record: here it is captured
(`_Quiet`), and the record is reported as a failure instead of being cleaned truncated. Nothing
warcio writes reaches standard error.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import IO, Any

from cleaner.inputs import InputFailure, Item, RawInput, safe_name


def read_warc(name: str, stream: IO[bytes], max_bytes: int) -> Iterator[Item]:
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    peek = getattr(stream, "peek", None)
    head = peek(64)[:64].lstrip() if peek is not None else b""
    if peek is not None and head and not head.startswith((b"WARC/", b"filedesc://")):
        # warcio would read any text as an old ARC file, a "record" per line, with a
        # warning for each: 100,000 lines of JSON gave 100,000 warnings
        shown = head[:16].decode("utf-8", "backslashreplace")
        yield InputFailure(name, f"not a WARC file (it starts with {shown!r}, not 'WARC/')")
        return
    index = documents = 0
    at_end = False  # the rest of the file was the tail of a record longer than it said
    counted = _Counting(stream)
    quiet = _Quiet()
    try:
        with quiet:
            archive = ArchiveIterator(counted)
        records = iter(archive)
        while True:
            with quiet:
                record = next(records, None)
            if record is None:
                break
            if record.rec_type not in ("response", "resource"):
                continue
            index += 1
            uri = safe_name(record.rec_headers.get_header("WARC-Target-URI") or f"{name}#{index}")
            where = f"{name}: {uri}"
            date = record.rec_headers.get_header("WARC-Date")
            content_type = ""
            if record.http_headers is not None:
                content_type = record.http_headers.get_header("Content-Type") or ""
                status = record.http_headers.get_statuscode()
                if status and not status.startswith("2"):
                    continue
            body = record.content_stream().read(max_bytes + 1)
            if len(body) > max_bytes:
                yield InputFailure(where, "record over the size limit (--max-size)")
                continue
            missing = _missing_bytes(record)
            if not missing:
                warned = quiet.count
                with quiet:
                    archive.read_to_end(record)  # warcio checks what follows the record
                if quiet.count > warned:
                    at_end = not _resync(archive)
                    yield InputFailure(
                        where,
                        f"record {index} is longer than its Content-Length "
                        f"({record.length} bytes): not cleaned, as it would be cut short",
                    )
                    continue
            kind = "html" if "html" in content_type.lower() else "auto"
            if body.strip():
                documents += 1
                yield RawInput(uri, body, uri, url=uri, fetched_at=date, kind=kind, where=where)
            if missing:
                yield InputFailure(
                    where,
                    f"WARC cut off inside record {index}: {missing} bytes missing "
                    f"({len(body)} bytes of it were read); nothing after it could be read",
                )
                return
        while counted.read(65536):  # warcio stops quietly at a cut record header
            pass
        leftover = counted.total - int(getattr(archive, "offset", 0))
        if at_end:
            pass
        elif leftover > 0 and (leftover > len(counted.tail) or counted.tail[-leftover:].strip()):
            yield InputFailure(
                name,
                f"WARC cut off after record {index}: {leftover} bytes of an incomplete record "
                "could not be read",
            )
        elif documents == 0:  # warcio reads any text with spaces as an old ARC file
            yield InputFailure(
                name, "nothing to clean: no WARC response or resource with a body" + quiet.said()
            )
    except ArchiveLoadFailed as exc:
        reason = " ".join(str(exc).split())[:200]
        yield InputFailure(name, f"WARC read stopped after {index} record(s): {reason}", exc)
    except Exception as exc:  # noqa: BLE001 - warcio fails on cut headers with any error type
        reason = f"a record is malformed or cut off ({type(exc).__name__})"
        yield InputFailure(name, f"WARC read stopped after {index} record(s): {reason}", exc)


def _resync(archive: Any) -> bool:
    """After a record that was longer than its Content-Length, go on at the next line that
    starts a WARC record: warcio would take the rest of the long record for a header and stop
    reading the file there."""
    line = archive.next_line
    while line and not line.startswith(b"WARC/"):
        line = archive.reader.readline()
    archive.next_line = line or None
    return bool(line)


def _missing_bytes(record: object) -> int:
    """Bytes the record's Content-Length promised that the stream did not deliver."""
    raw = getattr(record, "raw_stream", None)
    limit = getattr(raw, "limit", None)
    if not isinstance(limit, int) or limit <= 0:
        return 0
    # Read what is left of the record: a complete record has nothing left once drained.
    while raw is not None and raw.read(65536):
        pass
    return int(getattr(raw, "limit", 0))


class _Quiet:
    """Redirects standard error while warcio runs (only then: not while a record is being
    cleaned), counting its warnings and keeping the first line of the first one."""

    def __init__(self) -> None:
        self.count = 0
        self.first = ""
        self._saved: list[Any] = []

    def write(self, text: str) -> int:
        if text.strip():
            self.count += 1
            if not self.first:
                self.first = " ".join(text.split()[:12])
        return len(text)

    def flush(self) -> None:
        pass

    def said(self) -> str:
        return f" (warcio: {self.first}; {self.count} warning(s))" if self.count else ""

    def __enter__(self) -> _Quiet:
        self._saved.append(sys.stderr)
        sys.stderr = self
        return self

    def __exit__(self, *exc: object) -> None:
        sys.stderr = self._saved.pop()


class _Counting:
    """Counts the bytes warcio reads, to notice data left over after its last record."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream, self.total, self.tail = stream, 0, b""

    def _seen(self, data: bytes) -> bytes:
        self.total += len(data)
        self.tail = (self.tail + data)[-4096:]  # to tell trailing blank lines from a cut record
        return data

    def read(self, size: int = -1) -> bytes:
        return self._seen(self._stream.read(size))

    def readline(self, size: int = -1) -> bytes:
        return self._seen(self._stream.readline(size))
