"""Duplicate detection: an exact hash of the clean text, and MinHash LSH for near-duplicates.

The LSH bands live in the database (`lsh_bands`), not in a process's memory, so two writers and
every later run see the same index, and a crash cannot leave it out of step with `articles`.

The MinHash is vectorised with numpy: each word (split on whitespace) is hashed once (crc32), a
3-shingle's hash is a mix of its three word hashes, and one sort gives the signature (one
permutation hashing). Several times cheaper than hashing every shingle string once per
permutation, and deterministic across processes and machines (the signatures are stored).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import unicodedata
import zlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

NUM_PERM = 64
BANDS = 16  # 16 bands x 4 rows: pairs at Jaccard 0.8 become candidates with p > 0.999
ROWS = NUM_PERM // BANDS
THRESHOLD = 0.8  # estimated Jaccard of word 3-shingles above which two texts are one story
MIN_SHINGLES = 8  # shorter texts are compared by exact hash only

# Fixed odd multipliers and offsets: the hash family is part of the stored format.
_RNG = np.random.Generator(np.random.PCG64(20241124))
_SHINGLE_K = _RNG.integers(0, 2**63, size=3, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
_BAND_K = _RNG.integers(0, 2**63, size=ROWS + 1, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
_BAND_IDS = np.arange(BANDS, dtype=np.uint64)


def fold(text: str) -> str:
    """The form that is indexed and queried: NFC, with ё → е (FTS5 does not fold it)."""
    return unicodedata.normalize("NFC", text).replace("ё", "е").replace("Ё", "Е")


def folded_column(title: str | None, text: str) -> str | None:
    """What goes in `articles.folded`: only when folding changes something, so FTS stays lean."""
    both = f"{title or ''}\n{text}"
    return fold(both) if ("ё" in both or "Ё" in both) else None


def words_of(text: str) -> list[str]:
    """Folded, lower-cased, split on whitespace: what both the exact hash and the MinHash read.

    Split once per document and shared (a C-speed split, where a regex tokeniser was a
    quarter of the MinHash's time); punctuation stays on its word, consistently.
    """
    return fold(text).lower().split()


def text_hash(text: str, *, words: list[str] | None = None) -> str | None:
    """Exact-duplicate key: whitespace- and case-insensitive; None for an empty text."""
    key = " ".join(words_of(text) if words is None else words)
    return hashlib.sha256(key.encode("utf-8")).hexdigest() if key else None


_S26, _S27, _S30, _S31 = (np.uint64(n) for n in (26, 27, 30, 31))
_LOW32 = np.uint64(0xFFFFFFFF)
_ROTATE = np.uint64(0x9E3779B1)  # added per bin of distance when an empty bin borrows
_BINS = np.arange(NUM_PERM, dtype=np.int64)
_BIN_STARTS = np.arange(NUM_PERM, dtype=np.uint64) << np.uint64(64 - 6)  # NUM_PERM = 2**6
_M1, _M2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: spreads every input bit over the whole 64-bit word."""
    x = x ^ (x >> _S30)
    x *= _M1
    x ^= x >> _S27
    x *= _M2
    x ^= x >> _S31
    return x


@dataclass(frozen=True, slots=True)
class Signature:
    """A MinHash signature and its LSH band keys."""

    values: np.ndarray
    bands: tuple[int, ...]

    @classmethod
    def of(cls, values: np.ndarray) -> Signature:
        return cls(values, band_keys(values))

    def to_blob(self) -> bytes:
        return self.values.astype("<u4").tobytes()


def signature(text: str, *, words: list[str] | None = None) -> Signature | None:
    """MinHash of the text's word 3-shingles, or None when the text is too short to compare."""
    words = words_of(text) if words is None else words
    if len(words) < MIN_SHINGLES + 2:
        return None
    crcs = map(zlib.crc32, map(str.encode, words))
    h = np.fromiter(crcs, dtype=np.uint64, count=len(words))
    shingles = np.sort(_mix(h[:-2] * _SHINGLE_K[0] + h[1:-1] * _SHINGLE_K[1] + h[2:]))
    if np.count_nonzero(shingles[1:] != shingles[:-1]) + 1 < MIN_SHINGLES:
        return None
    return Signature.of(_one_permutation(shingles))


def _one_permutation(shingles: np.ndarray) -> np.ndarray:
    """One-permutation MinHash: the smallest hash in each of NUM_PERM bins (top bits).

    As good an estimator as NUM_PERM separate permutations at one sort's cost. An empty bin
    borrows the value of the next filled bin to its right, shifted by the distance
    (densification by rotation, Shrivastava & Li 2014), so equal sets still give equal values.
    """
    first = np.searchsorted(shingles, _BIN_STARTS)  # index of each bin's smallest hash
    filled = first < np.append(first[1:], len(shingles))
    low = (shingles[np.minimum(first, len(shingles) - 1)] >> _S26) & _LOW32
    if filled.all():
        return low.astype(np.uint32)
    position = np.where(filled, _BINS, 3 * NUM_PERM)
    twice = np.concatenate([position, position + NUM_PERM])
    nearest = np.minimum.accumulate(twice[::-1])[::-1][:NUM_PERM]  # next filled bin, circular
    borrowed = low[nearest % NUM_PERM] + (nearest - _BINS).astype(np.uint64) * _ROTATE
    return (borrowed & _LOW32).astype(np.uint32)


def band_keys(values: np.ndarray) -> tuple[int, ...]:
    """One signed 64-bit key per LSH band: texts sharing any key are candidate duplicates."""
    rows = values.astype(np.uint64).reshape(BANDS, ROWS)
    key = (rows * _BAND_K[:ROWS]).sum(axis=1, dtype=np.uint64) + _BAND_IDS * _BAND_K[ROWS]
    return tuple(_mix(key).view(np.int64).tolist())


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity between two signatures."""
    return float(np.mean(a == b)) if len(b) == len(a) else 0.0


def _json(values: Iterable[object]) -> str:
    return json.dumps(list(values))


def find_originals(
    conn: sqlite3.Connection,
    items: Sequence[tuple[str | None, Signature | None]],
    first_id: int,
) -> list[int | None]:
    """What each of a batch of texts duplicates (exactly, else nearly): an article id or None.

    The batch's rows get ids `first_id`, `first_id + 1`, ... in order, so an item may also
    duplicate an earlier item of the same batch; only stored rows with `id < first_id` count.
    Runs inside the writer's transaction (two queries per batch), so the answer is consistent
    with what it inserts. The first copy wins: the stored row with the lowest id, exact
    matches before near ones, as if the items were written one by one.
    """
    exact: dict[str, int] = {}  # text hash -> what its first row duplicates, or that row
    shas = {sha for sha, _ in items if sha}
    if shas:
        for sha, aid, dup in conn.execute(
            "SELECT text_sha256, id, duplicate_of FROM articles WHERE text_sha256 IN "
            "(SELECT value FROM json_each(?)) AND id < ? ORDER BY id",
            (_json(shas), first_id),
        ):
            exact.setdefault(sha, int(dup or aid))
    by_band: dict[int, list[int]] = defaultdict(list)
    known: dict[int, tuple[np.ndarray, int | None]] = {}  # article id -> (values, duplicate_of)
    bands = {band for _, sig in items if sig is not None for band in sig.bands}
    if bands:
        for band, aid, blob, dup in conn.execute(
            "SELECT b.band_hash, b.article_id, m.signature, a.duplicate_of FROM lsh_bands b "
            "JOIN minhashes m ON m.article_id = b.article_id "
            "JOIN articles a ON a.id = b.article_id "
            "WHERE b.band_hash IN (SELECT value FROM json_each(?)) AND b.article_id < ?",
            (_json(bands), first_id),
        ):
            by_band[band].append(aid)
            known[aid] = (np.frombuffer(blob, dtype="<u4"), dup)
    out: list[int | None] = []
    for offset, (sha, sig) in enumerate(items):
        article_id = first_id + offset
        original = exact.get(sha) if sha else None
        if original is None and sig is not None:
            candidates = sorted({aid for band in sig.bands for aid in by_band.get(band, ())})
            for aid in candidates:
                values, dup = known[aid]
                if similarity(sig.values, values) >= THRESHOLD:
                    original = int(dup or aid)
                    break
        out.append(original)
        if sha:
            exact.setdefault(sha, original or article_id)
        if sig is not None:
            known[article_id] = (sig.values, original)
            for band in sig.bands:
                by_band[band].append(article_id)
    return out


def index_signatures(
    conn: sqlite3.Connection,
    items: Sequence[tuple[int, Signature | None]],
    *,
    replace: bool = False,
) -> None:
    """Store articles' signatures and band keys (`replace`: drop their previous ones first).

    Band rows go in sorted, so one batch touches each page of the band index once.
    """
    if replace:
        for article_id, _ in items:
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
    signed = [(aid, sig) for aid, sig in items if sig is not None]
    conn.executemany(
        "INSERT INTO minhashes VALUES (?, ?)", [(aid, sig.to_blob()) for aid, sig in signed]
    )
    conn.executemany(
        "INSERT INTO lsh_bands (band_hash, article_id) VALUES (?, ?)",
        sorted((band, aid) for aid, sig in signed for band in sig.bands),
    )


def reindex_all(conn: sqlite3.Connection) -> int:
    """Recompute every stored signature (after a change of hash family); returns the count."""
    conn.execute("DELETE FROM lsh_bands")
    conn.execute("DELETE FROM minhashes")
    done, after = 0, 0
    while True:
        rows = conn.execute(
            "SELECT id, text FROM articles WHERE id > ? ORDER BY id LIMIT 1000", (after,)
        ).fetchall()
        if not rows:
            return done
        index_signatures(conn, [(int(aid), signature(text or "")) for aid, text in rows])
        done += len(rows)
        after = int(rows[-1][0])
