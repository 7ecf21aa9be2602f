"""Benchmark of the cross-document near-duplicate index (issue 3, "Quality and speed"):
newsclean ``DedupIndex`` / ``RedisIndex`` against datasketch ``MinHashLSH`` and rensa, on
one deterministic news-like corpus with planted republications (``docs_corpus.py``).

    .venv/bin/python benchmarks/bench_index.py --quick    # 1k and 5k docs, ~2-3 minutes
    .venv/bin/python benchmarks/bench_index.py            # 20k and 100k docs, ~1 hour
    .venv/bin/python benchmarks/bench_index.py --docs 2000,10000 --rounds 3,1 --redis-docs 1000
    .venv/bin/python benchmarks/bench_index.py --docs 20000 --rounds 5
    .venv/bin/python benchmarks/bench_index.py --docs 5000 --profile nc_many   # cProfile only

Needs ``pip install rensa`` (a benchmark-only dependency, not in pyproject.toml), the
``redis`` client (``newsclean[redis]``) and a ``redis-server`` binary on PATH; a missing
one is reported and its rows skipped. Prints plain-text tables and writes the same
results, with every round's raw numbers, to ``benchmarks/out/index.json``.

What is measured, in ONE run:

1. Documents/s of the streaming loop "is this new? if so add it" over the first N
   documents of the corpus, for every method, in interleaved rounds (the method order
   rotates each round); median [min-max] over the rounds (``--rounds``: one number, or
   one per size). Every run is a fresh process (``--_child``): imports and a warm-up on
   64 documents happen before the clock starts, and no run inherits another's heap.

   - ``nc_many``: ``DedupIndex().add_many(texts, ids)`` in batches of ``--batch`` (256).
   - ``nc_one``: ``DedupIndex().add(text, id)``, one document at a time.
   - ``nc_many_w2``: ``add_many(texts, ids, workers=2)`` in batches of 5,000: two forked
     processes clean and fingerprint each batch, this one adds.
   - ``nc_prints``: ``DedupIndex().add_fingerprints(prints, ids)`` in batches of
     ``--batch``, the fingerprints made (by ``fingerprint(texts, workers=2)``) before the
     clock starts: the index's own add+query, what issue 4's "streaming index >= 50k
     documents/s add+query" asks of it. The time the fingerprints took is reported apart.
   - ``datasketch``: ``MinHashLSH(threshold=0.8, num_perm=128)`` (it picks 9 bands x 13
     rows), ``MinHash.bulk`` over each batch's word 3-gram shingles of the normalised
     text (NFKC, casefold, ``\\w+`` words), then ``query``, and ``insert`` when there is
     no candidate. A candidate IS its verdict: datasketch verifies nothing.
   - ``rensa_lsh``: rensa ``RMinHash.from_token_sets`` over the same shingles,
     ``RMinHashLSH(threshold=0.8, num_perm=128, num_bands=16)`` (16 x 8, as rensa's
     examples), ``query``; a candidate counts when the estimated Jaccard of the two
     sketches (``RMinHash.jaccard``, sketches kept in a dict) is >= 0.8, as rensa's own
     deduplicator does; ``insert`` when none does.
   - ``rensa_dedup``: rensa's high-level ``RMinHashDeduplicator(threshold=0.8,
     num_perm=128, use_lsh=True).add_pairs`` per batch (its README's streaming API; it
     defaults to 8 bands x 16 rows, and checks candidates by estimated Jaccard).
   - ``nc_clean``: ``Cleaner().clean(text)`` alone, no index: the cleaning newsclean does
     and the others do not (credits, datelines, in-document repeats). Its rate does not
     depend on N; it is measured on the first ``--clean-docs`` documents (default 20000).

2. Memory per indexed document, from the same runs: the resident set size (``VmRSS``)
   after the loop minus before it (the index, plus whatever the allocator kept), and
   the peak (``VmHWM``, reset before the loop) minus before. In separate runs, for sizes
   up to ``--trace-docs``: ``tracemalloc`` current (after the loop, index alive, after
   ``gc.collect()``) and peak. tracemalloc sees Python objects and numpy buffers but not
   memory that Rust allocates (rensa), so for rensa only the RSS numbers mean anything.

3. Redis, on the first ``--redis-docs`` documents (default 2000), against a real
   ``redis-server`` started here on a free loopback port (``--save "" --appendonly no``)
   and stopped at the end: round trips per document for ``RedisIndex.add_many`` (batch
   256), ``RedisIndex.add`` and datasketch ``MinHashLSH(storage_config={"type": "redis",
   ...})`` query-then-insert. A round trip is one ``send_packed_command`` on the client's
   connection (a pipeline is one); replies are ``read_response`` calls; server commands
   are the ``INFO commandstats`` delta (commands run inside Lua scripts included). Also
   docs/s (one pass) and Redis ``used_memory`` per indexed document, and whether each
   Redis run decides every document as its in-memory twin does.

4. Quality on the same corpus, per method and size: precision and recall of "is a
   near-duplicate of an earlier document" against the exact ground truth (word 3-gram
   Jaccard of the story text with the document it was made from >= 0.8, see
   ``docs_corpus.py``), misses by kind of edit, false alarms by kind of document, and
   whether the reported pair itself is right (exact Jaccard of the two stories >= 0.8;
   for datasketch, any of its candidates).
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import gc
import hashlib
import json
import os
import pickle
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
import docs_corpus  # noqa: E402

THRESHOLD = 0.8
NUM_PERM = 128
K = 8  # matches/candidates kept per document
WARM = 64

# -- the loops ------------------------------------------------------------------------
#
# Each loop fills ``dec``, shape (n, K + 1), int64: dec[i, 0] = number of matches reported
# for document i (0: new, added), dec[i, 1:] = up to K of their positions (-1: none,
# -2: a duplicate whose match the method does not name). It returns (index, indexed).

_WORD = re.compile(r"\w+")


def word_shingles(text: str) -> set[str]:
    """Word 3-grams of the normalised text (NFKC, casefolded, ``\\w+`` words): what the
    datasketch and rensa loops hash. No credits, datelines or repeats taken out."""
    w = _WORD.findall(unicodedata.normalize("NFKC", text).casefold())
    if len(w) < 3:
        return {" ".join(w)}
    return {f"{w[i]} {w[i + 1]} {w[i + 2]}" for i in range(len(w) - 2)}


def _put(dec: np.ndarray, i: int, matches: Sequence[int]) -> None:
    dec[i, 0] = len(matches)
    for k, m in enumerate(sorted(matches)[:K]):
        dec[i, 1 + k] = m


def _in_batches(add: Callable[..., Any], items: Sequence[Any], batch: int, dec: np.ndarray) -> None:
    """``add(chunk, ids)`` over consecutive batches; record the duplicates it reports."""
    for start in range(0, len(items), batch):
        chunk = items[start : start + batch]
        ids = [str(start + k) for k in range(len(chunk))]
        for k, r in enumerate(add(chunk, ids)):
            if not r.new:
                _put(dec, start + k, [int(r.duplicate_of or -1)])


def run_nc_many(texts: Sequence[str], batch: int, dec: np.ndarray) -> tuple[Any, int]:
    from newsclean.index import DedupIndex

    index = DedupIndex()
    _in_batches(index.add_many, texts, batch, dec)
    return index, len(index)


def run_nc_many_w2(texts: Sequence[str], batch: int, dec: np.ndarray) -> tuple[Any, int]:
    """``add_many(..., workers=2)`` in batches of ``W2_BATCH``: two processes clean and
    fingerprint, this one adds."""
    from newsclean.index import DedupIndex

    index = DedupIndex()
    _in_batches(lambda chunk, ids: index.add_many(chunk, ids, workers=2), texts, W2_BATCH, dec)
    return index, len(index)


def prepare_fingerprints(texts: Sequence[str]) -> Any:
    """Before the clock, for ``nc_prints``: every document's fingerprint (two processes)."""
    from newsclean.index import DedupIndex

    return DedupIndex().fingerprint(texts, workers=2)


