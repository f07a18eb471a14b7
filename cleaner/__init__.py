"""cleaner: raw web scrapes in, clean article text and metadata out.

    >>> from cleaner import clean
    >>> doc = clean(open("scrape.txt", "rb").read())
    >>> doc.title, doc.language, doc.text[:80]
"""

__version__ = "0.1.0"

from cleaner.document import Document, Removal  # noqa: E402
from cleaner.pipeline import CleanOptions, clean  # noqa: E402

__all__ = ["CleanOptions", "Document", "Removal", "__version__", "clean"]
