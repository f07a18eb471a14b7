"""Loading rule files: built-in ones and users' go through the same door.

A rule is data: an id, a category, a description, the languages it applies to, what it matches
(a regular expression, or a list of phrases that the loader compiles), what it removes, and
examples. Patterns are compiled with the `regex` module so that every match runs under a timeout:
a user's `(a|aa)+$` cannot hang the process.

Limits, so that no pattern can take unbounded time or memory and verdicts do not depend on
the machine's load:

- At load, a user's pattern is refused (one line) when it nests unbounded repetition
  (`(a+)+`, `(\\w+\\s?)*`: catastrophic backtracking, unless possessive or atomic) or
  when its counted repeats multiply past `MAX_EXPANSION` (`(?:(?:x{1000}){1000}){20}` took
  gigabytes just to compile).
- At match time, `regex`'s own `timeout=` counts the CPU time of the whole process, so a
  busy thread elsewhere made rules time out early, and verdicts changed with load. Here a
  search that timed out before using `MATCH_TIMEOUT` of its own thread's CPU time is run
  again with the timeout scaled by how much of the process's time was other threads'
  (`_timed_search`): the limit is the thread's own work, whatever else runs.
- Per document, a rule that timed out on a line is not tried on the rest of that
  document's lines, and a guarded rule's searches share `DOCUMENT_RULE_BUDGET` of CPU time
  (`RuleBudget`): `^(a|aa)+$` on 1,000 bad lines costs one timeout, not a thousand.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import time
import tomllib
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, TypedDict, cast

import regex

from cleaner.errors import RuleFileError
from cleaner.patterncache import compile_pattern
from cleaner.prefilter import keywords_for

CATEGORIES: dict[str, str] = {
    "ads": "advertising lines and ad labels, also in a foreign language or script",
    "paywall": "paywall and metered-access notices",
    "related-lists": "related, recent, latest and must-read lists with their teasers",
    "copyright": "copyright and redistribution notices",
    "legal": "legal disclaimers",
    "syndication": "syndication prefixes and wire ids",
    "social": "share buttons and author widgets",
    "comments": "comment forms and comment counts",
    "newsletter": "newsletter, subscription and messenger-channel promos",
    "navigation": "navigation, menus, categories and breadcrumbs",
    "date-widgets": "the date of the day the page was viewed",
    "editorial-notes": "editorial notes such as 'details to follow'",
    "cookies": "cookie and consent notices",
    "title": "the headline and its repetitions (kept in `title`, not in the text)",
    "generic": "lines the generic classifier judged to be boilerplate",
    "template": "lines repeated across documents of one site",
}

REMOVE_KINDS = ("line", "block", "rest", "section", "prefix")
WHERE_KINDS = ("any", "top", "bottom")
CAPTURE_FIELDS = ("publisher", "published", "page_date", "category", "author")
MATCH_TIMEOUT = 0.05  # seconds of the thread's CPU for one regular-expression search on a line
# Built-in rules are checked by the test suite: their limit is only a safety net, far above
# their worst time on the benchmarks' longest lines (63 ms on a line of 11,796 characters on
# a loaded machine), so that a long line never turns their verdict into a matter of load.
BUILTIN_MATCH_TIMEOUT = 1.0
DOCUMENT_RULE_BUDGET = 0.25  # seconds of CPU one guarded rule may spend on one document
MAX_EXPANSION = 100_000  # counted repeats multiplied out: (?:x{1000}){100} is at the limit
# A search with a timeout costs ~1.7 µs more than one without (regex reads the clock), as much
# as the search itself: a third of the rule engine's time. Built-in patterns without nested
# quantifiers run unguarded on lines up to this length; users' patterns are always guarded.
UNGUARDED_MAX_CHARS = 2000
_REPEAT = re.compile(r"[+*]|\{\d*,(\d*)\}")
_TOML_LINE = re.compile(r"\(at line (\d+)")
_TOML_ID = re.compile(r"""^\s*id\s*=\s*["']([^"']+)["']""")


class RuleBudget:
    """What a document's guarded rules have spent (thread CPU seconds), and which rules are
    done with it: one per document, made by the rule engine."""

    __slots__ = ("spent", "exhausted")

    def __init__(self) -> None:
        self.spent: dict[str, float] = {}
        self.exhausted: set[str] = set()


def _timed_search(matcher: Any, text: str, limit: float) -> Any:
    """`matcher.search(text)` under a limit of `limit` seconds of this thread's CPU time.

    regex's `timeout` counts the whole process's CPU: with other threads busy it fires after
    a fraction of the search's own work. When it fires early, the search is run again with
    the timeout scaled by the share of the process's time that was this thread's.
    """
    timeout = limit
    for _ in range(4):
        own0, process0 = time.thread_time(), time.process_time()
        try:
            return matcher.search(text, timeout=timeout)
        except TimeoutError:
            own = time.thread_time() - own0
            if own >= limit * 0.9:
                raise
            process = time.process_time() - process0
            timeout = limit * min(64.0, 1.1 * process / max(own, 1e-4))
    raise TimeoutError("regular expression timed out")


class RuleTimeoutWarning(UserWarning):
    """A rule's pattern ran out of time on a line; the rule was skipped for that line.

    A warning, not a field of the Document: `clean()` stays pure, and the CLI prints it once
    per rule. Its text does not name the line, so Python's "once" filter also dedups it.
    """

    def __init__(self, rule_id: str, source_file: str, limit: float = MATCH_TIMEOUT) -> None:
        super().__init__(
            f"rule {rule_id} ({source_file}): pattern took longer than "
            f"{limit * 1000:.0f} ms on a line (or {DOCUMENT_RULE_BUDGET:g} s on a "
            "document) and was skipped for the rest of the document "
            "(catastrophic backtracking?)"
        )
        self.rule_id = rule_id


# A rule's true-or-false properties (see Rule): what later passes do with the lines it removed.
FLAGS = ("inline", "ad_mark", "metadata", "text_only")
_ALLOWED_KEYS = {
    "id", "category", "description", "pattern", "phrases", "ignore_case", "keywords",
    "remove", "languages", "where", "max_words", "date_source", "aliases", "preview",
    "examples_remove", "examples_keep", "code", *FLAGS,
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule. `search(line)` decides (its pattern compiled on first use); `keywords`
    pre-filter cheaply."""

    id: str
    category: str
    description: str
    remove: str = "line"
    languages: frozenset[str] = frozenset()
    where: str = "any"
    max_words: int | None = None
    keywords: tuple[str, ...] = ()
    date_source: str = "label"
    aliases: tuple[str, ...] = ()
    preview: bool = False
    examples_remove: tuple[str, ...] = ()
    examples_keep: tuple[str, ...] = ()
    source_file: str = ""
    pattern_text: str = ""
    guarded: bool = True  # search under a timeout whatever the line's length
    builtin: bool = False  # shipped with the package: BUILTIN_MATCH_TIMEOUT, no document budget
    flags: int = regex.V0
    # A rule decided in code (the headline, the generic classifier, site templates): the module
    # that applies it. It has no pattern; it is registered so that every id a removal can
    # carry is listed, shown and documented like the others.
    code: str = ""
    # What the passes after the rules make of a line this rule removed (rule properties, so
    # that behaviour never hangs on an id's prefix): `inline`, an insert found inside articles
    # (ads, editorial notes), which the body model reads as such rather than as the page's
    # edge; `ad_mark`, an ad label or marking whose short next lines are the ad's own copy
    # (generic.ad-copy); `metadata`, a line taken into a field (the headline, a date), which
    # the body model does not see at all; `text_only`, a rule that removes in plain text
    # only: on trafilatura's extraction of an HTML page it took more article than boilerplate.
    inline: bool = False
    ad_mark: bool = False
    metadata: bool = False
    text_only: bool = False
    # The compiled regex.Pattern of `pattern_text`: set on first use (`compile`), so that a
    # copy made with dataclasses.replace() compiles its own pattern again.
    matcher: Any = field(default=None, init=False, compare=False, repr=False)

    def compile(self) -> Any:
        """The compiled pattern. A built-in rule is compiled on its first search: in most runs
        most rules never meet a line holding their literal text, and compiling all of them
        was a third of start-up. (Their patterns are validated by the test suite; users'
        rules are compiled and checked when they are loaded.)"""
        if self.matcher is None:
            if not self.pattern_text:
                raise ValueError(f"rule {self.id} has no pattern")
            matcher = compile_pattern(self.pattern_text, self.flags)  # shipped compiled
            object.__setattr__(self, "matcher", matcher)
        return self.matcher

    def properties(self) -> tuple[str, ...]:
        """The names of the properties (FLAGS) set on this rule, for listings and docs."""
        return tuple(name for name in FLAGS if getattr(self, name))

    def applies_to(self, language: str | None) -> bool:
        return not self.languages or language is None or language in self.languages

    def search(self, text: str, budget: RuleBudget | None = None) -> Any:
        """The match object or None; a search that exceeds MATCH_TIMEOUT counts as no match.

        With a document's `budget`, a rule that timed out, or spent DOCUMENT_RULE_BUDGET, on
        the document is skipped for its other lines."""
        if self.max_words is not None and len(text.split()) > self.max_words:
            return None
        matcher = self.matcher if self.matcher is not None else self.compile()
        if not self.guarded and len(text) <= UNGUARDED_MAX_CHARS:
            return matcher.search(text)
        if budget is None or self.builtin:
            limit = BUILTIN_MATCH_TIMEOUT if self.builtin else MATCH_TIMEOUT
            try:
                return _timed_search(matcher, text, limit)
            except TimeoutError:
                warning = RuleTimeoutWarning(self.id, self.source_file, limit)
                warnings.warn(warning, stacklevel=2)
                return None
        if self.id in budget.exhausted:
            return None
        spent = budget.spent.get(self.id, 0.0)
        start = time.thread_time()
        try:
            return _timed_search(matcher, text, min(MATCH_TIMEOUT, DOCUMENT_RULE_BUDGET - spent))
        except TimeoutError:
            budget.exhausted.add(self.id)
            warnings.warn(RuleTimeoutWarning(self.id, self.source_file), stacklevel=2)
            return None
        finally:
            spent += time.thread_time() - start
            budget.spent[self.id] = spent
            if spent >= DOCUMENT_RULE_BUDGET and self.id not in budget.exhausted:
                budget.exhausted.add(self.id)
                warnings.warn(RuleTimeoutWarning(self.id, self.source_file), stacklevel=2)


