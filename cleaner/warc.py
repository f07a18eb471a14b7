"""WARC files, read with warcio: each `response` (or `resource`) record is one document.

A WARC cut off half-way gives the records that were complete, the readable part of the record
that was cut (marked as such), then one failure naming where the file stopped. warcio itself
stops silently at a truncated record, so the cut is detected from the record's Content-Length:
bytes promised but never delivered.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO

from cleaner.inputs import InputFailure, Item, RawInput


def read_warc(name: str, stream: IO[bytes], max_bytes: int) -> Iterator[Item]:
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    index = documents = 0
    counted = _Counting(stream)
    try:
        archive = ArchiveIterator(counted)
        for record in archive:
            if record.rec_type not in ("response", "resource"):
                continue
            index += 1
            uri = record.rec_headers.get_header("WARC-Target-URI") or f"{name}#{index}"
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
        if leftover > 0 and (leftover > len(counted.tail) or counted.tail[-leftover:].strip()):
            yield InputFailure(
                name,
                f"WARC cut off after record {index}: {leftover} bytes of an incomplete record "
                "could not be read",
            )
        elif documents == 0:  # warcio reads any text with spaces as an old ARC file
            yield InputFailure(name, "nothing to clean: no WARC response or resource with a body")
    except ArchiveLoadFailed as exc:
        yield InputFailure(name, f"WARC read stopped after {index} record(s): {exc}", exc)
    except Exception as exc:  # noqa: BLE001 - warcio fails on cut headers with any error type
        reason = f"a record is malformed or cut off ({type(exc).__name__})"
        yield InputFailure(name, f"WARC read stopped after {index} record(s): {reason}", exc)


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
