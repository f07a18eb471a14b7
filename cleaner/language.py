"""Language: a cheap stop-word guess before the rules, langdetect on the clean body after.

langdetect is random unless seeded and unreliable on short strings, so it only ever sees the
clean body (a bounded sample of it). The stop-word guess picks which language's rules apply and
feeds the generic classifier's stop-word density; scripts (Latin, Cyrillic, ...) are compared per
line to spot a foreign-script ad line.
"""

from __future__ import annotations

import json
import re
import threading
import unicodedata
from functools import lru_cache
from importlib import resources

_WORDS = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
SAMPLE_CHARS = 800  # langdetect is ≥ 98 % right from ~200 characters; cost grows with length
MIN_LETTERS = 40  # below this, the language cannot be told
_lock = threading.Lock()
_factory_ready = False


@lru_cache(maxsize=1)
def stopwords() -> dict[str, frozenset[str]]:
    data = json.loads(resources.files("rules").joinpath("stopwords.json").read_text("utf-8"))
    return {lang: frozenset(words) for lang, words in data.items()}


def words(text: str) -> list[str]:
    return [w.lower() for w in _WORDS.findall(text)]


def guess_language(text: str) -> str | None:
    """The language whose stop words are most frequent in `text`, or None below 3 hits."""
    tokens = words(text[:6000])
    if not tokens:
        return None
    best, best_hits = None, 2
    for lang, stop in stopwords().items():
        hits = sum(1 for t in tokens if t in stop)
        if hits > best_hits:
            best, best_hits = lang, hits
    return best


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
    sample = body[:SAMPLE_CHARS]
    if sum(1 for ch in sample if ch.isalpha()) < MIN_LETTERS:
        return None, 0.0
    global _factory_ready
    from langdetect import DetectorFactory, detector_factory
    from langdetect.lang_detect_exception import LangDetectException

    with _lock:
        if not _factory_ready:
            DetectorFactory.seed = 0
            detector_factory.init_factory()
            _factory_ready = True
        try:
            detector = detector_factory._factory.create()  # type: ignore[union-attr]
            detector.append(sample)
            best = detector.get_probabilities()
        except LangDetectException:
            return None, 0.0
    if not best:
        return None, 0.0
    top = best[0]
    code = top.lang.split("-", 1)[0]
    if code in CYRILLIC_LANGUAGES:
        code = cyrillic_language(sample) or code
    return code, round(float(top.prob), 4)


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
