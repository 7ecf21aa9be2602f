"""The shared index on a real redis-server (started by the tests on a free loopback port)."""

from __future__ import annotations

import json
import os
import re
import signal
import struct
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from newsclean import DedupIndex, IndexFileError, IndexParams, IndexUnavailableError, SketchMismatchError, clean

from .conftest import ROOT
from .redis_server import running_redis
from .republish import corpus

pytest.importorskip("redis", reason="pip install 'newsclean[redis]'")
from newsclean.index import RedisIndex  # noqa: E402


@pytest.fixture
def namespace() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


STORY = "The central bank kept its policy rate unchanged on Tuesday, citing risks to growth.\nAnalysts had expected the decision after inflation slowed for a third month in a row."


def test_add_query_remove(redis_url: str, namespace: str) -> None:
    index = RedisIndex(redis_url, namespace=namespace)
    assert index.add(STORY, id="a").new
    dup = index.add("HANOI (VNA) — " + STORY + "-VNA", id="b")
    assert (dup.new, dup.duplicate_of, dup.similarity) == (False, "a", 1.0)
    assert index.query(STORY).duplicate_of == "a"
    assert len(index) == 1 and "a" in index and "b" not in index
    assert index.add(STORY, id="a").duplicate_of == "a"
    index.remove("a")
    assert len(index) == 0 and "a" not in index
    with pytest.raises(KeyError):
        index.remove("a")
    assert index.add(STORY, id="c").new
    index.clear()


def test_same_decisions_as_the_memory_index(redis_url: str, namespace: str) -> None:
    docs = corpus(30, seed=3)
    texts, ids = [d.text for d in docs], [d.id for d in docs]
    shared = RedisIndex(redis_url, namespace=namespace)
    mine = [(r.new, r.duplicate_of, r.similarity) for r in shared.add_many(texts[:50], ids[:50])]
    mine += [(r.new, r.duplicate_of, r.similarity) for r in (shared.add(t, i) for t, i in zip(texts[50:], ids[50:]))]
    local = [(r.new, r.duplicate_of, r.similarity) for r in DedupIndex().add_many(texts, ids)]
    assert mine == local
    shared.clear()


def test_boilerplate_on_redis(redis_url: str, namespace: str) -> None:
    index = RedisIndex(redis_url, namespace=namespace, boilerplate_min_docs=2)
    footer = "Follow us on Facebook and X for the latest news from the region."
    stories = [
        "The port handled a record number of containers in May as exporters rushed to beat new tariffs.",
        "Farmers in the delta planted a drought-tolerant rice variety on a third of the land this season.",
    ]
    assert all(r.new for r in index.add_many([f"{story} It said more later.\n{footer}" for story in stories]))
    assert index.is_boilerplate(footer)
    assert clean(f"A new story about the harvest.\n{footer}", index=index).text == "A new story about the harvest.\n"
    index.clear()


def test_other_parameters_are_refused(redis_url: str, namespace: str) -> None:
    RedisIndex(redis_url, namespace=namespace, seed=1)
    with pytest.raises(SketchMismatchError, match="seed: 1 != 2"):
        RedisIndex(redis_url, namespace=namespace, seed=2)
    with pytest.raises(SketchMismatchError, match="threshold"):
        RedisIndex(redis_url, IndexParams(threshold=0.9), namespace=namespace)
    RedisIndex(redis_url, namespace=namespace).clear()


