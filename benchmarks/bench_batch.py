"""Batch near-duplicate detection, text in -> decisions out: ``newsclean.near_duplicates``
against datasketch best practice and a rensa pipeline, side by side in one run.

    .venv/bin/pip install rensa matplotlib      # benchmark-only dependencies
    .venv/bin/python benchmarks/bench_batch.py            # 10k and 100k paragraphs (~10 min)
    .venv/bin/python benchmarks/bench_batch.py --quick    # 10k only (~2 min)
    .venv/bin/python benchmarks/bench_batch.py --full     # and 1M (newsclean, rensa)
    .venv/bin/python benchmarks/bench_batch.py --profile  # cProfile of near_duplicates at 100k

Corpus: ``paragraph_corpus.py`` (deterministic news-like paragraphs, 20% planted
near-duplicates of known exact Jaccard); ground truth: ``paragraph_truth.py`` (exact
Jaccard of character 5-gram sets of ``newsclean._text.normalize.key``, newsclean's decision
rule: a text repeats the first earlier kept text at J >= 0.8).

Methods, each timed from the list of texts to one decision per text (``duplicate_of``),
in a fresh subprocess per run (rounds interleaved, order rotated each round):

* ``newsclean-w1`` / ``newsclean-w2``: ``near_duplicates(texts, workers=1 | 2)``;
* ``datasketch``: ``keys()`` -> Python sets of character 5-grams, encoded to bytes ->
  ``MinHash.bulk(num_perm=128, seed=1)`` (scheme affine32, the 2.0 default) ->
  ``MinHashLSH(threshold=0.8, num_perm=128)``: per text, query; the text is a duplicate of
  the first candidate whose estimated Jaccard (``MinHash.jaccard``) is >= 0.8, else it is
  inserted (first wins, only kept texts are indexed);
* ``rensa``: the same sets (str tokens) -> ``RMinHash.from_token_sets`` ->
  ``RMinHashLSH(threshold=0.8, num_perm=128, num_bands=16)`` and the same loop.

Peak memory: the peak resident set of the run (``VmHWM``, i.e. ``ru_maxrss`` of the
process image, reset through ``/proc/self/clear_refs`` before the warm-up) minus the
resident set just before the warm-up on the first 3,000 texts (after imports and corpus load). For ``newsclean-w2`` the forked workers' peak (``RUSAGE_CHILDREN``,
less the inherited resident set) is reported too, and counted once per forked process in the
total (``near_duplicates(workers=2)`` forks one: the calling process is the other worker).
The two share the sketch arrays (shared memory): those pages count in both peaks, so the
total overstates the memory used by up to their size (about 340 bytes a text).
"""

from __future__ import annotations

import argparse
import datetime
import gc
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
CACHE = OUT / "cache"
DOCS = ROOT / "docs"
PLOT = DOCS / "_static" / "throughput.png"
#: Processes each method forks (counted in its peak memory): near_duplicates(workers=2) forks
#: one; the calling process is the other worker.
FORKED = {"newsclean-w2": 1}
sys.path.insert(0, str(HERE))

THRESHOLD = 0.8
NUM_PERM = 128
SEED = 1  # MinHash seed of every method
CORPUS_SEED = 1
RENSA_BANDS = 16
WARMUP = 3_000  # more than a chunk: the first call of a process also grows its heap (~0.1 s)
IDLE_CORES = 0.1  # a run is "idle" when other processes used less CPU than this
JOIN_MAX = 200_000  # the exact all-pairs join runs on at most this many paragraphs
METHODS = ("newsclean-w1", "newsclean-w2", "datasketch", "rensa")
LABELS = {
    "newsclean-w1": "newsclean (1 core)",
    "newsclean-w2": "newsclean (2 workers)",
    "datasketch": "datasketch bulk + MinHashLSH",
    "rensa": "rensa RMinHash + RMinHashLSH",
}


# -- the methods (run inside a worker subprocess) -----------------------------------------


def _shingle_sets(texts: list[str]) -> Iterator[set[str]]:
    from newsclean._text.normalize import keys

    for k in keys(texts):
        yield {k[i : i + 5] for i in range(len(k) - 4)} if len(k) > 5 else {k}


Run = Callable[[list[str]], npt.NDArray[np.int64]]


def prepare(method: str) -> tuple[Run, dict[str, int]]:
    """Import what the method needs; return ``run(texts) -> duplicate_of`` (int64) and a
    dict where it leaves the number of LSH candidates."""
    info = {"candidates": -1}
    if method.startswith("newsclean"):
        import newsclean

        workers = int(method[-1])

        def run(texts: list[str]) -> npt.NDArray[np.int64]:
            r = newsclean.near_duplicates(texts, threshold=THRESHOLD, num_perm=NUM_PERM, seed=SEED, workers=workers)
            info["candidates"] = r.candidates
            return r.duplicate_of

        return run, info
    if method == "datasketch":
        from datasketch import MinHash, MinHashLSH

        def run(texts: list[str]) -> npt.NDArray[np.int64]:
            sets = ([s.encode("utf-8") for s in sh] for sh in _shingle_sets(texts))
            mhs = MinHash.bulk(sets, num_perm=NUM_PERM, seed=SEED)
            lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
            dup = np.full(len(texts), -1, dtype=np.int64)
            candidates = 0
            for j, m in enumerate(mhs):
                found = lsh.query(m)
                candidates += len(found)
                for c in found:
                    if m.jaccard(mhs[c]) >= THRESHOLD:
                        dup[j] = c
                        break
                else:
                    lsh.insert(j, m)
            info["candidates"] = candidates
            return dup

        return run, info
    if method == "rensa":
        from rensa import RMinHash, RMinHashLSH  # type: ignore[import-untyped]

        def run(texts: list[str]) -> npt.NDArray[np.int64]:
            mhs = RMinHash.from_token_sets(_shingle_sets(texts), num_perm=NUM_PERM, seed=SEED)
            lsh = RMinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM, num_bands=RENSA_BANDS)
            dup = np.full(len(texts), -1, dtype=np.int64)
            candidates = 0
            for j, m in enumerate(mhs):
                found = lsh.query(m)
                candidates += len(found)
                for c in sorted(found):
                    if m.jaccard(mhs[c]) >= THRESHOLD:
                        dup[j] = c
                        break
                else:
                    lsh.insert(j, m)
            info["candidates"] = candidates
            return dup

        return run, info
    raise ValueError(method)


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def worker(method: str, n: int, corpus_file: str, out_file: str) -> None:
    """One timed run in this fresh process: prints a JSON line, saves the decisions."""
    t0 = time.perf_counter()
    run, info = prepare(method)
    import_s = time.perf_counter() - t0
    texts = load_texts(Path(corpus_file), n)
    # The baseline is taken before the warm-up, so memory the warm-up leaves in the heap
    # still counts as the run's (the warm-up's own peak is below the run's).
    gc.collect()
    reset = _reset_peak()
    base_kb = _status_kb("VmRSS")
    run(texts[:WARMUP])
    gc.collect()
    start = time.perf_counter()
    dup = run(texts)
    seconds = time.perf_counter() - start
    # The run's workers exit on their own (near_duplicates does not wait for them): reap
    # them first, or RUSAGE_CHILDREN below would not yet hold their peak.
    import multiprocessing

    deadline = time.monotonic() + 60
    while multiprocessing.active_children() and time.monotonic() < deadline:
        time.sleep(0.01)
    # VmHWM is ru_maxrss of this process image: ru_maxrss itself also carries the peak of the
    # image before exec (the forked copy of the parent, which holds the whole corpus).
    peak_kb = _status_kb("VmHWM") if reset else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    child_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    np.save(out_file, np.asarray(dup, dtype=np.int64))
    print(
        json.dumps(
            {
                "method": method,
                "n": n,
                "seconds": seconds,
                "import_seconds": import_s,
                "baseline_rss_mb": base_kb / 1024,
                "peak_reset": reset,
                "peak_mb": (peak_kb - base_kb) / 1024,
                "ru_maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "worker_peak_mb": max(0.0, (child_kb - base_kb) / 1024) if method == "newsclean-w2" else 0.0,
                "candidates": info["candidates"],
            }
        )
    )


