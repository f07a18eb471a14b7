"""The built-in rule files (`*.toml`) and small data files, shipped inside the package.

Nothing to import: `cleaner.ruleset` reads these files through importlib.resources, the same way
it reads a user's `--rules DIR`.
"""
