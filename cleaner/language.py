"""Language: a cheap stop-word guess before the rules, langdetect on the clean body after.

langdetect is random unless seeded and unreliable on short strings, so it only ever sees the
clean body (a bounded sample of it). The stop-word guess picks which language's rules apply and
feeds the generic classifier's stop-word density; scripts (Latin, Cyrillic, ...) are compared per
line to spot a foreign-script ad line.
"""

from __future__ import annotations

import bisect
import json
import random
import re
import threading
import unicodedata
from collections import Counter
from functools import lru_cache
from importlib import resources
from typing import Any

_WORDS = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
SAMPLE_CHARS = 800  # langdetect is ≥ 98 % right from ~200 characters; cost grows with length
MIN_LETTERS = 40  # below this, the language cannot be told
# The detector's caches are bounded by an estimate of the memory they hold, not by a count of
# entries: a stream of documents full of distinct words once grew the per-word cache to 400 MB
# before its 200,000-entry limit cleared it. Each cache is emptied when it passes its budget.
WORD_CACHE_BYTES = 8 << 20  # per-word n-gram lists (recomputed at ~1 µs per word)
ROW_CACHE_BYTES = 24 << 20  # per-n-gram probability rows (at most langdetect's 88k n-grams)
CHAR_CACHE_ENTRIES = 20_000  # langdetect's normalisation of each character seen
# Estimated bytes per cache entry (sys.getsizeof on CPython 3.11, 64-bit): a dict slot with its
# key tuple and list headers, plus 8 per list item (the n-gram strings themselves are shared
# with the profiles, see _Profiles._known); a row is a 55-float numpy array and its dict slot.
_WORD_ENTRY_BYTES = 250
_ROW_BYTES = 680
_lock = threading.Lock()


@lru_cache(maxsize=1)
def stopwords() -> dict[str, frozenset[str]]:
    data = json.loads(
        resources.files("cleaner.rules").joinpath("stopwords.json").read_text("utf-8")
    )
    return {lang: frozenset(words) for lang, words in data.items()}


def words(text: str) -> list[str]:
    """The text's words, lower-cased (lower-casing first: one C call instead of one per word)."""
    return _WORDS.findall(text.lower())


GUESS_CHARS = 6000  # the stop-word guess reads the text's start (pipeline._head_words)


def guess_from_words(tokens: list[str]) -> str | None:
    """The language whose stop words are most frequent among a text's `words`, or None
    below 3 hits."""
    if not tokens:
        return None
    hits = dict.fromkeys(stopwords(), 0)  # in stopwords() order: the first best one wins
    by_word = _languages_by_stopword()
    for token, count in Counter(tokens).items():  # one look-up per distinct word
        for lang in by_word.get(token, ()):
            hits[lang] += count
    best, best_hits = None, 2
    for lang, count in hits.items():
        if count > best_hits:
            best, best_hits = lang, count
    return best


@lru_cache(maxsize=1)
def _languages_by_stopword() -> dict[str, tuple[str, ...]]:
    """Each stop word's languages: one dictionary look-up per token instead of one per language."""
    out: dict[str, list[str]] = {}
    for lang, stop in stopwords().items():
        for word in stop:
            out.setdefault(word, []).append(lang)
    return {word: tuple(langs) for word, langs in out.items()}


def stopword_density(tokens: list[str], language: str | None) -> float:
    stop = stopwords().get(language or "", frozenset())
    if not tokens or not stop:
        return 0.0
    return sum(1 for t in tokens if t in stop) / len(tokens)


def script_of(text: str) -> str | None:
    """The dominant script of the letters in `text` ('latin', 'cyrillic', ...), or None."""
    counts: dict[str, int] = {}
    for ch in text:
        if ch.isalpha():
            name = unicodedata.name(ch, "")
            script = name.split(" ", 1)[0].lower() if name else "other"
            counts[script] = counts.get(script, 0) + 1
    if not counts:
        return None
    return max(counts, key=lambda k: counts[k])


def detect_language(body: str) -> tuple[str | None, float]:
    """(ISO 639-1 code, probability) of the body, or (None, 0.0) when too short to tell."""
    return detect_languages([body])[0]


