"""Retention (each document's time of first sight, ``expire``) and ``query``'s every match,
on the file index, its journal and a real redis-server. Time is given (``now=``), never slept."""

from __future__ import annotations

import io
import json
import os
import uuid
import zipfile
from pathlib import Path

import numpy as np
import pytest

from newsclean import DedupIndex, IndexFileError, Match, OptionsError
from newsclean.index._journal import Journal

from .redis_server import running_redis  # noqa: F401  (the fixture's module: it must import)

DAY = 86_400.0
T0 = 1_700_000_000.0

STORY = "The port handled a record number of containers in March, the operator said on Monday."
A = STORY + " A new berth for larger ships opened in January after two years of building work."
B = STORY + " Shipping lines from Europe added three weekly calls, and rail freight to the north doubled."
OTHER = "Farmers in the delta planted a third more rice this season as prices for the grain climbed abroad."
UPDATED = OTHER + " The ministry expects the harvest to be the largest in ten years if the weather holds."


def test_first_seen_and_expire() -> None:
    index = DedupIndex()
    assert index.add(A, id="a", now=T0).new
    assert index.add(OTHER, id="o", now=T0 + 5 * DAY).new
    assert index.first_seen("a") == T0 and index.first_seen("o") == T0 + 5 * DAY
    # A repeat and a duplicate leave the time as it was.
    assert index.add(A, id="a", now=T0 + DAY).status == "repeat"
    assert index.add("HANOI (VNA) — " + A, id="a2", now=T0 + DAY).duplicate_of == "a"
    assert index.first_seen("a") == T0
    # Nothing is older than 5 days at T0 + 5 days (the boundary stays); "a" is at 6 days.
    assert index.expire(5 * DAY, now=T0 + 5 * DAY) == []
    assert index.expire(5 * DAY, now=T0 + 6 * DAY) == ["a"]
    assert "a" not in index and "o" in index and len(index) == 1
    with pytest.raises(KeyError):
        index.first_seen("a")
    # A forgotten document's later copy is kept again, as new, first seen now.
    again = index.add("HANOI (VNA) — " + A, id="a3", now=T0 + 6 * DAY)
    assert (again.new, again.status) == (True, "new")
    assert index.first_seen("a3") == T0 + 6 * DAY


def test_an_update_is_first_seen_when_it_replaces() -> None:
    index = DedupIndex()
    index.add(OTHER, id="o", now=T0)
    assert index.add(UPDATED, id="o", now=T0 + 3 * DAY).status == "update"
    assert index.first_seen("o") == T0 + 3 * DAY
    assert index.expire(2 * DAY, now=T0 + 4 * DAY) == []


def test_expire_checks_its_arguments() -> None:
    index = DedupIndex()
    with pytest.raises(OptionsError, match="max_age"):
        index.expire(-1)
    with pytest.raises(OptionsError, match="now"):
        index.add(A, now=float("nan"))
    with pytest.raises(OptionsError, match="now"):
        index.expire(1, now="today")  # type: ignore[arg-type]


def test_the_wall_clock_by_default() -> None:
    import time

    index = DedupIndex()
    before = time.time()
    index.add(A, id="a")
    assert before <= index.first_seen("a") <= time.time()
    assert index.expire(DAY) == []


def test_times_survive_save_and_load(tmp_path: Path) -> None:
    index = DedupIndex()
    index.add_many([A, OTHER], ["a", "o"], now=T0)
    index.add(B, id="b", now=T0 + DAY)
    path = tmp_path / "seen.nci"
    index.save(path)
    back = DedupIndex.load(path)
    assert [back.first_seen(i) for i in ("a", "o", "b")] == [T0, T0, T0 + DAY]
    assert back.expire(DAY / 2, now=T0 + DAY) == ["a", "o"]


def _without_times(path: Path) -> None:
    """Rewrite an index file as it was saved before the times were kept."""
    with zipfile.ZipFile(path) as z:
        members = {n: z.read(n) for n in z.namelist() if n != "first_seen.npy"}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        for name, data in members.items():
            z.writestr(name, data)


def test_a_file_without_times_is_read_as_first_seen_when_written(tmp_path: Path) -> None:
    path = tmp_path / "old.nci"
    index = DedupIndex()
    index.add(A, id="a", now=T0)
    index.save(path)
    _without_times(path)
    os.utime(path, (T0 + 2 * DAY, T0 + 2 * DAY))
    back = DedupIndex.load(path)
    assert back.first_seen("a") == T0 + 2 * DAY
    assert back.expire(DAY, now=T0 + 2.5 * DAY) == []
    assert back.expire(DAY, now=T0 + 3.5 * DAY) == ["a"]


