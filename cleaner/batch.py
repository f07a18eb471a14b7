"""Cleaning many inputs: one function, `clean_batch`, for the CLI, the archive and Dask.

Inputs (read by `cleaner.inputs`) are cleaned in input order, one result per input:

- in groups of `group` (16): each input is drafted on its own (`pipeline.draft`, which may
  fail without stopping the batch), then the languages of the group's bodies are detected
  together (`pipeline.finish`), a third faster per document than one at a time;
- with `jobs` > 1, groups go to worker processes through `concurrent.futures`'
  `ProcessPoolExecutor` (forked: the workers inherit the rules already compiled and the
  language profiles already loaded, see `warm_up`). At most `jobs * IN_FLIGHT_PER_JOB` groups
  are read ahead, so memory stays constant whatever the batch size;
- `render` (e.g. formatting for output, or hashing for the archive) runs on each group's
  documents where they were cleaned, so that work is parallel too.

A worker that dies (kill -9, the OOM killer, a crash in C code) is noticed at once: the pool
reports `BrokenProcessPool` instead of waiting forever, as a hand-rolled queue would. The
inputs that were in flight are cleaned again, each alone in a fresh worker; one that kills its
worker again becomes an `InputFailure` naming it, and the run goes on.

Why not `multiprocessing.Pool`: its `imap` reads the whole input ahead, and it hangs when a
worker dies. Why not Dask here: it is an optional extra (`cleaner.dask` builds on this module).
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from cleaner.document import Document
from cleaner.errors import CleanerError
from cleaner.inputs import InputFailure, InputNotice, RawInput
from cleaner.pipeline import CleanOptions, Draft, draft, finish, template_keys
from cleaner.ruleset import default_ruleset
from cleaner.templates import TemplateLearner, site_key

if TYPE_CHECKING:  # the pool's modules are imported only when workers are asked for
    from concurrent.futures import Future, ProcessPoolExecutor

    from cleaner.ruleset import Ruleset
    from cleaner.templates import Templates

Item = RawInput | InputFailure | InputNotice
Result = Any  # a Document, what `render` made of one, an InputFailure or an InputNotice
Render = Callable[[list[Document]], list[Any]]

GROUP = 16  # inputs per group: languages detected together, one round trip to a worker
IN_FLIGHT_PER_JOB = 4  # groups queued per worker: enough to keep it busy, and no more
WORKER_DIED = "a worker process died while cleaning it (killed, out of memory, or crashed)"


def warm_up(options: CleanOptions | None = None) -> None:
    """Load once what every cleaning needs: the rules' compiled patterns, the language
    profiles, dateparser's modules. Called before forking workers (they inherit it all) and
    by each Dask worker, so no task pays for it."""
    ruleset = (options.ruleset if options else None) or default_ruleset()
    for rule in ruleset:
        rule.compile()
    from cleaner.language import detect_languages

    detect_languages(["warm up the language profiles"])
    import dateparser.date  # noqa: F401 - imported for its side effect: loaded once, shared


def batch_options(
    ruleset: Ruleset | None = None,
    input_kind: str = "auto",
    templates: Templates | None = None,
) -> CleanOptions:
    """The options of a batch read with `--input input_kind`: only "text" and "html" bind
    every input; JSON Lines and WARC records declare their own kind (`with_kind`)."""
    kind = input_kind if input_kind in ("text", "html") else "auto"
    return CleanOptions(ruleset=ruleset, input_kind=kind, templates=templates)


def with_kind(options: CleanOptions, kind: str) -> CleanOptions:
    """`options` with the input kind one input declared ("text" or "html"; "auto" keeps the
    batch's), everything else the caller chose kept."""
    if kind in ("text", "html") and kind != options.input_kind:
        return replace(options, input_kind=kind)
    return options


def _draft_one(
    item: RawInput, options: CleanOptions, *, debug: bool = False
) -> Draft | InputFailure:
    """`pipeline.draft` of one input, or the failure that names it (with `debug`, raises).

    An unexpected exception is a bug, but one bad page must not stop a batch of thousands: it
    is reported on one line with its type. An input with no text at all (empty, whitespace,
    HTML without text) is a failure too, "nothing to clean", wherever it is cleaned.
    """
    try:
        drafted = draft(
            item.data,
            url=item.url,
            source=item.source,
            doc_id=item.doc_id,
            fetched_at=item.fetched_at,
            extra=item.extra,
            options=with_kind(options, item.kind),
        )
    except CleanerError as exc:
        if debug:
            raise
        return InputFailure(item.label, str(exc), exc, item.record_id)
    except RecursionError as exc:
        if debug:
            raise
        return InputFailure(item.label, "document too deeply nested to parse", exc, item.record_id)
    except Exception as exc:  # noqa: BLE001 - the batch goes on; --debug shows the traceback
        if debug:
            raise
        reason = f"internal error ({type(exc).__name__}: {exc}); rerun with --debug for details"
        return InputFailure(item.label, reason, exc, item.record_id)
    if not any(drafted.lines):  # the lines as the rules saw them: blank ones are empty
        what = "no text found in the HTML" if drafted.content_type == "text/html" else "empty input"
        return InputFailure(item.label, f"nothing to clean: {what}", doc_id=item.record_id)
    return drafted


def _in_place(
    entries: Sequence[Any], kind: type | tuple[type, ...], run: Callable[[list[Any]], list[Any]]
) -> list[Any]:
    """`run` applied at once to the entries of type `kind`, each result in its entry's place;
    the other entries (failures, notices) stay as they are."""
    chosen = [entry for entry in entries if isinstance(entry, kind)]
    done = iter(run(chosen) if chosen else [])
    return [next(done) if isinstance(entry, kind) else entry for entry in entries]


def clean_group(
    items: Sequence[RawInput],
    options: CleanOptions,
    render: Render | None = None,
    *,
    debug: bool = False,
) -> list[Result]:
    """One result per input: each drafted alone, their languages detected together, the
    documents rendered when `render` is given."""
    out = _in_place([_draft_one(item, options, debug=debug) for item in items], Draft, finish)
    return _in_place(out, Document, render) if render is not None else out


def clean_batch(
    items: Iterable[Item],
    options: CleanOptions | None = None,
    *,
    jobs: int = 1,
    group: int = GROUP,
    render: Render | None = None,
    debug: bool = False,
    warn: Callable[[str, str], None] | None = None,
) -> Iterator[Result]:
    """Clean every input in input order, one result per input.

    A RawInput gives a Document (or what `render` made of it) or an InputFailure; the
    InputFailures and InputNotices that reading produced keep their places. `group` inputs
    are read before they are cleaned together (1: each result is out before the next input
    is read, for a live stream). `jobs` > 1 cleans in worker processes. With `debug`, the
    first error is raised with its traceback (in this process, whatever `jobs`). `warn(what,
    reason)` hears of workers that died (their inputs are cleaned again, see the module
    docstring).
    """
    options = options or CleanOptions()
    if jobs > 1 and not debug:
        warm_up(options)
        yield from _pooled(items, _CleanGroup(options, render), jobs, group, warn)
        return
    for chunk in chunks(iter(items), max(group, 1)):
        if debug:
            for item in chunk:
                if isinstance(item, InputFailure) and item.error is not None:
                    raise item.error
        yield from _in_place(
            chunk, RawInput, lambda raws: clean_group(raws, options, render, debug=debug)
        )


def split_chunk(chunk: list[Item]) -> tuple[list[Item | None], list[RawInput]]:
    """A chunk's slots in input order (None where an input is to be cleaned, the failure or
    notice itself otherwise) and the inputs to clean: the shape both pools put results back in."""
    slots: list[Item | None] = [None if isinstance(item, RawInput) else item for item in chunk]
    return slots, [item for item in chunk if isinstance(item, RawInput)]


def chunks(source: Iterator[Item], size: int) -> Iterator[list[Item]]:
    """The items, `size` RawInputs at a time (failures and notices ride along)."""
    waiting: list[Item] = []
    inputs = 0
    for item in source:
        waiting.append(item)
        inputs += isinstance(item, RawInput)
        if inputs >= size:
            yield waiting
            waiting, inputs = [], 0
    if waiting:
        yield waiting


@dataclass(frozen=True)
class _CleanGroup:
    """What a worker runs on a group (forked workers get it without pickling)."""

    options: CleanOptions
    render: Render | None = None

    def __call__(self, items: list[RawInput]) -> list[Result]:
        out = clean_group(items, self.options, self.render)
        for result in out:
            if isinstance(result, InputFailure):
                result.error = None  # an arbitrary exception may not pickle back to the parent
        return out


# The function the current pool's workers run, set by the parent before it forks them: a
# forked worker inherits it with the compiled rules, so tasks carry only their inputs.
_WORK: Callable[[list[RawInput]], list[Any]] | None = None


def _run_work(items: list[RawInput]) -> list[Any]:
    assert _WORK is not None, "a worker forked without its work"
    return _WORK(items)


def _new_pool(jobs: int) -> ProcessPoolExecutor:
    import multiprocessing
    import sys
    from concurrent.futures import ProcessPoolExecutor

    method = "fork" if sys.platform != "win32" else "spawn"
    return ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context(method))


