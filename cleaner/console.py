"""The terminal side of a command-line run: a progress display, rule warnings shown once,
one-line error and warning messages, the errors that end a command before it starts
(`usage_errors`), the Dask client of `--dask`, and `run_cli`, the last-resort handling that
keeps every failure to one line and an exit code.

The `cleaner` command uses them around its click commands; they hold no click command
themselves, so a program that wraps the library in its own command line can use them too.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import sys
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import Any, NoReturn

import click

from cleaner.errors import ArchiveError, RuleFileError
from cleaner.render import one_line


def fail_usage(message: str) -> NoReturn:
    """`cleaner: error: message` on one line, exit 2: the command could not start."""
    click.echo(one_line(f"cleaner: error: {message}"), err=True)
    sys.exit(2)


def report(source: str, reason: str) -> None:
    """One line per failed input, always naming it (control characters escaped)."""
    click.echo(one_line(f"cleaner: {source}: {reason}"), err=True)


def warn(source: str, reason: str) -> None:
    """One line for an input skipped on purpose, or a worker that had to be replaced."""
    click.echo(one_line(f"cleaner: warning: {source}: {reason}"), err=True)


@contextlib.contextmanager
def usage_errors(
    debug: bool = False,
    *,
    also: type[Exception] | tuple[type[Exception], ...] = (),
    prefix: str = "",
) -> Iterator[None]:
    """Errors that stop a command before it does its work are one line and exit 2: unreadable
    rules (`RuleFileError`), a file that is not a usable archive, a port in use
    (`ArchiveError`), and the exceptions in `also`, whose message follows `prefix`. With
    `debug`, they propagate: the traceback is what --debug is for."""
    try:
        yield
    except (ArchiveError, RuleFileError) as exc:
        if debug:
            raise
        fail_usage(str(exc))
    except also as exc:
        if debug:
            raise
        fail_usage(f"{prefix}{exc}")


@contextlib.contextmanager
def dask_client(scheduler: str | None, debug: bool = False, quiet: bool = False) -> Iterator[Any]:
    """The Dask client for --dask (None without it: Dask is then never imported); unless
    `quiet`, one line on stderr names the cluster and its dashboard. Dask not installed, or a
    scheduler that cannot be started or reached, is a usage error (exit 2)."""
    if scheduler is None:
        yield None
        return
    try:
        from cleaner.dask import connected
    except ImportError:
        fail_usage("--dask needs Dask: pip install 'cleaner[dask]'")
    with contextlib.ExitStack() as stack:
        try:
            say = None if quiet else functools.partial(click.echo, err=True)
            client = stack.enter_context(connected(scheduler, announce=say))
        except (OSError, ValueError, TimeoutError) as exc:
            if debug:
                raise
            fail_usage(f"--dask {scheduler}: cannot start or reach the scheduler ({exc})")
        yield client


@contextlib.contextmanager
def progress(
    label: str,
    *,
    total: int | None = None,
    quiet: bool = False,
    quiet_when_stdout_is_terminal: bool = False,
) -> Iterator[Callable[[int], None]]:
    """A rich progress display on standard error when it is a terminal; yields `advance(n)`.

    With a `total`: a bar, count of total, rate, elapsed time and ETA. Without: a spinner,
    the count and the rate. Nothing is drawn with `quiet`, when standard error is not a
    terminal (logs, CI), or, for commands that print documents, when standard output is the
    same terminal: the display would be drawn between the documents.
    """
    if quiet or not sys.stderr.isatty() or (quiet_when_stdout_is_terminal and sys.stdout.isatty()):
        yield lambda n: None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    rate = TextColumn("{task.fields[rate]}")
    columns: list[Any] = [SpinnerColumn(), "{task.description}"]
    if total is not None:
        columns += [BarColumn(), MofNCompleteColumn(), TaskProgressColumn(), rate]
        columns += [TimeElapsedColumn(), "eta", TimeRemainingColumn()]
    else:
        columns += [MofNCompleteColumn(), rate, TimeElapsedColumn()]
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=total, rate="")

        def advance(n: int) -> None:
            speed = bar.tasks[0].speed
            bar.update(task, advance=n, rate=f"{speed:,.0f}/s" if speed else "")

        yield advance


@contextlib.contextmanager
def rule_warnings() -> Iterator[None]:
    """Print each rule's timeout warning once, as one `cleaner: warning:` line.

    `clean()` stays pure: the rule engine only raises a Python warning; this is the CLI's way of
    showing it. Worker processes (--jobs) inherit it, so each may print a rule once.
    """
    from cleaner.ruleset import RuleTimeoutWarning

    shown: set[str] = set()

    def show(message: Any, category: Any, *args: Any, **kwargs: Any) -> None:
        if isinstance(message, RuleTimeoutWarning):
            if message.rule_id not in shown:
                shown.add(message.rule_id)
                click.echo(f"cleaner: warning: {message}", err=True)
        else:
            click.echo(f"cleaner: warning: {message}", err=True)

    with warnings.catch_warnings():
        warnings.simplefilter("always", RuleTimeoutWarning)
        warnings.showwarning = show
        yield


class _ClosedStream:
    """Standard output when the process was started with it closed (`cleaner clean >&-`):
    Python leaves `sys.stdout` None, and the first write would be an AttributeError."""

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, "standard output is closed")

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


def _silence_stdout() -> None:
    """After standard output failed (closed pipe, full disk), send what is still buffered to
    /dev/null, so the interpreter's last flush neither fails again nor prints a traceback."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, AttributeError, ValueError):
        pass


