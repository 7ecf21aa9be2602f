"""Shingle hashes of the batch path: the 32-bit hash of every character n-gram of many
comparison keys at once, and the verification sets (sorted, unique hashes per text).

Everything runs over contiguous arrays of code points (``key_codes``): no Python object per
shingle. The hash is multilinear over the n-gram's code points, with odd 32-bit multipliers
(the top halves of ``_shingle``'s), xored with the seed's mix, then ``fmix32``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from .._arrays import unique
from .._normalize import key_codes, slices
from .._shingle import _MULTIPLIERS, _splitmix64
from .._sketch import U32, fmix32

# Verification sets are made this many texts (and, but for one long text, characters) at a
# time: the arrays of a chunk take some 40 bytes a character.
SET_CHUNK = 2048
SET_CHUNK_CHARS = 1 << 21

# Odd 32-bit multipliers of the window hash (fixed: they define the OPH scheme's hashes).
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


# Verification hashes shingles to 32 bits with its own seed (independent of the sketch):
# two distinct shingles of a pair of 500-shingle texts collide with probability ~1e-4, and
# a collision moves the similarity by ~0.001, so a decision can only change for a pair
# within 0.001 of the threshold, once in ten thousand such pairs.
_VERIFY_SEED = 0x7E51F1


def shingle_sets32(texts: Sequence[str], shingle_size: int) -> tuple[U32, npt.NDArray[np.int64]]:
    """The set of 32-bit shingle hashes of every text (sorted, unique) as CSR
    ``(hashes, offsets)``, made a chunk at a time to bound the temporaries."""
    parts: list[U32 | None] = []
    counts: list[npt.NDArray[np.int64]] = []
    for start, stop in slices(texts, SET_CHUNK, SET_CHUNK_CHARS):
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