@dataclass(frozen=True)
class Ruleset:
    """An ordered collection of rules with a version hash of the files they came from."""

    rules: tuple[Rule, ...]  # the rules the engine matches, in order
    version: str
    files: tuple[str, ...] = ()
    code_rules: tuple[Rule, ...] = ()  # the rules decided in code (`Rule.code`)
    _by_id: dict[str, Rule] = field(default_factory=dict, compare=False, repr=False)
    _having: dict[str, frozenset[str]] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for rule in self.all_rules():
            self._by_id[rule.id] = rule
            for alias in rule.aliases:
                self._by_id.setdefault(alias, rule)

    def all_rules(self) -> tuple[Rule, ...]:
        """Every registered rule: the matched ones, then those decided in code."""
        return self.rules + self.code_rules

    def get(self, rule_id: str) -> Rule | None:
        return self._by_id.get(rule_id)

    def having(self, flag: str) -> frozenset[str]:
        """The ids of the rules with the property `flag` (one of FLAGS) set: what a pass
        tests a unit's `removed_by` against."""
        ids = self._having.get(flag)
        if ids is None:
            if flag not in FLAGS:
                raise ValueError(f"no rule property {flag!r} (one of: {', '.join(FLAGS)})")
            ids = frozenset(rule.id for rule in self.all_rules() if getattr(rule, flag))
            self._having[flag] = ids
        return ids

    def __len__(self) -> int:
        return len(self.rules)

    def __iter__(self) -> Iterator[Rule]:
        return iter(self.rules)


