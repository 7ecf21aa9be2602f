"""Exact ground truth for ``paragraph_corpus``: which paragraphs are near-duplicates.

A paragraph ``j`` is a duplicate when some earlier paragraph ``i`` that is itself kept has
exact Jaccard similarity ``J(i, j) >= threshold`` (character 5-grams of
``newsclean._text.normalize.key``): first wins, and later texts are compared only with kept
ones, as ``newsclean.near_duplicates`` decides.

Two independent computations, which must agree:

1. planted pairs: every pair of paragraphs with the same ``root`` (made from one another,
   directly or through a chain of copies), with Python sets of ``key(text)`` 5-grams
   (``paragraph_corpus.shingle_set``);
2. all pairs (``similar_pairs``), so that no unplanted similar pair can hide: an exact
   all-pairs similarity join by prefix filtering (Bayardo et al., WWW 2007). Every 5-gram
   is packed exactly into an integer (no hashing, no collisions); tokens are ordered by
   document frequency, rarest first, and two sets with ``J >= t`` must share a token among
   the first ``|s| - ceil(t |s|) + 1`` of each. Candidates that pass the length filter are
   verified exactly with Python sets of those integers.

Every pair found by 2 must be planted (or it is reported as an unplanted similar pair and
still counted in the truth), and every planted pair at or above the threshold must be
found by 2 with the same similarity.
"""

from __future__ import annotations

import dataclasses
import math
from collections import defaultdict
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from paragraph_corpus import Paragraph, jaccard, shingle_set

from newsclean._text.normalize import keys as batch_keys


@dataclasses.dataclass
class Truth:
    threshold: float
    is_duplicate: np.ndarray  # bool, per paragraph
    duplicate_of: np.ndarray  # int64, the first kept paragraph it repeats at >= threshold, or -1
    best_kept: np.ndarray  # float, the highest J with an earlier kept paragraph (0 if none known)
    similar_pairs: np.ndarray  # (m, 2) int64, every pair with J >= threshold
    similar_j: np.ndarray  # float
    unplanted_pairs: int  # pairs >= threshold not made from one another
    planted_pairs: int  # pairs of paragraphs with a common root
    join_paragraphs: int  # the join covered the first this many paragraphs
    join_candidates: int  # candidate pairs the prefix filter verified


def planted_similarities(paras: Sequence[Paragraph]) -> dict[tuple[int, int], float]:
    """Exact J (Python sets) of every pair of paragraphs with a common root."""
    groups: dict[int, list[int]] = defaultdict(list)
    for i, p in enumerate(paras):
        groups[p.root].append(i)
    out: dict[tuple[int, int], float] = {}
    for members in groups.values():
        if len(members) < 2:
            continue
        sets = [shingle_set(paras[i].text) for i in members]
        for a in range(len(members)):
            for b in range(a + 1, len(members)):
                out[(members[a], members[b])] = jaccard(sets[a], sets[b])
    return out


def _packed_shingles(texts: Sequence[str], size: int) -> tuple[np.ndarray, np.ndarray]:
    """Every character ``size``-gram of every key, packed exactly into a uint64, and its
    owner. A key of at most ``size`` characters is one shingle (as ``shingle_set``)."""
    ks = batch_keys(list(texts))
    lengths = np.fromiter((len(k) for k in ks), dtype=np.int64, count=len(ks))
    if (lengths <= size).any():
        raise ValueError("paragraph keys this short are not expected in the corpus")
    cps = np.frombuffer("".join(ks).encode("utf-32-le"), dtype="<u4")
    present = np.flatnonzero(np.bincount(cps))
    bits = max(1, int(len(present)).bit_length())
    if bits * size > 63:
        raise ValueError(f"{len(present)} distinct characters: 5-grams do not pack into 63 bits")
    lut = np.zeros(int(present[-1]) + 1, dtype=np.uint64)
    lut[present] = np.arange(1, len(present) + 1, dtype=np.uint64)
    dense = lut[cps]
    n = len(cps) - size + 1
    packed = np.zeros(n, dtype=np.uint64)
    for j in range(size):
        packed = (packed << np.uint64(bits)) | dense[j : j + n]
    ends = np.cumsum(lengths)
    valid = np.ones(n, dtype=bool)  # windows that start in one key and end in the next
    straddle = (ends[:, None] - np.arange(1, size)[None, :]).ravel()
    valid[straddle[straddle < n]] = False
    owner = np.repeat(np.arange(len(ks), dtype=np.int64), lengths - size + 1)
    return packed[valid], owner