@pytest.mark.parametrize(
    "times",
    [np.array([T0, T0], dtype="<f8"), np.array([np.nan], dtype="<f8"), np.array([1], dtype="<i8")],
    ids=["two for one document", "not finite", "not float64"],
)
def test_bad_times_are_refused(tmp_path: Path, times: np.ndarray) -> None:
    path = tmp_path / "bad.nci"
    index = DedupIndex()
    index.add(A, id="a", now=T0)
    index.save(path)
    _without_times(path)
    buf = io.BytesIO()
    np.save(buf, times, allow_pickle=False)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_STORED) as z:
        z.writestr("first_seen.npy", buf.getvalue())
    with pytest.raises(IndexFileError, match="first_seen.npy"):
        DedupIndex.load(path)


def test_the_journal_keeps_times_and_forgetting(tmp_path: Path) -> None:
    path = tmp_path / "seen.nci"
    index = DedupIndex()
    index.add(A, id="a", now=T0)
    index.save(path)
    journal = Journal(path, index.params)
    prints = index.fingerprint([OTHER, B])
    results = index.add_fingerprints(prints, ["o", "b"], now=T0 + DAY)
    assert [r.new for r in results] == [True, True]
    journal.append(prints, ["o", "b"], seen=T0 + DAY)
    assert index.expire(DAY / 2, now=T0 + DAY) == ["a"]
    journal.forget(["a"], before=T0 + DAY / 2)
    journal.close()

    back = DedupIndex.load(path)
    assert Journal(path, back.params).replay(back) == 2
    assert "a" not in back and sorted(["o", "b"]) == sorted(i for i in ("a", "o", "b") if i in back)
    assert back.first_seen("o") == back.first_seen("b") == T0 + DAY
    # Replaying decides as the run did: the same query answers.
    assert back.query(STORY).matches == index.query(STORY).matches


def test_a_forget_record_spares_a_document_added_again_later(tmp_path: Path) -> None:
    path = tmp_path / "seen.nci"
    index = DedupIndex()
    index.add(A, id="x", now=T0)
    index.save(path)
    journal = Journal(path, index.params)
    assert index.expire(DAY, now=T0 + 2 * DAY) == ["x"]
    journal.forget(["x"], before=T0 + DAY)
    journal.close()
    # Another writer (the Scrapy pipeline) loads the index, adds x again and saves the file.
    other = DedupIndex.load(path)
    assert "x" not in other and other.add(A, id="x", now=T0 + 3 * DAY).new
    other.save(path)
    # Replaying the journal over that file keeps the later x.
    again = DedupIndex.load(path)
    assert "x" in again and again.first_seen("x") == T0 + 3 * DAY


def test_a_journal_record_without_a_time_is_read_as_first_seen_when_written(tmp_path: Path) -> None:
    path = tmp_path / "seen.nci"
    index = DedupIndex()
    index.save(path)
    journal = Journal(path, index.params)
    journal._write(index.fingerprint([A]), ["a"], {})  # (a record as written before the times)
    journal.close()
    os.utime(journal.path, (T0, T0))
    back = DedupIndex.load(path)
    Journal(path, back.params).replay(back)
    assert back.first_seen("a") == T0


def test_worth_folding(tmp_path: Path) -> None:
    path = tmp_path / "seen.nci"
    index = DedupIndex()
    journal = Journal(path, index.params)
    assert journal.worth_folding(path)  # (no file yet)
    index.add_many([A, OTHER], ["a", "o"], now=T0)
    index.save(path)
    assert not journal.worth_folding(path)  # (no journal)
    for n in range(40):
        journal.append(index.fingerprint([f"{OTHER} Story number {n} of a long series."]), [f"x{n}"], seen=T0)
    journal.close()
    assert journal.worth_folding(path)


def test_a_bad_forget_record_is_an_error_naming_the_journal(tmp_path: Path) -> None:
    path = tmp_path / "seen.nci"
    index = DedupIndex()
    index.save(path)
    journal = Journal(path, index.params)
    journal._write([], [], {"forget": [1, 2]})
    journal.close()
    with pytest.raises(IndexFileError, match=r"seen\.nci\.journal.*forget"):
        Journal(path, index.params).replay(DedupIndex.load(path))


# -- query: every match --------------------------------------------------------------------


