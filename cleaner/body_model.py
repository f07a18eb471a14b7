"""The learned body model: per-unit features with their context, and cheap tree inference.

Why a model: the hand-weighted classifier it replaces kept one run of lines with the largest
sum of scores, so a box inside an article cut it, and a list- or table-shaped article, or a page
in a language without a stop-word list, lost its body. Here every unit gets a probability of
being article text from features of the unit *and of its neighbours* (shape, length in
characters, sentence and link shape, stop-word density only where a list exists, position,
distance to the repeated headline and to lines the named rules removed), so the body may be
several runs separated by inserts.

Two stages, as in stacked sequence labelling: stage 1 sees the features; stage 2 sees them
plus stage 1's probabilities of the neighbours (smoothed over windows), which lets a unit
follow its context (an insert between two article parts goes, the article after it stays).

The trees are trained with scikit-learn's HistGradientBoostingClassifier
(scripts/train_body.py, `make train`) and exported to a small JSON file (cleaner/body_model.json)
holding each tree's node arrays; inference here is a few numpy gathers per tree level over all
units and trees at once, so neither scikit-learn nor any other heavy import is needed at run
time. The tree walk is hand-written because it is twenty lines and loading scikit-learn (or
LightGBM) would cost more than cleaning a page.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from cleaner.language import stopwords

MODEL_FILE = "body_model.json"
FORMAT_VERSION = 1

_BULLET = re.compile(r"(?:[-–—•·*▪►✓→]|\d{1,3}[.)] |[a-z][.)] )")  # matched at a unit's start
_LINK_MARKS = ("://", "www.", ".com", ".org", ".net", ".ru", ".de", "@", " #")
_SEPARATOR_CHARS = "|›»·•/"


def _table(chars: str) -> np.ndarray:
    """A lookup table over the Basic Multilingual Plane: True at each of `chars`."""
    out = np.zeros(0x10000, dtype=bool)
    out[[ord(c) for c in chars]] = True
    return out


_BULLET = re.compile(r"^(?:[-–—•·*▪►✓→]|\d{1,3}[.)] |[a-z][.)] )", re.M)
_SEPARATOR = _table(_SEPARATOR_CHARS)
_TERMINAL = _table('.!?:;"”»)。！？」』）')
_MARKS = _table(".!?。！？")
_QUOTES = _table("\"“«„'‘‹—–")
_CYRILLIC_LANGUAGES = ("ru", "uk", "bg", "sr", "mk", "be")

# Per-unit features ("base"): their names, in column order (explanations use them).
BASE = (
    "ruled",  # a named rule removed the unit (it is context only)
    "ruled_inline",  # ... and the rule is one of the inserts found inside articles
    "log_chars",
    "log_words",
    "terminal",  # ends like a sentence
    "ellipsis",  # ends with '…' or '...' (a teaser)
    "separators",  # 'a | b', 'a › b', 'a - b - c'
    "handles",  # @handles, #tags, URLs, e-mail addresses per word
    "capitalised",  # share of words starting with a capital
    "stop_density",  # stop-word share, 0 when the language has no list
    "sentences",  # sentence ends inside the unit
    "digits",  # share of digits among characters
    "upper",  # share of capitals among letters
    "bullet",  # starts like a list item
    "colon_end",
    "cjk",  # share of Chinese/Japanese/Korean characters
    "foreign_script",  # Latin line in a Cyrillic page or the reverse
    "duplicate",  # the same text occurs elsewhere on the page
    "word_length",  # mean characters per word
    "commas",  # commas per word
    "block_size",  # log units in its blank-line block
    "block_first",
    "quote_start",
)
NEIGHBOUR = ("ruled", "ruled_inline", "log_chars", "terminal", "stop_density", "separators")
OFFSETS = (-3, -2, -1, 1, 2, 3)
CONTEXT = (
    "position",  # index / units
    "chars_before",  # share of the page's characters before the unit
    "from_start",  # log units from the start
    "to_end",  # log units to the end
    "anchor_distance",  # units after the repeated headline (clipped), -31 when none
    "after_anchor",
    "page_units",
    "page_has_stoplist",
    "page_prose",  # share of prose units on the page
    "rel_length",  # chars / the page's longest unit
    "mean_len_5",
    "mean_len_15",
    "prose_5",
    "prose_15",
    "prose_before",  # share of the page's prose characters before the unit
    "blocking_5",  # lines removed by (non-insert) rules within 5
    "prose_dist_before",
    "prose_dist_after",
    "block_dist_before",
    "block_dist_after",
)
STAGE1 = (
    BASE + tuple(f"{n}@{o:+d}" for o in OFFSETS for n in NEIGHBOUR) + CONTEXT
)  # stage 1's columns
PROB_CONTEXT = (
    "p",
    "p@-2",
    "p@-1",
    "p@+1",
    "p@+2",
    "p_mean_5",
    "p_mean_15",
    "p_max_before_10",
    "p_max_after_10",
    "p_chars_before",  # share of probable-body characters before the unit
    "p_chars_after",
)
STAGE2 = STAGE1 + PROB_CONTEXT
_IDX = {name: i for i, name in enumerate(BASE)}
_NEIGHBOUR_COLUMNS = [_IDX[name] for name in NEIGHBOUR]
_OFFSETS = np.array(OFFSETS)


_SPACE, _DIGIT, _UPPER, _LETTER, _CJK, _CYR, _MARK, _COMMA = (1 << k for k in range(8))


@lru_cache(maxsize=1)
def _classes() -> np.ndarray:
    """Each Basic Multilingual Plane code point's character classes, as bits. Letters outside
    Latin, Cyrillic and CJK count as letters by range: exact Unicode categories would cost a
    Python call per character."""
    cp = np.arange(0x10000, dtype=np.uint32)
    ascii_up = (cp >= 65) & (cp <= 90)
    ascii_low = (cp >= 97) & (cp <= 122)
    latin1 = (cp >= 0xC0) & (cp <= 0x24F) & (cp != 0xD7) & (cp != 0xF7)
    latin1_up = latin1 & ((cp <= 0xDE) | ((cp >= 0x100) & (cp % 2 == 0)))
    cyr = (cp >= 0x400) & (cp <= 0x4FF)
    cjk = (
        ((cp >= 0x3040) & (cp <= 0x30FF))
        | ((cp >= 0x3400) & (cp <= 0x9FFF))
        | ((cp >= 0xAC00) & (cp <= 0xD7AF))
        | ((cp >= 0xF900) & (cp <= 0xFAFF))
    )
    other = (cp >= 0x370) & ~cyr & ~cjk & ((cp < 0x2000) | ((cp >= 0x3040) & (cp < 0xFE00)))
    out = np.zeros(0x10000, dtype=np.uint8)
    out[(cp == 32) | (cp == 10) | (cp == 9)] |= _SPACE
    out[(cp >= 48) & (cp <= 57)] |= _DIGIT
    out[ascii_up | latin1_up | ((cp >= 0x400) & (cp <= 0x42F))] |= _UPPER
    out[ascii_up | ascii_low | latin1 | cyr | cjk | other] |= _LETTER
    out[cjk] |= _CJK
    out[cyr] |= _CYR
    out[[ord(c) for c in ".!?。！？"]] |= _MARK
    out[44] |= _COMMA
    out[0xFFFF] = 0  # stands for every code point above the plane: none of the classes
    return out


def _char_counts(texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per-unit counts of character classes, vectorised over the whole page: the page's text
    as code points, their classes from one table look-up, one `np.add.reduceat` per class.

    Returns (counts: classes x units, the code points, each unit's start, each unit's end).
    Classes (rows): a separator between spaces ('a | b'), a dash between spaces, space,
    digit, upper, letter, cjk, cyrillic, word start, capitalised word start, sentence mark
    (followed by a space or the line's end), comma, start of a word of letters outside CJK."""
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    starts = np.concatenate(([0], np.cumsum(lengths + 1)[:-1]))
    ends = starts + lengths
    cp = np.frombuffer("\n".join(texts).encode("utf-32-le"), dtype=np.uint32)
    cls = _classes()[np.minimum(cp, 0xFFFF)]
    space = (cls & _SPACE) != 0
    letter = (cls & _LETTER) != 0
    upper = (cls & _UPPER) != 0
    cjk = (cls & _CJK) != 0
    prev_space = np.concatenate(([True], space[:-1]))
    prev_letter = np.concatenate(([False], letter[:-1]))
    next_space = np.concatenate((space[1:], [True]))
    word_start = ~space & prev_space
    sep = _SEPARATOR[np.minimum(cp, 0xFFFF)]
    spaced = prev_space & next_space
    rows = (
        lambda: spaced & sep,  # ' | ', ' › ', ' / ' ...
        lambda: spaced & (cp == 45),  # ' - '
        lambda: space,
        lambda: (cls & _DIGIT) != 0,
        lambda: upper,
        lambda: letter,
        lambda: cjk,
        lambda: (cls & _CYR) != 0,
        lambda: word_start,
        lambda: word_start & upper,
        lambda: ((cls & _MARK) != 0) & next_space,
        lambda: (cls & _COMMA) != 0,
        lambda: letter & ~cjk & ~prev_letter,
    )
    # One class at a time, each summed per unit along a contiguous row: a matrix of every
    # class for every character (as int32), reduced along its rows, took 3.3 GB on an 18 MB
    # text of 99,000 lines (#18) and was 20x slower; the counts are the same.
    if not len(cp):
        return np.zeros((len(rows), 0), dtype=np.int32), cp, starts, ends
    counts = np.vstack([np.add.reduceat(row(), starts, dtype=np.int32) for row in rows])
    return counts, cp, starts, ends


