"""The batch path: near_duplicates() against an exact reference, and its sketch's accuracy."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import newsclean._batch as batch
from newsclean import near_duplicates
from newsclean._similarity import jaccard, lsh, minhash
from newsclean._similarity.engine import BatchParams
from newsclean._similarity.hashing import fmix32
from newsclean._text.normalize import key, key_codes, keys

from .republish import Generator


def reference(texts: list[str], threshold: float = 0.8, n: int = 5) -> list[int]:
    """First wins, compare with kept texts only, Python sets of string shingles."""
    sets = []
    for t in texts:
        k = key(t)
        sets.append({k[i : i + n] for i in range(len(k) - n + 1)} or ({k} if k else set()))
    out = [-1] * len(texts)
    for j in range(len(texts)):
        best = None
        for i in range(j):
            if out[i] < 0 and sets[i] and sets[j]:
                s = len(sets[i] & sets[j]) / len(sets[i] | sets[j])
                if s >= threshold and (best is None or s > best[0]):
                    best = (s, i)
        if best:
            out[j] = best[1]
    return out


def planted(n: int, seed: int) -> list[str]:
    g = Generator(seed)
    rng = random.Random(seed)
    texts = [g.paragraph() for _ in range(n)]
    for _ in range(n // 3):
        words = rng.choice(texts).split()
        for _ in range(rng.randint(1, 6)):  # from far above the threshold to below it
            words[rng.randrange(len(words))] = g.rng.choice(g.words)
        texts.append(" ".join(words))
    rng.shuffle(texts)
    return texts


def test_agrees_with_the_exact_reference() -> None:
    texts = planted(300, seed=1)
    result = near_duplicates(texts)
    assert result.duplicate_of.tolist() == reference(texts)
    dup = result.duplicate_of >= 0
    assert 50 < dup.sum() < 100
    assert np.all(result.similarity[dup] >= 0.8) and np.all(np.isnan(result.similarity[~dup]))
    assert result.kept.tolist() == np.flatnonzero(~dup).tolist()


@pytest.mark.parametrize("shared", [True, False])
def test_two_workers_decide_exactly_as_one(monkeypatch: pytest.MonkeyPatch, shared: bool) -> None:
    """With forked workers, the sketches go through shared memory and the candidate search
    is split by ranges of keys (``shared``); without (as where processes are not forked),
    the sketches are sent back and the search is this process's. The same decisions."""
    from newsclean import _forked

    monkeypatch.setattr(batch, "_CHUNK", 100)
    if not shared:
        monkeypatch.setattr(_forked, "forks", lambda: False)
    searched: list[int] = []
    search = batch._search_in_parts

    def counted(*args: Any) -> Any:
        searched.append(args[-1])
        return search(*args)

    monkeypatch.setattr(batch, "_search_in_parts", counted)
    texts = planted(600, seed=2)
    one = near_duplicates(texts, workers=1)
    for workers in (2, 3):  # this process and one or two forked ones
        many = near_duplicates(texts, workers=workers)
        assert np.array_equal(one.duplicate_of, many.duplicate_of)
        assert np.allclose(one.similarity, many.similarity, equal_nan=True)
        assert many.candidates == one.candidates
    assert searched == ([2, 3] if shared else [])


def test_verification_shares_balance_the_texts_they_involve() -> None:
    """Shares are consecutive runs of pairs, together every pair once, in order; a text
    in many pairs weighs less per pair, so that each share builds about as many sets.
    Here the first half of the pairs involves 2 texts and the second half 200: equal
    numbers of pairs would give one share 101 texts and the other 200."""
    pairs = np.array([(0, 1)] * 100 + [(2 + 2 * k, 3 + 2 * k) for k in range(100)], dtype=np.int64)

    class Here:  # runs every job in this process, recording the shares
        def __init__(self) -> None:
            self.shares: list[np.ndarray] = []

        def run(
            self, remote: object, local: Callable[..., Any], jobs: list[tuple[Any, ...]], put: Callable[..., None]
        ) -> None:
            for k, job in enumerate(jobs):
                self.shares.append(job[0])
                put(k, np.full(len(job[0]), float(k)))

    here = Here()
    sims = batch._verify_all([], pairs, BatchParams.of(), here, 2)  # type: ignore[arg-type]
    assert np.array_equal(np.concatenate(here.shares), pairs)
    texts = [len(np.unique(share)) for share in here.shares]
    assert len(texts) == 2 and max(texts) <= 120, texts
    assert sims.tolist() == [0.0] * len(here.shares[0]) + [1.0] * len(here.shares[1])


