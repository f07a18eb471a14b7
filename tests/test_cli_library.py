"""The library functions the `cleaner` commands are click code over (issue 16), called here
directly, without click: what the commands print and return is decided in them."""

from __future__ import annotations

import io
import json
import socket
import sqlite3
from pathlib import Path

import pytest
from cleaner.archive.runs import archive_run, end_run, merge_run, reclean_run, run_work, start_run
from cleaner.archive.search import Hit, hits_lines, language_warning, marks_for
from cleaner.archive.serve import serve
from cleaner.archive.store import Archive
from click.testing import CliRunner

from cleaner.clean_run import clean_run
from cleaner.cli import cli
from cleaner.console import usage_errors
from cleaner.errors import ArchiveError, RuleFileError
from cleaner.inputs import DEFAULT_MAX_BYTES
from cleaner.rulecheck import check_report, example_report, rule_table, table_count
from cleaner.ruleset import default_ruleset, load_ruleset
from cleaner.sources import Sources, is_datetime

EN = (
    "The river ferry between the two villages will run twice as often from next month.\n\n"
    "The council said the second boat, repaired over the winter, passed its inspection on Friday.\n"
)
FR = (
    "Le marché couvert de la ville rouvrira ses portes samedi après deux ans de travaux.\n\n"
    "Les commerçants ont retrouvé leurs anciens emplacements, a indiqué la mairie mardi.\n"
)
PROMO = """
[[rule]]
id = "user.promo"
category = "ads"
description = "A promo line"
pattern = '^Promo:'
examples_remove = ["Promo: half price today", "Sale: half price today"]
examples_keep = ["The promo ran for a week, the shop said."]
"""


def _inputs(tmp_path: Path, *texts: str) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    for n, text in enumerate(texts):
        (folder / f"{n}.txt").write_text(text, encoding="utf-8")
    return folder


# --- cleaner.console: errors that stop a command -------------------------------------------


def test_usage_errors_are_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped, usage_errors():
        raise ArchiveError("news.db: not a SQLite\ndatabase")
    assert stopped.value.code == 2
    assert capsys.readouterr().err == "cleaner: error: news.db: not a SQLite\\ndatabase\n"


def test_usage_errors_name_what_else_they_map(capsys: pytest.CaptureFixture[str]) -> None:
    with (
        pytest.raises(SystemExit),
        usage_errors(also=sqlite3.Error, prefix="a.db: export failed: "),
    ):
        raise sqlite3.OperationalError("disk I/O error")
    assert capsys.readouterr().err == "cleaner: error: a.db: export failed: disk I/O error\n"


def test_usage_errors_leave_other_errors_and_debug_alone() -> None:
    with pytest.raises(KeyError), usage_errors():
        raise KeyError("not a usage error")
    with pytest.raises(RuleFileError), usage_errors(debug=True):
        raise RuleFileError("rules/x.toml: x.y: bad pattern")


# --- cleaner.sources: the input options --------------------------------------------------------


def test_sources_from_options_takes_the_size_in_megabytes() -> None:
    sources = Sources.from_options(
        ["a.txt"], input_kind="html", url="https://x.test/", fetched_at="2024-05-01", max_size=3
    )
    assert (sources.paths, sources.kind, sources.url, sources.fetched_at) == (
        ["a.txt"],
        "html",
        "https://x.test/",
        "2024-05-01",
    )
    assert sources.max_bytes == 3 * 1024 * 1024 and not sources.reads_stdin
    default = Sources.from_options([])
    assert default.max_bytes == DEFAULT_MAX_BYTES and default.kind == "auto" and default.reads_stdin


@pytest.mark.parametrize("value", ["2024-05-01", "2024-05-01T10:00:00Z", "2024-05-01T10:00:00z"])
def test_iso_dates_and_times_are_accepted(value: str) -> None:
    assert is_datetime(value)


@pytest.mark.parametrize("value", ["yesterday", "2024-13-01", "01/05/2024", ""])
def test_other_dates_are_refused(value: str) -> None:
    assert not is_datetime(value)


# --- cleaner.clean_run: `cleaner clean` as a function ----------------------------------------


def test_clean_run_writes_what_the_command_writes(tmp_path: Path) -> None:
    folder = _inputs(tmp_path, EN, "  \n", FR)
    out = io.StringIO()
    status = clean_run(Sources([str(folder)]), default_ruleset(), out, fmt="jsonl")
    assert status == 1  # the blank input failed; the others are written
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [("error" in r, r.get("language")) for r in records] == [
        (False, "en"),
        (True, None),
        (False, "fr"),
    ]
    command = CliRunner().invoke(cli, ["clean", "--format", "jsonl", str(folder)])
    assert command.exit_code == 1 and command.stdout == out.getvalue()


def test_clean_run_skips_errors_and_streams_standard_input() -> None:
    out = io.StringIO()
    sources = Sources([], stdin=io.BytesIO(EN.encode()))
    assert clean_run(sources, default_ruleset(), out, fmt="jsonl", skip_errors=True) == 0
    assert json.loads(out.getvalue())["text"].startswith("The river ferry")
    out = io.StringIO()
    sources = Sources([], stdin=io.BytesIO(b"   \n"))
    assert clean_run(sources, default_ruleset(), out, fmt="jsonl", skip_errors=True) == 1
    assert out.getvalue() == ""


# --- cleaner.archive.runs: `archive`, `reclean`, `merge` as functions ----------------------------


