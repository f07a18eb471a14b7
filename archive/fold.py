"""The one text normalisation both the index and the queries go through.

Its own module so that searching (archive.search) does not import archive.dedupe, whose
MinHash needs numpy: `cleaner search` starts without it.
"""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """The form that is indexed and queried: NFC, with ё → е (FTS5 does not fold it)."""
    return unicodedata.normalize("NFC", text).replace("ё", "е").replace("Ё", "Е")
