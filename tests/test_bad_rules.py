"""A user's bad rule files: reported as `file: rule-id: reason` with exit 2 before any input is
read, by `cleaner clean --rules DIR` and `cleaner rules check DIR`; and a pattern with
catastrophic backtracking cannot hang the process (per-match timeout, one warning per rule).
"""

from __future__ import annotations

import time
import warnings
from pathlib import Path

import pytest
from click.testing import CliRunner

from cleaner import clean
from cleaner.cli import cli
from cleaner.errors import RuleFileError
from cleaner.pipeline import CleanOptions
from cleaner.ruleset import RuleTimeoutWarning, load_ruleset, parse_rule_file

GOOD = """
[[rule]]
id = "user.footer"
category = "copyright"
description = "Example Corp's footer line"
pattern = '^All content © Example Corp'
examples_remove = ["All content © Example Corp 2024"]
examples_keep = ["Example Corp reported record profits on Monday."]
"""

BAD = {
    "syntax": (
        GOOD + '\n[[rule]]\nid = "user.broken"\ncategory = "ads"\ndescription = "oops\n',
        "user.broken",
        "TOML syntax error",
    ),
    "missing-category": (
        '[[rule]]\nid = "user.nocat"\ndescription = "x"\npattern = "^x$"\n',
        "user.nocat",
        "missing 'category'",
    ),
    "missing-description": (
        '[[rule]]\nid = "user.nodesc"\ncategory = "ads"\npattern = "^x$"\n',
        "user.nodesc",
        "missing 'description'",
    ),
    "missing-pattern": (
        '[[rule]]\nid = "user.nopat"\ncategory = "ads"\ndescription = "x"\n',
        "user.nopat",
        "give exactly one of 'pattern' or 'phrases'",
    ),
    "missing-id": (
        GOOD + '\n[[rule]]\ncategory = "ads"\ndescription = "x"\npattern = "^x$"\n',
        "rule #2",
        "missing 'id'",
    ),
    "unknown-category": (
        '[[rule]]\nid = "user.cat"\ncategory = "adverts"\ndescription = "x"\npattern = "^x$"\n',
        "user.cat",
        "unknown category 'adverts'",
    ),
    "invalid-regex": (
        '[[rule]]\nid = "user.regex"\ncategory = "ads"\ndescription = "x"\npattern = "^(ads["\n',
        "user.regex",
        "invalid regular expression",
    ),
    "matches-everything": (
        '[[rule]]\nid = "user.all"\ncategory = "ads"\ndescription = "x"\npattern = ".*"\n',
        "user.all",
        "matches an empty line",
    ),
    "unknown-field": (
        '[[rule]]\nid = "user.typo"\ncategory = "ads"\ndescription = "x"\npatern = "^x$"\n',
        "user.typo",
        "unknown field(s) patern",
    ),
    "flag-not-boolean": (
        GOOD.replace('category = "copyright"', 'category = "copyright"\ninline = "yes"'),
        "user.footer",
        "'inline' must be true or false",
    ),
    "duplicate-id": (
        GOOD + GOOD,
        "user.footer",
        "duplicate id",
    ),
}


def rule_dir(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "my-rules"
    folder.mkdir()
    (folder / "mine.toml").write_text(text, encoding="utf-8")
    return folder


@pytest.mark.parametrize("case", sorted(BAD))
def test_clean_with_a_bad_rule_file_exits_2_before_reading_input(tmp_path: Path, case: str) -> None:
    text, rule_id, reason = BAD[case]
    folder = rule_dir(tmp_path, text)
    missing_input = tmp_path / "not-there.txt"
    result = CliRunner().invoke(
        cli, ["clean", "--rules", str(folder), str(missing_input)], input=b"never read"
    )
    assert result.exit_code == 2, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"cleaner: error: {folder / 'mine.toml'}: {rule_id}: "), lines[0]
    assert reason in lines[0]
    assert "not-there" not in result.stderr  # no input was looked at
    assert result.stdout == ""


@pytest.mark.parametrize("case", sorted(BAD))
def test_rules_check_with_a_bad_rule_file_exits_2(tmp_path: Path, case: str) -> None:
    text, rule_id, reason = BAD[case]
    folder = rule_dir(tmp_path, text)
    result = CliRunner().invoke(cli, ["rules", "check", str(folder)])
    assert result.exit_code == 2
    assert f"{folder / 'mine.toml'}: {rule_id}: " in result.stderr
    assert reason in result.stderr
    assert "Traceback" not in result.stderr