def run_cli(main: Callable[[], Any], argv: Sequence[str] | None) -> int:
    """Run the click command and turn every way it can fail into one line and an exit code.

    - standard output closed by its reader (`cleaner search db x | head -1`): exit 0, quietly,
      as `cat` does under `set -o pipefail`;
    - any other OSError (a full disk, standard output closed), MemoryError or unexpected
      exception: `cleaner: error: ...` on one line and exit 1; with --debug, the traceback.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    if sys.stdout is None:
        sys.stdout = _ClosedStream()
    try:
        try:
            code = main()
        except SystemExit as exc:  # the commands' own exit codes (sys.exit)
            code = exc.code
            if type(sys.stdout).__name__ == "_PacifyFlushWrapper":
                # click met EPIPE and exits 1 even outside standalone mode: a reader that
                # stopped reading is not a failure
                _silence_stdout()
                return 0
        sys.stdout.flush()  # a full disk shows at the flush: fail here, not at exit
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.Abort as exc:
        if isinstance(exc.__cause__, KeyboardInterrupt):
            click.echo("cleaner: interrupted", err=True)
            return 130
        click.echo("Aborted!", err=True)
        return 1
    except KeyboardInterrupt:
        click.echo("cleaner: interrupted", err=True)
        return 130
    except BrokenPipeError:
        _silence_stdout()
        return 0
    except OSError as exc:
        if exc.errno == errno.EPIPE:
            _silence_stdout()
            return 0
        if debug:
            raise
        _silence_stdout()
        where = " writing the output" if exc.errno in (errno.ENOSPC, errno.EBADF) else ""
        reason = exc.strerror or str(exc)
        click.echo(one_line(f"cleaner: error{where}: {reason[:1].lower()}{reason[1:]}"), err=True)
        return 1
    except MemoryError:
        if debug:
            raise
        click.echo("cleaner: error: out of memory", err=True)
        return 1
    except Exception as exc:  # noqa: BLE001 - the last resort: one line, --debug for more
        if debug:
            raise
        message = f"internal error ({type(exc).__name__}: {exc}); rerun with --debug"
        click.echo(one_line(f"cleaner: error: {message}"), err=True)
        return 1
    if isinstance(code, str):
        click.echo(one_line(code), err=True)
        return 1
    return code if isinstance(code, int) else 0