# -- corpus and truth (cached under benchmarks/out/cache) ----------------------------------


def load_texts(path: Path, n: int) -> list[str]:
    texts: list[str] = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            if len(texts) == n:
                break
            texts.append(json.loads(line))
    if len(texts) < n:
        raise ValueError(f"{path} has {len(texts)} paragraphs, {n} wanted")
    return texts


def corpus_files(n: int) -> tuple[Path, Path]:
    """The paragraphs (JSON lines) and their metadata (npz) of the stream's first ``n``."""
    from paragraph_corpus import KINDS, corpus

    CACHE.mkdir(parents=True, exist_ok=True)
    texts_file = CACHE / f"paragraphs-seed{CORPUS_SEED}-{n}.jsonl"
    meta_file = CACHE / f"paragraphs-seed{CORPUS_SEED}-{n}.npz"
    if not (texts_file.exists() and meta_file.exists()):
        t = time.perf_counter()
        paras = corpus(n, seed=CORPUS_SEED)
        with texts_file.open("w", encoding="utf-8") as f:
            for p in paras:
                f.write(json.dumps(p.text, ensure_ascii=False) + "\n")
        kinds = ("original", *KINDS)
        np.savez(
            meta_file,
            kind=np.array([kinds.index(p.kind) for p in paras], dtype=np.int8),
            source=np.array([p.source for p in paras], dtype=np.int64),
            root=np.array([p.root for p in paras], dtype=np.int64),
            j_source=np.array([p.j_source for p in paras]),
            kinds=np.array(kinds),
        )
        print(f"  generated {n:,} paragraphs in {time.perf_counter() - t:.0f} s", flush=True)
    return texts_file, meta_file


def truth_for(n: int, texts_file: Path, meta_file: Path) -> dict[str, Any]:
    """Ground truth for the first ``n`` paragraphs (cached)."""
    from paragraph_corpus import Paragraph
    from paragraph_truth import ground_truth

    f = CACHE / f"truth-seed{CORPUS_SEED}-{n}-t{THRESHOLD}.npz"
    if not f.exists():
        t = time.perf_counter()
        meta = np.load(meta_file)
        kinds = meta["kinds"].tolist()
        texts = load_texts(texts_file, n)
        paras = [
            Paragraph(texts[i], kinds[k], int(s), int(r), float(j))
            for i, (k, s, r, j) in enumerate(
                zip(meta["kind"][:n], meta["source"][:n], meta["root"][:n], meta["j_source"][:n])
            )
        ]
        tr = ground_truth(paras, THRESHOLD, join_max=JOIN_MAX)
        np.savez(
            f,
            duplicate_of=tr.duplicate_of,
            best_kept=tr.best_kept,
            info=np.array(
                json.dumps(
                    {
                        "similar_pairs": int(len(tr.similar_pairs)),
                        "planted_pairs": tr.planted_pairs,
                        "unplanted_similar_pairs": tr.unplanted_pairs,
                        "join_paragraphs": tr.join_paragraphs,
                        "join_candidates": tr.join_candidates,
                        "seconds": time.perf_counter() - t,
                    }
                )
            ),
        )
        print(f"  ground truth for {n:,} in {time.perf_counter() - t:.0f} s", flush=True)
    z = np.load(f)
    return {"duplicate_of": z["duplicate_of"], "best_kept": z["best_kept"], **json.loads(str(z["info"]))}


# -- measuring -----------------------------------------------------------------------------


def _cpu_busy() -> float:
    """Seconds of CPU time the whole machine has spent busy (from /proc/stat)."""
    with open("/proc/stat") as f:
        parts = f.readline().split()[1:]
    v = [int(x) for x in parts]
    busy = v[0] + v[1] + v[2] + v[5] + v[6] + (v[7] if len(v) > 7 else 0)
    return busy / os.sysconf("SC_CLK_TCK")


def _own_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run_worker(method: str, n: int, texts_file: Path) -> tuple[dict[str, Any], npt.NDArray[np.int64]]:
    out = CACHE / f"decisions-{method}-{n}.npy"
    busy0, own0, wall0, load0 = _cpu_busy(), _own_cpu(), time.perf_counter(), os.getloadavg()[0]
    proc = subprocess.run(
        [
            sys.executable,
            str(Path(__file__).resolve()),
            "--worker",
            method,
            "--n",
            str(n),
            "--corpus-file",
            str(texts_file),
            "--out-file",
            str(out),
        ],
        capture_output=True,
        text=True,
    )
    if proc.returncode:
        raise RuntimeError(f"{method} at {n} failed:\n{proc.stderr}")
    wall = time.perf_counter() - wall0
    other = max(0.0, (_cpu_busy() - busy0) - (_own_cpu() - own0)) / wall
    rec = json.loads(proc.stdout.strip().splitlines()[-1])
    rec.update(load_1min_before=load0, other_cpu_cores=other, process_wall_seconds=wall)
    return rec, np.load(out)


