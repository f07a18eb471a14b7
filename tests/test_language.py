"""Language of the clean body: deterministic, null when too short, ru/uk/bg told apart."""

from __future__ import annotations

import subprocess
import sys

import pytest

from cleaner.language import cyrillic_language, detect_language, foreign_script, script_of

PARAGRAPHS: list[tuple[str, str]] = [
    (
        "en",
        "The government announced on Monday that it would raise fuel prices again next month, "
        "a decision that drew criticism from opposition parties and consumer groups alike.",
    ),
    (
        "ru",
        "Правительство в понедельник объявило о повышении цен на топливо со следующего месяца. "
        "Это решение вызвало критику со стороны оппозиции и общественных организаций.",
    ),
    (
        "uk",
        "Уряд у понеділок оголосив про підвищення цін на пальне з наступного місяця. "
        "Це рішення викликало критику з боку опозиції та громадських організацій.",
    ),
    (
        "bg",
        "Правителството обяви в понеделник, че от следващия месец цените на горивата ще бъдат "
        "повишени. Решението предизвика критики от опозицията и от обществените организации.",
    ),
    (
        "de",
        "Die Regierung hat am Montag angekündigt, die Kraftstoffpreise im nächsten Monat erneut "
        "zu erhöhen. Die Entscheidung stieß bei der Opposition und bei Verbänden auf Kritik.",
    ),
    (
        "fr",
        "Le gouvernement a annoncé lundi qu'il augmenterait de nouveau le prix des carburants le "
        "mois prochain, une décision critiquée par l'opposition et les associations.",
    ),
    (
        "es",
        "El Gobierno anunció el lunes que volverá a subir los precios del combustible el próximo "
        "mes, una decisión que fue criticada por la oposición y las asociaciones.",
    ),
]


@pytest.mark.parametrize(("expected", "text"), PARAGRAPHS)
def test_paragraph_language(expected: str, text: str) -> None:
    code, probability = detect_language(text)
    assert code == expected
    assert 0.5 <= probability <= 1.0


@pytest.mark.parametrize("text", ["", "Подписаться", "I love you", "© 2024 — 12:30", "Share Tweet"])
def test_too_short_is_null(text: str) -> None:
    assert detect_language(text) == (None, 0.0)


def test_cyrillic_letters_decide() -> None:
    assert cyrillic_language(PARAGRAPHS[1][1]) == "ru"
    assert cyrillic_language(PARAGRAPHS[2][1]) == "uk"
    assert cyrillic_language(PARAGRAPHS[3][1]) == "bg"
    assert cyrillic_language("Да") is None
    belarusian = "Урад у панядзелак абвясціў аб павышэнні цэн на паліва з наступнага месяца."
    assert cyrillic_language(belarusian) is None
    macedonian = "Владата го усвои буџетот за следната година по долга дебата во парламентот."
    assert detect_language(macedonian)[0] == "mk"


def test_deterministic_across_processes() -> None:
    code = (
        "from cleaner.language import detect_language;"
        "print(detect_language('Kwork.ru - услуги фрилансеров от 500 руб. Заказать работу "
        "можно прямо сейчас на сайте, быстро и недорого.'))"
    )
    run = [sys.executable, "-c", code]
    outs = {subprocess.run(run, capture_output=True, text=True).stdout for _ in range(3)}
    assert len(outs) == 1
    assert outs.pop().startswith("('ru', ")


@pytest.mark.parametrize(
    ("line", "body", "expected"),
    [
        ("Kwork.ru - услуги фрилансеров от 500 руб.", "latin", True),
        ("Buy cheap followers at example.com", "cyrillic", True),
        ("Soldiers are leaving Kazakhstan.", "latin", False),
        ("© 2024 — 12:30", "latin", False),
        ("Kwork.ru - услуги фрилансеров", None, False),
    ],
)
def test_foreign_script(line: str, body: str | None, expected: bool) -> None:
    assert foreign_script(line, body) is expected


def test_script_of() -> None:
    assert script_of("Привет, world") == "cyrillic"
    assert script_of("Grüße aus München") == "latin"
    assert script_of("12:30") is None


def test_the_guess_from_units_reads_the_same_words_as_from_their_joined_text() -> None:
    """The pipeline guesses from each unit's cached words; cut at GUESS_CHARS, it must read
    exactly the words of the units' text joined by spaces and cut there."""
    from cleaner.language import GUESS_CHARS, words
    from cleaner.lines import make_units
    from cleaner.pipeline import _head_words

    line = "Der Hund läuft über die Straße, und die Katze schläft im Haus. "
    for extra in range(0, 70, 7):  # the cut falls at every place in a line, and between lines
        text = "\n\n".join([("x" * extra) + line * 4] * (GUESS_CHARS // 200))
        units, _ = make_units(text)
        joined = " ".join(u.text for u in units[:200])
        assert _head_words(units[:200]) == words(joined[:GUESS_CHARS])


def test_unit_words_follow_a_changed_text() -> None:
    from cleaner.lines import make_units

    (unit,), _ = make_units("Sponsored: The Match Was Won")
    assert unit.tokens() == ["sponsored", "the", "match", "was", "won"]
    unit.text = "The Match Was Won"  # a prefix rule took the label off
    assert unit.tokens() == ["the", "match", "was", "won"]