def test_query_gives_every_match_best_first() -> None:
    index = DedupIndex()
    short = STORY + " Unions said pay talks would resume next week."
    assert [r.new for r in index.add_many([A, B, short, OTHER], ["a", "b", "c", "o"])] == [True] * 4
    found = index.query(STORY)
    # c is closest (its addition is shortest); a and b tie, in the order they were added.
    assert [m.id for m in found.matches] == ["c", "a", "b"]
    assert found.matches[0].similarity == pytest.approx(13 / 21)
    assert found.matches[1].similarity == found.matches[2].similarity == pytest.approx(13 / 28)
    assert (found.duplicate_of, found.similarity) == (found.matches[0].id, found.matches[0].similarity)
    assert (found.new, found.status, found.id) == (False, "duplicate", "")
    assert index.query(OTHER).matches == (Match("o", 1.0),)
    assert index.query("Nothing like any of them was written here before today.").matches == ()
    # add leaves matches empty; the repr does not show them.
    assert index.add(STORY, id="s").matches == ()
    assert "matches" not in repr(found)


def test_equal_matches_in_the_order_they_were_added() -> None:
    index = DedupIndex()
    index.add_many([B, A], ["b", "a"])
    assert [m.id for m in index.query(STORY).matches] == ["b", "a"]
    index = DedupIndex()
    index.add_many([A, B], ["a", "b"])
    assert [m.id for m in index.query(STORY).matches] == ["a", "b"]


# -- on Redis ------------------------------------------------------------------------------


@pytest.fixture
def redis_index(redis_url: str):
    pytest.importorskip("redis")
    from newsclean.index import RedisIndex

    index = RedisIndex(redis_url, namespace=f"test-{uuid.uuid4().hex[:12]}")
    yield index
    index.clear()
    index.close()


@pytest.mark.redis
def test_redis_first_seen_and_expire(redis_index) -> None:
    index = redis_index
    assert index.add(A, id="a", now=T0).new
    assert index.add(OTHER, id="o", now=T0 + 5 * DAY).new
    assert index.add(A, id="a", now=T0 + DAY).status == "repeat"
    assert index.add("HANOI (VNA) — " + A, id="a2", now=T0 + DAY).duplicate_of == "a"
    assert index.first_seen("a") == T0 and index.first_seen("o") == T0 + 5 * DAY
    assert index.expire(5 * DAY, now=T0 + 5 * DAY) == []
    assert index.expire(5 * DAY, now=T0 + 6 * DAY) == ["a"]
    assert "a" not in index and len(index) == 1
    with pytest.raises(KeyError):
        index.first_seen("a")
    again = index.add("HANOI (VNA) — " + A, id="a3", now=T0 + 6 * DAY)
    assert (again.new, again.status) == (True, "new")
    # An update is first seen when it replaces; a removed document leaves no time behind.
    assert index.add(UPDATED, id="o", now=T0 + 7 * DAY).status == "update"
    assert index.first_seen("o") == T0 + 7 * DAY
    index.remove("o")
    assert index._redis.zscore(f"{index.namespace}:seen", "o") is None


@pytest.mark.redis
def test_redis_expire_in_chunks_oldest_first(redis_index) -> None:
    index = redis_index
    import random

    words = [f"word{k}" for k in range(300)]
    texts = [" ".join(random.Random(n).sample(words, 30)) + "." for n in range(7)]  # (seven unrelated texts)
    for n, text in enumerate(texts):
        assert index.add(text, id=f"d{n}", now=T0 + n).new
    assert index.expire(0, now=T0 + 5, chunk=2) == ["d0", "d1", "d2", "d3", "d4"]
    assert len(index) == 2 and "d5" in index and "d6" in index


@pytest.mark.redis
def test_redis_query_gives_every_match_as_the_memory_index(redis_index) -> None:
    short = STORY + " Unions said pay talks would resume next week."
    docs, ids = [A, B, short, OTHER, "HANOI (VNA) — " + short], ["a", "b", "c", "o", "d"]
    memory = DedupIndex()
    assert [r.new for r in redis_index.add_many(docs, ids)] == [r.new for r in memory.add_many(docs, ids)]
    for probe in (STORY, OTHER, A, "Nothing like any of them was written here before today."):
        assert redis_index.query(probe).matches == memory.query(probe).matches
        assert redis_index.query(probe) == memory.query(probe)


def test_match_pickles_and_reads_as_json() -> None:
    import pickle

    m = Match("a", 0.5)
    assert pickle.loads(pickle.dumps(m)) == m
    assert json.loads(json.dumps(m)) == ["a", 0.5]
