"""What the commands share: rule options, the batch runner (with --jobs), error lines."""

from __future__ import annotations

import contextlib
import sys
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any

import click

from cleaner.document import Document
from cleaner.errors import CleanerError, RuleFileError
from cleaner.inputs import InputFailure, InputNotice, RawInput
from cleaner.pipeline import (
    CleanOptions,
    Draft,
    draft_input,
    finish_drafts,
    in_place,
    template_keys,
    with_kind,
)
from cleaner.ruleset import Ruleset, RuleTimeoutWarning, load_ruleset
from cleaner.templates import TemplateLearner, Templates, site_key

Result = Document | InputFailure | InputNotice


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


def build_ruleset(rule_dirs: Iterable[str], no_default_rules: bool, debug: bool = False) -> Ruleset:
    """The ruleset for this run; a malformed rule file is a usage error (exit 2).

    Called before any input is read, so a typo in a rule never costs a half-processed batch.
    """
    try:
        return load_ruleset(rule_dirs, defaults=not no_default_rules)
    except RuleFileError as exc:
        if debug:
            raise
        fail_usage(str(exc))
        raise  # unreachable


def fail_usage(message: str) -> None:
    from cleaner.cli.output import one_line

    click.echo(one_line(f"cleaner: error: {message}"), err=True)
    sys.exit(2)


def report(source: str, reason: str) -> None:
    """One line per failed input, always naming it (control characters escaped)."""
    from cleaner.cli.output import one_line

    click.echo(one_line(f"cleaner: {source}: {reason}"), err=True)


def warn(source: str, reason: str) -> None:
    from cleaner.cli.output import one_line

    click.echo(one_line(f"cleaner: warning: {source}: {reason}"), err=True)


from cleaner.cli.output import progress  # noqa: E402, F401 - re-exported; home: output.py


@contextlib.contextmanager
def rule_warnings() -> Iterator[None]:
    """Print each rule's timeout warning once, as one `cleaner: warning:` line.

    `clean()` stays pure: the rule engine only raises a Python warning; this is the CLI's way of
    showing it. Worker processes (--jobs) inherit it, so each may print a rule once.
    """
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


# --- cleaning a batch, in this process or in workers ---------------------------------------

_WORKER_OPTIONS: CleanOptions | None = None
_PARENT_RULESET: Ruleset | None = None  # set before forking workers, which inherit it
_PARENT_RENDER: Callable[[Document], Any] | None = None  # likewise: how workers format


def _share_with_workers(ruleset: Ruleset) -> None:
    """Load in the parent what each forked worker would otherwise load again on its own: the
    rules' compiled patterns, langdetect's profiles, dateparser's modules."""
    global _PARENT_RULESET
    _PARENT_RULESET = ruleset
    for rule in ruleset:
        rule.compile()  # once, before forking, instead of in each worker
    from cleaner.language import _profiles

    _profiles()
    import dateparser.date  # noqa: F401 - imported for its side effect: loaded once, shared


def _init_worker(
    rule_dirs: tuple[str, ...],
    no_default_rules: bool,
    kind: str,
    templates: Templates | None = None,
) -> None:
    global _WORKER_OPTIONS
    ruleset = _PARENT_RULESET  # a forked worker has the parent's, compiled and dispatched
    if ruleset is None:  # spawned (Windows): load it again
        ruleset = load_ruleset(rule_dirs, defaults=not no_default_rules)
    _WORKER_OPTIONS = CleanOptions(ruleset=ruleset, input_kind=kind, templates=templates)


def clean_one(
    item: RawInput, options: CleanOptions | None = None, *, debug: bool = False
) -> Document | InputFailure:
    """Clean one input; any error becomes an InputFailure naming the input (with --debug, raises).

    An unexpected exception is a bug, but one bad page must not stop a batch of thousands: it
    is reported on one line with its type, and `--debug` shows the traceback.
    """
    return clean_several([item], options, debug=debug)[0]


def clean_several(
    items: list[RawInput], options: CleanOptions | None = None, *, debug: bool = False
) -> list[Document | InputFailure]:
    """`clean_one` of each input; the languages of those that clean are detected together
    (pipeline.finish), which is faster per document than one at a time."""
    return finish_drafts([_draft_one(item, options, debug) for item in items])


