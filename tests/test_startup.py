"""Commands load only what they use: searching an archive or printing help must not import the
pipeline, and cleaning plain text must not import the HTML and date libraries (issue 19)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("cleaner.pipeline", "numpy", "sqlite_utils", "regex", "dateparser", "trafilatura", "lxml")
HTML_AND_DATES = ("trafilatura", "lxml", "htmldate", "dateparser", "justext", "charset_normalizer")
# Runs one command in a fresh interpreter and prints which of the named modules it imported.
PROBE = """
import sys
from cleaner.cli import cli
names = sys.argv[1].split(",")
try:
    cli.main(args=sys.argv[2:], prog_name="cleaner", standalone_mode=False)
except SystemExit:
    pass
finally:
    loaded = [name for name in names if name in sys.modules]
    print("LOADED=" + ",".join(loaded), file=sys.stderr)
"""


def loaded_by(args: list[str], names: tuple[str, ...], stdin: bytes = b"") -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, ",".join(names), *args],
        input=stdin,
        capture_output=True,
        cwd=ROOT,
        check=False,
    )
    line = [x for x in result.stderr.decode().splitlines() if x.startswith("LOADED=")]
    assert line, result.stderr.decode()
    return [m for m in line[-1].removeprefix("LOADED=").split(",") if m]


@pytest.fixture(scope="module")
def archive_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("startup") / "a.db"
    sample = sorted((ROOT / "samples").glob("*.raw.txt"))[0]
    subprocess.run(
        [sys.executable, "-m", "cleaner.cli", "archive", str(db), str(sample)],
        check=False,
        capture_output=True,
    )
    if not db.exists():  # no __main__ in cleaner.cli: go through the click group
        from click.testing import CliRunner

        from cleaner.cli import cli

        CliRunner().invoke(cli, ["archive", str(db), str(sample)], catch_exceptions=False)
    return db


@pytest.mark.parametrize("args", [["--help"], ["search", "{db}", "Kazakhstan"], ["export", "{db}"]])
def test_commands_that_do_not_clean_do_not_load_the_pipeline(
    args: list[str], archive_db: Path
) -> None:
    args = [a.replace("{db}", str(archive_db)) for a in args]
    assert loaded_by(args, HEAVY) == []


def test_listing_rules_loads_the_rule_files_not_the_pipeline() -> None:
    assert loaded_by(["rules", "list"], ("cleaner.pipeline", "numpy", "dateparser")) == []


def test_cleaning_plain_text_loads_no_html_or_date_library() -> None:
    seed = sorted((ROOT / "samples").glob("000_*.raw.txt"))[0].read_bytes()
    assert loaded_by(["clean", "--input", "text"], HTML_AND_DATES, seed) == []


def test_the_probe_sees_what_a_command_loads(archive_db: Path) -> None:
    """The check above can fail: cleaning does load the pipeline."""
    seed = sorted((ROOT / "samples").glob("000_*.raw.txt"))[0].read_bytes()
    assert "cleaner.pipeline" in loaded_by(["clean"], HEAVY, seed)


# Counts the work a plain-text clean does once per process that it must not do twice or at all:
# building the built-in ruleset, and compiling a built-in rule pattern with `regex`.
WORK_PROBE = """
import sys
import regex
from cleaner import ruleset
builds, compiles = [], []
build = ruleset.build_ruleset
def counted_build(*args, **kwargs):
    builds.append(1)
    return build(*args, **kwargs)
ruleset.build_ruleset = counted_build
compile_ = regex.compile
def counted_compile(pattern, flags=0, *args, **kwargs):
    compiles.append(pattern)
    return compile_(pattern, flags, *args, **kwargs)
regex.compile = counted_compile
from cleaner.cli import cli
try:
    cli.main(args=["clean"], prog_name="cleaner", standalone_mode=False)
except SystemExit:
    pass
finally:
    print(f"BUILDS={len(builds)} COMPILES={len(compiles)}", file=sys.stderr)
"""


def test_plain_clean_builds_the_rules_once_and_compiles_no_builtin_pattern() -> None:
    """The CLI and the pipeline share the built-in ruleset, and the built-in patterns come
    compiled (cleaner/patterncache.py): each was ~15 ms, or ~45 ms, of `cleaner clean < seed`."""
    seed = sorted((ROOT / "samples").glob("*.raw.txt"))[0].read_bytes()
    result = subprocess.run(
        [sys.executable, "-c", WORK_PROBE],
        input=seed,
        capture_output=True,
        cwd=ROOT,
        check=False,
    )
    line = [x for x in result.stderr.decode().splitlines() if x.startswith("BUILDS=")]
    assert line, result.stderr.decode()
    assert line[-1] == "BUILDS=1 COMPILES=0"
