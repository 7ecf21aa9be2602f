"""The cross-document index in memory: decisions, quality, persistence, parameters."""

from __future__ import annotations

import json
import os
import zipfile
from collections import Counter
from pathlib import Path

import pytest

from newsclean import DedupIndex, IndexFileError, IndexParams, OptionsError, SketchMismatchError, clean

from .republish import Doc, corpus


def shingle_set(text: str, params: IndexParams) -> set[tuple[str, ...]]:
    from newsclean._text.layout import split
    from newsclean._text.normalize import key

    words = " ".join(key(p.text) for p in split(clean(text).text)).split()
    n = params.shingle_size
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)} or ({tuple(words)} if words else set())


def reference(docs: list[Doc], params: IndexParams) -> list[str | None]:
    """All pairs, Python sets of word n-grams, first added wins."""
    kept: list[tuple[str, set[tuple[str, ...]]]] = []
    out = []
    for d in docs:
        mine = shingle_set(d.text, params)
        best = None
        for doc_id, theirs in kept:
            if mine and theirs:
                s = len(mine & theirs) / len(mine | theirs)
                if s >= params.threshold and (best is None or s > best[1]):
                    best = (doc_id, s)
        out.append(best[0] if best else None)
        if best is None:
            kept.append((d.id, mine))
    return out


@pytest.fixture(scope="module")
def docs() -> list[Doc]:
    return corpus()


def test_planted_republications_are_near_duplicates_of_their_original(docs: list[Doc]) -> None:
    params = IndexParams()
    originals = {d.story: shingle_set(d.text, params) for d in docs if d.kind == "original"}
    for d in docs:
        if d.kind not in ("original", "follow_up", "shared_quote", "same_site"):
            mine, theirs = shingle_set(d.text, params), originals[d.story]
            assert len(mine & theirs) / len(mine | theirs) >= params.threshold, d.id


def test_precision_and_recall_on_planted_republications(docs: list[Doc]) -> None:
    index = DedupIndex()
    results = index.add_many([d.text for d in docs], [d.id for d in docs])
    story = {d.id: d.story for d in docs}
    first_of_story: dict[int, str] = {}
    tp = fp = fn = 0
    for d, r in zip(docs, results):
        truly_duplicate = d.story in first_of_story
        first_of_story.setdefault(d.story, d.id)
        if r.new:
            fn += truly_duplicate
        elif story[r.duplicate_of] == d.story:
            tp += 1
        else:
            fp += 1
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    assert precision == 1.0, (tp, fp)
    assert recall >= 0.99, (tp, fn)
    assert len(index) == len({d.story for d in docs})
    kinds = Counter(d.kind for d, r in zip(docs, results) if not r.new)
    assert not {"follow_up", "shared_quote", "same_site"} & set(kinds)


def test_reference_agrees_on_a_small_set(docs: list[Doc]) -> None:
    small = docs[:120]
    params = IndexParams()
    results = DedupIndex(params).add_many([d.text for d in small], [d.id for d in small])
    assert [r.duplicate_of for r in results] == reference(small, params)


def test_add_query_remove_len_contains() -> None:
    story = "\n".join(
        ["The central bank kept its policy rate unchanged on Tuesday, citing risks to growth."] * 1
        + ["Analysts had expected the decision after inflation slowed for a third month in a row."]
    )
    index = DedupIndex()
    first = index.add(story, id="a")
    assert (first.id, first.new, first.duplicate_of, first.similarity) == ("a", True, None, None)
    assert index.query("HANOI (VNA) — " + story).duplicate_of == "a"
    assert len(index) == 1 and "a" in index and "b" not in index
    assert index.add(story, id="a").duplicate_of == "a"  # an id is a key: re-adding is a no-op
    dup = index.add(story + "-VNA", id="b")
    assert (dup.new, dup.duplicate_of, dup.similarity) == (False, "a", 1.0)
    index.remove("a")
    assert len(index) == 0 and "a" not in index
    assert index.add(story, id="c").new
    with pytest.raises(KeyError):
        index.remove("a")


