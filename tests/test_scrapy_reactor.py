"""The Scrapy pipeline asks a Redis index off the reactor's thread (a real reactor, in a
subprocess since a reactor runs once per process, and a real redis-server)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import uuid

import pytest

pytest.importorskip("scrapy", reason="pip install 'newsclean[scrapy]'")
pytest.importorskip("redis", reason="pip install 'newsclean[redis]'")

# Each Redis call waits for an event that only the reactor sets: were a call made in the
# reactor's thread, the reactor could not run to set it, and the call would time out.
SCRIPT = """
import inspect, json, sys, threading
from twisted.internet import defer, reactor
from newsclean.contrib.scrapy import NewscleanPipeline

url, namespace, mode = sys.argv[1], sys.argv[2], sys.argv[3]
STORY = ("The central bank kept its policy rate unchanged on Tuesday, citing risks to growth.\\n"
         "Analysts had expected the decision after inflation slowed for a third month in a row.")
OTHER = "Farmers in the delta planted a third more rice this season as prices for the grain climbed abroad."

class Stats:
    def __init__(self):
        self.values = {}
    def inc_value(self, key, count=1):
        self.values[key] = self.values.get(key, 0) + count

stats = Stats()
pipeline = NewscleanPipeline(redis_url=url, redis_namespace=namespace, duplicates=mode, stats=stats)
pipeline.open_spider()
real = pipeline.index.add
released = threading.Event()
threads = []

def add(text, id=None):
    threads.append(threading.get_ident())
    if not released.wait(20):
        raise RuntimeError("the reactor never ran while Redis was asked")
    return real(text, id=id)

pipeline.index.add = add
reactor_thread = threading.get_ident()
items = [{"url": "a", "text": STORY}, {"url": "b", "text": "HANOI (VNA) - " + STORY + "-VNA"}, {"url": "c", "text": OTHER}]
out = {}

def kept(item):
    out[item["url"]] = ["kept", item.get("duplicate_of")]

def failed(failure, url):
    out[url] = ["dropped", type(failure.value).__name__, str(failure.value)]

def start():
    waiting = []
    for item in items:
        coro = pipeline.process_item(dict(item))
        assert inspect.isawaitable(coro), type(coro)
        d = defer.ensureDeferred(coro)
        waiting.append(d.addCallbacks(kept, failed, errbackArgs=(item["url"],)))
    reactor.callLater(0.01, released.set)  # (only a running reactor gets here)
    defer.DeferredList(waiting).addBoth(lambda _: reactor.stop())

reactor.callWhenRunning(start)
reactor.run()
pipeline.index.clear()
pipeline.close_spider()
print(json.dumps({"out": out, "off_reactor": all(t != reactor_thread for t in threads), "calls": len(threads),
                  "stats": stats.values}))
"""


def run(redis_url: str, mode: str) -> dict:
    namespace = f"test-{uuid.uuid4().hex[:12]}"
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(SCRIPT), redis_url, namespace, mode],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


@pytest.mark.redis
def test_redis_is_asked_off_the_reactor_thread_and_one_copy_is_kept(redis_url: str) -> None:
    result = run(redis_url, "drop")
    assert result["calls"] == 3 and result["off_reactor"]
    out = result["out"]
    # The two copies of one story reach Redis in either order: exactly one is kept.
    assert sorted(out[u][0] for u in ("a", "b")) == ["dropped", "kept"]
    dropped = out["a"] if out["a"][0] == "dropped" else out["b"]
    assert dropped[1] == "DropItem" and "newsclean: duplicate of" in dropped[2]
    assert out["c"][0] == "kept"
    stats = result["stats"]
    assert (stats["newsclean/kept"], stats["newsclean/duplicates"], stats["newsclean/dropped"]) == (2, 1, 1)


@pytest.mark.redis
def test_mark_mode_off_the_reactor_thread(redis_url: str) -> None:
    result = run(redis_url, "mark")
    assert result["off_reactor"]
    out = result["out"]
    assert all(out[u][0] == "kept" for u in "abc")
    # One copy is new (marked None), the other marked as a copy of it.
    assert (out["a"][1], out["b"][1]) in ((None, "a"), ("b", None))
    assert out["c"][1] is None
    assert "newsclean/dropped" not in result["stats"]


@pytest.mark.redis
def test_outside_a_running_reactor_redis_is_asked_at_once(redis_url: str) -> None:
    from newsclean.contrib.scrapy import NewscleanPipeline

    pipeline = NewscleanPipeline(
        redis_url=redis_url, redis_namespace=f"test-{uuid.uuid4().hex[:12]}", duplicates="mark"
    )
    pipeline.open_spider()
    try:
        story = "The central bank kept its policy rate unchanged on Tuesday, citing risks to growth."
        first = pipeline.process_item({"url": "a", "text": story})
        second = pipeline.process_item({"url": "b", "text": "HANOI (VNA) - " + story})
        assert (first["duplicate_of"], second["duplicate_of"]) == (None, "a")
    finally:
        pipeline.index.clear()
        pipeline.close_spider()
