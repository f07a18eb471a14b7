"""What the commands share: option groups declared once, and the command class that makes a
library error that stops a command one line on standard error.

Click code only. An option group that stands for one library object passes that object on:
`input_options` turns PATHS and the input options into a `cleaner.sources.Sources`,
`rule_options` --rules and --no-default-rules into the loaded `Ruleset`.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import click

from cleaner import limits
from cleaner.console import usage_errors
from cleaner.sources import Sources, is_datetime

if TYPE_CHECKING:
    from cleaner.ruleset import Ruleset

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


class Command(click.Command):
    """A command whose usage errors (unreadable rules, a file that is not an archive, a port
    in use: `cleaner.console.usage_errors`) are one line and exit 2; with --debug, a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        with usage_errors(debug=ctx.params.get("debug", False)):
            return super().invoke(ctx)


def options(*decorators: Decorator) -> Decorator:
    """Several click decorators as one; they show in --help in the order given."""

    def apply(func: Callable[..., Any]) -> Callable[..., Any]:
        for decorator in reversed(decorators):
            func = decorator(func)
        return func

    return apply


def _passing(name: str, make: Callable[..., Any], *names: str) -> Decorator:
    """Call the command with `name=make(...)` in place of its keyword arguments `names`."""

    def wrap(func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)  # shares func's __click_params__: options declared below stay
        def command(**kwargs: Any) -> Any:
            kwargs[name] = make(**{given: kwargs.pop(given) for given in names})
            return func(**kwargs)

        return command

    return wrap


debug_option = click.option(
    "--debug", is_flag=True, help="Show tracebacks instead of one-line errors."
)
quiet_option = click.option(
    "--quiet", "-q", is_flag=True, help="No progress display, summary or warnings; errors only."
)
templates_option = click.option(
    "--templates/--no-templates",
    "use_templates",
    default=True,
    help="Clean with the site templates the archive has learned, and (archive) count this "
    "run's documents into them. On by default.",
)


def _ruleset(rule_dirs: tuple[str, ...], no_default_rules: bool) -> Ruleset:
    from cleaner.ruleset import load_ruleset  # a bad rule file: exit 2 (Command)

    return load_ruleset(rule_dirs, defaults=not no_default_rules)


rule_options = options(
    click.option(
        "--rules",
        "rule_dirs",
        multiple=True,
        type=click.Path(),
        metavar="DIR",
        help="Extra rule files (every *.toml in DIR), added to the built-in ones. Repeatable.",
    ),
    click.option("--no-default-rules", is_flag=True, help="Use only the rules given with --rules."),
    _passing("ruleset", _ruleset, "rule_dirs", "no_default_rules"),  # before any input is read
)


def _iso_datetime(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Relative dates are resolved against it, so a typo must not pass silently (exit 2)."""
    if value is not None and not is_datetime(value):
        raise click.BadParameter(f"{value!r} is not an ISO 8601 date or date-time")
    return value


def _sources(**given: Any) -> Sources:
    return Sources.from_options(stdin=sys.stdin.buffer, **given)


input_options = options(
    click.argument("paths", nargs=-1, type=click.Path(allow_dash=True)),
    click.option(
        "--input",
        "input_kind",
        type=click.Choice(["auto", "text", "html", "jsonl", "warc"]),
        default="auto",
        show_default=True,
        help="Input kind; auto detects by extension, then by content.",
    ),
    click.option("--url", help="URL of a single document read from standard input."),
    click.option(
        "--fetched-at",
        callback=_iso_datetime,
        help="When a single document on standard input was fetched (ISO 8601).",
    ),
    click.option(
        "--jobs",
        type=click.IntRange(1, 64),
        default=1,
        show_default=True,
        help="Worker processes for batches.",
    ),
    click.option(
        "--dask",
        "dask_scheduler",
        metavar="SCHEDULER",
        help="Run on a Dask cluster: local, local:N (N worker processes on this "
        "machine) or a scheduler's address (tcp://host:8786). Needs 'cleaner[dask]'.",
    ),
    click.option(
        "--max-size",
        type=click.IntRange(1, 4096),
        default=20,
        show_default=True,
        metavar="MB",
        help="Largest input document accepted.",
    ),
    debug_option,
    _passing("sources", _sources, "paths", "input_kind", "url", "fetched_at", "max_size"),
)


def _set_limit(ctx: click.Context, param: click.Parameter, value: int) -> int:
    """Set for this process and its workers before any input is cleaned (0: no limit)."""
    limits.configure(replace(limits.current(), **{str(param.name): value or None}))
    return value


limit_options = options(  # the per-document work bounds of cleaner.limits
    click.option(
        "--max-elements",
        type=click.IntRange(0),
        default=limits.DEFAULT_MAX_ELEMENTS,
        show_default=True,
        callback=_set_limit,
        expose_value=False,
        help="HTML with more elements skips article extraction for a plain tag strip, "
        "flagged in the record's 'limited' field (0: no limit).",
    ),
    click.option(
        "--max-lines",
        type=click.IntRange(0),
        default=limits.DEFAULT_MAX_LINES,
        show_default=True,
        callback=_set_limit,
        expose_value=False,
        help="Refuse a document with more lines than this (0: no limit).",
    ),
)