def _draft_one(item: RawInput, options: CleanOptions | None, debug: bool) -> Draft | InputFailure:
    try:
        drafted = draft_input(item, options or _WORKER_OPTIONS or CleanOptions())
    except CleanerError as exc:
        if debug:
            raise
        return InputFailure(item.label, str(exc), exc)
    except RecursionError as exc:
        if debug:
            raise
        return InputFailure(item.label, "document too deeply nested to parse", exc)
    except Exception as exc:  # noqa: BLE001 - the batch goes on; --debug shows the traceback
        if debug:
            raise
        reason = f"internal error ({type(exc).__name__}: {exc}); rerun with --debug for details"
        return InputFailure(item.label, reason, exc)
    if not any(drafted.lines):
        html = drafted.fields["content_type"] == "text/html"
        what = "no text found in the HTML" if html else "empty input"
        return InputFailure(item.label, f"nothing to clean: {what}")
    return drafted


def _item_options(item: RawInput, options: CleanOptions | None) -> CleanOptions:
    """The batch's options, with the input kind a JSONL record or WARC response declared."""
    return with_kind(options or _WORKER_OPTIONS or CleanOptions(), item.kind)


def _clean_chunk(chunk: list[RawInput]) -> list[Any]:
    """Clean a chunk in a worker: one round trip per chunk, not per document. With a renderer
    (inherited from the parent), the chunk's documents travel back already rendered."""
    out: list[Any] = clean_several(chunk)
    for result in out:
        if isinstance(result, InputFailure):
            result.error = None  # an arbitrary exception may not pickle back to the parent
    if _PARENT_RENDER is not None:
        out = in_place(out, Document, _PARENT_RENDER)
    return out


CHUNK = 16  # documents per round trip to a worker
IN_FLIGHT_PER_JOB = 4  # chunks queued per worker: enough to keep it busy, and no more


def run_batch(
    items: Iterable[RawInput | InputFailure | InputNotice],
    *,
    ruleset: Ruleset,
    rule_dirs: tuple[str, ...],
    no_default_rules: bool,
    input_kind: str,
    jobs: int,
    debug: bool = False,
    templates: Templates | None = None,
    render: Callable[[list[Document]], list[Any]] | None = None,
    together: int = CHUNK,
) -> Iterator[Any]:
    """Clean every item in input order, one result per item, with `jobs` workers when asked.

    `render` maps a list of documents to one result each (e.g. output.render_all: formatted
    output). Forked workers apply it to the documents of each chunk they clean, so that work
    runs in parallel too; results are then its results, or a Document where it did not run
    (one process, or --debug).

    With `debug`, the first error is raised with its traceback instead of being reported.
    `templates` (from `learn_templates`) removes each site's template lines. In one process,
    `together` inputs are read before they are cleaned as a group (`clean_several`); 1 writes
    each result before the next input is read (a live stream on standard input).
    """
    kind = input_kind if input_kind in ("text", "html") else "auto"
    if jobs <= 1 or debug:
        options = CleanOptions(ruleset=ruleset, input_kind=kind, templates=templates)
        if together > 1 and not debug:
            yield from _in_groups(items, options, together)
            return
        for item in items:
            if isinstance(item, InputFailure) and debug and item.error is not None:
                raise item.error
            if isinstance(item, InputFailure | InputNotice):
                yield item
            else:
                yield clean_one(item, options, debug=debug)
        return
    global _PARENT_RENDER
    _share_with_workers(ruleset)
    _PARENT_RENDER = render
    try:
        yield from _run_in_pool(items, (rule_dirs, no_default_rules, kind, templates), jobs)
    finally:
        _PARENT_RENDER = None


def _in_groups(
    items: Iterable[RawInput | InputFailure | InputNotice], options: CleanOptions, size: int
) -> Iterator[Any]:
    """Results in input order, the inputs cleaned `size` at a time (clean_several)."""

    def clean(group: list[RawInput]) -> list[Document | InputFailure]:
        return clean_several(group, options)

    waiting: list[RawInput | InputFailure | InputNotice] = []
    inputs = 0
    for item in items:
        waiting.append(item)
        inputs += isinstance(item, RawInput)
        if inputs == size:
            yield from in_place(waiting, RawInput, clean)
            waiting, inputs = [], 0
    yield from in_place(waiting, RawInput, clean)


SiteKeys = tuple[str | None, frozenset[int]]


