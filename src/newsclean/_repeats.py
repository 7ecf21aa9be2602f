"""Repeated paragraphs within a document: exact keys, MinHash candidates verified by the
exact Jaccard of shingle sets, and truncated teasers."""

from __future__ import annotations

import bisect
import dataclasses
import re
from collections.abc import Sequence
from typing import Protocol

import numpy as np

from ._lsh import band_keys, candidate_pairs_from_keys
from ._options import Options, Rule
from ._shingle import U64, jaccard, shingle_hashes
from ._sketch import SketchParams, signatures

_LETTER = re.compile(r"[^\W\d_]")
_TEASER_END = re.compile(r"\s*(?:\.\.\.|\[\.\.\.\])$")
TEASER_MIN_CHARS = 20
TEASER_MIN_WORDS = 3


@dataclasses.dataclass(frozen=True, order=True)
class Repeat:
    """Paragraph ``index`` repeats kept paragraph ``duplicate_of`` (``None`` for boilerplate,
    which repeats other documents)."""

    index: int
    duplicate_of: int | None
    similarity: float
    rule: Rule


class Boilerplate(Protocol):
    """What ``clean()`` needs of an index to remove site boilerplate."""

    def boilerplate_hashes(self) -> frozenset[int]: ...


def find_boilerplate(keys: Sequence[str], index: Boilerplate, removed: set[int]) -> list[Repeat]:
    """Paragraphs (not already removed, not layout) the index knows as site boilerplate."""
    from .index._fingerprint import paragraph_hash

    known = index.boilerplate_hashes()
    if not known:
        return []
    return [
        Repeat(i, None, 1.0, "boilerplate")
        for i, k in enumerate(keys)
        if i not in removed and _LETTER.search(k) and paragraph_hash(k) in known
    ]


def sketch_params(options: Options) -> SketchParams:
    return SketchParams(
        num_perm=options.num_perm,
        seed=options.seed,
        shingle_kind=options.shingle_kind,
        shingle_size=options.shingle_size,
    )


def find_repeats(keys: Sequence[str], options: Options, texts: Sequence[str] | None = None) -> list[Repeat]:
    """Which paragraphs (given by their comparison keys) repeat an earlier kept one.

    A paragraph with no letter (in ``texts``, the whole paragraphs, else in its key) is
    layout and is never removed.

    >>> long = "the senior officials discussed the rise of violence in the region"
    >>> find_repeats(["a", long, "b", long + ".", "* * *", "* * *"], Options())
    [Repeat(index=3, duplicate_of=1, similarity=0.98..., rule='near_repeat')]
    """
    content = [bool(_LETTER.search(t)) for t in (keys if texts is None else texts)]
    kept = list(content)
    repeats = _exact(keys, kept)
    # Teasers before near repeats: a long teaser is also a near repeat of its full
    # paragraph, and the full paragraph must be the one that stays.
    repeats += _truncated(keys, kept)
    repeats += _near(keys, kept, options)
    return _to_kept(sorted(repeats))


def _to_kept(repeats: list[Repeat]) -> list[Repeat]:
    """Point every removal at a kept paragraph. An exact repeat of a paragraph that a
    later pass removed takes over that paragraph's removal (same key, same similarity);
    a teaser whose full paragraph was removed points where that paragraph points."""
    by_index = {r.index: r for r in repeats}
    out = []
    for r in repeats:
        target = by_index.get(r.duplicate_of) if r.duplicate_of is not None else None
        while target is not None:
            if r.rule == "exact_repeat":
                r = dataclasses.replace(target, index=r.index)
            else:
                r = dataclasses.replace(r, duplicate_of=target.duplicate_of)
            target = by_index.get(r.duplicate_of) if r.duplicate_of is not None else None
        out.append(r)
    return out


def _exact(keys: Sequence[str], kept: list[bool]) -> list[Repeat]:
    first: dict[str, int] = {}
    found = []
    for i, k in enumerate(keys):
        if kept[i]:
            j = first.setdefault(k, i)
            if j != i:
                kept[i] = False
                found.append(Repeat(i, j, 1.0, "exact_repeat"))
    return found


# Paragraphs sketched per step: bounds memory on huge documents (a 100 MB page) to the
# band keys of every paragraph plus one chunk's shingles.
_SKETCH_CHUNK = 2048


def _near(keys: Sequence[str], kept: list[bool], options: Options) -> list[Repeat]:
    idx = [i for i, k in enumerate(keys) if kept[i] and len(k) >= options.min_near_length]
    if len(idx) < 2:
        return []
    bands, rows = options.bands
    params = sketch_params(options)
    parts = []
    for start in range(0, len(idx), _SKETCH_CHUNK):
        chunk = [keys[i] for i in idx[start : start + _SKETCH_CHUNK]]
        hashes, offsets = shingle_hashes(chunk, options.shingle_size, options.shingle_kind)
        parts.append(band_keys(signatures(hashes, offsets, params), bands, rows))
    pairs = candidate_pairs_from_keys(np.concatenate(parts))
    if not len(pairs):
        return []
    # The shingle sets of the paragraphs in some candidate pair, for exact verification,
    # made a chunk at a time so that only the sets, not their making, fill memory.
    sets: dict[int, U64] = {}
    involved = np.unique(pairs).tolist()
    for start in range(0, len(involved), _SKETCH_CHUNK):
        chunk = involved[start : start + _SKETCH_CHUNK]
        hashes, offsets = shingle_hashes([keys[idx[i]] for i in chunk], options.shingle_size, options.shingle_kind)
        sets.update((i, hashes[offsets[n] : offsets[n + 1]]) for n, i in enumerate(chunk))
    found = []
    # Decide each later paragraph in input order, against the earlier paragraphs that are
    # still kept at that point.
    by_later = pairs[np.lexsort((pairs[:, 0], pairs[:, 1]))]
    bounds = np.flatnonzero(np.diff(by_later[:, 1])) + 1
    for group in np.split(by_later, bounds):
        j = int(group[0, 1])
        best: tuple[float, int] | None = None
        for i in group[:, 0].tolist():
            if not kept[idx[i]]:
                continue
            s = jaccard(sets[i], sets[j])
            if s >= options.threshold and (best is None or s > best[0]):
                best = (s, i)
        if best is not None:
            kept[idx[j]] = False
            found.append(Repeat(idx[j], idx[best[1]], best[0], "near_repeat"))
    return found


def _truncated(keys: Sequence[str], kept: list[bool]) -> list[Repeat]:
    teasers = {}
    for i, k in enumerate(keys):
        m = _TEASER_END.search(k) if kept[i] else None
        if m:
            core = k[: m.start()]
            if len(core) >= TEASER_MIN_CHARS and len(core.split()) >= TEASER_MIN_WORDS:
                teasers[i] = core
    if not teasers:
        return []
    full = sorted((k, i) for i, k in enumerate(keys) if kept[i] and i not in teasers)
    found = []
    for i, core in teasers.items():
        matches = []
        at = bisect.bisect_left(full, (core, -1))
        while at < len(full) and full[at][0].startswith(core):
            matches.append(full[at][1])
            at += 1
        if matches:
            j = min(matches)
            kept[i] = False
            found.append(Repeat(i, j, len(core) / len(keys[j]), "truncated_repeat"))
    return found