def run_nc_prints(prints: Sequence[Any], batch: int, dec: np.ndarray) -> tuple[Any, int]:
    """``add_fingerprints`` of fingerprints made beforehand: the index's own add+query."""
    from newsclean.index import DedupIndex

    index = DedupIndex()
    _in_batches(index.add_fingerprints, prints, batch, dec)
    return index, len(index)


def run_nc_one(texts: Sequence[str], batch: int, dec: np.ndarray) -> tuple[Any, int]:
    from newsclean.index import DedupIndex

    index = DedupIndex()
    for i, text in enumerate(texts):
        r = index.add(text, str(i))
        if not r.new:
            _put(dec, i, [int(r.duplicate_of or -1)])
    return index, len(index)


def run_datasketch(
    texts: Sequence[str], batch: int, dec: np.ndarray, lsh: Any = None, counts: collections.Counter[str] | None = None
) -> tuple[Any, int]:
    """With ``counts`` (from ``count_round_trips``), also split the sends between queries
    and inserts."""
    from datasketch import MinHash, MinHashLSH

    if lsh is None:
        lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
    indexed = 0
    for start in range(0, len(texts), batch):
        chunk = texts[start : start + batch]
        sketches = MinHash.bulk([[s.encode("utf-8") for s in word_shingles(t)] for t in chunk], num_perm=NUM_PERM)
        for k, m in enumerate(sketches):
            before = counts["sends"] if counts is not None else 0
            candidates = lsh.query(m)
            if counts is not None:
                counts["query_sends"] += counts["sends"] - before
                before = counts["sends"]
            if candidates:
                _put(dec, start + k, candidates)
            else:
                lsh.insert(start + k, m)
                indexed += 1
                if counts is not None:
                    counts["insert_sends"] += counts["sends"] - before
    return lsh, indexed


def run_rensa_lsh(texts: Sequence[str], batch: int, dec: np.ndarray) -> tuple[Any, int]:
    from rensa import RMinHash, RMinHashLSH  # type: ignore[import-untyped,unused-ignore]

    lsh = RMinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM, num_bands=16)
    kept: dict[int, Any] = {}
    for start in range(0, len(texts), batch):
        chunk = texts[start : start + batch]
        sketches = RMinHash.from_token_sets([list(word_shingles(t)) for t in chunk], num_perm=NUM_PERM, seed=42)
        for k, m in enumerate(sketches):
            best, best_j = -1, -1.0
            for c in lsh.query(m):
                j = m.jaccard(kept[c])
                if j > best_j or (j == best_j and c < best):
                    best, best_j = c, j
            if best_j >= THRESHOLD:
                _put(dec, start + k, [best])
            else:
                lsh.insert(start + k, m)
                kept[start + k] = m
    return (lsh, kept), len(kept)


def run_rensa_dedup(texts: Sequence[str], batch: int, dec: np.ndarray) -> tuple[Any, int]:
    from rensa import RMinHashDeduplicator  # type: ignore[import-untyped,unused-ignore]

    dedup = RMinHashDeduplicator(threshold=THRESHOLD, num_perm=NUM_PERM, use_lsh=True)
    for start in range(0, len(texts), batch):
        chunk = texts[start : start + batch]
        flags = dedup.add_pairs([(str(start + k), list(word_shingles(t))) for k, t in enumerate(chunk)])
        for k, added in enumerate(flags):
            if not added:
                dec[start + k, 0] = 1
                dec[start + k, 1] = -2
    return dedup, dedup.len()


def run_nc_clean(texts: Sequence[str], batch: int, dec: np.ndarray) -> tuple[Any, int]:
    from newsclean import Cleaner

    cleaner = Cleaner()
    for text in texts:
        cleaner.clean(text)
    return None, 0


