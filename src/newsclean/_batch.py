"""Near-duplicates among many texts at once: the fast path for archives.

``near_duplicates(texts)`` answers, for every text, which earlier kept text it repeats
(first wins, as in ``clean()``), with the exact Jaccard similarity of the two shingle sets.
The work, per chunk of texts and on every core:

1. comparison keys as one array of code points (``key_codes()``: the same keys as ``key()``,
   with casefolding, the key table and whitespace folding done by array lookups and masks),
   then the 32-bit hash of every character n-gram, straight from the code points into one
   array (no Python object per shingle);
2. a one-permutation MinHash (OPH) signature per text: each shingle hash picks one of
   ``num_perm`` bins by its top bits and competes for the bin's minimum with its low 32
   bits; empty bins are filled by optimal densification (Shrivastava, ICML 2017): bin ``j``
   copies the first non-empty bin of a fixed pseudo-random probe sequence of ``j``. One hash
   per shingle instead of ``num_perm``: that is where the time goes in k-permutation MinHash;
3. LSH band keys, kept instead of the signatures (200 bytes per text for 25 bands), and the
   low byte of every bin (128 bytes);

then: candidate pairs by sorting the band keys; a check that drops the pairs whose bins agree
far less often than any pair at the threshold would (``_agreeing``: pairs that share a band
by chance, which grow with the square of the batch: 42% of the proposals at a million news
paragraphs, J < 0.2); and the exact Jaccard similarity of the
(32-bit hashed) shingle sets of every remaining pair: the sets of the texts in some pair are
made once (sorted, unique), and the intersections of a batch of pairs come from one merge
of two sorted runs. Only verified pairs at or above the threshold decide.

With several processes (forked: a ``_forked.Team``), the sketches are written into memory
that all of them share, each process then searches one range of key values for
candidates (a bucket lies in one range) and checks its pairs, and the verification is
split between them. Where processes are not forked, workers send their sketches back and
the search is the caller's alone.

The sketch scheme is ``oph-optimal-densification-v1`` over 32-bit multilinear shingle
hashes (the odd top halves of ``_shingle``'s multipliers, then ``fmix32``); it is not
datasketch's (``clean()`` within a long document uses datasketch's ``affine32``
k-permutation MinHash, bit for bit). Sketches never leave a call, so nothing stored
depends on the scheme.
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from . import _forked
from ._arrays import reuse_large_blocks, unique
from ._lsh import band_keys, candidate_pairs_from_keys, unique_pairs
from ._options import choose_bands
from ._shingle import _MULTIPLIERS, _splitmix64, fmix64
from ._sketch import U32, fmix32
from ._text.normalize import key_codes, slices

SCHEME = "oph-optimal-densification-v1"
_EMPTY = np.uint32(0xFFFFFFFF)
# A unit of work: at most this many texts and (but for one long text) characters. It
# bounds memory (the arrays of a chunk take some 40 bytes a character) and spreads work
# across cores.
_CHUNK = 2048
_CHUNK_CHARS = 1 << 21
_PARALLEL_MIN = 20_000  # below this many texts a second process costs more than it saves
_PAIR_BATCH = 1 << 19  # shingles compared per vectorised verification step (< 2**24 pairs)


@dataclasses.dataclass(frozen=True)
class NearDuplicates:
    """The decisions of ``near_duplicates``.

    Attributes:
        duplicate_of: per text, the index of the kept text it repeats (an earlier one, or
            with another ``keep`` rule, one of higher priority), or -1 if it is kept.
        similarity: per text, the exact Jaccard similarity to that text, or NaN.
        candidates: how many candidate pairs were verified exactly (those LSH proposed,
            less the chance pairs its signatures rule out).
    """

    duplicate_of: npt.NDArray[np.int64]
    similarity: npt.NDArray[np.float64]
    candidates: int

    @property
    def kept(self) -> npt.NDArray[np.int64]:
        """Indices of the kept texts, which are not near-duplicates of a text kept before
        them (an earlier one, or with another ``keep`` rule, one of higher priority)."""
        return np.flatnonzero(self.duplicate_of < 0)

    def groups(self) -> dict[int, list[int]]:
        """Every kept text's index, in order, with the indices of the texts dropped as its
        near-duplicates (``duplicate_of`` read the other way; an empty list for a text with
        none). A text is only ever matched to a kept text, so no group holds another.

        >>> near_duplicates(["The senior officials discussed the rise of violence in the region.",
        ...                  "Football results from the weekend, with three draws and a late winner.",
        ...                  "The senior officials discussed the rise of violence in the region today."]).groups()
        {0: [2], 1: []}
        """
        out: dict[int, list[int]] = {k: [] for k in self.kept.tolist()}
        dropped = np.flatnonzero(self.duplicate_of >= 0)
        for j, i in zip(dropped.tolist(), self.duplicate_of[dropped].tolist()):
            out[i].append(j)
        return out


def near_duplicates(
    texts: Sequence[str],
    *,
    threshold: float = 0.8,
    shingle_size: int = 5,
    num_perm: int = 128,
    seed: int = 1,
    workers: int | None = None,
    keep: str | Sequence[float] | npt.NDArray[Any] = "first",
) -> NearDuplicates:
    """Which texts repeat a kept text: Jaccard similarity of their character
    ``shingle_size``-gram sets (of the comparison keys) at least ``threshold``.

    ``keep``: which text of a group of near-duplicates is kept. The texts are decided one
    at a time in order of priority: each is kept unless it matches a text already kept (of
    higher priority), and is then a duplicate of the most similar such text (ties: the
    one of higher priority). A text is only ever compared with kept texts: when B repeats A
    and C repeats B but not A, and A comes first, B is dropped and C is kept. Priorities:

    * ``"first"`` (default): input order, the earlier text first;
    * ``"longest"``: the longer text (in characters) first, ties in input order;
    * an array of one number per text: the higher number first, ties in input order
      (a crawl's timestamp, negated, keeps the oldest copy; a site's rank keeps the
      most trusted).

    ``workers``: processes to use, this one included (default: all cores for 20,000 texts
    or more, else 1).

    Memory: a batch of more than 2,048 texts first has malloc (glibc) reuse freed blocks
    of up to 30 MB rather than map fresh memory for each temporary, which spared a fifth
    of the time of a first call at 100k texts; the process may then keep up to 60 MB of
    freed memory for reuse, as it would after freeing any such array.

    >>> texts = ["The senior officials discussed the rise of violence in the region.",
    ...          "Football results from the weekend, with three draws and a late winner.",
    ...          "The senior officials discussed the rise of violence in the region today."]
    >>> r = near_duplicates(texts)
    >>> r.duplicate_of.tolist(), round(float(r.similarity[2]), 3)
    ([-1, -1, 0], 0.881)
    """
    from ._options import Options

    Options(threshold=threshold, shingle_size=shingle_size, num_perm=num_perm, seed=seed)  # validate
    if num_perm & (num_perm - 1):
        raise ValueError(f"num_perm must be a power of two for one-permutation hashing, got {num_perm}")
    bands, rows = choose_bands(threshold, num_perm)
    n = len(texts)
    rank = _ranks(texts, keep)
    if workers is None:
        workers = (os.cpu_count() or 1) if n >= _PARALLEL_MIN else 1
    # With several workers, at least eight chunks each, so that they finish together.
    chunks = _chunks(texts, _CHUNK if workers < 2 else min(_CHUNK, max(256, -(-n // (8 * workers)))))
    job = (shingle_size, num_perm, seed, bands, rows)
    if n > _CHUNK:
        reuse_large_blocks()  # (before the fork: the team's processes inherit it)
    team = None
    shared: list[Sketches] | None = None  # (a list, to let the arrays go with clear())
    if workers > 1 and len(chunks) > 1:
        # This process is one of the workers: the team's pool has the others. They inherit
        # the texts and (where they are forked) the sketch arrays, in shared memory: each
        # process writes its chunks' sketches in place, then searches a part of the keys.
        if _forked.forks():
            shared = [_sketch_arrays(n, job, _forked.shared_empty)]
        team = _forked.Team(workers - 1, (texts, shared))
    try:
        keys, check, filled = _all_sketches(texts, chunks, job, team, shared)
        if team is not None and shared:
            pairs = _search_in_parts((keys, check, filled), threshold, team, workers)
            shared.clear()  # (the other processes let theirs go as they start verifying)
            del keys, check, filled
        else:
            # (The search overwrites the band keys, which are let go as soon as it returns:
            # with many texts they are the largest array.)
            pairs = candidate_pairs_from_keys(keys)
            del keys
            pairs = _agreeing(pairs, check, filled, threshold)
            del check, filled
        sims = _verify_all(texts, pairs, shingle_size, team, workers)
    finally:
        if team is not None:
            team.shutdown()
    duplicate_of = np.full(n, -1, dtype=np.int64)
    similarity = np.full(n, np.nan)
    if len(pairs):
        good = sims >= threshold
        # Each pair as (higher priority i, lower priority j). Decide each j in order of
        # priority, against the texts of higher priority still kept (decided already: each
        # was a j earlier in the order, or is in no pair as a j and kept).
        ij = pairs[good]
        swap = rank[ij[:, 0]] > rank[ij[:, 1]]
        ij[swap] = ij[swap][:, ::-1]
        order = np.lexsort((rank[ij[:, 0]], -sims[good], rank[ij[:, 1]]))
        for i, j, s in zip(ij[order, 0].tolist(), ij[order, 1].tolist(), sims[good][order].tolist()):
            if duplicate_of[j] < 0 and duplicate_of[i] < 0:
                duplicate_of[j] = i
                similarity[j] = s
    return NearDuplicates(duplicate_of, similarity, len(pairs))


def _ranks(texts: Sequence[str], keep: str | Sequence[float] | npt.NDArray[Any]) -> npt.NDArray[np.int64]:
    """Each text's place in the order of priority of ``keep`` (0: decided first)."""
    n = len(texts)
    if isinstance(keep, str):
        if keep == "first":
            return np.arange(n, dtype=np.int64)
        if keep != "longest":
            raise ValueError(f"keep must be 'first', 'longest' or one number per text, got {keep!r}")
        priority = np.fromiter((len(t) for t in texts), dtype=np.int64, count=n)
    else:
        priority = np.asarray(keep)
        if priority.dtype.kind not in "biuf":
            raise ValueError(f"keep must be 'first', 'longest' or one number per text, got {keep!r}")
        if priority.shape != (n,):
            raise ValueError(f"keep must hold one number per text: {n} texts, got shape {priority.shape}")
        if priority.dtype.kind == "f" and np.isnan(priority).any():
            raise ValueError(f"keep must hold numbers, got NaN at {int(np.flatnonzero(np.isnan(priority))[0])}")
    # The higher number first, ties in input order: a stable sort of the reversed numbers,
    # reversed (no negation: it would overflow the least int64, and floats lose large ints).
    order = (n - 1 - np.argsort(priority[::-1], kind="stable"))[::-1]
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    return rank


