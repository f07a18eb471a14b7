"""The rule engine: match every unit against the rules, then apply each rule's extent.

Pass 1 gives each unit the first rule that matches it on its own (keyword pre-filter, then the
regular expression). Pass 2 widens the extents: a `block` rule takes its block, a `section` rule
takes the teasers after its heading, a `rest` rule everything after it. A unit inside an extent
that has a match of its own keeps its own rule id, so `--explain` and `paywalled` stay precise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

import ahocorasick

from cleaner.lines import Unit
from cleaner.prefilter import fold
from cleaner.ruleset import Rule, RuleBudget

_TERMINAL = frozenset('.!?"”»)')  # a paragraph of prose ends with one of these
TOP_UNITS = 8  # `where = "top"` rules look at most this far before the body starts
SECTION_MAX = 60
BODY_CONFIRM_WINDOW = 4  # the article starts with two prose paragraphs at most this far apart
REST_PROSE_WINDOW = 3  # a `rest` rule does not fire with two prose paragraphs this close after


@dataclass(slots=True)
class Match:
    rule: Rule
    captures: dict[str, str] = field(default_factory=dict)
    end: int = 0  # end of the matched span, for prefix rules


def is_body_like(unit: Unit) -> bool:
    """A paragraph that reads as article prose: enough words and a sentence ending."""
    text = unit.text
    # Unit texts are stripped single lines: their last character is the end (a teaser cut
    # with "..." is not prose).
    return unit.words >= 12 and text[-1:] in _TERMINAL and not text.endswith("...")


class Dispatch:
    """Which rules can match a line: one Aho-Corasick pass finds every keyword in it.

    Trying each rule's keywords with `in` cost ~500 substring tests per line; the automaton
    finds all of them in one C pass, and only the rules whose keyword occurs (plus the few
    without keywords) run their regular expression, still in rule order.
    """

    __slots__ = ("rules", "always", "always_sorted", "automaton")

    def __init__(self, rules: Sequence[Rule]) -> None:
        self.rules = tuple(rules)
        self.always = frozenset(i for i, r in enumerate(self.rules) if not r.keywords)
        self.always_sorted = sorted(self.always)  # most lines hold no keyword at all
        by_keyword: dict[str, set[int]] = {}
        for i, rule in enumerate(self.rules):
            for keyword in rule.keywords:  # folded, as the line is: ſ, ẞ, İ find s, ss, i
                by_keyword.setdefault(fold(keyword), set()).add(i)
        self.automaton: Any = None
        if by_keyword:
            automaton = ahocorasick.Automaton()
            for keyword, owners in by_keyword.items():
                automaton.add_word(keyword, frozenset(owners))
            automaton.make_automaton()
            self.automaton = automaton

    def candidates(self, folded: str) -> list[int]:
        """Indices of the rules worth trying on a folded line (prefilter.fold), in rule order."""
        found: set[int] | None = None
        if self.automaton is not None:
            for _, owners in self.automaton.iter(folded):
                if found is None:
                    found = set(self.always)
                found |= owners
        return self.always_sorted if found is None else sorted(found)


_DISPATCH: dict[tuple[int, ...], Dispatch] = {}


def dispatch_for(rules: Sequence[Rule]) -> Dispatch:
    """The Dispatch of a rule list, built once per distinct list (it holds the rules, so the
    ids in the key stay theirs)."""
    key = tuple(map(id, rules))
    found = _DISPATCH.get(key)
    if found is None:
        if len(_DISPATCH) >= 64:
            _DISPATCH.clear()
        found = _DISPATCH[key] = Dispatch(rules)
    return found


def match_unit(
    unit: Unit, dispatch: Dispatch, position: str, budget: RuleBudget | None = None
) -> Match | None:
    """The first rule that matches this unit on its own (`budget`: the document's, see
    ruleset.RuleBudget)."""
    rules = dispatch.rules
    for i in dispatch.candidates(fold(unit.text)):
        rule = rules[i]
        if rule.where != "any" and position and rule.where != position:
            continue
        found = rule.search(unit.text, budget)
        if found is None:
            continue
        if rule.remove == "prefix" and found.start() != 0:
            continue
        captures = {k: v.strip() for k, v in found.groupdict().items() if v and v.strip()}
        return Match(rule, captures, found.end())
    return None


def apply_rules(
    units: list[Unit], rules: Sequence[Rule], *, positional: bool = True
) -> list[tuple[Unit, Match]]:
    """Mark units removed (in place) and return the matches in document order.

    `positional=False` ignores `where` constraints (rule examples are single lines).
    """
    dispatch = dispatch_for(rules)
    budget = RuleBudget()  # this document's: a rule that timed out skips its other lines
    prose = [u.index for u in units if is_body_like(u)]
    start = prose[0] if prose else len(units)  # the first body-like unit
    after_body = _after_body(units, prose)
    matches: dict[int, Match] = {}
    for unit in units:
        if unit.removed_by is not None:
            continue
        if unit.index < start and unit.index < TOP_UNITS:
            position = "top"
        elif after_body[unit.index]:
            position = "bottom"
        else:
            position = "any"
        found = match_unit(unit, dispatch, position if positional else "", budget)
        if found is not None:
            matches[unit.index] = found
    # Later headings first: a unit under two extents belongs to the nearest heading above it.
    for index in sorted(matches, reverse=True):
        _apply_extent(units, index, matches[index], matches, after_body[index])
    return [(units[i], matches[i]) for i in sorted(matches)]


def _after_body(units: Sequence[Unit], prose: Sequence[int]) -> list[bool]:
    """For each unit: has the article started before it? Footers can only start there.

    The article starts at the first prose paragraph followed closely by another one: a lone
    cookie notice at the top is not a start, so a menu's "About us" under it cannot take the
    article with it as a `rest` rule would. `prose`: the indices of the body-like units.
    """
    start = next((a for a, b in pairwise(prose) if b - a <= BODY_CONFIRM_WINDOW), len(units))
    return [unit.index > start for unit in units]


def _apply_extent(
    units: list[Unit], index: int, found: Match, matches: dict[int, Match], after_body: bool
) -> None:
    unit, rule = units[index], found.rule
    if rule.remove == "prefix":
        rest = unit.text[found.end :].lstrip()
        if rest:
            unit.prefix_removed = unit.text[: found.end].strip()
            unit.prefix_rule = rule.id
            unit.text = rest
            return
    unit.removed_by = rule.id
    if rule.remove == "block":
        extent = [u for u in units if u.block == unit.block]
    elif rule.remove == "rest" and after_body and not _prose_follows(units, index):
        extent = units[index + 1 :]
    elif rule.remove == "section":
        extent = _section(units, index, matches)
    else:
        return
    for other in extent:
        if other.removed_by is None and other.index not in matches:
            other.removed_by = rule.id


def _prose_follows(units: Sequence[Unit], index: int) -> bool:
    """Two article paragraphs right after a footer-start line: it was a link in a share bar
    under the lead ("Comments", "Réagir"), not the start of the footer."""
    following = units[index + 1 : index + 1 + REST_PROSE_WINDOW]
    return sum(1 for unit in following if is_body_like(unit)) >= 2


def _section(units: list[Unit], index: int, matches: dict[int, Match]) -> list[Unit]:
    """The teasers after a list heading: up to the next body-like paragraph."""
    out = []
    for other in units[index + 1 : index + 1 + SECTION_MAX]:
        if other.index in matches and matches[other.index].rule.remove in ("section", "rest"):
            break
        if is_body_like(other):
            break
        out.append(other)
    return out