METHODS: dict[str, tuple[str, Callable[..., tuple[Any, int]]]] = {
    "nc_many": ("newsclean DedupIndex.add_many (batch)", run_nc_many),
    "nc_one": ("newsclean DedupIndex.add (one by one)", run_nc_one),
    "nc_many_w2": ("newsclean add_many, workers=2", run_nc_many_w2),
    "nc_prints": ("newsclean add_fingerprints (made before)", run_nc_prints),
    "datasketch": ("datasketch MinHashLSH 9x13, no verify", run_datasketch),
    "rensa_lsh": ("rensa RMinHashLSH 16x8 + est. Jaccard", run_rensa_lsh),
    "rensa_dedup": ("rensa RMinHashDeduplicator (8 bands)", run_rensa_dedup),
    "nc_clean": ("newsclean Cleaner.clean alone, no index", run_nc_clean),
}
INDEXES = [m for m in METHODS if m != "nc_clean"]
#: Methods whose input is prepared before the clock starts (and how).
PREPARE: dict[str, Callable[[Sequence[str]], Any]] = {"nc_prints": prepare_fingerprints}
W2_BATCH = 5000
TRACED = ["nc_many", "datasketch", "rensa_lsh", "rensa_dedup"]  # nc_one builds the same index as nc_many

# -- one measured run, in its own process ---------------------------------------------


def _statm_rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _hwm() -> int | None:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return None


def _reset_hwm() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def child(args: argparse.Namespace) -> None:
    import tracemalloc

    with open(args._corpus, "rb") as f:
        texts: list[str] = pickle.load(f)[: args._n]
    fn = METHODS[args._child][1]
    prepare = PREPARE.get(args._child)
    out: dict[str, Any] = {"method": args._child, "n": len(texts)}
    if prepare is not None:
        t0 = time.perf_counter()
        texts = prepare(texts)
        out["prepare_seconds"] = time.perf_counter() - t0
    # Warm-up: imports, compiled patterns, numpy; its index is thrown away.
    warm = np.full((WARM, K + 1), -1, dtype=np.int64)
    fn(texts[:WARM], args.batch, warm)
    del warm
    dec = np.full((len(texts), K + 1), -1, dtype=np.int64)
    dec[:, 0] = 0
    gc.collect()
    if args._trace:
        tracemalloc.start()
    else:
        out["hwm_reset"] = _reset_hwm()
        rss0 = _statm_rss()
        hwm0 = (_hwm() or rss0) if not out["hwm_reset"] else rss0
    t0 = time.perf_counter()
    index, indexed = fn(texts, args.batch, dec)
    out["seconds"] = time.perf_counter() - t0
    gc.collect()
    if args._trace:
        current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        out |= {"trace_current": current, "trace_peak": peak}
    else:
        hwm = _hwm()
        out |= {"rss_delta": _statm_rss() - rss0, "rss_peak_delta": None if hwm is None else hwm - hwm0}
    out["indexed"] = indexed
    out["loadavg"] = list(os.getloadavg())
    del index
    found = np.flatnonzero(dec[:, 0])
    out["decisions"] = {int(i): [int(dec[i, 0])] + [int(m) for m in dec[i, 1:] if m != -1] for i in found}
    with open(args._out, "w") as f:
        json.dump(out, f)


def snapshot_source(dest: Path, reuse: bool) -> tuple[str, dict[str, Any]]:
    """Copy src/newsclean to ``dest`` (with ``reuse``, keep the copy already there) so that
    every run measures the same code even if the working tree changes meanwhile, and a
    resumed benchmark measures what it started with; return (path, its identity)."""
    ident = dest / "identity.json"
    if reuse and ident.exists():
        return str(dest), dict(json.loads(ident.read_text()))
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(
        ROOT / "src" / "newsclean", dest / "newsclean", ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
    )
    digest = hashlib.sha256()
    for path in sorted((dest / "newsclean").rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(dest)).encode() + b"\0" + path.read_bytes())

    def git(*cmd: str) -> str:
        try:
            return subprocess.run(["git", "-C", str(ROOT), *cmd], capture_output=True, text=True).stdout.strip()
        except OSError:
            return ""

    identity = {
        "commit": git("rev-parse", "--short", "HEAD"),
        "uncommitted": git("status", "--porcelain", "--", "src").splitlines(),
        "sha256": digest.hexdigest()[:16],
        "copied": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    ident.write_text(json.dumps(identity))
    return str(dest), identity


def run_child(
    method: str, n: int, corpus_path: Path, tmp: Path, src: str, batch: int, trace: bool = False
) -> dict[str, Any]:
    out = tmp / f"{method}-{n}-{'t' if trace else 'r'}.json"
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--_child",
        method,
        "--_n",
        str(n),
        "--_corpus",
        str(corpus_path),
        "--_out",
        str(out),
        "--batch",
        str(batch),
    ]
    if trace:
        cmd.append("--_trace")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [src, os.environ.get("PYTHONPATH")])))
    subprocess.run(cmd, check=True, env=env)
    result: dict[str, Any] = json.loads(out.read_text())
    out.unlink()
    return result


# -- quality --------------------------------------------------------------------------


class PairJudge:
    """Exact Jaccard of two documents' story texts (word 3-grams), memoised per pair."""

    def __init__(self, docs: Sequence[docs_corpus.Doc]) -> None:
        self.docs = docs
        self.memo: dict[tuple[int, int], float] = {}

    def __call__(self, i: int, j: int) -> float:
        pair = (min(i, j), max(i, j))
        if pair not in self.memo:
            a = docs_corpus.shingles(self.docs[i].content)
            b = docs_corpus.shingles(self.docs[j].content)
            self.memo[pair] = docs_corpus.jaccard(a, b)
        return self.memo[pair]


