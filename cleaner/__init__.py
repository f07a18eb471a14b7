"""cleaner: raw web scrapes in, clean article text and metadata out.

Example::

    from cleaner import clean

    doc = clean(open("scrape.txt", "rb").read())
    print(doc.title, doc.language, doc.published)
    print(doc.text)

The names below are imported on first use (PEP 562): `import cleaner` alone, as every
command of the CLI does, must not load the pipeline, its rules and its libraries.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from cleaner.document import Document, Removal
    from cleaner.pipeline import CleanOptions, clean

_LAZY = {
    "Document": "cleaner.document",
    "Removal": "cleaner.document",
    "CleanOptions": "cleaner.pipeline",
    "clean": "cleaner.pipeline",
}

__all__ = ["CleanOptions", "Document", "Removal", "__version__", "clean"]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'cleaner' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
