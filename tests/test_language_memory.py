"""The language detector's caches stay within their byte budgets on any stream (issue 19)."""

from __future__ import annotations

import random

import pytest

import cleaner.language as language


def _distinct_texts(n: int, seed: int = 5) -> list[str]:
    """Texts of invented words, nearly all distinct: the worst case for a per-word cache."""
    rng = random.Random(seed)
    syllables = [
        "ba",
        "ke",
        "ri",
        "mo",
        "tu",
        "la",
        "ne",
        "si",
        "vo",
        "za",
        "der",
        "und",
        "sch",
        "ста",
        "про",
        "ли",
        "ну",
        "ке",
    ]
    stop = ["the", "and", "of", "und", "der", "и", "в"]
    out = []
    for _ in range(n):
        words = [
            rng.choice(stop)
            if rng.random() < 0.3
            else "".join(rng.choice(syllables) for _ in range(rng.randint(2, 5)))
            for _ in range(120)
        ]
        out.append(" ".join(words))
    return out


def test_the_caches_stay_within_their_budgets_and_answers_do_not_change(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    texts = _distinct_texts(60)
    roomy = language._Profiles()
    expected = [roomy.probabilities(text) for text in texts]
    assert len(roomy._word_cache) > 2000  # many distinct words were cached

    monkeypatch.setattr(language, "WORD_CACHE_BYTES", 100_000)
    monkeypatch.setattr(language, "ROW_CACHE_BYTES", 200_000)
    tight = language._Profiles()
    got = []
    for text in texts:
        got.append(tight.probabilities(text))
        assert tight._word_bytes <= language.WORD_CACHE_BYTES
        assert tight._row_bytes <= language.ROW_CACHE_BYTES
        assert len(tight._rows) * language._ROW_BYTES <= language.ROW_CACHE_BYTES
    assert len(tight._word_cache) < len(roomy._word_cache)
    assert got == expected
    assert tight.probabilities_many(texts[:8]) == expected[:8]


def test_the_estimated_bytes_are_not_below_what_the_cache_holds() -> None:
    """The budget is in estimated bytes: the estimate must not undercount by much."""
    import tracemalloc

    texts = _distinct_texts(40, seed=9)
    profiles = language._Profiles()
    profiles.probabilities(texts[0])  # rows and first allocations outside the measure
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        estimate_before = profiles._word_bytes + profiles._row_bytes
        for text in texts[1:]:
            profiles._ngrams(profiles._text(text))
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    estimated = profiles._word_bytes + profiles._row_bytes - estimate_before
    assert held > 0 and estimated >= 0.8 * held, (held, estimated)