def quality(docs: Sequence[docs_corpus.Doc], decisions: dict[int, list[int]], judge: PairJudge) -> dict[str, Any]:
    truth = [d.is_duplicate(THRESHOLD) for d in docs]
    tp = fp = fn = 0
    right_pairs = wrong_pairs = unnamed = 0
    missed: collections.Counter[str] = collections.Counter()
    false: collections.Counter[str] = collections.Counter()
    for i, d in enumerate(docs):
        reported = i in decisions
        if reported:
            matches = [m for m in decisions[i][1:] if m >= 0]
            if not matches:
                unnamed += 1
            elif any(judge(i, m) >= THRESHOLD for m in matches):
                right_pairs += 1
            else:
                wrong_pairs += 1
        if reported and truth[i]:
            tp += 1
        elif reported:
            fp += 1
            if d.kind == "republication":
                j = d.truth_j or 0.0
                false["republication J " + ("0.7-0.8" if j >= 0.7 else "0.6-0.7" if j >= 0.6 else "<0.6")] += 1
            else:
                false[d.kind] += 1
        elif truth[i]:
            fn += 1
            for e in d.edits:
                missed[e] += 1
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    named = right_pairs + wrong_pairs
    return {
        "true_duplicates": sum(truth),
        "reported": tp + fp,
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "precision": p,
        "recall": r,
        "f1": 2 * p * r / (p + r) if p + r else 0.0,
        "pairs_right": right_pairs,
        "pairs_wrong": wrong_pairs,
        "pairs_unnamed": unnamed,
        "pair_precision": right_pairs / named if named else None,
        "missed_by_edit": dict(missed.most_common()),
        "false_by_kind": dict(false.most_common()),
    }


# -- Redis ----------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def redis_server() -> Iterator[tuple[str, int, str]]:
    """A redis-server of our own on a free loopback port; yields (url, port, version)."""
    import redis

    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    version = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.strip()
    port = _free_port()
    workdir = tempfile.mkdtemp(prefix="bench-index-redis-")
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", workdir],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                redis.Redis(port=port, socket_timeout=1).ping()
                break
            except redis.exceptions.ConnectionError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError(f"redis-server did not start on port {port}") from None
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0", port, version
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(workdir, ignore_errors=True)


@contextlib.contextmanager
def count_round_trips() -> Iterator[collections.Counter[str]]:
    """Count, on every redis-py connection, each send (a round trip: the client then waits
    for the reply; a pipeline is one send) and each reply read."""
    from redis.connection import AbstractConnection

    counts: collections.Counter[str] = collections.Counter()
    send: Any = AbstractConnection.send_packed_command
    read: Any = AbstractConnection.read_response

    def counted_send(self: Any, *args: Any, **kwargs: Any) -> Any:
        counts["sends"] += 1
        return send(self, *args, **kwargs)

    def counted_read(self: Any, *args: Any, **kwargs: Any) -> Any:
        counts["replies"] += 1
        return read(self, *args, **kwargs)

    AbstractConnection.send_packed_command = counted_send  # type: ignore[method-assign]
    AbstractConnection.read_response = counted_read  # type: ignore[method-assign]
    try:
        yield counts
    finally:
        AbstractConnection.send_packed_command = send  # type: ignore[method-assign]
        AbstractConnection.read_response = read  # type: ignore[method-assign]


def bench_redis(texts: Sequence[str], batch: int, docs: Sequence[docs_corpus.Doc], judge: PairJudge) -> dict[str, Any]:
    import redis
    from datasketch import MinHashLSH

    import newsclean.index

    RedisIndex: Any = newsclean.index.RedisIndex  # newsclean.index imports it on demand

    n = len(texts)
    results: dict[str, Any] = {"docs": n}
    # In-memory twins, to check that each Redis run decides every document the same way.
    twins = {}
    for name in ("nc_many", "nc_one", "datasketch"):
        dec = np.full((n, K + 1), -1, dtype=np.int64)
        dec[:, 0] = 0
        METHODS[name][1](texts, batch, dec)
        twins[name] = dec

    with redis_server() as (url, port, version):
        results["server"] = version
        admin = redis.Redis(port=port)

        def nc_redis_many(dec: np.ndarray) -> None:
            index = RedisIndex(url, namespace="bench")
            try:
                with count_round_trips() as counts:
                    t0 = time.perf_counter()
                    for start in range(0, n, batch):
                        chunk = texts[start : start + batch]
                        ids = [str(start + k) for k in range(len(chunk))]
                        for k, r in enumerate(index.add_many(chunk, ids)):
                            if not r.new:
                                _put(dec, start + k, [int(r.duplicate_of or -1)])
                    seconds = time.perf_counter() - t0
                stats.update(counts, seconds=seconds, indexed=len(index))
            finally:
                index.close()

        def nc_redis_one(dec: np.ndarray) -> None:
            index = RedisIndex(url, namespace="bench")
            try:
                with count_round_trips() as counts:
                    t0 = time.perf_counter()
                    for i, text in enumerate(texts):
                        r = index.add(text, str(i))
                        if not r.new:
                            _put(dec, i, [int(r.duplicate_of or -1)])
                    seconds = time.perf_counter() - t0
                stats.update(counts, seconds=seconds, indexed=len(index))
            finally:
                index.close()

        def ds_redis(dec: np.ndarray) -> None:
            lsh = MinHashLSH(
                threshold=THRESHOLD,
                num_perm=NUM_PERM,
                storage_config={"type": "redis", "basename": b"bench", "redis": {"host": "127.0.0.1", "port": port}},
            )
            with count_round_trips() as counts:
                t0 = time.perf_counter()
                _, indexed = run_datasketch(texts, batch, dec, lsh=lsh, counts=counts)
                seconds = time.perf_counter() - t0
            stats.update(counts, seconds=seconds, indexed=indexed)

        runs = [
            ("nc_many", f"newsclean RedisIndex.add_many ({batch})", nc_redis_many),
            ("nc_one", "newsclean RedisIndex.add (one by one)", nc_redis_one),
            ("datasketch", "datasketch MinHashLSH redis, query+insert", ds_redis),
        ]
        for twin, label, fn in runs:
            admin.flushall()
            admin.config_resetstat()
            mem0 = int(admin.info("memory")["used_memory"])
            stats: dict[str, Any] = {}
            dec = np.full((n, K + 1), -1, dtype=np.int64)
            dec[:, 0] = 0
            print(f"  redis: {label} on {n} docs ...", file=sys.stderr, flush=True)
            fn(dec)
            commands = {
                k.removeprefix("cmdstat_"): int(v["calls"])
                for k, v in admin.info("commandstats").items()
                if not k.removeprefix("cmdstat_").startswith(("info", "config", "flushall"))
            }
            mem1 = int(admin.info("memory")["used_memory"])
            decisions = {
                int(i): [int(dec[i, 0])] + [int(m) for m in dec[i, 1:] if m != -1] for i in np.flatnonzero(dec[:, 0])
            }
            agree = int(np.sum((dec[:, 0] > 0) == (twins[twin][:, 0] > 0)))
            results[twin] = {
                "label": label,
                "round_trips_per_doc": stats["sends"] / n,
                "round_trips_per_query": stats["query_sends"] / n if "query_sends" in stats else None,
                "round_trips_per_insert": stats["insert_sends"] / stats["indexed"] if "insert_sends" in stats else None,
                "replies_per_doc": stats["replies"] / n,
                "server_commands_per_doc": sum(commands.values()) / n,
                "server_commands": dict(sorted(commands.items(), key=lambda kv: -kv[1])),
                "docs_per_s": n / stats["seconds"],
                "seconds": stats["seconds"],
                "indexed": stats["indexed"],
                "used_memory_per_indexed_doc": (mem1 - mem0) / max(stats["indexed"], 1),
                "same_verdict_as_in_memory": agree,
                "quality": quality(docs[:n], decisions, judge),
            }
    return results


