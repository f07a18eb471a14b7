"""cleaner.language's detector gives exactly langdetect's probabilities (seed 0).

It re-implements langdetect 1.0.9's Detector for speed; any difference in the floats would
change `language_probability` in every golden sample, so it is compared here on texts of
several scripts, lengths and shapes, including short and capitalised ones.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from langdetect import DetectorFactory, detector_factory
from langdetect.lang_detect_exception import LangDetectException

from cleaner.language import _profiles

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def _texts() -> list[str]:
    rng = random.Random(3)
    sources = [p.read_text("utf-8", errors="replace") for p in sorted(SAMPLES.glob("*.raw.*"))]
    out = [
        "Kwork.ru - услуги фрилансеров от 500 руб.",
        "© 2024 — 12:30",
        "日本語のテキストです。これはテストです。",
        "Tiếng Việt có dấu, một câu ngắn để thử.",
        "ĂÂÎȘȚ ăâîșț limba română, o propoziție scurtă.",
        "HELLO WORLD THIS IS ALL CAPS, NASA AND THE UN",
        "mail me at someone@example.com or see https://example.com/a?b=c now",
    ]
    for text in sources:
        for _ in range(6):
            start = rng.randrange(max(1, len(text)))
            out.append(text[start : start + rng.choice([30, 200, 800, 5000])])
    return out


@pytest.fixture(scope="module")
def factory() -> object:
    DetectorFactory.seed = 0
    detector_factory.init_factory()
    return detector_factory._factory


@pytest.mark.parametrize("text", _texts())
def test_same_probabilities_as_langdetect(factory: object, text: str) -> None:
    try:
        detector = factory.create()  # type: ignore[attr-defined]
        detector.append(text)
        expected = [(lang.lang, lang.prob) for lang in detector.get_probabilities()]
    except LangDetectException:
        expected = []
    assert _profiles().probabilities(text) == expected


def test_several_texts_at_once_give_each_its_own_answer(factory: object) -> None:
    """probabilities_many runs the texts' trials side by side: every text must still get
    exactly langdetect's answer, whatever its neighbours in the group."""
    texts = _texts()
    expected = []
    for text in texts:
        try:
            detector = factory.create()  # type: ignore[attr-defined]
            detector.append(text)
            expected.append([(lang.lang, lang.prob) for lang in detector.get_probabilities()])
        except LangDetectException:
            expected.append([])
    profiles = _profiles()
    assert profiles.probabilities_many(texts) == expected
    rng = random.Random(5)
    start = 0
    while start < len(texts):  # groups of several sizes, short and long texts mixed
        size = rng.choice([2, 3, 7])
        group = texts[start : start + size]
        assert profiles.probabilities_many(group) == expected[start : start + size]
        start += size


def test_the_shipped_profile_arrays_are_langdetects_profiles() -> None:
    """cleaner/langdetect_profiles.npz is built from the installed langdetect; rebuild it with
    `python -m cleaner.langprofiles` when langdetect's profiles change."""
    from cleaner import langprofiles

    assert langprofiles.same(langprofiles.load(), langprofiles.from_langdetect())


def test_the_profile_comparison_sees_a_changed_count() -> None:
    from cleaner import langprofiles

    shipped = langprofiles.load()
    counts = shipped.counts.copy()
    counts[len(counts) // 2] += 1
    changed = langprofiles.ProfileArrays(
        shipped.langs, shipped.n_words, shipped.grams, shipped.starts, shipped.lang_of, counts
    )
    assert not langprofiles.same(shipped, changed)
