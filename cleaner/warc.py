"""WARC files: each `response` (or `resource`) record is one document.

A WARC file is a run of records, each a header ending in a blank line, then `Content-Length`
bytes, then two line ends. The records are framed here, one at a time, and each is handed to
warcio alone (it parses the header, the HTTP headers, chunked and compressed bodies). So a
record that is wrong fails alone, with its number and offset, and reading goes on at the next
line that starts a record (`WARC/`):

- a header that cannot be parsed (no or a bad `Content-Length`, a bad version line, binary
  junk, a header of more than 64 KB), or HTTP headers that warcio refuses;
- a `Content-Length` too small (data goes on after the record): the record is reported and
  not cleaned, as it would be cut short (warcio alone only prints a warning, several times,
  and cleans the truncated text);
- junk between records is reported (with its size and offset) and skipped.

A WARC cut off half-way gives the records that were complete, the readable part of the record
that was cut, then one failure naming where the file stopped. Offsets are bytes from the start
of the (decompressed) data. Nothing warcio writes reaches standard error (`_Quiet`).

Old ARC files (`filedesc://`) are read by warcio's own iterator, which stops at the first
record it cannot parse (one failure line names where).
"""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from cleaner.inputs import InputFailure, Item, RawInput, safe_name

MAX_HEADER = 64 * 1024  # a WARC header is a few hundred bytes; more is not a header
_CONTENT_LENGTH = re.compile(rb"^content-length[ \t]*:[ \t]*(\S*)[ \t\r]*$", re.I | re.M)
_TARGET_URI = re.compile(rb"^warc-target-uri[ \t]*:[ \t]*(\S+)", re.I | re.M)
_BLANK = (b"\r\n", b"\n")
# An ARC file's first line: its name, IP address, 14-digit date, content type and length.
_STATUS = re.compile(r"[1-5]\d\d")
_ARC_START = re.compile(rb"filedesc://\S+ [\d.]+ \d{14} \S+ \d+")
_VERSION_LINE = re.compile(rb"WARC/\d+\.\d+\r?\n\Z")
# The record types of WARC 1.1; only a response or a resource holds a page.
_TYPES = {"warcinfo", "response", "resource", "request", "metadata", "revisit", "conversion"}
_TYPES |= {"continuation"}


@dataclass(slots=True)
class _Frame:
    """One record as framed: its header and block (the block may be cut short: `missing`)."""

    number: int
    offset: int
    header: bytes
    block: bytes
    missing: int = 0
    too_long: bool = False  # data went on after the block: Content-Length was too small


@dataclass(slots=True)
class _Bad:
    """A stretch of the file that is no readable record: `reason`; `fatal` when nothing after
    it can be read (the file was cut off)."""

    number: int | None
    offset: int
    reason: str
    fatal: bool = False
    header: bytes = b""


def read_warc(
    name: str, stream: IO[bytes], max_bytes: int, *, compressed: bool = False
) -> Iterator[Item]:
    peek = getattr(stream, "peek", None)
    head = peek(64)[:64].lstrip() if peek is not None else b""
    if _ARC_START.match(head):
        yield from _read_arc(name, stream, max_bytes)
        return
    of = " of the decompressed data" if compressed else ""
    reported = False
    leading: _Bad | None = None  # junk before the first record: a damaged one, or no WARC
    for frame in _frames(stream, max_bytes):
        if leading is not None:
            yield _failure(name, leading, of)
            leading = None
        if isinstance(frame, _Bad):
            reported = True
            if frame.number is None and frame.offset == 0:
                leading = frame
                continue
            yield _failure(name, frame, of)
            if frame.fatal:
                return
            continue
        for item in _record(name, frame, max_bytes, of):
            reported = True
            yield item
        if frame.missing:
            return
    if leading is not None:
        # no record at all: one line, not a failure per line (warcio, reading any text as an
        # old ARC file, gave 100,000 warnings for 100,000 lines of JSON)
        shown = head[:16].decode("utf-8", "backslashreplace")
        yield InputFailure(name, f"not a WARC file (it starts with {shown!r}, not 'WARC/')")
    elif not reported:
        yield InputFailure(name, "nothing to clean: no WARC response or resource with a body")


def _failure(name: str, bad: _Bad, of: str) -> InputFailure:
    """One line for a stretch that is no readable record: the file, the record's number and
    offset (and its URI when its header names one), the reason. Its error record's id is the
    one the record would have had: its URI, else `FILE#N`."""
    if bad.number is None:
        return InputFailure(name, f"{bad.reason} (at byte {bad.offset:,}{of})")
    uri = _header_uri(bad.header)
    doc_id = uri or f"{name}#{bad.number}"
    where = f"{name}: {uri}" if uri else name
    return InputFailure(
        where, f"record {bad.number} (byte {bad.offset:,}{of}): {bad.reason}", doc_id=doc_id
    )


