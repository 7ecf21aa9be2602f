"""The vectorised shingles, sketches and bands against simple, obviously correct loops,
and against datasketch itself."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsclean import SketchMismatchError
from newsclean._similarity.config import SketchConfig
from newsclean._similarity.hashing import MULTIPLIERS, fmix64, shingle_hashes
from newsclean._similarity.jaccard import jaccard
from newsclean._similarity.lsh import (
    PER_BUCKET,
    RECALL,
    bucket_pairs,
    candidate_pairs,
    candidate_pairs_from_keys,
    choose_bands,
)
from newsclean._similarity.minhash import affine32_signatures, from_datasketch, to_datasketch

MASK64 = (1 << 64) - 1


def reference_char_shingles(key: str, size: int) -> set[int]:
    """One shingle at a time, in Python integers."""
    cps = [ord(c) for c in key]
    windows = [cps[i : i + size] for i in range(len(cps) - size + 1)] or ([cps] if cps else [])
    out = set()
    for w in windows:
        h = sum(c * int(MULTIPLIERS[j]) for j, c in enumerate(w)) & MASK64
        out.add(int(fmix64(np.array([h], dtype=np.uint64))[0]) >> 24)  # sets keep the top 40 bits
    return out


keys = st.lists(st.text(max_size=60), max_size=8)


@settings(max_examples=200, deadline=None)
@given(keys, st.integers(1, 8))
def test_char_shingles_equal_a_simple_loop(batch: list[str], size: int) -> None:
    hashes, offsets = shingle_hashes(batch, size)
    for i, key in enumerate(batch):
        mine = hashes[offsets[i] : offsets[i + 1]]
        assert list(mine) == sorted(mine)  # sorted, and
        assert len(set(mine.tolist())) == len(mine)  # unique
        assert set(mine.tolist()) == reference_char_shingles(key, size)


def test_word_shingles_are_sets_of_word_ngrams() -> None:
    hashes, offsets = shingle_hashes(["a b c d", "b c d a", "a b", ""], 2, kind="word")
    assert np.diff(offsets).tolist() == [3, 3, 1, 0]
    first, second = hashes[0:3], hashes[3:6]
    assert len(np.intersect1d(first, second)) == 2  # "b c", "c d"


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.text(min_size=5, max_size=80), min_size=1, max_size=6),
    st.sampled_from([16, 64, 128]),
    st.integers(0, 2**32 - 1),
)
def test_signatures_equal_datasketch_bit_for_bit(batch: list[str], num_perm: int, seed: int) -> None:
    from datasketch import MinHash

    params = SketchConfig(num_perm=num_perm, seed=seed)
    hashes, offsets = shingle_hashes(batch, 5)
    sigs = affine32_signatures(hashes, offsets, params)
    for i in range(len(batch)):
        theirs = MinHash(num_perm=num_perm, seed=seed, hashfunc=lambda v: v, scheme="affine32")
        for h in hashes[offsets[i] : offsets[i + 1]].tolist():
            theirs.update(h & 0xFFFFFFFF)  # the low 32 bits are the shingle's 32-bit hash
        assert theirs.hashvalues.dtype == np.uint32
        assert np.array_equal(sigs[i], theirs.hashvalues)


def test_signature_chunks_do_not_change_results(monkeypatch: pytest.MonkeyPatch) -> None:
    import newsclean._similarity.minhash as sketch

    batch = [f"paragraph number {i} " * (1 + i % 7) for i in range(300)]
    hashes, offsets = shingle_hashes(batch, 5)
    whole = affine32_signatures(hashes, offsets, SketchConfig())
    monkeypatch.setattr(sketch, "_CHUNK", 7)
    assert np.array_equal(whole, affine32_signatures(hashes, offsets, SketchConfig()))


def test_datasketch_round_trip_and_parameter_checks() -> None:
    params = SketchConfig(num_perm=64, seed=3)
    hashes, offsets = shingle_hashes(["the minister said on monday"], 5)
    sig = affine32_signatures(hashes, offsets, params)[0]
    m = to_datasketch(sig, params)
    assert np.array_equal(from_datasketch(m, params), sig)
    with pytest.raises(SketchMismatchError, match="seed: 4 != 3"):
        from_datasketch(m, SketchConfig(num_perm=64, seed=4))
    with pytest.raises(SketchMismatchError, match="num_perm"):
        params.check(SketchConfig(num_perm=128, seed=3))


def test_jaccard_is_exact() -> None:
    a = np.array([1, 2, 3, 4], dtype=np.uint64)
    b = np.array([3, 4, 5], dtype=np.uint64)
    assert jaccard(a, b) == 2 / 5
    assert jaccard(a, a) == 1.0
    empty = np.zeros(0, dtype=np.uint64)
    assert jaccard(a, empty) == jaccard(empty, empty) == 0.0  # (one rule: an empty set matches nothing)


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.lists(st.integers(0, 40), max_size=30), min_size=1, max_size=12),
    st.sampled_from([0.3, 0.5, 0.8, 1.0]),
)
def test_similar_pairs_of_a_few_sets_are_the_exact_ones(sets: list[list[int]], threshold: float) -> None:
    from newsclean._similarity.jaccard import similar_pairs

    # Hashes with repeats, compared on their top 56 bits (the low byte is noise).
    hashes = np.array([(v << 8) | (k % 256) for values in sets for k, v in enumerate(values)], dtype=np.uint64)
    owner = np.repeat(np.arange(len(sets)), [len(values) for values in sets])
    i, j, sims = similar_pairs(hashes, owner, len(sets), threshold)
    want = {}
    for x in range(len(sets)):
        for y in range(x + 1, len(sets)):
            a, b = set(sets[x]), set(sets[y])
            if a & b and len(a & b) / len(a | b) >= threshold:
                want[x, y] = len(a & b) / len(a | b)
    assert dict(zip(zip(i.tolist(), j.tolist()), sims.tolist())) == want


def test_empty_sets_never_look_alike_to_lsh() -> None:
    hashes, offsets = shingle_hashes(["", ""], 5)
    assert offsets.tolist() == [0, 0, 0]


def test_bands_meet_their_recall() -> None:
    for t in (0.5, 0.7, 0.8, 0.9, 0.95):
        b, r = choose_bands(t, 128, RECALL["paragraphs"])
        assert b * r <= 128
        assert 1 - (1 - t**r) ** b >= 0.999
        assert 1 - (1 - t ** (r + 1)) ** (128 // (r + 1)) < 0.999 or r == 128


def test_candidate_pairs_find_identical_and_similar_sets() -> None:
    base = "the association of south east asian nations will enhance cooperation"
    batch = [base, "completely unrelated text about football results", base + " today", base]
    hashes, offsets = shingle_hashes(batch, 5)
    sigs = affine32_signatures(hashes, offsets, SketchConfig())
    pairs = {tuple(p) for p in candidate_pairs(sigs, 25, 5).tolist()}
    assert {(0, 2), (0, 3), (2, 3)} <= pairs
    assert not any(1 in p for p in pairs)


def test_candidate_pairs_stay_linear_on_identical_input() -> None:
    n = 3000
    sigs = np.zeros((n, 128), dtype=np.uint32)  # one giant bucket in every band
    pairs = candidate_pairs(sigs, 25, 5)
    assert len(pairs) <= n * 2 * 8
    assert {(0, j) for j in range(1, n)} <= {tuple(p) for p in pairs.tolist()}


@settings(max_examples=150, deadline=None)
@given(
    st.integers(2, 300),
    st.integers(1, 6),
    st.integers(1, 5),
    st.integers(0, 2**32 - 1),
    st.sampled_from([0, 2, 7, 60]),
)
def test_candidate_search_in_parts_finds_the_whole(n: int, bands: int, parts: int, seed: int, values: int) -> None:
    """The parts of the search (one per process) make exactly the whole search's pairs,
    and leave the keys as they were. Keys drawn from few values (``values``) make big
    buckets (past PER_BUCKET) and many equal keys in one part."""
    rng = np.random.default_rng(seed)
    if values:
        keys = rng.choice(rng.integers(0, 2**64, values, dtype=np.uint64), size=(n, bands))
    else:
        keys = rng.integers(0, 2**64, (n, bands), dtype=np.uint64)
    kept = keys.copy()
    found = [candidate_pairs_from_keys(keys, (k, parts)) for k in range(parts)]
    assert np.array_equal(keys, kept)
    whole = candidate_pairs_from_keys(keys)
    union = np.unique(np.concatenate(found), axis=0) if found else np.zeros((0, 2), dtype=np.int64)
    assert union.tolist() == whole.tolist()
    assert len(whole) or not 0 < values < n  # (fewer values than texts: some pair shares a band)


def reference_pairs(keys: np.ndarray) -> set[tuple[int, int]]:
    """The candidate pairs of band keys ``(n, bands)``, one bucket at a time in Python: a
    bucket is the sets of one full 64-bit key, in input order; each member pairs with the
    ``PER_BUCKET`` before it and, past them, with the first ``PER_BUCKET``."""
    buckets: dict[int, list[int]] = {}
    for (i, _), key in np.ndenumerate(keys):
        buckets.setdefault(int(key), []).append(i)
    pairs = set()
    for members in buckets.values():
        for r, j in enumerate(members):
            for i in members[max(0, r - PER_BUCKET) : r] + (members[:PER_BUCKET] if r > PER_BUCKET else []):
                if i != j:
                    pairs.add((min(i, j), max(i, j)))
    return pairs


def _near_keys(rng: np.random.Generator, n: int, bands: int, values: int) -> np.ndarray:
    """Band keys from ``values`` distinct keys that share their top 32 bits and differ
    only in low bits: every pair of them collides once keys are cut to their top bits."""
    top = rng.integers(0, 2**32, dtype=np.uint64) << np.uint64(32)
    low = rng.choice(np.arange(1, 2**12, dtype=np.uint64), size=values, replace=False)
    return rng.choice(top | low, size=(n, bands))


@settings(max_examples=150, deadline=None)
@given(st.integers(2, 200), st.integers(1, 6), st.integers(1, 12), st.integers(0, 2**32 - 1), st.booleans())
def test_buckets_are_runs_of_equal_full_keys(n: int, bands: int, values: int, seed: int, near: bool) -> None:
    """The search's pairs are those of one bucket per full 64-bit key, even when many
    distinct keys agree in all but their low bits."""
    rng = np.random.default_rng(seed)
    if near:
        keys = _near_keys(rng, n, bands, values)
    else:
        keys = rng.choice(rng.integers(0, 2**64, values, dtype=np.uint64), size=(n, bands))
    expected = reference_pairs(keys)
    assert {tuple(p) for p in candidate_pairs_from_keys(keys.copy()).tolist()} == expected
    for parts in (2, 3):
        found = np.concatenate([candidate_pairs_from_keys(keys, (k, parts)) for k in range(parts)])
        assert {tuple(p) for p in found.tolist()} == expected


@settings(max_examples=100, deadline=None)
@given(st.integers(2, 60), st.integers(0, 3000), st.integers(1, 4), st.integers(0, 2**32 - 1))
def test_a_bucket_does_not_depend_on_the_batch_around_it(m: int, others: int, bands: int, seed: int) -> None:
    """A small batch embedded among many other texts (whose keys differ from its keys only
    in their low bits, where the batch size once cut them) gives the same pairs."""
    rng = np.random.default_rng(seed)
    small = _near_keys(rng, m, bands, 5)
    values = np.unique(small)
    other = values[rng.integers(0, len(values), (others, bands))] ^ rng.integers(
        1, 2**20, (others, bands), dtype=np.uint64
    )
    other[np.isin(other, values)] ^= np.uint64(1 << 40)  # (never one of the small batch's keys)
    where = np.sort(rng.choice(m + others, size=m, replace=False))
    big = np.empty((m + others, bands), dtype=np.uint64)
    rest = np.ones(m + others, dtype=bool)
    rest[where] = False
    big[where], big[rest] = small, other
    alone = {(int(where[i]), int(where[j])) for i, j in candidate_pairs_from_keys(small.copy()).tolist()}
    among = {(i, j) for i, j in candidate_pairs_from_keys(big).tolist() if not (rest[i] or rest[j])}
    assert among == alone
    assert alone == {(int(where[i]), int(where[j])) for i, j in reference_pairs(small)}


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 150), st.integers(1, 10), st.integers(1, 6), st.integers(0, 2**32 - 1))
def test_bucket_pairs_of_any_split_of_whole_buckets_make_the_whole(n: int, values: int, groups: int, seed: int) -> None:
    """Entries split into groups, each bucket whole in one group (as an engine shuffles
    them by key), in any order: the pairs of the groups together are the pairs of all."""
    rng = np.random.default_rng(seed)
    pool = rng.integers(0, 2**64, values, dtype=np.uint64)
    keys = rng.choice(pool, size=n)
    order = rng.permutation(n * 3)[:n].astype(np.int64)  # (unique, with gaps)
    a, b = bucket_pairs(keys, order)
    assert bool((a < b).all())
    whole = sorted(zip(a.tolist(), b.tolist()))
    group_of = rng.integers(0, groups, values)[np.searchsorted(np.sort(pool), keys)] if n else np.zeros(0, int)
    found = []
    for g in range(groups):
        mine = rng.permutation(np.flatnonzero(group_of == g))
        ga, gb = bucket_pairs(keys[mine], order[mine])
        found += zip(ga.tolist(), gb.tolist())
    assert sorted(found) == whole


_WORDY = st.text(st.sampled_from(list("ab é\u3000\t\n\u00a0😀xyz")), max_size=40)


@settings(max_examples=300, deadline=None)
@given(st.lists(_WORDY, max_size=6))
def test_word_hashes_are_the_words_of_str_split(keys: list[str]) -> None:
    """One hash per word as ``str.split()`` finds them, the same for the same word and
    different for different words (of this small alphabet: no collision is expected)."""
    from newsclean._similarity.hashing import _word_hashes

    units, per_key = _word_hashes(keys)
    words = [w for k in keys for w in k.split()]
    assert per_key.tolist() == [len(k.split()) for k in keys]
    assert len(units) == len(words)
    by_word: dict[str, set[int]] = {}
    for w, h in zip(words, units.tolist()):
        by_word.setdefault(w, set()).add(h)
    assert all(len(hs) == 1 for hs in by_word.values())
    assert len({h for hs in by_word.values() for h in hs}) == len(by_word)


def _densified_one_bin_at_a_time(bins: np.ndarray) -> np.ndarray:
    """Optimal densification as written: each empty bin of a non-empty row copies the
    first filled bin of its probe sequence."""
    from newsclean._similarity.minhash import EMPTY, _probe

    out = bins.copy()
    num_perm = bins.shape[1]
    for r in range(bins.shape[0]):
        if (bins[r] == EMPTY).all():
            continue
        for j in np.flatnonzero(bins[r] == EMPTY).tolist():
            attempt = 1
            while bins[r, (f := int(_probe(np.array([j]), attempt, num_perm)[0]))] == EMPTY:
                attempt += 1
            out[r, j] = bins[r, f]
    return out


@pytest.mark.parametrize("meeting_attempts", [8, 1])  # (1: most bins go on probing past the table)
def test_densify_of_sparse_and_dense_rows_is_the_probing(
    monkeypatch: pytest.MonkeyPatch, meeting_attempts: int
) -> None:
    """Rows with few filled bins (short texts) are densified from the table of first
    meetings: the same values as probing bin by bin, also where the table runs out."""
    from newsclean._similarity import minhash

    monkeypatch.setattr(minhash, "_MEETING_ATTEMPTS", meeting_attempts)
    minhash._first_meetings.cache_clear()
    rng = np.random.default_rng(11)
    try:
        for num_perm in (16, 64):
            sizes = np.concatenate([rng.integers(0, 4, 20), rng.integers(20, 200, 10)])
            owner = np.repeat(np.arange(len(sizes)), sizes)
            h = rng.integers(0, 2**32 - 1, len(owner), dtype=np.uint64).astype(np.uint32)
            bins = minhash.oph_bins(h, owner, len(sizes), num_perm)
            got, counts = minhash.densify(bins)
            assert np.array_equal(got, _densified_one_bin_at_a_time(bins))
            assert counts.tolist() == np.count_nonzero(bins != minhash.EMPTY, axis=1).tolist()
    finally:
        minhash._first_meetings.cache_clear()


# -- words of the scripts written without spaces ---------------------------------------------

_MIXED = (
    list("ab 1.")
    + list("新华社电上涨国")
    + list("ปลาไม่")
    + ["\u0e34", "\u0e49", "\u0301", "ア", "ー", "ກ", "ខ", "က", "ひ"]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from(_MIXED), max_size=16), min_size=1, max_size=6))
def test_unspaced_letters_are_words_as_the_plain_reference_cuts_them(batch: list[str]) -> None:
    """The array path (a batch of keys at once) gives each key the words that a plain
    regex reading gives (``unspaced_words``), hashed as words are: marks stay with their
    letter, runs of other characters are one word, keys never share a word."""
    from newsclean._similarity.hashing import shingle_units, unspaced_words, word_units_of_codes
    from newsclean._text.normalize import key_codes, keys

    units, counts = word_units_of_codes(*key_codes(batch), unspaced_letters=True)
    plain, plain_counts = shingle_units([" ".join(unspaced_words(k)) for k in keys(batch)], "word")
    assert counts.tolist() == plain_counts.tolist()
    assert units.tolist() == plain.tolist()


ZH = [
    "国家统计局8日发布数据显示，5月份全国居民消费价格同比上涨0.2%，环比下降0.1%。",
    "其中，城市上涨0.2%，农村上涨0.1%；食品价格下降2.1%，非食品价格上涨0.7%。",
    "国家统计局城市司首席统计师表示，5月份受节日因素消退、市场供应充足等影响，全国消费市场运行总体平稳。",
    "从同比看，能源价格涨幅回落，服务价格保持稳定，扣除食品和能源价格的核心物价指数同比上涨0.6%。",
]
JA = [
    "政府は8日、5月の消費者物価指数が前年同月比で0.2%上昇したと発表した。",
    "食品価格は下落したが、エネルギー価格の伸びは鈍化し、サービス価格は安定した。",
    "担当者は、市場の供給は十分で、消費は全体として堅調に推移していると述べた。",
]


@pytest.mark.parametrize("paragraphs", [ZH, JA], ids=["Chinese", "Japanese"])
def test_a_copy_in_a_script_without_spaces_matches_with_default_words(paragraphs: list[str]) -> None:
    """Another site's copy (a header, a footer, a few characters changed) of a Chinese or
    Japanese story is found with the default parameters; cut at spaces only, where a
    paragraph is one word, a changed character changes every shingle it is in."""
    from newsclean import DedupIndex

    story = "\n".join(paragraphs)
    copy = "本网讯\n" + "\n".join(p.replace("5月", "五月") for p in paragraphs) + "\n（责任编辑：王明）"
    other = "\n".join(ZH[::-1] if paragraphs is JA else JA)
    found = DedupIndex()
    assert [r.new for r in found.add_many([story, copy, other], ["a", "b", "c"])] == [True, False, True]
    assert found.query(copy).duplicate_of == "a"
    spaces = DedupIndex(words="spaces")
    assert [r.new for r in spaces.add_many([story, copy, other], ["a", "b", "c"])] == [True, True, True]


def test_an_index_of_words_cut_at_spaces_keeps_them(tmp_path) -> None:
    """Indexes made before newsclean 0.3 cut words at spaces and their headers do not
    name it: such a header is that of IndexParams(words="spaces"), read back as such, and
    an index file of it keeps that cut when opened with parameters that leave it at its
    default (as a program of before opens it); a fingerprint of the other cut is refused."""
    from newsclean import DedupIndex, IndexParams

    old = IndexParams(words="spaces")
    assert "words" not in old.header() and IndexParams().header()["words"] == "unspaced-letters"
    assert IndexParams.from_header(old.header(), "an old index") == old
    IndexParams().check(old.header(), "an old index")  # (the default: read as the old cut)
    with pytest.raises(SketchMismatchError, match="threshold: 0.4 != 0.5"):
        IndexParams(threshold=0.5).check(old.header(), "an old index")
    story, copy = "\n".join(ZH), "本网讯\n" + "\n".join(p.replace("5月", "五月") for p in ZH)
    made = DedupIndex(old, path=tmp_path / "old.nci")
    made.add(story, id="a")
    made.close()
    again = DedupIndex.load(tmp_path / "old.nci", IndexParams())
    assert again.params.words == "spaces" and again.add(copy, id="b").new  # (decided as it was made)
    with pytest.raises(SketchMismatchError, match="words"):
        again.add_fingerprints(DedupIndex().fingerprint([copy]), ["c"])