def test_shared_arrays_carry_what_a_forked_worker_writes() -> None:
    from newsclean import _forked

    assert _forked.forks()  # (this test runs where processes fork)
    array = _forked.shared_empty((6, 4), np.int64)
    array[:] = -1
    where: dict[int, str] = {}
    team = _forked.Team(1, array)
    try:
        # The worker writes its rows; this process only waits (so the worker gets most jobs).
        team.run(_write_row, _wait_here, [(row,) for row in range(6)], where.__setitem__)
    finally:
        team.shutdown()
    assert "pool" in where.values()
    for row, by in where.items():
        assert array[row].tolist() == ([row * 10 + col for col in range(4)] if by == "pool" else [-1] * 4)


def test_team_runs_each_job_once_and_lands_it_in_place() -> None:
    from newsclean import _forked

    team = _forked.Team(2, None)
    try:
        for n in (40, 1, 0, 7):  # one team, several runs: the claims start afresh each time
            got: dict[int, tuple[str, int]] = {}

            def put(k: int, result: tuple[str, int], got: dict[int, tuple[str, int]] = got) -> None:
                assert k not in got
                got[k] = result

            team.run(_where_and_square, lambda x: ("here", x * x), [(x,) for x in range(n)], put)
            assert sorted(got) == list(range(n))
            assert all(square == k * k for k, (_, square) in got.items())
            assert {where for where, _ in got.values()} <= {"here", "pool"}
    finally:
        team.shutdown()


def test_team_error_here_stops_the_run_and_leaves_the_team_usable() -> None:
    from newsclean import _forked

    def fail(x: int) -> tuple[str, int]:
        raise ValueError(f"job {x}")

    team = _forked.Team(1, None)
    try:
        with pytest.raises(ValueError, match="job"):
            # (The worker takes 10 ms a job, so that this process surely claims one: with
            # instant jobs, a worker could drain them all first, and nothing would fail.)
            team.run(_slow_square, fail, [(x,) for x in range(50)], lambda k, r: None)
        got: list[int] = []
        team.run(_where_and_square, lambda x: ("here", x * x), [(x,) for x in range(5)], lambda k, r: got.append(k))
        assert sorted(got) == list(range(5))
    finally:
        team.shutdown()


def test_team_error_in_a_worker_reaches_the_caller() -> None:
    from newsclean import _forked

    team = _forked.Team(1, None)
    try:
        with pytest.raises(ZeroDivisionError):
            # The worker claims job 0 (this process takes jobs from the back, a second's worth).
            team.run(_inverse, lambda x: time.sleep(0.2), [(0,)] + [(1,)] * 5, lambda k, r: None)
    finally:
        team.shutdown()


def test_team_lists_submitted_ahead_are_collected_in_full_and_in_place() -> None:
    """Up to ``depth`` lists in hand at once: the workers take them in order while this
    process collects an earlier one; each job runs once and lands at its index, whichever
    process ran it; a failed collect frees its list, and a list more than ``depth`` is refused."""
    from newsclean import _forked

    team = _forked.Team(1, None, depth=2)
    try:
        first = team.submit(_slow_square, [(x,) for x in range(30)])
        second = team.submit(_where_and_square, [(x,) for x in range(100, 140)])
        with pytest.raises(RuntimeError, match="collect one first"):
            team.submit(_where_and_square, [(1,)])
        for ticket, values in ((first, range(30)), (second, range(100, 140))):
            got: dict[int, tuple[str, int]] = {}
            team.collect(ticket, lambda x: ("here", x * x), got.__setitem__)
            assert {k: square for k, (_, square) in got.items()} == {k: x * x for k, x in enumerate(values)}
        assert {where for where, _ in got.values()} <= {"here", "pool"}

        def fail(x: int) -> tuple[str, int]:
            raise ValueError(f"job {x}")

        with pytest.raises(ValueError, match="job"):
            team.collect(team.submit(_slow_square, [(x,) for x in range(50)]), fail, lambda k, r: None)
        third, fourth = (team.submit(_where_and_square, [(x,) for x in range(5)]) for _ in range(2))
        for ticket in (third, fourth):
            done: dict[int, tuple[str, int]] = {}
            team.collect(ticket, lambda x: ("here", x * x), done.__setitem__)
            assert sorted(done) == list(range(5))
    finally:
        team.shutdown()