class _Malformed(ValueError):
    """A record that warcio reads but that makes no sense (a status line without a code)."""


def _header_uri(header: bytes) -> str | None:
    """The WARC-Target-URI of a header that may not parse as a whole."""
    found = _TARGET_URI.search(header)
    return safe_name(found.group(1).decode("utf-8", "surrogateescape")) if found else None


def _record(name: str, frame: _Frame, max_bytes: int, of: str) -> Iterator[Item]:
    """The document of one framed record (none for the record types that hold no page: a
    request, metadata, warcinfo, a response that is not 2xx), or its failure."""
    from warcio.archiveiterator import ArchiveIterator

    fallback = f"{name}#{frame.number}"
    at = f"record {frame.number} (byte {frame.offset:,}{of})"
    quiet = _Quiet()
    try:
        with quiet:
            record = next(iter(ArchiveIterator(io.BytesIO(frame.header + frame.block))), None)
            if record is None:
                raise _Malformed("warcio found no record in it")
            if record.rec_type not in _TYPES:
                raise _Malformed(f"WARC-Type {str(record.rec_type)[:40]!r} is not one of WARC's")
            if record.rec_type not in ("response", "resource"):
                return
            uri = safe_name(record.rec_headers.get_header("WARC-Target-URI") or fallback)
            date = record.rec_headers.get_header("WARC-Date")
            content_type = ""
            if record.http_headers is not None:
                content_type = record.http_headers.get_header("Content-Type") or ""
                status = record.http_headers.get_statuscode() or ""
                protocol = record.http_headers.protocol or ""
                if not (_STATUS.fullmatch(status) and protocol.upper().startswith("HTTP/")):
                    line = f"{protocol} {record.http_headers.statusline}".strip()[:40]
                    raise _Malformed(f"HTTP status line {line!r}")
                if not status.startswith("2"):
                    return  # a redirect, an error page: no article
            body = record.content_stream().read(max_bytes + 1)
    except Exception as exc:  # noqa: BLE001 - warcio fails on a bad record with any error type
        detail = " ".join(str(exc).split())[:120]
        if not isinstance(exc, _Malformed):
            detail = f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
        named = _header_uri(frame.header)
        yield InputFailure(
            f"{name}: {named}" if named else name,
            f"{at}: unreadable record ({detail})",
            exc,
            named or fallback,
        )
        return
    where = f"{name}: {uri}"
    if len(body) > max_bytes:
        yield InputFailure(where, "record over the size limit (--max-size)", doc_id=uri)
        return
    if frame.too_long:
        yield InputFailure(
            where,
            f"{at} is longer than its Content-Length ({len(frame.block)} bytes), or that length "
            "is wrong: not cleaned, as it would be cut short",
            doc_id=uri,
        )
        return
    kind = "html" if "html" in content_type.lower() else "auto"
    if body.strip():
        yield RawInput(uri, body, uri, url=uri, fetched_at=date, kind=kind, where=where)
    if frame.missing:
        yield InputFailure(
            where,
            f"WARC cut off inside {at}: {frame.missing} bytes missing ({len(body)} bytes of it "
            "were read); nothing after it could be read",
            doc_id=uri,
        )


def _frames(stream: IO[bytes], max_bytes: int) -> Iterator[_Frame | _Bad]:
    """The records of a WARC stream, framed by their Content-Length; what cannot be framed is
    a `_Bad`, and reading goes on at the next line that starts a record."""
    reader = _Lines(stream)
    number = 0
    line = reader.skip_blank()
    while line:
        offset = reader.offset - len(line)
        if not line.startswith(b"WARC/"):
            skipped, line = reader.resync(line)
            yield _Bad(None, offset, f"{skipped:,} bytes that are not a WARC record, skipped")
            continue
        number += 1
        header, complete, restart = reader.header(line)
        if restart:  # the next record starts inside this header: no record here
            yield _Bad(number, offset, "header cut short by the next record", header=header)
            line = restart
            continue
        if not complete:
            if header.strip():
                yield _Bad(
                    number,
                    offset,
                    f"WARC cut off in its header: {len(header)} bytes of an incomplete record "
                    "could not be read",
                    fatal=True,
                    header=header,
                )
            return
        length = _content_length(header)
        if isinstance(length, str):
            skipped, line = reader.resync(b"")
            yield _Bad(number, offset, f"unreadable header ({length}): skipped", header=header)
            continue
        if length > max_bytes + MAX_HEADER:  # not held in memory: skipped over
            if reader.skip(length) < length:
                yield _Bad(
                    number, offset, "WARC cut off inside it (over the size limit)", True, header
                )
                return
            yield _Bad(number, offset, "record over the size limit (--max-size)", header=header)
            line = reader.skip_blank()
            if line and not line.startswith(b"WARC/"):
                _, line = reader.resync(line)
            continue
        block = reader.read(length)
        if len(block) < length:
            yield _Frame(number, offset, header, block, missing=length - len(block))
            return
        after = reader.readline()
        too_long = bool(after) and after not in _BLANK and not after.startswith(b"WARC/")
        if too_long:
            _, line = reader.resync(after)
        else:
            line = after if after.startswith(b"WARC/") else reader.skip_blank()
        yield _Frame(number, offset, header, block, too_long=too_long)


