"""`cleaner rules show` prints a rule and runs its examples, marking each one."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from cleaner.cli import cli

RULE = """
[[rule]]
id = "user.promo"
aliases = ["user.old-promo"]
category = "ads"
description = "A promo line"
pattern = '^Promo:'
examples_remove = ["Promo: half price today", "Sale: half price today"]
examples_keep = ["The promo ran for a week, the shop said."]
"""


def _show(tmp_path: Path, rule_id: str) -> tuple[int, list[str]]:
    (tmp_path / "promo.toml").write_text(RULE, encoding="utf-8")
    result = CliRunner().invoke(cli, ["rules", "show", rule_id, "--rules", str(tmp_path)])
    return result.exit_code, result.output.splitlines()


def test_show_marks_each_example_and_fails_on_a_broken_one(tmp_path: Path) -> None:
    code, lines = _show(tmp_path, "user.promo")
    assert "  PASS removes: Promo: half price today" in lines
    assert "  FAIL removes: Sale: half price today  (not removed)" in lines
    assert "  PASS keeps:   The promo ran for a week, the shop said." in lines
    assert lines[-1] == "3 examples, 1 failed."
    assert code == 1


def test_show_finds_a_rule_by_its_old_id(tmp_path: Path) -> None:
    code, lines = _show(tmp_path, "user.old-promo")
    assert lines[0].startswith("user.promo  (ads:")
    assert "  formerly: user.old-promo" in lines


def test_show_of_a_builtin_rule_passes() -> None:
    result = CliRunner().invoke(cli, ["rules", "show", "ads.domain-price-line"])
    assert result.exit_code == 0
    assert result.output.splitlines()[-1].endswith("examples, 0 failed.")
    assert "FAIL" not in result.output


def test_show_of_an_unknown_id_is_one_line_and_exit_2() -> None:
    result = CliRunner().invoke(cli, ["rules", "show", "no.such-rule"])
    assert result.exit_code == 2
    assert result.output.strip() == "cleaner: error: no rule 'no.such-rule'"
