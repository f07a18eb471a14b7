"""Reading inputs: files, directories, standard input; plain text, HTML, JSON Lines, WARC, gzip.

This is the I/O edge shared by the CLI and the archive; the pipeline never imports it. Every
input yields a RawInput (to clean), an InputFailure (to report, then go on) or an InputNotice (a
warning that loses nothing, such as a symbolic-link loop skipped): a broken JSON line, an
unreadable file or a truncated gzip never stops the batch, and what could be read is kept.
"""

from __future__ import annotations

import errno
import io
import json
import math
import os
import re
import stat
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from cleaner.errors import InputError

INPUT_KINDS = ("auto", "text", "html", "jsonl", "warc")
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
_MB = 1024 * 1024
_JSONL_EXT = (".jsonl", ".ndjson")
_WARC_EXT = (".warc", ".arc")
_HTML_EXT = (".html", ".htm", ".xhtml")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
# A JSON escape of a surrogate code point (`\ud800` to `\udfff`): UTF-8 bytes cannot hold one,
# so a line without such an escape has none to scrub.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89abcdefABCDEF]")


@dataclass(slots=True)
class RawInput:
    """One document to clean, with its provenance. `where` names it in messages."""

    source: str
    data: bytes | str
    doc_id: str
    url: str | None = None
    fetched_at: str | None = None
    kind: str = "auto"  # text, html or auto (sniff)
    extra: dict[str, Any] = field(default_factory=dict)
    where: str = ""

    @property
    def label(self) -> str:
        return self.where or self.source

    @property
    def record_id(self) -> Any:
        """The id its output record gets: a JSON Lines record's own `id` as it was written
        (7 stays 7), else `doc_id`. An error record in its place takes the same."""
        return self.extra.get("id", self.doc_id) if self.extra else self.doc_id


@dataclass(slots=True)
class InputFailure:
    """An input (or part of one) that could not be read, named with the reason (exit 1).

    `doc_id`, when known, is the id the document's record would have had (a JSON Lines
    record's own id, else `file:line`; a WARC record's URI): its error record takes that id.
    """

    source: str
    reason: str
    error: BaseException | None = field(default=None, compare=False, repr=False)
    doc_id: Any = None


@dataclass(slots=True)
class InputNotice:
    """Something worth a warning that loses nothing (a symbolic-link loop skipped); exit 0."""

    source: str
    reason: str


Item = RawInput | InputFailure | InputNotice


def safe_name(name: str) -> str:
    """A file name as text that UTF-8 can hold, losing nothing.

    POSIX names are bytes; Python hands undecodable ones over as lone surrogates
    (`surrogateescape`), which neither SQLite nor a UTF-8 stream accepts. Those bytes become
    `\\xff` escapes, the form Python itself prints; every valid name is returned unchanged.
    """
    if not _SURROGATE.search(name):
        return name
    raw = name.encode("utf-8", "surrogateescape")
    return raw.decode("utf-8", "backslashreplace")


def describe_os_error(exc: OSError, path: Path | None = None) -> str:
    """A short lowercase reason, telling broken and looping symbolic links apart."""
    if path is not None and exc.errno == errno.ENOENT and path.is_symlink():
        return f"broken symbolic link (to {os.readlink(path)})"
    if exc.errno == errno.ELOOP:
        return "symbolic link loop"
    reason = exc.strerror or str(exc)
    return reason[:1].lower() + reason[1:]


def iter_paths(
    paths: Iterable[str],
) -> Iterator[tuple[str, Path | None] | InputFailure | InputNotice]:
    """Expand directories recursively (in name order, hidden files skipped); `-` is stdin."""
    for raw in paths:
        if raw == "-":
            yield raw, None
            continue
        path = Path(raw)
        try:
            is_dir = stat.S_ISDIR(path.stat().st_mode)
        except OSError as exc:
            reason = describe_os_error(exc, path)
            if exc.errno == errno.ENOENT and not path.is_symlink():
                reason = "no such file or directory"
            yield InputFailure(safe_name(raw), reason, exc)
            continue
        if is_dir:
            yield from _walk(path)
        else:
            yield safe_name(raw), path


