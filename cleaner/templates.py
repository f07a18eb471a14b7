"""Site templates: lines that recur across many documents of one site are its menus and footers.

A line rule has to name its boilerplate; a site's template names itself by repetition. As in
CCNet's paragraph deduplication, each line is normalised (case-folded, digits as one symbol,
whitespace collapsed) and hashed to a small integer, so that learning keeps counts of hashes per
site and never texts. A key is a template key of a site when it occurs in at least `MIN_DOCS` of
the site's documents and in at least `MIN_SHARE` of them; a site needs `MIN_DOCS` documents
before it has a template at all.

Pure: no disk, no network. `learn`/`TemplateLearner` count, `SiteTemplate` is the serialisable
result (for the archive), and `apply_template` is the pipeline's pass over one document's units.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from cleaner.document import Document
from cleaner.engine import is_body_like
from cleaner.lines import Unit, count_words, make_units

RULE_ID = "template.site-line"
DESCRIPTION = "A line found on at least half of a site's pages (3 or more) in the batch or archive"
FORMAT = "cleaner-site-template/1"

# Three documents is the least that tells a template from a coincidence: two articles of one
# site may share a sentence (a quote, a standard closing line), three rarely share one by chance.
MIN_DOCS = 3
# Menus and footers are on (nearly) every page of a site. Half of the pages leaves room for a
# template that changed during the crawl, while a paragraph that recurs in a series of articles
# (a fact box, a standard intro) is on a few pages of a large batch, not on half of them.
MIN_SHARE = 0.5
# Boilerplate lines are short: menus, promos, footers, even a legal disclaimer run well under
# this. A longer paragraph recurring across pages is an article printed twice (a reprint, a
# print version, pagination) and is the text the user wants, so it is never learned.
MAX_WORDS = 80
# Memory bound per site while learning: when a site has counted more distinct keys than this,
# the keys seen in the fewest documents (the article lines) are dropped, lossy-counting style.
MAX_KEYS_PER_SITE = 100_000
# And over all sites (~100 bytes a key): a crawl of a million sites with one page each must not
# hold fifty million hashes. A site left with no counts is forgotten and starts again.
MAX_KEYS_TOTAL = 2_000_000

KEY_BITS = 53  # exact in JSON for every reader (JavaScript numbers too) and in SQLite INTEGER
_KEY_MASK = (1 << KEY_BITS) - 1
_DIGITS = re.compile(r"\d+")
_SPACES = re.compile(r"\s+")
_WAYBACK = re.compile(r"^/web/[0-9a-z_]+/(?:https?:/+)?([^/].*)$", re.IGNORECASE)

Templates = Mapping[str, frozenset[int]]  # site key -> that site's template keys


def site_key(url: str | None, publisher: str | None = None) -> str | None:
    """The site a document belongs to: its URL's host without `www.`, else its publisher.

    A Wayback Machine copy belongs to the archived URL's host: web.archive.org holds every site.

    None when neither is known: such a document is never matched to a template.
    """
    if url:
        try:
            parts = urlsplit(url.strip())
            host = parts.hostname
        except ValueError:
            host = None
        archived = _WAYBACK.match(parts.path) if host == "web.archive.org" else None
        if archived:
            return site_key("http://" + archived.group(1), publisher)
        if host:
            host = host.rstrip(".")
            return host[4:] if host.startswith("www.") and len(host) > 4 else host
    if publisher:
        name = _SPACES.sub(" ", publisher).strip().casefold()
        return name or None
    return None


def normalise_key_text(text: str) -> str:
    """Case-folded, each run of digits as `0`, whitespace collapsed.

    Dates and counts vary per page ("Comments (7)", "Comments (12)"); CCNet maps each digit,
    which would still tell 7 from 12.
    """
    return _SPACES.sub(" ", _DIGITS.sub("0", text.casefold())).strip()


def line_key(text: str) -> int:
    """A stable small hash of a normalised line (not `hash()`: it changes between processes)."""
    digest = hashlib.blake2b(normalise_key_text(text).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") & _KEY_MASK


def learnable(text: str) -> bool:
    """A line that may be template: not blank and not as long as an article paragraph."""
    return bool(text.strip()) and count_words(text) <= MAX_WORDS


def document_keys(lines: Iterable[str]) -> frozenset[int]:
    """The distinct keys of one document's learnable lines (a line twice in a page counts once)."""
    return frozenset(line_key(line) for line in lines if learnable(line))


