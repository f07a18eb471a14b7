"""cleaner: raw web scrapes in, clean article text and metadata out.

Example::

    from cleaner import clean

    doc = clean(open("scrape.txt", "rb").read())
    print(doc.title, doc.language, doc.published)
    print(doc.text)
"""

__version__ = "0.1.0"

from cleaner.document import Document, Removal  # noqa: E402
from cleaner.pipeline import CleanOptions, clean  # noqa: E402

__all__ = ["CleanOptions", "Document", "Removal", "__version__", "clean"]