def _all_sketches(
    texts: Sequence[str],
    chunks: list[tuple[int, int]],
    job: tuple[int, int, int, int, int],
    team: _forked.Team | None,
    shared: list[Sketches] | None = None,
) -> Sketches:
    """``_sketches_of`` every text, chunk by chunk (here, and in the team's other processes
    if there is a team). Each chunk's arrays go straight into place: a list of parts, then
    a concatenation, would hold them twice. With ``shared`` arrays (``[sketches]``, in
    shared memory), the other processes write theirs there too; otherwise they send them."""
    sketches = shared[0] if shared else _sketch_arrays(len(texts), job, np.empty)

    def put(k: int, part: Sketches | None) -> None:
        if part is not None:  # (None: written in place)
            _place(sketches, chunks[k], part)

    if team is None:
        for k, (a, b) in enumerate(chunks):
            put(k, _sketches_of(texts[a:b], job))
    else:
        local = lambda chunk, job: _sketches_of(texts[chunk[0] : chunk[1]], job)  # noqa: E731
        team.run(_sketches_of_slice, local, [(c, job) for c in chunks], put)
    return sketches


def _sketch_arrays(n: int, job: tuple[int, int, int, int, int], empty: Callable[..., Any]) -> Sketches:
    """Uninitialised arrays for the sketches of ``n`` texts, made by ``empty(shape, dtype)``
    (``np.empty``, or ``_forked.shared_empty``)."""
    return empty((n, job[3]), np.uint64), empty((n, job[1]), np.uint8), empty((n,), np.int64)