def _unique(sorted_values: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """The distinct values of a sorted array (np.unique hashes, which is slower here)."""
    keep = np.ones(len(sorted_values), dtype=bool)
    keep[1:] = sorted_values[1:] != sorted_values[:-1]
    return sorted_values[keep]


JOIN_K = 8  # prefix filter: a pair must share K tokens among the first |s| - ceil(t|s|) + K
_CHUNK_PAIRS = 1 << 24


def similar_pairs(
    texts: Sequence[str], threshold: float, size: int = 5, k: int = JOIN_K
) -> tuple[np.ndarray, np.ndarray, int]:
    """Every pair ``i < j`` with exact ``J >= threshold``, their J, and the number of
    candidates verified exactly.

    Sound because if ``J(A, B) >= t`` then ``|A & B| >= ceil(t * max(|A|, |B|))``, so the
    first ``k`` common tokens (in the global order) lie within the first
    ``|s| - ceil(t |s|) + k`` tokens of both sets.
    """
    n = len(texts)
    values, owner = _packed_shingles(texts, size)
    order = np.argsort(values)
    new = np.ones(len(values), dtype=bool)
    new[1:] = values[order[1:]] != values[order[:-1]]
    tid = np.empty(len(values), dtype=np.int64)
    tid[order] = np.cumsum(new) - 1
    n_tokens = int(new.sum())
    del values, order, new
    tid_bits = max(1, n_tokens.bit_length())
    if tid_bits + max(1, int(n).bit_length()) > 63:
        raise ValueError("corpus too large for the packed join")
    # Sets: one (owner, token) per distinct token of a text.
    entry = _unique(np.sort((owner.astype(np.uint64) << np.uint64(tid_bits)) | tid.astype(np.uint64)))
    del owner, tid
    mask = np.uint64((1 << tid_bits) - 1)
    owner = (entry >> np.uint64(tid_bits)).astype(np.int64)
    tid = (entry & mask).astype(np.int64)
    del entry
    sizes = np.bincount(owner, minlength=n)
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    # Global order: rarest token first (ties by token id).
    df = np.bincount(tid, minlength=n_tokens)
    order = np.lexsort((np.arange(n_tokens), df))
    rank = np.empty(n_tokens, dtype=np.int64)
    rank[order] = np.arange(n_tokens)
    by_rank = np.sort((owner.astype(np.uint64) << np.uint64(tid_bits)) | rank[tid].astype(np.uint64))
    position = np.arange(len(by_rank)) - offsets[(by_rank >> np.uint64(tid_bits)).astype(np.int64)]
    prefix = np.minimum(sizes, sizes - np.ceil(threshold * sizes - 1e-9).astype(np.int64) + k)
    keep = position < prefix[(by_rank >> np.uint64(tid_bits)).astype(np.int64)]
    by_rank = by_rank[keep]
    del position, keep
    # Sort by token, then owner: each run is the texts sharing a prefix token, ascending.
    by_token = np.sort(((by_rank & mask) << np.uint64(64 - tid_bits)) | (by_rank >> np.uint64(tid_bits)))
    del by_rank
    p_rank = by_token >> np.uint64(64 - tid_bits)
    p_owner = (by_token & np.uint64((1 << (64 - tid_bits)) - 1)).astype(np.int64)
    del by_token
    run_start = np.flatnonzero(np.concatenate([[True], p_rank[1:] != p_rank[:-1]]))
    run_len = np.diff(np.concatenate([run_start, [len(p_rank)]]))
    # Count, per pair, the prefix tokens it shares; keep pairs sharing k or more.
    parts = 16
    buckets: list[list[np.ndarray]] = [[] for _ in range(parts)]
    for m in np.unique(run_len[run_len > 1]).tolist():
        starts = run_start[run_len == m]
        a_idx, b_idx = np.triu_indices(m, 1)
        step = max(1, _CHUNK_PAIRS // len(a_idx))
        for c in range(0, len(starts), step):
            members = p_owner[starts[c : c + step, None] + np.arange(m)[None, :]]
            a, b = members[:, a_idx].ravel(), members[:, b_idx].ravel()
            sa, sb = sizes[a], sizes[b]
            ok = np.minimum(sa, sb) >= threshold * np.maximum(sa, sb) - 1e-9  # length filter
            code = a[ok] * np.int64(n) + b[ok]
            part = a[ok] % parts
            for q in range(parts):
                buckets[q].append(code[part == q])
    found = []
    for q in range(parts):
        if buckets[q]:
            codes = np.sort(np.concatenate(buckets[q]))
            starts = np.flatnonzero(np.concatenate([[True], codes[1:] != codes[:-1]]))
            counts = np.diff(np.concatenate([starts, [len(codes)]]))
            found.append(codes[starts[counts >= k]])
        buckets[q] = []
    code = np.sort(np.concatenate(found)) if found else np.zeros(0, dtype=np.int64)
    pairs = np.stack([code // n, code % n], axis=1)
    # Verify exactly, with Python sets of the packed tokens.
    cache: dict[int, frozenset[int]] = {}

    def tokens_of(i: int) -> frozenset[int]:
        s = cache.get(i)
        if s is None:
            s = cache[i] = frozenset(tid[offsets[i] : offsets[i + 1]].tolist())
        return s

    sims = np.array([jaccard(tokens_of(a), tokens_of(b)) for a, b in pairs.tolist()]) if len(pairs) else np.zeros(0)
    good = sims >= threshold
    return pairs[good], sims[good], len(pairs)


def ground_truth(paras: Sequence[Paragraph], threshold: float = 0.8, join_max: int = 200_000) -> Truth:
    """The truth for ``paras``; the all-pairs join covers the first ``join_max`` of them
    (beyond, only planted pairs are known: the caller checks the pairs methods report)."""
    n = len(paras)
    planted = planted_similarities(paras)
    n_join = min(n, join_max)
    pairs, sims, n_candidates = similar_pairs([p.text for p in paras[:n_join]], threshold)
    found = {(int(a), int(b)): float(s) for (a, b), s in zip(pairs.tolist(), sims.tolist())}
    for pair, j in planted.items():
        if j >= threshold and pair[1] < n_join:
            assert pair in found and math.isclose(found[pair], j), f"the join missed planted pair {pair} (J={j})"
    unplanted = [pair for pair in found if pair not in planted]
    for pair in unplanted:
        planted[pair] = found[pair]
    # Decide in input order: j repeats the first earlier kept i with J >= threshold.
    by_later: dict[int, list[tuple[int, float]]] = defaultdict(list)
    for (a, b), j in planted.items():
        by_later[b].append((a, j))
    duplicate_of = np.full(n, -1, dtype=np.int64)
    best = np.zeros(n)
    for j_idx in sorted(by_later):
        kept = [(i, s) for i, s in by_later[j_idx] if duplicate_of[i] < 0]
        if kept:
            best[j_idx] = max(s for _, s in kept)
            hits = [i for i, s in kept if s >= threshold]
            if hits:
                duplicate_of[j_idx] = min(hits)
    similar = sorted((pair, j) for pair, j in planted.items() if j >= threshold)
    return Truth(
        threshold,
        duplicate_of >= 0,
        duplicate_of,
        best,
        np.array([p for p, _ in similar], dtype=np.int64).reshape(-1, 2),
        np.array([j for _, j in similar]),
        len(unplanted),
        len(planted) - len(unplanted),
        n_join,
        n_candidates,
    )