def detect_languages(bodies: list[str]) -> list[tuple[str | None, float]]:
    """`detect_language` of each body; several at once run langdetect's trials side by side
    (`_Profiles.probabilities_many`: the same answers, a third less time per body)."""
    samples = [body[:SAMPLE_CHARS] for body in bodies]
    telling = [i for i, sample in enumerate(samples) if _has_letters(sample, MIN_LETTERS)]
    profiles = _profiles()
    if len(telling) == 1:
        found = [profiles.probabilities(samples[telling[0]])]
    else:
        found = profiles.probabilities_many([samples[i] for i in telling])
    out: list[tuple[str | None, float]] = [(None, 0.0)] * len(bodies)
    for i, best in zip(telling, found, strict=True):
        if not best:
            continue
        lang, prob = best[0]
        code = lang.split("-", 1)[0]
        if code in CYRILLIC_LANGUAGES:
            code = cyrillic_language(samples[i]) or code
        out[i] = code, round(float(prob), 4)
    return out


class _Profiles:
    """langdetect's detector, computed the same way, without its per-call overheads.

    langdetect 1.0.9 spends ~0.2 s building a dense 55-float row for each of its 88k n-grams
    before the first call, and ~7 ms per call in per-character Python objects (`NGram`) and an
    indexed loop over the 55 languages for every one of ~300 random draws. This class loads the
    same profile files in the same order, builds a row only when an n-gram first occurs, and runs
    the same seeded trials (same random draws, same float operations in the same order), so the
    language and probability are identical to `Detector.get_probabilities()` with seed 0
    (tests/test_language_fast.py and the golden samples check it), several times faster.
    """

    def __init__(self) -> None:
        from langdetect.detector import Detector
        from langdetect.utils.ngram import NGram

        from cleaner import langprofiles

        arrays = langprofiles.load()
        self.langs: list[str] = arrays.langs
        # Per n-gram length, each language's total, as floats: `count / n` of two integers
        # below 2**53 is the same correctly rounded quotient in numpy as in Python.
        self._totals = arrays.n_words.T.astype(float)
        # Kept as loaded (int32): a row converts its few counts when it is built (int32 to
        # float64 is exact), instead of 184k entries at every start.
        self._starts, self._lang_of, self._counts = arrays.starts, arrays.lang_of, arrays.counts
        # Every n-gram of the profiles (sorted): the n-grams cached per word are these strings,
        # shared, not a new slice each (~50 bytes per n-gram per word). `_known` maps the ones
        # met so far to themselves; the others are found by bisection when first met (hashing
        # all 88k into a dict up front was ~10 ms of every start, for the few hundred a short
        # document uses).
        self._grams = arrays.grams
        self._known: dict[str, str] = {}
        self._rows: dict[str, Any] = {}  # n-gram -> numpy array, one float per language
        self._row_bytes = 0
        self._norm = _Normalised(NGram.normalize)
        self._word_cache: dict[tuple[str, bool], list[str]] = {}
        self._word_bytes = 0
        self._normalize_vi = NGram.normalize_vi
        self._url, self._mail = Detector.URL_RE, Detector.MAIL_RE
        self._alpha, self._alpha_width = Detector.ALPHA_DEFAULT, Detector.ALPHA_WIDTH
        self._limit, self._conv = Detector.ITERATION_LIMIT, Detector.CONV_THRESHOLD
        self._base_freq, self._threshold = Detector.BASE_FREQ, Detector.PROB_THRESHOLD

    def _row(self, gram: str) -> Any:
        """The n-gram's probability in each language, as DetectorFactory.add_profile makes it:
        `count / n_words[len(gram) - 1]` where the language has the n-gram, 0.0 elsewhere."""
        import numpy as np

        k = bisect.bisect_left(self._grams, gram)  # once per n-gram: its row is cached
        first, last = int(self._starts[k]), int(self._starts[k + 1])
        langs = self._lang_of[first:last]
        row = np.zeros(len(self.langs))
        row[langs] = self._counts[first:last].astype(float) / self._totals[len(gram) - 1][langs]
        self._row_bytes += _ROW_BYTES
        if self._row_bytes > ROW_CACHE_BYTES:
            self._rows.clear()
            self._row_bytes = _ROW_BYTES
        self._rows[gram] = row
        return row

    def _text(self, text: str) -> str:
        """Detector.append (one call, default 10,000-character limit) and cleaning_text."""
        text = self._url.sub(" ", text)
        text = self._mail.sub(" ", text)
        ascii_only = text.isascii()  # then no Vietnamese marks, and nothing non-Latin
        if not ascii_only:
            text = self._normalize_vi(text)
        text = _RUN_OF_SPACES.sub(" ", text[:10000])
        if ascii_only:
            return text
        latin = len(_LATIN.findall(text))
        non_latin = len(_NON_LATIN.findall(text))  # Latin Extended Additional does not count
        if latin * 2 < non_latin:
            text = "".join(ch for ch in text if ch < "A" or ch > "z")
        return text

    def _ngrams(self, text: str) -> list[str]:
        """Detector._extract_ngrams, a word at a time.

        NGram's buffer starts afresh after every space, so the n-grams of a word depend on the
        word alone (and on whether a space follows it): they are computed once and reused.
        """
        words = text.translate(self._norm).split(" ")
        last = len(words) - 1
        cache = self._word_cache
        if len(self._norm) > CHAR_CACHE_ENTRIES:
            self._norm.clear()
        out: list[str] = []
        for k, word in enumerate(words):
            if not word:
                continue
            key = (word, k < last)
            grams = cache.get(key)
            if grams is None:
                grams = self._word_ngrams(*key)
                self._word_bytes += _WORD_ENTRY_BYTES + 2 * len(word) + 8 * len(grams)
                if self._word_bytes > WORD_CACHE_BYTES:
                    cache.clear()
                    self._word_bytes = 0
                cache[key] = grams
            out += grams
        return out

    def _word_ngrams(self, word: str, space_after: bool) -> list[str]:
        """The n-grams NGram yields over ` word` (and its trailing space), in its order.

        A character is skipped when it and the one before are capitals (NGram.capitalword).
        """
        known, grams, size, find = self._known, self._grams, len(self._grams), bisect.bisect_left

        def shared(gram: str) -> str | None:
            found = known.get(gram)
            if found is None:
                k = find(grams, gram)
                if k < size and grams[k] == gram:
                    found = known[gram] = grams[k]
            return found

        padded = " " + word + (" " if space_after else "")
        out: list[str] = []
        previous_upper = False
        for j in range(1, len(padded)):
            ch = padded[j]
            upper = ch.isupper()
            if upper and previous_upper:
                continue
            previous_upper = upper
            if ch != " " and (gram := shared(ch)) is not None:
                out.append(gram)
            if (gram := shared(padded[j - 1 : j + 1])) is not None:
                out.append(gram)
            if j >= 2 and (gram := shared(padded[j - 2 : j + 1])) is not None:
                out.append(gram)
        return out

    def probabilities(self, text: str) -> list[tuple[str, float]]:
        """[(language, probability)] above langdetect's threshold, best first; [] when none.

        numpy does the 55-language updates: element-wise `*`, `+` and `/` round exactly as
        Python's floats do, and the sum is taken left to right (`add.accumulate`) as `sum()`
        does, so every float is the one langdetect computes.
        """
        import numpy as np

        ngrams = self._ngrams(self._text(text))
        if not ngrams:
            return []
        rows, size = self._rows, len(self.langs)
        rng = random.Random(0)  # DetectorFactory.seed = 0: the same answer in every process
        accumulate, highest, count = np.add.accumulate, np.maximum.reduce, len(ngrams)
        getrandbits, bits = rng.getrandbits, count.bit_length()
        conv, limit = self._conv, self._limit
        langprob = np.zeros(size)
        trials = 7
        for _ in range(trials):
            prob = np.full(size, 1.0 / size)
            weight = self._trial_weight(rng)
            # Draw 0, then blocks of five (1..5, 6..10, ...): the vector is normalised and
            # checked after each, as langdetect does when i % 5 == 0.
            i, take = 0, 1
            while True:
                for _ in range(take):
                    # rng.choice(ngrams), inlined: Random._randbelow draws `bits` bits until
                    # one is < count
                    drawn = getrandbits(bits)
                    while drawn >= count:
                        drawn = getrandbits(bits)
                    word = ngrams[drawn]
                    row = rows.get(word)
                    if row is None:
                        row = self._row(word)
                    prob *= weight + row
                prob /= accumulate(prob)[-1]
                if highest(prob) > conv or i >= limit:
                    break
                i, take = i + 5, 5
            langprob += prob / trials
        return self._ranked(langprob)

    def probabilities_many(self, texts: list[str]) -> list[list[tuple[str, float]]]:
        """`probabilities` of each text, their trials run side by side.

        One text's trial is sequential (each block of draws multiplies the vector normalised
        after the one before), so numpy's per-call cost, not arithmetic, is most of
        `probabilities`' time. Here each step does one block of draws for every text still
        running: their vectors are rows of one array, a text's first block pads its four
        missing factors with 1.0 (an exact no-op), and rows are multiplied, summed and
        normalised along their own axis in the same order as alone. Each text keeps its own
        seeded generator, so its draws, and every float, are those of `probabilities`.
        """
        import numpy as np

        size, rows, row_of = len(self.langs), self._rows, self._row
        uniform = np.full(size, 1.0 / size)
        ones = np.ones(size)
        trials, conv, limit = 7, self._conv, self._limit
        results: list[list[tuple[str, float]]] = [[] for _ in texts]
        states: list[_Trials] = []
        for index, text in enumerate(texts):
            ngrams = self._ngrams(self._text(text))
            if ngrams:
                state = _Trials(index, ngrams, size)
                state.weight = self._trial_weight(state.rng)
                states.append(state)
        running = list(states)
        vectors = np.tile(uniform, (len(running), 1))
        reduce, accumulate, highest = np.multiply.reduce, np.add.accumulate, np.maximum.reduce
        while running:
            factors: list[Any] = []
            padded: list[int] = []
            weights = np.empty((len(running), 1, 1))
            for k, state in enumerate(running):
                ngrams, count, bits, getrandbits = state.ngrams, state.count, state.bits, state.draw
                for _ in range(state.take):
                    drawn = getrandbits(bits)  # rng.choice(ngrams), inlined as in probabilities
                    while drawn >= count:
                        drawn = getrandbits(bits)
                    row = rows.get(ngrams[drawn])
                    factors.append(row_of(ngrams[drawn]) if row is None else row)
                if state.take == 1:
                    padded.append(k)
                    factors += (ones, ones, ones, ones)
                weights[k] = state.weight
            block = np.empty((len(running), 6, size))
            block[:, 0] = vectors
            drawn_rows = block[:, 1:]
            drawn_rows[...] = np.array(factors).reshape(len(running), 5, size)
            drawn_rows += weights
            if padded:
                drawn_rows[padded, 1:] = 1.0
            product = reduce(block, axis=1)  # ((v * f1) * f2) ..., row by row
            totals = accumulate(product, axis=1)[:, -1]  # left to right, as sum() adds
            converged = (highest(product, axis=1) / totals > conv).tolist()
            vectors = product / totals[:, None]
            still: list[int] = []
            for k, state in enumerate(running):
                if converged[k] or state.i >= limit:
                    state.langprob += vectors[k] / trials
                    state.trial += 1
                    if state.trial == trials:
                        continue
                    state.weight = self._trial_weight(state.rng)
                    state.i, state.take = 0, 1
                    vectors[k] = uniform
                else:
                    state.i, state.take = state.i + 5, 5
                still.append(k)
            if len(still) < len(running):
                running = [running[k] for k in still]
                vectors = vectors[still]
        for state in states:
            results[state.index] = self._ranked(state.langprob)
        return results

    def _ranked(self, langprob: Any) -> list[tuple[str, float]]:
        """The languages above langdetect's threshold, most probable first."""
        found = [
            (lang, float(p))
            for lang, p in zip(self.langs, langprob.tolist(), strict=True)
            if p > self._threshold
        ]
        found.sort(key=lambda item: item[1], reverse=True)
        return found

    def _trial_weight(self, rng: random.Random) -> float:
        """A trial's smoothing weight, drawn as Detector._detect_block draws it."""
        alpha = self._alpha + rng.gauss(0.0, 1.0) * self._alpha_width
        return alpha / self._base_freq