@dataclass
class _Pending:
    """One chunk in flight: its slots (failures and notices from reading already in place),
    its inputs, and the future of their results (or the results, once retried)."""

    slots: list[Item | None]
    work: list[RawInput]
    future: Future[list[Any]] | None
    results: list[Any] | None = field(default=None)


def _pooled(
    items: Iterable[Item],
    work: Callable[[list[RawInput]], list[Any]],
    jobs: int,
    group: int,
    warn: Callable[[str, str], None] | None,
) -> Iterator[Result]:
    """`work` on chunks of `group` inputs in `jobs` forked workers, results in input order."""
    from concurrent.futures import Future
    from concurrent.futures.process import BrokenProcessPool

    global _WORK
    previous, _WORK = _WORK, work
    source = iter(items)
    waiting = chunks(source, max(group, 1))
    pool = _new_pool(jobs)
    pending: deque[_Pending] = deque()

    def submit() -> bool:
        chunk = next(waiting, None)
        if chunk is None:
            return False
        slots, raws = split_chunk(chunk)
        future = None
        if raws:
            try:
                future = pool.submit(_run_work, raws)
            except BrokenProcessPool as exc:  # a worker died since the last result was read:
                future = Future()  # this chunk is retried with the others in flight
                future.set_exception(exc)
        pending.append(_Pending(slots, raws, future))
        return True

    try:
        for _ in range(jobs * IN_FLIGHT_PER_JOB):
            if not submit():
                break
        while pending:
            head = pending[0]
            if head.results is None and head.future is not None:
                try:
                    head.results = head.future.result()
                except BrokenProcessPool:
                    pool.shutdown(wait=True, cancel_futures=True)
                    pool = _retry_alone(pending, jobs, warn)
            pending.popleft()
            done = iter(head.results or ())
            submit()
            for slot in head.slots:
                yield slot if slot is not None else next(done)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        _WORK = previous