def phrases_pattern(phrases: Iterable[str]) -> str:
    """A line that holds one of the phrases and nothing else but punctuation, symbols, spaces."""
    alternatives = "|".join(
        regex.escape(p.strip()).replace(r"\ ", r"\s+")
        for p in sorted(phrases, key=len, reverse=True)
    )
    return rf"^[\W_]*(?:{alternatives})[\W_]*$"


def _parse_rule(data: dict[str, Any], file: str, position: int = 0, *, lazy: bool = False) -> Rule:
    """One rule from its TOML table; RuleFileError names the file, the rule and the reason.
    The pattern is compiled and checked now, unless `lazy` (built-in rules, which the test
    suite checks): then on its first search."""
    if not isinstance(data, dict):
        raise RuleFileError(f"{file}: rule #{position}: a rule must be a [[rule]] table")
    rule_id = data.get("id")
    where = f"{file}: {rule_id if isinstance(rule_id, str) and rule_id else f'rule #{position}'}"
    if rule_id is None:
        raise RuleFileError(f"{where}: missing 'id'")
    if not isinstance(rule_id, str) or not regex.fullmatch(r"[a-z0-9-]+(\.[a-z0-9-]+)+", rule_id):
        raise RuleFileError(f"{where}: 'id' must look like 'namespace.name' (lowercase, dots)")
    unknown = set(data) - _ALLOWED_KEYS
    if unknown:
        raise RuleFileError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    category = data.get("category")
    if category is None:
        raise RuleFileError(f"{where}: missing 'category' (one of: {', '.join(CATEGORIES)})")
    if category not in CATEGORIES:
        raise RuleFileError(
            f"{where}: unknown category {category!r} (one of: {', '.join(CATEGORIES)})"
        )
    description = data.get("description")
    if not isinstance(description, str) or not description.strip():
        raise RuleFileError(f"{where}: missing 'description'")
    remove = data.get("remove", "line")
    if remove not in REMOVE_KINDS:
        raise RuleFileError(f"{where}: 'remove' must be one of {', '.join(REMOVE_KINDS)}")
    where_kind = data.get("where", "any")
    if where_kind not in WHERE_KINDS:
        raise RuleFileError(f"{where}: 'where' must be one of {', '.join(WHERE_KINDS)}")
    pattern, phrases = data.get("pattern"), data.get("phrases")
    if "code" in data:
        return _code_rule(data, rule_id, category, description, file, where, builtin=lazy)
    if (pattern is None) == (phrases is None):
        raise RuleFileError(f"{where}: give exactly one of 'pattern' or 'phrases'")
    ignore_case = bool(data.get("ignore_case", phrases is not None))
    if phrases is not None:
        if (
            not isinstance(phrases, list)
            or not phrases
            or not all(isinstance(p, str) for p in phrases)
        ):
            raise RuleFileError(f"{where}: 'phrases' must be a non-empty list of strings")
        pattern = phrases_pattern(phrases)
    if not isinstance(pattern, str) or not pattern:
        raise RuleFileError(f"{where}: 'pattern' must be a non-empty string")
    flags = regex.V0 | (regex.IGNORECASE if ignore_case else 0)
    compiled = None if lazy else _checked_pattern(pattern, flags, where)
    # The literal text any match must contain (cleaner/prefilter.py) is exact and usually more
    # selective than hand-written keywords; these are the fallback when the pattern has none.
    keywords = keywords_for(pattern) or data.get("keywords")
    if not keywords and phrases is not None:
        keywords = [p.strip().split()[0].lower() for p in phrases]
    examples_remove = _string_list(data, "examples_remove", where)
    examples_keep = _string_list(data, "examples_keep", where)
    languages = _string_list(data, "languages", where)
    max_words = data.get("max_words")
    if max_words is not None and (not isinstance(max_words, int) or max_words < 1):
        raise RuleFileError(f"{where}: 'max_words' must be a positive integer")
    rule = Rule(
        id=rule_id,
        category=category,
        description=description.strip(),
        remove=remove,
        languages=frozenset(languages),
        where=where_kind,
        max_words=max_words,
        keywords=tuple(k.lower() for k in (keywords or ())),
        date_source=str(
            data.get("date_source", "syndication" if category == "syndication" else "label")
        ),
        aliases=tuple(_string_list(data, "aliases", where)),
        preview=bool(data.get("preview", False)),
        examples_remove=tuple(examples_remove),
        examples_keep=tuple(examples_keep),
        source_file=file,
        pattern_text=pattern,
        flags=flags,
        **_flags(data, where),
    )
    if compiled is not None:
        object.__setattr__(rule, "matcher", compiled)  # checked above: not compiled twice
    return rule