def _place(sketches: Sketches, chunk: tuple[int, int], part: Sketches) -> None:
    """Write a chunk's sketches into the arrays of every text."""
    a, b = chunk
    wholes: tuple[np.ndarray, ...] = sketches
    for whole, piece in zip(wholes, part):
        whole[a:b] = piece


def _search_in_parts(sketches: Sketches, threshold: float, team: _forked.Team, parts: int) -> npt.NDArray[np.int64]:
    """``candidate_pairs_from_keys`` then ``_agreeing``, a range of key values in each
    process of the team (the keys are in shared memory, and left as they are); the union
    of the parts is the whole search's answer."""
    found: list[Any] = [None] * parts
    local = lambda k, parts, threshold: _search_part(sketches, k, parts, threshold)  # noqa: E731
    team.run(_search_part_inherited, local, [(k, parts, threshold) for k in range(parts)], found.__setitem__)
    pairs = np.concatenate(found)
    return unique_pairs(pairs[:, 0], pairs[:, 1], len(sketches[2]))


def _search_part(sketches: Sketches, k: int, parts: int, threshold: float) -> npt.NDArray[np.int64]:
    keys, check, filled = sketches
    return _agreeing(candidate_pairs_from_keys(keys, (k, parts)), check, filled, threshold)


# The check on candidate pairs (_agreeing): only texts with at least this share of
# non-empty bins are checked (their bins are close to independent samples), and a pair is
# dropped only this many (inflated) standard deviations below the least agreement of a pair
# at the threshold.
_CHECK_FILLED = 0.75
_CHECK_SIGMAS = 8.0
_CHECK_INFLATION = 1.5


