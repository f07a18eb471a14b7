"""The generic boilerplate classifier (filled in by the quality work)."""

from __future__ import annotations

GENERIC_RULES: dict[str, tuple[str, str]] = {}
