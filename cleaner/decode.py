"""Bytes to text, and telling HTML from a plain-text scrape.

Scrapes arrive in every encoding; a cp1251 Russian page must come out as Cyrillic, not mojibake.
UTF-8 (with or without BOM) and UTF-16 with a BOM are taken as they are; anything else goes to
charset-normalizer. HTML must be recognised before trafilatura sees it, because trafilatura
silently returns nothing on plain text.
"""

from __future__ import annotations

import codecs
import re

from cleaner.errors import InputError

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

_HTML_START = re.compile(
    r"\A\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|title|div|p|article|section"
    r"|table|span|a|h[1-6]|ul|ol|script|style|link)[\s>/]",
    re.IGNORECASE | re.DOTALL,
)
_TAG = re.compile(r"</?(?:p|div|br|span|a|li|td|h[1-6]|article|section|body|html)\b[^>]*>", re.I)


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Return (text, encoding name). Raises InputError for binary data."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(name), name.replace("-sig", "")
            except UnicodeDecodeError as exc:
                raise InputError(f"invalid {name} after a byte-order mark: {exc.reason}") from exc
    if _looks_binary(data):
        raise InputError("binary data, not text or HTML")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data[:200_000]).best()
    if best is None:
        return data.decode("utf-8", errors="replace"), "utf-8"
    encoding = best.encoding
    return data.decode(encoding, errors="replace"), encoding


def _looks_binary(data: bytes) -> bool:
    """NUL bytes or many control characters in the first 8 KB mean an image, a PDF, an archive."""
    head = data[:8192]
    if not head:
        return False
    if head.startswith((b"%PDF", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04")):
        return True
    if b"\x00" in head:
        return True
    controls = sum(1 for b in head if b < 9 or 13 < b < 32)
    return controls / len(head) > 0.05


def looks_like_html(text: str) -> bool:
    """True when the text starts like an HTML document or is dense with block tags."""
    head = text[:4096]
    if _HTML_START.match(head):
        return True
    return len(_TAG.findall(head)) >= 5
