"""langdetect's 55 language profiles as arrays, so a process loads them in milliseconds.

langdetect ships one JSON file per language (2.2 MB in all). Parsing them and indexing their
184,000 (language, n-gram, count) entries took ~0.1 s of every process's start, a fifth of
`cleaner clean < page`. The same numbers are kept here as a sparse matrix in one `.npz` file
(`langdetect_profiles.npz`, built from the installed langdetect by `python -m
cleaner.langprofiles`; `tests/test_language_fast.py` fails when it is stale):

- `langs`: the language names, in the order langdetect's `DetectorFactory.load_profile` read
  them when the file was built (the order of the float sums, so it is frozen here rather than
  left to the file system's listing order);
- `n_words`: per language, its total count of 1-, 2- and 3-grams;
- `grams`: every n-gram of any profile, once, sorted; `starts`: where each n-gram's entries begin in
  `lang_of` (the language's index) and `counts` (its count in that language).

Nothing is rounded or recomputed: a row of probabilities is `count / n_words` for the entries,
exactly as langdetect divides them. The file stores each array in its narrowest exact integer
type and the n-grams as one newline-joined text, uncompressed (`write`): loading it takes
~12 ms less than the deflated file of numpy strings it replaces.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

PROFILE_FILE = "langdetect_profiles.npz"


@dataclass(frozen=True)
class ProfileArrays:
    langs: list[str]
    n_words: Any  # int64 [languages, 3]
    grams: list[str]
    starts: Any  # int64 [len(grams) + 1]
    lang_of: Any  # int64 [entries]
    counts: Any  # int64 [entries]


def from_langdetect() -> ProfileArrays:
    """The arrays built from the installed langdetect's profile files."""
    import numpy as np
    from langdetect.detector_factory import PROFILES_DIRECTORY

    langs: list[str] = []
    n_words: list[list[int]] = []
    entries: dict[str, list[tuple[int, int]]] = {}
    # Same listing, order and skips as DetectorFactory.load_profile.
    for filename in os.listdir(PROFILES_DIRECTORY):
        full = os.path.join(PROFILES_DIRECTORY, filename)
        if filename.startswith(".") or not os.path.isfile(full):
            continue
        with open(full, encoding="utf-8") as handle:
            data = json.load(handle)
        if data["name"] in langs:
            raise ValueError(f"duplicate langdetect profile {data['name']}")
        totals = [int(n) for n in data.get("n_words") or [0, 0, 0]]
        if not all(totals):
            raise ValueError(f"langdetect profile {data['name']} has an n-gram total of 0")
        index = len(langs)
        langs.append(data["name"])
        n_words.append(totals)
        for gram, count in (data.get("freq") or {}).items():
            entries.setdefault(gram, []).append((index, int(count)))
    grams = sorted(entries)  # sorted: a reader finds an n-gram's entries by bisection
    starts = np.zeros(len(grams) + 1, dtype=np.int64)
    starts[1:] = np.cumsum([len(entries[gram]) for gram in grams])
    flat = [pair for gram in grams for pair in entries[gram]]
    return ProfileArrays(
        langs=langs,
        n_words=np.array(n_words, dtype=np.int64),
        grams=grams,
        starts=starts,
        lang_of=np.array([lang for lang, _ in flat], dtype=np.int64),
        counts=np.array([count for _, count in flat], dtype=np.int64),
    )


def load() -> ProfileArrays:
    """The arrays shipped with the package (no JSON parsing, no per-entry Python loop)."""
    import numpy as np

    with resources.files("cleaner").joinpath(PROFILE_FILE).open("rb") as handle:
        data = np.load(handle)
        return ProfileArrays(
            langs=data["langs"].tolist(),
            n_words=data["n_words"],
            grams=data["grams"].tobytes().decode("utf-8").split("\n"),
            starts=data["starts"],
            lang_of=data["lang_of"],
            counts=data["counts"],
        )


def write(arrays: ProfileArrays, path: Path) -> None:
    """Each array in its narrowest exact type (languages < 256, counts and offsets < 2**31) and
    the n-grams as one newline-joined UTF-8 text, stored without compression: nothing to
    inflate, and one `str.split` instead of a numpy string array's per-item conversion
    (together ~12 ms less of every start; the file is 1.9 MB, a wheel compresses it).
    No n-gram holds a newline (NGram.normalize maps control characters to a space)."""
    import numpy as np

    if any("\n" in gram for gram in arrays.grams):
        raise ValueError("an n-gram holds a newline: the joined text cannot keep it apart")

    def narrowed(values: Any, kind: Any) -> Any:
        values = np.asarray(values)
        info = np.iinfo(kind)
        if values.size and (values.min() < info.min or values.max() > info.max):
            raise ValueError(f"values do not fit {np.dtype(kind).name}")
        return values.astype(kind)

    with open(path, "wb") as handle:
        np.savez(  # stored, not deflated: 1.9 MB instead of 0.8 MB, loaded in half the time
            handle,
            langs=np.array(arrays.langs),
            n_words=np.asarray(arrays.n_words, dtype=np.int64),
            grams=np.frombuffer("\n".join(arrays.grams).encode("utf-8"), dtype=np.uint8),
            starts=narrowed(arrays.starts, np.int32),
            lang_of=narrowed(arrays.lang_of, np.uint8),
            counts=narrowed(arrays.counts, np.int32),
        )


def same(a: ProfileArrays, b: ProfileArrays) -> bool:
    """Whether two sets of arrays hold the same profiles, whatever their order of languages."""
    return _by_language(a) == _by_language(b)


def _by_language(arrays: ProfileArrays) -> dict[str, tuple[list[int], dict[str, int]]]:
    out: dict[str, tuple[list[int], dict[str, int]]] = {
        lang: (arrays.n_words[i].tolist(), {}) for i, lang in enumerate(arrays.langs)
    }
    starts, lang_of, counts = (x.tolist() for x in (arrays.starts, arrays.lang_of, arrays.counts))
    for k, gram in enumerate(arrays.grams):
        for j in range(starts[k], starts[k + 1]):
            out[arrays.langs[lang_of[j]]][1][gram] = counts[j]
    return out


if __name__ == "__main__":  # python -m cleaner.langprofiles: rebuild the shipped file
    target = Path(__file__).with_name(PROFILE_FILE)
    write(from_langdetect(), target)
    print(f"wrote {target} ({target.stat().st_size // 1024} KB)", file=sys.stderr)
