"""Formatting documents for standard output: text, JSON Lines, JSON, --explain."""

from __future__ import annotations

import json
from typing import IO

from cleaner.document import Document

FORM_FEED = "\f"


def explain_lines(doc: Document) -> list[str]:
    """Every non-blank input line: `+ text` kept, or `- rule-id  text` removed."""
    removed: dict[int, list[tuple[str, str]]] = {}
    for r in doc.removed:
        removed.setdefault(r.line, []).append((r.rule, r.text))
    out = []
    width = max((len(r.rule) for r in doc.removed), default=0)
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


class Writer:
    """Writes documents one by one in the chosen format."""

    def __init__(self, stream: IO[str], fmt: str, explain: bool = False) -> None:
        self.stream, self.fmt, self.explain = stream, fmt, explain
        self.count = 0
        self._held: str | None = None  # json: the first document, until we know if there are more

    def write(self, doc: Document) -> None:
        s = self.stream
        if self.explain:
            if self.count:
                s.write(FORM_FEED + "\n")
            if doc.title:
                s.write(f"# title: {doc.title}\n")
            s.write("\n".join(explain_lines(doc)) + "\n")
        elif self.fmt == "jsonl":
            s.write(json.dumps(doc.to_record(), ensure_ascii=False) + "\n")
        elif self.fmt == "json":
            text = json.dumps(doc.to_record(), ensure_ascii=False, indent=2)
            if self.count == 0:
                self._held = text
            else:
                if self._held is not None:
                    s.write("[\n" + self._held)
                    self._held = None
                s.write(",\n" + text)
        else:
            if self.count:
                s.write(FORM_FEED + "\n")
            s.write(doc.text + "\n")
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
