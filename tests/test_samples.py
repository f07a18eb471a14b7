"""Golden samples: text and metadata exactly as the gold files, via the API and the CLI."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from cleaner import clean
from cleaner.cli import cli
from tests.conftest import SAMPLES, raw_path, sample_names

GOLD_FIELDS = (
    "title",
    "language",
    "published",
    "published_source",
    "modified",
    "modified_source",
    "page_date",
    "publisher",
    "category",
    "author",
)
NAMES = sample_names()


def gold(name: str) -> dict:
    return json.loads((SAMPLES / f"{name}.gold.json").read_text(encoding="utf-8"))


def test_there_are_samples() -> None:
    assert len(NAMES) >= 5


@pytest.mark.parametrize("name", NAMES)
def test_sample_through_api(name: str, request: pytest.FixtureRequest) -> None:
    doc = clean(raw_path(name).read_bytes(), source=str(raw_path(name)))
    if request.config.getoption("--update-golden"):
        data = gold(name)
        data.update({"text": doc.text, **{f: getattr(doc, f) for f in GOLD_FIELDS}})
        (SAMPLES / f"{name}.gold.json").write_text(
            json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        (SAMPLES / f"{name}.gold.txt").write_text(doc.text + "\n", encoding="utf-8")
    expected = gold(name)
    assert doc.text == expected["text"]
    assert {f: getattr(doc, f) for f in GOLD_FIELDS} == {f: expected[f] for f in GOLD_FIELDS}


@pytest.mark.parametrize("name", NAMES)
def test_sample_gold_txt_matches_gold_json(name: str) -> None:
    txt = (SAMPLES / f"{name}.gold.txt").read_text(encoding="utf-8")
    assert txt.rstrip("\n") == gold(name)["text"]


@pytest.mark.parametrize("name", NAMES)
def test_sample_through_cli_stdin_text(name: str) -> None:
    result = CliRunner().invoke(cli, ["clean"], input=raw_path(name).read_bytes())
    assert result.exit_code == 0, result.output
    assert result.stdout == gold(name)["text"] + "\n"


@pytest.mark.parametrize("name", NAMES)
def test_sample_through_cli_file_json(name: str) -> None:
    result = CliRunner().invoke(cli, ["clean", "--format", "json", str(raw_path(name))])
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    expected = gold(name)
    assert record["text"] == expected["text"]
    assert {f: record[f] for f in GOLD_FIELDS} == {f: expected[f] for f in GOLD_FIELDS}
    assert record["source"] == str(raw_path(name))


def test_explain_shows_both_ad_lines_of_seed_004() -> None:
    raw = raw_path("004_ca4b3b679c3f7ead").read_bytes()
    result = CliRunner().invoke(cli, ["clean", "--explain"], input=raw)
    ad_lines = [line for line in result.stdout.splitlines() if "Kwork.ru" in line]
    assert len(ad_lines) == 2
    assert all(line.startswith("- ads.") for line in ad_lines)
    assert any(
        line.startswith("+ Soldiers from the Collective") for line in result.stdout.splitlines()
    )


def test_drafts_finished_together_are_the_documents_clean_gives() -> None:
    """The CLI drafts a group of inputs and detects their languages together
    (pipeline.finish): each record must be the one `clean` gives for that input alone."""
    from cleaner.pipeline import draft, finish

    raws = [p.read_bytes() for p in sorted(SAMPLES.glob("*.raw.*"))]
    alone = [clean(raw, source=str(i)).to_record() for i, raw in enumerate(raws)]
    together = finish([draft(raw, source=str(i)) for i, raw in enumerate(raws)])
    assert [doc.to_record() for doc in together] == alone
