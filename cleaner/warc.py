"""WARC files, read with warcio: each `response` (or `resource`) record is one document.

A WARC cut off half-way gives the records that were complete, then one failure naming the rest.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO

from cleaner.inputs import InputFailure, Item, RawInput


def read_warc(name: str, stream: IO[bytes], max_bytes: int) -> Iterator[Item]:
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    index = 0
    try:
        for record in ArchiveIterator(stream):
            if record.rec_type not in ("response", "resource"):
                continue
            index += 1
            uri = record.rec_headers.get_header("WARC-Target-URI") or f"{name}#{index}"
            date = record.rec_headers.get_header("WARC-Date")
            content_type = ""
            if record.http_headers is not None:
                content_type = record.http_headers.get_header("Content-Type") or ""
                status = record.http_headers.get_statuscode()
                if status and not status.startswith("2"):
                    continue
            body = record.content_stream().read(max_bytes + 1)
            if len(body) > max_bytes:
                yield InputFailure(uri, "record larger than the size limit")
                continue
            kind = "html" if "html" in content_type.lower() else "auto"
            yield RawInput(uri, body, uri, url=uri, fetched_at=date, kind=kind)
    except (ArchiveLoadFailed, EOFError, OSError, ValueError) as exc:
        yield InputFailure(name, f"WARC read stopped after {index} record(s): {exc}")
