"""The archive functions the commands print through: run summaries and exit statuses, filter
checks, hits and exported records (cleaner.archive.runs, cleaner.archive.search)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from cleaner.archive import Archive, Counts, Hit, iter_records
from cleaner.archive.runs import exit_status, summary
from cleaner.archive.search import (
    EXPORT_COLUMNS,
    hit_lines,
    is_day,
    language_code,
    languages_if_absent,
    write_hits_csv,
    write_records,
)

from cleaner.document import RECORD_FIELDS

HIT = Hit(3, "d3", "Tram line opens", None, "tram.txt", "en", "2024-05-02", "City Post", None,
          -1.5, "the  new\n[tram] line")  # fmt: skip


def test_summary_of_an_archive_run_and_of_a_reclean() -> None:
    counts = Counts(added=4, already_stored=2, duplicates=1, failed=1)
    assert summary("news.db", 7, counts, False, "archive") == (
        "cleaner: archive news.db (run 7): 4 added, 1 duplicates, 2 already stored, 1 failed"
    )
    stopped = summary("news.db", 8, Counts(updated=5), True, "reclean")
    assert stopped == (
        "cleaner: reclean news.db (run 8): 5 re-cleaned, 0 duplicates, 0 failed; "
        "interrupted, the work above is committed (run again to finish)"
    )


def test_exit_status() -> None:
    assert exit_status(Counts(), False) == 0
    assert exit_status(Counts(failed=1), False) == 1
    assert exit_status(Counts(failed=1), True) == 130


def test_language_codes_and_days() -> None:
    assert language_code(" EN ") == "en" and language_code("zh-CN") == "zh-cn"
    assert language_code("english") is None and language_code("e1") is None
    assert is_day("2024-02-29") and not is_day("2023-02-29") and not is_day("2024-2-1")


def test_hit_lines() -> None:
    assert hit_lines(2, HIT) == [
        "2. Tram line opens  (en, 2024-05-02, City Post)",
        "   tram.txt",
        "   the new [tram] line",
    ]
    bare = HIT._replace(title=None, language=None, published=None, publisher=None)
    assert hit_lines(1, bare)[0] == "1. (no title)"


def test_hits_as_csv() -> None:
    out = io.StringIO()
    assert write_hits_csv(out, [HIT]) == 1
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[0] == ["rank", *Hit._fields] and rows[1][:3] == ["1", "3", "d3"]
    empty = io.StringIO()
    write_hits_csv(empty, [])
    assert empty.getvalue() == ",".join(["rank", *Hit._fields]) + "\r\n"


def test_export_formats_and_absent_languages(seed_db: Path) -> None:
    with Archive(str(seed_db), write=False) as arc:
        records = list(iter_records(arc))
        assert languages_if_absent(arc, records[0]["language"]) is None
        present = languages_if_absent(arc, "xx")
        assert present == sorted({r["language"] for r in records if r["language"]})
    jsonl, text, table = io.StringIO(), io.StringIO(), io.StringIO()
    write_records(jsonl, records, "jsonl")
    write_records(text, records, "text")
    write_records(table, records, "csv")
    assert [json.loads(line) for line in jsonl.getvalue().splitlines()] == records
    assert text.getvalue() == "\f\n".join(r["text"] + "\n" for r in records)
    header = next(csv.reader(io.StringIO(table.getvalue())))
    assert header == list(EXPORT_COLUMNS) and set(RECORD_FIELDS) <= set(header)
