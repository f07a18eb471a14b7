"""The docs are kept true by tests (sqlite-utils' test_docs.py is the model).

docs/cli.md and docs/rules.md are generated (`make docs`); the rest checks what generation
cannot: every option has help text, every command an example, every record field is in the
contract, and the README names every command a user runs.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import click
import pytest

from cleaner.document import RECORD_FIELDS

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("gen_docs", ROOT / "scripts" / "gen_docs.py")
assert _spec is not None and _spec.loader is not None
gen_docs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gen_docs)

COMMANDS = list(gen_docs.commands())


def _command_id(value: object) -> str:
    return " ".join(["cleaner", *value]) if isinstance(value, list) else ""


@pytest.mark.parametrize(
    "path, render", list(gen_docs.TARGETS.items()), ids=[p.name for p in gen_docs.TARGETS]
)
def test_generated_docs_are_current(path: Path, render) -> None:
    assert path.exists(), f"{path.name} is missing: run `make docs`"
    assert path.read_text(encoding="utf-8") == render(), f"{path.name} is stale: run `make docs`"


@pytest.mark.parametrize("path, command", COMMANDS, ids=_command_id)
def test_every_option_has_help(path: list[str], command: click.Command) -> None:
    for param in command.params:
        if isinstance(param, click.Option) and not param.hidden:
            assert param.help, f"cleaner {' '.join(path)} {param.opts[0]}: no help text"


@pytest.mark.parametrize("path, command", COMMANDS, ids=_command_id)
def test_every_command_has_an_example(path: list[str], command: click.Command) -> None:
    if isinstance(command, click.Group) and path:
        return  # a group's sub-commands carry the examples
    assert "Example" in (command.help or ""), f"cleaner {' '.join(path)}: no example in --help"


def test_every_record_field_is_in_the_contract() -> None:
    spec = (ROOT / "docs" / "spec.md").read_text(encoding="utf-8")
    first_cells = re.findall(r"^\| ([^|]+) \|", spec, flags=re.M)
    documented = {name for cell in first_cells for name in re.findall(r"`(\w+)`", cell)}
    missing = [name for name in RECORD_FIELDS if name not in documented]
    assert not missing, f"record fields missing from docs/spec.md: {missing}"


def test_readme_names_every_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for path, _ in COMMANDS:
        if len(path) == 1:
            assert f"cleaner {path[0]}" in readme, f"README.md never shows `cleaner {path[0]}`"


def test_readme_explain_example_is_what_the_command_prints() -> None:
    """The README's `--explain` block is real output of one sample (long lines cut with ...)."""
    from click.testing import CliRunner

    from cleaner.cli import cli

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("`--explain` shows why each line went:", 1)[1].split("```")[1]
    shown = [line.removesuffix(" ...") for line in block.strip().splitlines()]
    outputs = [
        CliRunner().invoke(cli, ["clean", "--explain", str(path)]).output.splitlines()
        for path in sorted((ROOT / "samples").glob("00*.raw.txt"))
    ]
    assert any(all(any(line.startswith(s) for line in out) for s in shown) for out in outputs), (
        "README's --explain example no longer matches any sample's output"
    )