def _agreeing(
    pairs: npt.NDArray[np.int64], check: npt.NDArray[np.uint8], filled: npt.NDArray[np.int64], threshold: float
) -> npt.NDArray[np.int64]:
    """The candidate pairs whose signatures could belong to sets of Jaccard similarity
    ``threshold`` or more: those whose bins agree on their low byte in at least
    ``_agreement_cut`` of ``num_perm`` bins, or one of whose texts has too few non-empty bins
    for the count to say much (always kept).

    A pair shares a band by chance, not by similarity, increasingly often as the batch
    grows: its texts share common words, and with a million texts there are 5e11 pairs. At
    a million news paragraphs 42% of the pairs LSH proposed had J < 0.2. A pair at the
    threshold agrees in about ``t + (1 - t) / 256`` of its bins; a chance pair in 5 of a
    band's and about ``J`` of the rest."""
    num_perm = check.shape[1]
    cut = _agreement_cut(threshold, num_perm)
    if cut <= 0 or not len(pairs):
        return pairs
    keep = np.ones(len(pairs), dtype=bool)
    enough = filled >= _CHECK_FILLED * num_perm
    step = 1 << 16  # pairs per step: two gathers of 8 MB with 128 bins
    for start in range(0, len(pairs), step):
        i, j = pairs[start : start + step, 0], pairs[start : start + step, 1]
        agree = np.count_nonzero(check[i] == check[j], axis=1)
        keep[start : start + step] = (agree >= cut) | ~(enough[i] & enough[j])
    return pairs[keep]


def _agreement_cut(threshold: float, num_perm: int) -> float:
    """The fewest agreeing bins (of ``num_perm``, by low byte) that ``_agreeing`` keeps."""
    expected = num_perm * (threshold + (1 - threshold) / 256)
    spread = math.sqrt(num_perm * threshold * (1 - threshold) / _CHECK_FILLED) * _CHECK_INFLATION
    return expected - _CHECK_SIGMAS * spread


def _verify_all(
    texts: Sequence[str], pairs: npt.NDArray[np.int64], shingle_size: int, team: _forked.Team | None, workers: int
) -> npt.NDArray[np.float64]:
    """``_verify`` of every pair, split between the processes of the team if there is one.

    A share costs the shingle sets of the texts it involves (most of the cost) and its
    intersections: each pair weighs ``1 / pairs of i + 1 / pairs of j`` (a text's set
    spread over its pairs), and the shares are consecutive runs of equal weight. (Equal
    numbers of pairs gave, at a million paragraphs, one share 25% more texts than the other.)"""
    if team is None or len(pairs) <= 2 * workers:
        return _verify(texts, pairs, shingle_size) if len(pairs) else np.zeros(0)
    uses = np.bincount(pairs.ravel())
    weight = np.cumsum(1 / uses[pairs[:, 0]] + 1 / uses[pairs[:, 1]])
    cuts = np.searchsorted(weight, weight[-1] * np.arange(1, workers) / workers)
    shares = [(share, shingle_size) for share in np.split(pairs, cuts) if len(share)]
    parts: list[Any] = [None] * len(shares)
    team.run(_verify_inherited, lambda p, k: _verify(texts, p, k), shares, parts.__setitem__)
    return np.concatenate(parts)


