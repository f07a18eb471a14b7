"""The result of cleaning one document: SPEC.md's JSON record as a frozen dataclass.

One type is shared by the JSON output, the archive and the Python API, so the three can never
disagree about a field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Removal:
    """One removed input line and the rule that removed it."""

    rule: str
    category: str
    line: int
    text: str
    # Why, for `--explain` (the body model's probability and decisive features); not part of
    # the JSON record.
    note: str = field(default="", compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "category": self.category, "line": self.line, "text": self.text}


# The order of SPEC.md's table; `to_record` emits the fields in this order.
RECORD_FIELDS: tuple[str, ...] = (
    "id",
    "source",
    "url",
    "title",
    "text",
    "language",
    "language_probability",
    "published",
    "page_date",
    "publisher",
    "category",
    "author",
    "published_source",
    "modified",
    "modified_source",
    "paywalled",
    "removed",
    "raw_sha256",
    "cleaner_version",
    "ruleset_version",
)


@dataclass(frozen=True, slots=True)
class Document:
    """A cleaned document. Field meanings are those of SPEC.md's JSON record."""

    id: str
    source: str
    url: str | None
    title: str | None
    text: str
    language: str | None
    language_probability: float
    published: str | None
    page_date: str | None
    publisher: str | None
    category: str | None
    author: str | None
    published_source: str | None
    paywalled: bool
    removed: tuple[Removal, ...]
    raw_sha256: str
    cleaner_version: str
    ruleset_version: str
    fetched_at: str | None = None
    modified: str | None = None  # SPEC's `modified`: the date the page says it was updated
    modified_source: str | None = None
    content_type: str = "text/plain"
    encoding: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    lines: tuple[str, ...] = field(default=(), repr=False)  # input lines as the rules saw them

    def to_record(self) -> dict[str, Any]:
        """The JSON record: input pass-through fields first, in their order, then ours."""
        record: dict[str, Any] = dict(self.extra)
        record["fetched_at"] = self.fetched_at  # always, null included: the same keys each time
        for name in RECORD_FIELDS:
            if name == "id" and "id" in self.extra:
                continue  # the input's own id passes through unchanged (7 stays 7)
            value = getattr(self, name)
            if name == "removed":
                value = [r.to_dict() for r in value]
            record[name] = value
        return record
