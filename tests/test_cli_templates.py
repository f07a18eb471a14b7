"""`cleaner clean` learns site templates over a batch: files, folders, JSON Lines, stdin, --jobs.

Pages come from tests/test_templates.py's synthetic site; the batches are written to tmp_path.
"""

from __future__ import annotations

import json
import select
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from cleaner.cli import cli
from cleaner.templates import RULE_ID
from tests.test_templates import ARTICLES, SHARED, page, url

CLEANER = str(Path(sys.executable).with_name("cleaner"))
COPYRIGHT = "© 2024 Daily Harbour Gazette. All rights reserved.\n"


def run(args: list[str], stdin: bytes | None = None) -> Result:
    return CliRunner().invoke(cli, ["clean", *args], input=stdin)


def jsonl(path: Path, pages: Sequence[tuple[str | None, str]]) -> Path:
    with path.open("w", encoding="utf-8") as out:
        for i, (address, text) in enumerate(pages):
            out.write(json.dumps({"id": f"d{i}", "url": address, "text": text}) + "\n")
    return path


def records(result: Result) -> list[dict[str, object]]:
    assert result.exit_code == 0, (result.stderr, result.exception)
    return [json.loads(line) for line in result.stdout.splitlines()]


def template_lines(record: dict[str, object]) -> list[str]:
    removed = record["removed"]
    assert isinstance(removed, list)
    return [r["text"] for r in removed if r["rule"] == RULE_ID]


def test_a_jsonl_batch_of_one_site_loses_menu_and_footer(tmp_path: Path) -> None:
    batch = jsonl(
        tmp_path / "b.jsonl", [(url(i), page(i, extra=[SHARED] * (i < 2))) for i in range(5)]
    )
    on = records(run([str(batch), "--format", "jsonl"]))
    off = records(run([str(batch), "--format", "jsonl", "--no-templates"]))
    for i, (with_t, without) in enumerate(zip(on, off, strict=True)):
        assert {"Sport", "Terms of use"} <= set(template_lines(with_t))
        assert "Terms of use" not in str(with_t["text"])
        assert ARTICLES[i][1] in str(with_t["text"]) and ARTICLES[i][2] in str(with_t["text"])
        assert with_t["title"] == ARTICLES[i][0]
        assert template_lines(without) == []
    assert SHARED in str(on[0]["text"]) and SHARED in str(on[1]["text"])


def test_pages_without_a_url_are_not_learned_from(tmp_path: Path) -> None:
    """Their site would be the publisher, known only by cleaning each page twice: the batch
    runs in one cleaning pass and its output is what --no-templates gives."""
    folder = tmp_path / "site"
    folder.mkdir()
    for i in range(5):
        (folder / f"p{i}.txt").write_text(page(i) + COPYRIGHT, encoding="utf-8")
    result = run([str(folder), "--explain"])
    assert result.exit_code == 0, result.stderr
    assert RULE_ID not in result.stdout
    assert result.stdout == run([str(folder), "--explain", "--no-templates"]).stdout


def test_explain_names_the_template_rule(tmp_path: Path) -> None:
    batch = jsonl(tmp_path / "b.jsonl", [(url(i), page(i)) for i in range(3)])
    out = run([str(batch), "--explain"]).stdout
    assert f"- {RULE_ID}  Terms of use" in out


def test_sites_in_one_batch_keep_their_own_templates(tmp_path: Path) -> None:
    other_menu = ["Harbour Radio", "Listen live", "Podcasts"]
    pages: list[tuple[str | None, str]] = []
    for i in range(3):
        pages.append((url(i), page(i)))
        pages.append((url(i, "radio.example"), page(i, menu=other_menu)))
    pages.append((url(4, "small.example"), page(4)))  # one page: no template of its own
    out = records(run([str(jsonl(tmp_path / "b.jsonl", pages)), "--format", "jsonl"]))
    gazette, radio, small = out[0], out[1], out[-1]
    assert "Sport" in template_lines(gazette) and "Listen live" not in template_lines(gazette)
    assert "Listen live" in template_lines(radio) and "Sport" not in template_lines(radio)
    assert template_lines(small) == []


def test_stdin_is_spooled_and_gives_the_same_result_as_a_file(tmp_path: Path) -> None:
    batch = jsonl(tmp_path / "b.jsonl", [(url(i), page(i)) for i in range(4)])
    from_file = run([str(batch), "--format", "jsonl"])
    from_stdin = run(["--format", "jsonl", "--templates"], batch.read_bytes())
    piped, read = records(from_stdin), records(from_file)
    assert [r["source"] for r in piped] == ["-"] * 4
    for r in piped + read:
        r.pop("source")
    assert piped == read
    assert all(template_lines(r) for r in piped)


