"""The generic body finder: finds the article on pages no rule was written for.

A learned model (cleaner/body_model.py, trained by scripts/train_body.py) gives every unit the
rules left a probability of being article text, from its own shape and its neighbours' (the
lines the named rules removed are features, not walls). Units below the model's threshold go
as `generic.model` (the unit looked like boilerplate on its own) or `generic.model.context`
(it looked like prose, but its context says it is outside the article: a teaser rail, a
comment thread). The body may be several runs: an insert between two article parts goes, the
article after it stays.

A heading that repeats the page's first line (its <title>) right before the body is returned
as the anchor: the pipeline takes it as the headline. Every decision keeps a rule id and a note
(the probability and the features that weighed most) for `--explain`.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING, Any

from cleaner.ruleset import Ruleset, default_ruleset

if TYPE_CHECKING:  # numpy and the model load on the first page, not on `cleaner --help`
    import numpy as np

    from cleaner.body_model import BodyModel
    from cleaner.lines import Unit

AD_COPY_MAX_LINES = 3
AD_COPY_MAX_CHARS = 160  # an article paragraph after the ad is longer, or in its own block

MIN_TITLE_SHARE = 0.45  # a repeated title covers this much of the first line
ANCHOR_WINDOW = 25  # kept units after the repeated title in which the body must start
_model: BodyModel | None = None


def use_model(model: BodyModel | None) -> None:
    """Use `model` instead of the shipped one (None: back to the shipped one); for training
    and leave-one-corpus-out validation."""
    global _model
    _model = model


def current_model() -> BodyModel:
    from cleaner.body_model import default_model

    return _model if _model is not None else default_model()


def body_sequence(units: Sequence[Unit], metadata: Collection[str] | None = None) -> list[Unit]:
    """The units the model sees: those kept and those the named rules removed (the headline
    and other metadata lines taken by the pipeline, removed by the rules with the `metadata`
    property, are left out; those are code rules, always the built-in ones)."""
    if metadata is None:
        metadata = default_ruleset().having("metadata")
    return [u for u in units if u.kept or u.removed_by not in metadata]


def anchor_position(units: Sequence[Unit], seq: Sequence[Unit]) -> int | None:
    """Position in `seq` of the first heading that repeats the page's title, or None."""
    anchors = title_anchors(units)
    if not anchors:
        return None
    where = {u.index: i for i, u in enumerate(seq)}
    for a in anchors:
        if a in where:
            return where[a]
    return None


def apply_generic(
    units: Sequence[Unit],
    language: str | None,
    ruleset: Ruleset | None = None,
) -> int | None:
    """Mark boilerplate units removed in place; return the title anchor's unit index, if any.

    Units already removed by rules keep their verdict and serve as context; the rules'
    properties (`ad_mark`, `inline`) say what their lines are. `ruleset`: the run's rules
    (default: the built-in ones).
    """
    ruleset = ruleset or default_ruleset()
    mark_ad_copy(units, ruleset.having("ad_mark"))
    seq = body_sequence(units)
    if sum(1 for u in seq if u.kept) < 3:
        return None
    anchor = anchor_position(units, seq)
    model = current_model()
    import numpy as np

    from cleaner.body_model import page_features

    x1 = page_features(seq, language, anchor, ruleset.having("inline"))
    p1, p2 = model.predict(x1)
    kept = np.array([u.kept for u in seq])
    body = (p2 >= model.threshold) & kept
    if not body.any():
        # never the whole page: the most probable units stay (a short or odd article)
        best = np.where(kept, p2, -1.0).max()
        body = kept & (p2 >= best * 0.5)
    _join_edges(seq, body, kept, p2)
    _keep_inner_headings(seq, body, kept)
    for i, unit in enumerate(seq):
        if unit.kept and not body[i]:
            context = p1[i] >= model.threshold
            unit.removed_by = "generic.model.context" if context else "generic.model"
            unit.note = f"p={p2[i]:.2f} (alone {p1[i]:.2f})"
    if anchor is None or seq[anchor].text.endswith("."):  # a sentence is no headline
        return None
    after = [i for i in range(anchor + 1, len(seq)) if seq[i].kept][:ANCHOR_WINDOW]
    if not after or not body[after[0] : after[-1] + 1].any():
        return None
    return int(seq[anchor].index)


def model_headline(units: Sequence[Unit]) -> int | None:
    """The headline the body model left at the top of the body: the first kept unit, when it
    is headline-shaped (3 to 25 words, no full stop at its end) and a long paragraph follows
    it. Used when no other headline was found; returns its unit index."""
    kept = [u for u in units if u.kept]
    if len(kept) < 2:
        return None
    head, nxt = kept[0], kept[1]
    if not 3 <= head.words <= 25 or head.text.endswith((".", "!", ":", ";", "…")):
        return None
    return head.index if nxt.words >= 25 else None


HEADING_CHARS = 80  # a sub-heading between two article paragraphs is at most this long
EDGE_PROBABILITY = 0.3  # a sentence right next to the body joins it from this probability