def _code_rule(
    data: dict[str, Any],
    rule_id: str,
    category: str,
    description: str,
    file: str,
    where: str,
    *,
    builtin: bool,
) -> Rule:
    """A rule decided in code: registered, listed and documented, never matched."""
    code = data["code"]
    if not builtin:
        raise RuleFileError(f"{where}: 'code' is only for the package's own rules")
    if not isinstance(code, str) or not code.startswith("cleaner."):
        raise RuleFileError(f"{where}: 'code' must name a module of cleaner")
    if "pattern" in data or "phrases" in data:
        raise RuleFileError(f"{where}: a rule decided in code has no 'pattern' or 'phrases'")
    return Rule(
        id=rule_id,
        category=category,
        description=description.strip(),
        aliases=tuple(_string_list(data, "aliases", where)),
        source_file=file,
        builtin=True,
        code=code,
        **_flags(data, where),
    )


class _Flags(TypedDict):
    """The rule's properties (FLAGS) as `Rule` takes them."""

    inline: bool
    ad_mark: bool
    metadata: bool
    text_only: bool


def _flags(data: dict[str, Any], where: str) -> _Flags:
    """The rule's properties (FLAGS): each true or false, nothing else; false if absent."""
    flags = {name: data.get(name, False) for name in FLAGS}
    for name, value in flags.items():
        if not isinstance(value, bool):
            raise RuleFileError(f"{where}: '{name}' must be true or false")
    return cast(_Flags, flags)


