"""Duplicate detection: an exact hash of the clean text, and MinHash LSH for near-duplicates.

The LSH bands live in the database (`lsh_bands`), not in a process's memory, so two writers and
every later run see the same index, and a crash cannot leave it out of step with `articles`.

Both keys are computed for a whole batch at once with numpy (`fingerprints`): the texts'
bytes are split on whitespace in one pass, each word's hash is read off one running polynomial
sum, a 3-shingle's hash is a mix of its three word hashes, and one sort gives every signature
(one-permutation hashing). No Python object per word or shingle; deterministic across processes
and machines (the signatures are stored). `words_of`/`text_hash` are the plain definitions the
exact hash must equal (tested).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from cleaner.archive.fold import fold  # noqa: F401 - also this module's: the MinHash reads folded words

NUM_PERM = 64  # values per signature, all used to estimate the similarity
# 8 bands x 4 rows (the first 32 values): pairs at Jaccard 0.8 become candidates with
# p = 0.985, at 0.85 with 0.997, at 0.9 with 0.9998 (16 bands cost twice the index rows for
# recall the estimate's own noise, +-0.05 at 64 values, does not keep anyway).
BANDS = 8
ROWS = 4
THRESHOLD = 0.8  # estimated Jaccard of word 3-shingles above which two texts are one story
MIN_SHINGLES = 8  # shorter texts are compared by exact hash only

# Fixed odd multipliers and offsets: the hash family is part of the stored format.
_RNG = np.random.Generator(np.random.PCG64(20241124))
_SHINGLE_K = _RNG.integers(0, 2**63, size=3, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
_BAND_K = _RNG.integers(0, 2**63, size=ROWS + 1, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
_BAND_IDS = np.arange(BANDS, dtype=np.uint64)


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


_S26, _S27, _S30, _S31, _S32 = (np.uint64(n) for n in (26, 27, 30, 31, 32))
_LOW32 = np.uint64(0xFFFFFFFF)
_ROTATE = np.uint64(0x9E3779B1)  # added per bin of distance when an empty bin borrows
_BINS = np.arange(NUM_PERM, dtype=np.int64)
_M1, _M2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)
_BYTE_K = np.uint64(_RNG.integers(0, 2**63, dtype=np.uint64) * 2 + 1)
_BYTE_K_INVERSE = np.uint64(pow(int(_BYTE_K), -1, 2**64))

# What `str.split()` splits on: ASCII whitespace as bytes, the rest mapped to a space first.
_ASCII_SPACE = np.zeros(256, dtype=bool)
_ASCII_SPACE[[9, 10, 11, 12, 13, 28, 29, 30, 31, 32]] = True
_UNICODE_SPACE = {c: " " for c in range(0x80, 0x3001) if chr(c).isspace() and not chr(c).isascii()}


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
    if words is not None:
        text = " ".join(words)
    return fingerprints([text])[0][1]


def fingerprints(texts: Sequence[str]) -> list[tuple[str | None, Signature | None]]:
    """(exact hash, MinHash) of each text, for a whole batch in a few numpy passes.

    The texts are folded, lower-cased, encoded and joined into one byte array; words are the
    runs between whitespace (as `str.split()` sees it), so the exact hash is `text_hash`'s.
    A word's hash is a polynomial of its bytes, read off one running sum for the whole batch
    (see `_word_hashes`): no Python object per word, which was most of the cost. The same
    answers for a text alone or in any batch.
    """
    encoded = []
    for text in texts:
        folded = fold(text).lower()
        if not folded.isascii():
            folded = folded.translate(_UNICODE_SPACE)
        encoded.append(folded.encode("utf-8"))
    out: list[tuple[str | None, Signature | None]] = []
    chunk: list[bytes] = []
    size = 0
    for data in encoded:  # chunks whose arrays stay in the CPU's cache, and memory bounded
        if chunk and (len(chunk) == _CHUNK_TEXTS or size + len(data) > _CHUNK_BYTES):
            out += _fingerprints(chunk)
            chunk, size = [], 0
        chunk.append(data)
        size += len(data) + 1
    return out + _fingerprints(chunk) if chunk else out


def _fingerprints(encoded: list[bytes]) -> list[tuple[str | None, Signature | None]]:
    # A leading space: a word never starts at 0, and the texts are the pieces after it.
    data = np.frombuffer(b"\n".join([b" ", *encoded]), dtype=np.uint8)
    space = _ASCII_SPACE[data]
    letter = ~space
    boundary = np.empty(len(data) + 1, dtype=bool)  # letter/space changes, ends included
    boundary[0], boundary[-1] = False, letter[-1]
    np.not_equal(letter[1:], letter[:-1], out=boundary[1:-1])
    edges = np.flatnonzero(boundary)
    starts, ends = edges[0::2], edges[1::2]
    sizes = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
    doc_end = np.cumsum(sizes + 1) + 2  # one past each text's separator
    word_doc = np.searchsorted(doc_end, starts, side="right")
    first_word = np.searchsorted(word_doc, np.arange(len(encoded) + 1))
    # Exact hashes: the words, one space between two words of the same text.
    inner = ends[:-1][word_doc[1:] == word_doc[:-1]]
    kept = data.copy()
    kept[inner] = 32
    letter[inner] = True
    normal = kept[letter]
    letters_before = np.append(0, np.cumsum(ends - starts))
    words = np.diff(first_word)
    size = letters_before[first_word[1:]] - letters_before[first_word[:-1]]
    bounds = np.append(0, np.cumsum(size + np.maximum(words - 1, 0))).tolist()
    hashes = [
        hashlib.sha256(normal[a:b].tobytes()).hexdigest() if b > a else None
        for a, b in zip(bounds[:-1], bounds[1:], strict=True)
    ]
    word_hash = _word_hashes(data, starts, ends)
    return list(zip(hashes, _signatures(word_hash, word_doc, words), strict=True))


_CHUNK_TEXTS = 128
_CHUNK_BYTES = 1 << 20
_MAX_WORD = 4096  # a longer "word" (a blob without spaces) is hashed by its first bytes
_SEGMENT = 1 << 20  # bytes of running sum at a time, so the power tables stay small


def _powers(size: int) -> tuple[np.ndarray, np.ndarray]:
    """K**i and K**-i mod 2**64 for i < size (K = _BYTE_K, odd, so invertible)."""
    powers = np.ones(size, dtype=np.uint64)
    powers[1:] = np.cumprod(np.full(size - 1, _BYTE_K, dtype=np.uint64))
    inverses = np.ones(size, dtype=np.uint64)
    inverses[1:] = np.cumprod(np.full(size - 1, _BYTE_K_INVERSE, dtype=np.uint64))
    return powers, inverses


_TABLES = _powers(4096)  # grown (replaced whole, so threads never mix two) up to a segment


def _word_hashes(data: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Mixed polynomial hash of each word: sum of byte * K**(offset in word), mod 2**64.

    One running sum S of byte * K**(position - base) serves every word of a segment: its
    hash is (S[end] - S[start]) * K**-(start - base), whatever the base, so the work per
    byte is a multiply and an add, and segments of ~1 MiB bound the tables.
    """
    global _TABLES
    ends = np.minimum(ends, starts + _MAX_WORD)
    out = np.empty(len(starts), dtype=np.uint64)
    i = 0
    while i < len(starts):
        base = int(starts[i])
        j = max(int(np.searchsorted(ends, base + _SEGMENT, side="right")), i + 1)
        stop = int(ends[j - 1])
        powers, inverses = _TABLES
        if len(powers) < stop - base + 1:
            powers, inverses = _TABLES = _powers(max(stop - base + 1, 2 * len(powers)))
        running = np.zeros(stop - base + 1, dtype=np.uint64)
        np.cumsum(data[base:stop] * powers[: stop - base], out=running[1:])
        first, last = starts[i:j] - base, ends[i:j] - base
        sums = running[last] - running[first]
        out[i:j] = sums * inverses[first] + (last - first).astype(np.uint64)
        i = j
    return _mix(out)