# -- profile --------------------------------------------------------------------------


def profile(method: str, texts: Sequence[str], batch: int) -> None:
    import cProfile
    import pstats

    fn = METHODS[method][1]
    if method in PREPARE:
        texts = PREPARE[method](texts)
    fn(texts[:WARM], batch, np.full((WARM, K + 1), -1, dtype=np.int64))
    dec = np.full((len(texts), K + 1), -1, dtype=np.int64)
    dec[:, 0] = 0
    prof = cProfile.Profile()
    prof.enable()
    fn(texts, batch, dec)
    prof.disable()
    stats = pstats.Stats(prof, stream=sys.stdout)
    stats.strip_dirs().sort_stats("tottime").print_stats(25)
    stats.sort_stats("cumulative").print_stats(35)


# -- report ---------------------------------------------------------------------------


def _rate(n: int, seconds: Sequence[float]) -> dict[str, Any]:
    rates = [n / s for s in seconds]
    return {
        "docs": n,
        "seconds": list(seconds),
        "docs_per_s_median": statistics.median(rates),
        "docs_per_s_min": min(rates),
        "docs_per_s_max": max(rates),
        "rounds": len(rates),
    }


def _fmt_rate(r: dict[str, Any] | None) -> str:
    if r is None:
        return "-"
    if r["rounds"] == 1:
        return f"{r['docs_per_s_median']:7.0f} (1 round)"
    return f"{r['docs_per_s_median']:7.0f} [{r['docs_per_s_min']:.0f}-{r['docs_per_s_max']:.0f}]"


def _kb(x: float | None) -> str:
    return "-" if x is None else f"{x / 1024:6.2f}"


def _mb(x: float | None) -> str:
    return "-" if x is None else f"{x / 1e6:7.1f}"


