"""Exact ground truth for ``paragraph_corpus``: which paragraphs are near-duplicates.

A paragraph ``j`` is a duplicate when some earlier paragraph ``i`` that is itself kept has
exact Jaccard similarity ``J(i, j) >= threshold`` (character 5-grams of
``newsclean._normalize.key``): first wins, and later texts are compared only with kept
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

from newsclean._normalize import keys as batch_keys

from paragraph_corpus import Paragraph, jaccard, shingle_set


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
    alphabet, dense = np.unique(cps, return_inverse=True)
    bits = max(1, int(len(alphabet)).bit_length())
    if bits * size > 63:
        raise ValueError(f"{len(alphabet)} distinct characters: 5-grams do not pack into 63 bits")
    dense = dense.astype(np.uint64) + np.uint64(1)
    n = len(cps) - size + 1
    packed = np.zeros(n, dtype=np.uint64)
    for j in range(size):
        packed = (packed << np.uint64(bits)) | dense[j : j + n]
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    counts = lengths - size + 1
    index = np.repeat(starts, counts) + (np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts))
    owner = np.repeat(np.arange(len(ks), dtype=np.int64), counts)
    return packed[index], owner


def similar_pairs(
    texts: Sequence[str], threshold: float, size: int = 5
) -> tuple[np.ndarray, np.ndarray, int]:
    """Every pair ``i < j`` with exact ``J >= threshold``, their J, and the number of
    candidates verified."""
    n = len(texts)
    values, owner = _packed_shingles(texts, size)
    tokens, tid = np.unique(values, return_inverse=True)
    del values
    tid_bits = max(1, int(len(tokens)).bit_length())
    own_bits = max(1, int(n).bit_length())
    if tid_bits + own_bits > 63:
        raise ValueError("corpus too large for the packed join")
    # Sets: one (owner, token) per distinct token of a text.
    entry = np.unique((owner.astype(np.uint64) << np.uint64(tid_bits)) | tid.astype(np.uint64))
    del owner, tid
    owner = (entry >> np.uint64(tid_bits)).astype(np.int64)
    tid = (entry & np.uint64((1 << tid_bits) - 1)).astype(np.int64)
    del entry
    sizes = np.bincount(owner, minlength=n)
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    # Global order: rarest token first (ties by token id).
    df = np.bincount(tid, minlength=len(tokens))
    order = np.lexsort((np.arange(len(tokens)), df))
    rank = np.empty(len(tokens), dtype=np.int64)
    rank[order] = np.arange(len(tokens))
    by_rank = np.sort((owner.astype(np.uint64) << np.uint64(tid_bits)) | rank[tid].astype(np.uint64))
    r_owner = (by_rank >> np.uint64(tid_bits)).astype(np.int64)
    r_rank = (by_rank & np.uint64((1 << tid_bits) - 1)).astype(np.int64)
    del by_rank
    # Prefix of each set: |s| - ceil(t |s|) + 1 rarest tokens.
    need = np.ceil(threshold * sizes - 1e-9).astype(np.int64)
    prefix = sizes - need + 1
    position = np.arange(len(r_owner)) - offsets[r_owner]
    keep = position < prefix[r_owner]
    p_owner, p_rank = r_owner[keep], r_rank[keep]
    del r_owner, r_rank, position, keep
    # Texts sharing a prefix token: sort by token, pair up the members of each run.
    o = np.argsort(p_rank, kind="stable")
    p_owner, p_rank = p_owner[o], p_rank[o]
    run_start = np.flatnonzero(np.concatenate([[True], p_rank[1:] != p_rank[:-1]]))
    run_len = np.diff(np.concatenate([run_start, [len(p_rank)]]))
    pairs_list = []
    for m in np.unique(run_len[run_len > 1]).tolist():
        starts = run_start[run_len == m]
        members = p_owner[starts[:, None] + np.arange(m)[None, :]]  # (groups, m)
        a, b = np.triu_indices(m, 1)
        pairs_list.append(np.stack([members[:, a].ravel(), members[:, b].ravel()], axis=1))
    if not pairs_list:
        return np.zeros((0, 2), dtype=np.int64), np.zeros(0), 0
    pairs = np.concatenate(pairs_list)
    pairs.sort(axis=1)
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    sa, sb = sizes[pairs[:, 0]], sizes[pairs[:, 1]]
    pairs = pairs[np.minimum(sa, sb) >= threshold * np.maximum(sa, sb) - 1e-9]  # length filter
    code = np.unique(pairs[:, 0] * np.int64(n) + pairs[:, 1])
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


def ground_truth(paras: Sequence[Paragraph], threshold: float = 0.8) -> Truth:
    n = len(paras)
    planted = planted_similarities(paras)
    pairs, sims, n_candidates = similar_pairs([p.text for p in paras], threshold)
    found = {(int(a), int(b)): float(s) for (a, b), s in zip(pairs.tolist(), sims.tolist())}
    for pair, j in planted.items():
        if j >= threshold:
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
    return Truth(
        threshold,
        duplicate_of >= 0,
        duplicate_of,
        best,
        pairs,
        sims,
        len(unplanted),
        len(planted) - len(unplanted),
        n_candidates,
    )
