"""The installed package: import names `cleaner.archive` and `cleaner.rules`, no top-level
`archive` or `rules` package, and a user's own `rules/` or `archive/` folder cannot shadow ours.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Built from a copy without `build/`: setuptools reuses `build/lib`, where files renamed or
    # deleted since an earlier build linger and would be packed into the wheel.
    source = tmp_path_factory.mktemp("source") / "cleaner"
    shutil.copytree(
        ROOT,
        source,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", "*.db*"
        ),
    )
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), str(source)],
        check=True,
        capture_output=True,
    )
    (found,) = out.glob("cleaner-*.whl")
    return found


@pytest.mark.slow
def test_the_wheel_installs_no_top_level_archive_or_rules(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/", 1)[0] for name in names if "/" in name}
    assert not tops & {"archive", "rules"}, sorted(tops)
    for needed in (
        "cleaner/archive/__init__.py",
        "cleaner/archive/datasette-metadata.json",
        "cleaner/archive/web/__init__.py",
        "cleaner/rules/code.toml",
        "cleaner/rules/stopwords.json",
        "cleaner/cli/__init__.py",
    ):
        assert needed in names, needed


@pytest.mark.slow
def test_a_users_rules_and_archive_folders_do_not_shadow_the_package(
    wheel: Path, tmp_path: Path
) -> None:
    """Issue 18.9: `clean()` from a script whose folder holds `rules/` and `archive/`."""
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    work = tmp_path / "project"
    for name in ("rules", "archive"):
        (work / name).mkdir(parents=True)
        (work / name / "__init__.py").write_text("raise ImportError('the user\\'s own')\n")
    script = (
        "import cleaner.archive, cleaner.rules\n"
        "from cleaner import clean\n"
        "doc = clean('Menu\\n\\nThe council approved the harbour budget on Tuesday after a long "
        "debate about its cost and its timing.')\n"
        f"print(cleaner.archive.__file__.startswith({str(site)!r}), len(doc.text) > 0)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=work, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True"]


def test_no_module_imports_the_old_top_level_names() -> None:
    """From the repository root `import archive` still works (the folder is there), so a
    leftover would pass every test here and fail in an installed wheel."""
    import re

    old = re.compile(r"^\s*(?:from|import) (?:archive|rules)\b", re.M)
    for folder in ("cleaner", "archive", "tests", "scripts"):
        for path in (ROOT / folder).rglob("*.py"):
            assert not old.search(path.read_text(encoding="utf-8")), path
