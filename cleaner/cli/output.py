"""Formatting documents for standard output: text, JSON Lines, JSON, --explain."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import IO

from cleaner.document import Document

FORM_FEED = "\f"


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
        return Rendered(json.dumps(doc.to_record(), ensure_ascii=False))
    if fmt == "json":
        return Rendered(json.dumps(doc.to_record(), ensure_ascii=False, indent=2))
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