def _write_row(row: int) -> str:
    from newsclean import _forked

    _forked.inherited()[row] = np.arange(4) + row * 10
    return "pool"


def _wait_here(row: int) -> str:
    time.sleep(0.2)
    return "here"


def _slow_square(x: int) -> tuple[str, int]:
    time.sleep(0.01)
    return "pool", x * x


def _where_and_square(x: int) -> tuple[str, int]:
    return "pool", x * x


def _inverse(x: int) -> float:
    return 1 / x


def test_chunks_by_characters_decide_as_one_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    """Long texts make smaller chunks (to bound memory); the decisions do not change."""
    texts = planted(300, seed=3)
    whole = near_duplicates(texts, workers=1)
    monkeypatch.setattr(batch, "_CHUNK_CHARS", 2_000)
    assert len(batch._chunks(texts)) > 20
    assert all(b - a == 1 or sum(map(len, texts[a:b])) <= 2_000 for a, b in batch._chunks(texts))
    chunked = near_duplicates(texts, workers=1)
    assert np.array_equal(whole.duplicate_of, chunked.duplicate_of)
    assert np.allclose(whole.similarity, chunked.similarity, equal_nan=True)


def test_exact_copies_short_and_empty_texts() -> None:
    """A text shorter than a shingle is one shingle, the whole key (as in clean()); an
    empty text has none and repeats nothing."""
    texts = ["", "", "Hi", "Hi", "x" * 40, "x" * 40, "Hi!", "hi", "abcde", "ABCDE"]
    assert near_duplicates(texts).duplicate_of.tolist() == [-1, -1, -1, 2, -1, 4, -1, 2, -1, 8]
    assert near_duplicates(texts).duplicate_of.tolist() == reference(texts)


def test_options_are_checked() -> None:
    from newsclean import OptionsError

    with pytest.raises(OptionsError, match="power of two"):
        near_duplicates(["a"], num_perm=96)
    with pytest.raises(OptionsError, match="threshold"):
        near_duplicates(["a"], threshold=0)
    with pytest.raises(OptionsError, match="'first', 'longest' or one number per text, got 'last'"):
        near_duplicates(["a", "b"], keep="last")
    with pytest.raises(OptionsError, match="one number per text, got"):
        near_duplicates(["a", "b"], keep=["x", "y"])
    with pytest.raises(OptionsError, match=r"one number per text: 2 texts, got shape \(3,\)"):
        near_duplicates(["a", "b"], keep=[1, 2, 3])
    with pytest.raises(OptionsError, match="got NaN at 1"):
        near_duplicates(["a", "b"], keep=[1.0, float("nan")])
    for workers in (0, -1, True, 2.0):  # (clean_many refuses these too)
        with pytest.raises(OptionsError, match="workers must be an integer from 1 to 256"):
            near_duplicates(["a", "b"], workers=workers)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="a sequence of texts, not one str"):
        near_duplicates("one text, not a list")  # type: ignore[arg-type]
    assert issubclass(OptionsError, ValueError)  # (what callers caught before still catches it)