def may_backtrack(pattern: str) -> bool:
    """True when a group repeated without a small bound holds a quantifier or an alternation:
    `(a+)+`, `(\\w+\\s?)*`, `(a|ab)+`, the shapes of catastrophic backtracking. Conservative:
    such a pattern keeps its timeout on every line."""
    stack: list[bool] = []  # per open group: does it hold a quantifier or an alternation?
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "[":  # a character class: skip to its closing bracket
            j = i + 1
            if j < n and pattern[j] == "^":
                j += 1
            if j < n and pattern[j] == "]":
                j += 1
            while j < n and pattern[j] != "]":
                j += 2 if pattern[j] == "\\" else 1
            i = j + 1
            continue
        if ch == "(":
            stack.append(False)
            i += 2 if pattern[i + 1 : i + 2] == "?" else 1
            continue
        if ch == ")" and stack:
            inner = stack.pop()
            repeat = _REPEAT.match(pattern, i + 1)
            unbounded = repeat is not None and (
                repeat.group(1) is None or not repeat.group(1) or int(repeat.group(1)) > 10
            )
            if inner and unbounded:
                return True
            if stack and (inner or repeat is not None):
                stack[-1] = True
            i += 1
            continue
        if ch in "+*?{|" and stack:
            stack[-1] = True
        i += 1
    return False


# A group of two runs of complementary classes, `(?:\S+\s+)` or `(\w+\W+)`: where one run
# ends and the next begins is fixed, so repeating the group cannot backtrack.
_ALTERNATING_CLASSES = re.compile(
    r"\((?:\?:)?(?:\\S\+\\s\+|\\s\+\\S\+|\\w\+\\W\+|\\W\+\\w\+|\\d\+\\D\+|\\D\+\\d\+)\)"
)
_QUANTIFIER = re.compile(r"(?:[+*?]|\{(\d*)(?:(,)(\d*))?\})([+?]?)")


