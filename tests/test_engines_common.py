"""The engines' streaming pass over sorted bucket entries gives bucket_pairs' pairs."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from newsclean._engines_common import BucketStream, bucket_pairs


def pairs_of(a: np.ndarray, b: np.ndarray) -> set[tuple[int, int]]:
    return set(zip(a.tolist(), b.tolist()))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from([0, 1, 7, 2**63, 2**64 - 1]), st.integers(0, 10_000)), max_size=300),
    st.lists(st.integers(1, 40), min_size=1, max_size=20),
)
def test_a_sorted_stream_in_any_pieces_gives_the_pairs_of_whole_buckets(entries, cuts):
    entries = sorted({(k, o) for k, o in entries}, key=lambda e: (e[0], e[1]))
    keys = np.array([k for k, _ in entries], dtype=np.uint64)
    orders = np.array([o for _, o in entries], dtype=np.int64)
    want = pairs_of(*bucket_pairs(keys, orders))
    stream, got, at, k = BucketStream(), set(), 0, 0
    while at < len(keys):
        step = cuts[k % len(cuts)]
        got |= pairs_of(*stream.feed(keys[at : at + step], orders[at : at + step]))
        at, k = at + step, k + 1
    assert got == want


def test_a_bucket_of_a_million_members_holds_sixteen():
    stream = BucketStream()
    orders = np.arange(1_000_000, dtype=np.int64)
    keys = np.full(len(orders), 42, dtype=np.uint64)
    total = 0
    for lo in range(0, len(orders), 1 << 16):
        a, b = stream.feed(keys[lo : lo + (1 << 16)], orders[lo : lo + (1 << 16)])
        total += len(set(zip(a.tolist(), b.tolist())))
        assert len(stream._orders) <= 16
    # The member of rank r pairs with its min(r, 8) previous members and, past rank 8,
    # with those of the first 8 that are not among them: every pair once, in the batch of
    # its later member.
    assert total == sum(min(r, 8) + (8 - max(0, 16 - r) if r > 8 else 0) for r in range(1_000_000))
    a, b = bucket_pairs(keys[:5000], orders[:5000])
    assert len(pairs_of(a, b)) == sum(min(r, 8) + (8 - max(0, 16 - r) if r > 8 else 0) for r in range(5000))
