"""The library side of `cleaner clean`'s output: formats, results written in input order,
the run summary, and inputs read twice (cleaner.render, cleaner.sources)."""

from __future__ import annotations

import io
import json
from pathlib import Path

from cleaner import clean
from cleaner.inputs import InputFailure, InputNotice, RawInput
from cleaner.render import Rendered, Writer, render, summary, write_results
from cleaner.sources import Sources

ARTICLE = (
    "The ferry to the northern islands will run twice a day from the first of June, the "
    "harbour office said on Tuesday, after a winter of single crossings."
)


def test_write_results_keeps_input_order_with_error_records() -> None:
    doc = clean(ARTICLE, doc_id="a")
    out = io.StringIO()
    failures: list[tuple[str, str]] = []
    notices: list[tuple[str, str]] = []
    advanced: list[int] = []
    writer = Writer(out, "jsonl")
    failed = write_results(
        [InputFailure("bad.txt", "nothing to clean", doc_id="7"), InputNotice("x", "loop"), doc],
        writer,
        on_failure=lambda source, reason: failures.append((source, reason)),
        on_notice=lambda source, reason: notices.append((source, reason)),
        error_records=True,
        advance=advanced.append,
    )
    writer.close()
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert failed == 1
    assert lines[0] == {"id": "7", "source": "bad.txt", "error": "nothing to clean"}
    assert lines[1]["id"] == "a" and lines[1]["text"] == doc.text
    assert failures == [("bad.txt", "nothing to clean")] and notices == [("x", "loop")]
    assert advanced == [1, 1]  # the notice is not an output


def test_write_results_without_error_records_writes_documents_only() -> None:
    doc = clean(ARTICLE)
    out = io.StringIO()
    writer = Writer(out, "text")
    failed = write_results(
        [InputFailure("bad.txt", "too big"), render(doc, "text")],
        writer,
        on_failure=lambda source, reason: None,
    )
    writer.close()
    assert failed == 1 and out.getvalue() == doc.text + "\n"
    assert isinstance(render(doc, "text"), Rendered)


def test_summary_counts_time_and_rate() -> None:
    assert summary(1200, 3, 2.0) == "cleaner: 1,200 cleaned, 3 failed in 2.0 s (600/s)"
    assert summary(0, 1, 0.5) == "cleaner: 0 cleaned, 1 failed in 0.5 s"


def test_spooled_standard_input_reads_the_same_twice() -> None:
    stdin = io.BytesIO(ARTICLE.encode())
    sources = Sources([], stdin=stdin, url="https://example.org/ferry")
    assert sources.reads_stdin
    with sources.spooled() as again:
        first = [item for item in again.read() if isinstance(item, RawInput)]
        second = [item for item in again.read() if isinstance(item, RawInput)]
        census = list(again.census())
    assert [i.data for i in first] == [i.data for i in second] == [ARTICLE.encode()]
    assert first[0].url == "https://example.org/ferry" and len(census) == 1
    assert sources.stdin is stdin  # restored after the block


def test_sources_of_files_are_not_spooled(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(ARTICLE)
    sources = Sources([str(tmp_path)], stdin=io.BytesIO(b"never read"))
    assert not sources.reads_stdin
    with sources.spooled() as same:
        assert same.stdin is sources.stdin
        assert [item.source for item in same.read()] == [str(tmp_path / "a.txt")]