def test_documents_without_ids_are_named_by_their_text() -> None:
    """Named by content, not by their order: the same text is a repeat in any index, in
    any run, and an unnamed document never takes (and updates) the id another was given."""
    from newsclean._tables import doc_id

    rice = "One story about rice exports rising sharply this year in the delta."
    football = "Another story entirely, about football results on Sunday night in the city."
    index = DedupIndex()
    assert index.add(football, id="0").new
    results = index.add_many([rice, rice, "HANOI (VNA) — " + rice, football])
    assert [(r.id, r.status, r.duplicate_of) for r in results] == [
        (doc_id(None, rice), "new", None),
        (doc_id(None, rice), "repeat", doc_id(None, rice)),
        (doc_id(None, "HANOI (VNA) — " + rice), "duplicate", doc_id(None, rice)),
        (doc_id(None, football), "duplicate", "0"),
    ]
    assert results[0].id.startswith("text:") and len(index) == 2
    again = DedupIndex()  # (another run: the same names)
    assert again.add(rice).id == results[0].id
    # Fingerprints without ids are named by their story body.
    prints = again.fingerprint([football, "KYIV (Reuters) - " + football])
    added = again.add_fingerprints(prints)
    assert added[0].id == "body:" + prints[0].digest and added[1].status == "repeat"


def test_empty_documents_never_match() -> None:
    index = DedupIndex()
    assert index.add("", id="a").new and index.add("", id="b").new


def test_boilerplate_is_learned_and_removed_by_clean() -> None:
    index = DedupIndex(boilerplate_min_docs=3)
    footer = "Follow us on Facebook and X for the latest news from the region."
    stories = [
        "The port handled a record number of containers in May as exporters rushed to beat new tariffs.",
        "Farmers in the delta planted a drought-tolerant rice variety on a third of the land this season.",
        "The city council approved a plan to build two bridges and widen the ring road by 2030.",
    ]
    for n, story in enumerate(stories):  # (stories of one site share its footer: not copies)
        assert index.add(f"{story} It said more later.\n{footer}", id=str(n)).new
    assert index.is_boilerplate(footer)
    result = clean(f"A brand new story about the harvest in the north.\n{footer}", index=index)
    assert result.text == "A brand new story about the harvest in the north.\n"
    assert [(r.rule, r.step, r.duplicate_of) for r in result.removed] == [("boilerplate", "boilerplate", None)]


@pytest.mark.parametrize("asked_first", [False, True])
def test_boilerplate_counts_follow_removals_updates_expiry_and_files(tmp_path: Path, asked_first: bool) -> None:
    """The paragraph counts are the kept documents' whether the index was asked about
    boilerplate from the start (counts kept up to date) or only at the end (counted then)."""
    footer = "Follow us on Facebook and X for the latest news from the region."
    masthead = "Read the morning edition of the Delta Herald before eight every weekday."
    stories = [  # (long enough that the site's chrome does not make them copies)
        "The port handled a record number of containers in May as exporters rushed to beat new tariffs. "
        "Two new cranes arrived from Shanghai last week and will start work in the autumn.",
        "Farmers in the delta planted a drought-tolerant rice variety on a third of the land this season. "
        "Seed companies said orders for next year had already doubled since the spring.",
        "The city council approved a plan to build two bridges and widen the ring road by 2030. "
        "Residents along the route will be offered new homes closer to the river park.",
        "A heat wave pushed power demand in the south to a new high on Tuesday, the grid operator said. "
        "Factories were asked to move their heaviest shifts to the night until the weekend.",
    ]
    index = DedupIndex(boilerplate_min_docs=3)
    if asked_first:
        assert not index.is_boilerplate(footer)  # (from here on, the counts are kept up to date)
    for n, story in enumerate(stories):
        assert index.add(f"{masthead}\n{story}\n{footer}", id=str(n), now=1_000.0 + n).new
    assert index.add(stories[0], id="0", now=2_000.0).status == "update"  # (without the chrome)
    index.remove("1")
    assert index.is_boilerplate(footer) is False and index.is_boilerplate(masthead) is False  # 2 documents each
    index.add(f"{masthead}\nA new story on the price of coffee beans in the highlands this year.", id="9", now=2_000.0)
    assert index.is_boilerplate(masthead) and not index.is_boilerplate(footer)
    hashes = index.boilerplate_hashes()
    assert len(hashes) == 1
    path = tmp_path / "index.nci"
    index.save(path)
    assert DedupIndex.load(path).boilerplate_hashes() == hashes
    assert index.expire(500.0, now=2_001.5) == ["2", "3"]  # (first seen at 1,002 and 1,003)
    assert not index.is_boilerplate(masthead) and index.boilerplate_hashes() == frozenset()


