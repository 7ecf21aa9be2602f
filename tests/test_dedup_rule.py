"""The rule that decides whether two documents are one story, and that it decides the same
however documents are batched or what the index holds besides."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsclean import DedupIndex, IndexParams
from newsclean._similarity.lsh import _bin_counts, chance_ok_raw_bins
from newsclean.index._fingerprint import minhash_of_sets

from .republish import corpus

DOCS = corpus(60, seed=11)


def test_the_rule_on_set_sizes() -> None:
    p = IndexParams()
    assert p.matches(40, 100, 100) is False  # Jaccard 0.25
    assert p.matches(58, 100, 100) is True  # Jaccard 0.41
    assert p.matches(0, 0, 0) is False  # empty bodies never match
    q = IndexParams(containment=0.8, min_ratio=0.5)
    assert p.matches(80, 100, 199) is False  # Jaccard 0.37
    assert q.matches(80, 100, 199) is True  # ... but 80% of a body inside one twice as long
    assert q.matches(80, 100, 250) is False  # ... not a brief inside a long story
    assert q.floor < p.floor == p.threshold


def test_a_republication_with_site_chrome_and_another_credit_is_one_story() -> None:
    story = [
        "The central bank kept its policy rate at 4.5 percent on Tuesday, citing risks to growth from weak exports.",
        "Governor Le Minh Hung said inflation had eased to 3.1 percent in the year to May, within the target.",
        "Analysts had expected a cut of a quarter point after three months of falling factory orders in the north.",
        "The bank said it would watch food prices closely as the rainy season began across the Mekong Delta.",
    ]
    original = "HANOI (VNA) — " + "\n".join(story) + "-VNA"
    copy = (
        "Home | Business | Markets\n"
        + "Hanoi, June 8 (Xinhua) -- "
        + "\n\n".join(story[:3]).replace("4.5 percent", "4.5 per cent")
        + "\nFollow us for more business news. Subscribe to our newsletter."
    )
    index = DedupIndex()
    assert index.add(original, id="vna").new
    assert index.add(copy, id="xinhua").duplicate_of == "vna"


def test_follow_ups_and_shared_quotes_stay_apart() -> None:
    story = [d for d in DOCS if d.kind == "original"]
    index = DedupIndex()
    for d in story:
        index.add(d.text, id=d.id)
    for d in DOCS:
        if d.kind in ("follow_up", "shared_quote"):
            assert index.query(d.text).new, d.kind


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(1, len(DOCS) - 1), max_size=6, unique=True))
def test_batches_decide_as_one_pass(cuts: list[int]) -> None:
    texts, ids = [d.text for d in DOCS], [d.id for d in DOCS]
    whole = DedupIndex().add_many(texts, ids)
    index = DedupIndex()
    bounds = [0, *sorted(cuts), len(DOCS)]
    parts = [index.add_many(texts[a:b], ids[a:b]) for a, b in zip(bounds, bounds[1:])]
    assert [r for part in parts for r in part] == whole


def test_a_decision_depends_on_the_two_documents_only() -> None:
    # What else the index holds (unrelated stories before, in the same batch or not)
    # changes nothing about whether a copy matches its original, nor its similarity.
    original = next(d for d in DOCS if d.kind == "original")
    copy = next(d for d in DOCS if d.story == original.story and d.kind != "original")
    alone = DedupIndex()
    alone.add(original.text, id="o")
    expected = alone.add(copy.text, id="c")
    crowded = DedupIndex()
    others = [d for d in DOCS if d.story != original.story]
    crowded.add_many([d.text for d in others], [d.id for d in others])
    crowded.add(original.text, id="o")
    assert crowded.add(copy.text, id="c") == expected


def test_a_repeated_id_is_a_repeat_or_an_update() -> None:
    index = DedupIndex()
    text = DOCS[0].text
    assert index.add(text, id="a").status == "new"
    assert index.add(text, id="a").status == "repeat"
    changed = index.add(text + " A correction was appended to this story on Wednesday afternoon.", id="a")
    assert changed.status == "update" and changed.new and len(index) == 1
    other = next(d for d in DOCS if d.kind == "original" and d.text != text)
    assert index.add(other.text, id="b").status == "new"


@settings(max_examples=40, deadline=None)
@given(st.integers(60, 400), st.floats(0.45, 1.0), st.integers(0, 2**31))
def test_the_chance_check_keeps_pairs_above_the_floor(size: int, similarity: float, seed: int) -> None:
    # Two sets of ``size`` hashes sharing enough of them for the given Jaccard similarity:
    # the check (run before exact verification) must never drop them.
    rng = np.random.default_rng(seed)
    shared = round(2 * size * similarity / (1 + similarity))
    pool = rng.choice(2**32 - 1, size=2 * size, replace=False).astype(np.uint32)
    a = np.sort(pool[:size])
    b = np.sort(np.concatenate([pool[:shared], pool[size : 2 * size - shared]]))
    params = IndexParams()
    sets = np.concatenate([a, b])
    owner = np.repeat(np.arange(2), [len(a), len(b)])
    checks = minhash_of_sets(sets, owner, 2, params)[1]
    assert chance_ok_raw_bins(checks[:1], checks[1:], params.floor).tolist() == [True]
    half = checks[:, : checks.shape[1] // 2]  # (the index checks on half the bins first)
    assert chance_ok_raw_bins(half[:1], half[1:], params.floor).tolist() == [True]


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 40), st.sampled_from([8, 16, 64, 128, 256, 12]), st.floats(0, 1), st.integers(0, 2**31))
def test_bin_counts_by_words_equal_the_bytewise_counts(rows: int, width: int, empty: float, seed: int) -> None:
    # A check byte is 0 (an empty bin) or odd; counted eight bins at a time as the bytes of
    # a word, the counts must equal the plain per-byte ones. Bytes near the carries (1,
    # 0x7F, 0x81, 0xFF) come often, and pairs agree often.
    rng = np.random.default_rng(seed)
    odd = (rng.integers(0, 128, size=(rows, width)) * 2 + 1).astype(np.uint8)
    edges = rng.choice(np.array([1, 0x7F, 0x81, 0xFF], dtype=np.uint8), size=(rows, width))
    a = np.where(rng.random((rows, width)) < 0.5, edges, odd)
    b = np.where(rng.random((rows, width)) < 0.6, a, odd[::-1]).astype(np.uint8)
    a[rng.random((rows, width)) < empty] = 0
    b[rng.random((rows, width)) < empty] = 0
    either, agree = _bin_counts(a, b)
    assert either.tolist() == np.count_nonzero((a != 0) | (b != 0), axis=1).tolist()
    assert agree.tolist() == np.count_nonzero((a == b) & (a != 0), axis=1).tolist()


def test_the_chance_check_drops_unrelated_pairs() -> None:
    rng = np.random.default_rng(5)
    params = IndexParams()
    dropped = 0
    for _ in range(200):
        pool = rng.choice(2**32 - 1, size=460, replace=False).astype(np.uint32)
        a, b = np.sort(pool[:230]), np.sort(np.concatenate([pool[:20], pool[250:460]]))  # Jaccard 0.05
        owner = np.repeat(np.arange(2), [230, 230])
        checks = minhash_of_sets(np.concatenate([a, b]), owner, 2, params)[1]
        dropped += not chance_ok_raw_bins(checks[:1], checks[1:], params.floor)[0]
    assert dropped >= 190


@pytest.mark.parametrize("bad", [{"threshold": 0}, {"containment": 1.5}, {"num_perm": 100}, {"min_ratio": "x"}])
def test_bad_rule_parameters_are_options_errors(bad: dict[str, object]) -> None:
    from newsclean import OptionsError

    with pytest.raises(OptionsError):
        IndexParams(**bad)  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.text(alphabet=st.sampled_from("ab xé\t\n\u00a0\u3000\U0001d400ß\u0301"), max_size=12), max_size=6),
    st.sampled_from([1, 2, 5, 1 << 20]),
)
def test_word_units_from_code_points_are_the_word_hashes_of_the_keys(texts: list[str], piece: int) -> None:
    # (Spaces of every kind, runs of them, empty keys, a character outside the BMP, one
    # that casefolds longer and a combining mark: the keys' words, however they came; and
    # hashed a piece of some characters at a time, as a long key is, words across pieces.)
    from newsclean._similarity import hashing
    from newsclean._similarity.hashing import shingle_units, word_units_of_codes
    from newsclean._text.normalize import key_codes, keys

    default, hashing._WORD_PIECE_CHARS = hashing._WORD_PIECE_CHARS, piece
    try:
        units, counts = word_units_of_codes(*key_codes(texts))
    finally:
        hashing._WORD_PIECE_CHARS = default
    expected_units, expected_counts = shingle_units(keys(texts), "word")
    assert units.tolist() == expected_units.tolist() and counts.tolist() == expected_counts.tolist()


def test_fingerprints_of_a_long_batch_are_made_in_slices(monkeypatch: pytest.MonkeyPatch) -> None:
    # A batch's keys and word hashes are made a slice of the text at a time (a 100 MB
    # document is one batch): the fingerprints are those of the batch made in one go.
    import newsclean._text.normalize as normalize
    from newsclean.index._fingerprint import sketch

    bodies = [[f"Ｐaragraph {i} of story {j}, with “quotes” — and ß" for i in range(j % 5)] for j in range(40)]
    whole = sketch(bodies, IndexParams())
    monkeypatch.setattr(normalize, "_KEYS_CHARS", 100)
    sliced = sketch(bodies, IndexParams())
    for name in ("sets", "offsets", "bands", "checks"):
        assert np.array_equal(getattr(whole, name), getattr(sliced, name)), name
    assert whole.digests == sliced.digests and whole.paragraphs == sliced.paragraphs


def test_buckets_bigger_than_the_cap_decide_as_one_pass() -> None:
    # Hundreds of different stories carrying one long site footer share many buckets (more
    # members than PER_BUCKET): batches of any size still decide as one pass, and the
    # footer alone never makes two stories one.
    from newsclean.index._decide import PER_BUCKET

    footer = " ".join(d.text.split("\n")[0] for d in corpus(40, seed=99)[:3])
    stories = [d for d in corpus(600, seed=12) if d.kind == "original"]
    assert len(stories) > 2 * PER_BUCKET
    texts = [f"{d.text}\n{footer}" for d in stories]
    ids = [str(n) for n in range(len(texts))]
    whole = DedupIndex().add_many(texts, ids)
    assert sum(r.new for r in whole) == len({d.story for d in stories})
    for size in (7, 100):
        index = DedupIndex()
        assert [
            r for a in range(0, len(texts), size) for r in index.add_many(texts[a : a + size], ids[a : a + size])
        ] == whole
