"""MinHash schemes.

``oph``: the one-permutation MinHash of the batch path and the stream index (scheme
``OPH_SCHEME``): each shingle hash picks one of ``num_perm`` bins by its top bits and
competes for the bin's minimum with all its bits; empty bins are filled by optimal
densification (Shrivastava, ICML 2017): bin ``j`` copies the first non-empty bin of a fixed
pseudo-random probe sequence of ``j``. One hash per shingle instead of ``num_perm``.

(The datasketch-exact ``affine32`` k-permutation scheme, whose signatures can be exported
to datasketch, is ``_sketch.signatures``.)
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from .._shingle import _MULTIPLIERS, fmix64
from .._sketch import U32

OPH_SCHEME = "oph-optimal-densification-v1"
EMPTY = np.uint32(0xFFFFFFFF)


def oph_signatures(h: U32, owner: npt.NDArray[np.int64], n_sets: int, num_perm: int) -> U32:
    """One-permutation MinHash with optimal densification, shape ``(n_sets, num_perm)``:
    the top bits of a shingle's hash pick its bin, the hash competes for the bin's minimum.

    Sets with no shingle get the all-``2**32 - 1`` signature; their candidate pairs
    verify to similarity 0.
    """
    return oph(h, owner, n_sets, num_perm)[0]


def oph(h: U32, owner: npt.NDArray[np.int64], n_sets: int, num_perm: int) -> tuple[U32, npt.NDArray[np.int64]]:
    """``oph_signatures``, and how many bins of each set were not empty."""
    return densify(oph_bins(h, owner, n_sets, num_perm))


def oph_bins(h: U32, owner: npt.NDArray[np.int64], n_sets: int, num_perm: int) -> U32:
    """One-permutation MinHash before densification, shape ``(n_sets, num_perm)``: the
    least hash that fell in each bin, ``2**32 - 1`` where none did."""
    bits = num_perm.bit_length() - 1
    at = owner << bits  # the flat index of the shingle's bin: its set's row, then its bin
    if bits:
        at += h >> np.uint32(32 - bits)
    flat = np.full(n_sets * num_perm, EMPTY, dtype=np.uint32)
    np.minimum.at(flat, at, h)
    return flat.reshape(n_sets, num_perm)


def densify(sig: U32) -> tuple[U32, npt.NDArray[np.int64]]:
    """``oph_bins`` with each empty bin filled by optimal densification, and how many
    bins of each set were not empty."""
    num_perm = sig.shape[1]
    # A bin is empty if no shingle fell in it (or, once in 2**32 shingles, the only one that
    # did hashed to the empty value itself: densified as if empty, which is as good).
    filled: npt.NDArray[np.bool_] = sig != EMPTY
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
