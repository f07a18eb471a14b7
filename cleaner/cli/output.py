"""Formatting for standard output and standard error: documents (text, JSON Lines, JSON,
--explain, CSV), error records, one-line messages, and the last-resort error handling that
keeps every failure to one line (`run_cli`).

Output is strict JSON: `allow_nan=False` everywhere, as inputs are parsed strictly too.
"""

from __future__ import annotations

import contextlib
import csv
import errno
import json
import math
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any

from cleaner.document import Document

FORM_FEED = "\f"
# C0 and C1 control characters, DEL, the line and paragraph separators: what could end or
# rewrite a line on a terminal. A name chosen by whoever named a file must not start a line.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]|[\ud800-\udfff]")


def one_line(text: str) -> str:
    """`text` safe on one line of standard error: control characters and undecodable bytes
    escaped (`\\n`, `\\x1b`, `\\xff`), everything else unchanged."""

    def escape(match: re.Match[str]) -> str:
        ch = match.group()
        if "\ud800" <= ch <= "\udfff":  # a byte that was not UTF-8 (surrogateescape)
            return ch.encode("utf-8", "surrogateescape").decode("ascii", "backslashreplace")
        return ch.encode("unicode_escape").decode("ascii")

    return _CONTROL.sub(escape, text)


def dumps(value: Any, *, indent: int | None = None) -> str:
    """Standard JSON: never `NaN` or `Infinity` (a non-finite float becomes null)."""
    try:
        return json.dumps(value, ensure_ascii=False, indent=indent, allow_nan=False)
    except ValueError:
        return json.dumps(_finite(value), ensure_ascii=False, indent=indent, allow_nan=False)


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def error_record(doc_id: str | None, source: str, error: str) -> dict[str, Any]:
    """What JSON Lines output holds in place of an input that failed, so that output line N
    still belongs to input N: `{"id": ..., "source": ..., "error": ...}`."""
    return {"id": doc_id if doc_id is not None else source, "source": source, "error": error}


def explain_lines(doc: Document) -> list[str]:
    """Every non-blank input line: `+ text` kept, or `- rule-id  text` removed."""
    removed: dict[int, list[tuple[str, str]]] = {}
    for r in doc.removed:
        rule = f"{r.rule} [{r.note}]" if r.note else r.rule  # the body model's why
        removed.setdefault(r.line, []).append((rule, r.text))
    out = []
    width = max((len(rule) for verdicts in removed.values() for rule, _ in verdicts), default=0)
    for number, line in enumerate(doc.lines, 1):
        if not line:
            continue
        verdicts = removed.get(number, [])
        rest = line
        for rule, text in verdicts:
            out.append(f"- {rule:<{width}}  {text}")
            rest = rest[len(text) :].strip() if rest.startswith(text) else ""
        if not verdicts or rest:
            out.append(f"+ {rest}")
    return out


@dataclass(frozen=True, slots=True)
class Rendered:
    """A document already formatted for the output (by a --jobs worker, so the parent process
    only writes strings: formatting and pickling whole documents made it the bottleneck)."""

    piece: str
    title: str | None = None


def render(doc: Document, fmt: str, explain: bool = False) -> Rendered:
    """The document's piece of output in the format, without the separators between pieces."""
    if explain:
        return Rendered("\n".join(explain_lines(doc)), doc.title)
    if fmt == "jsonl":
        return Rendered(dumps(doc.to_record()))
    if fmt == "json":
        return Rendered(dumps(doc.to_record(), indent=2))
    return Rendered(doc.text)


def render_all(docs: list[Document], fmt: str, explain: bool = False) -> list[Rendered]:
    """`render` for each document: what run_batch's workers apply to a chunk."""
    return [render(doc, fmt, explain) for doc in docs]


class Writer:
    """Writes documents one by one in the chosen format."""

    def __init__(self, stream: IO[str], fmt: str, explain: bool = False) -> None:
        self.stream, self.fmt, self.explain = stream, fmt, explain
        self.count = 0
        self._held: str | None = None  # json: the first document, until we know if there are more

    def write(self, doc: Document | Rendered) -> None:
        s = self.stream
        out = doc if isinstance(doc, Rendered) else render(doc, self.fmt, self.explain)
        if self.explain:
            if self.count:
                s.write(FORM_FEED + "\n")
            if out.title:
                s.write(f"# title: {out.title}\n")
            s.write(out.piece + "\n")
        elif self.fmt == "jsonl":
            s.write(out.piece + "\n")
        elif self.fmt == "json":
            if self.count == 0:
                self._held = out.piece
            else:
                if self._held is not None:
                    s.write("[\n" + self._held)
                    self._held = None
                s.write(",\n" + out.piece)
        else:
            if self.count:
                s.write(FORM_FEED + "\n")
            s.write(out.piece + "\n")
        self.count += 1
        if self.fmt != "json":
            s.flush()

    def close(self) -> None:
        """Finish JSON output: one document is an object, several an array."""
        if self.fmt == "json" and not self.explain:
            if self._held is not None:
                self.stream.write(self._held + "\n")
            elif self.count == 0:
                self.stream.write("[]\n")
            else:
                self.stream.write("\n]\n")
        self.stream.flush()


