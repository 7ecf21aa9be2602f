"""Candidate pairs from MinHash signatures by banding, with sorting over arrays.

Signatures are cut into ``bands`` bands of ``rows`` values; two sets whose signatures
agree on a whole band become a candidate pair. Each band is hashed to one 64-bit value
per set, the values are sorted, and equal runs are buckets. The probability that a pair
of Jaccard similarity ``s`` becomes a candidate is ``1 - (1 - s**rows)**bands``.

A bucket of ``m`` sets would give ``m * (m - 1) / 2`` pairs; to stay linear on
pathological input (thousands of near-identical lines), each set is paired with at most
the first ``PER_BUCKET`` and the previous ``PER_BUCKET`` members of its bucket.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ._shingle import _MULTIPLIERS, fmix64

PER_BUCKET = 8
Pairs = npt.NDArray[np.int64]


def band_keys(signatures: npt.NDArray[np.uint32], bands: int, rows: int) -> npt.NDArray[np.uint64]:
    """One 64-bit key per (set, band), shape ``(n_sets, bands)``."""
    n = signatures.shape[0]
    cut = signatures[:, : bands * rows].reshape(n, bands, rows).astype(np.uint64)
    keys = np.zeros((n, bands), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for r in range(rows):
            keys += cut[:, :, r] * _MULTIPLIERS[r]
        # The band number is mixed in so that equal values in two bands differ.
        keys += np.arange(bands, dtype=np.uint64) * _MULTIPLIERS[31]
    return fmix64(keys)


def candidate_pairs(signatures: npt.NDArray[np.uint32], bands: int, rows: int) -> Pairs:
    """Unique candidate pairs ``(i, j)`` with ``i < j``, shape ``(m, 2)``, sorted.

    >>> sigs = np.array([[1, 2, 3, 4], [1, 2, 9, 9], [7, 7, 7, 7]], dtype=np.uint32)
    >>> candidate_pairs(sigs, bands=2, rows=2).tolist()
    [[0, 1]]
    """
    n = signatures.shape[0]
    if n < 2:
        return np.zeros((0, 2), dtype=np.int64)
    keys = band_keys(signatures, bands, rows)
    found = []
    for band in range(bands):
        column = keys[:, band]
        order = np.argsort(column, kind="stable")
        sorted_keys = column[order]
        new_run = np.ones(n, dtype=bool)
        new_run[1:] = sorted_keys[1:] != sorted_keys[:-1]
        run_start = np.maximum.accumulate(np.where(new_run, np.arange(n), 0))
        rank = np.arange(n) - run_start
        for t in range(1, PER_BUCKET + 1):
            has = rank >= t
            # The t-th previous member, and the (t-1)-th first member of the bucket.
            found.append(np.stack([order[np.flatnonzero(has) - t], order[has]], axis=1))
            found.append(np.stack([order[run_start[has] + t - 1], order[has]], axis=1))
    pairs = np.concatenate(found)
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    pairs.sort(axis=1)
    return np.unique(pairs, axis=0)