def report(res: dict[str, Any]) -> str:
    sizes = res["sizes"]
    out = []
    w = 40
    c = res["corpus"]
    src = res.get("source", {})
    out.append(
        f"newsclean {res['versions']['newsclean']} (src of {src.get('commit')}"
        f"{', with uncommitted changes to ' + ', '.join(x.split()[-1] for x in src['uncommitted']) if src.get('uncommitted') else ''}"
        f", sha256 {src.get('sha256')}), datasketch {res['versions']['datasketch']}, "
        f"rensa {res['versions']['rensa']}, numpy {res['versions']['numpy']}, Python {res['python']}, "
        f"{res['machine']}"
    )
    out.append(
        f"corpus (seed {res['seed']}): {c['documents']} docs, {c['megabytes']} MB, bytes min/median/max "
        f"{'/'.join(map(str, c['bytes_min_median_max']))}; kinds {c['kinds']}"
    )
    for n in sizes:
        s = res["corpus_by_size"][str(n)]
        out.append(
            f"  first {n}: {s['true_duplicates']} true near-duplicates (J >= {THRESHOLD} with their source), "
            f"{s['republications_below_threshold']} republications below {THRESHOLD}, "
            f"{s['kinds'].get('follow_up', 0) + s['kinds'].get('shared_quote', 0)} hard negatives"
        )
    out.append("")
    out.append("1. add+query throughput, docs/s: median [min-max] over interleaved rounds, fresh process per run")
    out.append(f"{'method':{w}}" + "".join(f"{f'N = {n}':>26}" for n in sizes))
    for m in res["methods"]:
        cells = []
        for n in sizes:
            cells.append(f"{_fmt_rate(res['throughput'].get(m, {}).get(str(n))):>26}")
        out.append(f"{METHODS[m][0]:{w}}" + "".join(cells))
    if "nc_clean" in res["throughput"] and "nc_many" in res["throughput"]:
        for n in sizes:
            many = res["throughput"]["nc_many"].get(str(n))
            clean = res["throughput"]["nc_clean"].get(str(n))
            if many and clean:
                share = many["docs_per_s_median"] / clean["docs_per_s_median"]
                out.append(
                    f"  N = {n}: Cleaner.clean (rate on the first {min(n, res['clean_docs'])} docs; the others "
                    f"do no cleaning) is {share:.0%} of add_many's time"
                )
    if "nc_many" in res["throughput"]:
        for n in sizes:
            base = res["throughput"]["nc_many"].get(str(n))
            if not base:
                continue
            ratios = ", ".join(
                f"{m} {res['throughput'][m][str(n)]['docs_per_s_median'] / base['docs_per_s_median']:.2f}x"
                for m in res["methods"]
                if m not in ("nc_many", "nc_clean") and str(n) in res["throughput"].get(m, {})
            )
            out.append(f"  N = {n}, rate relative to newsclean add_many: {ratios}")
    if "nc_prints" in res["throughput"]:
        for n in sizes:
            add = res["throughput"]["nc_prints"].get(str(n))
            made = res.get("prepared", {}).get("nc_prints", {}).get(str(n))
            if not add:
                continue
            rate = add["docs_per_s_median"]
            text_in = ", ".join(
                f"{METHODS[m][0]} {res['throughput'][m][str(n)]['docs_per_s_median']:.0f}"
                for m in ("nc_many", "nc_many_w2")
                if str(n) in res["throughput"].get(m, {})
            )
            out.append(
                f"  N = {n}, goal 'the index >= 50k docs/s add+query in memory': add_fingerprints "
                f"{rate:.0f} docs/s ({'met' if rate >= 50_000 else 'MISSED'}); the fingerprints took "
                f"{made['docs_per_s_median'] if made else float('nan'):.0f} docs/s with 2 workers; text in "
                f"(clean + fingerprint + add): {text_in or 'not measured'}"
            )
    out.append("")
    out.append("2. memory: per indexed document (KiB) after the loop, and the loop's peak above the start (MB)")
    out.append("   RSS from the timed runs (median); tracemalloc from separate runs (it cannot see rensa's Rust heap)")
    out.append(f"{'method':{w}}{'N':>8}{'indexed':>9}{'RSS/doc':>9}{'RSS peak':>10}{'traced/doc':>11}{'tr. peak':>10}")
    for m in INDEXES:
        for n in sizes:
            mem = res["memory"].get(m, {}).get(str(n))
            if not mem:
                continue
            out.append(
                f"{METHODS[m][0]:{w}}{n:>8}{mem['indexed']:>9}{_kb(mem.get('rss_per_indexed')):>9}"
                f"{_mb(mem.get('rss_peak_bytes')):>10}{_kb(mem.get('trace_current_per_indexed')):>11}"
                f"{_mb(mem.get('trace_peak_bytes')):>10}"
            )
    out.append("")
    if res.get("redis"):
        r = res["redis"]
        if "error" in r:
            out.append(f"3. Redis: skipped ({r['error']})")
        else:
            out.append(f"3. Redis ({r['server'].split(' sha=')[0]}), first {r['docs']} docs, one pass each")
            out.append(
                f"{'method':{w}}{'trips/doc':>10}{'replies':>9}{'srv cmds':>9}{'docs/s':>8}"
                f"{'KiB/doc':>9}{'P':>7}{'R':>7}  same as in-memory"
            )
            for key in ("nc_many", "nc_one", "datasketch"):
                x = r[key]
                q = x["quality"]
                out.append(
                    f"{x['label']:{w}}{x['round_trips_per_doc']:>10.2f}{x['replies_per_doc']:>9.2f}"
                    f"{x['server_commands_per_doc']:>9.1f}{x['docs_per_s']:>8.0f}"
                    f"{x['used_memory_per_indexed_doc'] / 1024:>9.2f}{q['precision']:>7.3f}{q['recall']:>7.3f}"
                    f"  {x['same_verdict_as_in_memory']}/{r['docs']}"
                )
            ds = r["datasketch"]
            if ds.get("round_trips_per_query") is not None:
                out.append(
                    f"  datasketch: {ds['round_trips_per_query']:.1f} round trips per query (all documents), "
                    f"{ds['round_trips_per_insert']:.1f} per insert ({ds['indexed']} inserted); "
                    f"RedisIndex.add_many: {r['nc_many']['round_trips_per_doc'] * r['docs']:.0f} in all"
                )
            for key in ("nc_many", "nc_one", "datasketch"):
                top = ", ".join(f"{k} {v / r['docs']:.1f}" for k, v in list(r[key]["server_commands"].items())[:6])
                out.append(f"  {key} server commands per doc: {top}")
        out.append("")
    out.append(f"4. quality: 'near-duplicate of an earlier document' vs exact ground truth (J >= {THRESHOLD})")
    out.append(
        f"{'method':{w}}{'N':>8}{'truth':>7}{'reported':>9}{'FP':>6}{'FN':>6}{'prec.':>8}{'recall':>8}{'pairs ok':>10}"
    )
    for m in INDEXES:
        for n in sizes:
            q = res["quality"].get(m, {}).get(str(n))
            if not q:
                continue
            pp = "n/a" if q["pair_precision"] is None else f"{q['pair_precision']:.4f}"
            out.append(
                f"{METHODS[m][0]:{w}}{n:>8}{q['true_duplicates']:>7}{q['reported']:>9}{q['fp']:>6}{q['fn']:>6}"
                f"{q['precision']:>8.4f}{q['recall']:>8.4f}{pp:>10}"
            )
    n = sizes[-1]
    out.append(f"  at N = {n}, misses (FN) by edit and false alarms (FP) by kind of document:")
    for m in INDEXES:
        q = res["quality"].get(m, {}).get(str(n))
        if q:
            fn = ", ".join(f"{k} {v}" for k, v in q["missed_by_edit"].items()) or "none"
            fp = ", ".join(f"{k} {v}" for k, v in q["false_by_kind"].items()) or "none"
            out.append(f"  {m:12} FN: {fn}")
            out.append(f"  {'':12} FP: {fp}")
    load = res.get("loadavg", {})
    if load:
        out.append(
            f"load average (1 min) at start {load['start'][0]:.2f}, at end {load['end'][0]:.2f} "
            f"on {os.cpu_count()} CPUs"
            + (
                ": OTHER WORK WAS RUNNING, absolute rates are low; compare within a round"
                if max(load["start"][0], load["end"][0]) > 0.75 * (os.cpu_count() or 1)
                else ""
            )
        )
    if res.get("nondeterministic"):
        out.append(f"  WARNING: verdicts differed between rounds for {res['nondeterministic']}")
    return "\n".join(out)