def _walk(top: Path) -> Iterator[tuple[str, Path] | InputFailure | InputNotice]:
    """Depth-first, files before sub-directories; each directory is entered once.

    A link back to an ancestor is a loop; a second link to a directory already read would only
    read it twice. Both are skipped with a notice. Unreadable directories, broken links and
    special files (a FIFO would block forever) are failures.
    """
    top_stat = top.stat()
    top_key = (top_stat.st_dev, top_stat.st_ino)
    seen = {top_key: safe_name(str(top))}
    stack: list[tuple[Path, tuple[tuple[int, int], ...]]] = [(top, (top_key,))]
    while stack:
        directory, chain = stack.pop()
        try:
            with os.scandir(directory) as scan:
                entries = sorted(scan, key=lambda e: e.name)
        except OSError as exc:
            yield InputFailure(
                safe_name(str(directory)), f"cannot read directory: {describe_os_error(exc)}", exc
            )
            continue
        subdirs = []
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = Path(entry.path)
            name = safe_name(entry.path)
            try:
                st = entry.stat()  # follows symbolic links
            except OSError as exc:
                yield InputFailure(name, safe_name(describe_os_error(exc, path)), exc)
                continue
            if stat.S_ISDIR(st.st_mode):
                key = (st.st_dev, st.st_ino)
                if key in chain:
                    yield InputNotice(name, f"symbolic link loop (back to {seen[key]}), skipped")
                elif key in seen:
                    yield InputNotice(name, f"same directory as {seen[key]}, skipped")
                else:
                    seen[key] = name
                    subdirs.append((path, (*chain, key)))
            elif stat.S_ISREG(st.st_mode):
                yield name, path
            else:
                yield InputFailure(name, "not a regular file, skipped")
        stack.extend(reversed(subdirs))


def count_documents(paths: Iterable[str], kind: str = "auto") -> int | None:
    """How many documents (and failures) the paths will give, when that is known without
    reading them: None for standard input and for files of records (JSON Lines, WARC), whose
    count only a full read tells. For a progress bar's total; a first look at each file's
    first bytes tells a JSON Lines file without the extension."""
    if kind in ("jsonl", "warc"):
        return None
    total = 0
    for entry in iter_paths(list(paths) or ["-"]):
        if isinstance(entry, InputNotice):
            continue
        if isinstance(entry, InputFailure):
            total += 1
            continue
        name, path = entry
        if path is None:
            return None
        by_name = kind if kind != "auto" else kind_from_name(name)
        if by_name in ("jsonl", "warc"):
            return None
        if by_name == "auto":
            try:
                with open(path, "rb") as handle:
                    head = handle.read(512)
            except OSError:
                head = b""
            if head.startswith(b"\x1f\x8b") or sniff_kind(head) != "auto":
                return None
        total += 1
    return total


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
    stripped = head.removeprefix(b"\xef\xbb\xbf").lstrip()
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
    urls_only: bool = False,
) -> Iterator[Item]:
    """Every document of every path, in order, with failures and notices in their place.

    `urls_only` (the site-template census, which counts URLs): only the documents that may
    carry a URL. A file is not read past its first line unless it holds records (JSON Lines,
    WARC), and a JSON Lines record whose line cannot hold a "url" key is not parsed.
    """
    for entry in iter_paths(list(paths) or ["-"]):
        if isinstance(entry, InputFailure | InputNotice):
            yield entry
            continue
        name, path = entry
        try:
            if path is None:
                stream: IO[bytes] = stdin if stdin is not None else io.BytesIO()
                yield from _read_stream(
                    name, stream, kind, url, fetched_at, max_bytes, urls_only=urls_only
                )
            else:
                with open(path, "rb") as handle:
                    yield from _read_stream(
                        name, handle, kind, None, None, max_bytes, urls_only=urls_only
                    )
        except OSError as exc:
            yield InputFailure(name, safe_name(describe_os_error(exc, path)), exc)
        except InputError as exc:
            yield InputFailure(name, str(exc), exc)


def _size(n: int) -> str:
    return f"{n / _MB:.1f} MB" if n >= _MB // 10 else f"{n} bytes"


def _too_large(max_bytes: int, size: int | None = None) -> InputError:
    what = f"{_size(size)} is" if size is not None else "more than that is"
    return InputError(
        f"{what} over the {_size(max_bytes)} size limit (raise it with --max-size MB)"
    )


def _known_size(stream: IO[bytes]) -> int | None:
    """The size of a regular file behind the stream, to refuse a huge one before reading it."""
    try:
        st = os.fstat(stream.fileno())
    except (OSError, AttributeError, io.UnsupportedOperation):
        return None
    return st.st_size if stat.S_ISREG(st.st_mode) else None


def _first_line(stream: IO[bytes], limit: int) -> bytes:
    """Up to `limit` bytes, but no more than it takes to see a line end: a live stream (a
    crawler piping JSON Lines) is not held back until 4 KB have arrived."""
    read = getattr(stream, "read1", stream.read)
    chunks: list[bytes] = []
    while limit > 0:
        data = read(limit)
        if not data:
            break
        chunks.append(data)
        limit -= len(data)
        if b"\n" in data:
            break
    return b"".join(chunks)


