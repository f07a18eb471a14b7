"""Generate docs/cli.md (every command's --help) and docs/rules.md (the rule registry).

The files are generated so that they cannot drift from the code: tests/test_docs.py renders
them again and fails when the committed copies differ. After changing a command, an option or
a rule, run `make docs` and commit the result.

    python scripts/gen_docs.py          # rewrite both files
    python scripts/gen_docs.py --check  # exit 1 when either is stale
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path

import click
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
CLI_MD = ROOT / "docs" / "cli.md"
RULES_MD = ROOT / "docs" / "rules.md"
WIDTH = 100


def commands() -> Iterator[tuple[list[str], click.Command]]:
    """Every command path (`[]` is `cleaner` itself, then `["clean"]`, `["rules", "list"]`…)."""
    from cleaner.cli import cli

    ctx = click.Context(cli, info_name="cleaner")

    def walk(path: list[str], command: click.Command) -> Iterator[tuple[list[str], click.Command]]:
        yield path, command
        if isinstance(command, click.Group):
            for name in command.list_commands(ctx):
                sub = command.get_command(ctx, name)
                if sub is not None and not sub.hidden:
                    yield from walk([*path, name], sub)

    yield from walk([], cli)


def help_text(path: list[str]) -> str:
    """What `cleaner PATH --help` prints at a fixed width."""
    from cleaner.cli import cli

    result = CliRunner().invoke(
        cli,
        [*path, "--help"],
        prog_name="cleaner",
        terminal_width=WIDTH,
        max_content_width=WIDTH,
    )
    if result.exit_code != 0:
        raise RuntimeError(f"cleaner {' '.join(path)} --help exited {result.exit_code}")
    return result.output.rstrip() + "\n"


def render_cli() -> str:
    parts = [
        "# Command-line reference\n",
        "Generated from each command's `--help` by `scripts/gen_docs.py` (`make docs`);",
        "`tests/test_docs.py` fails when this file is stale.\n",
    ]
    for path, _ in commands():
        title = " ".join(["cleaner", *path])
        parts.append(f"## `{title}`\n\n```\n{help_text(path)}```\n")
    return "\n".join(parts)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_rules() -> str:
    from cleaner.ruleset import CATEGORIES, default_ruleset

    ruleset = default_ruleset()
    parts = [
        "# Rule reference\n",
        "Generated from `rules/*.toml` by `scripts/gen_docs.py` (`make docs`);",
        "`tests/test_docs.py` fails when this file is stale. `cleaner rules show ID` prints one",
        "rule and runs its examples.\n",
        "Properties say what later passes make of a line a rule removed: `inline`, an insert",
        "found inside articles (an ad, an editorial note), which the body model reads as such;",
        "`ad_mark`, an ad label or marking whose short next lines are the ad's copy",
        "(`generic.ad-copy`); `metadata`, a line taken into a field, unseen by the body model;",
        "`text_only`, a rule that removes in plain text only (on trafilatura's extraction of an",
        "HTML page it removed more article than boilerplate).\n",
    ]
    by_category: dict[str, list[str]] = {}
    for rule in ruleset.all_rules():
        lines = [f"### `{rule.id}`\n", f"{rule.description}\n"]
        if rule.code:
            lines.append(f"- decided in code: `{rule.code}`")
        else:
            langs = ", ".join(sorted(rule.languages)) or "all"
            lines.append(
                f"- removes: {rule.remove}; where: {rule.where}; languages: {langs}"
                + ("; preview" if rule.preview else "")
            )
        if rule.aliases:
            lines.append(f"- formerly: {', '.join(f'`{a}`' for a in rule.aliases)}")
        if rule.properties():
            lines.append(f"- properties: {', '.join(f'`{p}`' for p in rule.properties())}")
        lines.append(f"- file: `{rule.source_file}`")
        for example in rule.examples_remove:
            lines.append(f"- removes: `{_cell(example)}`")
        for example in rule.examples_keep:
            lines.append(f"- keeps: `{_cell(example)}`")
        by_category.setdefault(rule.category, []).append("\n".join(lines) + "\n")
    for category, description in CATEGORIES.items():
        if category not in by_category:
            continue
        parts.append(f"## {category}\n\n{description}.\n")
        parts.extend(by_category[category])
    return "\n".join(parts)


TARGETS = {CLI_MD: render_cli, RULES_MD: render_rules}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a file is stale")
    args = parser.parse_args(argv)
    stale = []
    for path, render in TARGETS.items():
        text = render()
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(path.relative_to(ROOT))
        else:
            path.write_text(text, encoding="utf-8")
    for path in stale:
        print(f"{path} is stale: run `make docs`", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