def _skip_class(pattern: str, i: int) -> int:
    """The index after the character class that starts at `i` (`[`)."""
    n = len(pattern)
    j = i + 1
    if j < n and pattern[j] == "^":
        j += 1
    if j < n and pattern[j] == "]":
        j += 1
    while j < n and pattern[j] != "]":
        if pattern[j] == "[" and pattern[j + 1 : j + 2] == ":":  # [[:alpha:]]
            end = pattern.find(":]", j + 2)
            j = end + 2 if end != -1 else j + 1
            continue
        j += 2 if pattern[j] == "\\" else 1
    return j + 1


def pattern_limits(pattern: str) -> str | None:
    """Why a user's pattern is refused at load, or None.

    - Nested unbounded repetition (`(a+)+`, `(\\w+\\s?)*`, `(?:x*y)*`): the shape of
      catastrophic backtracking. A possessive quantifier (`*+`, `++`) or an atomic group
      `(?>...)` does not backtrack and is accepted.
    - Counted repeats that multiply out past MAX_EXPANSION: the regex module compiles
      `x{1000}` as a thousand copies, and nesting multiplies them.

    A hand-written scanner, not a parser: it needs only the nesting of groups, classes and
    quantifiers, which neither `re` nor `regex` exposes (`sre_parse` is private and differs
    from `regex`'s syntax).
    """
    # per open group: [holds an unbounded repeat, atomic, size so far, size of last atom]
    stack: list[list[Any]] = [[False, False, 0, 0, 0]]
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        top = stack[-1]
        if ch == "\\":
            top[2] += 1
            top[3] = 1
            i += 2
            continue
        if ch == "[":
            top[2] += 1
            top[3] = 1
            i = _skip_class(pattern, i)
            continue
        if ch == "(":
            atomic = pattern.startswith("(?>", i)
            stack.append([False, atomic, 0, 0, i])
            i += 1
            continue
        if ch == ")" and len(stack) > 1:
            inner = stack.pop()
            if _ALTERNATING_CLASSES.fullmatch(pattern, inner[4], i + 1):
                inner[0] = False  # (?:\S+\s+): each repeat stops where the next begins
            top = stack[-1]
            top[2] += inner[2]
            top[3] = inner[2]
            quantifier = _QUANTIFIER.match(pattern, i + 1)
            unbounded, possessive, end = False, False, i + 1
            if quantifier is not None:
                unbounded, possessive, count = _repeat(quantifier)
                top[2] += top[3] * (count - 1)
                top[3] *= count
                end = quantifier.end()
            if unbounded and not possessive and inner[0] and not inner[1]:
                return (
                    "nested repetition (a repeated group that holds a repeat) can backtrack "
                    "catastrophically; make one possessive (*+, ++) or atomic (?>...)"
                )
            if (inner[0] and not inner[1]) or (unbounded and not possessive):
                top[0] = True
            if top[2] > MAX_EXPANSION:
                return _too_big()
            i = end
            continue
        quantifier = _QUANTIFIER.match(pattern, i) if ch in "+*?{" else None
        if quantifier is not None:
            unbounded, possessive, count = _repeat(quantifier)
            if unbounded and not possessive:
                top[0] = True
            top[2] += top[3] * (count - 1)
            top[3] *= count
            if top[2] > MAX_EXPANSION:
                return _too_big()
            i = quantifier.end()
            continue
        top[2] += 1
        top[3] = 1
        i += 1
    return _too_big() if stack[0][2] > MAX_EXPANSION else None


def _repeat(quantifier: re.Match[str]) -> tuple[bool, bool, int]:
    """(unbounded, possessive, copies compiled) of a quantifier match."""
    low, comma, high, suffix = quantifier.groups()
    possessive = suffix == "+"
    if quantifier.group().startswith(("+", "*")):
        return True, possessive, 1
    if quantifier.group().startswith("?"):
        return False, possessive, 1
    lo = int(low) if low else 0
    if comma is None:
        return False, possessive, max(lo, 1)
    hi = int(high) if high else None
    return hi is None or hi > 10, possessive, max(lo, hi or lo, 1)