def _read_stream(
    name: str,
    stream: IO[bytes],
    kind: str,
    url: str | None,
    fetched_at: str | None,
    max_bytes: int,
    *,
    urls_only: bool = False,
) -> Iterator[Item]:
    effective = kind if kind != "auto" else kind_from_name(name)
    size = _known_size(stream)
    head = stream.read(2)
    gunzip: _Gunzip | None = None
    if head == b"\x1f\x8b":  # also .warc.gz: warcio stops silently at a cut gzip member
        gunzip = _Gunzip(_Prepended(head, stream))
        stream = io.BufferedReader(gunzip)
        head, size = b"", None
    peek = head + _first_line(stream, 4096 - len(head))
    if effective == "auto":
        effective = sniff_kind(peek)
    if effective in ("warc", "jsonl"):
        from cleaner.warc import read_warc

        records_stream = io.BufferedReader(_Prepended(peek, stream))
        if effective == "warc":
            records = read_warc(name, records_stream, max_bytes, compressed=gunzip is not None)
        else:
            records = _read_jsonl(name, records_stream, max_bytes, urls_only=urls_only)
        yield from _one_line_for_a_cut(name, records, gunzip)
        return
    if urls_only and url is None:
        return  # one document, and no URL to count
    if size is not None and size > max_bytes:
        raise _too_large(max_bytes, size)
    data = peek + stream.read(max_bytes + 1 - len(peek))
    if len(data) > max_bytes:
        raise _too_large(max_bytes)
    if gunzip is not None and gunzip.error and not data.strip():
        yield InputFailure(name, f"{gunzip.error}; nothing could be decompressed")
        return
    yield RawInput(name, data, name, url=url, fetched_at=fetched_at, kind=effective)
    if gunzip is not None and gunzip.error:
        yield _cut_failure(name, gunzip)


def _one_line_for_a_cut(
    name: str, records: Iterator[Item], gunzip: _Gunzip | None
) -> Iterator[Item]:
    """Pass records through; when the gzip was cut, say so once.

    The reader usually notices the cut first (a partial JSON line, a WARC record short of its
    length): that failure gets the gzip reason appended, instead of a second line for one fault.
    Without gzip nothing is held back: a live stream's records go on as they arrive.
    """
    if gunzip is None:
        yield from records
        return
    last: Item | None = None
    for item in records:
        if last is not None:
            yield last
        last = item
    if not gunzip.error:
        if last is not None:
            yield last
    elif isinstance(last, InputFailure):
        yield InputFailure(last.source, f"{last.reason} ({gunzip.error})", last.error)
    else:
        if last is not None:
            yield last
        yield _cut_failure(name, gunzip)


def _cut_failure(name: str, gunzip: _Gunzip) -> InputFailure:
    reason = f"{gunzip.error} after {_size(gunzip.produced)}: that part was read, the rest is lost"
    return InputFailure(name, reason)


def _read_jsonl(
    name: str, stream: IO[bytes], max_bytes: int, *, urls_only: bool = False, first_line: int = 1
) -> Iterator[Item]:
    """One RawInput per record; a broken line is reported with its number and skipped.
    `urls_only`: see read_inputs. `first_line`: the number of the stream's first line."""
    number = first_line - 1
    while True:
        line = stream.readline(max_bytes + 1)
        if not line:
            return
        number += 1
        where = f"{name}:{number}"
        if len(line) > max_bytes and not line.endswith(b"\n"):
            _skip_line(stream)
            yield InputFailure(where, f"record over the {_size(max_bytes)} size limit (--max-size)")
            continue
        if number == 1:
            line = line.removeprefix(b"\xef\xbb\xbf")
        if not line.strip():
            continue
        if urls_only and b'"url"' not in line and b"\\u" not in line:
            continue  # a "url" key is spelt so, or with an escape
        yield _jsonl_record(name, where, number, line)


def _skip_line(stream: IO[bytes]) -> None:
    while True:
        chunk = stream.readline(_MB)
        if not chunk or chunk.endswith(b"\n"):
            return


def _refuse_constant(name: str) -> Any:
    raise _NotJSON(f"{name} is not a JSON value")


def _finite_float(text: str) -> float:
    value = float(text)
    if value in (math.inf, -math.inf):
        raise _NotJSON(f"number {text[:20]} is out of range")
    return value


class _NotJSON(ValueError):
    """What standard JSON does not allow but Python's parser accepts (NaN, Infinity, 1e999)."""


def parse_json_line(text: str) -> Any:
    """`json.loads`, strict: NaN, Infinity and numbers that overflow to them are refused, so
    nothing non-standard can reach the output (which is written with allow_nan=False)."""
    return json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)