def scores(flags: npt.NDArray[np.bool_], truth_flags: npt.NDArray[np.bool_]) -> dict[str, Any]:
    tp = int(np.sum(flags & truth_flags))
    fp = int(np.sum(flags & ~truth_flags))
    fn = int(np.sum(~flags & truth_flags))
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0, "tp": tp, "fp": fp, "fn": fn}


BANDS = (
    ("J = 1", 1.0, 1.01),
    ("0.9 <= J < 1", 0.9, 1.0),
    ("0.8 <= J < 0.9", 0.8, 0.9),
    ("0.7 <= J < 0.8", 0.7, 0.8),
    ("0.5 <= J < 0.7", 0.5, 0.7),
)


def band_rates(flags: npt.NDArray[np.bool_], best_kept: npt.NDArray[np.float64]) -> dict[str, Any]:
    """Share flagged as duplicates, by the best exact J with an earlier kept paragraph."""

    out = {}
    for name, lo, hi in BANDS:
        sel = (best_kept >= lo) & (best_kept < hi)
        out[name] = {"paragraphs": int(sel.sum()), "flagged": float(flags[sel].mean()) if sel.any() else None}
    sel = best_kept < 0.5
    out["unrelated (J < 0.5)"] = {"paragraphs": int(sel.sum()), "flagged": float(flags[sel].mean())}
    return out


def check_reported_pairs(
    decisions: dict[str, Any], texts_file: Path, meta_file: Path, n: int, truth: dict[str, Any]
) -> dict[str, Any]:
    """Every pair a method reported that was not planted, verified exactly (Python sets)."""
    from paragraph_corpus import jaccard, shingle_set

    root = np.load(meta_file)["root"][:n]
    pairs: set[tuple[int, int]] = set()
    for dup in decisions.values():
        j = np.flatnonzero(dup >= 0)
        i = dup[j]
        odd = root[i] != root[j]
        pairs.update(zip(i[odd].tolist(), j[odd].tolist()))
    if not pairs:
        return {"unplanted_reported_pairs": 0, "max_j": None}
    texts = load_texts(texts_file, n)
    js = [jaccard(shingle_set(texts[a]), shingle_set(texts[b])) for a, b in sorted(pairs)]
    return {
        "unplanted_reported_pairs": len(pairs),
        "max_j": max(js),
        "at_or_above_threshold": sum(j >= THRESHOLD for j in js),
    }


def similarity_profile(texts_file: Path) -> dict[str, Any]:
    """Exact J of random unrelated pairs: synthetic paragraphs against real ones (tests/cases)."""
    import glob
    import random

    from paragraph_corpus import jaccard, shingle_set

    def dist(pars: list[str], pairs: int = 20_000) -> dict[str, Any]:
        rng = random.Random(0)
        sets = [shingle_set(p) for p in pars]
        js = np.array([jaccard(*(sets[i] for i in rng.sample(range(len(sets)), 2))) for _ in range(pairs)])
        return {
            "paragraphs": len(pars),
            "median": float(np.median(js)),
            "p99": float(np.quantile(js, 0.99)),
            "max": float(js.max()),
        }

    real: list[str] = []
    for f in sorted(glob.glob(str(ROOT / "tests/cases/*.json"))):
        real += [p for p in json.loads(Path(f).read_text())["input"].split("\n") if len(p) >= 150]
    meta = np.load(texts_file.with_suffix(".npz"))
    synthetic = load_texts(texts_file, 10_000)
    synthetic = [t for t, k in zip(synthetic, meta["kind"][:10_000]) if k == 0][:3000]
    return {"real_tests_cases": dist(sorted(set(real))), "synthetic_originals": dist(synthetic)}


def bench_clean() -> dict[str, Any]:
    """Microseconds per ``clean()`` call after warm-up, and the first call after import."""
    import random

    from paragraph_corpus import Writer, vocabulary

    w = Writer(random.Random(12), vocabulary())
    article = "\n".join(w.paragraph() for _ in range(12))
    article = "HANOI (VNA) — " + article + "\n-VNA"
    seed = (ROOT / "examples/vna-asean-somtc.txt").read_text(encoding="utf-8")
    out = {}
    for name, text in (
        ("seed example (examples/vna-asean-somtc.txt)", seed),
        ("generated 12-paragraph article", article),
    ):
        code = (
            "import time, timeit, json, sys\n"
            "t = time.perf_counter(); import newsclean; imp = time.perf_counter() - t\n"
            "text = sys.stdin.read()\n"
            "t = time.perf_counter(); newsclean.clean(text); first = time.perf_counter() - t\n"
            "for _ in range(50): newsclean.clean(text)\n"
            "timer = timeit.Timer(lambda: newsclean.clean(text))\n"
            "n, _ = timer.autorange()\n"
            "runs = [t / n for t in timer.repeat(7, n)]\n"
            "print(json.dumps({'import_s': imp, 'first_call_us': first * 1e6, 'runs_us': [r * 1e6 for r in runs]}))\n"
        )
        proc = subprocess.run([sys.executable, "-c", code], input=text, capture_output=True, text=True, check=True)
        r = json.loads(proc.stdout)
        out[name] = {
            "chars": len(text),
            "paragraphs": text.count("\n") + 1,
            "us_per_call_median": statistics.median(r["runs_us"]),
            "us_per_call_min": min(r["runs_us"]),
            "us_per_call_max": max(r["runs_us"]),
            "first_call_us": r["first_call_us"],
            "import_s": r["import_s"],
        }
    return out


def machine() -> dict[str, Any]:
    import importlib.metadata as md

    cpu = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = 0.0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem = int(line.split()[1]) / 1024**2
    versions: dict[str, str | None] = {}
    for pkg in ("newsclean", "numpy", "datasketch", "rensa", "scipy", "regex", "matplotlib"):
        try:
            versions[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            versions[pkg] = None
    try:
        commit = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
        ).stdout.strip()
        dirty = bool(
            subprocess.run(
                ["git", "-C", str(ROOT), "status", "--porcelain", "src"], capture_output=True, text=True
            ).stdout.strip()
        )
    except OSError:
        commit, dirty = "", False
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory_gb": round(mem, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "versions": versions,
        "git_commit": commit + (" (src/ modified)" if dirty else ""),
    }