class _Trials:
    """One text's progress through langdetect's seven trials (`probabilities_many`)."""

    __slots__ = (
        "index", "ngrams", "count", "bits", "rng", "draw", "trial", "i", "take", "weight",
        "langprob",
    )  # fmt: skip

    def __init__(self, index: int, ngrams: list[str], size: int) -> None:
        import numpy as np

        self.index, self.ngrams, self.count = index, ngrams, len(ngrams)
        self.bits = self.count.bit_length()
        self.rng = random.Random(0)  # DetectorFactory.seed = 0, as in `probabilities`
        self.draw = self.rng.getrandbits
        self.trial, self.i, self.take = 0, 0, 1  # draw 0 alone, then blocks of five
        self.weight = 0.0
        self.langprob = np.zeros(size)


_RUN_OF_SPACES = re.compile(" {2,}")
_LATIN = re.compile("[A-z]")
# U+0300-U+1DFF and U+1F00 up, written as the complement of the rest: the same characters
# (checked over every code point), compiled in 0.1 ms instead of 3 ms (re builds a bitmap for
# a range that large).
_NON_LATIN = re.compile("[^\x00-\u02ff\u1e00-\u1eff]")


def _has_letters(text: str, needed: int) -> bool:
    """At least `needed` alphabetic characters; stops counting once there are enough."""
    for ch in text:
        if ch.isalpha():
            needed -= 1
            if needed <= 0:
                return True
    return needed <= 0