# -- main -----------------------------------------------------------------------------


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in ("newsclean", "datasketch", "rensa", "numpy", "redis"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "missing"
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", default="20000,100000", help="corpus sizes, comma-separated (default 20000,100000)")
    ap.add_argument(
        "--quick",
        action="store_true",
        help="a check that everything runs: --docs 1000,5000 --rounds 3,1 --redis-docs 500 "
        "--clean-docs 1000 --trace-docs 1000",
    )
    ap.add_argument("--rounds", default="3,1", help="interleaved rounds: one number, or one per size (default 3,1)")
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--seed", type=int, default=20240607)
    ap.add_argument("--methods", default=",".join(METHODS), help="comma-separated subset of " + ",".join(METHODS))
    ap.add_argument("--clean-docs", type=int, default=20000, help="documents for the clean-only rate")
    ap.add_argument("--trace-docs", type=int, default=20000, help="tracemalloc runs for sizes up to this")
    ap.add_argument("--redis-docs", type=int, default=2000, help="documents for the Redis runs (0: skip)")
    ap.add_argument("--out", default=str(HERE / "out" / "index.json"))
    ap.add_argument("--doc", metavar="PATH", help="also write the report as a Markdown page (docs/benchmarks-index.md)")
    ap.add_argument(
        "--resume",
        action="store_true",
        help="reuse the runs already finished (OUT.runs.jsonl) and the source copy (OUT-src/) "
        "of an earlier, interrupted benchmark with the same parameters",
    )
    ap.add_argument("--profile", metavar="METHOD", help="only cProfile METHOD over the first (smallest) size")
    ap.add_argument("--_child", help=argparse.SUPPRESS)
    ap.add_argument("--_n", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--_corpus", help=argparse.SUPPRESS)
    ap.add_argument("--_out", help=argparse.SUPPRESS)
    ap.add_argument("--_trace", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args._child:
        child(args)
        return
    if args.quick:
        args.docs, args.rounds = "1000,5000", "3,1"
        args.redis_docs = min(args.redis_docs, 500)
        args.clean_docs = min(args.clean_docs, 1000)
        args.trace_docs = min(args.trace_docs, 1000)
    sizes = sorted(int(x) for x in args.docs.split(","))
    rounds = [int(x) for x in args.rounds.split(",")]
    rounds = rounds + [rounds[-1]] * (len(sizes) - len(rounds))
    versions = _versions()
    methods = [m for m in args.methods.split(",") if m]
    unknown = set(methods) - set(METHODS)
    if unknown:
        ap.error(f"unknown methods {sorted(unknown)}")
    if versions["rensa"] == "missing":
        print("rensa is not installed (pip install rensa): its rows are skipped", file=sys.stderr)
        methods = [m for m in methods if not m.startswith("rensa")]

    started = time.time()
    t0 = time.perf_counter()
    docs = docs_corpus.corpus(sizes[-1], args.seed)
    print(f"corpus: {len(docs)} docs in {time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)
    texts = [d.text for d in docs]
    if args.profile:
        profile(args.profile, texts[: sizes[0]], args.batch)
        return

    res: dict[str, Any] = {
        "command": [sys.argv[0], *sys.argv[1:]],
        "started": time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(started)),
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}",
        "versions": versions,
        "seed": args.seed,
        "sizes": sizes,
        "rounds": rounds,
        "batch": args.batch,
        "threshold": THRESHOLD,
        "num_perm": NUM_PERM,
        "clean_docs": args.clean_docs,
        "methods": methods,
        "corpus": docs_corpus.summary(docs, THRESHOLD),
        "corpus_by_size": {str(n): docs_corpus.summary(docs[:n], THRESHOLD) for n in sizes},
        "throughput": {},
        "memory": {},
        "quality": {},
        "redis": None,
        "loadavg": {"start": list(os.getloadavg())},
    }
    judge = PairJudge(docs)
    runs: dict[tuple[str, int], list[dict[str, Any]]] = collections.defaultdict(list)
    nondeterministic = []
    out_path = Path(args.out)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    # Every finished run is appended here; --resume reuses those made with the same
    # parameters and the same copy of the source (a killed benchmark loses one run).
    runs_file = out_path.with_suffix(".runs.jsonl")
    snapshot, res["source"] = snapshot_source(out_path.parent / (out_path.stem + "-src"), args.resume)
    sys.path.insert(0, snapshot)  # the Redis runs, in this process, measure the same copy
    print(
        f"measuring src/newsclean of {res['source']['commit']} (+{len(res['source']['uncommitted'])} "
        f"uncommitted files, sha256 {res['source']['sha256']}), copied to {snapshot}",
        file=sys.stderr,
        flush=True,
    )
    cache: dict[str, dict[str, Any]] = {}
    if args.resume and runs_file.exists():
        for line in runs_file.read_text().splitlines():
            with contextlib.suppress(ValueError):
                rec = json.loads(line)
                cache[rec["key"]] = rec["result"]
    else:
        runs_file.write_text("")

    def measured(m: str, size: int, n: int, r: int, path: Path, trace: bool = False) -> tuple[dict[str, Any], bool]:
        key = json.dumps([m, size, n, r, trace, args.seed, args.batch, res["source"]["sha256"]])
        if key in cache:
            return cache[key], True
        one = run_child(m, size, path, tmp, snapshot, args.batch, trace)
        with open(runs_file, "a") as f:
            f.write(json.dumps({"key": key, "result": one}) + "\n")
        return one, False

    with tempfile.TemporaryDirectory(prefix="bench-index-") as tmpdir:
        tmp = Path(tmpdir)
        paths = {}
        for n in sorted(set(sizes) | {min(args.clean_docs, sizes[-1])}):
            paths[n] = tmp / f"texts-{n}.pickle"
            with open(paths[n], "wb") as f:
                pickle.dump(texts[:n], f, protocol=pickle.HIGHEST_PROTOCOL)
        # 1 + 2: interleaved rounds, one fresh process per run.
        for n, n_rounds in zip(sizes, rounds):
            for r in range(n_rounds):
                order = methods[r % len(methods) :] + methods[: r % len(methods)]
                for m in order:
                    size = min(n, args.clean_docs) if m == "nc_clean" else n
                    one, cached = measured(m, size, n, r, paths[size])
                    runs[(m, n)].append(one)
                    print(
                        f"[N={n} round {r + 1}/{n_rounds}] {m:12} {one['seconds']:8.2f} s "
                        f"{size / one['seconds']:7.0f} docs/s  indexed {one['indexed']}  load {one['loadavg'][0]:.1f}"
                        + ("  (from an earlier run: --resume)" if cached else ""),
                        file=sys.stderr,
                        flush=True,
                    )
        for (m, n), rs in runs.items():
            size = rs[0]["n"]
            res["throughput"].setdefault(m, {})[str(n)] = _rate(size, [x["seconds"] for x in rs])
            if "prepare_seconds" in rs[0]:
                res.setdefault("prepared", {}).setdefault(m, {})[str(n)] = _rate(
                    size, [x["prepare_seconds"] for x in rs]
                )
            if m == "nc_clean":
                continue
            if any(x["decisions"] != rs[0]["decisions"] for x in rs[1:]):
                nondeterministic.append(f"{m} N={n}")
            indexed = rs[0]["indexed"]
            rss = statistics.median(x["rss_delta"] for x in rs)
            peaks = [x["rss_peak_delta"] for x in rs if x["rss_peak_delta"] is not None]
            res["memory"].setdefault(m, {})[str(n)] = {
                "indexed": indexed,
                "rss_delta_bytes": rss,
                "rss_per_indexed": rss / max(indexed, 1),
                "rss_peak_bytes": statistics.median(peaks) if peaks else None,
                "hwm_reset": rs[0].get("hwm_reset"),
            }
            decisions = {int(k): v for k, v in rs[0]["decisions"].items()}
            res["quality"].setdefault(m, {})[str(n)] = quality(docs[:n], decisions, judge)
        res["nondeterministic"] = nondeterministic
        res["raw_runs"] = {
            f"{m}/{n}": [{k: v for k, v in x.items() if k != "decisions"} for x in rs] for (m, n), rs in runs.items()
        }
        # 2b: tracemalloc, separate runs (it slows everything down).
        for n in sizes:
            if n > args.trace_docs:
                continue
            for m in [m for m in TRACED if m in methods]:
                one, _ = measured(m, n, n, 0, paths[n], trace=True)
                print(
                    f"[N={n} tracemalloc] {m:12} current {one['trace_current'] / 1e6:.1f} MB, "
                    f"peak {one['trace_peak'] / 1e6:.1f} MB",
                    file=sys.stderr,
                    flush=True,
                )
                mem = res["memory"].setdefault(m, {}).setdefault(str(n), {"indexed": one["indexed"]})
                mem |= {
                    "trace_current_bytes": one["trace_current"],
                    "trace_peak_bytes": one["trace_peak"],
                    "trace_current_per_indexed": one["trace_current"] / max(one["indexed"], 1),
                    "trace_peak_per_indexed": one["trace_peak"] / max(one["indexed"], 1),
                }
        # 3: Redis.
        if args.redis_docs:
            try:
                import redis  # noqa: F401

                if not (shutil.which("redis-server") or os.path.exists("/usr/bin/redis-server")):
                    raise RuntimeError("no redis-server binary")
                n = min(args.redis_docs, sizes[-1])
                res["redis"] = bench_redis(texts[:n], args.batch, docs, judge)
            except (ImportError, RuntimeError) as err:
                res["redis"] = {"error": str(err)}
    res["seconds_total"] = time.time() - started
    res["loadavg"]["end"] = list(os.getloadavg())
    with open(args.out, "w") as out_file:
        json.dump(res, out_file, indent=1)
    text = report(res)
    print(text)
    if args.doc:
        write_doc(Path(args.doc), res, text)
    print(f"\n{time.time() - started:.0f} s in all; JSON: {args.out}" + (f"; page: {args.doc}" if args.doc else ""))


def write_doc(path: Path, res: dict[str, Any], text: str) -> None:
    """The report as a Markdown page, with the command that made it."""
    command = " ".join(["python", "benchmarks/bench_index.py", *res["command"][1:]])
    page = [
        "# Benchmark: the cross-document index\n",
        f"Made by `{command}` on {res['started']} ({res['seconds_total'] / 60:.0f} minutes). What each "
        "method does and how memory and quality are measured is in the docstring of "
        "`benchmarks/bench_index.py`; the raw numbers of every run are in `benchmarks/out/index.json`.\n",
        "Issue 4 asks the streaming index for >= 50k documents/s add+query in memory: that is the "
        "`add_fingerprints` row (the index's own work, fingerprints made before the clock). Adding "
        "text cleans and fingerprints every document first (`add_many`, one or two processes), "
        "which `Cleaner.clean` alone bounds.\n",
        # (docs/_generate.py draws the chart from the table below at each docs build)
        "```{image} _generated/index-throughput.png",
        ":alt: Bar chart of the throughput table below (section 1), documents per second on a log "
        "scale, median with min-max bars, drawn from this page's table when the docs are built.",
        "```\n",
        "```text",
        text,
        "```",
    ]
    path.write_text("\n".join(page) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
