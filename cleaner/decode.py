"""Bytes to text, and telling HTML from a plain-text scrape.

Scrapes arrive in every encoding; a cp1251 Russian page must come out as Cyrillic, not mojibake.
UTF-8 (with or without BOM) and UTF-16/32 with a BOM are taken as they are. Legacy single-byte
encodings are told apart by decoding with each common web encoding and scoring how much the
result reads like text (letters in words of one script and a sane letter case): charset-normalizer
alone picks cp1250 for French latin-1 and shift_jis for a short koi8-r line. Anything the scorer
cannot read well (CJK legacy encodings) goes to charset-normalizer. A `<meta charset>` is ignored
on purpose: it is wrong too often, and the bytes are the truth.
HTML must be recognised before trafilatura sees it, because trafilatura silently returns nothing
on plain text.
"""

from __future__ import annotations

import codecs
import re
import unicodedata

from cleaner.errors import InputError

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

# File signatures of formats that are never a scrape (images, documents, archives, media).
_MAGIC = (
    b"%PDF", b"\x89PNG", b"GIF87a", b"GIF89a", b"\xff\xd8\xff", b"PK\x03\x04", b"\x7fELF",
    b"II*\x00", b"MM\x00*", b"\x1a\x45\xdf\xa3", b"7z\xbc\xaf", b"\xd0\xcf\x11\xe0", b"\x00asm",
    b"SQLite format 3\x00",
)  # fmt: skip
# Signatures that are also how a text may start ("BMW said…", "ID3 tags…"): they count only
# with a control byte right after them, as each of these formats has in its header.
_WORDLIKE_MAGIC = (b"BM", b"ID3", b"OggS", b"fLaC", b"Rar!", b"wOFF", b"wOF2")
_HEADER_BYTES = 16  # where those formats put the binary fields that follow the signature

# Legacy encodings of the web, in order of preference when two read equally well.
LEGACY_ENCODINGS = ("cp1252", "cp1251", "koi8_r", "cp1250", "iso8859_2", "cp1253")
_MIN_QUALITY = 0.45  # score per non-ASCII character below which the scorer gives up

_HTML_START = re.compile(
    r"\A\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|title|div|p|article|section"
    r"|table|span|a|h[1-6]|ul|ol|script|style|link)[\s>/]",
    re.IGNORECASE | re.DOTALL,
)
_TAG = re.compile(r"</?(?:p|div|br|span|a|li|td|h[1-6]|article|section|body|html)\b[^>]*>", re.I)
_WORD = re.compile(r"[^\W\d_]+")
_ESCAPED = re.compile("[\udc80-\udcff]")  # undecodable bytes under errors="surrogateescape"
_CONTROLS = re.compile("[\x00-\x08\x0e-\x1f]")
_CONTROL_BYTES = bytes(b for b in range(32) if b < 9 or b > 13)  # counted in a head


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Return (text, encoding name). Raises InputError for binary data."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(name), name.replace("-sig", "")
            except UnicodeDecodeError as exc:
                raise InputError(f"invalid {name} after a byte-order mark: {exc.reason}") from exc
    utf16 = _utf16_without_bom(data)
    if utf16 is not None:
        return data.decode(utf16, errors="replace"), utf16
    if looks_binary(data):
        raise InputError("binary data, not text or HTML")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if _mostly_utf8(data):
        return data.decode("utf-8", errors="replace"), "utf-8"
    return _decode_legacy(data)