def _jsonl_record(name: str, where: str, number: int, line: bytes) -> Item:
    """One record, or a failure naming its file and line: whatever is wrong with a record
    (bad JSON, a 5,000-digit number, a wrong type) stays with that record."""
    try:
        return _parse_record(name, where, line)
    except Exception as exc:  # noqa: BLE001 - contained to this record, reported with its line
        return InputFailure(where, f"unreadable record ({type(exc).__name__}: {exc})", exc)


def _parse_record(name: str, where: str, line: bytes) -> Item:
    try:
        record = parse_json_line(line.decode("utf-8", errors="replace"))
    except json.JSONDecodeError as exc:
        return InputFailure(where, f"invalid JSON: {exc.msg} at column {exc.colno}", exc)
    except RecursionError as exc:
        return InputFailure(where, "invalid JSON: nested too deeply", exc)
    except _NotJSON as exc:
        return InputFailure(where, f"invalid JSON: {exc}", exc)
    except ValueError as exc:  # Python's limit on integer digits (4,300)
        reason = "a number has too many digits" if "digits" in str(exc) else str(exc)
        return InputFailure(where, f"invalid JSON: {reason}", exc)
    if not isinstance(record, dict):
        return InputFailure(where, "a JSON Lines record must be an object")
    if _SURROGATE_ESCAPE.search(line):  # only an escape can make a lone surrogate
        record = _scrub(record)
    body = record.get("html") if record.get("html") is not None else record.get("text")
    doc_id = str(record["id"]) if record.get("id") is not None else where
    if not isinstance(body, str):
        own = record["id"] if record.get("id") is not None else where
        return InputFailure(where, "record has no 'text' or 'html' string", doc_id=own)
    extra = {k: v for k, v in record.items() if k not in ("text", "html")}
    return RawInput(
        name,
        body,
        doc_id,
        url=record.get("url") if isinstance(record.get("url"), str) else None,
        fetched_at=record.get("fetched_at") if isinstance(record.get("fetched_at"), str) else None,
        kind="html" if record.get("html") is not None else "auto",
        extra=extra,
        where=where,
    )


def _scrub(value: Any) -> Any:
    """Lone surrogates (`"\\ud800"` in JSON) cannot be written out as UTF-8: make them U+FFFD."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {_scrub(k): _scrub(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    return value


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
        # read1: what is there (at least a byte), not a full buffer: a pipe's reader gets each
        # line as it arrives
        data = getattr(self._rest, "read1", self._rest.read)(len(buffer))
        buffer[: len(data)] = data
        return len(data)


class _Gunzip(io.RawIOBase):
    """gzip decompression that keeps what it decompressed when the data is cut off or corrupt.

    The standard `gzip` module raises EOFError at the end of a truncated file and the bytes
    decompressed so far are lost with it; a half-downloaded scrape still holds most of an article.
    Output is produced in slices of the caller's buffer, so a gzip bomb is stopped by the size
    limit. Several gzip members in a row are read as one stream, as `gunzip` does.
    """

    def __init__(self, raw: IO[bytes] | io.RawIOBase) -> None:
        self._raw = raw
        self._z = zlib.decompressobj(31)
        self._pending = b""
        self._fed = False  # the current member has been given data
        self._done = False
        self.error: str | None = None
        self.produced = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._done:
            data = self._pending or self._raw.read(65536)
            if not data:
                self._done = True
                if self._fed and not self._z.eof:
                    self.error = "gzip data cut off"
                break
            self._fed = True
            try:
                out = self._z.decompress(data, len(buffer))
            except zlib.error as exc:
                self.error, self._done = f"corrupt gzip data ({exc})", True
                break
            self._pending = self._z.unconsumed_tail
            if self._z.eof:  # the next member, if any, starts in the bytes left over
                rest = self._z.unused_data
                self._z, self._fed = zlib.decompressobj(31), False
                self._pending = rest if rest.strip(b"\x00") else b""
            if out:
                buffer[: len(out)] = out
                self.produced += len(out)
                return len(out)
        return 0


def read_jsonl_lines(
    name: str, stream: IO[bytes], *, first_line: int = 1, max_bytes: int = DEFAULT_MAX_BYTES
) -> Iterator[Item]:
    """The records of JSON Lines `stream`, numbered from `first_line`: a part of file `name`
    cut at a line boundary (a Dask task's byte range, cleaner.partition) gives the items
    `read_inputs` gives for those lines of the whole (uncompressed) file."""
    return _read_jsonl(name, stream, max_bytes, first_line=first_line)