def _base_features(seq: Sequence[Any], language: str | None, inline: Collection[str]) -> np.ndarray:
    """The BASE columns for every unit of the page; `inline`: ids of the rules whose lines are
    inserts found inside articles (the rules' `inline` property)."""
    n = len(seq)
    texts = [u.text for u in seq]
    counts, cp, starts, ends = _char_counts(texts)
    (bars, dashes, space, digit, upper, letter, cjk, cyr, parts, capital, marks, commas, words) = (
        counts.astype(np.float64)
    )
    chars = (ends - starts).astype(np.float64)
    last = cp[ends - 1]
    words_n = words + cjk // 2  # two CJK characters count as a word
    safe_parts = np.maximum(parts, 1.0)
    safe_words = np.maximum(words_n, 1.0)
    safe_letters = np.maximum(letter, 1.0)
    stop = stopwords().get(language) if language is not None else None
    density = np.zeros(n)
    if stop:
        for i, unit in enumerate(seq):
            tokens = unit.tokens()
            if tokens:
                density[i] = sum(map(stop.__contains__, tokens)) / len(tokens)
    if language in _CYRILLIC_LANGUAGES:
        foreign = (letter - cyr) / safe_letters
    else:
        foreign = cyr / safe_letters
    dots = (ends >= starts + 3) & (cp[np.maximum(ends - 3, 0)] == 46) & (last == 46)
    ellipsis = (last == 0x2026) | (dots & (cp[np.maximum(ends - 2, 0)] == 46))
    handles = np.fromiter(
        (sum(map(t.count, _LINK_MARKS)) + (t[0] == "#") for t in texts),
        dtype=np.float64,
        count=n,
    )
    bullet = np.fromiter((_BULLET.match(t) is not None for t in texts), dtype=bool, count=n)
    ruled = np.fromiter((u.removed_by is not None for u in seq), dtype=bool, count=n)
    inline = np.fromiter(
        (u.removed_by is not None and u.removed_by in inline for u in seq),
        dtype=bool,
        count=n,
    )
    seen: dict[str, int] = {}
    for t in texts:
        seen[t] = seen.get(t, 0) + 1
    duplicate = np.fromiter((seen[t] > 1 for t in texts), dtype=np.float64, count=n)
    blocks = np.fromiter((u.block for u in seq), dtype=np.int64, count=n)
    block_first = np.concatenate(([True], blocks[1:] != blocks[:-1]))
    first = np.flatnonzero(block_first)
    runs = np.diff(np.append(first, n))
    block_size = np.repeat(runs, runs)  # units of one block are consecutive
    out = np.empty((n, len(BASE)))
    out[:, 0] = ruled
    out[:, 1] = inline
    out[:, 2] = np.log1p(chars + 2 * cjk)
    out[:, 3] = np.log1p(words_n)
    out[:, 4] = _TERMINAL[np.minimum(last, 0xFFFF)]
    out[:, 5] = ellipsis
    out[:, 6] = (bars > 0) | (dashes >= 2)
    out[:, 7] = np.minimum(handles / safe_words, 2.0)
    out[:, 8] = capital / safe_parts
    out[:, 9] = density
    out[:, 10] = np.minimum(marks, 10)
    out[:, 11] = digit / chars
    out[:, 12] = upper / safe_letters
    out[:, 13] = bullet
    out[:, 14] = last == 58
    out[:, 15] = cjk / chars
    out[:, 16] = foreign
    out[:, 17] = duplicate
    out[:, 18] = (chars - space) / safe_parts
    out[:, 19] = np.minimum(commas / safe_words, 1.0)
    out[:, 20] = np.log1p(block_size)
    out[:, 21] = block_first
    out[:, 22] = _QUOTES[np.minimum(cp[starts], 0xFFFF)]
    return out


