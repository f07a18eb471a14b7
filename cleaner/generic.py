"""The generic boilerplate classifier: finds the article on pages no rule was written for.

Observations (docs/algorithm.md): article paragraphs are long, end like sentences and are dense
in stop words; menus, teasers and footers are short, title-cased, full of separators, handles
and links. The article is the densest run of such paragraphs. So, as jusText does:

1. classify each unit alone as good, near-good, short or bad (features below); a short line
   that ends like a sentence and is dense in stop words is a 'sentence', a small gain, so a
   one-line paragraph at the body's edge joins it. On Chinese and Japanese pages (no spaces
   between words) lines in those scripts are measured in characters instead;
2. find the main body: the run of units with the largest sum of scores (good paragraphs
   count their words, everything else costs), so a menu of a hundred lines cannot join it
   but a sub-heading between two paragraphs can. Lines the named rules already removed take
   part as heavy costs: a share bar, a 'Related' list or a comment section ends the article,
   so teasers and bios after it stay out. Inserts found inside articles (ad labels, 'read
   also' links, photo credits) cost nothing;
3. a heading that repeats the page's first line (its <title>) marks the article's start when
   enough prose follows: the body then begins at the lead after it (prose-like lines before
   the first long paragraph);
4. remove what lies outside that run (`generic.outside-body`) and the bad units inside it
   (`generic.nav-like`); a near-good run close to the body joins it.

Every decision is reported as a rule id, so `--explain` still says why a line went.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from cleaner.language import stopwords, words

GENERIC_RULES: dict[str, tuple[str, str]] = {
    "generic.outside-body": (
        "generic",
        "A line outside the article's main run of prose paragraphs (menus, teasers, footers)",
    ),
    "generic.nav-like": (
        "generic",
        "A menu-like line inside the body: separators, handles, or only capitalised words",
    ),
}

GOOD, NEAR_GOOD, SHORT, BAD = "good", "near-good", "short", "bad"
SENTENCE = "sentence"  # a short line that reads as a sentence of prose
RULED = "ruled"  # removed by a named rule: not classified, only a separator
LENGTH_LOW = 60  # characters: below this a line is at best 'short'
LENGTH_HIGH = 160  # characters: above this a near-good line with stop words is good
STOP_LOW, STOP_HIGH = 0.22, 0.28  # stop-word density thresholds (with our compact lists)
SHORT_COST, BAD_COST, NEAR_GAIN = 2.0, 10.0, 0.6  # tuned on the dev files (scripts/tune_generic.py)
RULE_COST = 35.0  # each line a named rule removed (share bars, related lists, comments) splits runs
INLINE_RULES = ("ads.", "notice.", "related.read-more-link")  # removed inserts that do not split
LEAD_INSERTS = ("ads.", "related.read-more-link")  # what a lead may hold (_lead_start)
SENTENCE_GAIN, SENTENCE_WORDS = 5.0, 4  # a short sentence at the body's edge joins it
CJK_SHARE = 0.2  # a page is Chinese or Japanese when this share of its characters are
USE_ANCHOR = True
ANCHOR_WINDOW = 25  # lines still kept after the repeated title in which the body must start
MIN_TITLE_SHARE = 0.45  # a repeated title covers this much of the first line
ANCHOR_SHARE = 0.5  # a run after the repeated title must be this share of the best run

_TERMINAL_CHARS = frozenset('.!?:;"”»')  # a line ending in one of these ends like a sentence
# Chinese and Japanese: no spaces between words, so words and characters are counted apart
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f]")
_CJK_TERMINAL = frozenset("。！？」』）")
_SENTENCE_MARK = re.compile(r"[.!?。！？]")
_SEPARATORS = re.compile(r"\s[|›»·•/]\s|\s-\s.*\s-\s")
_HANDLE = re.compile(
    r"(?:^|\s)[@#]\w|https?://|www\.|\.(?:com|org|net)\b|[^\s@]{1,64}@[^\s@]{1,255}\.\w"
)


def classify(text: str, language: str | None, tokens: list[str] | None = None) -> str:
    """A unit's class on its own: good, near-good, sentence, short or bad.

    `tokens`: `words(text)`, when the caller has them already.
    """
    if tokens is None:
        tokens = words(text)
    n = len(tokens)
    if n == 0:
        return BAD
    chars = len(text)
    terminal = text[-1] in _TERMINAL_CHARS
    if not terminal and _SEPARATORS.search(text):
        return BAD
    if _may_hold_handle(text) and len(_HANDLE.findall(text)) * 4 > n:
        return BAD
    if n >= 40 and not _SENTENCE_MARK.search(text):
        return BAD  # a long run of words without a single full stop: tags, menus, archives
    if chars < 400 and text.rstrip().endswith(("…", "...")):
        return SHORT if chars < LENGTH_HIGH else NEAR_GOOD
    parts = text.split()
    capitalised = sum(1 for w in parts if w[:1].isupper()) / len(parts)
    stop = stopwords().get(language) if language is not None else None
    if chars < LENGTH_LOW:
        if n <= 4 and not terminal and capitalised >= 0.5:
            return BAD
        if (
            n >= SENTENCE_WORDS
            and text[-1] in ".!?"
            and stop is not None
            and sum(1 for t in tokens if t in stop) >= STOP_HIGH * n
        ):
            return SENTENCE
        return SHORT
    if stop is None:
        if terminal and n >= 12:
            return GOOD if chars >= LENGTH_HIGH else NEAR_GOOD
        return NEAR_GOOD if n >= 12 and capitalised < 0.5 else SHORT
    density = sum(1 for t in tokens if t in stop) / n
    if density >= STOP_HIGH:
        return GOOD if (chars >= LENGTH_HIGH or (terminal and n >= 10)) else NEAR_GOOD
    if density >= STOP_LOW:
        return NEAR_GOOD
    if capitalised > 0.6 or not terminal:
        return BAD
    return SHORT


def _may_hold_handle(text: str) -> bool:
    """A cheap test before the handle/URL regex: most lines hold none of its anchors."""
    return (
        "@" in text
        or "#" in text
        or "http" in text
        or "www." in text
        or ".com" in text
        or ".org" in text
        or ".net" in text
    )


def classify_cjk(text: str, cjk: int) -> str:
    """A line of Chinese or Japanese (`cjk` ideographs and kana in it): two characters are
    counted as a word and one as three letters; stop words are not used. A line that does not
    end like a sentence is at best short: headline lists are long in these scripts too."""
    n = len(words(text)) + cjk // 2
    chars = len(text) + 2 * cjk
    terminal = text[-1] in _TERMINAL_CHARS or text[-1] in _CJK_TERMINAL
    if not terminal and _SEPARATORS.search(text):
        return BAD
    if chars < LENGTH_LOW or not terminal:
        return SHORT
    if n >= 12:
        return GOOD if chars >= LENGTH_HIGH else NEAR_GOOD
    return SENTENCE


def _cjk_count(text: str) -> int:
    return 0 if text.isascii() else len(_CJK.findall(text))


def _score(cls: str, n_words: int) -> float:
    if cls == GOOD:
        return float(min(n_words, 150))
    if cls == NEAR_GOOD:
        return NEAR_GAIN * min(n_words, 150)
    if cls == SHORT:
        return -SHORT_COST
    if cls == SENTENCE:
        return SENTENCE_GAIN
    if cls == RULED:
        return -RULE_COST
    return -BAD_COST


def main_run(scores: Sequence[float]) -> tuple[int, int] | None:
    """Indices [start, end] of the contiguous run with the largest sum (Kadane), or None."""
    best, best_range = 0.0, None
    total, start = 0.0, 0
    for i, s in enumerate(scores):
        if total <= 0:
            total, start = s, i
        else:
            total += s
        if total > best:
            best, best_range = total, (start, i)
    return best_range


def run_from(scores: Sequence[float], start: int) -> tuple[int, int]:
    """The run starting at `start` that ends where its running sum is largest."""
    total, best, end = 0.0, float("-inf"), start
    for i in range(start, len(scores)):
        total += scores[i]
        if total > best:
            best, end = total, i
    return start, end


def title_anchors(units: Sequence, limit: int = 400) -> list[int]:  # type: ignore[type-arg]
    """Indices of headings that repeat the page's first line (its <title>).

    Scrapes often begin with the page title ("Headline - Site") and show the headline again
    right above the article, after the menus: such a repetition marks where the article starts.
    """
    if len(units) < 3:
        return []
    first = _key(units[0])
    if len(first) < 12:
        return []
    out = []
    shortest = max(12, MIN_TITLE_SHARE * len(first))
    for unit in units[1:limit]:
        if not 3 <= unit.words <= 40:
            continue
        key = _key(unit)
        if len(key) < shortest:
            continue
        if first.startswith(key) or key in first:
            out.append(unit.index)
    return out


def _key(unit: Any) -> str:
    return " ".join(unit.tokens())


def apply_generic(units: Sequence, language: str | None) -> int | None:  # type: ignore[type-arg]
    """Mark boilerplate units removed in place; return the title anchor's index, if any.

    Units already removed by rules keep their verdict; they only separate runs. A heading
    repeating the page title counts as the article's start only when it comes before the main
    run of prose.
    """
    seq = [u for u in units if u.kept or (RULE_COST and not u.removed_by.startswith("meta."))]
    if sum(1 for u in seq if u.kept) < 3:
        return None
    sample = "".join(u.text for u in seq[:400] if u.kept)
    if _CJK.search(sample) and len(_CJK.findall(sample)) > CJK_SHARE * len(sample):
        cjk = [_cjk_count(u.text) if u.kept else 0 for u in seq]
        pairs = zip(seq, cjk, strict=True)
        classes = [_classify_mixed(u, k, language) if u.kept else RULED for u, k in pairs]
        weights = [u.words + k // 2 for u, k in zip(seq, cjk, strict=True)]
    else:
        classes = [classify(u.text, language, u.tokens()) if u.kept else RULED for u in seq]
        weights = [u.words for u in seq]
    if not any(c == GOOD for c in classes):
        return None  # no prose to anchor on: leave the rules' verdicts alone
    scores = [_score(c, w) for c, w in zip(classes, weights, strict=True)]
    for i, unit in enumerate(seq):
        if not unit.kept and unit.removed_by.startswith(INLINE_RULES):
            scores[i] = 0.0  # inserts inside articles (ad labels, 'read also' links) cost nothing
    run = main_run(scores)
    if run is None:
        return None
    best = sum(scores[run[0] : run[1] + 1])
    anchor = None
    for candidate in title_anchors(units) if USE_ANCHOR else []:
        after = [i for i, u in enumerate(seq) if u.kept and u.index > candidate][:ANCHOR_WINDOW]
        first_good = next((i for i in after if classes[i] == GOOD), None)
        if first_good is None:
            continue
        candidate_run = run_from(scores, first_good)
        if sum(scores[candidate_run[0] : candidate_run[1] + 1]) >= ANCHOR_SHARE * best:
            anchor = candidate
            run = (_lead_start(seq, classes, first_good, candidate), candidate_run[1])
            break
    start, end = run
    for i, (unit, cls) in enumerate(zip(seq, classes, strict=True)):
        if not unit.kept:
            continue
        if anchor is not None and unit.index == anchor:
            continue
        if i < start or i > end:
            unit.removed_by = "generic.outside-body"
        elif cls == BAD and not _between_good(classes, i):
            unit.removed_by = "generic.nav-like"
    return anchor


def _lead_start(seq: Sequence, classes: Sequence[str], first_good: int, anchor_index: int) -> int:  # type: ignore[type-arg]
    """Where the article starts after its repeated headline (the unit numbered
    `anchor_index`): the prose-like lines right before the first long paragraph (position
    `first_good` in `seq`), a standfirst or a short lead, belong to it. A line that is not
    prose (a date, a menu) or a line a named rule removed (a share bar, a byline, a photo
    credit, whose caption would come with it) ends the lead; only ad labels and 'read also'
    links are stepped over."""
    start = first_good
    for j in range(first_good - 1, -1, -1):
        unit = seq[j]
        if unit.index <= anchor_index:
            break
        if unit.kept:
            if classes[j] not in (NEAR_GOOD, SENTENCE):  # a GOOD one would be first_good
                break
            start = j
        elif not unit.removed_by.startswith(LEAD_INSERTS):
            break
    return start


def _classify_mixed(unit: Any, cjk: int, language: str | None) -> str:
    """In a Chinese or Japanese page, lines mostly in those scripts are classified as such."""
    if cjk * 3 >= len(unit.text):
        return classify_cjk(unit.text, cjk)
    return classify(unit.text, language, unit.tokens())


def _between_good(classes: Sequence[str], i: int) -> bool:
    """A bad-looking line right between two good paragraphs is kept (a heading, a quote)."""
    prose = (GOOD, NEAR_GOOD)
    return _neighbour(classes, i, -1) in prose and _neighbour(classes, i, 1) in prose


def _neighbour(classes: Sequence[str], i: int, step: int) -> str | None:
    """The class of the nearest line still kept before (step -1) or after (step 1) line i."""
    i += step
    while 0 <= i < len(classes):
        if classes[i] != RULED:
            return classes[i]
        i += step
    return None
