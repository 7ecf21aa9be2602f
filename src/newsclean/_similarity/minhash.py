"""MinHash, two schemes side by side, each named for its contract.

``affine32`` (``AFFINE32_SCHEME``; ``affine32_signatures``): the sketch of
``clean()``'s paragraphs and ``minhash_of``, exact to datasketch's ``affine32`` (datasketch
>= 2.0, its default), so that a signature can be exported to datasketch. Each shingle's
32-bit hash ``h`` (the low 32 bits of its 64-bit shingle hash) is mixed once with the
MurmurHash3 32-bit finaliser, then permutation ``k`` maps it to ``a_k * h + b_k mod 2**32``
with ``a_k`` odd; the signature keeps the minimum per permutation. ``a`` and ``b`` are
drawn exactly as datasketch draws them from ``numpy.random.RandomState(seed)``, so a
signature here equals, bit for bit, ``datasketch.MinHash(num_perm, seed, scheme="affine32")``
updated with the same 32-bit values (``tests/test_sketch.py`` checks it). ``num_perm``
hashes per shingle.

``oph`` (``OPH_SCHEME``; ``oph``, ``oph_bins``, ``densify``): the one-permutation MinHash
of the batch path and the stream index, one hash per shingle: each shingle hash picks one
of ``num_perm`` bins by its top bits and competes for the bin's minimum with all its bits;
empty bins are filled by optimal densification (Shrivastava, ICML 2017): bin ``j`` copies
the first non-empty bin of a fixed pseudo-random probe sequence of ``j``.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

import numpy as np

from .config import SketchConfig
from .hashing import I64, MULTIPLIERS, U32, U64, fmix32, fmix64

if TYPE_CHECKING:
    import datasketch

EMPTY = np.uint32(0xFFFFFFFF)
# Shingles permuted per chunk: bounds the (chunk x num_perm) matrix to about 32 MB.
_CHUNK = 1 << 16


@functools.lru_cache(maxsize=16)
def affine32_permutations(num_perm: int, seed: int) -> tuple[U32, U32]:
    """``(a, b)`` of the ``affine32`` permutations, drawn as datasketch draws them."""
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    a.flags.writeable = False
    b.flags.writeable = False
    return a, b


def affine32_signatures(hashes: U64, offsets: I64, params: SketchConfig) -> U32:
    """One MinHash signature per set of the CSR batch, shape ``(n_sets, num_perm)``.

    An empty set gets the all-``2**32 - 1`` signature (datasketch's empty value); callers
    must not compare empty sets, whose signatures are all equal.
    """
    a, b = affine32_permutations(params.num_perm, params.seed)
    n_sets = len(offsets) - 1
    out = np.full((n_sets, params.num_perm), EMPTY, dtype=np.uint32)
    mixed = fmix32(hashes.astype(np.uint32))
    lengths = np.diff(offsets)
    nonempty = np.flatnonzero(lengths)
    start = 0
    while start < len(nonempty):
        # Whole sets per chunk, at least one, at most about _CHUNK shingles.
        base = offsets[nonempty[start]]
        stop = int(np.searchsorted(offsets[nonempty + 1], base + _CHUNK, side="right"))
        stop = max(stop, start + 1)
        sets = nonempty[start:stop]
        lo, hi = int(offsets[sets[0]]), int(offsets[sets[-1] + 1])
        # Permutations along rows, shingles along columns: reducing contiguous runs of a
        # row is twice as fast as reducing down columns.
        permuted = a[:, None] * mixed[None, lo:hi] + b[:, None]
        out[sets] = np.minimum.reduceat(permuted, offsets[sets] - lo, axis=1).T
        start = stop
    return out


def to_datasketch(signature: U32, params: SketchConfig) -> datasketch.MinHash:
    """The signature as a ``datasketch.MinHash`` (imports datasketch, which is slow)."""
    from datasketch import MinHash

    return MinHash(num_perm=params.num_perm, seed=params.seed, hashvalues=signature, scheme=params.scheme)


def from_datasketch(minhash: datasketch.MinHash, params: SketchConfig) -> U32:
    """The hash values of a ``datasketch.MinHash`` made with ``params``' seed, size and
    scheme (``SketchMismatchError`` names what differs)."""
    params.check({"num_perm": len(minhash.hashvalues), "seed": minhash.seed, "scheme": minhash.scheme})
    return np.asarray(minhash.hashvalues, dtype=np.uint32)


def oph_signatures(h: U32, owner: I64, n_sets: int, num_perm: int) -> U32:
    """One-permutation MinHash with optimal densification, shape ``(n_sets, num_perm)``:
    the top bits of a shingle's hash pick its bin, the hash competes for the bin's minimum.

    Sets with no shingle get the all-``2**32 - 1`` signature; their candidate pairs
    verify to similarity 0.
    """
    return oph(h, owner, n_sets, num_perm)[0]


def oph(h: U32, owner: I64, n_sets: int, num_perm: int) -> tuple[U32, I64]:
    """``oph_signatures``, and how many bins of each set were not empty."""
    return densify(oph_bins(h, owner, n_sets, num_perm))


def oph_bins(h: U32, owner: I64, n_sets: int, num_perm: int) -> U32:
    """One-permutation MinHash before densification, shape ``(n_sets, num_perm)``: the
    least hash that fell in each bin, ``2**32 - 1`` where none did."""
    bits = num_perm.bit_length() - 1
    at = owner << bits  # the flat index of the shingle's bin: its set's row, then its bin
    if bits:
        at += h >> np.uint32(32 - bits)
    flat = np.full(n_sets * num_perm, EMPTY, dtype=np.uint32)
    np.minimum.at(flat, at, h)
    return flat.reshape(n_sets, num_perm)


def densify(sig: U32) -> tuple[U32, I64]:
    """``oph_bins`` with each empty bin filled by optimal densification, and how many
    bins of each set were not empty."""
    # A bin is empty if no shingle fell in it (or, once in 2**32 shingles, the only one that
    # did hashed to the empty value itself: densified as if empty, which is as good).
    filled: np.ndarray[Any, np.dtype[np.bool_]] = sig != EMPTY
    counts = np.count_nonzero(filled, axis=1).astype(np.int64)
    nonempty: np.ndarray[Any, np.dtype[np.bool_]] = counts > 0
    rows_, cols = np.nonzero(~filled & nonempty[:, None])
    if len(rows_):
        out = sig.copy()
        # A set with few filled bins (a short text) would take some num_perm / filled
        # probes a bin: its bins are filled from the table of first meetings instead.
        sparse = (counts <= _SPARSE)[rows_]
        if sparse.any():
            _fill_sparse(sig, filled, out, rows_[sparse], cols[sparse])
            rows_, cols = rows_[~sparse], cols[~sparse]
        _probe_on(sig, filled, out, rows_, cols, 0)
        sig = out
    return sig, counts


_SPARSE = 32  # at most this many filled bins: densified by _fill_sparse
_NEVER = np.iinfo(np.int32).max


def _fill_sparse(sig: U32, filled: Any, out: U32, rows: I64, cols: I64) -> None:
    """Fill ``out[rows[k], cols[k]]`` as ``densify``'s probing would, for rows with at most
    ``_SPARSE`` filled bins: bin ``j`` copies the filled bin ``f`` that its probe sequence
    meets first, the ``f`` of least ``_first_meetings[j, f]`` (distinct for distinct ``f``:
    one attempt probes one bin). Where none of a row's filled bins is met within the
    table's attempts, the probing goes on from there."""
    num_perm = sig.shape[1]
    first = _first_meetings(num_perm)
    # Each sparse row's filled bins, padded with a bin never met (_NEVER in every column):
    # the table has one more column for it.
    which = np.unique(rows)
    where = np.zeros(sig.shape[0], dtype=np.int64)
    where[which] = np.arange(len(which))
    r, c = np.nonzero(filled[which])
    bins = np.full((len(which), _SPARSE), num_perm, dtype=np.int64)
    bins[r, np.arange(len(r)) - np.searchsorted(r, r)] = c
    step = 1 << 15
    late: list[tuple[I64, I64]] = []
    for at in range(0, len(rows), step):
        row, col = rows[at : at + step], cols[at : at + step]
        candidates = bins[where[row]]  # (pairs, _SPARSE) filled bins
        met = first[col[:, None], candidates]
        best = np.argmin(met, axis=1)
        chosen = candidates[np.arange(len(row)), best]
        ok = met[np.arange(len(row)), best] != _NEVER
        out[row[ok], col[ok]] = sig[row[ok], chosen[ok]]
        if not ok.all():
            late.append((row[~ok], col[~ok]))
    for row, col in late:  # (a bin misses a given filled bin for all the table's attempts once in e^8)
        _probe_on(sig, filled, out, row, col, _MEETING_ATTEMPTS * num_perm)


def _probe_on(sig: U32, filled: Any, out: U32, rows: I64, cols: I64, attempt: int) -> None:
    """Fill ``out[rows[k], cols[k]]`` with the first filled bin of bin ``cols[k]``'s probe
    sequence after its first ``attempt`` attempts, one attempt for all of them at a time."""
    num_perm = sig.shape[1]
    while len(rows):
        attempt += 1
        probe = _probe(cols, attempt, num_perm)
        hit: np.ndarray[Any, np.dtype[np.bool_]] = filled[rows, probe]
        out[rows[hit], cols[hit]] = sig[rows[hit], probe[hit]]
        rows, cols = rows[~hit], cols[~hit]


_MEETING_ATTEMPTS = 8  # the table covers this many attempts per bin, in units of num_perm


@functools.lru_cache(maxsize=8)
def _first_meetings(num_perm: int) -> np.ndarray[Any, np.dtype[np.int32]]:
    """``t[j, f]``: the first attempt at which bin ``j``'s probe sequence (``_probe``) meets
    bin ``f``, within ``_MEETING_ATTEMPTS * num_perm`` attempts, else ``_NEVER``; one more
    column, ``num_perm``, is never met. (256 bins: 256 KB, made once in some 30 ms.)"""
    table = np.full((num_perm, num_perm + 1), _NEVER, dtype=np.int32)
    bins = np.arange(num_perm, dtype=np.int64)
    for attempt in range(1, _MEETING_ATTEMPTS * num_perm + 1):
        probe = _probe(bins, attempt, num_perm)
        new = table[bins, probe] == _NEVER
        table[bins[new], probe[new]] = attempt
    table.setflags(write=False)
    return table


def check_bytes(bins: U32) -> np.ndarray[Any, np.dtype[np.uint8]]:
    """The check byte of every bin of ``oph_bins`` (before densification): 0 for an empty
    bin, else the low byte of its least hash with the lowest bit set (so never 0); what
    ``lsh.chance_ok_raw_bins`` compares.

    >>> check_bytes(np.array([[0x1234, 0xFFFFFFFF, 0x10]], dtype=np.uint32)).tolist()
    [[53, 0, 17]]
    """
    return np.where(bins != EMPTY, (bins & np.uint32(0xFF)) | np.uint32(1), 0).astype(np.uint8)


def _probe(bins: I64, attempt: int, num_perm: int) -> I64:
    """The ``attempt``-th bin of each bin's fixed pseudo-random probe sequence."""
    with np.errstate(over="ignore"):
        x = bins.astype(np.uint64) * MULTIPLIERS[1] + np.uint64(attempt) * MULTIPLIERS[2]
    return (fmix64(x) % np.uint64(num_perm)).astype(np.int64)