def test_jobs_give_the_same_output(tmp_path: Path) -> None:
    batch = jsonl(tmp_path / "b.jsonl", [(url(i), page(i)) for i in range(5)] * 4)
    one = run([str(batch), "--format", "jsonl"])
    two = run([str(batch), "--format", "jsonl", "--jobs", "2"])
    assert two.exit_code == 0, two.stderr
    assert two.stdout == one.stdout
    assert all(template_lines(r) for r in records(two))


def test_a_single_document_is_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "one.txt"
    path.write_text(page(0) + COPYRIGHT, encoding="utf-8")
    on, off = (
        run([str(path), "--format", "json"]),
        run([str(path), "--format", "json", "--no-templates"]),
    )
    assert on.exit_code == 0 and on.stdout == off.stdout


def test_failures_are_reported_once_and_the_rest_still_learns(tmp_path: Path) -> None:
    batch = tmp_path / "b.jsonl"
    jsonl(batch, [(url(i), page(i)) for i in range(4)])
    with batch.open("a", encoding="utf-8") as out:
        out.write("{not json\n")
    (tmp_path / "missing.txt").unlink(missing_ok=True)
    result = run([str(batch), str(tmp_path / "missing.txt"), "--format", "jsonl"])
    assert result.exit_code == 1
    errors = [x for x in result.stderr.splitlines() if x.strip()]
    assert len(errors) == 2, errors
    records = [json.loads(x) for x in result.stdout.splitlines()]
    assert [("error" in r) for r in records] == [False] * 4 + [True, True]  # in their places
    assert all(template_lines(r) for r in records[:4])


def test_standard_input_streams_without_templates_by_default(tmp_path: Path) -> None:
    """A pipe is cleaned as it comes: output starts while the writer still holds it open
    (with templates the whole stream would first have to be read and spooled)."""
    pages = [(url(i), page(i % len(ARTICLES))) for i in range(300)]
    batch = jsonl(tmp_path / "b.jsonl", pages).read_bytes()
    proc = subprocess.Popen(
        [CLEANER, "clean", "--format", "jsonl"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert proc.stdin is not None and proc.stdout is not None
    stdin = proc.stdin

    def feed() -> None:  # in a thread: the pipes are small, cleaner writes while we write
        stdin.write(batch)  # 300 records, and the pipe stays open
        stdin.flush()

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    rest = b""
    try:
        ready, _, _ = select.select([proc.stdout], [], [], 60)
        assert ready, "no output while standard input was still open"
        first = json.loads(proc.stdout.readline())
        assert first["url"] == url(0) and not template_lines(first)
        while writer.is_alive():  # keep draining so the writer can finish
            rest += proc.stdout.read1(65536)
    finally:
        writer.join(timeout=60)
        stdin.close()
        rest += proc.stdout.read()
        proc.wait(timeout=60)
    assert proc.returncode == 0 and len(rest.splitlines()) == 299


def test_a_real_pipe_with_and_without_templates(tmp_path: Path) -> None:
    """A pipe cannot seek: with templates it is spooled, without it is read once as before."""
    data = jsonl(tmp_path / "b.jsonl", [(url(i), page(i)) for i in range(3)]).read_bytes()
    outs = {}
    for flag in ("--templates", "--no-templates"):
        proc = subprocess.run(
            [CLEANER, "clean", "--format", "jsonl", flag], input=data, capture_output=True
        )
        assert proc.returncode == 0, proc.stderr.decode()
        outs[flag] = [json.loads(x) for x in proc.stdout.decode().splitlines()]
    assert all(template_lines(r) for r in outs["--templates"])
    assert not any(template_lines(r) for r in outs["--no-templates"])


def test_pages_of_sites_too_small_for_a_template_are_never_hashed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The URL census spares the first pass for sites with fewer than 3 pages in the batch."""
    from cleaner import batch
    from cleaner.inputs import RawInput

    items = [RawInput(f"d{i}", page(i), f"d{i}", url=url(i)) for i in range(3)]
    items += [RawInput(f"s{i}", page(i), f"s{i}", url=url(i, "small.example")) for i in range(2)]
    items += [RawInput(f"n{i}", page(i), f"n{i}") for i in range(2)]  # no URL: two pages
    hashed: list[str | None] = []
    real = batch.template_keys

    def spy(raw: bytes | str, **kwargs: Any) -> Any:
        hashed.append(kwargs["url"])
        return real(raw, **kwargs)

    monkeypatch.setattr(batch, "template_keys", spy)
    learner = batch.learn_templates(lambda: iter(items))
    assert hashed == [url(i) for i in range(3)]
    assert set(learner.mapping()) == {"gazette.example"}
    hashed.clear()
    batch.learn_templates(lambda: iter(items[3:]))
    assert hashed == []
