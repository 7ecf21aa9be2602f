"""Everything public pickles, and comes back working: sent to worker processes started
with ``spawn`` (nothing inherited: each object crosses as its pickle)."""

from __future__ import annotations

import multiprocessing
import pickle
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import pytest

import newsclean
from newsclean import Cleaner, DedupIndex, IndexParams, Options

STORY = "HANOI (VNA) — Exports rose by a tenth in May, the ministry said on Monday.\nTrade rose.\nTrade rose.-VNA"


def _echo(obj: Any) -> Any:
    return obj


def _use_cleaner(cleaner: Cleaner, text: str) -> newsclean.CleanResult:
    return cleaner.clean(text)


def _use_index(index: DedupIndex, text: str) -> tuple[DedupIndex, newsclean.AddResult]:
    return index, index.add(text, id="copy")


def _samples() -> dict[str, Any]:
    result = newsclean.clean(STORY)
    index = DedupIndex(IndexParams(threshold=0.5))
    added = index.add(STORY, id="a")
    return {
        "Options": Options(threshold=0.9, byline="keep"),
        "CleanResult": result,
        "Byline": result.byline,
        "Removal": result.removed[0],
        "IndexParams": IndexParams(threshold=0.5),
        "SketchConfig": IndexParams(threshold=0.5).sketch,
        "AddResult": added,
        "Match": index.query(STORY).matches[0],
        "Fingerprint": index.fingerprint([STORY])[0],
        "NearDuplicates": newsclean.near_duplicates(["a b c d e f g h", "a b c d e f g h"]),
        "DecodeError": newsclean.DecodeError("x.txt", 3, "invalid start byte"),
        "RecordError": newsclean.RecordError("x.jsonl", 2, "not JSON"),
        "OptionsError": newsclean.OptionsError("threshold must be ..."),
    }


@pytest.fixture(scope="module")
def spawned():
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        yield pool


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, Exception):
        return type(a) is type(b) and str(a) == str(b) and vars(a) == vars(b)
    if isinstance(a, newsclean.NearDuplicates):
        return a.duplicate_of.tolist() == b.duplicate_of.tolist() and a.candidates == b.candidates
    return bool(a == b)


def test_every_public_class_is_covered() -> None:
    classes = {n for n in newsclean.__all__ if isinstance(getattr(newsclean, n), type)}
    errors = {n for n in classes if issubclass(getattr(newsclean, n), Exception)}
    # (RedisIndex: in test_redis_index.py, beside a server; BoilerplateIndex: a protocol.)
    covered = set(_samples()) | {"Cleaner", "DedupIndex", "RedisIndex", "BoilerplateIndex"}
    # Every error pickles alike: the ones with their own __init__ are sampled, and one plain one.
    assert classes - errors <= covered
    plain = [n for n in errors if "__init__" not in vars(getattr(newsclean, n))]
    for name in plain:
        err = getattr(newsclean, name)("why")
        assert str(pickle.loads(pickle.dumps(err))) == "why"


@pytest.mark.parametrize("name", sorted(_samples()))
def test_values_cross_a_spawned_process(spawned, name: str) -> None:
    value = _samples()[name]
    assert _same(spawned.submit(_echo, value).result(), value)


def test_a_cleaner_cleans_in_a_spawned_process(spawned) -> None:
    cleaner = Cleaner(threshold=0.9, byline="keep")
    assert spawned.submit(_use_cleaner, cleaner, STORY).result() == cleaner.clean(STORY)
    back = spawned.submit(_echo, cleaner).result()
    assert back == cleaner and back.clean(STORY) == cleaner.clean(STORY)
    assert back != Cleaner(threshold=0.9) and hash(back) == hash(Cleaner(threshold=0.9, byline="keep"))


def test_an_index_keeps_its_documents_in_a_spawned_process(spawned) -> None:
    index = DedupIndex()
    index.add(STORY, id="a")
    copy, added = spawned.submit(_use_index, index, "BEIJING (Xinhua) -- " + STORY.split("— ", 1)[1]).result()
    assert (added.new, added.duplicate_of) == (False, "a")
    assert len(copy) == 1 and "a" in copy and copy.params == index.params
    # The copy works here too, with its own lock.
    assert copy.add("Football results from the weekend, with three draws and a late winner.", id="b").new


def test_a_fingerprint_equals_one_made_again_and_no_other() -> None:
    index = DedupIndex()
    first, again = index.fingerprint([STORY])[0], index.fingerprint([STORY])[0]
    assert first == again and hash(first) == hash(again) and first is not again
    other = index.fingerprint([STORY + "\nAnother paragraph about rice."])[0]
    assert first != other
    assert first != DedupIndex(IndexParams(threshold=0.5)).fingerprint([STORY])[0]  # (other parameters)
    assert first != "not a fingerprint"