def _signatures(
    word_hash: np.ndarray, word_doc: np.ndarray, words: np.ndarray
) -> list[Signature | None]:
    """One-permutation MinHash of every text's word 3-shingles."""
    count = len(words)
    out: list[Signature | None] = [None] * count
    same = word_doc[2:] == word_doc[:-2]
    shingle = _mix(
        word_hash[:-2] * _SHINGLE_K[0] + word_hash[1:-1] * _SHINGLE_K[1] + word_hash[2:]
    )[same]
    if len(shingle) == 0:
        return out
    doc = word_doc[:-2][same].astype(np.uint64)
    # Shingles sorted by (text, bin, value): the top 6 bits pick the bin, the next 32 are
    # the value kept; the first of each (text, bin) is that bin's minimum.
    key = np.sort((doc << np.uint64(38)) | (shingle >> _S26))
    fresh = np.append(True, key[1:] != key[:-1])
    distinct = np.bincount((key[fresh] >> np.uint64(38)).astype(np.int64), minlength=count)
    group = key >> _S32
    first = np.append(True, group[1:] != group[:-1])
    rows = (group[first] >> np.uint64(6)).astype(np.int64)
    bins = (group[first] & np.uint64(NUM_PERM - 1)).astype(np.int64)
    low = np.zeros((count, NUM_PERM), dtype=np.uint64)
    filled = np.zeros((count, NUM_PERM), dtype=bool)
    low[rows, bins] = key[first] & _LOW32
    filled[rows, bins] = True
    ok = np.flatnonzero((words >= MIN_SHINGLES + 2) & (distinct >= MIN_SHINGLES))
    values = _densify(low[ok], filled[ok])
    bands = _band_matrix(values).tolist()
    for i, row, keys in zip(ok.tolist(), values, bands, strict=True):
        out[i] = Signature(row, tuple(keys))
    return out


