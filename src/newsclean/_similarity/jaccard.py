"""Exact Jaccard similarity of shingle sets (sorted arrays of unique hashes): of one pair
(``jaccard``, ``overlap``), and of many pairs of sets held as CSR arrays at once
(``similarity``, ``overlaps``).

One rule for empty sets everywhere: a pair with an empty set has similarity 0, two empty
sets included (a text with no shingle is never a near-duplicate; the paths that compare
paragraphs never hold an empty set, as every non-empty key has a shingle).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .arrays import intersection_size, unique

if TYPE_CHECKING:
    import numpy.typing as npt

U32 = np.ndarray[Any, np.dtype[np.uint32]]  # (npt.NDArray, without importing numpy.typing)
U64 = np.ndarray[Any, np.dtype[np.uint64]]
I64 = np.ndarray[Any, np.dtype[np.int64]]
F64 = np.ndarray[Any, np.dtype[np.float64]]
PAIR_BATCH = 1 << 16  # hashes compared per vectorised step: few enough that its sort works in the CPU cache
_MAX_PAIRS = 1 << 30


def overlap(a: npt.NDArray[Any], b: npt.NDArray[Any]) -> int:
    """``|a ∩ b|`` of two sorted arrays of unique hashes.

    >>> overlap(np.array([1, 3, 5]), np.array([2, 3, 5, 8]))
    2
    """
    return intersection_size(a, b) if len(a) and len(b) else 0


def jaccard(a: npt.NDArray[Any], b: npt.NDArray[Any]) -> float:
    """Exact Jaccard similarity of two sorted arrays of unique hashes; 0.0 when either is
    empty.

    >>> jaccard(np.array([1, 2, 3], dtype=np.uint64), np.array([2, 3, 4], dtype=np.uint64))
    0.5
    >>> jaccard(np.array([], dtype=np.uint64), np.array([], dtype=np.uint64))
    0.0
    """
    inter = overlap(a, b)
    return inter / (len(a) + len(b) - inter) if inter else 0.0


def overlaps(
    sets: U32, offsets: npt.NDArray[np.int64], a: npt.NDArray[np.int64], b: npt.NDArray[np.int64]
) -> npt.NDArray[np.int64]:
    """``intersections`` of every pair, in steps of about ``PAIR_BATCH`` hashes: the
    memory a step takes is bounded, however many pairs there are."""
    sizes = np.diff(offsets)
    inter = np.zeros(len(a), dtype=np.int64)
    cost = np.cumsum(sizes[a] + sizes[b])
    start = 0
    while start < len(a):
        base = cost[start - 1] if start else 0
        stop = max(start + 1, int(np.searchsorted(cost, base + PAIR_BATCH, side="right")))
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


def similarity(
    sets: U32, offsets: npt.NDArray[np.int64], a: npt.NDArray[np.int64], b: npt.NDArray[np.int64]
) -> npt.NDArray[np.float64]:
    """``|A ∩ B| / |A ∪ B|`` of the sets ``a[k]`` and ``b[k]`` for each ``k``; two empty
    sets have similarity 0 (a text with no shingle is never a near-duplicate).

    >>> sets, offsets = np.array([1, 2, 3, 2, 3, 4], dtype=np.uint32), np.array([0, 3, 6, 6])
    >>> similarity(sets, offsets, np.array([0, 2]), np.array([1, 2])).tolist()
    [0.5, 0.0]
    """
    sizes = np.diff(offsets)
    inter = overlaps(sets, offsets, a, b)
    union = sizes[a] + sizes[b] - inter
    with np.errstate(invalid="ignore", divide="ignore"):
        out: npt.NDArray[np.float64] = np.where(union > 0, inter / np.maximum(union, 1), 0.0)
    return out


def similar_pairs(hashes: U64, owner: I64, n: int, threshold: float) -> tuple[I64, I64, F64]:
    """The pairs ``(i, j)``, ``i < j``, of a few sets (``n`` < 256) whose exact Jaccard
    similarity is at least ``threshold``, and that similarity; the sets are given as every
    hash of each (repeats included) with the set it belongs to (``owner``), and compared
    on the top 56 bits of the hashes. One sort of all hashes finds the hashes that more
    than one set holds; the counts of shared hashes are then one small matrix product.

    >>> h = np.array([1, 2, 3, 2, 3, 4, 9], dtype=np.uint64) << np.uint64(8)
    >>> i, j, s = similar_pairs(h, np.array([0, 0, 0, 1, 1, 1, 2]), 3, 0.5)
    >>> i.tolist(), j.tolist(), s.tolist()
    ([0], [1], [0.5])
    """
    # The top 56 bits of each hash, and its set in the low byte: one sort groups the
    # hashes, each set's copies of one together.
    packed = hashes & np.uint64(~0xFF & 0xFFFFFFFFFFFFFFFF)
    packed |= owner.astype(np.uint64)
    packed = unique(packed, overwrite=True)
    sizes = np.bincount((packed & np.uint64(0xFF)).astype(np.int64), minlength=n)
    value = packed >> np.uint64(8)
    again = value[1:] == value[:-1]
    shared = np.zeros(len(value), dtype=bool)
    shared[1:] = again
    shared[:-1] |= again
    value, owner = value[shared], (packed[shared] & np.uint64(0xFF)).astype(np.int64)
    if not _may_reach(sizes, np.bincount(owner, minlength=n), threshold):
        none = np.zeros(0, dtype=np.int64)
        return none, none, np.zeros(0, dtype=np.float64)
    column = np.zeros(len(value), dtype=np.int64)
    np.cumsum(value[1:] != value[:-1], out=column[1:])
    holds = np.zeros((n, int(column[-1]) + 1 if len(column) else 0), dtype=np.float32)
    holds[owner, column] = 1.0
    inter = np.triu((holds @ holds.T).astype(np.int64), 1)  # exact: counts below 2**24
    i, j = np.nonzero(inter)
    sims = inter[i, j] / (sizes[i] + sizes[j] - inter[i, j])
    keep = sims >= threshold
    return i[keep].astype(np.int64), j[keep].astype(np.int64), sims[keep]


def _may_reach(sizes: I64, shared: I64, threshold: float) -> bool:
    """Whether some pair of sets could reach ``threshold``, from how many of each set's
    ``sizes`` hashes some other set holds too (``shared``): an exact pre-test that spares
    the matrix product when no pair can (a typical article has no near repeat).

    A pair's intersection is at most either set's shared count and its union at least
    either set's size, so its similarity is at most ``shared / size`` of both (float
    division rounds monotonically: the computed similarity is bounded the same way). At
    least two sets must reach the threshold on that bound.
    """
    with np.errstate(invalid="ignore"):  # (an empty set: 0 / 0, NaN, never reaches)
        return int(np.count_nonzero(shared / sizes >= threshold)) >= 2
