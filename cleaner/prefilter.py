"""Keywords a pattern cannot match without, for rules that name none.

The engine tries a rule's regular expression only on lines holding one of its keywords (one
Aho-Corasick pass finds them all). A rule without keywords used to run on every line; most
patterns, though, contain literal text that any match must include (`says`, `ago`, `(`): this
module reads the pattern's syntax tree and returns such a set of strings, one of which must occur
in the folded line (`fold`), or nothing when it cannot tell. It must never be wrong: a wrong
keyword would silently stop a rule. So it only trusts characters whose fold is the same for every
character a case-insensitive match accepts (`s` and `ſ` both fold to `s`, `i`, `ı` and `İ` to
`i`; characters beyond U+04FF are not trusted at all), and gives up on syntax it does not know.

Reading ~100 syntax trees took a third of a second at every start, so the built-in patterns'
keywords are computed once, when the rules change, and shipped in `rules/prefilter.json`
(`python -m cleaner.prefilter` writes it; tests/test_prefilter.py fails while it is stale).
`keywords_for` reads that table and computes only what it lacks (users' rules, or a built-in
pattern edited since), so a stale table costs time, never a wrong keyword.
"""

from __future__ import annotations

import hashlib
import json
import sys
from importlib import import_module, resources
from typing import Any

# The regular-expression parser and its opcodes (Python >= 3.11): private modules, which the
# type stubs do not describe, so their names are Any here.
sre: Any = import_module("re._constants")
sre_parse: Any = import_module("re._parser")

# Case folding leaves the dotless ı and the dot of İ (i + U+0307) apart from i, which a
# case-insensitive `i` matches: folded text maps them to i.
_FOLD_MORE = {0x131: "i", 0x307: None}
# Characters in U+0020-U+04FF that a case-insensitive match equates with a character whose
# fold differs; tests/test_prefilter.py recomputes this list from every code point.
UNSAFE = frozenset("ßƛɤɷɼ")
MAX_ALTERNATIVES = 64  # more alternatives than this filter too little to be worth it

Requirement = frozenset[str] | None  # one of these strings occurs in every match; None: unknown


def required_keywords(pattern: str) -> tuple[str, ...]:
    """Folded strings one of which every match of `pattern` contains; () when unknown."""
    try:
        parsed = sre_parse.parse(pattern)
    except Exception:  # noqa: BLE001 - syntax only the `regex` module knows: no keywords
        return ()
    found = _sequence(parsed)
    return tuple(sorted(found)) if found else ()


TABLE_FILE = "prefilter.json"  # in the `rules` package, beside the rule files
_TABLE: dict[str, list[str]] | None = None


def pattern_key(pattern: str) -> str:
    """The table's key for a pattern: a digest of its text (keywords depend on nothing else)."""
    return hashlib.blake2b(pattern.encode("utf-8"), digest_size=10).hexdigest()


def keywords_for(pattern: str) -> tuple[str, ...]:
    """`required_keywords(pattern)`, from the shipped table when it holds the pattern."""
    global _TABLE
    if _TABLE is None:
        try:
            text = resources.files("cleaner.rules").joinpath(TABLE_FILE).read_text("utf-8")
            _TABLE = json.loads(text)["keywords"]
        except (OSError, ValueError, KeyError):  # no table: compute everything
            _TABLE = {}
    found = _TABLE.get(pattern_key(pattern))
    return tuple(found) if found is not None else required_keywords(pattern)


def build_table(patterns: list[str]) -> str:
    """The JSON text of `rules/prefilter.json` for these patterns (sorted: stable diffs)."""
    table = {pattern_key(p): list(required_keywords(p)) for p in patterns}
    rows = ",\n".join(
        f"  {json.dumps(key)}: {json.dumps(words, ensure_ascii=False)}"
        for key, words in sorted(table.items())
    )
    return '{"keywords": {\n' + rows + "\n}}"


def builtin_table() -> str:
    """The table for the built-in rule files as they are now."""
    from cleaner.ruleset import builtin_patterns

    return build_table(builtin_patterns())


