"""The built-in rules' patterns, compiled once when the rules change and shipped compiled.

The `regex` module parses and compiles a pattern in Python: 0.1-7 ms a pattern, ~45 ms of
`cleaner clean < seed`'s start for the ~25 rules a seed's lines reach (11 % of the whole
process). A compiled pattern pickles to what the C engine runs (its opcode list and group
tables, `regex._main._pickle`), and unpickling it builds the same pattern object in ~40 µs
without parsing anything. `cleaner/compiled_patterns.pickle` holds each built-in pattern
pickled on its own, keyed by a digest of the `regex` version, the flags and the pattern text,
so an entry is used only for exactly the pattern it was made from, by the `regex` release that
made it; anything else (a user's rule, a rule edited since, another `regex` release) is
compiled as before. A stale table costs time, never a different pattern.

`python -m cleaner.prefilter` rewrites this file with `rules/prefilter.json`;
tests/test_prefilter.py fails while either is stale.
"""

from __future__ import annotations

import hashlib
import io
import pickle
from importlib import resources
from typing import Any

import regex

TABLE_FILE = "compiled_patterns.pickle"  # in the `cleaner` package
_TABLE: dict[str, bytes] | None = None


class _PatternsOnly(pickle.Unpickler):
    """Unpickles the table (a dict of bytes) and patterns (`regex._regex.compile` of plain
    values), and nothing else: the only callable a pickle here may name."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == ("regex._regex", "compile"):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not a compiled pattern")


def _loads(data: bytes) -> Any:
    return _PatternsOnly(io.BytesIO(data)).load()


def pattern_key(pattern: str, flags: int) -> str:
    """The table's key: what the compiled form depends on (the engine's release, the flags,
    the pattern's text)."""
    text = f"{regex.__version__}\0{flags}\0{pattern}"
    return hashlib.blake2b(text.encode("utf-8"), digest_size=12).hexdigest()


def _table() -> dict[str, bytes]:
    global _TABLE
    if _TABLE is None:
        try:
            data = resources.files("cleaner").joinpath(TABLE_FILE).read_bytes()
            table = _loads(data)
            _TABLE = table if isinstance(table, dict) else {}
        except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError):
            _TABLE = {}  # no usable table: compile everything
    return _TABLE


def compile_pattern(pattern: str, flags: int) -> Any:
    """`regex.compile(pattern, flags)`, from the shipped table when it holds this pattern."""
    data = _table().get(pattern_key(pattern, flags))
    if data is not None:
        try:
            found = _loads(data)
        except (pickle.UnpicklingError, EOFError, ValueError, TypeError):
            found = None
        if isinstance(found, regex.Pattern):
            return found
    return regex.compile(pattern, flags)


def builtin_pairs() -> list[tuple[str, int]]:
    """(pattern text, flags) of every built-in rule, as the loader builds them."""
    from cleaner.ruleset import build_ruleset, builtin_sources

    sources = builtin_sources()
    ruleset = build_ruleset(sources, builtin_count=len(sources))
    return [(rule.pattern_text, rule.flags) for rule in ruleset.rules if rule.pattern_text]


def build_table(pairs: list[tuple[str, int]], previous: dict[str, bytes] | None = None) -> bytes:
    """The file's bytes for these patterns: a dict of each one's pickle, in key order.

    `regex` does not compile a pattern to the same bytes twice (the order of some of its
    internal sets varies between processes; the patterns match alike), so entries of
    `previous` are kept as they are: rewriting the table for unchanged rules changes nothing.
    """
    previous = previous or {}
    table = {}
    for pattern, flags in pairs:
        key = pattern_key(pattern, flags)
        found = previous.get(key)
        table[key] = found or pickle.dumps(regex.compile(pattern, flags), protocol=4)
    return pickle.dumps(dict(sorted(table.items())), protocol=4)


def builtin_table() -> bytes:
    """The table for the built-in rule files as they are now, under the installed `regex`
    (the shipped entries of unchanged patterns kept)."""
    return build_table(builtin_pairs(), _table())
