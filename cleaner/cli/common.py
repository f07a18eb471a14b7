"""What the commands share: rule options, the batch runner (with --jobs), error lines."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import click

from cleaner.document import Document
from cleaner.errors import CleanerError, RuleFileError
from cleaner.inputs import InputFailure, RawInput
from cleaner.pipeline import CleanOptions, clean
from cleaner.ruleset import Ruleset, load_ruleset


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
                "--fetched-at", help="When a single document on standard input was fetched (ISO)."
            ),
            click.option(
                "--jobs", type=click.IntRange(1, 64), default=1, show_default=True,
                help="Worker processes for batches.",
            ),
            click.option(
                "--max-size", type=click.IntRange(1, 4096), default=20, show_default=True,
                metavar="MB", help="Largest input document accepted.",
            ),
            click.option("--debug", is_flag=True, help="Show tracebacks instead of one-line errors."),
        ]
    ):
        func = decorator(func)
    return func


def build_ruleset(rule_dirs: Iterable[str], no_default_rules: bool) -> Ruleset:
    """The ruleset for this run; a malformed rule file is a usage error (exit 2)."""
    try:
        return load_ruleset(rule_dirs, defaults=not no_default_rules)
    except RuleFileError as exc:
        fail_usage(str(exc))
        raise  # unreachable


def fail_usage(message: str) -> None:
    click.echo(f"cleaner: error: {message}", err=True)
    sys.exit(2)


def report(source: str, reason: str) -> None:
    click.echo(f"cleaner: {source}: {reason}", err=True)


# --- cleaning a batch, in this process or in workers ---------------------------------------

_WORKER_OPTIONS: CleanOptions | None = None


def _init_worker(rule_dirs: tuple[str, ...], no_default_rules: bool, kind: str) -> None:
    global _WORKER_OPTIONS
    ruleset = load_ruleset(rule_dirs, defaults=not no_default_rules)
    _WORKER_OPTIONS = CleanOptions(ruleset=ruleset, input_kind=kind)


def clean_one(item: RawInput, options: CleanOptions | None = None) -> Document | InputFailure:
    """Clean one input; a library error becomes an InputFailure naming the input."""
    options = options or _WORKER_OPTIONS or CleanOptions()
    if item.kind != "auto" and item.kind != options.input_kind:
        options = CleanOptions(ruleset=options.ruleset, input_kind=item.kind)
    try:
        return clean(
            item.data,
            url=item.url,
            source=item.source,
            doc_id=item.doc_id,
            fetched_at=item.fetched_at,
            extra=item.extra,
            options=options,
        )
    except CleanerError as exc:
        return InputFailure(item.source, str(exc))
    except RecursionError:
        return InputFailure(item.source, "document too deeply nested to parse")


def _clean_in_worker(item: RawInput | InputFailure) -> Document | InputFailure:
    if isinstance(item, InputFailure):
        return item
    return clean_one(item)


def run_batch(
    items: Iterable[RawInput | InputFailure],
    *,
    ruleset: Ruleset,
    rule_dirs: tuple[str, ...],
    no_default_rules: bool,
    input_kind: str,
    jobs: int,
    debug: bool = False,
) -> Iterator[Document | InputFailure]:
    """Clean every item in input order, with `jobs` worker processes when asked."""
    kind = input_kind if input_kind in ("text", "html") else "auto"
    if jobs <= 1:
        options = CleanOptions(ruleset=ruleset, input_kind=kind)
        for item in items:
            if isinstance(item, InputFailure):
                yield item
            elif debug:
                yield clean(
                    item.data, url=item.url, source=item.source, doc_id=item.doc_id,
                    fetched_at=item.fetched_at, extra=item.extra,
                    options=CleanOptions(ruleset=ruleset, input_kind=item.kind
                                         if item.kind != "auto" else kind),
                )
            else:
                yield clean_one(item, options)
        return
    import multiprocessing

    ctx = multiprocessing.get_context("fork" if sys.platform != "win32" else "spawn")
    with ctx.Pool(jobs, _init_worker, (rule_dirs, no_default_rules, kind)) as pool:
        yield from pool.imap(_clean_in_worker, items, chunksize=16)