def _keys_one(item: RawInput, options: CleanOptions | None = None) -> SiteKeys | None:
    """One document's site and line keys; None when it cannot be read (pass 2 reports it)."""
    options = _item_options(item, options)
    try:
        return template_keys(item.data, url=item.url, options=options)
    except Exception:  # noqa: BLE001 - the cleaning pass names the input and the reason
        return None


def _keys_chunk(chunk: list[RawInput]) -> list[SiteKeys | None]:
    """Line keys of a chunk in a worker: only hashes travel back, never texts."""
    return [_keys_one(item) for item in chunk]


def learn_templates(
    read: Callable[[], Iterable[RawInput | InputFailure | InputNotice]],
    *,
    ruleset: Ruleset,
    rule_dirs: tuple[str, ...],
    no_default_rules: bool,
    input_kind: str,
    jobs: int,
    learner: TemplateLearner | None = None,
    census: Callable[[], Iterable[RawInput | InputFailure | InputNotice]] | None = None,
) -> TemplateLearner:
    """The first pass over a batch: count each site's line keys (hashes only, no texts).

    `read` gives the inputs afresh on each call; `census`, if given, the inputs that may
    carry a URL (read_inputs' `urls_only`). A census of the URLs comes first (reading
    only): a page whose site has too few pages in the batch to have a template is never
    extracted or hashed, so a crawl of many sites pays only for the sites that recur. Pages
    without a URL are not learned from here: their site (the publisher) is known only by
    cleaning them, which would make every batch of plain scrapes cost two cleans for the same
    output in the common case. Failures and notices are skipped: the cleaning pass reports
    each once.
    """
    learner = learner or TemplateLearner()
    sites: Counter[str] = Counter(
        site
        for item in (census or read)()
        if isinstance(item, RawInput) and (site := site_key(item.url)) is not None
    )
    if not any(n >= learner.min_docs for n in sites.values()):
        return learner  # a lone page, or no site with enough pages: no first pass at all
    kind = input_kind if input_kind in ("text", "html") else "auto"
    work = (
        item
        for item in read()
        if isinstance(item, RawInput) and sites.get(site_key(item.url) or "", 0) >= learner.min_docs
    )
    if jobs <= 1:
        options = CleanOptions(ruleset=ruleset, input_kind=kind)
        results: Iterable[Any] = (_keys_one(item, options) for item in work)
    else:
        _share_with_workers(ruleset)
        results = _run_in_pool(work, (rule_dirs, no_default_rules, kind), jobs, _keys_chunk)
    for result in results:
        if result is not None:
            learner.add(*result)
    return learner


def _run_in_pool(
    items: Iterable[RawInput | InputFailure | InputNotice],
    init_args: tuple[Any, ...],
    jobs: int,
    work_on: Callable[[list[RawInput]], list[Any]] = _clean_chunk,
) -> Iterator[Any]:
    """Workers clean chunks; at most `jobs * IN_FLIGHT_PER_JOB` chunks are read ahead.

    `Pool.imap` reads its whole input ahead as fast as it can: a million-record batch would
    sit in memory as raw bytes. Here the input is read only as results are taken, so memory
    stays constant whatever the batch size, and output is written as it goes. Failures and
    notices from reading never travel to a worker (an exception may not pickle); they keep
    their place in the output order.
    """
    import multiprocessing
    from collections import deque
    from itertools import islice

    source = iter(items)
    ctx = multiprocessing.get_context("fork" if sys.platform != "win32" else "spawn")
    with ctx.Pool(jobs, _init_worker, init_args) as pool:
        pending: deque[tuple[list[Result | None], Any]] = deque()

        def submit() -> bool:
            chunk = list(islice(source, CHUNK))
            if not chunk:
                return False
            slots: list[Result | None] = [
                item if isinstance(item, InputFailure | InputNotice) else None for item in chunk
            ]
            work = [item for item in chunk if isinstance(item, RawInput)]
            pending.append((slots, pool.apply_async(work_on, (work,)) if work else None))
            return True

        for _ in range(jobs * IN_FLIGHT_PER_JOB):
            if not submit():
                break
        while pending:
            slots, job = pending.popleft()
            cleaned = iter(job.get() if job is not None else ())
            submit()
            for slot in slots:
                yield slot if slot is not None else next(cleaned)