def _chunks(texts: Sequence[str], max_texts: int | None = None) -> list[tuple[int, int]]:
    """Chunks of at most ``max_texts`` (``_CHUNK``) texts and ``_CHUNK_CHARS`` characters."""
    return slices(texts, max_texts or _CHUNK, _CHUNK_CHARS)


def _sketches_of_slice(chunk: tuple[int, int], job: tuple[int, int, int, int, int]) -> Sketches | None:
    """In a worker: the sketches of a chunk, written in place if the arrays are shared."""
    texts, shared = _forked.inherited()
    part = _sketches_of(texts[chunk[0] : chunk[1]], job)
    if not shared:
        return part
    _place(shared[0], chunk, part)
    return None


def _search_part_inherited(k: int, parts: int, threshold: float) -> npt.NDArray[np.int64]:
    _, shared = _forked.inherited()
    return _search_part(shared[0], k, parts, threshold)


def _verify_inherited(pairs: npt.NDArray[np.int64], shingle_size: int) -> npt.NDArray[np.float64]:
    texts, shared = _forked.inherited()
    if shared:
        shared.clear()  # (the search is over: let this process's map of the sketches go)
    return _verify(texts, pairs, shingle_size)


Sketches = tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint8], npt.NDArray[np.int64]]
"""What is kept of each text's signature: its band keys, the low byte of every bin (for
``_agreeing``) and how many bins were not empty before densification."""


def _sketches_of(texts: Sequence[str], job: tuple[int, int, int, int, int]) -> Sketches:
    shingle_size, num_perm, seed, bands, rows = job
    h, owner = window_hashes32(*key_codes(texts), shingle_size, seed)
    sig, filled = _oph(h, owner, len(texts), num_perm)
    return band_keys(sig, bands, rows), sig.astype(np.uint8), filled


# Odd 32-bit multipliers of the window hash (fixed: they define SCHEME).
_M32 = (_MULTIPLIERS >> np.uint64(32)).astype(np.uint32) | np.uint32(1)


def window_hashes32(
    cps: U32, lengths: npt.NDArray[np.int64], size: int, seed: int
) -> tuple[U32, npt.NDArray[np.int64]]:
    """The 32-bit hash of every character n-gram of every key (repeats included), and the
    key each belongs to; the keys are given as ``key_codes`` gives them. A key shorter
    than ``size`` (but not empty) is one shingle, the whole key, as in ``shingle_hashes``;
    an empty key has none.

    Everything runs over contiguous uint32 arrays.
    """
    starts = np.cumsum(lengths) - lengths
    short = np.flatnonzero((lengths > 0) & (lengths < size))
    whole = np.zeros(len(short), dtype=np.uint32)  # the short keys' one shingle each
    for j in range(size - 1):
        inside = lengths[short] > j
        whole[inside] += cps[starts[short[inside]] + j] * _M32[j]
    n_windows = max(len(cps) - size + 1, 0)
    h = cps[:n_windows] * _M32[0]
    term = np.empty_like(h)
    for j in range(1, size):
        np.multiply(cps[j : j + n_windows], _M32[j], out=term)
        h += term
    # Windows that straddle two keys: the last size - 1 starting positions of each key
    # (for a short key, every position).
    ends = starts + lengths
    straddle = (ends[:, None] - np.arange(1, size)[None, :]).ravel()
    straddle = straddle[straddle >= starts.repeat(size - 1)]
    valid = np.ones(n_windows, dtype=bool)
    valid[straddle[straddle < n_windows]] = False
    h = h[valid]
    owner = np.repeat(np.arange(len(lengths), dtype=np.int64), np.maximum(lengths - size + 1, 0))
    if len(short):
        h, owner = np.concatenate([h, whole]), np.concatenate([owner, short])
    h ^= np.uint32(_splitmix64(seed) & 0xFFFFFFFF)
    return fmix32(h, out=h), owner


