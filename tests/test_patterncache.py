"""The shipped compiled patterns (cleaner/patterncache.py): complete, equal to compiling, safe."""

from __future__ import annotations

import io
import pickle

import pytest
import regex

from cleaner import patterncache
from cleaner.ruleset import build_ruleset, builtin_sources


def _builtin_rules() -> list:
    sources = builtin_sources()
    return [r for r in build_ruleset(sources, builtin_count=len(sources)).rules if r.pattern_text]


def test_table_covers_every_builtin_pattern() -> None:
    """Every built-in pattern is shipped compiled for the installed `regex`: when a rule file
    changes, `python -m cleaner.prefilter` rewrites the table (until then start-up is slower)."""
    table = patterncache._table()
    missing = [
        r.id
        for r in _builtin_rules()
        if patterncache.pattern_key(r.pattern_text, r.flags) not in table
    ]
    assert not missing, f"stale: run `python -m cleaner.prefilter` ({missing[:5]})"


def _outcome(pattern: object, text: str) -> object:
    found = pattern.search(text)  # type: ignore[attr-defined]
    return None if found is None else (found.span(), found.groups(), found.groupdict())


def test_shipped_patterns_match_as_compiled_ones() -> None:
    """The unpickled pattern is the pattern: same text, flags, groups and matches on every
    example the rules give (and on text around them)."""
    rules = _builtin_rules()
    assert rules
    for rule in rules:
        shipped = patterncache.compile_pattern(rule.pattern_text, rule.flags)
        fresh = regex.compile(rule.pattern_text, rule.flags)
        assert (shipped.pattern, shipped.flags, shipped.groupindex) == (
            fresh.pattern,
            fresh.flags,
            fresh.groupindex,
        )
        texts = [*rule.examples_remove, *rule.examples_keep]
        texts += [f"Intro words. {t} and after" for t in texts]
        for text in texts:
            assert _outcome(shipped, text) == _outcome(fresh, text), (rule.id, text)


def test_unknown_pattern_is_compiled() -> None:
    pattern = patterncache.compile_pattern(r"(?i)\binvented-\w+ zq", regex.V0)
    assert pattern.search("An INVENTED-word zq here").span() == (3, 19)


def test_table_names_no_other_callable() -> None:
    """A pickle naming anything but the compiled-pattern constructor is refused."""
    hostile = pickle.dumps(print)
    with pytest.raises(pickle.UnpicklingError):
        patterncache._loads(hostile)
    with pytest.raises(pickle.UnpicklingError):
        patterncache._PatternsOnly(io.BytesIO(pickle.dumps(io.BytesIO))).load()


def test_corrupt_entry_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    pattern, flags = r"\bzqx-sample\b", regex.V0
    key = patterncache.pattern_key(pattern, flags)
    monkeypatch.setattr(patterncache, "_TABLE", {key: b"not a pickle"})
    assert patterncache.compile_pattern(pattern, flags).search("a zqx-sample b") is not None


def test_rewriting_keeps_unchanged_entries_and_drops_others() -> None:
    """Regenerating for unchanged rules rewrites the same bytes (regex's compiled bytes vary
    between processes); a pattern no longer listed leaves the table."""
    kept, gone = (r"\bzqx kept\b", regex.V0), (r"\bzqx gone\b", regex.V0)
    first = pickle.loads(patterncache.build_table([kept, gone]))
    again = patterncache.build_table([kept], {k: v + b"" for k, v in first.items()})
    table = pickle.loads(again)
    key = patterncache.pattern_key(*kept)
    assert list(table) == [key]
    assert table[key] == first[key]