def _retry_alone(
    pending: deque[_Pending], jobs: int, warn: Callable[[str, str], None] | None
) -> ProcessPoolExecutor:
    """After a worker died: every chunk in flight without results is cleaned again, one input
    at a time in a fresh pool, so the input that kills a worker is told apart from the others
    (and fails alone). Returns the fresh pool for the rest of the batch."""
    from concurrent.futures.process import BrokenProcessPool

    unfinished: list[_Pending] = []
    for entry in pending:
        if entry.results is not None or entry.future is None:
            continue
        if entry.future.done() and entry.future.exception() is None:
            entry.results = entry.future.result()
        else:
            unfinished.append(entry)
    inputs = [item for entry in unfinished for item in entry.work]
    if warn is not None:
        names = ", ".join(item.label for item in inputs[:3]) + (", …" if len(inputs) > 3 else "")
        warn(
            "worker",
            f"a worker process died; the {len(inputs)} inputs in flight ({names}) "
            "are cleaned again one at a time",
        )
    pool = _new_pool(jobs)
    for entry in unfinished:
        entry.results = []
        for item in entry.work:
            try:
                entry.results += pool.submit(_run_work, [item]).result()
            except BrokenProcessPool:
                pool.shutdown(wait=True, cancel_futures=True)
                pool = _new_pool(jobs)
                entry.results.append(InputFailure(item.label, WORKER_DIED, doc_id=item.record_id))
    return pool


# --- the first pass of a batch: learning site templates ------------------------------------

SiteKeys = tuple[str | None, frozenset[int]]


@dataclass(frozen=True)
class _KeysGroup:
    """Line keys of a group in a worker: only hashes travel back, never texts."""

    options: CleanOptions

    def __call__(self, items: list[RawInput]) -> list[SiteKeys | None]:
        return [_keys_one(item, self.options) for item in items]


def _keys_one(item: RawInput, options: CleanOptions) -> SiteKeys | None:
    """One document's site and line keys; None when it cannot be read (pass 2 reports it)."""
    try:
        return template_keys(item.data, url=item.url, options=with_kind(options, item.kind))
    except Exception:  # noqa: BLE001 - the cleaning pass names the input and the reason
        return None


def learn_templates(
    read: Callable[[], Iterable[Item]],
    options: CleanOptions | None = None,
    *,
    jobs: int = 1,
    learner: TemplateLearner | None = None,
    census: Callable[[], Iterable[Item]] | None = None,
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
    options = options or CleanOptions()
    learner = learner or TemplateLearner()
    sites: Counter[str] = Counter(
        site
        for item in (census or read)()
        if isinstance(item, RawInput) and (site := site_key(item.url)) is not None
    )
    if not any(n >= learner.min_docs for n in sites.values()):
        return learner  # a lone page, or no site with enough pages: no first pass at all
    work = (
        item
        for item in read()
        if isinstance(item, RawInput) and sites.get(site_key(item.url) or "", 0) >= learner.min_docs
    )
    keys = _KeysGroup(options)
    if jobs <= 1:
        results: Iterable[Any] = (_keys_one(item, options) for item in work)
    else:
        warm_up(options)
        results = _pooled(work, keys, jobs, GROUP, None)
    for result in results:
        if result is not None:
            learner.add(*result)
    return learner
