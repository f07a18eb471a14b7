"""Duplicate detection: an exact hash of the clean text, and MinHash LSH for near-duplicates.

The LSH bands live in the database (`lsh_bands`), not in a process's memory, so two writers and
every later run see the same index, and a crash cannot leave it out of step with `articles`.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
import unicodedata
import zlib
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

NUM_PERM = 64
BANDS = 16  # 16 bands x 4 rows: pairs at Jaccard 0.8 become candidates with p > 0.999
ROWS = NUM_PERM // BANDS
THRESHOLD = 0.8  # estimated Jaccard of word 3-shingles above which two texts are one story
MIN_SHINGLES = 8  # shorter texts are compared by exact hash only
_WORD = re.compile(r"\w+")


def fold(text: str) -> str:
    """The form that is indexed and queried: NFC, with ё → е (FTS5 does not fold it)."""
    return unicodedata.normalize("NFC", text).replace("ё", "е").replace("Ё", "Е")


def folded_column(title: str | None, text: str) -> str | None:
    """What goes in `articles.folded`: only when folding changes something, so FTS stays lean."""
    both = f"{title or ''}\n{text}"
    return fold(both) if ("ё" in both or "Ё" in both) else None


def text_hash(text: str) -> str | None:
    """Exact-duplicate key: whitespace- and case-insensitive; None for an empty text."""
    key = " ".join(fold(text).lower().split())
    return hashlib.sha256(key.encode("utf-8")).hexdigest() if key else None


@lru_cache(maxsize=1)
def _template():  # type: ignore[no-untyped-def]
    from datasketch import MinHash

    return MinHash(num_perm=NUM_PERM, seed=1, hashfunc=zlib.crc32)


@dataclass(frozen=True, slots=True)
class Signature:
    """A MinHash signature and its LSH band keys."""

    values: np.ndarray
    bands: tuple[int, ...]

    def to_blob(self) -> bytes:
        return self.values.astype("<u4").tobytes()


def signature(text: str) -> Signature | None:
    """MinHash of the text's word 3-shingles, or None when the text is too short to compare."""
    words = _WORD.findall(fold(text).lower())
    shingles = set(map(" ".join, zip(words, words[1:], words[2:], strict=False)))
    if len(shingles) < MIN_SHINGLES:
        return None
    from datasketch import MinHash

    tpl = _template()
    mh = MinHash(
        num_perm=NUM_PERM,
        seed=1,
        hashfunc=zlib.crc32,  # C-speed; sha1 (the default) was 80 % of the store's time
        permutations=tpl.permutations,
        scheme=tpl.scheme,
    )
    mh.update_batch([s.encode("utf-8") for s in shingles])
    values = np.asarray(mh.hashvalues, dtype=np.uint32)
    return Signature(values, band_keys(values))


def band_keys(values: np.ndarray) -> tuple[int, ...]:
    """One 64-bit key per LSH band: texts sharing any key are candidate duplicates."""
    raw = values.astype("<u4").tobytes()
    step = ROWS * 4
    return tuple(
        int.from_bytes(
            hashlib.blake2b(
                bytes([band]) + raw[band * step : (band + 1) * step], digest_size=8
            ).digest(),
            "little",
            signed=True,
        )
        for band in range(BANDS)
    )


def similarity(a: np.ndarray, blob: bytes) -> float:
    """Estimated Jaccard similarity between a signature and a stored one."""
    b = np.frombuffer(blob, dtype="<u4")
    return float(np.mean(a == b)) if len(b) == len(a) else 0.0


def find_original(
    conn: sqlite3.Connection,
    text_sha: str | None,
    sig: Signature | None,
    before_id: int | None = None,
) -> int | None:
    """The first stored article this text duplicates (exactly, else nearly), or None.

    Runs inside the writer's transaction, so the answer is consistent with what it inserts.
    `before_id` limits the search to older rows (used when re-cleaning an existing row).
    """
    limit = "" if before_id is None else f" AND id < {int(before_id)}"
    if text_sha is not None:
        row = conn.execute(
            f"SELECT id, duplicate_of FROM articles WHERE text_sha256 = ?{limit} "
            "ORDER BY id LIMIT 1",
            (text_sha,),
        ).fetchone()
        if row:
            return int(row[1] or row[0])
    if sig is None:
        return None
    marks = ",".join("?" * len(sig.bands))
    limit = "" if before_id is None else f" AND b.article_id < {int(before_id)}"
    rows = conn.execute(
        f"SELECT DISTINCT b.article_id, m.signature, a.duplicate_of FROM lsh_bands b "
        f"JOIN minhashes m ON m.article_id = b.article_id "
        f"JOIN articles a ON a.id = b.article_id "
        f"WHERE b.band_hash IN ({marks}){limit} ORDER BY b.article_id",
        sig.bands,
    ).fetchall()
    for article_id, blob, dup_of in rows:
        if similarity(sig.values, blob) >= THRESHOLD:
            return int(dup_of or article_id)
    return None


def index_signature(
    conn: sqlite3.Connection, article_id: int, sig: Signature | None, *, replace: bool = False
) -> None:
    """Store an article's signature and band keys (`replace`: drop its previous ones first)."""
    if replace:
        row = conn.execute(
            "SELECT signature FROM minhashes WHERE article_id = ?", (article_id,)
        ).fetchone()
        if row:  # its old band keys, found from its old signature (no index by article)
            old = band_keys(np.frombuffer(row[0], dtype="<u4"))
            conn.executemany(
                "DELETE FROM lsh_bands WHERE band_hash = ? AND article_id = ?",
                [(band, article_id) for band in old],
            )
        conn.execute("DELETE FROM minhashes WHERE article_id = ?", (article_id,))
    if sig is None:
        return
    conn.execute("INSERT INTO minhashes VALUES (?, ?)", (article_id, sig.to_blob()))
    conn.executemany(
        "INSERT INTO lsh_bands (band_hash, article_id) VALUES (?, ?)",
        [(band, article_id) for band in sig.bands],
    )