def test_a_namespace_keeps_its_own_parameters(redis_url: str, namespace: str, run) -> None:
    """Opened without parameters, a namespace is used with its own, as a file index is;
    the command's rule flags left out are the namespace's, and only those given must agree
    (every fleet member had to repeat every flag, and one it never gave was named)."""
    docs = [d for d in corpus(20, seed=6) if d.kind == "original"]
    lines = "".join(json.dumps({"id": d.id, "text": d.text}) + "\n" for d in docs[:5])
    RedisIndex(redis_url, namespace=namespace, threshold=0.5, shingle_size=4).add(docs[0].text, id=docs[0].id)
    own = RedisIndex(redis_url, namespace=namespace)
    assert (own.params.threshold, own.params.shingle_size) == (0.5, 4)
    assert own.add(docs[0].text, id=docs[0].id).status == "repeat"
    at = ["dedup", "--redis", redis_url, "--namespace", namespace]
    for flags, status, err in [
        ([], 0, ""),
        (["--threshold", "0.5"], 0, ""),
        (["--shingle-size", "3", "--threshold", "0.5"], 1, "(shingle_size: 4 != 3)"),
        (["--threshold", "0.6"], 1, "(threshold: 0.5 != 0.6)"),
    ]:
        done = run(*at, *flags, input=lines)
        assert done.returncode == status, done.stderr
        assert err in done.stderr.decode() and ("threshold" not in done.stderr.decode()) == ("threshold" not in err)
    fresh = f"{namespace}-new"  # (a new namespace takes the flags given, the defaults for the rest)
    assert run("dedup", "--redis", redis_url, "--namespace", fresh, "--shingle-size", "4", input=lines).returncode == 0
    made = RedisIndex(redis_url, namespace=fresh)
    assert (made.params.shingle_size, made.params.threshold) == (4, IndexParams().threshold)
    made.clear()
    own.clear()


def test_a_namespace_holding_something_else_is_not_an_index(redis_url: str, namespace: str) -> None:
    """Something that is not a newsclean header under the params key is an IndexFileError
    (an unreadable index), not a SketchMismatchError (a newsclean index of other parameters)."""
    import redis

    server = redis.Redis.from_url(redis_url)
    header = json.loads(IndexParams().header_json())
    cases = [
        (b"\xff not json", "not a newsclean index"),
        (b"[1, 2]", "not a newsclean index"),
        (json.dumps({"format": "someone-else"}).encode(), "not a newsclean index"),
        (json.dumps({**header, "version": 0}).encode(), "version 0"),
        (json.dumps({**header, "threshold": "high"}).encode(), "not a readable newsclean index"),
    ]
    try:
        for stored, message in cases:
            server.set(f"{namespace}:params", stored)
            with pytest.raises(IndexFileError, match=message):
                RedisIndex(redis_url, namespace=namespace)
    finally:
        server.delete(f"{namespace}:params")
        server.close()


RACER = """
import json, sys
from newsclean.index import RedisIndex
url, namespace, order = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
stories = json.load(sys.stdin)
index = RedisIndex(url, namespace=namespace)
new = [stories[n]["id"] for n in order if index.add(stories[n]["text"], id=stories[n]["id"] + "@" + sys.argv[4]).new]
print(json.dumps(new))
"""