@settings(max_examples=40, deadline=None)
@given(st.integers(20, 400), st.floats(0.05, 0.95), st.integers(0, 2**32 - 1))
def test_oph_estimates_are_unbiased_and_in_range(size: int, jaccard: float, seed: int) -> None:
    """Over many seeds, the share of equal signature positions averages the true Jaccard."""
    rng = np.random.default_rng(seed)
    shared = int(round(2 * size * jaccard / (1 + jaccard)))
    own = size - shared
    universe = rng.choice(2**32, size=shared + 2 * own, replace=False).astype(np.uint32)
    a = universe[: shared + own]
    b = np.concatenate([universe[:shared], universe[shared + own :]])
    true = shared / (shared + 2 * own)
    estimates = []
    for s in range(60):
        mixed = fmix32(np.concatenate([a, b]) ^ np.uint32(s * 2654435761 % 2**32))
        owner = np.repeat([0, 1], [len(a), len(b)])
        sig = minhash.oph_signatures(mixed, owner, 2, 128)
        estimates.append(float(np.mean(sig[0] == sig[1])))
    assert all(0.0 <= e <= 1.0 for e in estimates)
    # The mean of 60 estimates has a standard error below 0.05 / sqrt(60) < 0.007.
    assert abs(np.mean(estimates) - true) < 0.035, (np.mean(estimates), true)


def test_oph_identical_sets_agree_everywhere() -> None:
    h = fmix32(np.arange(50, dtype=np.uint32))
    sig = minhash.oph_signatures(np.concatenate([h, h[::-1]]), np.repeat([0, 1], 50), 2, 128)
    assert np.array_equal(sig[0], sig[1])
    assert (sig != 0xFFFFFFFF).all()  # densified: no empty bin left


_NASTY = st.sampled_from(
    list(" \t\n\r\x00\x0b\x1c\x85\xa0\u2000\u2028\u3000\u200b\u00ad“”‘’—–ßẞİΣςﬁＡ&é") + ["e\u0301", "😀", "𝐀", "&amp;"]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(st.characters(), max_size=30) | st.lists(_NASTY, max_size=12).map("".join), max_size=8))
@example(["0", "0"])  # a separator between two word characters is not a space
@example(["a  b", "", "  c \t d  ", ""])  # runs of spaces, empty keys first, inside and last
def test_key_codes_are_the_keys_as_code_points(texts: list[str]) -> None:
    """The array path (casefold and key table by lookup, whitespace folded by masks) gives
    exactly the string path's keys (``key()``), for any text: astral characters, characters that
    casefold longer, every kind of space and separator, NUL inside a text."""
    codes, lengths = key_codes(texts)
    expected = [key(t.replace("\x00", "")) for t in texts]  # the string path, one text at a time
    assert keys(texts) == expected
    assert lengths.tolist() == [len(k) for k in expected]
    assert "".join(map(chr, codes.tolist())) == "".join(expected)
    assert codes.dtype == np.uint32


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.sets(st.integers(0, 60)), st.sets(st.integers(0, 60))), min_size=1, max_size=20))
def test_intersections_count_shared_hashes(pairs: list[tuple[set[int], set[int]]]) -> None:
    sets = [sorted(s) for pair in pairs for s in pair]
    offsets = np.concatenate([[0], np.cumsum([len(s) for s in sets])]).astype(np.int64)
    flat = np.array([h for s in sets for h in s], dtype=np.uint32)
    a = np.arange(0, 2 * len(pairs), 2, dtype=np.int64)
    got = jaccard.intersections(flat, offsets, a, a + 1)
    assert got.tolist() == [len(x & y) for x, y in pairs]


def test_keys_of_a_long_batch_are_made_in_slices(monkeypatch: pytest.MonkeyPatch) -> None:
    """keys() bounds its arrays by working through slices of the batch (a 100 MB
    document is one batch); the keys are the same."""
    import newsclean._text.normalize as normalize

    texts = [f"Ｐaragraph {i}  with “quotes” — and ß" * (i % 4) for i in range(60)]
    monkeypatch.setattr(normalize, "_KEYS_CHARS", 100)
    assert keys(texts) == [key(t) for t in texts]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(-(2**40), 2**40), max_size=50))
def test_unique_is_numpys(values: list[int]) -> None:
    from newsclean._similarity.arrays import unique

    a = np.array(values, dtype=np.int64)
    assert np.array_equal(unique(a), np.unique(a))
    assert np.array_equal(unique(a.reshape(-1, 1)), np.unique(a))  # flattened, as np.unique
    assert np.array_equal(unique(a.copy(), overwrite=True), np.unique(a))