def _too_big() -> str:
    return (
        f"counted repeats multiply to more than {MAX_EXPANSION:,} copies "
        "(compiling it would take too much memory)"
    )


def _checked_pattern(pattern: str, flags: int, where: str) -> Any:
    """The compiled pattern, or RuleFileError: invalid, too costly (`pattern_limits`),
    matching an empty line, or with a named group that is not a metadata field."""
    refused = pattern_limits(pattern)
    if refused is not None:
        raise RuleFileError(f"{where}: pattern refused: {refused}")
    try:
        matcher = regex.compile(pattern, flags)
    except regex.error as exc:
        raise RuleFileError(f"{where}: invalid regular expression: {exc}") from exc
    if _matches_empty(matcher):
        raise RuleFileError(
            f"{where}: pattern matches an empty line, so it would remove every line"
        )
    bad_groups = set(matcher.groupindex) - set(CAPTURE_FIELDS)
    if bad_groups:
        raise RuleFileError(
            f"{where}: named groups must be metadata fields ({', '.join(CAPTURE_FIELDS)}), "
            f"not {', '.join(sorted(bad_groups))}"
        )
    return matcher


def _matches_empty(matcher: Any) -> bool:
    try:
        return matcher.search("", timeout=MATCH_TIMEOUT) is not None
    except TimeoutError:
        return False


def _string_list(data: dict[str, Any], key: str, where: str) -> list[str]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RuleFileError(f"{where}: '{key}' must be a list of strings")
    return value


def parse_rule_file(text: str, file: str, *, builtin: bool = False) -> list[Rule]:
    """Every `[[rule]]` of one TOML file; raise RuleFileError naming file and rule. A user's
    patterns are compiled and checked here; built-in ones on first use.

    `builtin`: the file ships with the package, so its patterns may run without a timeout on
    ordinary lines when they cannot backtrack catastrophically (no nested quantifier).
    """
    text = text.removeprefix("\ufeff")  # a byte-order mark (Windows editors) is not TOML
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        rule_id = _rule_id_before_error(text, str(exc))
        raise RuleFileError(f"{file}: {rule_id}: TOML syntax error: {exc}") from exc
    entries = data.get("rule", [])
    if not isinstance(entries, list):
        raise RuleFileError(f"{file}: ?: expected [[rule]] tables")
    vocab = _vocab(data.get("vocab", {}), file)
    if vocab:
        entries = [_with_vocab(entry, vocab, file, n) for n, entry in enumerate(entries, 1)]
    rules = [_parse_rule(entry, file, n, lazy=builtin) for n, entry in enumerate(entries, 1)]
    if builtin:
        rules = [
            dataclasses.replace(rule, guarded=may_backtrack(rule.pattern_text), builtin=True)
            for rule in rules
        ]
    return rules


_VOCAB_REF = re.compile(r"\{\{(\w+)\}\}")


def _vocab(table: Any, file: str) -> dict[str, str]:
    """A file's `[vocab]`: named pieces of pattern (word lists) that its patterns use as
    `{{name}}`, so a long pattern does not repeat a list it needs twice."""
    if not isinstance(table, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and v for k, v in table.items()
    ):
        raise RuleFileError(f"{file}: [vocab]: every entry must be a non-empty string")
    return table


def _with_vocab(entry: Any, vocab: dict[str, str], file: str, position: int) -> Any:
    """The rule's table with `{{name}}` in its pattern replaced by the file's vocab entry."""
    if not isinstance(entry, dict) or not isinstance(entry.get("pattern"), str):
        return entry

    def expand(ref: re.Match[str]) -> str:
        if ref.group(1) not in vocab:
            rule = entry.get("id", f"rule #{position}")
            raise RuleFileError(f"{file}: {rule}: unknown vocab name {ref.group(1)!r}")
        return vocab[ref.group(1)]

    return {**entry, "pattern": _VOCAB_REF.sub(expand, entry["pattern"])}


