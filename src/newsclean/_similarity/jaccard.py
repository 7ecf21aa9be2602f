"""Exact Jaccard similarity of shingle sets held as CSR arrays (sorted, unique hashes per
set): the intersections of many pairs at once. Two empty sets have similarity 0."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

U32 = npt.NDArray[np.uint32]
PAIR_BATCH = 1 << 19  # hashes compared per vectorised step (< 2**24 pairs)
_MAX_PAIRS = 1 << 30


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
