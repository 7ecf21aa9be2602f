"""MinHash signatures over hashed-shingle arrays, a batch at a time.

The scheme is datasketch's ``affine32`` (datasketch >= 2.0, its default): each shingle's
32-bit hash ``h`` (the low 32 bits of its 64-bit shingle hash) is mixed once with the
MurmurHash3 32-bit finaliser, then permutation ``k`` maps it to ``a_k * h + b_k mod 2**32``
with ``a_k`` odd; the signature keeps the minimum per permutation. ``a`` and ``b`` are
drawn exactly as datasketch draws them from ``numpy.random.RandomState(seed)``, so a
signature here equals, bit for bit, ``datasketch.MinHash(num_perm, seed, scheme="affine32")``
updated with the same 32-bit values (``tests/test_sketch.py`` checks it).
"""

from __future__ import annotations

import dataclasses
import functools
from typing import TYPE_CHECKING, Any

import numpy as np

from ._errors import SketchMismatchError
from ._shingle import HASH_NAME, I64, U64

if TYPE_CHECKING:
    import datasketch

U32 = np.ndarray[Any, np.dtype[np.uint32]]  # (npt.NDArray, without importing numpy.typing)

SCHEME = "affine32"
NORMALIZATION = "newsclean-key-v1"
_EMPTY = np.uint32(0xFFFFFFFF)
# Shingles permuted per chunk: bounds the (chunk x num_perm) matrix to about 32 MB.
_CHUNK = 1 << 16


@dataclasses.dataclass(frozen=True)
class SketchParams:
    """Every parameter that makes two signatures comparable. Signatures made under
    different ``SketchParams`` must never be compared; ``check`` refuses to."""

    num_perm: int = 128
    seed: int = 1
    shingle_kind: str = "char"
    shingle_size: int = 5
    hash: str = HASH_NAME
    scheme: str = SCHEME
    normalization: str = NORMALIZATION

    def check(self, other: SketchParams) -> None:
        """Raise ``SketchMismatchError`` naming every field that differs."""
        diffs = [
            f"{f.name}: {getattr(self, f.name)!r} != {getattr(other, f.name)!r}"
            for f in dataclasses.fields(self)
            if getattr(self, f.name) != getattr(other, f.name)
        ]
        if diffs:
            raise SketchMismatchError("sketch parameters differ (" + "; ".join(diffs) + ")")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@functools.lru_cache(maxsize=16)
def permutations(num_perm: int, seed: int) -> tuple[U32, U32]:
    """``(a, b)`` of the affine32 permutations, drawn as datasketch draws them."""
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    a.flags.writeable = False
    b.flags.writeable = False
    return a, b


def fmix32(h: U32, out: U32 | None = None) -> U32:
    """The MurmurHash3 32-bit finaliser, element-wise (into ``out``, which may be ``h``)."""
    tmp = np.right_shift(h, np.uint32(16))
    out = np.bitwise_xor(h, tmp, out=out)
    out *= np.uint32(0x85EBCA6B)
    np.right_shift(out, np.uint32(13), out=tmp)
    out ^= tmp
    out *= np.uint32(0xC2B2AE35)
    np.right_shift(out, np.uint32(16), out=tmp)
    out ^= tmp
    return out


def signatures(hashes: U64, offsets: I64, params: SketchParams) -> U32:
    """One MinHash signature per set of the CSR batch, shape ``(n_sets, num_perm)``.

    An empty set gets the all-``2**32 - 1`` signature (datasketch's empty value); callers
    must not compare empty sets, whose signatures are all equal.
    """
    a, b = permutations(params.num_perm, params.seed)
    n_sets = len(offsets) - 1
    out = np.full((n_sets, params.num_perm), _EMPTY, dtype=np.uint32)
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


def to_datasketch(signature: U32, params: SketchParams) -> datasketch.MinHash:
    """The signature as a ``datasketch.MinHash`` (imports datasketch, which is slow)."""
    from datasketch import MinHash

    return MinHash(num_perm=params.num_perm, seed=params.seed, hashvalues=signature, scheme=params.scheme)


def from_datasketch(minhash: datasketch.MinHash, params: SketchParams) -> U32:
    """The hash values of a ``datasketch.MinHash`` made with ``params``' seed, size and scheme."""
    theirs = dataclasses.replace(params, num_perm=len(minhash.hashvalues), seed=minhash.seed, scheme=minhash.scheme)
    params.check(theirs)
    return np.asarray(minhash.hashvalues, dtype=np.uint32)