def test_toml_syntax_error_names_the_rule_it_is_in() -> None:
    text = GOOD + '\n[[rule]]\nid = "user.second"\ndescription = "unterminated\ncategory = "ads"\n'
    with pytest.raises(RuleFileError, match=r"^f\.toml: user\.second: TOML syntax error"):
        parse_rule_file(text, "f.toml")
    with pytest.raises(RuleFileError, match=r"^f\.toml: \?: TOML syntax error"):
        parse_rule_file("= oops\n" + GOOD, "f.toml")


def test_empty_or_missing_rule_directory_is_a_usage_error(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    for folder, reason in ((empty, "no *.toml rule files"), (tmp_path / "nope", "no such rule")):
        result = CliRunner().invoke(cli, ["clean", "--rules", str(folder)], input=b"text")
        assert result.exit_code == 2
        assert reason in result.stderr


def test_debug_raises_the_rule_error(tmp_path: Path) -> None:
    folder = rule_dir(tmp_path, BAD["invalid-regex"][0])
    result = CliRunner().invoke(cli, ["clean", "--debug", "--rules", str(folder)], input=b"x")
    assert isinstance(result.exception, RuleFileError)


def test_a_good_user_rule_works(tmp_path: Path) -> None:
    folder = rule_dir(tmp_path, GOOD)
    text = "Example Corp reported record profits on Monday, beating forecasts.\n\n"
    text += "All content © Example Corp 2024\n"
    result = CliRunner().invoke(cli, ["clean", "--explain", "--rules", str(folder)], input=text)
    assert result.exit_code == 0, result.stderr
    assert any(line.startswith("- user.footer") for line in result.stdout.splitlines())


# --- catastrophic backtracking ----------------------------------------------------------------

EVIL = """
[[rule]]
id = "user.evil"
category = "ads"
description = "A pattern with catastrophic backtracking that the load-time check lets through"
pattern = '^(a|aa)+$'
examples_remove = ["aaaa"]
examples_keep = ["bbbb!"]
"""


def evil_input() -> str:
    body = "The council approved the harbour budget on Tuesday after a long debate in the hall.\n\n"
    return body + "\n\n".join("a" * 5_000 + "!" for _ in range(6)) + "\n\n" + body


def test_catastrophic_pattern_does_not_hang_and_warns_once(tmp_path: Path) -> None:
    folder = rule_dir(tmp_path, EVIL)
    start = time.perf_counter()
    result = CliRunner().invoke(
        cli, ["clean", "--explain", "--rules", str(folder)], input=evil_input()
    )
    assert time.perf_counter() - start < 20
    assert result.exit_code == 0, result.stderr
    warnings_shown = [line for line in result.stderr.splitlines() if "user.evil" in line]
    assert len(warnings_shown) == 1, result.stderr
    assert warnings_shown[0].startswith("cleaner: warning: rule user.evil (")
    assert "skipped" in warnings_shown[0]
    kept = [line for line in result.stdout.splitlines() if line.startswith("+ aaaa")]
    assert len(kept) == 6  # the rule was skipped on those lines, so they are kept


def test_catastrophic_pattern_in_the_library_is_a_python_warning(tmp_path: Path) -> None:
    folder = rule_dir(tmp_path, EVIL)
    ruleset = load_ruleset([folder], defaults=False)
    with pytest.warns(RuleTimeoutWarning, match="user.evil") as caught:
        doc = clean(evil_input(), options=CleanOptions(ruleset=ruleset, generic=False))
    assert {w.message.rule_id for w in caught if isinstance(w.message, RuleTimeoutWarning)} == {
        "user.evil"
    }
    assert doc.text.count("a" * 5_000) == 6
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert clean("a short line that times out nowhere", options=CleanOptions(ruleset=ruleset))


def test_rules_check_reports_a_timeout_as_one_warning_line(tmp_path: Path) -> None:
    slow_example = "a" * 5_000 + "!"
    folder = rule_dir(tmp_path, EVIL.replace('["bbbb!"]', f'["bbbb!", "{slow_example}"]'))
    result = CliRunner().invoke(cli, ["rules", "check", "--no-default-rules", str(folder)])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("cleaner: warning: rule user.evil ("), lines
