"""Splitting a scrape into units (logical lines) and re-joining hard-wrapped paragraphs.

A unit is what rules look at: one input line, or, in a hard-wrapped scrape, one paragraph made of
several input lines. Each unit remembers the input line numbers it came from, so that every
removal can be reported per input line (lossless accounting).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from cleaner.language import words

_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000\ufeff]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_ENDS_SENTENCE = re.compile(r"""[.!?…:;"”»)\]']$""")
_STARTS_PARAGRAPH = re.compile(r"""^(?:[A-ZА-ЯЁÀ-ÖØ-Þ0-9"“«'‘(\[—–-]|[•·*▪►]\s)""")
_WORD = re.compile(r"\w+")
# A drop cap scraped apart from its word ("T he Davis Cup..."). Letters that are words of their
# own in some language (A, I, O, E, U, Y, and Slavic W, Z, V, S, K) are left alone.
_DROP_CAP = re.compile(r"^([BCDFGHJLMNPQRTX]) ([a-zß-öø-ÿ]{2,})\b")


@dataclass(slots=True)
class Unit:
    """A logical line. `removed_by` is the id of the rule that removed it, or None (kept)."""

    index: int
    lines: list[int]  # 1-based input line numbers
    raw: list[str]  # the normalised input lines, one per number
    text: str
    block: int
    removed_by: str | None = None
    prefix_removed: str = ""  # a leading span removed by a prefix rule
    prefix_rule: str | None = None
    words: int = 0
    note: str = ""  # why the body model removed it (its probability), shown by --explain
    _tokens: tuple[str, list[str]] | None = field(default=None, repr=False, compare=False)

    @property
    def kept(self) -> bool:
        return self.removed_by is None

    def tokens(self) -> list[str]:
        """`language.words(self.text)`, computed once per text: the language guess and the
        generic classifier both read every unit's words (a prefix rule may change the text)."""
        cached = self._tokens
        if cached is None or cached[0] is not self.text:
            cached = self._tokens = (self.text, words(self.text))
        return cached[1]


def split_lines(text: str) -> list[str]:
    """Input lines, normalised; line numbers are positions in this list plus one.

    NFC, control characters dropped, runs of (no-break) spaces as one space, each line
    stripped. Done on the whole text at once: no pattern spans a newline and NFC never composes
    across one, so the lines are those of a per-line pass, in four C calls instead of four per
    line. Controls go before NFC, or a control between a letter and its mark would stay.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if _CONTROL.search(text):
        text = _CONTROL.sub("", text)
    text = _SPACES.sub(" ", unicodedata.normalize("NFC", text))
    return [line.strip() for line in text.split("\n")]


def wrap_width(lines: list[str]) -> int | None:
    """The column a hard-wrapped scrape was wrapped at, or None when it is not hard-wrapped.

    A wrapped text has no (or few) blank lines and most lines end close to one width.
    """
    lengths = sorted(len(x) for x in lines if x)
    if len(lengths) < 6:
        return None
    blanks = sum(1 for x in lines if not x)
    if blanks > len(lengths) * 0.2:
        return None
    width = lengths[int(len(lengths) * 0.8)]
    if not 30 <= width <= 110:
        return None
    near = sum(1 for n in lengths if 0.7 * width <= n <= width * 1.05)
    return width if near >= 0.55 * len(lengths) else None


def _ends_paragraph(line: str, nxt: str, width: int) -> bool:
    if not nxt:
        return True
    if len(line) < 0.6 * width:
        return True
    return bool(_ENDS_SENTENCE.search(line) and _STARTS_PARAGRAPH.match(nxt))


def _join(parts: list[str]) -> str:
    out = parts[0]
    for part in parts[1:]:
        # A word hyphenated across the wrap ("anti-\nterrorist") keeps its hyphen: scrapes rarely
        # carry soft hyphens, and a real compound must not be broken.
        out = f"{out} {part}" if not out.endswith("-") or out.endswith(" -") else out + part
    return out


def make_units(text: str) -> tuple[list[Unit], list[str]]:
    """Units of a scrape, and its normalised input lines (numbered from 1)."""
    lines = split_lines(text)
    width = wrap_width(lines)
    units: list[Unit] = []
    block = 0
    previous_blank = True
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line:
            previous_blank = True
            i += 1
            continue
        if previous_blank:
            block += 1
        numbers, parts = [i + 1], [line]
        if width is not None:
            while i + 1 < len(lines) and not _ends_paragraph(lines[i], lines[i + 1], width):
                i += 1
                numbers.append(i + 1)
                parts.append(lines[i])
        joined = _join(parts)
        if joined[1:2] == " ":  # the only lines _DROP_CAP can match
            joined = _DROP_CAP.sub(r"\1\2", joined)
        units.append(Unit(len(units), numbers, parts, joined, block, words=count_words(joined)))
        previous_blank = width is not None  # in wrapped text every paragraph is its own block
        i += 1
    return units, lines


def count_words(text: str) -> int:
    return len(_WORD.findall(text))
