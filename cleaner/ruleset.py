"""Loading rule files: built-in ones and users' go through the same door.

A rule is data: an id, a category, a description, the languages it applies to, what it matches
(a regular expression, or a list of phrases that the loader compiles), what it removes, and
examples. Patterns are compiled with the `regex` module so that every match runs under a timeout:
a user's `(a+)+$` cannot hang the process.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import tomllib
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import regex

from cleaner.errors import RuleFileError
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
MATCH_TIMEOUT = 0.05  # seconds for one regular-expression search on one line
# A search with a timeout costs ~1.7 µs more than one without (regex reads the clock), as much
# as the search itself: a third of the rule engine's time. Built-in patterns without nested
# quantifiers run unguarded on lines up to this length; users' patterns are always guarded.
UNGUARDED_MAX_CHARS = 2000
_REPEAT = re.compile(r"[+*]|\{\d*,(\d*)\}")
_TOML_LINE = re.compile(r"\(at line (\d+)")
_TOML_ID = re.compile(r"""^\s*id\s*=\s*["']([^"']+)["']""")


class RuleTimeoutWarning(UserWarning):
    """A rule's pattern ran out of time on a line; the rule was skipped for that line.

    A warning, not a field of the Document: `clean()` stays pure, and the CLI prints it once
    per rule. Its text does not name the line, so Python's "once" filter also dedups it.
    """

    def __init__(self, rule_id: str, source_file: str) -> None:
        super().__init__(
            f"rule {rule_id} ({source_file}): pattern took longer than "
            f"{MATCH_TIMEOUT * 1000:.0f} ms on a line and was skipped for it "
            "(catastrophic backtracking?)"
        )
        self.rule_id = rule_id


_ALLOWED_KEYS = {
    "id", "category", "description", "pattern", "phrases", "ignore_case", "keywords",
    "remove", "languages", "where", "max_words", "date_source", "aliases", "preview",
    "examples_remove", "examples_keep",
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
    guarded: bool = True  # search under MATCH_TIMEOUT whatever the line's length
    flags: int = regex.V0
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
            object.__setattr__(self, "matcher", regex.compile(self.pattern_text, self.flags))
        return self.matcher

    def applies_to(self, language: str | None) -> bool:
        return not self.languages or language is None or language in self.languages

    def search(self, text: str) -> Any:
        """The match object or None; a search that exceeds MATCH_TIMEOUT counts as no match."""
        if self.max_words is not None and len(text.split()) > self.max_words:
            return None
        matcher = self.matcher if self.matcher is not None else self.compile()
        if not self.guarded and len(text) <= UNGUARDED_MAX_CHARS:
            return matcher.search(text)
        try:
            return matcher.search(text, timeout=MATCH_TIMEOUT)
        except TimeoutError:
            warnings.warn(RuleTimeoutWarning(self.id, self.source_file), stacklevel=2)
            return None


@dataclass(frozen=True)
class Ruleset:
    """An ordered collection of rules with a version hash of the files they came from."""

    rules: tuple[Rule, ...]
    version: str
    files: tuple[str, ...] = ()
    _by_id: dict[str, Rule] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for rule in self.rules:
            self._by_id[rule.id] = rule
            for alias in rule.aliases:
                self._by_id.setdefault(alias, rule)

    def get(self, rule_id: str) -> Rule | None:
        return self._by_id.get(rule_id)

    def __len__(self) -> int:
        return len(self.rules)

    def __iter__(self):  # type: ignore[no-untyped-def]
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
    )
    if compiled is not None:
        object.__setattr__(rule, "matcher", compiled)  # checked above: not compiled twice
    return rule


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


def _checked_pattern(pattern: str, flags: int, where: str) -> Any:
    """The compiled pattern, or RuleFileError: invalid, matching an empty line, or with a
    named group that is not a metadata field."""
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
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        rule_id = _rule_id_before_error(text, str(exc))
        raise RuleFileError(f"{file}: {rule_id}: TOML syntax error: {exc}") from exc
    entries = data.get("rule", [])
    if not isinstance(entries, list):
        raise RuleFileError(f"{file}: ?: expected [[rule]] tables")
    rules = [_parse_rule(entry, file, n, lazy=builtin) for n, entry in enumerate(entries, 1)]
    if builtin:
        rules = [
            dataclasses.replace(rule, guarded=may_backtrack(rule.pattern_text)) for rule in rules
        ]
    return rules


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
    return Ruleset(tuple(rules), digest.hexdigest()[:12], tuple(names))


def builtin_sources() -> list[tuple[str, str]]:
    """The rule files shipped in the `rules` package, in name order."""
    root = resources.files("rules")
    files = sorted((p for p in root.iterdir() if p.name.endswith(".toml")), key=lambda p: p.name)
    return [(f"rules/{p.name}", p.read_text(encoding="utf-8")) for p in files]


def builtin_patterns() -> list[str]:
    """Every built-in rule's pattern text (phrase lists as `phrases_pattern` compiles them)."""
    patterns = []
    for _name, text in builtin_sources():
        for entry in tomllib.loads(text).get("rule", []):
            phrases = entry.get("phrases")
            patterns.append(phrases_pattern(phrases) if phrases is not None else entry["pattern"])
    return patterns


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
            out.append((str(file), file.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError) as exc:
            raise RuleFileError(f"{file}: ?: cannot read: {exc}") from exc
    return out


_DEFAULT: Ruleset | None = None


def default_ruleset() -> Ruleset:
    """The built-in rules, loaded once per process."""
    global _DEFAULT
    if _DEFAULT is None:
        sources = builtin_sources()
        _DEFAULT = build_ruleset(sources, builtin_count=len(sources))
    return _DEFAULT


def load_ruleset(extra_dirs: Iterable[str | Path] = (), *, defaults: bool = True) -> Ruleset:
    """Built-in rules (unless `defaults` is false) followed by the rules of each directory."""
    sources = builtin_sources() if defaults else []
    builtin_count = len(sources)
    for directory in extra_dirs:
        sources.extend(directory_sources(directory))
    return build_ruleset(sources, builtin_count=builtin_count)