def _shift(a: np.ndarray, k: int, fill: float) -> np.ndarray:
    """`a` moved by k rows (row i holds row i+k), padded with `fill`."""
    out = np.full_like(a, fill)
    n = a.shape[0]
    if k > 0 and k < n:
        out[: n - k] = a[k:]
    elif k < 0 and -k < n:
        out[-k:] = a[: n + k]
    return out


def _window_mean(v: np.ndarray, half: int) -> np.ndarray:
    """Mean of v (a vector, or columns) over rows i-half..i+half, clipped at the page's edges."""
    c = np.concatenate((np.zeros((1,) + v.shape[1:]), np.cumsum(v, axis=0)))
    n = len(v)
    idx = np.arange(n)
    lo = np.maximum(idx - half, 0)
    hi = np.minimum(idx + half + 1, n)
    span = (hi - lo).reshape((n,) + (1,) * (v.ndim - 1))
    return (c[hi] - c[lo]) / span


def _distances(flags: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each row (and column of `flags`), log1p of the rows back to the previous flagged
    row and on to the next one (log1p(50) when none, or farther)."""
    n = len(flags)
    idx = np.arange(n)[:, None]
    cap = 50
    prev = np.maximum.accumulate(np.where(flags, idx, -(10**6)), axis=0)
    prev = np.vstack((np.full((1, flags.shape[1]), -(10**6)), prev[:-1]))
    nxt = np.minimum.accumulate(np.where(flags, idx, 10**6)[::-1], axis=0)[::-1]
    nxt = np.vstack((nxt[1:], np.full((1, flags.shape[1]), 10**6)))
    before = np.log1p(np.minimum(idx - prev, cap)).T
    after = np.log1p(np.minimum(nxt - idx, cap)).T
    return before, after


def page_features(
    seq: Sequence[Any],
    language: str | None,
    anchor: int | None,
    inline: Collection[str] | None = None,
) -> np.ndarray:
    """Stage 1's feature matrix, one row per unit of `seq` (kept units and those the named
    rules removed, in page order). `anchor`: position in `seq` of the repeated headline;
    `inline`: the ids of the rules with the `inline` property (default: the built-in rules')."""
    if inline is None:
        from cleaner.ruleset import default_ruleset

        inline = default_ruleset().having("inline")
    n = len(seq)
    base = _base_features(seq, language, inline)
    has_stoplist = bool(stopwords().get(language)) if language is not None else False
    # the neighbours' shape: one gather from the page padded with 'removed' rows at its edges
    nb = base[:, _NEIGHBOUR_COLUMNS]
    edge = np.zeros((3, len(NEIGHBOUR)))
    edge[:, 0] = 1.0  # beyond the page: as a removed line
    padded = np.vstack((edge, nb, edge))
    neighbours = padded[np.arange(3, n + 3)[:, None] + _OFFSETS[None, :]].reshape(n, -1)
    log_chars = base[:, _IDX["log_chars"]]
    chars = np.expm1(log_chars)
    ruled = base[:, 0] > 0
    blocking = ruled & (base[:, 1] == 0)
    prose = (~ruled) & (log_chars >= math.log1p(100)) & (base[:, _IDX["terminal"]] > 0)
    idx = np.arange(n, dtype=np.float64)
    total_chars = max(chars.sum(), 1.0)
    prose_chars = np.where(prose, chars, 0.0)
    total_prose = max(prose_chars.sum(), 1.0)
    if anchor is None:
        anchor_distance = np.full(n, -31.0)
        after_anchor = np.zeros(n)
    else:
        anchor_distance = np.clip(idx - anchor, -30, 30)
        after_anchor = (idx > anchor).astype(np.float64)
    stacked = np.column_stack([log_chars, prose, blocking]).astype(np.float64)
    near, far = _window_mean(stacked, 5), _window_mean(stacked, 15)
    (pb, bb), (pa, ba) = _distances(stacked[:, 1:] > 0)
    context = np.empty((n, len(CONTEXT)))
    context[:, 0] = idx / max(n, 1)
    context[:, 1] = (np.cumsum(chars) - chars) / total_chars
    context[:, 2] = np.log1p(idx)
    context[:, 3] = np.log1p(n - 1 - idx)
    context[:, 4] = anchor_distance
    context[:, 5] = after_anchor
    context[:, 6] = np.full(n, math.log1p(n))
    context[:, 7] = np.full(n, float(has_stoplist))
    context[:, 8] = np.full(n, prose.mean() if n else 0.0)
    context[:, 9] = chars / max(chars.max(), 1.0)
    context[:, 10] = near[:, 0]
    context[:, 11] = far[:, 0]
    context[:, 12] = near[:, 1]
    context[:, 13] = far[:, 1]
    context[:, 14] = (np.cumsum(prose_chars) - prose_chars) / total_prose
    context[:, 15] = near[:, 2] * 11
    context[:, 16] = pb
    context[:, 17] = pa
    context[:, 18] = bb
    context[:, 19] = ba
    return np.hstack((base, neighbours, context))


def prob_context(x1: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Stage 2's extra columns from stage 1's probabilities `p` (removed units count as 0)."""
    n = len(p)
    ruled = x1[:, 0] > 0
    q = np.where(ruled, 0.0, p)
    chars = np.expm1(x1[:, _IDX["log_chars"]])
    weighted = q * chars
    total = max(weighted.sum(), 1.0)
    before = np.cumsum(weighted) - weighted
    padded = np.concatenate((np.zeros(10), q, np.zeros(10)))
    windows = np.lib.stride_tricks.sliding_window_view(padded, 10)
    max_before = windows[:n].max(axis=1)  # rows i-10 .. i-1
    max_after = windows[11 : 11 + n].max(axis=1)  # rows i+1 .. i+10
    return np.column_stack(
        [
            p,
            _shift(q, -2, 0.0),
            _shift(q, -1, 0.0),
            _shift(q, 1, 0.0),
            _shift(q, 2, 0.0),
            _window_mean(q, 5),
            _window_mean(q, 15),
            max_before,
            max_after,
            before / total,
            (total - before - weighted) / total,
        ]
    )


@dataclass(frozen=True)
class Forest:
    """Gradient-boosted trees as flat node arrays. Nodes are laid out so that a node's right
    child follows its left one: a step is `node = left[node] + (x > threshold[node])`. A leaf
    is its own left child with an infinite threshold, so `depth` steps take every row to its
    leaf in every tree at once."""

    baseline: float
    offset: np.ndarray  # each tree's root
    feature: np.ndarray
    threshold: np.ndarray
    left: np.ndarray
    value: np.ndarray
    depth: int

    def raw(self, x: np.ndarray) -> np.ndarray:
        """The summed leaf values (log-odds) for each row of x."""
        n, width = x.shape
        if n == 0:
            return np.zeros(0)
        flat = np.ascontiguousarray(x).ravel()
        base = np.repeat(np.arange(n) * width, len(self.offset))
        node = np.tile(self.offset, n)
        feature, threshold, left = self.feature, self.threshold, self.left
        for _ in range(self.depth):
            right = flat.take(base + feature.take(node)) > threshold.take(node)
            node = left.take(node) + right
        return self.baseline + self.value.take(node).reshape(n, -1).sum(axis=1)

    def proba(self, x: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self.raw(x)))

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Forest:
        feature: list[int] = []
        threshold: list[float] = []
        left: list[int] = []
        value: list[float] = []
        offset = []
        for tree in d["trees"]:
            # breadth first, each node's children side by side
            root = len(feature)
            offset.append(root)
            order = [0]
            where = {0: root}
            k = 0
            while k < len(order):
                old = order[k]
                k += 1
                l_old, r_old = tree["left"][old], tree["right"][old]
                if l_old == old:  # a leaf
                    continue
                where[l_old] = root + len(order)
                where[r_old] = root + len(order) + 1
                order += [l_old, r_old]
            for old in order:
                leaf = tree["left"][old] == old
                feature.append(0 if leaf else tree["feature"][old])
                threshold.append(math.inf if leaf else tree["threshold"][old])
                left.append(where[old] if leaf else where[tree["left"][old]])
                value.append(tree["value"][old])
        return cls(
            baseline=float(d["baseline"]),
            offset=np.array(offset, dtype=np.int64),
            feature=np.array(feature, dtype=np.int64),
            threshold=np.array(threshold, dtype=np.float64),
            left=np.array(left, dtype=np.int64),
            value=np.array(value, dtype=np.float64),
            depth=int(d["depth"]),
        )


@dataclass(frozen=True)
class BodyModel:
    """Both stages and the decision threshold, as loaded from the JSON file."""

    stage1: Forest
    stage2: Forest | None  # None: one stage only
    threshold: float
    version: str
    names: tuple[str, ...]

    def predict(self, x1: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(stage 1's and stage 2's probabilities) for a page's stage-1 matrix; units the
        rules removed are context only and get 0."""
        kept = x1[:, 0] == 0
        p1 = np.zeros(len(x1))
        p2 = np.zeros(len(x1))
        if kept.any():
            p1[kept] = self.stage1.proba(x1[kept])
            if self.stage2 is None:
                return p1, p1
            x2 = np.hstack([x1[kept], prob_context(x1, p1)[kept]])
            p2[kept] = self.stage2.proba(x2)
        return p1, p2

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> BodyModel:
        if d.get("format") != FORMAT_VERSION:
            raise ValueError(f"body model format {d.get('format')!r}, expected {FORMAT_VERSION}")
        if tuple(d["stage2_features"]) != STAGE2:
            raise ValueError("body model was trained on other features: run `make train`")
        return cls(
            stage1=Forest.from_dict(d["stage1"]),
            stage2=Forest.from_dict(d["stage2"]) if d.get("stage2") else None,
            threshold=float(d["threshold"]),
            version=str(d["version"]),
            names=STAGE2,
        )


@lru_cache(maxsize=1)
def default_model() -> BodyModel:
    """The model shipped inside the package (cleaner/body_model.json)."""
    text = resources.files("cleaner").joinpath(MODEL_FILE).read_text("utf-8")
    return BodyModel.from_dict(json.loads(text))


def load_model(path: str | Path) -> BodyModel:
    return BodyModel.from_dict(json.loads(Path(path).read_text("utf-8")))