@contextlib.contextmanager
def progress(
    label: str,
    *,
    total: int | None = None,
    quiet: bool = False,
    quiet_when_stdout_is_terminal: bool = False,
) -> Iterator[Callable[[int], None]]:
    """A rich progress display on standard error when it is a terminal; yields `advance(n)`.

    With a `total`: a bar, count of total, rate, elapsed time and ETA. Without: a spinner,
    the count and the rate. Nothing is drawn with `quiet`, when standard error is not a
    terminal (logs, CI), or, for commands that print documents, when standard output is the
    same terminal: the display would be drawn between the documents.
    """
    if quiet or not sys.stderr.isatty() or (quiet_when_stdout_is_terminal and sys.stdout.isatty()):
        yield lambda n: None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    rate = TextColumn("{task.fields[rate]}")
    columns: list[Any] = [SpinnerColumn(), "{task.description}"]
    if total is not None:
        columns += [BarColumn(), MofNCompleteColumn(), TaskProgressColumn(), rate]
        columns += [TimeElapsedColumn(), "eta", TimeRemainingColumn()]
    else:
        columns += [MofNCompleteColumn(), rate, TimeElapsedColumn()]
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=total, rate="")

        def advance(n: int) -> None:
            speed = bar.tasks[0].speed
            bar.update(task, advance=n, rate=f"{speed:,.0f}/s" if speed else "")

        yield advance


def write_csv(stream: IO[str], columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> int:
    """RFC 4180 CSV with a header row (lists and dicts as JSON); returns the rows written."""
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(columns)
    n = 0
    for row in rows:
        writer.writerow([_cell(row.get(column)) for column in columns])
        n += 1
    return n


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, list | dict):
        return dumps(value)
    return value


class _ClosedStream:
    """Standard output when the process was started with it closed (`cleaner clean >&-`):
    Python leaves `sys.stdout` None, and the first write would be an AttributeError."""

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, "standard output is closed")

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


def _silence_stdout() -> None:
    """After standard output failed (closed pipe, full disk), send what is still buffered to
    /dev/null, so the interpreter's last flush neither fails again nor prints a traceback."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, AttributeError, ValueError):
        pass


def run_cli(main: Callable[[], Any], argv: Sequence[str] | None) -> int:
    """Run the click command and turn every way it can fail into one line and an exit code.

    - standard output closed by its reader (`cleaner search db x | head -1`): exit 0, quietly,
      as `cat` does under `set -o pipefail`;
    - any other OSError (a full disk, standard output closed), MemoryError or unexpected
      exception: `cleaner: error: ...` on one line and exit 1; with --debug, the traceback.
    """
    import click

    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    if sys.stdout is None:
        sys.stdout = _ClosedStream()  # type: ignore[assignment]
    try:
        try:
            code = main()
        except SystemExit as exc:  # the commands' own exit codes (sys.exit)
            code = exc.code
            if type(sys.stdout).__name__ == "_PacifyFlushWrapper":
                # click met EPIPE and exits 1 even outside standalone mode: a reader that
                # stopped reading is not a failure
                _silence_stdout()
                return 0
        sys.stdout.flush()  # a full disk shows at the flush: fail here, not at exit
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.Abort as exc:
        if isinstance(exc.__cause__, KeyboardInterrupt):
            click.echo("cleaner: interrupted", err=True)
            return 130
        click.echo("Aborted!", err=True)
        return 1
    except KeyboardInterrupt:
        click.echo("cleaner: interrupted", err=True)
        return 130
    except BrokenPipeError:
        _silence_stdout()
        return 0
    except OSError as exc:
        if exc.errno == errno.EPIPE:
            _silence_stdout()
            return 0
        if debug:
            raise
        _silence_stdout()
        where = " writing the output" if exc.errno in (errno.ENOSPC, errno.EBADF) else ""
        reason = exc.strerror or str(exc)
        click.echo(one_line(f"cleaner: error{where}: {reason[:1].lower()}{reason[1:]}"), err=True)
        return 1
    except MemoryError:
        if debug:
            raise
        click.echo("cleaner: error: out of memory", err=True)
        return 1
    except Exception as exc:  # noqa: BLE001 - the last resort: one line, --debug for more
        if debug:
            raise
        message = f"internal error ({type(exc).__name__}: {exc}); rerun with --debug"
        click.echo(one_line(f"cleaner: error: {message}"), err=True)
        return 1
    if isinstance(code, str):
        click.echo(one_line(code), err=True)
        return 1
    return code if isinstance(code, int) else 0