def fold(text: str) -> str:
    """The form lines and keywords are compared in: case-folded, ı and İ as i."""
    folded = text.casefold()
    if "\u0131" in folded or "\u0307" in folded:  # rare: two C scans beat a translate
        folded = folded.translate(_FOLD_MORE)
    return folded


def safe(ch: str) -> bool:
    """A character whose case fold every case-insensitive match of it shares."""
    return " " <= ch <= "\u04ff" and ch.isprintable() and ch not in UNSAFE


def _sequence(items: Any) -> Requirement:
    r"""Elements one after another: each element's requirement holds; keep the strongest.

    Neighbouring elements that match one of a few literal strings are joined: `\.(?:ru|com)`
    requires '.ru' or '.com', which filters far better than '.' or 'ru' alone.
    """
    candidates: list[frozenset[str]] = []
    joined: set[str] = {""}  # what the literal elements so far spell, one string per way
    for op, av in items:
        if op is sre.AT:  # zero-width (^, $, \b): literal text on both sides stays adjacent
            continue
        spelled = _literal_strings(op, av)
        if spelled is not None and len(joined) * len(spelled) <= MAX_ALTERNATIVES:
            joined = {a + b for a in joined for b in spelled}
            continue
        if "" not in joined:
            candidates.append(frozenset(joined))
        joined = {""}
        found = _element(op, av)
        if found:
            candidates.append(found)
    if "" not in joined:
        candidates.append(frozenset(joined))
    return max(candidates, key=_strength, default=None)


def _literal_strings(op: Any, av: Any) -> set[str] | None:
    """The folded strings an element matches when they are few and known, else None."""
    if op is sre.LITERAL:
        return {fold(chr(av))} if safe(chr(av)) else None
    if op is sre.IN and av and all(kind is sre.LITERAL for kind, _ in av):
        chars = [chr(code) for _, code in av]
        return {fold(c) for c in chars} if all(map(safe, chars)) else None
    if op is sre.SUBPATTERN:
        return _literal_sequence(av[-1])
    if op is sre.BRANCH:
        out: set[str] = set()
        for branch in av[1]:
            found = _literal_sequence(branch)
            if found is None:
                return None
            out |= found
        return out if len(out) <= MAX_ALTERNATIVES else None
    return None


def _literal_sequence(items: Any) -> set[str] | None:
    out: set[str] = {""}
    for op, av in items:
        if op is sre.AT:
            continue
        spelled = _literal_strings(op, av)
        if spelled is None or len(out) * len(spelled) > MAX_ALTERNATIVES:
            return None
        out = {a + b for a in out for b in spelled}
    return out


def _strength(requirement: frozenset[str]) -> tuple[int, int]:
    """Longer strings filter more; fewer alternatives too."""
    return min(len(s) for s in requirement), -len(requirement)


def _element(op: Any, av: Any) -> Requirement:
    if op is sre.SUBPATTERN:
        return _sequence(av[-1])
    if op is sre.ATOMIC_GROUP:
        return _sequence(av)
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
        low, _high, item = av
        return _sequence(item) if low >= 1 else None
    if op is sre.ASSERT:  # a lookahead or lookbehind must match too
        return _sequence(av[1])
    if op is sre.BRANCH:
        out: set[str] = set()
        for branch in av[1]:
            found = _sequence(branch)
            if not found:
                return None
            out |= found
        return frozenset(out) if len(out) <= MAX_ALTERNATIVES else None
    if op is sre.IN and av and all(kind is sre.LITERAL for kind, _ in av):
        chars = [chr(code) for _, code in av]
        return frozenset(fold(c) for c in chars) if all(map(safe, chars)) else None
    return None


if __name__ == "__main__":  # python -m cleaner.prefilter: rewrite the shipped tables
    import pathlib

    from cleaner import patterncache

    target = pathlib.Path(str(resources.files("cleaner.rules").joinpath(TABLE_FILE)))
    target.write_text(builtin_table() + "\n", encoding="utf-8")
    print(f"wrote {target}", file=sys.stderr)
    # the compiled patterns (cleaner/patterncache.py), which change with the same rule files
    target = pathlib.Path(str(resources.files("cleaner").joinpath(patterncache.TABLE_FILE)))
    target.write_bytes(patterncache.builtin_table())
    print(f"wrote {target}", file=sys.stderr)