def site_and_keys(doc: Document) -> tuple[str | None, frozenset[int]]:
    """A cleaned document's site and line keys, for a learner: no second clean needed.

    The units are rebuilt from `doc.lines` (the lines the rules saw), so the keys are those
    `apply_template` will look up when the site's template is applied to a later document.
    """
    site = site_key(doc.url, doc.publisher)
    if site is None:
        return None, frozenset()
    return site, document_keys(u.text for u in make_units("\n".join(doc.lines))[0])


def threshold(documents: int, min_docs: int = MIN_DOCS, min_share: float = MIN_SHARE) -> int:
    """How many of a site's documents a key must occur in to be template; 0: no template yet."""
    if documents < min_docs:
        return 0
    return max(min_docs, math.ceil(round(documents * min_share, 9)))


@dataclass(slots=True)
class SiteCounts:
    """One site's learning state: documents seen, and in how many of them each key occurred."""

    documents: int = 0
    counts: dict[int, int] = field(default_factory=dict)
    seen: set[int] = field(default_factory=set)  # fingerprints of documents already counted
    floor: int = 0  # counts dropped so far by pruning are at most this much too low

    def add(self, keys: Iterable[int], max_keys: int = MAX_KEYS_PER_SITE) -> bool:
        """Count one document's keys; False when an identical document was already counted.

        An exact duplicate (the same page fetched twice) would otherwise make its article
        lines look like a template.
        """
        distinct = frozenset(keys)
        fingerprint = hash(tuple(sorted(distinct)))
        if fingerprint in self.seen:
            return False
        self.seen.add(fingerprint)
        self.documents += 1
        counts = self.counts
        for key in distinct:
            counts[key] = counts.get(key, 0) + 1
        if len(counts) > max_keys:
            self._prune(max_keys)
        return True

    def _prune(self, max_keys: int) -> None:
        """Drop the rarest keys until at most half of `max_keys` remain (amortised linear)."""
        while len(self.counts) > max_keys // 2:
            self.floor += 1
            self.counts = {k: n for k, n in self.counts.items() if n > self.floor}

    def template(self, min_docs: int = MIN_DOCS, min_share: float = MIN_SHARE) -> frozenset[int]:
        need = threshold(self.documents, min_docs, min_share)
        if need == 0:
            return frozenset()
        return frozenset(k for k, n in self.counts.items() if n >= need)


