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


def test_a_rule_decided_in_code_is_shown() -> None:
    result = CliRunner().invoke(cli, ["rules", "show", "meta.title"])
    assert result.exit_code == 0
    assert "decided in code by cleaner.metadata (no pattern)" in result.output


def test_users_cannot_declare_rules_decided_in_code(tmp_path: Path) -> None:
    (tmp_path / "x.toml").write_text(
        '[[rule]]\nid = "user.x"\ncategory = "ads"\ndescription = "x"\ncode = "cleaner.generic"\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["rules", "list", str(tmp_path)])
    assert result.exit_code == 2
    assert "user.x: 'code' is only for the package's own rules" in result.output


def test_every_id_a_removal_carries_is_registered() -> None:
    """Walk every sample's removals (text and HTML): `rules list`/`show` know each id."""
    from cleaner import clean
    from cleaner.ruleset import default_ruleset

    ruleset = default_ruleset()
    samples = Path(__file__).resolve().parent.parent / "samples"
    seen = set()
    for raw in sorted(samples.glob("*.raw.*")):
        seen |= {removal.rule for removal in clean(raw.read_bytes()).removed}
    assert {"meta.title", "generic.model"} <= seen  # the walk reaches code rules
    unknown = sorted(rule_id for rule_id in seen if ruleset.get(rule_id) is None)
    assert not unknown, f"removal ids unknown to the registry: {unknown}"
    listing = CliRunner().invoke(cli, ["rules", "list"]).output
    assert all(f"\n{rule_id} " in "\n" + listing for rule_id in seen)