# -- profile ---------------------------------------------------------------------------------


def profile(n: int, texts_file: Path) -> str:
    """cProfile of ``near_duplicates(workers=1)`` at ``n``, and the time of each stage."""
    import cProfile
    import io
    import pstats

    import newsclean
    from newsclean import _batch
    from newsclean._similarity.engine import BatchParams
    from newsclean._similarity.hashing import window_hashes32
    from newsclean._similarity.lsh import band_keys, candidate_pairs_from_keys
    from newsclean._similarity.minhash import oph
    from newsclean._text.normalize import key_codes

    texts = load_texts(texts_file, n)
    newsclean.near_duplicates(texts[:WARMUP], workers=1)
    pr = cProfile.Profile()
    t = time.perf_counter()
    pr.enable()
    newsclean.near_duplicates(texts, workers=1)
    pr.disable()
    total = time.perf_counter() - t
    s = io.StringIO()
    pstats.Stats(pr, stream=s).sort_stats("tottime").print_stats(22)
    # The same work, stage by stage (mirrors near_duplicates with workers=1).
    p = BatchParams.of(threshold=THRESHOLD, num_perm=NUM_PERM, seed=SEED)
    bands, rows = p.bands, p.rows
    stage = dict.fromkeys(
        (
            "key_codes()",
            "window_hashes32",
            "oph_signatures",
            "band_keys",
            "candidate_pairs_from_keys",
            "_agreeing",
            "_verify",
            "decide",
        ),
        0.0,
    )
    parts, checks, filled = [], [], []
    for a in range(0, n, _batch._CHUNK):
        t = time.perf_counter()
        codes, lengths = key_codes(texts[a : a + _batch._CHUNK])
        stage["key_codes()"] += time.perf_counter() - t
        t = time.perf_counter()
        h, owner = window_hashes32(codes, lengths, 5, SEED)
        stage["window_hashes32"] += time.perf_counter() - t
        t = time.perf_counter()
        sig, nonempty = oph(h, owner, len(lengths), NUM_PERM)
        stage["oph_signatures"] += time.perf_counter() - t
        t = time.perf_counter()
        parts.append(band_keys(sig, bands, rows))
        checks.append(sig.astype(np.uint8))
        filled.append(nonempty)
        stage["band_keys"] += time.perf_counter() - t
    t = time.perf_counter()
    pairs = candidate_pairs_from_keys(np.concatenate(parts))
    stage["candidate_pairs_from_keys"] += time.perf_counter() - t
    t = time.perf_counter()
    pairs = _batch._agreeing(pairs, np.concatenate(checks), np.concatenate(filled), p)
    stage["_agreeing"] += time.perf_counter() - t
    t = time.perf_counter()
    sims = _batch._verify(texts, pairs, p)
    stage["_verify"] += time.perf_counter() - t
    t = time.perf_counter()
    good = sims >= THRESHOLD
    dup = np.full(n, -1)
    order = np.lexsort((pairs[good, 0], -sims[good], pairs[good, 1]))
    for i, j in zip(pairs[good][order, 0].tolist(), pairs[good][order, 1].tolist()):
        if dup[j] < 0 and dup[i] < 0:
            dup[j] = i
    stage["decide"] += time.perf_counter() - t
    lines = [
        f"near_duplicates({n:,} paragraphs, workers=1): {total:.2f} s under cProfile; {len(pairs):,} candidate pairs",
        "",
        "Stages (timed separately, no profiler):",
    ]
    whole = sum(stage.values())
    lines += [f"  {k:28s} {v:7.3f} s  {100 * v / whole:5.1f}%" for k, v in stage.items()]
    lines += [f"  {'total':28s} {whole:7.3f} s  ({n / whole:,.0f} paragraphs/s)", "", s.getvalue()]
    return "\n".join(lines)


# -- report ----------------------------------------------------------------------------------


def summarise(runs: list[dict[str, Any]], evals: dict[Any, Any], sizes: list[int]) -> dict[int, Any]:
    out: dict[int, Any] = {}
    for n in sizes:
        out[n] = {}
        for m in METHODS:
            rs = [r for r in runs if r["method"] == m and r["n"] == n]
            if not rs:
                continue
            rates = [n / r["seconds"] for r in rs]
            peak = max(r["peak_mb"] for r in rs)
            wpeak = max(r["worker_peak_mb"] for r in rs)
            out[n][m] = {
                "paragraphs_per_s": statistics.median(rates),
                "min": min(rates),
                "max": max(rates),
                "rounds": len(rs),
                "us_per_paragraph": 1e6 / statistics.median(rates),
                "seconds_median": statistics.median(r["seconds"] for r in rs),
                "peak_mb": peak,
                "worker_peak_mb": wpeak,
                "peak_total_mb": peak + FORKED.get(m, 0) * wpeak,
                "import_seconds": statistics.median(r["import_seconds"] for r in rs),
                "candidates": rs[0]["candidates"],
                **evals[(m, n)],
            }
        for m in ("newsclean-w1", "newsclean-w2"):
            for base in ("datasketch", "rensa"):
                if m in out[n] and base in out[n]:
                    out[n][m][f"x_{base}"] = out[n][m]["paragraphs_per_s"] / out[n][base]["paragraphs_per_s"]
    return out