def looks_binary(data: bytes) -> bool:
    """A known file signature, or NUL and control bytes that text does not have, in the head.

    A stray NUL in a long scrape is tolerated (the line normaliser drops it); a file that is
    mostly zeros (a failed download) or a random blob is not.
    """
    head = data[:8192]
    if not head:
        return False
    if head.startswith(_MAGIC) or head[8:12] in (b"WEBP", b"AVI ", b"WAVE") or head[4:8] == b"ftyp":
        return True
    if head.startswith(_WORDLIKE_MAGIC) and _has_control_byte(head[:_HEADER_BYTES]):
        return True
    nuls = head.count(b"\x00")
    if nuls > max(2, len(head) // 1000):
        return True
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    return controls / len(head) > 0.05


def _has_control_byte(data: bytes) -> bool:
    return len(data.translate(None, _CONTROL_BYTES)) < len(data)


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 without a BOM: one byte of every pair takes a handful of values (the high byte of
    one script's code points: 0x00 for Latin and spaces, 0x04 for Cyrillic), and it decodes."""
    head = data[:4096]
    head = head[: len(head) - len(head) % 2]
    if len(head) < 8 or b"\x00" not in head:
        return None
    for codec, lane in (("utf-16-le", head[1::2]), ("utf-16-be", head[0::2])):
        common = sorted((lane.count(b) for b in set(lane)), reverse=True)[:2]
        if sum(common) < 0.9 * len(lane) or 0 not in lane:
            continue
        try:
            text = head.decode(codec)
        except UnicodeDecodeError:
            continue
        if text_quality(text) >= _MIN_QUALITY and not _CONTROLS.search(text):
            return codec
    return None


def _mostly_utf8(data: bytes) -> bool:
    """UTF-8 with a few broken bytes (a bad cut, one stray latin-1 byte) is still UTF-8."""
    text = data[:1_000_000].decode("utf-8", errors="surrogateescape")
    bad = len(text) - len(_ESCAPED.sub("", text))  # counted without a list of matches
    good = len(text) - len(text.encode("ascii", errors="ignore")) - bad
    return good >= 2 * bad


def _decode_legacy(data: bytes) -> tuple[str, str]:
    """The legacy encoding whose decoding reads best, else charset-normalizer's guess."""
    sample = data[:65536]
    best: tuple[float, str] | None = None
    for encoding in LEGACY_ENCODINGS:
        try:
            text = sample.decode(encoding)
        except UnicodeDecodeError:
            continue
        quality = text_quality(text)
        if best is None or quality > best[0]:
            best = (quality, encoding)
    if best is not None and best[0] >= _MIN_QUALITY:
        return data.decode(best[1], errors="replace"), best[1]
    from charset_normalizer import from_bytes

    match = from_bytes(sample).best()
    encoding = match.encoding if match is not None else (best[1] if best else "utf-8")
    return data.decode(encoding, errors="replace"), encoding


def text_quality(text: str) -> float:
    """How much the non-ASCII part of a decoding reads like text, per non-ASCII character.

    Letters score, odd symbols and control characters cost; so do words that mix scripts or
    letter case ("рТЙЧЕФ" is koi8-r read as cp1251), Latin words made mostly of accented letters
    ("Ïðèâåò" is cp1251 read as cp1252), and text that is almost all capitals.
    """
    score = 0.0
    non_ascii = upper = letters = 0
    for i, ch in enumerate(text):
        if ord(ch) < 128:
            continue
        non_ascii += 1
        category = unicodedata.category(ch)
        if category[0] == "L":
            score += 1
            letters += 1
            upper += category == "Lu"
        elif category[0] in "PZ" or category == "Sc" or ch in "№°©®™":
            score += -3 if _between_letters(text, i) else 1
        elif category in ("Cc", "Cn", "Co", "Cs"):
            score -= 5
        else:
            score -= 2
    if non_ascii == 0:
        return 1.0
    for word in _WORD.findall(text):
        if word.isascii():
            continue
        score -= _word_penalty(word)
    if letters >= 8 and upper > 0.6 * letters:
        score -= 0.5 * letters
    return score / non_ascii


def _between_letters(text: str, i: int) -> bool:
    """Punctuation wedged between non-ASCII letters is mojibake ("‚М": Shift-JIS as cp1251)."""
    before, after = text[i - 1 : i], text[i + 1 : i + 2]
    return bool(before and after) and not (before + after).isascii() and (before + after).isalpha()


def _word_penalty(word: str) -> float:
    scripts = {_script(ch) for ch in word}
    if len(scripts) > 1:
        return 3
    if any(a.islower() and b.isupper() for a, b in zip(word, word[1:], strict=False)):
        return 3
    if "latin" in scripts and len(word) >= 3:
        accented = sum(1 for ch in word if ord(ch) > 127)
        if accented > 0.8 * len(word):
            return 3
    return 0


def _script(ch: str) -> str:
    if ch.isascii():
        return "latin"
    name = unicodedata.name(ch, "")
    return name.split(" ", 1)[0].lower() if name else "unknown"


def looks_like_html(text: str) -> bool:
    """True when the text starts like an HTML document or is dense with block tags."""
    head = text[:4096]
    if _HTML_START.match(head):
        return True
    return len(_TAG.findall(head)) >= 5
