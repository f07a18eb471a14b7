"""Bounds on the work one document may cost, checked before the costly passes.

The 20 MB input limit bounds bytes, not work: a 20 MB page of a million `<span>`s kept
trafilatura busy for ten minutes, and 19 MB of one-character lines became 9.5 million line
objects (4.8 GB). Both shapes are cheap to recognise up front:

- HTML with more elements than `max_elements` is not given to trafilatura (whose time grows
  faster than the element count: ~10 s for 50,000 on a loaded machine); its text is taken by
  a linear tag stripper instead (`cheap_text`), and the record says so (`limited`).
- A text with more lines than `max_lines` (after any extraction) is refused with the reason,
  never cut short: a silently truncated article would look complete.

Defaults leave every page of the shared benchmarks untouched (at most 10,480 elements and a
few thousand lines), with room to spare.
"""

from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass
from itertools import islice

from cleaner.errors import InputError

DEFAULT_MAX_ELEMENTS = 30_000
DEFAULT_MAX_LINES = 100_000

_ELEMENT = re.compile(r"<[A-Za-z]")
_INVISIBLE = re.compile(
    r"<(script|style|noscript|template|svg|head)\b[^>]*>.*?</\1\s*>|<!--.*?-->",
    re.IGNORECASE | re.DOTALL,
)
_BLOCK = re.compile(
    r"</?(?:p|div|br|li|ul|ol|h[1-6]|tr|table|section|article|header|footer|nav|aside|"
    r"blockquote|pre|dd|dt|dl|figure|figcaption|main|form|hr|title)\b[^>]*>",
    re.IGNORECASE,
)
_TAG = re.compile(r"<[^>]*>")
_SPACES = re.compile(r"[ \t\r\f\v]+")
_TEXT_LINE = re.compile(r"^[ \t\r\f\v]*\S", re.MULTILINE)  # a line that is not blank


@dataclass(frozen=True, slots=True)
class Limits:
    """Per-document bounds (see the module docstring); `None` turns one off."""

    max_elements: int | None = DEFAULT_MAX_ELEMENTS
    max_lines: int | None = DEFAULT_MAX_LINES


_configured = Limits()


def configure(limits: Limits) -> None:
    """Set the limits that `CleanOptions()` gets by default, for this process and the worker
    processes it forks later (the command line's --max-elements and --max-lines)."""
    global _configured
    _configured = limits


def current() -> Limits:
    """The limits a new `CleanOptions` gets: the defaults, unless `configure`d."""
    return _configured


def too_many_elements(html: str, limits: Limits) -> int | None:
    """The element count when it is over the limit (counting stops just past it), else None."""
    if limits.max_elements is None:
        return None
    seen = sum(1 for _ in islice(_ELEMENT.finditer(html), limits.max_elements + 1))
    return seen if seen > limits.max_elements else None


def cheap_text(html: str) -> str:
    """The visible text of a page in linear time and little memory: invisible elements and
    comments dropped, a line break at each block element, other tags removed, entities
    decoded. No article detection: what trafilatura would have cut, the rules still see."""
    text = _INVISIBLE.sub(" ", html)
    text = _BLOCK.sub("\n", text)
    text = html_lib.unescape(_TAG.sub("", text))
    return "\n".join(line.strip() for line in _SPACES.sub(" ", text).split("\n"))


def check_lines(text: str, limits: Limits) -> None:
    """InputError when the text has more non-blank lines than the limit (never truncated;
    blank lines cost next to nothing)."""
    if limits.max_lines is None:
        return
    if text.count("\n") < limits.max_lines:  # the common case: one cheap count
        return
    lines = sum(1 for _ in islice(_TEXT_LINE.finditer(text), limits.max_lines + 1))
    if lines > limits.max_lines:
        raise InputError(
            f"more than {limits.max_lines:,} non-blank lines, the limit per document "
            "(not cleaned; raise it with --max-lines)"
        )


def element_note(count: int, limits: Limits) -> str:
    """The `limited` flag of a record whose HTML was too big for trafilatura."""
    return (
        f"html: more than {limits.max_elements:,} elements; text taken by a plain tag "
        "stripper, without article extraction (raise it with --max-elements)"
    )