def test_save_and_load_round_trip(tmp_path: Path, docs: list[Doc]) -> None:
    index = DedupIndex(threshold=0.75)
    index.add_many([d.text for d in docs[:100]], [d.id for d in docs[:100]])
    path = tmp_path / "index.nci"
    index.save(path)
    loaded = DedupIndex.load(path)
    assert loaded.params == index.params and len(loaded) == len(index)
    rest = docs[100:]
    assert [r.duplicate_of for r in loaded.add_many([d.text for d in rest], [d.id for d in rest])] == [
        r.duplicate_of for r in index.add_many([d.text for d in rest], [d.id for d in rest])
    ]


def test_save_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "index.nci"
    index = DedupIndex()
    index.add("The first version of the index holds this one story about rice.", id="a")
    index.save(path)
    before = path.read_bytes()
    index.add("A second story, about football results on Sunday night.", id="b")

    def crash(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", crash)
    with pytest.raises(OSError, match="disk full"):
        index.save(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["index.nci"]  # no temporary file left


def test_save_names_the_path_it_was_given_and_follows_a_link(tmp_path: Path) -> None:
    index = DedupIndex()
    index.add("A story about rice exports rising sharply this year in the delta.", id="a")
    with pytest.raises(FileNotFoundError) as missing:
        index.save(tmp_path / "nodir" / "x.nci")
    assert missing.value.filename == str(tmp_path / "nodir" / "x.nci")  # (not a temporary file's name)
    with pytest.raises(IsADirectoryError):
        index.save(tmp_path)
    real, link = tmp_path / "real.nci", tmp_path / "link.nci"
    link.symlink_to(real.name)
    index.save(link)
    assert link.is_symlink() and len(DedupIndex.load(real)) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.nci", "real.nci"]


def test_truncated_and_corrupt_files_are_clear_errors(tmp_path: Path) -> None:
    path = tmp_path / "index.nci"
    index = DedupIndex()
    index.add("A story about rice exports rising sharply this year in the delta.", id="a")
    index.save(path)
    data = path.read_bytes()
    (tmp_path / "cut.nci").write_bytes(data[: len(data) // 2])
    with pytest.raises(IndexFileError, match="cut.nci: not a readable newsclean index"):
        DedupIndex.load(tmp_path / "cut.nci")
    flipped = bytearray(data)
    at = data.index(b"NUMPY") + 200  # inside an array's bytes
    flipped[at] ^= 0xFF
    (tmp_path / "flip.nci").write_bytes(bytes(flipped))
    with pytest.raises(IndexFileError, match="flip.nci"):
        DedupIndex.load(tmp_path / "flip.nci")
    (tmp_path / "text.nci").write_text("hello")
    with pytest.raises(IndexFileError):
        DedupIndex.load(tmp_path / "text.nci")
    with pytest.raises(IndexFileError, match="is a directory, not an index file"):
        DedupIndex.load(tmp_path)
    with pytest.raises(FileNotFoundError):  # (nothing there: open_index makes a new index)
        DedupIndex.load(tmp_path / "missing.nci")


def test_close_saves_a_file_index_to_its_path(tmp_path: Path) -> None:
    path = tmp_path / "stories.nci"
    story = "A story about rice exports rising sharply this year in the delta."
    DedupIndex().close()  # (in memory alone: nothing to keep, nothing written)
    assert list(tmp_path.iterdir()) == []
    with DedupIndex(path=path) as index:
        assert index.add(story, id="a").new
    loaded = DedupIndex.load(path)
    assert loaded.path == path and "a" in loaded
    assert loaded.add("A second story, about football results on Sunday night.", id="b").new
    loaded.close()
    assert len(DedupIndex.load(path)) == 2


def test_open_index_opens_every_back_end_the_same_way(tmp_path: Path) -> None:
    from newsclean.index import Index, open_index

    path = tmp_path / "stories.nci"
    story = "A story about rice exports rising sharply this year in the delta."
    memory = open_index()
    assert isinstance(memory, DedupIndex) and isinstance(memory, Index) and memory.path is None
    with open_index(path, params=IndexParams(threshold=0.7)) as index:  # (new: made with these)
        assert index.add(story, id="a").new
    again = open_index(path)  # (exists: loaded, with its own parameters)
    assert again.params.threshold == 0.7 and again.query(story).duplicate_of == "a"
    with pytest.raises(SketchMismatchError, match="threshold"):
        open_index(path, params=IndexParams(threshold=0.8))
    with pytest.raises(OptionsError, match="not both"):
        open_index(path, redis_url="redis://localhost:6379/0")


def test_the_index_contract_is_written_once() -> None:
    """Both back ends keep the contract of index.Index, and the front (add, add_many,
    fingerprint, minhash) is the base's own, not a copy."""
    import inspect

    from newsclean.index import Index, RedisIndex

    for cls in (DedupIndex, RedisIndex):
        assert issubclass(cls, Index) and not inspect.isabstract(cls)
        for name in ("add", "add_many", "fingerprint", "minhash", "__enter__", "__exit__"):
            assert getattr(cls, name) is getattr(Index, name), (cls, name)
        for name in ("add_fingerprints", "query", "is_boilerplate", "boilerplate_hashes", "close", "remove"):
            assert getattr(cls, name) is not getattr(Index, name), (cls, name)


def test_clean_takes_any_boilerplate_index() -> None:
    """The protocol clean(index=...) accepts is public: an object with its one method will do."""
    from newsclean import BoilerplateIndex

    footer = "Follow us on Facebook and X for the latest news from the region."
    learned = DedupIndex(boilerplate_min_docs=2)
    stories = [
        "The port handled a record number of containers in May as exporters rushed to beat new tariffs.",
        "Farmers in the delta planted a drought-tolerant rice variety on a third of the land this season.",
    ]
    for n, story in enumerate(stories):  # (stories of one site share its footer: not copies)
        assert learned.add(f"{story} It said more later.\n{footer}", id=str(n)).new

    class Known:
        def boilerplate_hashes(self) -> frozenset[int]:
            return learned.boilerplate_hashes()

    mine: BoilerplateIndex = Known()
    for index in (mine, learned):
        result = clean(f"A brand new story about the harvest in the north.\n{footer}", index=index)
        assert result.text == "A brand new story about the harvest in the north.\n"
        assert [r.rule for r in result.removed] == ["boilerplate"]


def test_other_parameters_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "index.nci"
    DedupIndex(seed=1).save(path)
    with pytest.raises(SketchMismatchError, match="seed: 1 != 2"):
        DedupIndex.load(path, IndexParams(seed=2))
    with zipfile.ZipFile(path) as z:
        assert '"scheme": "oph-optimal-densification-v1"' in z.read("header.json").decode()


def test_an_index_of_an_older_version_is_refused_with_how_to_rebuild(tmp_path: Path) -> None:
    path = tmp_path / "old.nci"
    DedupIndex().save(path)
    with zipfile.ZipFile(path) as z:
        members = {name: z.read(name) for name in z.namelist()}
    header = json.loads(members["header.json"])
    header["version"] = 1
    members["header.json"] = json.dumps(header).encode()
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    with pytest.raises(IndexFileError, match="a version 1 newsclean index.*rebuild it"):
        DedupIndex.load(path)


def test_params_are_validated() -> None:
    with pytest.raises(ValueError, match="threshold"):
        IndexParams(threshold=0)
    with pytest.raises(ValueError, match="boilerplate_min_docs"):
        IndexParams(boilerplate_min_docs=1)
    assert IndexParams().bands == (85, 3)
    assert IndexParams().floor == 0.4
    assert round(IndexParams(containment=0.8, min_ratio=0.5).floor, 3) == 0.364


def test_params_given_leave_none_to_the_default() -> None:
    assert IndexParams.given(threshold=None, containment=None, shingle_kind="char") == IndexParams(shingle_kind="char")
    assert IndexParams.given() == IndexParams()
    with pytest.raises(OptionsError, match="threshold"):
        IndexParams.given(threshold=1.5, shingle_size=None)
    with pytest.raises(TypeError):
        IndexParams.given(treshold=0.5)  # a misspelt name is not a default


def test_one_by_one_decides_as_in_batches(docs: list[Doc]) -> None:
    """Fingerprints do not depend on what the index had seen (boilerplate included)."""
    small = docs[:150]
    batched = DedupIndex(boilerplate_min_docs=2).add_many([d.text for d in small], [d.id for d in small])
    one = DedupIndex(boilerplate_min_docs=2)
    singly = [one.add(d.text, d.id) for d in small]
    assert batched == singly


def test_minhash_exports_to_datasketch(docs: list[Doc]) -> None:
    from datasketch import LeanMinHash, MinHash

    from newsclean._similarity.hashing import shingle_units, window_hashes
    from newsclean._text.normalize import keys

    index = DedupIndex()
    original = next(d for d in docs if d.kind == "original")
    copy = next(d for d in docs if d.story == original.story and d.kind != "original")
    exported = index.minhash(original.text)
    assert isinstance(exported, LeanMinHash) and exported.seed == 1 and len(exported.hashvalues) == 256
    # Bit for bit what datasketch computes from the same 32-bit shingle values.
    body = " ".join(keys(index.cleaner.body(original.text)))
    h, owner = window_hashes(*shingle_units([body], "word"), 3)
    theirs = MinHash(num_perm=256, seed=1, hashfunc=lambda v: v, scheme="affine32")
    theirs.update_batch(sorted({v >> 32 for v in h.tolist()}))
    assert list(exported.hashvalues) == list(theirs.hashvalues)
    index.add(original.text, id="o")
    exact = index.query(copy.text).similarity
    assert exact is not None and abs(exported.jaccard(index.minhash(copy.text)) - exact) < 0.15


# -- fingerprints made apart from the index ---------------------------------------------


def test_fingerprints_added_later_decide_as_add_many(docs: list[Doc]) -> None:
    texts, ids = [d.text for d in docs], [d.id for d in docs]
    direct = [(r.new, r.duplicate_of, r.similarity) for r in DedupIndex().add_many(texts, ids)]
    index = DedupIndex()
    prints = index.fingerprint(texts)
    assert len(index) == 0  # fingerprinting does not touch the index
    later = [(r.new, r.duplicate_of, r.similarity) for r in index.add_fingerprints(prints, ids)]
    assert later == direct
    assert any(not new for new, _, _ in direct)  # the corpus has duplicates to find
    for d, fp in zip(docs, prints):
        assert index.query(fp) == index.query(d.text)


def test_workers_make_the_same_fingerprints(docs: list[Doc]) -> None:
    import numpy as np

    texts = [d.text for d in docs] * 2  # enough for several worker slices
    index = DedupIndex()
    one, two = index.fingerprint(texts), index.fingerprint(texts, workers=2)
    assert len(one) == len(two) == len(texts)
    for a, b in zip(one, two):
        assert np.array_equal(a.shingles, b.shingles) and np.array_equal(a.bands, b.bands)
        assert a.paragraphs == b.paragraphs and a.params == b.params
    ids = [str(n) for n in range(len(texts))]
    assert DedupIndex().add_many(texts, ids, workers=2) == DedupIndex().add_many(texts, ids)


def test_fingerprints_pickle_for_other_processes() -> None:
    import pickle

    import numpy as np

    index = DedupIndex()
    fp = index.fingerprint(["The harvest was the largest in a decade, the ministry said on Monday."])[0]
    back = pickle.loads(pickle.dumps(fp))
    assert np.array_equal(back.shingles, fp.shingles) and back.params == fp.params
    index.add_fingerprints([back], ["a"])
    assert index.query(fp).duplicate_of == "a"


def test_fingerprints_of_other_parameters_are_refused() -> None:
    text = "The harvest was the largest in a decade, the ministry said on Monday."
    other = DedupIndex(threshold=0.9).fingerprint([text])
    index = DedupIndex()
    with pytest.raises(SketchMismatchError, match=r"fingerprint 0 .*threshold: 0\.9 != 0\.4"):
        index.add_fingerprints(other)
    with pytest.raises(SketchMismatchError, match="threshold"):
        index.query(other[0])
    assert len(index) == 0


def test_wrong_types_and_counts_are_clear_errors() -> None:
    index = DedupIndex()
    with pytest.raises(TypeError, match="document 1: expected a str, not bytes"):
        index.fingerprint(["fine", b"bytes"])  # type: ignore[list-item]
    with pytest.raises(TypeError, match=r"^add\(\) takes a str, not NoneType$"):
        index.add(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="fingerprint 0: expected a Fingerprint, not str"):
        index.add_fingerprints(["text"])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="2 documents but 1 ids"):
        index.add_many(["a", "b"], ["x"])


def test_exact_jaccard_of_hash_arrays() -> None:
    import numpy as np
    from hypothesis import given
    from hypothesis import strategies as st

    from newsclean._similarity.jaccard import jaccard

    sets = st.sets(st.integers(0, 2**32 - 1), max_size=60)

    @given(sets, sets)
    def check(a: set[int], b: set[int]) -> None:
        arr = [np.array(sorted(x), dtype=np.uint32) for x in (a, b)]
        want = len(a & b) / len(a | b) if a and b else 0.0
        assert jaccard(*arr) == want

    check()


def test_buckets_find_every_slot_holding_a_key_through_merges_and_forgetting() -> None:
    """The index's buckets against a plain dictionary of the keys' top 32 bits (what the
    buckets keep of a key): keys in every key range (and one held by many slots), runs
    merged as batches come, forgotten slots skipped and then dropped once they outnumber
    the documents kept."""
    import numpy as np

    from newsclean.index._memory import _Buckets

    rng = np.random.default_rng(3)
    buckets, held = _Buckets(), {}
    forgotten: set[int] = set()
    for batch in range(40):
        keys = rng.integers(0, 2**64, size=300, dtype=np.uint64)
        keys[:5] = 12345  # (a bucket that every batch adds to)
        slots = np.arange(batch * 300, (batch + 1) * 300, dtype=np.int32)
        buckets.add(keys, slots)
        for k, s in zip(keys.tolist(), slots.tolist()):
            held.setdefault(k >> 32, []).append(s)
        if batch in (15, 30):  # forget all but this batch: past the kept ones (and 1,024), the entries go
            for slot in range(batch * 300):
                if slot not in forgotten:
                    forgotten.add(slot)
                    buckets.forget(slot, live=(batch + 1) * 300 - len(forgotten))
        if batch == 35:  # and a few more, which are skipped only
            for slot in range(31 * 300, 31 * 300 + 50):
                forgotten.add(slot)
                buckets.forget(slot, live=(batch + 1) * 300 - len(forgotten))
    known = [k << 32 | 7 for k in held]  # (the bits below the top 32 do not count)
    queries = np.array([known[i] for i in rng.integers(0, len(known), 400)] + [1, 2**63, 12345], dtype=np.uint64)
    q, s = buckets.lookup(queries)
    got = sorted(zip(q.tolist(), s.tolist()))
    want = sorted(
        (i, slot) for i, k in enumerate(queries.tolist()) for slot in held.get(k >> 32, []) if slot not in forgotten
    )
    assert got == want and len(got) > 100
    assert len(buckets._dead) < len(forgotten) // 10  # (most entries of forgotten slots were dropped)
    # The same hits as distinct (owner, slot) codes, the owners sharing queries.
    owners = np.arange(len(queries), dtype=np.int64) // 3
    n_slots = 40 * 300
    codes = buckets.pairs(queries, owners, n_slots)
    assert codes.tolist() == sorted({(i // 3) * n_slots + slot for i, slot in want})
