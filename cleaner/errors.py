"""Library exceptions. The CLI maps each to one line on standard error and an exit code."""

from __future__ import annotations


class CleanerError(Exception):
    """Base class of every error the library raises on purpose."""


class InputError(CleanerError):
    """An input cannot be read or decoded (the CLI names the input and goes on; exit 1)."""


class RuleFileError(CleanerError):
    """A rule file is malformed: the message is `file: rule-id: reason` (exit 2)."""


class ArchiveError(CleanerError):
    """The archive database cannot be opened or written (exit 1 or 2)."""
