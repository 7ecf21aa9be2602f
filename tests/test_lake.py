"""The lake path: ``newsclean.spark.dedup`` and ``newsclean.dask.dedup`` decide as
``newsclean dedup`` does (``DedupIndex.add_many`` over the documents in order, and the
command itself on the same table), on a real local Spark and a real Dask LocalCluster.
Never skipped: without pyspark, dask and distributed these tests fail (CI installs them).
The kernels they run are the index's (``newsclean.index._decide``); the one case where a
lake and ``newsclean dedup`` in several batches may differ is shown on the kernels."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsclean import OptionsError
from newsclean._clean import Cleaner
from newsclean._similarity.lsh import bucket_pairs, distinct_bucket_pairs
from newsclean._tables import doc_id
from newsclean.index import DedupIndex, IndexParams
from newsclean.index._decide import PER_BUCKET, bucket_keys, lake_decisions, lake_pairs
from newsclean.index._fingerprint import Batch, sketch_texts

from .conftest import entry_point
from .lake import Lake, lake

ROOT = Path(__file__).resolve().parent.parent

Marks = dict[int, tuple[object, object, object, object]]


def _sketched(docs: Lake, params: IndexParams) -> Batch:
    return sketch_texts([t or "" for t in docs.texts], Cleaner(), params, 512)


def _names(docs: Lake) -> list[str]:
    return [doc_id(i, t or "") for i, t in zip(docs.ids, docs.texts)]


def _candidates(docs: Lake, params: IndexParams) -> int:
    return lake_pairs(_sketched(docs, params))[3]


def _check(docs: Lake, got: Marks, report: dict, **params: object) -> None:
    want = docs.expected(**params)
    assert set(got) == set(want)
    wrong = {k: (want[k], got[k]) for k in want if got[k] != want[k]}
    assert not wrong, f"{len(wrong)} rows decided otherwise, e.g. {list(wrong.items())[:3]}"
    assert report["candidates"] == _candidates(docs, IndexParams(**params))
    statuses = {s for _, _, _, s in want.values()}
    assert statuses == {"new", "duplicate", "repeat", "update"}  # (the stream has all four)


# -- the kernels: the lake path in one process ----------------------------------------------


def test_the_lake_kernels_decide_as_the_index_in_one_batch_and_in_many() -> None:
    docs = lake()
    names = _names(docs)
    texts = [t or "" for t in docs.texts]
    want = DedupIndex().add_many(texts, names)
    assert lake_decisions(_sketched(docs, IndexParams()), names) == want
    # (the copy kept after its match was corrected away is what a later copy matches)
    assert [(r.id, r.status, r.duplicate_of) for r in want[-2:]] == [
        ("late-q", "new", None),
        ("late-r", "duplicate", "late-q"),
    ]
    for size in (1, 17):
        index = DedupIndex()
        assert [
            r for a in range(0, len(texts), size) for r in index.add_many(texts[a : a + size], names[a : a + size])
        ] == want


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 400), st.integers(1, 8), st.sampled_from([1, 2, 8, 64]), st.integers(0, 2**32 - 1))
def test_distinct_bucket_pairs_are_the_pairs_of_bucket_pairs(n: int, values: int, per_bucket: int, seed: int) -> None:
    # The index's fast pairing (sorted by key alone) gives the pairs of the engines' rule.
    rng = np.random.default_rng(seed)
    keys = rng.choice(rng.integers(0, 2**64, values, dtype=np.uint64), size=n)
    order = rng.permutation(n * 3)[:n].astype(np.int64)
    a, b = bucket_pairs(keys, order, per_bucket)
    got = distinct_bucket_pairs(keys, order, per_bucket)
    assert [tuple(p) for p in got.tolist()] == sorted(set(zip(a.tolist(), b.tolist())))


def test_a_pair_seen_only_in_a_bucket_past_the_cap_is_where_a_lake_and_batches_differ() -> None:
    # The documented difference (docs/scale.md): 3 * PER_BUCKET different stories share one
    # band key (and nothing else); a copy of story 100 shares only that key with it. In one
    # pass (a lake, or one batch) the copy is paired with the first and the previous
    # PER_BUCKET members of that bucket, not story 100; fed in small batches, the index
    # compares it with every kept document of earlier batches, and finds it.
    params = IndexParams()
    n = 3 * PER_BUCKET
    rng = np.random.default_rng(3)
    sets = [np.unique(rng.integers(0, 2**32, 200, dtype=np.uint64).astype(np.uint32)) for _ in range(n)]
    sets.append(sets[100].copy())
    offsets = np.zeros(n + 2, dtype=np.int64)
    np.cumsum([len(s) for s in sets], out=offsets[1:])
    bands = rng.integers(0, 2**63, (n + 1, params.bands[0]), dtype=np.uint64)
    bands[:, 0] = 12345  # (the shared key)
    checks = np.zeros((n + 1, params.num_perm), dtype=np.uint8)  # (no check bytes: every pair passes)
    batch = Batch(
        np.concatenate(sets),
        offsets,
        bands,
        [() for _ in range(n + 1)],
        [f"body{k}" for k in range(n)] + ["copy"],
        checks,
        params,
    )
    ids = [str(k) for k in range(n + 1)]
    one_pass = lake_decisions(batch, ids)
    assert one_pass == DedupIndex().add_fingerprints(batch, ids)
    assert one_pass[-1].status == "new"  # (the copy is never compared with story 100)
    index = DedupIndex()
    batched = [r for a in range(0, n + 1, 10) for r in index.add_fingerprints(batch[a : a + 10], ids[a : a + 10])]
    assert batched[-1].duplicate_of == "100" and batched[-1].similarity == 1.0
    assert batched[:-1] == one_pass[:-1]


# -- Spark --------------------------------------------------------------------------------------


def _spark_marks(spark, docs: Lake, partitions: int, **params: object) -> tuple[Marks, dict]:
    import pyarrow as pa

    from newsclean.spark import dedup

    df = spark.createDataFrame(pa.table(docs.columns())).repartition(partitions)
    report: dict = {}
    out = dedup(df, order="ts", id="url", report=report, **params)
    assert out.columns == ["ts", "text", "url", "duplicate_of", "similarity", "group", "status"]
    table = out.toArrow()
    got = {
        int(o): (d, s, g, st)
        for o, d, s, g, st in zip(
            *(table.column(c).to_pylist() for c in ("ts", "duplicate_of", "similarity", "group", "status"))
        )
    }
    return got, report


@pytest.mark.parametrize("partitions", [1, 3, 8])
def test_spark_dedup_decides_as_newsclean_dedup(spark, partitions):
    docs = lake(seed=partitions)
    got, report = _spark_marks(spark, docs, partitions)
    _check(docs, got, report)


def test_spark_dedup_with_other_rule_parameters_and_no_ids(spark):
    import pyarrow as pa

    from newsclean.spark import dedup

    docs = lake(n=120, seed=11)
    docs = dataclasses.replace(docs, ids=[None] * len(docs.ids))  # (every row named by its text)
    params = {"threshold": 0.6, "containment": 0.9, "min_ratio": 0.6}
    df = spark.createDataFrame(pa.table(docs.columns()).drop(["url"])).repartition(3)
    report: dict = {}
    table = dedup(df, order="ts", report=report, **params).toArrow()
    got = {
        int(o): (d, s, g, st)
        for o, d, s, g, st in zip(
            *(table.column(c).to_pylist() for c in ("ts", "duplicate_of", "similarity", "group", "status"))
        )
    }
    want = docs.expected(**params)
    assert got == want
    assert report["candidates"] == _candidates(docs, IndexParams(**params))
    assert {s for *_, s in want.values()} >= {"new", "duplicate", "repeat"}


def test_spark_dedup_validates_as_newsclean_dedup(spark):
    import pyarrow as pa

    from newsclean.spark import dedup

    df = spark.createDataFrame(pa.table({"ts": [1, 2], "text": ["a", "b"]}))
    with pytest.raises(OptionsError, match="threshold"):
        dedup(df, order="ts", threshold=1.5)
    with pytest.raises(OptionsError, match="'body'"):
        dedup(df, text="body", order="ts")
    with pytest.raises(OptionsError, match="status"):
        dedup(df.withColumnRenamed("text", "status"), text="status", order="ts")
    with pytest.raises(OptionsError, match="not unique"):
        dedup(spark.createDataFrame(pa.table({"ts": [1, 1], "text": ["a", "b"]})), order="ts")


# -- Dask ---------------------------------------------------------------------------------------


def _dask_marks(docs: Lake, partitions: int, **params: object) -> tuple[Marks, dict]:
    import dask.dataframe as dd
    import pandas as pd

    from newsclean.dask import dedup

    ddf = dd.from_pandas(pd.DataFrame(docs.columns()), npartitions=partitions, sort=False)
    report: dict = {}
    out = dedup(ddf, order="ts", id="url", report=report, **params).compute()
    assert list(out.columns) == ["ts", "text", "url", "duplicate_of", "similarity", "group", "status"]

    def plain(v: object) -> object:
        return None if pd.isna(v) else v

    got = {
        int(r.ts): (plain(r.duplicate_of), plain(r.similarity), r.group, r.status)
        for r in out[["ts", "duplicate_of", "similarity", "group", "status"]].itertuples()
    }
    return got, report


@pytest.mark.parametrize("partitions", [1, 3, 8])
def test_dask_dedup_decides_as_newsclean_dedup(client, partitions):
    docs = lake(seed=partitions)
    got, report = _dask_marks(docs, partitions)
    _check(docs, got, report)


def test_dask_dedup_over_buckets_past_the_cap(client):
    # Hundreds of different stories carrying one long site footer share band keys with more
    # members than 2 * PER_BUCKET + 1: the lake still decides as the index.
    from .republish import corpus

    footer = " ".join(d.text.split("\n")[0] for d in corpus(40, seed=99)[:3])
    stories = [d for d in corpus(600, seed=12) if d.kind == "original"]
    texts: list[str | None] = [f"{d.text}\n{footer}" for d in stories]
    m = len(texts)
    docs = Lake(texts, [str(k) for k in range(m)], 5 * np.arange(m, dtype=np.int64), np.arange(m)[::-1])
    _, members = np.unique(bucket_keys(_sketched(docs, IndexParams()).bands), return_counts=True)
    assert members.max() > 2 * PER_BUCKET + 1
    got, report = _dask_marks(docs, 4)
    assert got == docs.expected()
    assert report["candidates"] == _candidates(docs, IndexParams())


def test_dask_command_writes_what_newsclean_dedup_writes(client, tmp_path):
    # Parquet in, Parquet out: python -m newsclean.dask --clean --mark and newsclean dedup
    # --mark over the same table (in order) give every row the same marks.
    import pyarrow as pa
    import pyarrow.parquet as pq

    docs = lake(n=120, seed=5)
    # (newsclean dedup refuses a row without text, where the lake path takes it as empty)
    docs = dataclasses.replace(docs, texts=[t or "" for t in docs.texts])
    table = pa.table(docs.columns())
    pq.write_table(table, tmp_path / "in.parquet")
    pq.write_table(table.sort_by("ts"), tmp_path / "ordered.parquet")
    command = [sys.executable, "-m", "newsclean.dask", str(tmp_path / "in.parquet"), "-o", str(tmp_path / "lake")]
    command += [
        "--order-field",
        "ts",
        "--id-field",
        "url",
        "--clean",
        "--mark",
        "--scheduler",
        client.scheduler.address,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    marked = [entry_point(), "dedup", str(tmp_path / "ordered.parquet"), "-o", str(tmp_path / "cli.parquet")]
    done = subprocess.run([*marked, "--id-field", "url", "--mark"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    engine = pq.read_table(tmp_path / "lake").sort_by("ts")
    cli = pq.read_table(tmp_path / "cli.parquet")
    for name in ("ts", "text", "url", "duplicate_of", "similarity", "group"):
        assert engine.column(name).to_pylist() == cli.column(name).to_pylist(), name
    assert set(engine.column("status").to_pylist()) == {"new", "duplicate", "repeat", "update"}
    # Without --mark: the rows newsclean dedup keeps, with their own columns only.
    command[command.index(str(tmp_path / "lake"))] = str(tmp_path / "kept")
    done = subprocess.run([c for c in command if c != "--mark"], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    kept = pq.read_table(tmp_path / "kept").sort_by("ts")
    assert [c for c in kept.column_names if c != "__null_dask_index__"] == ["ts", "text", "url"]
    cli_kept = [
        ts for ts, dup in zip(cli.column("ts").to_pylist(), cli.column("duplicate_of").to_pylist()) if dup is None
    ]
    assert kept.column("ts").to_pylist() == cli_kept


def test_commands_refuse_flags_of_the_other_rule(tmp_path):
    for engine in ("spark", "dask"):
        command = [sys.executable, "-m", f"newsclean.{engine}", str(tmp_path / "x.parquet"), "-o", str(tmp_path / "o")]
        for extra, message in (
            (["--clean", "--keep", "longest"], "--keep does not apply with --clean"),
            (["--containment", "0.9"], "--containment applies with --clean only"),
            (["--clean", "--threshold", "0"], "threshold must be a number in (0, 1]"),
        ):
            done = subprocess.run([*command, "--order-field", "ts", *extra], capture_output=True, text=True, timeout=60)
            assert done.returncode == 2 and message in done.stderr, (engine, extra, done.stderr)


def test_spark_command_with_clean_over_spark_connect(tmp_path):
    # python -m newsclean.spark --clean, Parquet in and out, through a local Spark Connect
    # server: the lake path is DataFrame API and Arrow functions only.
    import os

    import pyarrow as pa
    import pyarrow.parquet as pq

    docs = lake(n=80, seed=9)
    pq.write_table(pa.table(docs.columns()), tmp_path / "in.parquet")
    command = [sys.executable, "-m", "newsclean.spark", str(tmp_path / "in.parquet"), "-o", str(tmp_path / "out")]
    command += ["--order-field", "ts", "--id-field", "url", "--clean", "--mark", "--remote", "local[2]"]
    command += ["--conf", "spark.sql.shuffle.partitions=4", "--conf", "spark.ui.enabled=false"]
    env = {**os.environ, "PYSPARK_PYTHON": sys.executable, "SPARK_LOCAL_IP": "127.0.0.1"}
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, env=env, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    out = pq.read_table(tmp_path / "out")
    got = {
        int(o): (d, s, g, st)
        for o, d, s, g, st in zip(
            *(out.column(c).to_pylist() for c in ("ts", "duplicate_of", "similarity", "group", "status"))
        )
    }
    want = docs.expected()
    assert got == want
    assert {s for *_, s in want.values()} == {"new", "duplicate", "repeat", "update"}


def test_recipe(client, tmp_path, monkeypatch):
    # docs/recipes/spark-dask.md, its part on articles: the Python (a LocalCluster of its
    # own) prints what the recipe shows; the command over the recipe's articles.parquet
    # keeps what newsclean dedup keeps of it.
    import pyarrow.parquet as pq

    from .engines import recipe_blocks, recipe_command, run_recipe_python

    monkeypatch.chdir(tmp_path)
    data, *_, articles = recipe_blocks("python")
    namespace: dict = {"__name__": "__recipe__"}
    run_recipe_python(articles, namespace, "spark-dask.md articles")
    (shown,) = [b for b in recipe_blocks("text") if "status" in b]
    printed = articles.strip().splitlines()[-1].removeprefix("print(").removesuffix(")")
    assert eval(printed, namespace).splitlines() == shown.strip("\n").splitlines()
    run_recipe_python(data, {"__name__": "__recipe__"}, "spark-dask.md data")
    (line,) = [c.strip() for c in recipe_blocks("sh") if "--clean" in c]
    done = subprocess.run(
        recipe_command(line, Path(sys.executable).parent), capture_output=True, text=True, timeout=600, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr[-3000:]
    table = pq.read_table("articles.parquet")
    ordered = table.filter(pc_valid(table)).sort_by("ts")
    pq.write_table(ordered, "ordered.parquet")
    done = subprocess.run(
        [entry_point(), "dedup", "ordered.parquet", "-o", "cli.parquet", "--id-field", "url", "--field", "text"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    kept = sorted(pq.read_table(tmp_path / "articles-kept").column("url").to_pylist())
    # (the row without a text: kept by the lake path, a bad row for newsclean dedup)
    assert kept == sorted([*pq.read_table("cli.parquet").column("url").to_pylist(), "https://c.example/empty"])
    assert len(kept) == 4


def pc_valid(table):
    import pyarrow.compute as pc

    return pc.is_valid(table.column("text"))