def test_archive_reclean_and_merge_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _inputs(tmp_path, EN, FR)
    db, merged = tmp_path / "a.db", tmp_path / "m.db"
    assert archive_run(str(db), Sources([str(folder)]), default_ruleset()) == 0
    err = capsys.readouterr().err
    assert (
        err == f"cleaner: archive {db} (run 1): 2 added, 0 duplicates, 0 already stored, 0 failed\n"
    )
    assert reclean_run(str(db), default_ruleset(), all_rows=True, quiet=True) == 0
    assert capsys.readouterr().err == ""  # quiet: no summary unless interrupted
    assert merge_run(str(merged), [str(db)]) == 0
    assert "cleaner: merge" in capsys.readouterr().err
    with Archive(merged, write=False) as arc:
        assert arc.conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 2


def test_an_archive_run_with_a_failed_input_is_exit_1(tmp_path: Path) -> None:
    folder = _inputs(tmp_path, EN, " \n")
    assert archive_run(str(tmp_path / "a.db"), Sources([str(folder)]), default_ruleset()) == 1


def test_runs_refuse_what_is_not_an_archive(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("not a database", encoding="utf-8")
    with pytest.raises(ArchiveError, match="not a SQLite database"):
        archive_run(str(text), Sources([]), default_ruleset())
    with pytest.raises(ArchiveError, match="no such archive"):
        reclean_run(str(tmp_path / "missing.db"), default_ruleset())
    with pytest.raises(ArchiveError, match="not a SQLite database"):
        merge_run(str(tmp_path / "m.db"), [str(text)])


def test_a_failed_write_records_the_run_as_failed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "a.db"
    arc = Archive(db)
    run_id = start_run(arc, "archive", ["in/"], "v1")

    def work(hooks: object) -> None:
        raise ArchiveError(f"{db}: database or disk is full")

    assert run_work(arc, run_id, "archiving", work) is None
    assert capsys.readouterr().err == f"cleaner: error: {db}: database or disk is full\n"
    assert end_run(arc, run_id, None, "archive") == 1
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT status FROM runs WHERE id = ?", (run_id,)).fetchone() == (
            "failed",
        )


# --- cleaner.archive.search and serve ---------------------------------------------------------


def _hit(rank: int, title: str | None = None, url: str | None = None, **more: str) -> Hit:
    source, language = more.get("source"), more.get("language")
    return Hit(rank, None, title, url, source, language, None, None, None, 1.0, "a [ferry]")


def test_hits_as_text_and_json_lines() -> None:
    hits = [_hit(1, title="Ferry", url="https://x.test/1", language="en"), _hit(2, source="b.txt")]
    assert hits_lines(hits, "text") == [
        "1. Ferry  (en)",
        "   https://x.test/1",
        "   a [ferry]",
        "",
        "2. (no title)",
        "   b.txt",
        "   a [ferry]",
    ]
    assert [json.loads(line)["id"] for line in hits_lines(hits, "jsonl")] == [1, 2]
    assert hits_lines([], "text") == []


def test_marks_are_bold_only_for_text_on_a_terminal() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert marks_for(Terminal(), "text") == ("\x1b[1m", "\x1b[0m")
    assert marks_for(Terminal(), "jsonl") == marks_for(io.StringIO(), "text") == ("[", "]")


def test_language_warning_names_the_languages_held(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    assert archive_run(str(db), Sources([str(_inputs(tmp_path, EN, FR))]), default_ruleset()) == 0
    with Archive(db, write=False) as arc:
        assert language_warning(arc, "en") is None and language_warning(arc, None) is None
        assert language_warning(arc, "ru") == (
            "cleaner: warning: no articles in language 'ru' (the archive has: en, fr)"
        )


def test_serve_checks_before_it_starts(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    Archive(db).close()
    with pytest.raises(ArchiveError, match="add --i-know"):
        serve(str(db), "0.0.0.0", 8001, allow_sql=True)
    said: list[str] = []
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ArchiveError, match="already in use"):
            serve(str(db), "0.0.0.0", port, say=said.append)
    assert said == ["cleaner: WARNING: serving on 0.0.0.0: anyone who can reach this machine "
                    "can read the whole archive"]  # fmt: skip
    (tmp_path / "notes.txt").write_text("not a database", encoding="utf-8")
    with pytest.raises(ArchiveError, match="not a SQLite database"):
        serve(str(tmp_path / "notes.txt"), "127.0.0.1", 8001)


# --- cleaner.rulecheck: what `rules list|check|show` print -------------------------------------


def test_rules_check_and_show_reports(tmp_path: Path) -> None:
    (tmp_path / "promo.toml").write_text(PROMO, encoding="utf-8")
    ruleset = load_ruleset([tmp_path], defaults=False)
    lines, passed = check_report(ruleset)
    assert not passed and lines[-1].endswith(" examples, 1 failures.")
    assert lines[:-1] == ["FAIL user.promo: does not remove its example 'Sale: half price today'"]
    promo = ruleset.get("user.promo")
    assert promo is not None
    lines, passed = example_report(promo, ruleset)
    assert not passed and lines[-1] == "3 examples, 1 failed."
    code_rule = ruleset.get("meta.title")
    assert code_rule is not None and example_report(code_rule, ruleset) == ([], True)
    assert "user.promo" in [row[0] for row in rule_table(ruleset, "ads")]
    rows = [("a.x", "ads"), ("n.y", "navigation"), ("a.z", "ads")]
    assert table_count(rows) == "\n3 rules in 2 categories."
