"""Splitting a scrape into units: normalisation, hard-wrap detection, re-joining, line numbers."""

from __future__ import annotations

from cleaner.lines import make_units, split_lines, wrap_width

WRAPPED = [
    "The regional water board said on Monday that the reservoirs were at",
    "their lowest level for the month since records began in the sixties.",
    "Farmers in the valley have been asked to cut their use by a fifth and",
    "the board will review the measure at the end of the summer season.",
    "Engineers are also checking the old canal for leaks along its length,",
    "a job that the board expects to finish before the autumn rains come.",
]


def test_split_lines_normalises_spaces_controls_and_line_ends() -> None:
    text = "A\u00a0 first\tline \r\nsec\x07ond\rthird\u3000 line\n"
    assert split_lines(text) == ["A first line", "second", "third line", ""]


def test_split_lines_composes_to_nfc() -> None:
    assert split_lines("Cafe\u0301 noir") == ["Café noir"]


def test_a_text_with_blank_lines_between_paragraphs_is_not_wrapped() -> None:
    lines = [x for line in WRAPPED for x in (line, "")]
    assert wrap_width(lines) is None


def test_a_hard_wrapped_text_is_detected_with_its_width() -> None:
    width = wrap_width(WRAPPED)
    assert width is not None and 65 <= width <= 72


def test_short_texts_are_never_taken_for_wrapped() -> None:
    assert wrap_width(WRAPPED[:5]) is None


def test_wrapped_paragraphs_are_joined_and_keep_their_line_numbers() -> None:
    text = "\n".join([*WRAPPED[:4], "", *WRAPPED[4:]])
    units, lines = make_units(text)
    assert len(lines) == 7
    assert [u.lines for u in units] == [[1, 2], [3, 4], [6, 7]]
    assert units[0].text == f"{WRAPPED[0]} {WRAPPED[1]}"
    assert [u.block for u in units] == [1, 2, 3]  # in wrapped text each paragraph is a block


def test_unwrapped_units_are_lines_and_blocks_follow_blank_lines() -> None:
    units, _ = make_units("Menu\nHome\n\nFirst paragraph.\n\n\nSecond paragraph.")
    assert [(u.text, u.lines, u.block) for u in units] == [
        ("Menu", [1], 1),
        ("Home", [2], 1),
        ("First paragraph.", [4], 2),
        ("Second paragraph.", [7], 3),
    ]


def test_a_hyphen_at_a_wrap_is_kept_and_the_word_rejoined() -> None:
    lines = list(WRAPPED)
    lines[0] = "The regional water board said on Monday that the anti-"
    lines[1] = "drought reservoirs were at their lowest level for the month now."
    units, _ = make_units("\n".join(lines))
    assert "the anti-drought reservoirs" in units[0].text


def test_a_dropped_capital_is_rejoined_but_one_letter_words_stay() -> None:
    units, _ = make_units("T he storm passed.\n\nA storm passed.\n\nI think so.")
    assert [u.text for u in units] == ["The storm passed.", "A storm passed.", "I think so."]


def test_word_counts_are_set_on_units() -> None:
    units, _ = make_units("Three short words\n\nДва слова")
    assert [u.words for u in units] == [3, 2]