def oph_signatures(h: U32, owner: npt.NDArray[np.int64], n_sets: int, num_perm: int) -> U32:
    """One-permutation MinHash with optimal densification, shape ``(n_sets, num_perm)``:
    the top bits of a shingle's hash pick its bin, the hash competes for the bin's minimum.

    Sets with no shingle get the all-``2**32 - 1`` signature; their candidate pairs
    verify to similarity 0.
    """
    return _oph(h, owner, n_sets, num_perm)[0]


def _oph(h: U32, owner: npt.NDArray[np.int64], n_sets: int, num_perm: int) -> tuple[U32, npt.NDArray[np.int64]]:
    """``oph_signatures``, and how many bins of each set were not empty."""
    return densify(oph_bins(h, owner, n_sets, num_perm))


def oph_bins(h: U32, owner: npt.NDArray[np.int64], n_sets: int, num_perm: int) -> U32:
    """One-permutation MinHash before densification, shape ``(n_sets, num_perm)``: the
    least hash that fell in each bin, ``2**32 - 1`` where none did."""
    bits = num_perm.bit_length() - 1
    at = owner << bits  # the flat index of the shingle's bin: its set's row, then its bin
    if bits:
        at += h >> np.uint32(32 - bits)
    flat = np.full(n_sets * num_perm, _EMPTY, dtype=np.uint32)
    np.minimum.at(flat, at, h)
    return flat.reshape(n_sets, num_perm)


def densify(sig: U32) -> tuple[U32, npt.NDArray[np.int64]]:
    """``oph_bins`` with each empty bin filled by optimal densification, and how many
    bins of each set were not empty."""
    num_perm = sig.shape[1]
    # A bin is empty if no shingle fell in it (or, once in 2**32 shingles, the only one that
    # did hashed to the empty value itself: densified as if empty, which is as good).
    filled: npt.NDArray[np.bool_] = sig != _EMPTY
    counts = np.count_nonzero(filled, axis=1).astype(np.int64)
    nonempty: npt.NDArray[np.bool_] = counts > 0
    rows_, cols = np.nonzero(~filled & nonempty[:, None])
    if len(rows_):
        out = sig.copy()
        attempt = 0
        while len(rows_):
            attempt += 1
            probe = _probe(cols, attempt, num_perm)
            hit: npt.NDArray[np.bool_] = filled[rows_, probe]
            out[rows_[hit], cols[hit]] = sig[rows_[hit], probe[hit]]
            rows_, cols = rows_[~hit], cols[~hit]
        sig = out
    return sig, counts


def _probe(bins: npt.NDArray[np.int64], attempt: int, num_perm: int) -> npt.NDArray[np.int64]:
    """The ``attempt``-th bin of each bin's fixed pseudo-random probe sequence."""
    with np.errstate(over="ignore"):
        x = bins.astype(np.uint64) * _MULTIPLIERS[1] + np.uint64(attempt) * _MULTIPLIERS[2]
    return (fmix64(x) % np.uint64(num_perm)).astype(np.int64)


def _verify(texts: Sequence[str], pairs: npt.NDArray[np.int64], shingle_size: int) -> npt.NDArray[np.float64]:
    """Exact Jaccard similarity of the shingle sets of every pair, vectorised."""
    involved, local = np.unique(pairs, return_inverse=True)
    local = local.reshape(pairs.shape)
    sets, offsets = _shingle_sets32([texts[i] for i in involved.tolist()], shingle_size)
    sizes = np.diff(offsets)
    a, b = local[:, 0], local[:, 1]
    inter = overlaps(sets, offsets, a, b)
    union = sizes[a] + sizes[b] - inter
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(union > 0, inter / np.maximum(union, 1), 0.0)