def _rule_id_before_error(text: str, message: str) -> str:
    """The id of the rule a TOML syntax error is in: the last `id = ...` above the error line."""
    found = _TOML_LINE.search(message)
    lines = text.splitlines()[: int(found.group(1)) if found else 0]
    for line in reversed(lines):
        match = _TOML_ID.match(line)
        if match:
            return match.group(1)
        if line.strip() == "[[rule]]":
            break
    return "?"


def build_ruleset(sources: Iterable[tuple[str, str]], *, builtin_count: int = 0) -> Ruleset:
    """A ruleset from (file name, TOML text) pairs; ids must be unique across all files.

    The first `builtin_count` sources are the package's own rule files.
    """
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    digest = hashlib.sha256()
    names = []
    for position, (name, text) in enumerate(sources):
        names.append(name)
        digest.update(name.rsplit("/", 1)[-1].encode() + b"\0" + text.encode() + b"\0")
        for rule in parse_rule_file(text, name, builtin=position < builtin_count):
            for key in (rule.id, *rule.aliases):
                if key in seen:
                    raise RuleFileError(f"{name}: {rule.id}: duplicate id (also in {seen[key]})")
                seen[key] = name
            rules.append(rule)
    return Ruleset(
        tuple(r for r in rules if not r.code),
        digest.hexdigest()[:12],
        tuple(names),
        code_rules=tuple(r for r in rules if r.code),
    )


def builtin_sources() -> list[tuple[str, str]]:
    """The rule files shipped in the `rules` package, in name order."""
    root = resources.files("cleaner.rules")
    files = sorted((p for p in root.iterdir() if p.name.endswith(".toml")), key=lambda p: p.name)
    return [(f"rules/{p.name}", p.read_text(encoding="utf-8")) for p in files]


def builtin_patterns() -> list[str]:
    """Every built-in rule's pattern text as the loader builds it (phrase lists compiled, vocab
    names replaced): the patterns `rules/prefilter.json` holds keywords for."""
    sources = builtin_sources()
    ruleset = build_ruleset(sources, builtin_count=len(sources))
    return [rule.pattern_text for rule in ruleset.rules if rule.pattern_text]


def directory_sources(directory: str | Path) -> list[tuple[str, str]]:
    """Every `*.toml` in a user's rule directory (or a single file)."""
    path = Path(directory)
    if path.is_file():
        files = [path]
    elif path.is_dir():
        files = sorted(path.glob("*.toml"))
        if not files:
            raise RuleFileError(f"{directory}: ?: no *.toml rule files in this directory")
    else:
        raise RuleFileError(f"{directory}: ?: no such rule file or directory")
    out = []
    for file in files:
        try:
            out.append((str(file), file.read_text(encoding="utf-8-sig")))
        except (OSError, UnicodeDecodeError) as exc:
            raise RuleFileError(f"{file}: ?: cannot read: {exc}") from exc
    return out


_DEFAULT: Ruleset | None = None
CODE_RULES_FILE = "rules/code.toml"


def default_ruleset() -> Ruleset:
    """The built-in rules, loaded once per process."""
    global _DEFAULT
    if _DEFAULT is None:
        sources = builtin_sources()
        _DEFAULT = build_ruleset(sources, builtin_count=len(sources))
    return _DEFAULT


def load_ruleset(extra_dirs: Iterable[str | Path] = (), *, defaults: bool = True) -> Ruleset:
    """Built-in rules (unless `defaults` is false) followed by the rules of each directory.

    The rules decided in code (rules/code.toml) are always registered: the code runs anyway.
    The built-in rules alone are `default_ruleset()`, built once: the pipeline's passes use it
    too, and building it again cost ~15 ms of every `cleaner clean`.
    """
    if defaults and not extra_dirs:
        return default_ruleset()
    sources = builtin_sources()
    if not defaults:
        sources = [source for source in sources if source[0] == CODE_RULES_FILE]
    builtin_count = len(sources)
    for directory in extra_dirs:
        sources.extend(directory_sources(directory))
    return build_ruleset(sources, builtin_count=builtin_count)