def _densify(low: np.ndarray, filled: np.ndarray) -> np.ndarray:
    """Fill empty bins: each borrows the next filled bin to its right, shifted by the distance.

    Densification by rotation (Shrivastava & Li 2014), so equal sets still give equal values;
    one-permutation MinHash is as good an estimator as NUM_PERM permutations at one sort's cost.
    """
    position = np.where(filled, _BINS, 3 * NUM_PERM)
    twice = np.concatenate([position, position + NUM_PERM], axis=1)
    nearest = np.minimum.accumulate(twice[:, ::-1], axis=1)[:, ::-1][:, :NUM_PERM]
    rows = np.arange(len(low))[:, None]
    borrowed = low[rows, nearest % NUM_PERM] + (nearest - _BINS).astype(np.uint64) * _ROTATE
    return (borrowed & _LOW32).astype(np.uint32)


def band_keys(values: np.ndarray) -> tuple[int, ...]:
    """One signed 32-bit key per LSH band: texts sharing any key are candidate duplicates.

    The bands read the first BANDS * ROWS values; 32 bits keep the index small, and a chance
    collision only costs one signature comparison.
    """
    return tuple(_band_matrix(values[None, :])[0].tolist())


def _band_matrix(values: np.ndarray) -> np.ndarray:
    """`band_keys` of each row of a (texts, NUM_PERM) array."""
    rows = values[:, : BANDS * ROWS].astype(np.uint64).reshape(len(values), BANDS, ROWS)
    key = (rows * _BAND_K[:ROWS]).sum(axis=2, dtype=np.uint64) + _BAND_IDS * _BAND_K[ROWS]
    return (_mix(key) >> _S32).astype(np.uint32).view(np.int32)


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
    if shas:  # the index holds 16 hex digits of the hash; the rest is compared here
        for sha, aid, dup in conn.execute(  # the first row of each text, not all its copies
            "SELECT text_sha256, id, duplicate_of FROM articles WHERE id IN ("
            "SELECT min(id) FROM articles WHERE substr(text_sha256, 1, 16) "
            "IN (SELECT value FROM json_each(?)) AND id < ? GROUP BY text_sha256) ORDER BY id",
            (_json(sha[:16] for sha in shas), first_id),
        ):
            if sha in shas:
                exact.setdefault(sha, int(dup or aid))
    by_band: dict[int, list[int]] = defaultdict(list)
    bands = {band for _, sig in items if sig is not None for band in sig.bands}
    if bands:  # ids only (the band index covers them): signatures are read when compared
        for band, aid in conn.execute(
            "SELECT band_hash, article_id FROM lsh_bands "
            "WHERE band_hash IN (SELECT value FROM json_each(?)) AND article_id < ?",
            (_json(bands), first_id),
        ):
            by_band[band].append(aid)
    known = _Signatures(conn)  # article id -> (values, duplicate_of)
    shared = _shared_bands(items, by_band)
    out: list[int | None] = []
    for offset, (sha, sig) in enumerate(items):
        article_id = first_id + offset
        original = exact.get(sha) if sha else None
        if sig is not None and shared.isdisjoint(sig.bands):
            # No stored row and no other item of the batch has any of its bands: it is
            # nobody's near copy, and no later item can be its.
            out.append(original)
            if sha:
                exact.setdefault(sha, original or article_id)
            continue
        if original is None and sig is not None:
            found: set[int] = set()
            for band in sig.bands:
                if band in by_band:
                    found.update(by_band[band])
            for aid in sorted(found) if found else ():
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


