#!/usr/bin/env python3
"""Type-check the package under its import names: `make lint` runs this (mypy).

The folders archive/ and rules/ install as cleaner.archive and cleaner.rules (pyproject's
`package-dir`), a mapping mypy cannot follow: given the folders, it would check `archive.store`
while the code imports `cleaner.archive.store`. So this builds build/typecheck/cleaner, a tree
of links that puts each folder where its import name says, runs `mypy -p cleaner` in it with
the settings of pyproject.toml, and names files in its report by their paths in the repository.

    python scripts/typecheck.py
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TREE = ROOT / "build" / "typecheck"


def package_dirs() -> dict[str, str]:
    """pyproject's `package-dir`: import name (below `cleaner`) -> folder in the repository."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    mapping = config["tool"]["setuptools"]["package-dir"]
    return {name.removeprefix("cleaner."): folder for name, folder in mapping.items()}


def build_tree() -> dict[str, str]:
    """Link build/typecheck/cleaner's entries to the repository; returns the rewrites that
    turn the tree's paths back into the repository's (cleaner/archive/ -> archive/)."""
    package = TREE / "cleaner"
    if package.exists():
        shutil.rmtree(package)  # removes the links, never what they point to
    package.mkdir(parents=True)
    for entry in sorted((ROOT / "cleaner").iterdir()):
        if entry.name != "__pycache__":
            (package / entry.name).symlink_to(entry)
    rewrites = {}
    for name, folder in package_dirs().items():
        (package / name).symlink_to(ROOT / folder)
        rewrites[f"cleaner/{name}/"] = f"{folder}/"
    return rewrites


def main() -> int:
    rewrites = build_tree()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--config-file",
            str(ROOT / "pyproject.toml"),
            "--python-executable",
            sys.executable,
            "-p",
            "cleaner",
        ],
        cwd=TREE,
        capture_output=True,
        text=True,
        check=False,
    )
    for line in (result.stdout + result.stderr).splitlines():
        for tree_path, repo_path in rewrites.items():
            if line.startswith(tree_path):
                line = repo_path + line[len(tree_path) :]
        print(line)
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
