"""The inputs of one run, readable once per pass.

A run that learns site templates reads its inputs twice: a first pass counts each site's
lines, the second cleans. Files are simply opened again; standard input, which cannot be
read twice, is first copied to an unnamed temporary file (`Sources.spooled`).
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import IO

from cleaner.inputs import DEFAULT_MAX_BYTES, Item, read_inputs


def is_datetime(value: str) -> bool:
    """Whether `value` is an ISO 8601 date or date-time (a `Z` or `z` suffix is UTC): what
    --fetched-at takes, as relative dates are resolved against it."""
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return False
    return True


class Sources:
    """Paths (files, folders, '-' for standard input) and how to read them
    (`cleaner.inputs.read_inputs`' options); each `read()` starts from the first input."""

    def __init__(
        self,
        paths: Sequence[str],
        *,
        kind: str = "auto",
        stdin: IO[bytes] | None = None,
        url: str | None = None,
        fetched_at: str | None = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        self.paths, self.kind, self.stdin = paths, kind, stdin
        self.url, self.fetched_at, self.max_bytes = url, fetched_at, max_bytes
        self._rewind = False

    @classmethod
    def from_options(
        cls,
        paths: Sequence[str],
        *,
        input_kind: str = "auto",
        url: str | None = None,
        fetched_at: str | None = None,
        max_size: int = DEFAULT_MAX_BYTES >> 20,
        stdin: IO[bytes] | None = None,
    ) -> Sources:
        """The sources of `cleaner clean` or `archive`: PATHS and the input options as the
        command line names them (--input, --url, --fetched-at, --max-size in MB)."""
        return cls(
            paths,
            kind=input_kind,
            stdin=stdin,
            url=url,
            fetched_at=fetched_at,
            max_bytes=max_size * 1024 * 1024,
        )

    @property
    def reads_stdin(self) -> bool:
        """Whether standard input is one of the inputs (no path, or '-')."""
        return not self.paths or "-" in self.paths

    def read(self, urls_only: bool = False) -> Iterator[Item]:
        """Every input, in order, with failures and notices in their place (`read_inputs`)."""
        if self._rewind and self.stdin is not None:
            self.stdin.seek(0)
        return read_inputs(
            self.paths,
            kind=self.kind,
            stdin=self.stdin,
            url=self.url,
            fetched_at=self.fetched_at,
            max_bytes=self.max_bytes,
            urls_only=urls_only,
        )

    def census(self) -> Iterator[Item]:
        """Only the inputs that may carry a URL: what the site-template census counts."""
        return self.read(urls_only=True)

    @contextlib.contextmanager
    def spooled(self) -> Iterator[Sources]:
        """These sources, with standard input (if read) copied to an unnamed temporary file
        so that it can be read again: the whole input on disk, not in memory, gone at exit."""
        if not self.reads_stdin or self.stdin is None:
            yield self
            return
        original = self.stdin
        with tempfile.TemporaryFile() as copy:
            shutil.copyfileobj(original, copy, 1 << 20)
            copy.seek(0)
            self.stdin, self._rewind = copy, True
            try:
                yield self
            finally:
                self.stdin, self._rewind = original, False