@dataclass(frozen=True, slots=True)
class SiteTemplate:
    """A site's learned template: what the archive stores and a later `clean()` applies."""

    site: str
    documents: int
    keys: frozenset[int]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: `{"format", "site", "documents", "keys": [sorted ints]}`."""
        return {
            "format": FORMAT,
            "site": self.site,
            "documents": self.documents,
            "keys": sorted(self.keys),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SiteTemplate:
        """The inverse of `to_dict`; ValueError on anything else (a stored row is input too)."""
        if data.get("format") != FORMAT:
            raise ValueError(f"not a site template (format {data.get('format')!r})")
        site, documents, keys = data.get("site"), data.get("documents"), data.get("keys")
        if not isinstance(site, str) or not site:
            raise ValueError("site template without a site")
        if not isinstance(documents, int) or isinstance(documents, bool) or documents < 0:
            raise ValueError("site template with a bad document count")
        if not isinstance(keys, list) or not all(
            isinstance(k, int) and not isinstance(k, bool) and 0 <= k <= _KEY_MASK for k in keys
        ):
            raise ValueError("site template keys must be a list of non-negative 53-bit ints")
        return cls(site, documents, frozenset(keys))


class TemplateLearner:
    """Counts line keys per site over a stream of documents, in bounded memory.

    Pruning only ever lowers counts, so it can miss a template line, never invent one.
    """

    def __init__(
        self,
        min_docs: int = MIN_DOCS,
        min_share: float = MIN_SHARE,
        max_keys_per_site: int = MAX_KEYS_PER_SITE,
        max_keys_total: int = MAX_KEYS_TOTAL,
    ) -> None:
        if min_docs < 2 or not 0 < min_share <= 1:
            raise ValueError("a template needs min_docs >= 2 and 0 < min_share <= 1")
        self.min_docs, self.min_share, self.max_keys = min_docs, min_share, max_keys_per_site
        self.max_total = max_keys_total
        self.sites: dict[str, SiteCounts] = {}
        self.total = 0  # keys counted over all sites
        self.floor = 0  # counts at or under this were dropped by the global bound

    def add(self, site: str | None, keys: Iterable[int]) -> None:
        """Count one document of `site` (a document of no known site teaches nothing)."""
        if site is None:
            return
        counts = self.sites.get(site)
        if counts is None:
            counts = self.sites[site] = SiteCounts()
        before = len(counts.counts)
        counts.add(keys, self.max_keys)
        self.total += len(counts.counts) - before
        if self.total > self.max_total:
            self._prune()

    def _prune(self) -> None:
        """Drop the rarest keys of every site until half the bound is left."""
        while self.total > self.max_total // 2:
            self.floor += 1
            total = 0
            for site in list(self.sites):
                counts = self.sites[site]
                counts.counts = {k: n for k, n in counts.counts.items() if n > self.floor}
                if counts.counts:
                    total += len(counts.counts)
                else:
                    del self.sites[site]
            self.total = total

    def templates(self) -> dict[str, SiteTemplate]:
        """Every site with a non-empty template."""
        out = {}
        for site, counts in self.sites.items():
            keys = counts.template(self.min_docs, self.min_share)
            if keys:
                out[site] = SiteTemplate(site, counts.documents, keys)
        return out

    def mapping(self) -> dict[str, frozenset[int]]:
        """The form `CleanOptions.templates` takes."""
        return {site: t.keys for site, t in self.templates().items()}


def learn(
    documents: Iterable[Iterable[int]],
    *,
    min_docs: int = MIN_DOCS,
    min_share: float = MIN_SHARE,
) -> frozenset[int]:
    """The template keys of one site, from the line keys of each of its documents."""
    counts = SiteCounts()
    for keys in documents:
        counts.add(keys)
    return counts.template(min_docs, min_share)


def apply_template(units: Sequence[Unit], keys: frozenset[int]) -> int:
    """Remove kept units whose line key is a template key; return how many were removed.

    Two guards keep article text. A unit standing alone between two prose paragraphs is a
    heading inside the article ("Background"), kept even when the site's articles share it;
    recurring inserts there ("Advertisement") are the named rules' job. And when template
    prose would take more than half of the page's prose, the page is another page's article
    again (a near-duplicate the learner counted), so its prose stays.
    """
    if not keys:
        return 0
    kept = [u for u in units if u.kept]
    hits = {i for i, u in enumerate(kept) if learnable(u.text) and line_key(u.text) in keys}
    if not hits:
        return 0
    body_words = sum(u.words for u in kept if is_body_like(u))
    hit_body_words = sum(kept[i].words for i in hits if is_body_like(kept[i]))
    spare_prose = body_words > 0 and hit_body_words * 2 > body_words
    removed = 0
    for i in sorted(hits):
        unit = kept[i]
        if spare_prose and is_body_like(unit):
            continue
        if _between_prose(kept, hits, i):
            continue
        unit.removed_by = RULE_ID
        removed += 1
    return removed


def _between_prose(kept: Sequence[Unit], hits: set[int], i: int) -> bool:
    """Whether kept unit `i` stands alone between two article paragraphs (a heading there)."""
    if not 0 < i < len(kept) - 1 or i - 1 in hits or i + 1 in hits:
        return False
    return is_body_like(kept[i - 1]) and is_body_like(kept[i + 1])