def test_processes_racing_keep_each_story_once(redis_url: str, namespace: str) -> None:
    docs = [d for d in corpus(40, seed=11) if d.kind == "original"]
    payload = json.dumps([{"id": d.id, "text": d.text} for d in docs])
    racers = []
    for n in range(4):
        order = list(range(len(docs)))
        order = order[n * 7 :] + order[: n * 7]  # each starts elsewhere, all overlap
        racers.append(
            subprocess.Popen(
                [sys.executable, "-c", RACER, redis_url, namespace, json.dumps(order), str(n)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                cwd=ROOT,
                text=True,
            )
        )
    for p in racers:
        p.stdin.write(payload)
        p.stdin.close()
    kept = [json.loads(p.stdout.read()) for p in racers]
    assert all(p.wait(timeout=120) == 0 for p in racers)
    everything = [story for run in kept for story in run]
    assert sorted(everything) == sorted(d.id for d in docs)  # each story kept exactly once
    assert len(RedisIndex(redis_url, namespace=namespace)) == len(docs)
    RedisIndex(redis_url, namespace=namespace).clear()


def test_server_going_away_mid_stream() -> None:
    docs = [d for d in corpus(20, seed=5) if d.kind == "original"]
    with running_redis() as server:
        index = RedisIndex(server.url, socket_timeout=2)
        assert all(r.new for r in index.add_many([d.text for d in docs[:10]]))
        server.stop()
        with pytest.raises(IndexUnavailableError, match=f"Redis at {server.url} is unreachable"):
            index.add(docs[10].text)
        with pytest.raises(IndexUnavailableError):
            index.add_many([d.text for d in docs[10:]])
        with pytest.raises(IndexUnavailableError):
            len(index)


def test_adds_a_stalled_redis_runs_after_the_client_gave_up_are_taken_back() -> None:
    """Redis stops answering (SIGSTOP: a stall, a failover) while a batch's adds wait in
    its input; the client gives up, and Redis runs them when it resumes. They must not stay
    recorded: the caller was told the batch failed, and would never write those documents."""
    docs = [d for d in corpus(20, seed=5) if d.kind == "original"]
    with running_redis() as server:
        assert server.process is not None
        index = RedisIndex(server.url, socket_timeout=0.5)
        assert all(r.new for r in index.add_many([d.text for d in docs[:3]], ids=["a", "b", "c"]))
        ids = [f"late{n}" for n in range(5)]
        os.kill(server.process.pid, signal.SIGSTOP)
        resume = threading.Timer(0.8, os.kill, (server.process.pid, signal.SIGCONT))
        resume.start()
        try:
            with pytest.raises(IndexUnavailableError, match="unreachable") as failed:
                index.add_many([d.text for d in docs[3:8]], ids=ids)
        finally:
            resume.join()
            os.kill(server.process.pid, signal.SIGCONT)
        assert "may be recorded" not in str(failed.value)  # (the taking back was answered)
        time.sleep(0.2)  # (anything Redis still had queued has run by now)
        again = RedisIndex(server.url)
        assert len(again) == 3 and not any(i in again for i in ids)
        assert all(r.new for r in again.add_many([d.text for d in docs[3:8]], ids=ids))


def test_clear_takes_only_its_own_namespace(redis_url: str, namespace: str) -> None:
    import redis

    docs = [d for d in corpus(20, seed=5) if d.kind == "original"][:3]
    names = [namespace, f"{namespace}:eu", f"{namespace}*", f"{namespace[:-1]}?"]
    for name in names:
        RedisIndex(redis_url, namespace=name).add_many([d.text for d in docs], ids=["a", "b:1", "c"])
    client = redis.Redis.from_url(redis_url)

    def keys(name: str) -> int:  # (a set: SCAN may return a key twice)
        return len({k for k in client.scan_iter(count=1000) if k.decode().startswith(f"{name}:")})

    before = {name: keys(name) for name in names}
    assert RedisIndex(redis_url, namespace=f"{namespace}*").clear() == before[f"{namespace}*"] > 0
    assert RedisIndex(redis_url, namespace=namespace).clear() == before[namespace] - before[f"{namespace}:eu"]
    assert [keys(name) for name in names] == [before[f"{namespace}:eu"], before[f"{namespace}:eu"], 0, before[names[3]]]
    assert len(RedisIndex(redis_url, namespace=f"{namespace}:eu")) == 3
    for name in names[1:]:
        RedisIndex(redis_url, namespace=name).clear()
    assert keys(namespace) == 0


def test_unreachable_at_start() -> None:
    from .redis_server import free_port

    with pytest.raises(IndexUnavailableError, match="unreachable"):
        RedisIndex(f"redis://127.0.0.1:{free_port()}/0", socket_timeout=1)


def test_an_add_is_one_round_trip(redis_url: str, namespace: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from redis.connection import AbstractConnection

    index = RedisIndex(redis_url, namespace=namespace)
    sent = []
    original = AbstractConnection.send_packed_command

    def counting(self, command, check_health=True):  # type: ignore[no-untyped-def]
        sent.append(command)
        return original(self, command, check_health)

    monkeypatch.setattr(AbstractConnection, "send_packed_command", counting)
    index.add(STORY, id="a")
    index.add(STORY + " Again.", id="b")
    assert len(sent) == 2  # one packed send per add
    sent.clear()
    index.add_many([f"Story number {n} about something else, with words {n * 7}." for n in range(50)])
    assert len(sent) == 1  # one pipelined round trip for the batch
    monkeypatch.undo()
    index.clear()


def test_fingerprints_made_elsewhere(redis_url: str, namespace: str) -> None:
    """A scraper fingerprints locally; the shared index adds and queries fingerprints."""
    index = RedisIndex(redis_url, namespace=namespace)
    prints = DedupIndex().fingerprint([STORY, "HANOI (VNA) — " + STORY + "-VNA"])
    results = index.add_fingerprints(prints, ["a", "b"])
    assert [(r.new, r.duplicate_of) for r in results] == [(True, None), (False, "a")]
    assert index.query(prints[1]).duplicate_of == "a"
    with pytest.raises(SketchMismatchError, match="seed"):
        index.add_fingerprints(DedupIndex(seed=2).fingerprint([STORY]))
    assert len(index) == 1
    index.clear()


def test_repeats_and_updates_on_redis(redis_url: str, namespace: str) -> None:
    index = RedisIndex(redis_url, namespace=namespace)
    memory = DedupIndex()
    story = "Rice exports rose 12 percent in the first half of the year, the ministry said on Monday in Hanoi."
    corrected = story + " It corrected an earlier figure for the second quarter, which had been overstated."
    for text in (story, story, corrected, corrected):
        assert index.add(text, id="a") == memory.add(text, id="a")
    assert len(index) == len(memory) == 1
    index.remove("a")
    assert len(index) == 0 and index.add(story, id="b").new
    index.clear()


def test_open_index_and_close_on_redis(redis_url: str, namespace: str) -> None:
    """open_index(redis_url=...) is a RedisIndex (also importable from newsclean), closed by
    ``with``; what was added stays on the server."""
    import newsclean
    from newsclean.index import Index, open_index

    assert newsclean.RedisIndex is RedisIndex
    with open_index(redis_url=redis_url, namespace=namespace) as index:
        assert isinstance(index, RedisIndex) and isinstance(index, Index)
        assert index.add(STORY, id="a").new
    index.close()  # (again: harmless)
    reopened = open_index(redis_url=redis_url, namespace=namespace, params=IndexParams())
    assert "a" in reopened and reopened.query(STORY).duplicate_of == "a"
    with pytest.raises(SketchMismatchError):
        open_index(redis_url=redis_url, namespace=namespace, params=IndexParams(threshold=0.9))
    reopened.clear()
    reopened.close()


def test_a_redis_index_pickles_and_connects_again(redis_url: str, namespace: str) -> None:
    import multiprocessing
    import pickle
    from concurrent.futures import ProcessPoolExecutor

    index = RedisIndex(redis_url, namespace=namespace, threshold=0.7)
    assert index.add(STORY, id="a").new
    copy = pickle.loads(pickle.dumps(index))
    assert (copy.url, copy.namespace, copy.params) == (index.url, namespace, index.params)
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        assert pool.submit(_add, index, "HANOI (VNA) — " + STORY, "b").result().duplicate_of == "a"
    index.clear()


def _add(index: RedisIndex, text: str, id: str) -> object:
    return index.add(text, id=id)


def _write_as_newsclean_0_2_0(client: Any, namespace: str, docs: list[Any], first: int = 1) -> None:
    """Record documents in the Redis layout of newsclean 0.2.0, key for key as its script
    wrote them (docs/index-format.md of that version): a set of ids per LSH bucket. (``first``:
    the first one's number; from 1, the namespace's header is written too.)"""
    index = DedupIndex()
    prints = index.fingerprint([d.text for d in docs])
    if first == 1:
        client.set(f"{namespace}:params", IndexParams().header_json())
    for seq, (doc, fp) in enumerate(zip(docs, prints), start=first):
        bands = [f"{k:016x}" for k in fp.bands.tolist()] if len(fp.shingles) else []
        client.set(f"{namespace}:doc:{doc.id}", struct.pack("<I", seq) + fp.shingles.astype("<u4").tobytes())
        client.set(f"{namespace}:digest:{doc.id}", fp.digest)
        for k, band in enumerate(bands):
            client.sadd(f"{namespace}:band:{k}:{band}", doc.id)
        client.set(f"{namespace}:bands:{doc.id}", " ".join(bands))
        client.set(f"{namespace}:paras:{doc.id}", " ".join(str(h) for h in fp.paragraphs))
        for h in fp.paragraphs:
            client.zincrby(f"{namespace}:para", 1, str(h))
        client.zadd(f"{namespace}:seen", {doc.id: 1_000_000.0 + seq})
        client.incr(f"{namespace}:seq")
        client.incr(f"{namespace}:count")


@pytest.mark.parametrize("suffix", ["", ":nachrichten·新闻"])  # (a name's length in bytes is not in characters)
def test_a_namespace_of_newsclean_0_2_0_is_refused_then_upgraded_in_place(
    redis_url: str, namespace: str, suffix: str
) -> None:
    import redis

    namespace += suffix
    docs = corpus(30, seed=3)
    first, later = docs[:40], docs[40:]
    originals = [d for d in first if d.kind == "original"]
    client = redis.Redis.from_url(redis_url)
    _write_as_newsclean_0_2_0(client, namespace, originals)
    with pytest.raises(IndexFileError, match=r"laid out by newsclean 0\.2\.0.*RedisIndex\.upgrade"):
        RedisIndex(redis_url, namespace=namespace)

    assert RedisIndex.upgrade(redis_url, namespace=namespace) == len(originals)
    assert RedisIndex.upgrade(redis_url, namespace=namespace) == 0  # (done: nothing left to convert)
    assert not list(client.scan_iter(match=f"{namespace}:band:*"))
    shared = RedisIndex(redis_url, namespace=namespace)
    assert len(shared) == len(originals) and shared.first_seen(originals[0].id) == 1_000_001.0
    # It decides as an index that was given the same documents.
    local = DedupIndex()
    local.add_many([d.text for d in originals], [d.id for d in originals])
    texts, ids = [d.text for d in later], [d.id for d in later]
    expected = [(r.new, r.duplicate_of, r.similarity) for r in local.add_many(texts, ids)]
    assert [(r.new, r.duplicate_of, r.similarity) for r in shared.add_many(texts, ids)] == expected
    assert any(dup for new, dup, _ in expected if not new and dup in {d.id for d in originals})
    shared.remove(originals[0].id)
    assert shared.query(originals[0].text).duplicate_of != originals[0].id
    shared.clear()
    client.close()


def test_a_half_done_upgrade_is_refused_and_finished_by_another(redis_url: str, namespace: str) -> None:
    import redis

    docs = [d for d in corpus(10, seed=4) if d.kind == "original"]
    client = redis.Redis.from_url(redis_url)
    _write_as_newsclean_0_2_0(client, namespace, docs)
    header = json.loads(IndexParams().header_json())
    client.set(f"{namespace}:params", json.dumps({**header, "redis_layout": "upgrading"}, sort_keys=True))
    with pytest.raises(IndexFileError, match="being upgraded.*finish it with newsclean dedup --redis"):
        RedisIndex(redis_url, namespace=namespace)
    assert RedisIndex.upgrade(redis_url, namespace=namespace) == len(docs)
    assert RedisIndex(redis_url, namespace=namespace).add(docs[0].text, id="again").duplicate_of == docs[0].id
    RedisIndex(redis_url, namespace=namespace).clear()
    client.close()


def test_forgetting_every_document_leaves_only_the_namespaces_counters(redis_url: str, namespace: str) -> None:
    """Removed, expired and replaced documents take their buckets, numbers and paragraph
    counts with them: a namespace that forgets what it held is as small as a new one."""
    import redis

    docs = corpus(20, seed=9)
    index = RedisIndex(redis_url, namespace=namespace)
    kept = [r.id for r in index.add_many([d.text for d in docs], [d.id for d in docs], now=100.0) if r.new]
    index.add("An update of the first story, with other words in it entirely.", id=kept[0], now=100.0)
    index.remove(kept[1])
    assert sorted(index.expire(10, now=200.0)) == sorted(kept[:1] + kept[2:])
    client = redis.Redis.from_url(redis_url)
    left = sorted({k.decode() for k in client.scan_iter(match=f"{namespace}:*")})  # (SCAN may return a key twice)
    assert left == [f"{namespace}:{name}" for name in ("count", "params", "seq")]
    assert client.get(f"{namespace}:count") == b"0"
    client.close()
    index.clear()


def test_unnamed_documents_of_two_clients_never_take_each_others_ids(redis_url: str, namespace: str) -> None:
    """Scrapers that add without ids name each story by its text: two clients' first
    stories are two documents (named by their order, both were "0", and the second
    replaced the first as an update)."""
    docs = [d for d in corpus(10, seed=6) if d.kind == "original"]
    one, two = RedisIndex(redis_url, namespace=namespace), RedisIndex(redis_url, namespace=namespace)
    first, second = one.add(docs[0].text), two.add(docs[1].text)
    assert first.new and second.new and second.status == "new" and first.id != second.id
    assert len(one) == 2 and two.add(docs[0].text).status == "repeat"
    assert two.add_many([docs[1].text, docs[2].text])[0].duplicate_of == second.id
    one.clear()


def test_an_upgrade_stops_while_a_client_of_0_2_0_keeps_writing(
    redis_url: str, namespace: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Documents in the old layout that arrive during the upgrade are converted too; if
    they keep arriving, the upgrade stops and the namespace stays marked, refused by every
    client, until an upgrade run after the writer stopped finishes it."""
    import redis

    from newsclean.index import _redis

    docs = [d for d in corpus(12, seed=8) if d.kind == "original"]
    client = redis.Redis.from_url(redis_url)
    _write_as_newsclean_0_2_0(client, namespace, docs[:4])
    connect = _redis._connect
    writes, written = iter(range(4, len(docs))), docs[:4]

    def writing_meanwhile(url: str, timeout: float) -> Any:
        made = connect(url, timeout)
        register = made.register_script

        def script(source: str) -> Any:
            run = register(source)

            def call(args: list[Any]) -> Any:
                k = next(writes, None)  # (an old client adds a story before each call)
                if k is not None:
                    _write_as_newsclean_0_2_0(client, namespace, docs[k : k + 1], first=k + 1)
                    written.append(docs[k])
                return run(args=args)

            return call

        made.register_script = script
        return made

    monkeypatch.setattr(_redis, "_connect", writing_meanwhile)
    with pytest.raises(IndexFileError, match="keep arriving"):
        RedisIndex.upgrade(redis_url, namespace=namespace)
    with pytest.raises(IndexFileError, match="being upgraded"):
        RedisIndex(redis_url, namespace=namespace)
    monkeypatch.setattr(_redis, "_connect", connect)
    RedisIndex.upgrade(redis_url, namespace=namespace)
    index = RedisIndex(redis_url, namespace=namespace)
    assert len(index) == len(written) > 6 and not list(client.scan_iter(match=f"{namespace}:band:*"))
    assert all(index.query(d.text).duplicate_of == d.id for d in written)
    index.clear()
    client.close()


def test_upgrade_of_what_is_not_an_index_of_0_2_0(redis_url: str, namespace: str) -> None:
    import redis

    client = redis.Redis.from_url(redis_url)
    with pytest.raises(IndexFileError, match="no such namespace"):
        RedisIndex.upgrade(redis_url, namespace=namespace)
    client.hset(f"{namespace}:params", "a", "b")
    with pytest.raises(IndexFileError, match="not a newsclean index"):
        RedisIndex.upgrade(redis_url, namespace=namespace)
    client.delete(f"{namespace}:params")
    RedisIndex(redis_url, namespace=namespace).add(STORY, id="a")
    assert RedisIndex.upgrade(redis_url, namespace=namespace) == 0  # (already in this layout)
    RedisIndex(redis_url, namespace=namespace).clear()
    client.close()


def test_the_command_upgrades_a_namespace_of_0_2_0(redis_url: str, namespace: str, run) -> None:
    import redis

    docs = [d for d in corpus(10, seed=4) if d.kind == "original"]
    client = redis.Redis.from_url(redis_url)
    _write_as_newsclean_0_2_0(client, namespace, docs)
    lines = "".join(json.dumps({"id": f"again-{d.id}", "text": d.text}) + "\n" for d in docs)
    refused = run("dedup", "--redis", redis_url, "--namespace", namespace, input=lines)
    err = refused.stderr.decode()
    assert refused.returncode == 1 and refused.stdout == b"" and "--upgrade-redis" in err
    assert run("dedup", "--upgrade-redis", input="").returncode == 2  # (no --redis)
    assert run("dedup", "--redis", redis_url, "--upgrade-redis", "x.jsonl").returncode == 2  # (no input is read)
    done = run("dedup", "--redis", redis_url, "--namespace", namespace, "--upgrade-redis")
    assert done.returncode == 0 and f"upgraded, {len(docs)} documents converted" in done.stderr.decode()
    again = run("dedup", "--redis", redis_url, "--namespace", namespace, input=lines)
    assert (again.returncode, again.stdout) == (0, b"")  # (every story known: each copy dropped)
    assert (
        "nothing left to convert"
        in run("dedup", "--redis", redis_url, "--namespace", namespace, "--upgrade-redis").stderr.decode()
    )
    RedisIndex(redis_url, namespace=namespace).clear()
    client.close()


def test_an_output_file_that_cannot_be_written_leaves_nothing_recorded(
    redis_url: str, namespace: str, tmp_path: Path
) -> None:
    """With -o, the run is delivered when the file is in place: if it never is, what the
    run kept is taken back from the shared index, and a later run keeps it again."""
    import resource

    from .conftest import entry_point

    docs = [d for d in corpus(40, seed=2) if d.kind == "original"]
    shared = RedisIndex(redis_url, namespace=namespace)
    shared.add(docs[0].text, id=docs[0].id)
    lines = "".join(json.dumps({"id": d.id, "text": d.text}) + "\n" for d in docs).encode()

    def small_files() -> None:  # (writes past 4 KB fail with EFBIG, "File too large")
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))

    out = tmp_path / "new.jsonl"
    command = [entry_point(), "dedup", "--redis", redis_url, "--namespace", namespace, "-o", str(out)]
    done = subprocess.run(command, input=lines, capture_output=True, preexec_fn=small_files, timeout=120)
    err = done.stderr.decode()
    assert done.returncode == 1 and "File too large" in err and "Traceback" not in err
    assert re.search(r"forgot the [1-9][0-9]* documents this run kept, as none was written", err)
    assert not out.exists() and len(shared) == 1 and docs[0].id in shared  # (what was there before stays)
    again = subprocess.run(command, input=lines, capture_output=True, timeout=120)
    assert again.returncode == 0 and len(out.read_text().splitlines()) == len(docs) - 1
    shared.clear()


def test_a_redis_out_of_memory_records_only_what_was_written() -> None:
    """maxmemory reached (noeviction): the command stops, saying so, and every document
    the namespace holds is one it wrote. An add cut off between its writes left documents
    recorded and never written (28 of 505), and their taking back was refused as a write."""
    from .conftest import entry_point

    docs = corpus(3000, seed=11)
    lines = "".join(json.dumps({"id": d.id, "text": d.text}) + "\n" for d in docs).encode()
    with running_redis() as server:
        import redis

        from newsclean.index._redis import _reads_script_flags

        admin = redis.Redis.from_url(server.url)
        if not _reads_script_flags(admin):  # (documented: an older server may cut an add off)
            pytest.skip(f"redis-server {admin.info('server')['redis_version']} reads no script flags (Redis < 7)")
        # Room for about 1,500 of the documents: a whole batch (1,024 at most), not all 3,000.
        probe = RedisIndex(server.url, namespace="probe")
        before = int(admin.info("memory")["used_memory"])
        probe.add_many([d.text for d in docs[:100]], [d.id for d in docs[:100]])
        per_document = (int(admin.info("memory")["used_memory"]) - before) / 100
        probe.clear()
        admin.config_set("maxmemory", int(admin.info("memory")["used_memory"] + 1500 * per_document))
        admin.config_set("maxmemory-policy", "noeviction")
        command = [entry_point(), "dedup", "--redis", server.url, "--namespace", "oom", "--workers", "1"]
        done = subprocess.run(command, input=lines, capture_output=True, timeout=300)
        err = done.stderr.decode()
        assert done.returncode == 1 and f"Redis at {server.url} is out of memory and records no more" in err, err
        assert "Traceback" not in err and "EVALSHA" not in err
        written = [json.loads(line)["id"] for line in done.stdout.splitlines()]
        assert 0 < len(written) < len(docs)
        recorded = {m.decode() for m in admin.zrange("oom:seen", 0, -1)}
        assert recorded == set(written)
        # What forgets runs even then (it frees memory): the namespace can be emptied.
        RedisIndex(server.url, namespace="oom").clear()
        assert admin.zcard("oom:seen") == 0
        admin.close()


def test_a_redis_that_evicts_any_key_is_refused() -> None:
    """maxmemory-policy allkeys-*: the index would lose documents and its parameters
    without a word (a run kept 1,504 of 1,366 stories, and forgot its parameters)."""
    with running_redis() as server:
        import redis

        admin = redis.Redis.from_url(server.url)
        for policy, refused in [("allkeys-lru", True), ("volatile-lru", False), ("noeviction", False)]:
            admin.config_set("maxmemory-policy", policy)
            if refused:
                with pytest.raises(IndexUnavailableError, match=f"maxmemory-policy {policy}"):
                    RedisIndex(server.url, namespace="ev")
            else:
                RedisIndex(server.url, namespace="ev").close()
        admin.close()


def test_a_namespace_whose_parameters_vanish_records_nothing(redis_url: str, namespace: str) -> None:
    """The server flushed (or a failover to an empty replica) while a client runs: its next
    adds are refused, not recorded without parameters for a client of other parameters to
    take over."""
    import redis

    docs = [d for d in corpus(20, seed=4) if d.kind == "original"]
    index = RedisIndex(redis_url, namespace=namespace)
    index.add_many([d.text for d in docs[:3]], [d.id for d in docs[:3]])
    admin = redis.Redis.from_url(redis_url)
    admin.delete(*admin.keys(f"{namespace}:*"))
    with pytest.raises(IndexUnavailableError, match=f"the namespace {namespace} has no parameters any more"):
        index.add_many([d.text for d in docs[3:6]], [d.id for d in docs[3:6]])
    # (but the mark that cancels the batch's adds, which expires in a day)
    assert [k for k in admin.keys(f"{namespace}:*") if b":cancelled:" not in k] == []
    admin.close()


def test_a_unix_socket(run) -> None:
    """unix:///path/redis.sock, as the docstring lists it: its path is the socket's, not a
    database (it was refused as one)."""
    with running_redis(unix=True) as server:
        index = RedisIndex(f"unix://{server.socket}", namespace="u")
        assert index.add(STORY, id="a").new and not index.add(STORY, id="b").new
        line = json.dumps({"id": "c", "text": STORY}) + "\n"
        done = run("dedup", "--redis", f"unix://{server.socket}?db=1", input=line)
        assert done.returncode == 0 and b'"c"' in done.stdout, done.stderr


def test_an_index_stays_usable_after_clear(redis_url: str, namespace: str) -> None:
    """clear() deletes every key, the parameters too; the same index's next add makes the
    namespace again (it was refused as a namespace whose parameters vanished)."""
    index = RedisIndex(redis_url, namespace=namespace, threshold=0.5)
    index.add(STORY, id="a")
    index.clear()
    assert index.query(STORY).new
    assert index.add(STORY, id="b").new and not index.add(STORY, id="c").new
    assert RedisIndex(redis_url, namespace=namespace).params.threshold == 0.5
    index.clear()


def test_keyword_changes_name_only_themselves(redis_url: str, namespace: str) -> None:
    """RedisIndex(url, shingle_size=4) on a namespace of threshold 0.5: the namespace's own
    parameters, and only the changes given must agree (it named the threshold too, and
    num_perm=128 was said as bands and rows)."""
    RedisIndex(redis_url, namespace=namespace, threshold=0.5).add(STORY, id="a")
    same = RedisIndex(redis_url, namespace=namespace, shingle_size=3)
    assert (same.params.threshold, same.params.shingle_size) == (0.5, 3)
    with pytest.raises(SketchMismatchError, match=r"other parameters \(shingle_size: 3 != 4\)$"):
        RedisIndex(redis_url, namespace=namespace, shingle_size=4)
    with pytest.raises(SketchMismatchError, match=r"other parameters \(num_perm: 256 != 128\)$"):
        RedisIndex(redis_url, namespace=namespace, num_perm=128)
    with pytest.raises(SketchMismatchError, match="threshold"):  # (params given whole: every field)
        RedisIndex(redis_url, IndexParams(), namespace=namespace)
    same.clear()


def test_a_namespace_of_words_cut_at_spaces_keeps_them(redis_url: str, namespace: str) -> None:
    """A namespace made before newsclean 0.3 (its header names no ``words``) is opened, by
    the parameters of before, as one that cuts words at spaces, and decides so."""
    old = RedisIndex(redis_url, IndexParams(words="spaces"), namespace=namespace)
    assert old.add(STORY, id="a").new
    for opened in (
        RedisIndex(redis_url, IndexParams(), namespace=namespace),
        RedisIndex(redis_url, namespace=namespace),
    ):
        assert opened.params.words == "spaces" and opened.add(STORY, id="b").duplicate_of == "a"
    old.clear()