def goals(summary: dict[int, Any], sizes: list[int], clean: dict[str, Any]) -> list[dict[str, Any]]:
    g: list[dict[str, Any]] = []
    for n in sizes:
        s = summary[n]
        best = max(("newsclean-w1", "newsclean-w2"), key=lambda m: s[m]["paragraphs_per_s"])
        if "rensa" in s:
            v = s[best]["x_rensa"]
            g.append({"goal": f">= 3x rensa pipeline ({n:,})", "value": f"{v:.2f}x ({LABELS[best]})", "met": v >= 3})
        if "datasketch" in s:
            v = s[best]["x_datasketch"]
            g.append(
                {
                    "goal": f">= 30x datasketch best practice ({n:,})",
                    "value": f"{v:.1f}x ({LABELS[best]})",
                    "met": v >= 30,
                }
            )
        f1 = min(s[m]["f1"] for m in ("newsclean-w1", "newsclean-w2"))
        g.append({"goal": f"F1 >= 0.998 ({n:,})", "value": f"{f1:.4f}", "met": f1 >= 0.998})
    if 100_000 in summary and "rensa" in summary[100_000]:
        s = summary[100_000]
        for m in ("newsclean-w1", "newsclean-w2"):
            ours, theirs = s[m]["peak_total_mb"], s["rensa"]["peak_mb"]
            g.append(
                {
                    "goal": f"peak memory at 100k <= rensa's ({LABELS[m]})",
                    "value": f"{ours:.0f} MB vs {theirs:.0f} MB",
                    "met": ours <= theirs,
                }
            )
    if len(sizes) > 1:
        for m in ("newsclean-w1", "newsclean-w2"):
            us = [summary[n][m]["us_per_paragraph"] for n in sizes]
            ratio = max(us) / min(us)
            # Every candidate pair is verified exactly: the corpus's candidates per
            # paragraph (which LSH makes grow with the batch) are the verification's load.
            per = " / ".join(f"{summary[n][m]['candidates'] / n:.2f}" for n in sizes)
            g.append(
                {
                    "goal": f"flat time per paragraph, {sizes[0]:,} to {sizes[-1]:,} ({LABELS[m]})",
                    "value": " / ".join(f"{u:.1f}" for u in us)
                    + f" us (max/min {ratio:.2f}; candidate pairs per paragraph {per})",
                    "met": ratio <= 1.25,
                }
            )
    n = sizes[-1]
    sp = summary[n]["newsclean-w1"]["seconds_median"] / summary[n]["newsclean-w2"]["seconds_median"]
    g.append({"goal": f"both cores used: speed-up of 2 workers at {n:,}", "value": f"{sp:.2f}x", "met": sp >= 1.5})
    worst = max(v["us_per_call_median"] for v in clean.values())
    g.append(
        {
            "goal": "clean() on a typical article well under 1 ms",
            "value": f"{worst:.0f} us (the slower of the two articles)",
            "met": worst < 500,
        }
    )
    return g


def _rounds_text(res: dict[str, Any]) -> str:
    by_size = res.get("rounds_by_size") or {str(n): res["rounds"] for n in res["sizes"]}
    return ", ".join(f"{r} at {int(n):,}" for n, r in by_size.items())


def fmt_rate(v: float) -> str:
    return f"{v:,.0f}"