class _Normalised(dict[int, str]):
    """A `str.translate` table computing langdetect's NGram.normalize once per character."""

    def __init__(self, normalize: Any) -> None:
        super().__init__()
        self._normalize = normalize

    def __missing__(self, code: int) -> str:
        value = self[code] = self._normalize(chr(code))
        return value


def _profiles() -> _Profiles:
    """The profiles, loaded once per process (thread-safe)."""
    global _PROFILES
    if _PROFILES is None:
        with _lock:
            if _PROFILES is None:
                _PROFILES = _Profiles()
    return _PROFILES


_PROFILES: _Profiles | None = None


CYRILLIC_LANGUAGES = frozenset({"ru", "uk", "bg", "mk", "be", "sr"})
_RU_ONLY = frozenset("ыэё")
_UK_ONLY = frozenset("іїєґ")


def cyrillic_language(text: str) -> str | None:
    """ru, uk or bg from letters only one of them uses; None when the letters do not tell.

    langdetect's n-gram profiles overlap for these three; the alphabets do not: ы/э/ё are Russian
    (and Belarusian), і/ї/є/ґ Ukrainian, and Bulgarian has none of them but uses ъ as a vowel.
    """
    low = text.lower()
    cyrillic = sum(1 for ch in low if "а" <= ch <= "я" or ch in "ёіїєґў")
    if cyrillic < MIN_LETTERS:
        return None
    if "ў" in low:
        return None  # Belarusian: it shares і with Ukrainian and ы/э/ё with Russian
    ru = sum(1 for ch in low if ch in _RU_ONLY)
    uk = sum(1 for ch in low if ch in _UK_ONLY)
    hard = low.count("ъ")
    if uk > ru and uk >= 2:
        return "uk"
    if ru > uk and ru >= 2:
        return "ru"
    if ru == 0 and uk == 0 and hard >= 1:  # Bulgarian writes ъ as a vowel, in many words
        return "bg"
    return None


def foreign_script(line: str, body_script: str | None) -> bool:
    """A line written in another script than the body: Cyrillic ad in a Latin article, etc.

    Cheap (one pass over the letters) so it can run on every line; a line with no letters, or a
    body whose script is unknown, is never foreign.
    """
    if body_script is None:
        return False
    script = script_of(line)
    return script is not None and script != body_script