def _content_length(header: bytes) -> int | str:
    """The record's Content-Length, or why there is none that can be used."""
    found = _CONTENT_LENGTH.findall(header)
    if not found:
        return "no Content-Length"
    if len(set(found)) > 1:
        return "two different Content-Lengths"
    value = found[0]
    if not value.isdigit() or len(value) > 15:
        return f"Content-Length {value[:20].decode('latin-1')!r} is not a byte count"
    return int(value)


class _Lines:
    """Lines and blocks of a binary stream, counting the offset."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream, self.offset = stream, 0

    def readline(self, limit: int = MAX_HEADER) -> bytes:
        line = self._stream.readline(limit)
        self.offset += len(line)
        return line

    def read(self, size: int) -> bytes:
        chunks, left = [], size
        while left > 0:
            data = self._stream.read(min(left, 1 << 20))
            if not data:
                break
            chunks.append(data)
            left -= len(data)
        block = b"".join(chunks)
        self.offset += len(block)
        return block

    def skip(self, size: int) -> int:
        done = 0
        while done < size:
            data = self._stream.read(min(size - done, 1 << 20))
            if not data:
                break
            done += len(data)
        self.offset += done
        return done

    def skip_blank(self) -> bytes:
        """The next line that is not blank (b"" at the end)."""
        line = self.readline()
        while line and not line.strip():
            line = self.readline()
        return line

    def resync(self, line: bytes) -> tuple[int, bytes]:
        """Skip to the next line that starts a record: (bytes skipped, that line or b"")."""
        skipped = len(line)
        line = self.readline()
        while line and not line.startswith(b"WARC/"):
            skipped += len(line)
            line = self.readline()
        return skipped, line

    def header(self, first: bytes) -> tuple[bytes, bool, bytes]:
        """The header that starts with `first`, up to and with its blank line; False when the
        data ends first. A header over MAX_HEADER is cut there (its Content-Length is then
        most likely missing, and the record is skipped). A version line (`WARC/1.0`: no header
        field starts so) ends it too, returned third, to be read as the next record's start:
        junk such as a stray `WARC/` line before a record does not swallow that record."""
        lines = [first]
        size = len(first)
        while size < MAX_HEADER:
            line = self.readline(MAX_HEADER - size)
            if not line:
                return b"".join(lines), False, b""
            if _VERSION_LINE.match(line):
                return b"".join(lines), True, line
            lines.append(line)
            size += len(line)
            if line in _BLANK:
                return b"".join(lines), True, b""
        return b"".join(lines), True, b""


def _read_arc(name: str, stream: IO[bytes], max_bytes: int) -> Iterator[Item]:
    """An old ARC file, through warcio's iterator (no framing of our own)."""
    from warcio.archiveiterator import ArchiveIterator

    quiet = _Quiet()
    index = documents = 0
    try:
        with quiet:
            records = iter(ArchiveIterator(stream))
        while True:
            with quiet:
                record = next(records, None)
                if record is None:
                    break
                if record.rec_type not in ("response", "resource"):
                    continue
                index += 1
                uri = safe_name(
                    record.rec_headers.get_header("WARC-Target-URI") or f"{name}#{index}"
                )
                body = record.content_stream().read(max_bytes + 1)
            if len(body) > max_bytes:
                yield InputFailure(f"{name}: {uri}", "record over the size limit (--max-size)")
            elif body.strip():
                documents += 1
                yield RawInput(uri, body, uri, url=uri, where=f"{name}: {uri}")
    except Exception as exc:  # noqa: BLE001 - warcio fails on cut headers with any error type
        reason = " ".join(str(exc).split())[:200] or type(exc).__name__
        yield InputFailure(name, f"ARC read stopped after {index} record(s): {reason}", exc)
        return
    if documents == 0:
        yield InputFailure(name, "nothing to clean: no ARC record with a body" + quiet.said())


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