def _join_edges(seq: Sequence[Unit], body: np.ndarray, kept: np.ndarray, p: np.ndarray) -> None:
    """A sentence of at least six words right next to a body paragraph, or a sub-heading away
    from one (a short lead, a closing line), which the model was unsure of (p >= 0.3), joins
    the body."""
    for i in list(range(len(seq))) + list(range(len(seq) - 1, -1, -1)):
        if body[i] or not kept[i] or p[i] < EDGE_PROBABILITY or seq[i].words < 6:
            continue
        if not seq[i].text.endswith((".", "!", "?", "»", '"', "”")):
            continue
        for step in (-1, 1):
            j = i + step
            if 0 <= j < len(seq) and kept[j] and not body[j] and len(seq[j].text) <= HEADING_CHARS:
                j += step  # over a sub-heading to the paragraph beyond it
            if 0 <= j < len(seq) and body[j]:
                body[i] = True


def _keep_inner_headings(seq: Sequence[Unit], body: np.ndarray, kept: np.ndarray) -> None:
    """A short line the model would drop that stands right between two body paragraphs (no
    removed line in between) is a sub-heading of the article ('Background'): it stays."""
    n = len(seq)
    for i in range(1, n - 1):
        if body[i] or not kept[i] or len(seq[i].text) > HEADING_CHARS:
            continue
        if body[i - 1] and kept[i - 1] and body[i + 1] and kept[i + 1]:
            body[i] = True


def mark_ad_copy(units: Sequence[Unit], marks: Collection[str] | None = None) -> int:
    """The label goes and so must the ad: up to three short kept lines right after an ad label
    or an ad marking (`marks`: the ids of the rules with the `ad_mark` property; default: the
    built-in ones), in the same blank-line block, are its copy (`generic.ad-copy`). A long
    line or a new block is the article again. Returns how many lines went."""
    if marks is None:
        marks = default_ruleset().having("ad_mark")
    gone = 0
    i = 0
    n = len(units)
    while i < n:
        unit = units[i]
        i += 1
        if unit.removed_by not in marks:
            continue
        block = unit.block
        while i < n and units[i].removed_by in marks and units[i].block == block:
            i += 1  # the label's marking line
        taken = 0
        while i < n and taken < AD_COPY_MAX_LINES:
            nxt = units[i]
            if not nxt.kept or nxt.block != block or len(nxt.text) >= AD_COPY_MAX_CHARS:
                break
            nxt.removed_by = "generic.ad-copy"
            taken += 1
            i += 1
        gone += taken
    return gone


EXTENT_KEEP_SHARE = 0.5  # HTML: extents may not leave less than this share of the extraction


def gate_extents(units: Sequence[Unit], matches: Sequence[tuple[Unit, Any]]) -> int:
    """In HTML mode, a rule whose extent (block, section, rest) would leave less than half of
    trafilatura's extraction is not sure enough: the lines it removed only by extent come back
    (the line it matched still goes). trafilatura already cut the page to its article
    container, so a footer start inside it is more often a menu link or a heading of the
    article itself. Returns how many units came back."""
    matched = {unit.index for unit, _ in matches}
    total = sum(len(u.text) for u in units)
    kept = sum(len(u.text) for u in units if u.kept)
    if not total or kept >= EXTENT_KEEP_SHARE * total:
        return 0
    back = 0
    for unit in units:
        if unit.removed_by is not None and unit.index not in matched:
            unit.removed_by = None
            back += 1
    return back


def gate_unsure(units: Sequence[Unit], ruleset: Ruleset) -> int:
    """HTML mode: the lines that `text_only` rules removed (matched or by extent) come back.

    Those rules, on trafilatura's extractions of the three benchmarks' tuning halves, removed
    more article text than boilerplate and were never mostly right on any corpus
    (docs/quality.md has the table): trafilatura already left out most of what they are for,
    and what is left that they match is mostly the article's own closing lines, notes or bio.
    Returns how many units came back."""
    unsure = ruleset.having("text_only")
    back = 0
    for unit in units:
        if unit.removed_by in unsure:
            unit.removed_by = None
            back += 1
    return back


def title_anchors(units: Sequence[Unit], limit: int = 400) -> list[int]:
    """Indices of headings that repeat the page's first line (its <title>).

    Scrapes often begin with the page title ("Headline - Site") and show the headline again
    right above the article, after the menus: such a repetition marks where the article starts.
    """
    if len(units) < 3:
        return []
    first = _key(units[0])
    if len(first) < 12:
        return []
    out = []
    shortest = max(12, MIN_TITLE_SHARE * len(first))
    for unit in units[1:limit]:
        if not 3 <= unit.words <= 40:
            continue
        key = _key(unit)
        if len(key) < shortest:
            continue
        if first.startswith(key) or key in first:
            out.append(unit.index)
    return out


def _key(unit: Any) -> str:
    return " ".join(unit.tokens())
