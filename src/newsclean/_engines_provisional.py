"""Stand-ins for the kernels of ``_similarity.engine`` (the contract the core is writing),
over today's ``_batch`` functions, until that module lands; then ``_engines_common``
imports from it and this file goes."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from . import _batch
from ._errors import OptionsError
from ._lsh import PER_BUCKET
from ._options import Options, choose_bands

I64 = npt.NDArray[np.int64]


@dataclasses.dataclass(frozen=True)
class BatchParams:
    threshold: float
    shingle_size: int
    num_perm: int
    seed: int
    bands: int
    rows: int
    shingle_kind: str = "char"

    @classmethod
    def of(cls, *, threshold: float = 0.8, shingle_size: int = 5, num_perm: int = 128, seed: int = 1) -> BatchParams:
        o = Options(threshold=threshold, shingle_size=shingle_size, num_perm=num_perm, seed=seed)
        if num_perm & (num_perm - 1):
            raise OptionsError(f"num_perm must be a power of two for one-permutation hashing, got {num_perm}")
        bands, rows = choose_bands(o.threshold, num_perm)
        return cls(o.threshold, shingle_size, num_perm, seed, bands, rows)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


class Sketches(NamedTuple):
    keys: npt.NDArray[np.uint64]
    check: npt.NDArray[np.uint8]
    filled: npt.NDArray[np.int64]


def sketch(texts: Sequence[str], p: BatchParams) -> Sketches:
    job = (p.shingle_size, p.num_perm, p.seed, p.bands, p.rows)
    parts = [_batch._sketches_of(texts[a:b], job) for a, b in _batch._chunks(texts)]
    if not parts:
        return Sketches(np.zeros((0, p.bands), np.uint64), np.zeros((0, p.num_perm), np.uint8), np.zeros(0, np.int64))
    return Sketches(*(np.concatenate(x) for x in zip(*parts)))


def bucket_pairs(keys: npt.NDArray[np.uint64], order: I64) -> tuple[I64, I64]:
    keys = np.asarray(keys, dtype=np.uint64)
    order = np.asarray(order, dtype=np.int64)
    if len(keys) < 2:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    at = np.lexsort((order, keys))
    keys, members = keys[at], order[at]
    new_run = np.ones(len(keys), dtype=bool)
    new_run[1:] = keys[1:] != keys[:-1]
    positions = np.arange(len(members))
    run_start = np.maximum.accumulate(np.where(new_run, positions, 0))
    rank = positions - run_start
    earlier, later = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
    for t in range(1, PER_BUCKET + 1):
        has = np.flatnonzero(rank >= t)
        if not len(has):
            break
        earlier.append(members[has - t])
        later.append(members[has])
        far = has[rank[has] > PER_BUCKET]
        earlier.append(members[run_start[far] + t - 1])
        later.append(members[far])
    a, b = np.concatenate(earlier), np.concatenate(later)
    distinct = a != b
    return a[distinct], b[distinct]


def chance_ok(
    check_a: npt.NDArray[np.uint8],
    check_b: npt.NDArray[np.uint8],
    filled_a: I64,
    filled_b: I64,
    p: BatchParams,
) -> npt.NDArray[np.bool_]:
    cut = _batch._agreement_cut(p.threshold, p.num_perm)
    if cut <= 0:
        return np.ones(len(check_a), dtype=bool)
    agree = np.count_nonzero(check_a == check_b, axis=1)
    enough = _batch._CHECK_FILLED * p.num_perm
    ok: npt.NDArray[np.bool_] = (agree >= cut) | ~((filled_a >= enough) & (filled_b >= enough))
    return ok


def shingle_sets(texts: Sequence[str], p: BatchParams) -> tuple[npt.NDArray[np.uint32], I64]:
    return _batch._shingle_sets32(texts, p.shingle_size)


def similarity(sets: npt.NDArray[np.uint32], offsets: I64, a: I64, b: I64) -> npt.NDArray[np.float64]:
    sizes = np.diff(offsets)
    inter = _batch.overlaps(sets, offsets, a, b)
    union = sizes[a] + sizes[b] - inter
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(union > 0, inter / np.maximum(union, 1), 0.0)


def verify(texts_a: Sequence[str], texts_b: Sequence[str], p: BatchParams) -> npt.NDArray[np.float64]:
    n = len(texts_a)
    if not n:
        return np.zeros(0)
    sets, offsets = shingle_sets(list(texts_a) + list(texts_b), p)
    a = np.arange(n, dtype=np.int64)
    return similarity(sets, offsets, a, a + n)


def decide(
    i: I64,
    j: I64,
    sims: npt.NDArray[np.float64],
    p: BatchParams,
    rank_i: I64 | None = None,
    rank_j: I64 | None = None,
) -> tuple[I64, I64, npt.NDArray[np.float64]]:
    good = sims >= p.threshold
    i, j, sims = i[good], j[good], sims[good]
    ri = i if rank_i is None else rank_i[good]
    rj = j if rank_j is None else rank_j[good]
    swap = ri > rj
    i, j = np.where(swap, j, i), np.where(swap, i, j)
    ri, rj = np.where(swap, rj, ri), np.where(swap, ri, rj)
    order = np.lexsort((ri, -sims, rj))
    dropped: dict[int, tuple[int, float]] = {}
    for x, y, s in zip(i[order].tolist(), j[order].tolist(), sims[order].tolist()):
        if y not in dropped and x not in dropped:
            dropped[y] = (x, s)
    keys = np.fromiter(dropped, dtype=np.int64, count=len(dropped))
    dup = np.fromiter((v[0] for v in dropped.values()), dtype=np.int64, count=len(dropped))
    sim = np.fromiter((v[1] for v in dropped.values()), dtype=np.float64, count=len(dropped))
    return keys, dup, sim