@settings(max_examples=200, deadline=None)
@given(st.sets(st.integers(0, 200), max_size=40), st.sets(st.integers(0, 200), max_size=40))
def test_intersection_size_is_sets(a: set[int], b: set[int]) -> None:
    from newsclean._similarity.arrays import intersection_size

    arrays = [np.array(sorted(x), dtype=np.uint64) for x in (a, b)]
    assert intersection_size(*arrays) == len(a & b)


_FAULTS = """
import random, resource, sys
import newsclean._batch as batch
if sys.argv[1] == "plain":
    batch.reuse_large_blocks = lambda: None
rng = random.Random(5)
words = ["".join(rng.choice("abcdefghij") for _ in range(rng.randint(2, 9))) for _ in range(3000)]
texts = [" ".join(rng.choice(words) for _ in range(60)) for _ in range(12_000)]
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
batch.near_duplicates(texts, workers=1)
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def test_reuse_large_blocks_stops_refaulting_freed_temporaries() -> None:
    """On glibc, a first near_duplicates() of a process faulted its chunks' temporaries in
    afresh, chunk after chunk, until reuse_large_blocks() raised the mmap threshold."""
    import os
    import platform
    import subprocess
    import sys

    if platform.libc_ver()[0] != "glibc":
        pytest.skip("the fault counts are glibc's behaviour")
    # glibc's own defaults: a MALLOC_* variable in the environment (Dask's nanny sets
    # MALLOC_TRIM_THRESHOLD_ in the process that starts a cluster) fixes the thresholds.
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    faults = {
        how: int(
            subprocess.run(
                [sys.executable, "-c", _FAULTS, how], capture_output=True, text=True, check=True, env=env
            ).stdout
        )
        for how in ("plain", "reuse")
    }
    assert faults["reuse"] < faults["plain"] / 2, faults


def test_agreement_cut_only_filters_high_thresholds() -> None:
    assert lsh.agreement_cut(0.5, 128) <= 0  # below ~0.6 nothing is dropped
    assert 30 < lsh.agreement_cut(0.8, 128) < 50  # a pair at 0.8 agrees in ~103 of 128 bins
    assert lsh.agreement_cut(0.9, 128) > lsh.agreement_cut(0.8, 128)


def test_agreeing_drops_chance_pairs_and_keeps_what_it_cannot_judge() -> None:
    rng = np.random.default_rng(3)
    check = rng.integers(0, 256, (6, 128), dtype=np.uint8)
    check[1] = check[0]  # 0 and 1 agree everywhere
    check[3, :5] = check[2, :5]  # 2 and 3 share one band's bins, and chance agreement elsewhere
    check[5, :5] = check[4, :5]  # the same for 4 and 5, but 5 has few non-empty bins
    filled = np.array([128, 128, 120, 110, 128, 40])
    pairs = np.array([[0, 1], [2, 3], [4, 5]])
    kept = batch._agreeing(pairs, check, filled, BatchParams.of(threshold=0.8))
    assert kept.tolist() == [[0, 1], [4, 5]]
    assert (
        batch._agreeing(pairs, check, filled, BatchParams.of(threshold=0.5)).tolist() == pairs.tolist()
    )  # nothing at 0.5


@settings(max_examples=12, deadline=None)
@given(seed=st.integers(0, 10_000), threshold=st.sampled_from([0.6, 0.7, 0.8, 0.85, 0.9, 0.95]))
def test_agreement_check_never_changes_a_decision(seed: int, threshold: float) -> None:
    """The check drops candidate pairs, never a pair at or above the threshold: the decisions
    are those of verifying every pair LSH proposed."""
    texts = planted(300, seed)
    checked = near_duplicates(texts, threshold=threshold, workers=1)
    unchecked = _without_check(texts, threshold)
    assert np.array_equal(checked.duplicate_of, unchecked.duplicate_of)
    assert checked.candidates <= unchecked.candidates


def _without_check(texts: list[str], threshold: float) -> batch.NearDuplicates:
    original = batch._agreeing
    batch._agreeing = lambda pairs, *args: pairs
    try:
        return near_duplicates(texts, threshold=threshold, workers=1)
    finally:
        batch._agreeing = original