class _Signatures(dict[int, tuple[np.ndarray, int | None]]):
    """Stored signatures with their rows' `duplicate_of`, read on first use.

    A story with many stored copies shares its bands with all of them, but the first
    candidate compared (the lowest id, usually the original) mostly decides: reading every
    candidate's signature up front made each new copy cost as much as all the earlier ones.
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        super().__init__()
        self._conn = conn

    def __missing__(self, article_id: int) -> tuple[np.ndarray, int | None]:
        row = self._conn.execute(
            "SELECT m.signature, a.duplicate_of FROM minhashes m "
            "JOIN articles a ON a.id = m.article_id WHERE m.article_id = ?",
            (article_id,),
        ).fetchone()
        # A band row without its signature (never written so) compares as not similar.
        values = np.frombuffer(row[0], dtype="<u4") if row else np.empty(0, dtype="<u4")
        value = self[article_id] = (values, row[1] if row else None)
        return value


def _shared_bands(
    items: Sequence[tuple[str | None, Signature | None]], stored: dict[int, list[int]]
) -> set[int]:
    """The band keys that may link two texts: held by a stored row, or by two items."""
    keys = [band for _, sig in items if sig is not None for band in sig.bands]
    if not keys:
        return set(stored)
    values, counts = np.unique(np.array(keys, dtype=np.int64), return_counts=True)
    return set(values[counts > 1].tolist()) | set(stored)


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
    if not signed:
        return
    bands = np.array([sig.bands for _, sig in signed], dtype=np.int64).ravel()
    ids = np.repeat(np.array([aid for aid, _ in signed], dtype=np.int64), BANDS)
    order = np.lexsort((ids, bands))  # by band, then article: the index's own order
    conn.executemany(
        "INSERT INTO lsh_bands (band_hash, article_id) VALUES (?, ?)",
        zip(bands[order].tolist(), ids[order].tolist(), strict=True),
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
        found = fingerprints([text or "" for _, text in rows])
        index_signatures(
            conn, [(int(aid), sig) for (aid, _), (_, sig) in zip(rows, found, strict=True)]
        )
        done += len(rows)
        after = int(rows[-1][0])
