"""The stages of ``near_duplicates`` as kernels over plain arrays, for any engine.

``near_duplicates`` is the reference implementation; a distributed path (Spark, Dask)
runs these same kernels on pieces of the work and decides exactly as it does:

1. ``sketch`` each text (any partition of the texts: a text's sketch depends on it alone);
2. bring together the entries ``(band key, order)`` of every text and band, so that all the
   entries of one key meet (a shuffle by key), and take ``bucket_pairs`` of each group;
3. keep each distinct pair once, and only those ``chance_ok`` allows (it needs the two
   texts' ``check`` rows and ``filled`` counts);
4. the exact Jaccard similarity of each remaining pair (``verify`` from the texts, or
   ``shingle_sets`` once per text then ``similarity`` of the pairs);
5. ``decide`` over the edges at or above the threshold: on all of them at once, or one
   connected component at a time.

The number of pairs after step 3 is ``NearDuplicates.candidates``. ``order`` is a text's
position in the input of ``near_duplicates`` (unique integers; an engine's explicit order
column): it decides which member of a bucket pairs with which, and, unless ranks are given,
who is kept first.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from .._checks import check_fraction
from .._errors import OptionsError
from .._text.normalize import key_codes, slices
from . import hashing, jaccard, lsh, minhash
from .config import DEFAULTS, OPH_SCHEME, ShingleKind, SketchConfig

I64 = npt.NDArray[np.int64]
_SKETCH = DEFAULTS["batch"]


@dataclasses.dataclass(frozen=True)
class BatchParams:
    """One sketch configuration of the batch path (``near_duplicates`` and the engines).

    Attributes:
        threshold: the Jaccard similarity of shingle sets at or above which a text repeats
            another, in (0, 1].
        shingle_kind: the shingles compared: ``"char"``, character n-grams of the comparison
            key (the only kind the batch path has).
        shingle_size: n, in characters (1 to 32).
        num_perm: bins of the one-permutation MinHash (a power of two, 8 to 1024).
        seed: the seed of the sketch's shingle hash (0 to 2**32 - 1).
        bands: LSH bands, ``rows`` bins each (chosen from ``threshold`` and ``num_perm``).
        rows: bins per band.
        sketch: (a property) the shingles and MinHash as one ``SketchConfig``; the
            defaults of ``of`` are ``clean()``'s shingles (character 5-grams) and as many
            bins as its permutations (128), hashed once per shingle (one permutation).

    >>> BatchParams.of(threshold=0.8).to_dict()
    {'threshold': 0.8, 'shingle_kind': 'char', 'shingle_size': 5, 'num_perm': 128, 'seed': 1, 'bands': 25, 'rows': 5}
    """

    threshold: float
    shingle_kind: ShingleKind
    shingle_size: int
    num_perm: int
    seed: int
    bands: int
    rows: int

    @classmethod
    def of(
        cls,
        *,
        threshold: float = 0.8,
        shingle_size: int = _SKETCH.shingle_size,
        num_perm: int = _SKETCH.num_perm,
        seed: int = _SKETCH.seed,
    ) -> BatchParams:
        """The parameters of ``near_duplicates`` with these arguments, validated as it
        validates them (``OptionsError``), with its choice of bands."""
        threshold = check_fraction("threshold", threshold)
        sketch = SketchConfig("char", shingle_size, num_perm, seed, OPH_SCHEME)
        bands, rows = lsh.choose_bands(threshold, num_perm, lsh.RECALL["paragraphs"])
        return cls(threshold, sketch.shingle_kind, shingle_size, num_perm, seed, bands, rows)

    @property
    def sketch(self) -> SketchConfig:
        """The shingles and the one-permutation MinHash of the batch path.

        >>> BatchParams.of(num_perm=64).sketch.num_perm
        64
        """
        return SketchConfig(self.shingle_kind, self.shingle_size, self.num_perm, self.seed, OPH_SCHEME)

    def to_dict(self) -> dict[str, Any]:
        """The fields as a plain dict (JSON-ready)."""
        return dataclasses.asdict(self)


class Sketches(NamedTuple):
    """What is kept of each text's MinHash signature.

    Attributes:
        keys: ``(n, bands)`` LSH band keys (64 bits; the band number is mixed in).
        check: ``(n, num_perm)`` the low byte of every bin, for ``chance_ok``.
        filled: ``(n,)`` how many bins were not empty before densification.
    """

    keys: npt.NDArray[np.uint64]
    check: npt.NDArray[np.uint8]
    filled: I64


def sketch(texts: Sequence[str], p: BatchParams) -> Sketches:
    """The sketches of ``texts``, a chunk at a time (each text's rows depend on it alone).

    >>> s = sketch(["a text of some length", ""], BatchParams.of())
    >>> s.keys.shape, s.check.shape, s.filled.tolist()
    ((2, 25), (2, 128), [14, 0])
    """
    chunks = slices(texts, hashing.SET_CHUNK, hashing.SET_CHUNK_CHARS)
    if len(chunks) == 1:
        return _sketch_chunk(texts, p)
    n = len(texts)
    out = Sketches(np.empty((n, p.bands), np.uint64), np.empty((n, p.num_perm), np.uint8), np.empty(n, np.int64))
    for a, b in chunks:
        keys, check, filled = _sketch_chunk(texts[a:b], p)
        out.keys[a:b], out.check[a:b], out.filled[a:b] = keys, check, filled
    return out


def _sketch_chunk(texts: Sequence[str], p: BatchParams) -> Sketches:
    h, owner = hashing.window_hashes32(*key_codes(texts), p.shingle_size, p.seed)
    sig, filled = minhash.oph(h, owner, len(texts), p.num_perm)
    return Sketches(lsh.band_keys(sig, p.bands, p.rows), sig.astype(np.uint8), filled)


def bucket_pairs(keys: npt.NDArray[np.uint64], order: I64) -> tuple[I64, I64]:
    """The candidate pairs of whole buckets: entries ``(keys[e], order[e])`` in any order,
    every entry of each key present. Returns the pairs ``(a, b)`` as orders, ``a < b``,
    not deduplicated across buckets (the rule: ``_lsh.bucket_pairs``).

    >>> a, b = bucket_pairs(np.array([9, 9, 4], dtype=np.uint64), np.array([5, 2, 7]))
    >>> a.tolist(), b.tolist()
    ([2], [5])
    """
    return lsh.bucket_pairs(np.asarray(keys, dtype=np.uint64), np.asarray(order, dtype=np.int64))


def chance_ok(
    check_a: npt.NDArray[np.uint8],
    check_b: npt.NDArray[np.uint8],
    filled_a: I64,
    filled_b: I64,
    p: BatchParams,
) -> npt.NDArray[np.bool_]:
    """For aligned rows of pairs: False where the two texts' bins agree too rarely for
    sets at the threshold (a pair that shares a band by chance), else True.

    >>> s = sketch(["the same words, all of them", "the same words, all of them"], BatchParams.of())
    >>> chance_ok(s.check[:1], s.check[1:], s.filled[:1], s.filled[1:], BatchParams.of()).tolist()
    [True]
    """
    return lsh.chance_ok(check_a, check_b, filled_a, filled_b, p.threshold)


def shingle_sets(texts: Sequence[str], p: BatchParams) -> tuple[npt.NDArray[np.uint32], I64]:
    """The verification set of every text: its 32-bit shingle hashes, sorted and unique,
    as CSR ``(hashes, offsets)`` (text ``k`` is ``hashes[offsets[k]:offsets[k + 1]]``)."""
    return hashing.shingle_sets32(texts, p.shingle_size)


def similarity(sets: npt.NDArray[np.uint32], offsets: I64, a: I64, b: I64) -> npt.NDArray[np.float64]:
    """The exact Jaccard similarity of the sets ``a[k]`` and ``b[k]`` of ``shingle_sets``
    (``sets``, ``offsets``) for each ``k``. Two empty sets have similarity 0: a text with
    no shingle is never a near-duplicate.

    >>> sets, offsets = np.array([1, 2, 3, 2, 3, 4], dtype=np.uint32), np.array([0, 3, 6, 6])
    >>> similarity(sets, offsets, np.array([0, 2]), np.array([1, 2])).tolist()
    [0.5, 0.0]
    """
    return jaccard.similarity(sets, offsets, a, b)


def verify(texts_a: Sequence[str], texts_b: Sequence[str], p: BatchParams) -> npt.NDArray[np.float64]:
    """``similarity`` of the aligned texts ``texts_a[k]``, ``texts_b[k]``.

    >>> verify(["the senior officials met"], ["the senior officials met today"], BatchParams.of()).round(3).tolist()
    [0.769]
    """
    if len(texts_a) != len(texts_b):
        raise OptionsError(f"verify needs aligned pairs: {len(texts_a)} texts against {len(texts_b)}")
    sets, offsets = shingle_sets([*texts_a, *texts_b], p)
    k = np.arange(len(texts_a), dtype=np.int64)
    return similarity(sets, offsets, k, k + len(texts_a))


def decide(
    i: I64,
    j: I64,
    sims: npt.NDArray[np.float64],
    p: BatchParams,
    rank_i: I64 | None = None,
    rank_j: I64 | None = None,
) -> tuple[I64, I64, npt.NDArray[np.float64]]:
    """Which texts are dropped, given verified pairs: edges ``(i[k], j[k])`` of similarity
    ``sims[k]`` (those below ``p.threshold`` are ignored), texts named by their order and
    ranked by ``rank_i``/``rank_j`` (lower first; default: the orders themselves).

    Texts are decided one at a time by rank: each is kept unless it has an edge to a text of
    higher priority that is kept, and is then a duplicate of the most similar such text
    (ties: the one of higher priority). Returns ``(dropped, duplicate_of, similarity)``, one
    row per dropped text, sorted by its order. A text's fate depends only on the edges of its
    connected component, so the edges may be decided one component (or several) at a time.

    >>> decide(np.array([0, 1]), np.array([1, 2]), np.array([0.9, 0.95]), BatchParams.of())[0].tolist()
    [1]
    """
    i, j = np.asarray(i, dtype=np.int64), np.asarray(j, dtype=np.int64)
    sims = np.asarray(sims, dtype=np.float64)
    ri = i if rank_i is None else np.asarray(rank_i, dtype=np.int64)
    rj = j if rank_j is None else np.asarray(rank_j, dtype=np.int64)
    good = sims >= p.threshold
    i, j, sims, ri, rj = i[good], j[good], sims[good], ri[good], rj[good]
    # Each edge as (higher priority, lower priority).
    swap = ri > rj
    hi, lo = np.where(swap, j, i), np.where(swap, i, j)
    rank_hi, rank_lo = np.minimum(ri, rj), np.maximum(ri, rj)
    # Decide each lower-priority text in order of priority, against the texts of higher
    # priority still kept (decided already: each was a lower one earlier in the order, or
    # is in no edge as one and kept).
    by = np.lexsort((rank_hi, -sims, rank_lo))
    dropped: dict[int, tuple[int, float]] = {}
    for a, b, s in zip(hi[by].tolist(), lo[by].tolist(), sims[by].tolist()):
        if b not in dropped and a not in dropped:
            dropped[b] = (a, s)
    out = np.array(sorted(dropped), dtype=np.int64)
    return (
        out,
        np.array([dropped[k][0] for k in out.tolist()], dtype=np.int64),
        np.array([dropped[k][1] for k in out.tolist()], dtype=np.float64),
    )
