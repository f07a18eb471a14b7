"""Bytes to text: BOMs, UTF-8 with a few broken bytes, legacy web encodings told apart by how
well they read, binary data refused, HTML told from text."""

from __future__ import annotations

import pytest

from cleaner.decode import decode_bytes, looks_binary, looks_like_html, text_quality
from cleaner.errors import InputError

SENTENCES = {
    "ru": "Москва. Президент России провёл совещание с членами правительства по бюджету.",
    "uk": "Київ. Президент України провів нараду з членами уряду щодо бюджету.",
    "fr": "Le café de la rue Saint-Honoré a été fermé après une décennie. Très déçus.",
    "de": "Die Straße in München wurde für den Verkehr gesperrt, weil Bäume umfielen.",
    "es": "El niño comió una manzana en la montaña. ¿Dónde está España?",
    "pl": "Zażółć gęślą jaźń. Łódź jest dużym miastem w Polsce, które ma wiele zabytków.",
    "el": "Η κυβέρνηση ανακοίνωσε σήμερα νέα οικονομικά μέτρα για την ανάπτυξη.",
    "zh": "中华人民共和国国务院今天发布了关于经济发展的新政策。",
    "ja": "日本の首相は今日、新しい経済政策を発表しました。",
    "ko": "대한민국 정부는 오늘 새로운 경제 정책을 발표했습니다.",
    "mixed": "Kwork.ru - услуги фрилансеров от 500 руб. The article goes on in English.",
    "quotes": "He said “hello” — and left… It cost €5.",
}

CASES = [
    ("ru", "cp1251"),
    ("ru", "koi8-r"),
    ("uk", "cp1251"),
    ("mixed", "cp1251"),
    ("fr", "latin-1"),
    ("fr", "cp1252"),
    ("de", "latin-1"),
    ("es", "latin-1"),
    ("quotes", "cp1252"),
    ("pl", "cp1250"),
    ("pl", "iso8859-2"),
    ("el", "cp1253"),
    ("zh", "gbk"),
    ("ja", "shift_jis"),
    ("ko", "euc-kr"),
]


@pytest.mark.parametrize(("lang", "codec"), CASES, ids=[f"{lang}-{c}" for lang, c in CASES])
def test_legacy_encodings_decode_exactly(lang: str, codec: str) -> None:
    text, _ = decode_bytes(SENTENCES[lang].encode(codec))
    assert text == SENTENCES[lang]


@pytest.mark.parametrize("codec", ["cp1251", "koi8-r"])
def test_a_short_cyrillic_line(codec: str) -> None:
    assert decode_bytes("Привет, мир!".encode(codec))[0] == "Привет, мир!"


@pytest.mark.parametrize("codec", ["utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_boms_and_utf16_without_bom(codec: str) -> None:
    data = SENTENCES["ru"].encode(codec)
    text, encoding = decode_bytes(data)
    assert text == SENTENCES["ru"]
    assert encoding.startswith("utf")


def test_invalid_bytes_in_utf8_are_replaced_not_misdecoded() -> None:
    data = SENTENCES["ru"].encode("utf-8") + b" \xff\xfe " + SENTENCES["fr"].encode("utf-8")
    text, encoding = decode_bytes(data)
    assert encoding == "utf-8"
    assert text == SENTENCES["ru"] + " \ufffd\ufffd " + SENTENCES["fr"]


def test_bad_bom_payload_is_an_input_error() -> None:
    with pytest.raises(InputError, match="byte-order mark"):
        decode_bytes(b"\xff\xfe\x00\xd8")  # UTF-16 BOM, then a lone high surrogate


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n" + bytes(50),
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n",
        b"PK\x03\x04" + bytes(20),
        b"GIF89a" + bytes(20),
        b"\xff\xd8\xff\xe0" + bytes(20),
        bytes(1000),
        bytes(range(256)) * 8,
        b"BM\x36\x10\x0e\x01" + b"pixel rows " * 800,  # a BMP header, then bytes like text
        b"ID3\x04\x00" + b"tag frames " * 800,  # an ID3 tag header (MP3), likewise
    ],
    ids=["png", "pdf", "zip", "gif", "jpeg", "zeros", "random", "bmp", "mp3"],
)
def test_binary_is_refused(data: bytes) -> None:
    assert looks_binary(data)
    with pytest.raises(InputError, match="binary"):
        decode_bytes(data)


@pytest.mark.parametrize(
    "text",
    ["BMW said on Tuesday that it will build a plant.", "ID3 tags hold an MP3's title.",
     "OggS and fLaC are file signatures, Rar! is one too."],
)  # fmt: skip
def test_text_starting_like_a_file_signature_is_text(text: str) -> None:
    assert not looks_binary(text.encode())
    assert decode_bytes(text.encode()) == (text, "utf-8")


def test_a_stray_nul_in_text_is_not_binary() -> None:
    data = (SENTENCES["fr"] + "\x00" + SENTENCES["de"] * 20).encode("utf-8")
    assert not looks_binary(data)
    assert decode_bytes(data)[0].startswith(SENTENCES["fr"])


def test_text_quality_prefers_the_right_reading() -> None:
    raw = SENTENCES["ru"].encode("cp1251")
    assert text_quality(raw.decode("cp1251")) > text_quality(raw.decode("cp1252"))
    assert text_quality(raw.decode("cp1251")) > text_quality(raw.decode("koi8-r"))
    assert text_quality("plain ascii") == 1.0


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("<!doctype html><html><body><p>x</p></body></html>", True),
        ("  <!-- c --> <div class='a'>x</div>", True),
        ("Text with <b>one</b> tag and a < b comparison.", False),
        ("Plain scrape\n\nwith lines.", False),
    ],
)
def test_looks_like_html(text: str, html: bool) -> None:
    assert looks_like_html(text) is html
