"""Near-duplicates on Spark and Dask against the single process, Parquet in, decisions
out, in one run: ``newsclean.spark`` on ``local[1]`` and ``local[2]``, ``newsclean.dask``
on a LocalCluster of 1 and 2 worker processes, ``newsclean.near_duplicates(workers=1|2)``.

    .venv/bin/pip install -e '.[spark,dask]'
    .venv/bin/python benchmarks/bench_engines.py                 # 100k paragraphs, 3 rounds
    .venv/bin/python benchmarks/bench_engines.py --n 20000 --rounds 1
    .venv/bin/python benchmarks/bench_engines.py --docs --n 20000   # articles: the lake path

With ``--docs``: the lake path (``newsclean.spark.dedup``, ``newsclean.dask.dedup``)
against ``newsclean dedup --mark`` itself (``cli-w1``, ``cli-w2``: its ``--workers``, run
in the child process as the installed command runs), on a republication stream
(``republish_corpus.py``, ``url`` ids, as Parquet in stream order); the harness asserts
equal ``duplicate_of`` and ``similarity`` for every row.

Corpus: ``paragraph_corpus.py`` (news-like paragraphs, 20% planted near-duplicates), as
Parquet (``order``, ``text``; rows shuffled) in ``benchmarks/out/cache``. Each run is a
fresh process (``_harness.run_process``; rounds interleaved, order rotated) that reads the
Parquet, starts its engine (JVM and session, or cluster: part of what a user pays), decides
and writes ``(order, duplicate_of, similarity)``; the harness asserts that every method's
decisions and candidate count equal ``near_duplicates``'. Each run also reports its own
stage times, and Spark runs the bytes its shuffles wrote (the sum of ``shuffleWriteBytes``
over the stages, from Spark's status API on a loopback UI port).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import _harness  # noqa: E402

CACHE = _harness.OUT / "cache"
METHODS = ["nd-w1", "nd-w2", "spark-local1", "spark-local2", "dask-w1", "dask-w2"]
DOC_METHODS = ["cli-w1", "cli-w2", "spark-local1", "spark-local2", "dask-w1", "dask-w2"]


def docs_file(n: int) -> Path:
    """A republication stream of ``n`` documents as Parquet (``order``, ``url``, ``text``),
    in stream order (``newsclean dedup`` reads a table in its order)."""
    from republish_corpus import GeneratedBase, build

    def columns() -> dict[str, Any]:
        docs = build(n, "dev", GeneratedBase)
        return {
            "order": np.arange(n, dtype=np.int64) * 10,
            "url": [d.url or d.id for d in docs],
            "text": [d.text for d in docs],
        }

    return _cached_parquet(f"engines-docs-{n}.parquet", n, columns)


def _cached_parquet(name: str, n: int, columns: Callable[[], dict[str, Any]]) -> Path:
    """``CACHE / name``, written first (in 8 row groups) from ``columns()`` if it is not there."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = CACHE / name
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.table(columns()), path, row_group_size=max(1, n // 8))
    return path


def run_docs_method(method: str, path: Path, out: Path) -> dict[str, Any]:
    """One run of the lake path or of ``newsclean dedup`` (in its own process)."""
    import pyarrow.parquet as pq

    start = time.perf_counter()
    figures: dict[str, Any] = {}
    if method.startswith("cli-"):
        from newsclean.cli import main as newsclean_main

        marked = out.with_suffix(".parquet")
        t = time.perf_counter()
        argv = ["dedup", str(path), "--mark", "-o", str(marked), "--id-field", "url", "--workers", method[-1]]
        if newsclean_main(argv):
            raise SystemExit("newsclean dedup failed")
        figures["decide_seconds"] = time.perf_counter() - t
        table = pq.read_table(marked)
        order, dup, sim = (table.column(c).to_pylist() for c in ("order", "duplicate_of", "similarity"))
    elif method.startswith("spark-"):
        order, dup, sim = _spark_docs(path, int(method[-1]), figures)
    else:
        order, dup, sim = _dask_docs(path, int(method[-1]), figures)
    at = np.argsort(np.asarray(order))
    np.savez(
        out,
        order=np.asarray(order, dtype=np.int64)[at],
        dup=np.array(["" if d is None else d for d in dup], dtype=object)[at],
        sim=np.array([np.nan if x is None else x for x in sim], dtype=float)[at],
        allow_pickle=True,
    )
    figures["process_seconds"] = time.perf_counter() - start
    return figures


def _spark_docs(path: Path, cores: int, figures: dict[str, Any]) -> tuple[list[Any], list[Any], list[Any]]:
    from newsclean.spark import dedup

    spark = _spark_session(cores, figures)
    t = time.perf_counter()
    report: dict[str, Any] = {}
    marked = dedup(spark.read.parquet(str(path)), order="order", id="url", report=report)
    table = marked.select("order", "duplicate_of", "similarity").toArrow()
    figures["decide_seconds"] = time.perf_counter() - t
    figures.update(stages=report["seconds"], edges=report["edges"], decided=report["decided"])
    figures["candidates"] = report["candidates"]
    figures["shuffle_write_bytes"], figures["shuffle_stages"] = _shuffle_bytes(spark)
    spark.stop()
    return [table.column(c).to_pylist() for c in ("order", "duplicate_of", "similarity")]  # type: ignore[return-value]


def _dask_docs(path: Path, workers: int, figures: dict[str, Any]) -> tuple[list[Any], list[Any], list[Any]]:
    import dask.dataframe as dd
    import pandas as pd
    from distributed import Client, LocalCluster

    from newsclean.dask import dedup

    t = time.perf_counter()
    cluster = LocalCluster(
        n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=":0"
    )
    client = Client(cluster)
    figures["start_seconds"] = time.perf_counter() - t
    t = time.perf_counter()
    report: dict[str, Any] = {}
    ddf = dd.read_parquet(str(path), split_row_groups=True)
    frame = dedup(ddf, order="order", id="url", report=report)[["order", "duplicate_of", "similarity"]].compute()
    figures["decide_seconds"] = time.perf_counter() - t
    figures.update(stages=report["seconds"], edges=report["edges"], decided=report["decided"])
    figures["candidates"] = report["candidates"]
    client.close()
    cluster.close()
    dup = [None if pd.isna(d) else d for d in frame["duplicate_of"].tolist()]
    sim = [None if pd.isna(x) else x for x in frame["similarity"].tolist()]
    return frame["order"].tolist(), dup, sim


def corpus_file(n: int) -> Path:
    from paragraph_corpus import corpus

    def columns() -> dict[str, Any]:
        texts = [p.text for p in corpus(n, seed=1)]
        shuffle = np.random.default_rng(0).permutation(n)
        return {"order": shuffle.astype(np.int64), "text": [texts[i] for i in shuffle]}

    return _cached_parquet(f"engines-{n}.parquet", n, columns)


def run_method(method: str, path: Path, out: Path) -> dict[str, Any]:
    """One run (in its own process): decisions into ``out`` (npz), figures returned."""
    import pyarrow.parquet as pq

    start = time.perf_counter()
    figures: dict[str, Any] = {}
    if method.startswith("nd-"):
        from newsclean import near_duplicates

        table = pq.read_table(path).sort_by("order")
        texts = table.column("text").to_pylist()
        t = time.perf_counter()
        r = near_duplicates(texts, workers=int(method[-1]))
        figures["decide_seconds"] = time.perf_counter() - t
        order = table.column("order").to_numpy()
        dup = np.where(r.duplicate_of >= 0, order[np.maximum(r.duplicate_of, 0)], -1)
        np.savez(out, order=order, dup=dup, sim=r.similarity, candidates=r.candidates)
    elif method.startswith("spark-"):
        figures.update(_spark(path, out, int(method[-1])))
    else:
        figures.update(_dask(path, out, int(method[-1])))
    figures["process_seconds"] = time.perf_counter() - start
    return figures


def _save(out: Path, order: np.ndarray, dup: Any, sim: Any, candidates: int) -> None:
    at = np.argsort(order)
    dup = np.asarray(dup, dtype=float)
    np.savez(
        out,
        order=order[at],
        dup=np.where(np.isnan(dup), -1, np.nan_to_num(dup)).astype(np.int64)[at],
        sim=np.asarray(sim, dtype=float)[at],
        candidates=candidates,
    )


def _spark_session(cores: int, figures: dict[str, Any]) -> Any:
    from pyspark.sql import SparkSession

    os.environ["PYSPARK_PYTHON"] = sys.executable
    t = time.perf_counter()
    spark = (
        SparkSession.builder.master(f"local[{cores}]")
        .config("spark.ui.enabled", "true")
        .config("spark.ui.port", "0")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.sql.shuffle.partitions", str(4 * cores))
        .config("spark.driver.memory", "2g")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    figures["start_seconds"] = time.perf_counter() - t
    return spark


def _spark(path: Path, out: Path, cores: int) -> dict[str, Any]:
    from newsclean.spark import near_duplicates

    figures: dict[str, Any] = {}
    spark = _spark_session(cores, figures)
    t = time.perf_counter()
    report: dict[str, Any] = {}
    result = near_duplicates(spark.read.parquet(str(path)), report=report).select("order", "duplicate_of", "similarity")
    table = result.toArrow()
    figures["decide_seconds"] = time.perf_counter() - t
    figures["stages"] = report["seconds"]
    figures["edges"] = report["edges"]
    figures["shuffle_write_bytes"], figures["shuffle_stages"] = _shuffle_bytes(spark)
    spark.stop()
    _save(
        out,
        table.column("order").to_numpy(),
        table.column("duplicate_of").to_numpy(zero_copy_only=False),
        table.column("similarity").to_numpy(zero_copy_only=False),
        report["candidates"],
    )
    return figures


def _shuffle_bytes(spark: Any) -> tuple[int, list[tuple[str, int, int]]]:
    """The bytes all stages of the application wrote to shuffle files (Spark's own
    metric), and per stage that wrote any: its name, bytes and records."""
    import urllib.request

    sc = spark.sparkContext
    url = f"{sc.uiWebUrl}/api/v1/applications/{sc.applicationId}/stages"
    with urllib.request.urlopen(url, timeout=30) as reply:
        stages = json.load(reply)
    per_stage = [
        (s["name"].split(" at ")[0], int(s["shuffleWriteBytes"]), int(s.get("shuffleWriteRecords", 0)))
        for s in stages
        if s.get("shuffleWriteBytes") and s.get("status") == "COMPLETE"
    ]
    return int(sum(s.get("shuffleWriteBytes", 0) for s in stages)), per_stage


def _dask(path: Path, out: Path, workers: int) -> dict[str, Any]:
    import dask.dataframe as dd
    from distributed import Client, LocalCluster

    from newsclean.dask import near_duplicates

    t = time.perf_counter()
    cluster = LocalCluster(
        n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=":0"
    )
    client = Client(cluster)
    figures: dict[str, Any] = {"start_seconds": time.perf_counter() - t}
    t = time.perf_counter()
    report: dict[str, Any] = {}
    ddf = dd.read_parquet(str(path), split_row_groups=True)
    frame = near_duplicates(ddf, report=report)[["order", "duplicate_of", "similarity"]].compute()
    figures["decide_seconds"] = time.perf_counter() - t
    figures["stages"] = report["seconds"]
    figures["edges"] = report["edges"]
    client.close()
    cluster.close()
    _save(
        out,
        frame["order"].to_numpy(),
        frame["duplicate_of"].to_numpy(dtype=float, na_value=np.nan),
        frame["similarity"].to_numpy(),
        report["candidates"],
    )
    return figures


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=100_000, help="paragraphs (default: 100,000)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--methods", default=",".join(METHODS))
    ap.add_argument("--plot", type=Path, help="also draw the seconds of each method to this PNG (matplotlib)")
    ap.add_argument(
        "--render", action="store_true", help="with --plot: only draw from benchmarks/out/bench_engines-N.json"
    )
    ap.add_argument(
        "--docs", action="store_true", help="articles: the lake path (dedup) against newsclean dedup --mark"
    )
    ap.add_argument("--run", help=argparse.SUPPRESS)  # (in a child: one method)
    ap.add_argument("--input", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.run:
        run = run_docs_method if args.docs else run_method
        print(json.dumps(run(args.run, Path(args.input), Path(args.out))))
        return
    if args.render:
        if not args.plot:
            raise SystemExit("--render needs --plot PATH")
        plot(json.loads((_harness.OUT / f"bench_engines-{args.n}.json").read_text()), args.plot)
        return
    path = docs_file(args.n) if args.docs else corpus_file(args.n)
    methods = (",".join(DOC_METHODS) if args.docs and args.methods == ",".join(METHODS) else args.methods).split(",")
    kind = "docs" if args.docs else "paragraphs"
    figures: dict[str, list[dict[str, Any]]] = {m: [] for m in methods}
    CACHE.mkdir(parents=True, exist_ok=True)

    def command(method: str) -> Any:
        def go() -> _harness.Measurement:
            out = CACHE / f"engines-{method}.npz"
            stdout = CACHE / f"engines-{method}.json"
            argv = [sys.executable, __file__, "--run", method, "--input", str(path), "--out", str(out)]
            argv += ["--docs"] if args.docs else []
            m = _harness.run_process(argv, None, stdout, env={**os.environ, "PYTHONPATH": str(HERE)})
            if m.returncode:
                raise SystemExit(f"{method} failed:\n{m.stderr}")
            figures[method].append(json.loads(stdout.read_text()))
            return m

        return go

    def report(r: int, name: str, m: _harness.Measurement) -> None:
        print(f"round {r + 1} {name}: {m.seconds:.1f} s, {m.peak_tree_mb:.0f} MB, load {m.load:.1f}", flush=True)

    results = _harness.interleaved({m: command(m) for m in methods}, args.rounds, warmup=False, report=report)
    ref = np.load(CACHE / f"engines-{methods[0]}.npz", allow_pickle=args.docs)
    for m in methods[1:]:
        got = np.load(CACHE / f"engines-{m}.npz", allow_pickle=args.docs)
        assert np.array_equal(got["order"], ref["order"]), m
        assert np.array_equal(got["dup"], ref["dup"]), f"{m}: decisions differ"
        np.testing.assert_array_equal(got["sim"], ref["sim"], err_msg=m)
        if not args.docs:  # (newsclean dedup does not report its candidates)
            assert int(got["candidates"]) == int(ref["candidates"]), m
    candidates = {f.get("candidates") for m in methods for f in figures[m] if "candidates" in f}
    if args.docs:
        assert len(candidates) == 1, f"the engines verified different numbers of candidates: {candidates}"
    base = _harness.summarize([x.seconds for x in results[methods[0]]]).median
    rows = []
    for m in methods:
        s = _harness.summarize([x.seconds for x in results[m]])
        ratios = _harness.summarize([x.seconds / y.seconds for x, y in zip(results[m], results[methods[0]])])
        fig = figures[m]
        start = _harness.summarize([f.get("start_seconds", 0.0) for f in fig])
        decide = _harness.summarize([f["decide_seconds"] for f in fig])
        shuffle = [f["shuffle_write_bytes"] for f in fig if "shuffle_write_bytes" in f]
        rows.append(
            [
                m,
                s.format("{:.1f}"),
                ratios.format("{:.2f}"),
                start.format("{:.1f}"),
                decide.format("{:.1f}"),
                _harness.summarize([x.peak_tree_mb for x in results[m]]).format("{:,.0f}"),
                f"{shuffle[0] / args.n:,.0f}" if shuffle else "",
            ]
        )
    headers = [
        "method",
        "seconds",
        f"x {methods[0]}",
        "engine start s",
        "in-engine s",
        "peak MB (tree)",
        "shuffle B/text",
    ]
    found = candidates.pop() if args.docs else int(ref["candidates"])
    print(f"\n{args.n:,} {kind}, {found:,} candidates; {args.rounds} rounds; base {base:.1f} s")
    print(_harness.table(headers, rows))
    stages = {m: figures[m][-1].get("stages") for m in methods}
    print("stage seconds (last round):", json.dumps(stages))
    for m in methods:
        for name, size, records in figures[m][-1].get("shuffle_stages", []):
            print(f"{m} shuffle: {name}: {size / args.n:,.0f} B/text, {records / args.n:.2f} records/text")
    saved = _harness.write_json(
        f"bench_engines-{'docs-' if args.docs else ''}{args.n}",
        {"machine": _harness.machine(), "results": results, "figures": figures, "n": args.n},
    )
    if args.plot:
        plot(json.loads(saved.read_text()), args.plot)


def plot(res: dict[str, Any], path: Path) -> None:
    """Seconds per method (median, min-max error bars), from a saved result."""
    names = list(res["results"])
    _harness.bars(
        names,
        [_harness.summarize([m["seconds"] for m in res["results"][n]]) for n in names],
        path,
        xlabel="seconds, whole process (median, min-max); equal decisions in every run",
        title=f"near_duplicates of {res['n']:,} paragraphs: in process (nd-wN) and on Spark and Dask",
        label=lambda v: f"{v.median:.1f} s",
        ours=[n.startswith("nd-") for n in names],
    )


if __name__ == "__main__":
    main()
