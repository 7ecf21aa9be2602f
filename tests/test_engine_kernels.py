"""The kernels of ``newsclean._similarity.engine`` put together as an engine would put
them (texts in random partitions, entries shuffled by key into groups, pairs deduplicated,
checked and verified per group, decisions per connected component) decide exactly as
``near_duplicates``."""

from __future__ import annotations

import pickle
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsclean import OptionsError, near_duplicates
from newsclean._similarity import engine
from newsclean._similarity.engine import BatchParams

from .test_batch import planted


def manual_engine(
    texts: list[str], p: BatchParams, rng: np.random.Generator, parts: int, rank: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, int]:
    """``(duplicate_of, similarity, candidates)`` of ``texts`` from the kernels alone."""
    n = len(texts)
    # 1. Sketch the texts in random partitions.
    part_of = rng.integers(0, parts, n)
    keys = np.empty((n, p.bands), np.uint64)
    check = np.empty((n, p.num_perm), np.uint8)
    filled = np.empty(n, np.int64)
    for k in range(parts):
        mine = np.flatnonzero(part_of == k)
        s = engine.sketch([texts[i] for i in mine.tolist()], p)
        keys[mine], check[mine], filled[mine] = s
    # 2. Entries (key, order), shuffled into groups by key, each group in random order.
    entry_keys = keys.reshape(-1)
    entry_order = np.repeat(np.arange(n, dtype=np.int64), p.bands)
    group = (entry_keys % np.uint64(parts)).astype(np.int64)
    found_a, found_b = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
    for g in range(parts):
        mine = rng.permutation(np.flatnonzero(group == g))
        a, b = engine.bucket_pairs(entry_keys[mine], entry_order[mine])
        found_a.append(a)
        found_b.append(b)
    # 3. Distinct pairs, then the chance check.
    pairs = np.unique(np.stack([np.concatenate(found_a), np.concatenate(found_b)], axis=1), axis=0).reshape(-1, 2)
    i, j = pairs[:, 0], pairs[:, 1]
    ok = engine.chance_ok(check[i], check[j], filled[i], filled[j], p)
    i, j = i[ok], j[ok]
    # 4. Exact similarity, half of the pairs from texts, half from shingle sets.
    half = len(i) // 2
    sims = np.empty(len(i))
    sims[:half] = engine.verify([texts[x] for x in i[:half].tolist()], [texts[x] for x in j[:half].tolist()], p)
    involved, local = np.unique(np.concatenate([i[half:], j[half:]]), return_inverse=True)
    sets, offsets = engine.shingle_sets([texts[x] for x in involved.tolist()], p)
    sims[half:] = engine.similarity(sets, offsets, local[: len(i) - half], local[len(i) - half :])
    # 5. Decide one connected component of the verified edges at a time.
    good = sims >= p.threshold
    component = np.arange(n)
    for _ in range(n):  # (label propagation: each text takes the least label of its edges)
        before = component.copy()
        np.minimum.at(component, i[good], component[j[good]])
        np.minimum.at(component, j[good], component[i[good]])
        if np.array_equal(before, component):
            break
    duplicate_of = np.full(n, -1, np.int64)
    similarity = np.full(n, np.nan)
    for c in rng.permutation(np.unique(component[i[good]])).tolist():
        e = np.flatnonzero(good & (component[i] == c))
        ranks = (None, None) if rank is None else (rank[i[e]], rank[j[e]])
        dropped, of, s = engine.decide(i[e], j[e], sims[e], p, *ranks)
        duplicate_of[dropped], similarity[dropped] = of, s
    return duplicate_of, similarity, len(i)


@pytest.mark.parametrize("parts", [1, 3, 8])
def test_the_kernels_decide_as_near_duplicates(parts: int) -> None:
    texts = planted(400, seed=parts)
    texts += [texts[5]] * 12 + ["", "ab", "short", ""]  # a bucket past PER_BUCKET; no shingles
    rng = np.random.default_rng(parts)
    p = BatchParams.of()
    want = near_duplicates(texts)
    duplicate_of, similarity, candidates = manual_engine(texts, p, rng, parts)
    assert duplicate_of.tolist() == want.duplicate_of.tolist()
    assert np.array_equal(similarity, want.similarity, equal_nan=True)
    assert candidates == want.candidates
    assert (duplicate_of >= 0).sum() > 60


def test_the_kernels_decide_as_near_duplicates_with_ranks() -> None:
    texts = planted(300, seed=7)
    lengths = np.array([len(t) for t in texts])
    rank = np.empty(len(texts), np.int64)
    rank[np.lexsort((np.arange(len(texts)), -lengths))] = np.arange(len(texts))
    want = near_duplicates(texts, keep="longest")
    duplicate_of, similarity, _ = manual_engine(texts, BatchParams.of(), np.random.default_rng(0), 4, rank)
    assert duplicate_of.tolist() == want.duplicate_of.tolist()
    assert np.array_equal(similarity, want.similarity, equal_nan=True)


_PHRASES = ["the minister said", "on tuesday", "in the capital", "police", "the talks", "ended", "a new plan"]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.lists(st.sampled_from(_PHRASES), max_size=8).map(" ".join), max_size=40),
    st.integers(1, 6),
    st.sampled_from([0.5, 0.8, 1.0]),
    st.integers(0, 2**32 - 1),
)
def test_any_partition_decides_as_near_duplicates(texts: list[str], parts: int, threshold: float, seed: int) -> None:
    p = BatchParams.of(threshold=threshold, shingle_size=3)
    want = near_duplicates(texts, threshold=threshold, shingle_size=3)
    duplicate_of, similarity, candidates = manual_engine(texts, p, np.random.default_rng(seed), parts)
    assert duplicate_of.tolist() == want.duplicate_of.tolist()
    assert np.array_equal(similarity, want.similarity, equal_nan=True)
    assert candidates == want.candidates


def test_params_validate_as_near_duplicates_and_pickle() -> None:
    p = BatchParams.of(threshold=0.9, num_perm=256, seed=7)
    assert pickle.loads(pickle.dumps(p)) == p
    assert p.to_dict()["bands"] * p.to_dict()["rows"] <= 256
    for bad in ({"threshold": 1.5}, {"num_perm": 96}, {"shingle_size": 0}, {"seed": -1}):
        with pytest.raises(OptionsError) as theirs:
            near_duplicates(["a"], **bad)  # type: ignore[arg-type]
        with pytest.raises(OptionsError) as ours:
            BatchParams.of(**bad)  # type: ignore[arg-type]
        assert str(ours.value) == str(theirs.value)


def test_decide_keeps_first_and_ignores_edges_below_the_threshold() -> None:
    p = BatchParams.of(threshold=0.8)
    # 0~1 (0.9), 1~2 (0.95): 1 goes to 0; 2 only matched 1, which is dropped: kept.
    # 3~4 below the threshold: both kept. 5~6 and 5~7, 6~7: 6 and 7 go to 5.
    i = np.array([0, 1, 3, 5, 5, 6])
    j = np.array([1, 2, 4, 6, 7, 7])
    s = np.array([0.9, 0.95, 0.7, 0.85, 0.99, 1.0])
    dropped, of, sims = engine.decide(i, j, s, p)
    assert dropped.tolist() == [1, 6, 7] and of.tolist() == [0, 5, 5] and sims.tolist() == [0.9, 0.85, 0.99]
    order = random.Random(1).sample(range(len(i)), len(i))  # (edges in any order)
    assert [x.tolist() for x in engine.decide(i[order], j[order], s[order], p)] == [
        x.tolist() for x in (dropped, of, sims)
    ]