def _shingle_sets32(texts: Sequence[str], shingle_size: int) -> tuple[U32, npt.NDArray[np.int64]]:
    """The set of 32-bit shingle hashes of every text (sorted, unique) as CSR
    ``(hashes, offsets)``, made a chunk at a time to bound the temporaries."""
    parts: list[U32 | None] = []
    counts: list[npt.NDArray[np.int64]] = []
    for start, stop in _chunks(texts):
        chunk = texts[start:stop]
        h, owner = window_hashes32(*key_codes(chunk), shingle_size, _VERIFY_SEED)
        packed = (owner.astype(np.uint64) << np.uint64(32)) | h
        del h, owner
        packed = unique(packed, overwrite=True)
        parts.append((packed & np.uint64(0xFFFFFFFF)).astype(np.uint32))
        counts.append(np.bincount((packed >> np.uint64(32)).astype(np.int64), minlength=len(chunk)))
    offsets = np.zeros(len(texts) + 1, dtype=np.int64)
    if texts:
        np.cumsum(np.concatenate(counts), out=offsets[1:])
    # Gather the parts, freeing each once copied: the pages of the (empty) result are only
    # touched as it fills, so memory holds the sets about once, not twice.
    sets = np.empty(int(offsets[-1]), dtype=np.uint32)
    at = 0
    for k, part in enumerate(parts):
        assert part is not None
        sets[at : at + len(part)] = part
        at += len(part)
        parts[k] = None
    return sets, offsets


# Verification hashes shingles to 32 bits with its own seed (independent of the sketch):
# two distinct shingles of a pair of 500-shingle texts collide with probability ~1e-4, and
# a collision moves the similarity by ~0.001, so a decision can only change for a pair
# within 0.001 of the threshold, once in ten thousand such pairs.
_VERIFY_SEED = 0x7E51F1
_MAX_PAIRS = 1 << 30


def overlaps(
    sets: U32, offsets: npt.NDArray[np.int64], a: npt.NDArray[np.int64], b: npt.NDArray[np.int64]
) -> npt.NDArray[np.int64]:
    """``intersections`` of every pair, in steps of about ``_PAIR_BATCH`` hashes: the
    memory a step takes is bounded, however many pairs there are."""
    sizes = np.diff(offsets)
    inter = np.zeros(len(a), dtype=np.int64)
    cost = np.cumsum(sizes[a] + sizes[b])
    start = 0
    while start < len(a):
        base = cost[start - 1] if start else 0
        stop = max(start + 1, int(np.searchsorted(cost, base + _PAIR_BATCH, side="right")))
        stop = min(stop, start + _MAX_PAIRS)
        inter[start:stop] = intersections(sets, offsets, a[start:stop], b[start:stop])
        start = stop
    return inter


def intersections(
    sets: U32, offsets: npt.NDArray[np.int64], a: npt.NDArray[np.int64], b: npt.NDArray[np.int64]
) -> npt.NDArray[np.int64]:
    """``|A_p ∩ B_p|`` for each pair p of sets: every hash of both sets tagged with its pair
    in the high bits, then one sort; a hash of an intersection is a value that appears twice.
    The sets are sorted and unique, so the A sides of all pairs make one ascending run and
    the B sides another: the stable sort (timsort) only merges two runs, in linear time."""
    starts = np.concatenate([offsets[a], offsets[b]])
    lengths = np.concatenate([offsets[a + 1] - offsets[a], offsets[b + 1] - offsets[b]])
    total = int(lengths.sum())
    if not total:
        return np.zeros(len(a), dtype=np.int64)
    run_starts = np.zeros(len(lengths), dtype=np.int64)
    np.cumsum(lengths[:-1], out=run_starts[1:])
    index = np.repeat(starts - run_starts, lengths) + np.arange(total)
    pair = np.tile(np.arange(len(a), dtype=np.uint64), 2)
    packed = np.repeat(pair << np.uint64(32), lengths) | sets[index]
    packed.sort(kind="stable")
    # Pair p's values now fill one segment, of |A_p| + |B_p| values; its distinct values
    # are |A_p ∪ B_p|, so the intersection is the segment's length minus them.
    new = np.empty(total, dtype=bool)
    new[0] = True
    np.not_equal(packed[1:], packed[:-1], out=new[1:])
    per_pair = lengths[: len(a)] + lengths[len(a) :]
    inter = np.zeros(len(a), dtype=np.int64)
    full = np.flatnonzero(per_pair)
    segment = np.zeros(len(full), dtype=np.int64)
    np.cumsum(per_pair[full][:-1], out=segment[1:])
    inter[full] = per_pair[full] - np.add.reduceat(new, segment, dtype=np.int64)
    return inter