def write_markdown(res: dict[str, Any], path: Path) -> None:
    m = res["machine"]
    sizes = res["sizes"]
    L = []
    L.append("# Benchmarks: batch near-duplicate detection\n")
    L.append(
        "`newsclean.near_duplicates` against datasketch best practice and a rensa pipeline, text in and "
        "decisions out, measured side by side in one run on the same deterministic corpus "
        "(issue 4). Generated by `benchmarks/bench_batch.py`; the raw numbers are in "
        "`benchmarks/out/batch.json`.\n"
    )
    L.append("Reproduce (from the repository root, after the README's set-up):\n")
    L.append(
        "```sh\n.venv/bin/pip install rensa matplotlib   # benchmark-only\n"
        + f".venv/bin/python {res['command']}\n```\n"
    )
    L.append(
        "`--wait-idle LOAD` only delays the start until the 1-minute load average is below LOAD; `--quick` runs 10,000 paragraphs "
        "only (about 2 minutes), `--full` adds 1,000,000 (newsclean and rensa), `--profile` writes a cProfile of "
        "`near_duplicates` at 100,000 to `benchmarks/out/profile-100000.txt`. The corpus and ground truth are cached "
        "in `benchmarks/out/cache/` (the first run builds them: about 3 minutes for 100,000 paragraphs).\n"
    )
    idle = res["load"]
    L.append(
        f"Machine: {m['nproc']} CPUs, {m['cpu']}, {m['memory_gb']} GB RAM, Linux {m['kernel']}, Python {m['python']}; "
        + ", ".join(f"{k} {v}" for k, v in m["versions"].items() if v)
        + f"; newsclean at commit {m['git_commit']}. Date: {res['date']}. Suite wall time: {res['wall_seconds'] / 60:.1f} min.\n"
    )
    L.append(
        f"Other load: the 1-minute load average was {idle['load_before']:.2f} when the suite started; during the timed runs, "
        f"processes other than the benchmark used {idle['other_cpu_median']:.2f} cores on average (median over runs, "
        f"max {idle['other_cpu_max']:.2f}, from /proc/stat less the benchmark's own CPU time). "
        + (
            "The machine was otherwise idle."
            if idle["other_cpu_max"] < 0.25
            else "The machine was **not** otherwise idle: treat absolute numbers with care; the ratios come from interleaved rounds."
        )
        + "\n"
    )
    c = res["corpus"]
    L.append("## Corpus and ground truth\n")
    L.append(
        f"`benchmarks/paragraph_corpus.py`, seed {CORPUS_SEED}: news-like paragraphs (words and frequencies of the wire copy in "
        "`tests/cases`, plus 40,000 made-up long-tail words, names and numbers), 150-600 characters "
        f"(mean {c['mean_chars']:.0f}), with {c['planted_share'] * 100:.0f}% planted near-duplicates of an earlier paragraph "
        "(exact copies, the same key with other quotes/spaces/line breaks/case, punctuation changes, word edits to a target "
        "Jaccard - half just above 0.8, a third in 0.7-0.8 -, truncations, chains of copies). Unrelated paragraphs are as "
        f"dissimilar as real ones: median exact Jaccard of random pairs {c['similarity']['synthetic_originals']['median']:.3f} "
        f"(p99 {c['similarity']['synthetic_originals']['p99']:.3f}) against {c['similarity']['real_tests_cases']['median']:.3f} "
        f"(p99 {c['similarity']['real_tests_cases']['p99']:.3f}) for the real paragraphs of `tests/cases`.\n"
    )
    L.append(
        "Ground truth (`benchmarks/paragraph_truth.py`): exact Jaccard of the character 5-gram sets of "
        "`newsclean._text.normalize.key(text)` (Python sets) for every planted pair, and an exact all-pairs similarity "
        f"join (prefix filtering, 5-grams packed exactly into integers) over the first {min(sizes[-1], JOIN_MAX):,} paragraphs, which "
        "must agree; a paragraph is a duplicate when an earlier kept paragraph has J >= 0.8 (first wins, compared only with kept ones).\n"
    )
    L.append("| paragraphs | MB | true duplicates | pairs with J >= 0.8 | of them not planted | join checked |")
    L.append("|---:|---:|---:|---:|---:|---:|")
    for n in sizes:
        t = c["truth"][str(n)]
        L.append(
            f"| {n:,} | {t['mb']:.1f} | {t['duplicates']:,} | {t['similar_pairs']:,} | {t['unplanted_similar_pairs']} | {min(n, t['join_paragraphs']):,} paragraphs, {t['join_candidates']:,} candidates |"
        )
    L.append("")
    L.append("## Throughput and accuracy\n")
    L.append(
        f"Median of the interleaved rounds ({_rounds_text(res)}; min-max), each run in a fresh process; time from the list of texts to one "
        "decision per text, after imports and a warm-up on the first 3,000 texts (every method; a first call in a fresh process also pays for growing its heap, about 0.1 s for newsclean). Peak memory: extra resident memory at the peak of the run: "
        "the process's peak resident set (`VmHWM`, which is `ru_maxrss` of the process image; the high-water mark is reset "
        "through `/proc/self/clear_refs` before the warm-up) minus its resident set before the warm-up, so that what the warm-up "
        "leaves in the heap still counts; for 2 workers, "
        "the calling process (itself a worker) + the forked worker's peak (`RUSAGE_CHILDREN`) less the resident set "
        "it inherited (`near_duplicates(workers=2)` forks one process). The two processes share the sketch "
        "arrays (shared memory, about 340 bytes a text): their pages count in both peaks, so for 2 workers the "
        "total overstates the memory used by up to that much.\n"
    )
    for n in sizes:
        s = res["summary"][str(n)]
        L.append(f"**{n:,} paragraphs**\n")
        L.append(
            "| method | paragraphs/s, median (min-max) | us/paragraph | newsclean 1 core / 2 workers is | precision | recall | F1 | peak memory | import |"
        )
        L.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for meth in METHODS:
            if meth not in s:
                continue
            r = s[meth]
            mem = f"{r['peak_total_mb']:.0f} MB" + (
                f" ({r['peak_mb']:.0f} + {r['worker_peak_mb']:.0f})" if meth == "newsclean-w2" else ""
            )
            if meth.startswith("newsclean"):
                ratio = "-"
            else:
                ratio = (
                    " / ".join(
                        f"{s[w]['paragraphs_per_s'] / r['paragraphs_per_s']:.1f}x"
                        for w in ("newsclean-w1", "newsclean-w2")
                    )
                    + " faster"
                )
            L.append(
                f"| {LABELS[meth]} | {fmt_rate(r['paragraphs_per_s'])} ({fmt_rate(r['min'])}-{fmt_rate(r['max'])}) | {r['us_per_paragraph']:.1f} | {ratio} | "
                f"{r['precision']:.4f} | {r['recall']:.4f} | {r['f1']:.4f} | {mem} | {r['import_seconds']:.2f} s |"
            )
        w1 = s["newsclean-w1"]
        L.append(
            f"\n2 workers vs 1 core: {s['newsclean-w2']['paragraphs_per_s'] / w1['paragraphs_per_s']:.2f}x. LSH candidates per run: "
            + ", ".join(
                f"{LABELS[mm].split(' ')[0]} {s[mm]['candidates']:,}"
                for mm in METHODS
                if mm in s and mm != "newsclean-w2"
            )
            + ".\n"
        )
        chk = res["reported_pair_checks"][str(n)]
        same = "yes" if "newsclean_workers_disagree" not in chk else f"no ({chk['newsclean_workers_disagree']} differ)"
        unpl = chk["unplanted_reported_pairs"]
        L.append(
            f"newsclean decides the same with 1 and 2 workers: {same}. Pairs reported by any method between paragraphs "
            f"not made from one another: {unpl}" + (f" (highest exact J {chk['max_j']:.3f})" if unpl else "") + ".\n"
        )
        if str(n) in res.get("skipped", {}):
            L.append(res["skipped"][str(n)] + "\n")
    idle_runs = [r for r in res["runs"] if r["other_cpu_cores"] < IDLE_CORES]
    if idle_runs and len(idle_runs) < len(res["runs"]):
        L.append(
            f"Only the runs during which the rest of the machine was idle (other processes below {IDLE_CORES} core; "
            f"{len(idle_runs)} of {len(res['runs'])} runs), median (runs):\n"
        )
        L.append("| paragraphs | " + " | ".join(LABELS[mm] for mm in METHODS) + " | newsclean 2 workers vs 1 core |")
        L.append("|---:|" + "---:|" * (len(METHODS) + 1))
        for n in sizes:
            rates = {}
            for mm in METHODS:
                rs = [n / r["seconds"] for r in idle_runs if r["n"] == n and r["method"] == mm]
                rates[mm] = (statistics.median(rs), len(rs)) if rs else None
            cells = [f"{fmt_rate(v[0])} ({v[1]})" if v else "-" for v in rates.values()]
            w1, w2 = rates["newsclean-w1"], rates["newsclean-w2"]
            sp = f"{w2[0] / w1[0]:.2f}x" if w1 and w2 else "-"
            L.append(f"| {n:,} | " + " | ".join(cells) + f" | {sp} |")
        L.append("")
    n = sizes[-1] if sizes[-1] <= 100_000 else 100_000
    if str(n) in res["bands"]:
        L.append(
            f"Share of paragraphs flagged as duplicates by the best exact J with an earlier kept paragraph ({n:,} paragraphs):\n"
        )
        b = res["bands"][str(n)]
        meths = [mm for mm in METHODS if mm in b]
        L.append(
            "| best J with an earlier kept paragraph | paragraphs | " + " | ".join(LABELS[mm] for mm in meths) + " |"
        )
        L.append("|---|---:|" + "---:|" * len(meths))
        for band in b[meths[0]]:
            row = b[meths[0]][band]
            L.append(
                f"| {band} | {row['paragraphs']:,} | "
                + " | ".join(
                    f"{b[mm][band]['flagged']:.4f}" if b[mm][band]["flagged"] is not None else "-" for mm in meths
                )
                + " |"
            )
        L.append("")
    L.append("![Throughput against corpus size](_static/throughput.png)\n")
    L.append("## Goals of issue 4\n")
    L.append("| goal | measured | met |")
    L.append("|---|---|---|")
    for g in res["goals"]:
        L.append(f"| {g['goal']} | {g['value']} | {'yes' if g['met'] else '**no**'} |")
    L.append(
        "\nThe streaming index goal (>= 50k documents/s add+query in memory) is measured by "
        "`benchmarks/bench_index.py --docs 20000 --methods nc_many,nc_many_w2,nc_prints,nc_clean,datasketch,rensa_lsh`: "
        "`nc_prints` is the index's own add+query (`DedupIndex.add_fingerprints` of fingerprints made before "
        "the clock), `nc_many` and `nc_many_w2` add text (clean, fingerprint, add; one process or two), "
        "`nc_clean` is `Cleaner.clean` alone. Text in is bounded by `clean()`, far below 50k documents/s. "
        "Its last run is on [the index benchmark's page](benchmarks-index.md).\n"
    )
    L.append("## clean() on one article\n")
    L.append(
        "| article | characters | paragraphs | us per call, median (min-max) of 7 | first call after import | import |"
    )
    L.append("|---|---:|---:|---:|---:|---:|")
    for name, r in res["clean"].items():
        L.append(
            f"| {name} | {r['chars']:,} | {r['paragraphs']} | {r['us_per_call_median']:.0f} ({r['us_per_call_min']:.0f}-{r['us_per_call_max']:.0f}) | {r['first_call_us'] / 1000:.1f} ms | {r['import_s']:.2f} s |"
        )
    L.append("")
    L.append("## Methods\n")
    L.append(
        "- **newsclean**: `near_duplicates(texts, threshold=0.8, num_perm=128, seed=1, workers=1 | 2)`: one-permutation "
        "MinHash with densification, LSH banding by sorting, every candidate verified by exact Jaccard.\n"
        "- **datasketch**: `newsclean._text.normalize.keys(texts)` (the same normalised key), Python sets of character 5-grams "
        "encoded to bytes, `MinHash.bulk(num_perm=128, seed=1)` (scheme affine32, the 2.0 default), "
        f"`MinHashLSH(threshold=0.8, num_perm=128)` (it picks {res['config']['datasketch_bands']}); per text: query, "
        "duplicate of the first candidate with estimated Jaccard (`MinHash.jaccard`) >= 0.8, else insert.\n"
        f"- **rensa** {m['versions'].get('rensa')}: the same keys and sets (str tokens), `RMinHash.from_token_sets(num_perm=128, seed=1)`, "
        f"`RMinHashLSH(threshold=0.8, num_perm=128, num_bands={RENSA_BANDS})` (8 rows; the divisors of 128 nearest datasketch's "
        "choice are 8 bands of 16 rows, recall 0.20 at J = 0.8, or 16 of 8, recall 0.95), same loop with `RMinHash.jaccard`.\n"
        "- The baselines decide on estimated Jaccard (128 permutations: standard error about 0.035 at J = 0.8), so pairs near "
        "the threshold fall on both sides; newsclean verifies exactly.\n"
    )
    path.write_text("\n".join(L) + "\n", encoding="utf-8")


