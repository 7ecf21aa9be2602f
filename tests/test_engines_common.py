"""The engines' streaming pass over sorted bucket entries gives bucket_pairs' pairs, and
ranking the rows of the edges alone decides as ranking every text does."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsclean import near_duplicates
from newsclean._batch import _ranks
from newsclean._engines_common import BatchParams, BucketStream, bucket_pairs, decide, decide_edges

from .engines import keep_cases, lengths


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


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 30), st.integers(0, 30), st.sampled_from([0.5, 0.8, 0.9, 1.0])), max_size=60),
    st.lists(st.integers(-3, 3), min_size=31, max_size=31),
    st.booleans(),
)
def test_ranking_the_edges_rows_decides_as_ranking_all_texts(edges, priority, floats):
    edges = [(a, b, s) for a, b, s in edges if a != b]
    a = np.array([e[0] for e in edges], dtype=np.int64)
    b = np.array([e[1] for e in edges], dtype=np.int64)
    sims = np.array([e[2] for e in edges], dtype=np.float64)
    prio = np.array(priority, dtype=np.float64 if floats else np.int64)
    p = BatchParams.of()
    rank = _ranks([""] * len(prio), prio)
    want = decide(a, b, sims, p, rank[a], rank[b])
    # (the engines name rows by sparse orders, increasing with the index)
    got = decide_edges(10 * a + 3, 10 * b + 3, sims, p, prio[a], prio[b])
    assert [x.tolist() for x in got] == [(10 * want[0] + 3).tolist(), (10 * want[1] + 3).tolist(), want[2].tolist()]


def test_the_keep_cases_decide_otherwise_than_keep_first():
    """The engines' keep tests could fail: on each corpus the rule changes decisions, and on
    lengths() counting UTF-8 bytes or UTF-16 units instead of code points does too."""
    for name, texts, keep in keep_cases():
        first = near_duplicates(texts).duplicate_of
        kept = near_duplicates(texts, keep=keep).duplicate_of
        assert (first != kept).sum() >= 3, name
    texts = lengths()
    want = near_duplicates(texts, keep="longest").duplicate_of
    for count in (lambda t: len(t.encode()), lambda t: len(t.encode("utf-16-le")) // 2):
        assert (near_duplicates(texts, keep=np.array([count(t) for t in texts])).duplicate_of != want).any()


@pytest.mark.parametrize("engine", ["spark", "dask"])
def test_commands_refuse_an_existing_output_and_a_missing_input(engine, tmp_path, monkeypatch, capsys):
    """Before any engine starts: exit 2, one line; a URL is the engine's to read."""
    import importlib

    from newsclean._engines_common import _check_paths

    main = importlib.import_module(f"newsclean.{engine}").main
    monkeypatch.chdir(tmp_path)
    (tmp_path / "in.parquet").write_bytes(b"")
    (tmp_path / "out").mkdir()
    for argv, said in (
        (["in.parquet", "-o", "out"], "out: exists (--overwrite replaces it)"),
        (["in.parquet", "nothere.parquet", "-o", "new"], "nothere.parquet: no such file or directory"),
        (["parts/*.parquet", "-o", "new"], "parts/*.parquet: no such file or directory"),
    ):
        assert main([*argv, "--order-field", "ts"]) == 2
        assert capsys.readouterr().err == f"newsclean.{engine}: error: {said}\n"
    _check_paths(["in.parquet", "*.parquet", "s3://bucket/in"], "out", overwrite=True)
    _check_paths(["hdfs://nn/in/{a,b}"], "s3://bucket/out", overwrite=False)
