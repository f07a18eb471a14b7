"""Documents formatted for output: text, JSON Lines, JSON, `--explain`, CSV; error records;
one-line messages; and `write_results`, which writes a batch's results in input order.

What `cleaner clean` and the archive commands print is made here, so that a program built on
the library prints the same bytes. Output is strict JSON: `allow_nan=False` everywhere, as
inputs are parsed strictly too.
"""

from __future__ import annotations

import csv
import json
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import IO, Any

from cleaner.document import Document
from cleaner.inputs import InputFailure, InputNotice

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
    """`render` for each document: what clean_batch's workers apply to a group."""
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


def write_results(
    results: Iterable[Any],
    writer: Writer,
    *,
    on_failure: Callable[[str, str], None],
    on_notice: Callable[[str, str], None] | None = None,
    error_records: bool = False,
    advance: Callable[[int], None] = lambda n: None,
) -> int:
    """Write a batch's results (`cleaner.batch.clean_batch`'s) in input order; returns how
    many inputs failed.

    A document (or what `render` made of it) is written; a failure is passed to `on_failure`
    with its source and reason and, with `error_records`, its error record takes its place in
    the output, so that output line N is still input N; a notice (an input skipped on
    purpose) goes to `on_notice`. `advance(1)` follows each input that counts as output.
    The writer is not closed: the caller closes it, also when this raises.
    """
    failed = 0
    for result in results:
        if isinstance(result, InputFailure):
            failed += 1
            on_failure(result.source, result.reason)
            if error_records:
                record = error_record(result.doc_id, result.source, result.reason)
                writer.write(Rendered(dumps(record)))
            advance(1)
        elif isinstance(result, InputNotice):
            if on_notice is not None:
                on_notice(result.source, result.reason)
        else:
            writer.write(result)
            advance(1)
    return failed


def summary(written: int, failed: int, seconds: float) -> str:
    """The line a run ends with on a terminal: counts, time and rate."""
    rate = f" ({written / seconds:,.0f}/s)" if seconds > 0 and written else ""
    return f"cleaner: {written:,} cleaned, {failed:,} failed in {seconds:.1f} s" + rate