def plot(res: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path.parent.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=120)
    styles = {"newsclean-w1": "o-", "newsclean-w2": "s-", "datasketch": "^--", "rensa": "D--"}
    for meth in METHODS:
        xs, ys, lo, hi = [], [], [], []
        for n in res["sizes"]:
            r = res["summary"][str(n)].get(meth)
            if r:
                xs.append(n)
                ys.append(r["paragraphs_per_s"])
                lo.append(r["paragraphs_per_s"] - r["min"])
                hi.append(r["max"] - r["paragraphs_per_s"])
        if xs:
            ax.errorbar(xs, ys, yerr=[lo, hi], fmt=styles[meth], capsize=3, label=LABELS[meth])
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("paragraphs in the batch")
    ax.set_ylabel("paragraphs per second (median, min-max)")
    ax.set_title(f"Near-duplicate detection, text in -> decisions out ({res['machine']['nproc']} cores)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


# -- main ------------------------------------------------------------------------------------


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="10k paragraphs only (~2 min)")
    mode.add_argument("--full", action="store_true", help="also 1M paragraphs (newsclean and rensa)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument(
        "--small-rounds",
        type=int,
        default=7,
        help="rounds for sizes up to 10,000 (default 7): their newsclean runs take a fraction of a second, "
        "so the machine's drift weighs most on them, and more rounds cost little",
    )
    ap.add_argument("--sizes", type=lambda s: [int(x) for x in s.split(",")], help="override, e.g. 10000,30000")
    ap.add_argument(
        "--profile", action="store_true", help="only profile near_duplicates at 100k (or the largest --sizes)"
    )
    ap.add_argument("--no-docs", action="store_true", help="do not write docs/benchmarks.md and the plot")
    ap.add_argument(
        "--report-only",
        action="store_true",
        help="rewrite docs/benchmarks.md and the plot from benchmarks/out/batch.json",
    )
    ap.add_argument(
        "--wait-idle", type=float, metavar="LOAD", help="first wait until the 1-minute load average is below LOAD"
    )
    ap.add_argument(
        "--max-wait", type=float, default=3600, metavar="S", help="give up waiting after S seconds (default 3600)"
    )
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--n", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--corpus-file", help=argparse.SUPPRESS)
    ap.add_argument("--out-file", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(args.worker, args.n, args.corpus_file, args.out_file)
        return

    if args.report_only:
        res = json.loads((OUT / "batch.json").read_text())
        summary = {int(n): v for n, v in res["summary"].items()}
        res["goals"] = goals(summary, sorted(summary), res["clean"])  # (as this version states them)
        plot(res, PLOT)
        write_markdown(res, DOCS / "benchmarks.md")
        print_summary(res)
        return
    sizes = args.sizes or ([10_000] if args.quick else [10_000, 100_000, 1_000_000] if args.full else [10_000, 100_000])
    if args.profile:
        n = args.sizes[-1] if args.sizes else 100_000
        texts_file, _ = corpus_files(n)
        report = profile(n, texts_file)
        OUT.mkdir(exist_ok=True)
        (OUT / f"profile-{n}.txt").write_text(report)
        print(report)
        return

    if args.wait_idle is not None:
        waited = time.perf_counter()
        while os.getloadavg()[0] >= args.wait_idle and time.perf_counter() - waited < args.max_wait:
            time.sleep(15)
        print(f"waited {time.perf_counter() - waited:.0f} s for load < {args.wait_idle}", flush=True)
    wall0 = time.perf_counter()
    load_before = os.getloadavg()[0]
    argv = " ".join(["benchmarks/bench_batch.py", *sys.argv[1:]])
    print(
        f"bench_batch: sizes {sizes}, {args.rounds} rounds ({args.small_rounds} up to 10,000); load average {load_before:.2f}",
        flush=True,
    )
    N = max(sizes)
    texts_file, meta_file = corpus_files(N)
    truths = {n: truth_for(n, texts_file, meta_file) for n in sizes}

    plan = {n: [m for m in METHODS if not (m == "datasketch" and n > 100_000)] for n in sizes}
    skipped = {
        str(n): "datasketch was not run at this size (about 10 minutes a round at 3,000 paragraphs/s)."
        for n in sizes
        if n > 100_000
    }
    runs: list[dict[str, Any]] = []
    decisions: dict[tuple[str, int], npt.NDArray[np.int64]] = {}
    rounds_of = {n: max(args.rounds, args.small_rounds) if n <= 10_000 else args.rounds for n in sizes}
    for rnd in range(max(rounds_of.values())):
        for n in sizes:
            if rnd >= rounds_of[n]:
                continue
            order = plan[n][rnd % len(plan[n]) :] + plan[n][: rnd % len(plan[n])]
            for meth in order:
                rec, dup = run_worker(meth, n, texts_file)
                rec["round"] = rnd
                runs.append(rec)
                if (meth, n) in decisions and not np.array_equal(decisions[(meth, n)], dup):
                    rec["decisions_differ_from_round_0"] = True
                decisions.setdefault((meth, n), dup)
                workers = f" + workers {rec['worker_peak_mb']:.0f} MB" if meth == "newsclean-w2" else ""
                print(
                    f"  round {rnd + 1} {n:>9,} {meth:13s} {n / rec['seconds']:>9,.0f}/s  {rec['seconds']:7.2f} s  "
                    f"peak {rec['peak_mb']:6.0f} MB{workers}"
                    f"  other load {rec['other_cpu_cores']:.2f}",
                    flush=True,
                )

    evals: dict[tuple[str, int], dict[str, Any]] = {}
    bands: dict[str, dict[str, Any]] = {}
    checks: dict[str, dict[str, Any]] = {}
    meta = np.load(meta_file)
    for n in sizes:
        truth = truths[n]
        truth_flags = truth["duplicate_of"] >= 0
        decs = {m: decisions[(m, n)] for m in plan[n]}
        checks[str(n)] = check_reported_pairs(decs, texts_file, meta_file, n, truth)
        bands[str(n)] = {}
        for m, dup in decs.items():
            flags = dup >= 0
            evals[(m, n)] = scores(flags, truth_flags)
            bands[str(n)][m] = band_rates(flags, truth["best_kept"])
        if not np.array_equal(decs["newsclean-w1"], decs["newsclean-w2"]):
            checks[str(n)]["newsclean_workers_disagree"] = int(np.sum(decs["newsclean-w1"] != decs["newsclean-w2"]))

    summary = summarise(runs, evals, sizes)
    print("clean() ...", flush=True)
    clean = bench_clean()
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
    texts_all = load_texts(texts_file, N)
    truth_info = {}
    for n in sizes:
        t = truths[n]
        truth_info[str(n)] = {
            "duplicates": int((t["duplicate_of"] >= 0).sum()),
            "mb": sum(len(x.encode("utf-8")) for x in texts_all[:n]) / 1e6,
            **{
                k: t[k]
                for k in (
                    "similar_pairs",
                    "planted_pairs",
                    "unplanted_similar_pairs",
                    "join_paragraphs",
                    "join_candidates",
                )
            },
        }
    others = [r["other_cpu_cores"] for r in runs]
    res = {
        "command": argv,
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "sizes": sizes,
        "rounds": args.rounds,
        "rounds_by_size": {str(n): r for n, r in rounds_of.items()},
        "config": {
            "threshold": THRESHOLD,
            "num_perm": NUM_PERM,
            "seed": SEED,
            "shingles": "character 5-grams of newsclean._text.normalize.key",
            "datasketch_bands": f"{lsh.b} bands of {lsh.r} rows",
            "rensa_bands": f"{RENSA_BANDS} bands of {NUM_PERM // RENSA_BANDS} rows",
            "warmup_texts": WARMUP,
        },
        "load": {
            "load_before": load_before,
            "load_after": os.getloadavg()[0],
            "other_cpu_median": statistics.median(others),
            "other_cpu_max": max(others),
        },
        "corpus": {
            "seed": CORPUS_SEED,
            "paragraphs": N,
            "mean_chars": float(np.mean([len(x) for x in texts_all[:N]])),
            "planted_share": float((meta["kind"][:N] > 0).mean()),
            "planted_kinds": {str(k): int((meta["kind"][:N] == i).sum()) for i, k in enumerate(meta["kinds"].tolist())},
            "truth": truth_info,
            "similarity": similarity_profile(texts_file),
        },
        "summary": {str(n): v for n, v in summary.items()},
        "bands": bands,
        "reported_pair_checks": checks,
        "skipped": skipped,
        "clean": clean,
        "runs": runs,
    }
    res["goals"] = goals(summary, sizes, clean)
    res["wall_seconds"] = time.perf_counter() - wall0
    OUT.mkdir(exist_ok=True)
    (OUT / "batch.json").write_text(json.dumps(res, indent=1))
    if not args.no_docs:
        plot(res, PLOT)
        write_markdown(res, DOCS / "benchmarks.md")
    print_summary(res)


def print_summary(res: dict[str, Any]) -> None:
    for n in res["sizes"]:
        print(f"\n{int(n):,} paragraphs")
        for meth, r in res["summary"][str(n)].items():
            print(
                f"  {LABELS[meth]:32s} {r['paragraphs_per_s']:>9,.0f}/s ({r['min']:,.0f}-{r['max']:,.0f})  "
                f"P {r['precision']:.4f} R {r['recall']:.4f} F1 {r['f1']:.4f}  peak {r['peak_total_mb']:.0f} MB"
            )
    print("\ngoals:")
    for g in res["goals"]:
        print(f"  [{'x' if g['met'] else ' '}] {g['goal']}: {g['value']}")
    for name, r in res["clean"].items():
        print(f"clean() {name}: {r['us_per_call_median']:.0f} us/call")
    print(f"\nwrote {OUT / 'batch.json'}" + ("" if not PLOT.exists() else f", {PLOT}, {DOCS / 'benchmarks.md'}"))


if __name__ == "__main__":
    main()
