"""The `cleaner` command: a thin click layer over the library.

Sub-commands live in their own modules and are imported only when called, so that
`cleaner --help` stays fast and `cleaner clean` on text never imports trafilatura.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import click

from cleaner import __version__

_COMMANDS = {
    "clean": ("cleaner.cli.clean_cmd", "clean", "Clean scrapes: article text and metadata out."),
    "archive": ("cleaner.cli.archive_cmds", "archive", "Clean and store into a SQLite archive."),
    "search": ("cleaner.cli.archive_cmds", "search", "Full-text search an archive."),
    "export": ("cleaner.cli.archive_cmds", "export", "Stream clean texts out of an archive."),
    "reclean": (
        "cleaner.cli.archive_cmds",
        "reclean",
        "Re-run the rules over archived raw documents.",
    ),
    "merge": ("cleaner.cli.archive_cmds", "merge", "Merge archives (e.g. --dask shards) into one."),
    "serve": ("cleaner.cli.archive_cmds", "serve", "Browse and search an archive in Datasette."),
    "rules": ("cleaner.cli.rules_cmd", "rules", "List, check and show rules."),
}


class LazyGroup(click.Group):
    """A group whose sub-commands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(_COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in _COMMANDS:
            return None
        module, attr, _ = _COMMANDS[name]
        try:
            command: click.Command = getattr(importlib.import_module(module), attr)
        except ImportError as exc:  # an optional part that is not built yet
            raise click.ClickException(f"'{name}' is not available: {exc}") from exc
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, help_text) for name, (_, _, help_text) in _COMMANDS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="cleaner")
def cli() -> None:
    """Turn raw web scrapes into clean article text, and keep them in a searchable archive.

    \b
    Examples:
      cat scrape.txt | cleaner clean
      cleaner clean scrapes/ --format jsonl > clean.jsonl
      cleaner clean --explain page.txt
      cleaner archive news.db scrapes/ && cleaner search news.db Kazakhstan
    """


def main(argv: list[str] | None = None) -> Any:
    """Console-script entry point: every failure one line (cleaner.console.run_cli)."""
    from cleaner.console import run_cli

    sys.exit(run_cli(lambda: cli.main(args=argv, prog_name="cleaner", standalone_mode=False), argv))
