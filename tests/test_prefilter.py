"""Keywords derived from a pattern must never stop a rule that would have matched."""

from __future__ import annotations

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner.prefilter import UNSAFE, fold, required_keywords, safe
from cleaner.ruleset import default_ruleset


def _sound(pattern: str, text: str) -> bool:
    """If the pattern matches, the case-folded text holds one of its keywords."""
    keywords = required_keywords(pattern)
    if not keywords or not regex.search(pattern, text):
        return True
    folded = fold(text)
    return any(k in folded for k in keywords)


def test_literal_text_becomes_the_keyword() -> None:
    assert required_keywords(r"(?i)^\W*read more\b") == ("read more",)
    assert required_keywords(r"^(?:Reply|Cancel reply)$") == ("cancel reply", "reply")


def test_a_literal_joined_with_an_alternation_of_literals() -> None:
    assert required_keywords(r"\w+\.(?:ru|com)\b") == (".com", ".ru")
    assert required_keywords(r"^\d+ (?:of|von) \d+") == (" of ", " von ")


def test_the_strongest_requirement_of_a_sequence_wins() -> None:
    assert required_keywords(r"\d+ (?:min|hours?) ago") == (" ago",)


def test_optional_parts_and_unknown_syntax_give_no_keywords() -> None:
    assert required_keywords(r"(?:advertisement)?\d+") == ()
    assert required_keywords(r"(?:sponsored|\d+)") == ()  # one branch has no literal text
    assert required_keywords(r"^[A-Z]{2,12}\d{8,}$") == ()
    assert required_keywords(r"\p{Lu}{3} news") == ()  # `regex`-only syntax: unknown, no guess


def test_characters_whose_folds_disagree_break_a_keyword() -> None:
    # `(?i)ß` also matches a newer capital that Python's case folding does not know.
    assert required_keywords(r"(?i)straßenbahn") == ("enbahn",)
    assert required_keywords(r"(?i)winter") == ("winter",)  # ı and İ fold to i


def test_case_folding_finds_the_variant_letters() -> None:
    assert _sound(r"(?i)sponsored", "ſponſored")  # long s
    assert _sound(r"(?i)inside", "İNSİDE") and _sound(r"(?i)inside", "ınsıde")
    assert _sound(r"(?i)straße", "STRASSE") or not regex.search(r"(?i)straße", "STRASSE")
    assert _sound(r"(?i)реклама", "РЕКЛАМА")


@pytest.mark.slow
def test_unsafe_list_is_what_the_regex_module_does() -> None:
    """Recompute UNSAFE from every code point: a character is safe when each character a
    case-insensitive match of it accepts has the same fold."""
    everything = "".join(chr(i) for i in range(0x110000) if not 0xD800 <= i < 0xE000)
    unsafe = set()
    for code in range(0x20, 0x500):
        ch = chr(code)
        if not ch.isprintable():
            continue
        accepted = regex.findall("(?i)" + regex.escape(ch), everything)
        if any(fold(other) != fold(ch) for other in accepted):
            unsafe.add(ch)
    assert unsafe == set(UNSAFE)
    assert not safe("ß") and safe("\u0131") and safe("s") and safe("я")


def test_builtin_rules_keep_every_remove_example() -> None:
    for rule in default_ruleset():
        pattern = rule.pattern_text or rule.matcher.pattern
        for example in rule.examples_remove:
            for line in example.splitlines():
                assert _sound(pattern, line), (rule.id, line)


_PIECES = st.sampled_from(
    ["ago", "Says", "ſ", "İ", "ı", "ß", "SS", "Σ", "ς", "реклама", "РЕКЛ", "ё", " ", "-", "5", "K"]
    + [".", "ru", "COM", "x", "a", "b", "c", "y"]
)
_PATTERNS = st.sampled_from(
    [
        r"(?i)says",
        r"(?i)\d+ ago",
        r"(?i)(?:реклама|ss)",
        r"(?i)ıs",
        r"(?i)[ſs]ay",
        r"(?i)(?=.*ago)\w+",
        r"(?i)(?:σ|ß)+",
        r"(?i)kelvin|K",
        r"ſ{2,}",
        r"Ё|ё",
        r"(?i)\w\.(?:ru|com)\b",
        r"(?i)x(?:a|b)(?:c|)y",
        r"(?i)x\b(?:a|ſ)",
    ]
)


@settings(max_examples=300, deadline=None)
@given(_PATTERNS, st.lists(_PIECES, max_size=8).map("".join))
def test_derived_keywords_are_sound(pattern: str, text: str) -> None:
    assert _sound(pattern, text)


def test_the_shipped_keyword_table_is_current() -> None:
    """rules/prefilter.json holds every built-in pattern's keywords as computed now; when a
    rule file changes, `python -m cleaner.prefilter` rewrites it (until then start-up is slow)."""
    from importlib import resources

    from cleaner.prefilter import TABLE_FILE, builtin_table

    shipped = resources.files("cleaner.rules").joinpath(TABLE_FILE).read_text("utf-8")
    assert shipped == builtin_table() + "\n", "stale: run `python -m cleaner.prefilter`"


def test_keywords_for_reads_the_table_and_computes_what_it_lacks() -> None:
    from cleaner.prefilter import keywords_for

    for rule in default_ruleset():
        assert keywords_for(rule.pattern_text) == required_keywords(rule.pattern_text)
    unseen = r"(?i)\bquarterly widget census\b"
    assert keywords_for(unseen) == required_keywords(unseen) == ("quarterly widget census",)
