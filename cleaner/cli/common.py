"""What the commands share: rule and input options, error lines, the Dask client.

Click code only: the batch engine (groups, --jobs workers) is `cleaner.batch`; output
formats are `cleaner.render`; progress and rule warnings are `cleaner.console`.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import click

from cleaner.errors import RuleFileError
from cleaner.render import one_line
from cleaner.sources import Sources

if TYPE_CHECKING:
    from cleaner.ruleset import Ruleset
# The rules (and the pipeline, in cleaner.batch) are imported by the functions that use them:
# `cleaner search`, `export` and `serve` use this module's options and error lines only.


def rule_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """--rules DIR (repeatable) and --no-default-rules."""
    func = click.option(
        "--no-default-rules", is_flag=True, help="Use only the rules given with --rules."
    )(func)
    func = click.option(
        "--rules",
        "rule_dirs",
        multiple=True,
        type=click.Path(),
        metavar="DIR",
        help="Extra rule files (every *.toml in DIR), added to the built-in ones. Repeatable.",
    )(func)
    return func


def input_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """The input options shared by `clean` and `archive`."""
    for decorator in reversed(
        [
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
            click.option(
                "--debug", is_flag=True, help="Show tracebacks instead of one-line errors."
            ),
        ]
    ):
        func = decorator(func)
    return func


def _iso_datetime(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Relative dates are resolved against it, so a typo must not pass silently (exit 2)."""
    if value is None:
        return None
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO 8601 date or date-time") from None
    return value


def input_sources(
    paths: Sequence[str], input_kind: str, url: str | None, fetched_at: str | None, max_size: int
) -> Sources:
    """The inputs the paths and the input options name ('-' or no path: standard input)."""
    return Sources(
        paths,
        kind=input_kind,
        stdin=sys.stdin.buffer,
        url=url,
        fetched_at=fetched_at,
        max_bytes=max_size * 1024 * 1024,
    )


def build_ruleset(rule_dirs: Iterable[str], no_default_rules: bool, debug: bool = False) -> Ruleset:
    """The ruleset for this run; a malformed rule file is a usage error (exit 2).

    Called before any input is read, so a typo in a rule never costs a half-processed batch.
    """
    from cleaner.ruleset import load_ruleset

    try:
        return load_ruleset(rule_dirs, defaults=not no_default_rules)
    except RuleFileError as exc:
        if debug:
            raise
        fail_usage(str(exc))
        raise  # unreachable


def fail_usage(message: str) -> None:
    click.echo(one_line(f"cleaner: error: {message}"), err=True)
    sys.exit(2)


def report(source: str, reason: str) -> None:
    """One line per failed input, always naming it (control characters escaped)."""
    click.echo(one_line(f"cleaner: {source}: {reason}"), err=True)


def warn(source: str, reason: str) -> None:
    click.echo(one_line(f"cleaner: warning: {source}: {reason}"), err=True)


@contextlib.contextmanager
def dask_client(scheduler: str | None, debug: bool = False, quiet: bool = False) -> Iterator[Any]:
    """The Dask client for --dask (None without it: Dask is then never imported); unless
    `quiet`, one line on stderr names the cluster and its dashboard."""
    if scheduler is None:
        yield None
        return
    try:
        from cleaner.dask import connected
    except ImportError:
        fail_usage("--dask needs Dask: pip install 'cleaner[dask]'")
    with contextlib.ExitStack() as stack:
        try:
            say = None if quiet else lambda line: click.echo(line, err=True)
            client = stack.enter_context(connected(scheduler, announce=say))
        except (OSError, ValueError, TimeoutError) as exc:
            if debug:
                raise
            fail_usage(f"--dask {scheduler}: cannot start or reach the scheduler ({exc})")
        yield client
