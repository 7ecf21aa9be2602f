"""newsclean.spark decides as newsclean.near_duplicates does, on a real local Spark
(local[2], loopback only, UI off) and once over Spark Connect. Never skipped: without
pyspark or Java these tests fail (CI installs both)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsclean import OptionsError, near_duplicates

from .engines import (
    BASE,
    Rows,
    assert_equal,
    boilerplate,
    edge_cases,
    keep_cases,
    paragraphs,
    recipe_blocks,
    recipe_command,
    run_recipe_python,
)

ROOT = Path(__file__).resolve().parent.parent
CI = os.environ.get("CI") == "true"


def frame(spark, rows: Rows, partitions: int):
    import pyarrow as pa

    return spark.createDataFrame(pa.table(rows.columns())).repartition(partitions)


def run(spark, texts: list[str], partitions: int = 3, seed: int = 0, priority=None, **params) -> None:
    """The engine over ``texts`` in shuffled rows decides as near_duplicates; with
    ``priority``, the engine keeps by the column "prio", the reference by the array."""
    from newsclean.spark import near_duplicates as spark_near_duplicates

    rows = Rows.of(texts, seed, priority)
    report: dict = {}
    engine = params if priority is None else {**params, "keep": "prio"}
    out = spark_near_duplicates(frame(spark, rows, partitions), report=report, **engine).toArrow()
    assert out.num_rows == len(texts)
    got = {name: out.column(name).to_pylist() for name in ("order", "duplicate_of", "similarity")}
    assert_equal(
        texts, rows.orders, got, report["candidates"], **(params if priority is None else {**params, "keep": priority})
    )


def test_20k_paragraphs(spark):
    run(spark, paragraphs(20_000), partitions=4)


@pytest.mark.parametrize("partitions", [1, 3, 8])
def test_partitions(spark, partitions):
    run(spark, paragraphs(1_500, seed=2), partitions=partitions, seed=partitions)


def test_buckets_far_larger_than_per_bucket_split_across_arrow_batches(spark):
    # Batches of 7 rows: every large bucket is fed to BucketStream in many pieces.
    spark.conf.set("spark.sql.execution.arrow.maxRecordsPerBatch", "7")
    try:
        run(spark, boilerplate(), partitions=3)
    finally:
        spark.conf.unset("spark.sql.execution.arrow.maxRecordsPerBatch")


def test_chains_ties_empty_and_short_texts(spark):
    texts = edge_cases()
    run(spark, texts, partitions=2)
    run(spark, texts, partitions=2, threshold=0.5, shingle_size=3)


def test_ids_name_the_kept_rows(spark):
    from newsclean.spark import near_duplicates as spark_near_duplicates

    texts = edge_cases()
    rows = Rows.of(texts)
    out = spark_near_duplicates(frame(spark, rows, 2), id="url").toArrow().to_pylist()
    ref = near_duplicates(texts)
    url = {r["order"]: r["url"] for r in out}
    by_order = {int(o): i for i, o in enumerate(rows.orders.tolist())}
    for r in out:
        i = by_order[r["order"]]
        want = ref.duplicate_of[i]
        assert r["duplicate_of"] == (None if want < 0 else url[int(rows.orders[want])])
        assert r["group"] == (r["duplicate_of"] or r["url"])
        assert set(r) >= {"order", "text", "url", "duplicate_of", "similarity", "group"}


def test_integer_ids_and_null_ids(spark):
    """An integer id names the kept rows (null where kept), as Dask does; a null id is
    refused, as a row without a name could be kept silently."""
    from newsclean.spark import near_duplicates as spark_near_duplicates

    other = "another story altogether, of other words"
    rows = [(4, 40, BASE), (1, 10, BASE), (3, 30, other), (2, 20, BASE)]
    df = spark.createDataFrame(rows, "ts long, id long, text string")
    out = spark_near_duplicates(df, order="ts", id="id").orderBy("ts").toArrow()
    assert out.column("duplicate_of").to_pylist() == [None, 10, None, 10]
    assert out.column("group").to_pylist() == [10, 10, 30, 10]
    df = spark.createDataFrame([(1, None, BASE), *rows[2:]], "ts long, id long, text string")
    with pytest.raises(OptionsError, match=r"id column 'id' has a null \(at order 1\): near_duplicates names rows by"):
        spark_near_duplicates(df, order="ts", id="id")


def test_text_must_hold_strings(spark):
    from newsclean.spark import dedup
    from newsclean.spark import near_duplicates as spark_near_duplicates

    for kind, value in (("bigint", 5), ("double", 1.5), ("boolean", True), ("binary", bytearray(b"x"))):
        df = spark.createDataFrame([(1, value)], f"ts long, body {kind}")
        for run in (spark_near_duplicates, dedup):
            with pytest.raises(OptionsError, match=f"text column 'body' must hold strings, not {kind}"):
                run(df, text="body", order="ts")


@settings(
    max_examples=3 if CI else 15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    st.lists(
        st.sampled_from(
            [
                "",
                "a b",
                "the talks ended on friday",
                "the talks ended on friday night",
                "the talks ended friday",
                "markets rose in early trade on monday",
                "markets rose in early trade",
            ]
        ),
        min_size=1,
        max_size=40,
    ),
    st.integers(1, 5),
)
def test_hypothesis_corpora(spark, texts, partitions):
    run(spark, texts, partitions=partitions, threshold=0.6, shingle_size=3)


@pytest.mark.parametrize(
    "params",
    [{"threshold": 0}, {"threshold": 1.5}, {"shingle_size": 0}, {"num_perm": 96}, {"num_perm": 7}, {"seed": -1}],
)
def test_parameters_are_validated_as_near_duplicates_does(spark, params):
    from newsclean.spark import near_duplicates as spark_near_duplicates

    with pytest.raises(ValueError) as want:
        near_duplicates(["a"], **params)
    df = frame(spark, Rows.of(["a"]), 1)
    with pytest.raises(OptionsError) as got:
        spark_near_duplicates(df, **params)
    assert str(got.value) == str(want.value)


def test_order_must_be_unique_and_present(spark):
    from newsclean.spark import near_duplicates as spark_near_duplicates

    df = spark.createDataFrame([(1, "a"), (2, "b"), (2, "c")], "order long, text string")
    with pytest.raises(OptionsError, match="order column 'order' is not unique: 2 rows have the order 2"):
        spark_near_duplicates(df)
    df = spark.createDataFrame([(1, "a"), (None, "b")], "order long, text string")
    with pytest.raises(OptionsError, match="has nulls"):
        spark_near_duplicates(df)
    df = spark.createDataFrame([("x", "a")], "order string, text string")
    with pytest.raises(OptionsError, match="must hold integers, timestamps or dates, not string"):
        spark_near_duplicates(df)
    with pytest.raises(OptionsError, match="text column 'body' is not in the frame"):
        spark_near_duplicates(df, text="body")


def test_command_over_spark_connect(tmp_path):
    """python -m newsclean.spark, Parquet in and out, through a local Spark Connect server
    (a process of its own: Connect and a classic session do not share one)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    texts = paragraphs(600, seed=3)
    rows = Rows.of(texts)
    pq.write_table(pa.table(rows.columns()), tmp_path / "in.parquet")
    command = [sys.executable, "-m", "newsclean.spark", str(tmp_path / "in.parquet"), "-o", str(tmp_path / "out")]
    command += ["--order-field", "order", "--id-field", "url", "--mark", "--remote", "local[2]"]
    command += ["--conf", "spark.sql.shuffle.partitions=4", "--conf", "spark.ui.enabled=false"]
    env = {**os.environ, "PYSPARK_PYTHON": sys.executable, "SPARK_LOCAL_IP": "127.0.0.1"}
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, env=env, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    out = pq.read_table(tmp_path / "out").to_pylist()
    assert len(out) == len(texts)
    ref = near_duplicates(texts)
    url_of = {i: f"https://example.com/{o}" for i, o in enumerate(rows.orders.tolist())}
    position = {int(o): i for i, o in enumerate(rows.orders.tolist())}
    for r in out:
        i = position[r["order"]]
        j = ref.duplicate_of[i]
        assert r["duplicate_of"] == (url_of[j] if j >= 0 else None)
        assert r["similarity"] == (None if j < 0 else ref.similarity[i])
    assert np.count_nonzero(ref.duplicate_of >= 0) == sum(r["duplicate_of"] is not None for r in out) > 0


def test_recipe(spark, tmp_path, monkeypatch, capsys):
    """docs/recipes/spark-dask.md, its Spark part: the Python (on this session), then the
    command and spark-submit with its driver script, Parquet in and out."""
    import pyarrow.parquet as pq

    monkeypatch.chdir(tmp_path)
    data, spark_python, job, *_ = recipe_blocks("python")
    namespace: dict = {"__name__": "__recipe__"}
    run_recipe_python(data, namespace, "spark-dask.md data")
    # (Spark resolves relative paths against the JVM's working directory, not this one's)
    for name in ("articles.parquet", "unique-spark"):
        spark_python = spark_python.replace(f'"{name}"', f'"{tmp_path / name}"')
    run_recipe_python(spark_python, namespace, "spark-dask.md spark")
    printed = capsys.readouterr().out
    assert printed.splitlines() == recipe_blocks("text")[0].strip().splitlines()
    assert sorted(pq.read_table("unique-spark").column("url").to_pylist()) == [
        "https://a.example/grain",
        "https://a.example/talks",
        "https://b.example/water",
        "https://c.example/empty",
    ]
    (tmp_path / "dedup_job.py").write_text(job, encoding="utf-8")
    env = {**os.environ, "PYSPARK_PYTHON": sys.executable, "SPARK_LOCAL_IP": "127.0.0.1"}
    commands = [c.strip() for c in recipe_blocks("sh") if "newsclean.spark" in c or "spark-submit" in c]
    assert len(commands) == 2
    for line, out in zip(commands, ["unique-cmd", "unique-submit"]):
        argv = recipe_command(line, Path(sys.executable).parent)
        argv += ["--conf", "spark.ui.enabled=false", "--conf", "spark.sql.shuffle.partitions=4"]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=600, env=env, cwd=tmp_path)
        assert done.returncode == 0, done.stderr[-3000:]
        assert sorted(pq.read_table(tmp_path / out).column("url").to_pylist()) == sorted(
            pq.read_table("unique-spark").column("url").to_pylist()
        )


def test_command_refuses_bad_parameters_before_starting_the_engine(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "newsclean.spark", "in.parquet", "-o", str(tmp_path / "out"), "--order-field", "ts"]
        + ["--num-perm", "96"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert (
        done.stderr == "newsclean.spark: error: num_perm must be a power of two for one-permutation hashing, got 96\n"
    )
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("case", keep_cases(), ids=lambda c: c[0])
def test_keep_decides_as_near_duplicates(spark, case):
    _, texts, keep = case
    if isinstance(keep, str):
        run(spark, texts, partitions=3, keep=keep)
    else:
        run(spark, texts, partitions=3, priority=keep)


def test_keep_is_validated(spark):
    from newsclean.spark import near_duplicates as spark_near_duplicates

    df = spark.createDataFrame(
        [(1, "a", 2.0, None, "x"), (2, "b", float("nan"), 3, "y")],
        "order long, text string, f double, n long, s string",
    )
    with pytest.raises(OptionsError, match=r"keep must be 'first', 'longest' or the name of a numeric column, got 3"):
        spark_near_duplicates(df, keep=3)
    with pytest.raises(OptionsError, match=r"got 'rank', which is not a column of the frame \(columns: order, text"):
        spark_near_duplicates(df, keep="rank")
    with pytest.raises(OptionsError, match="keep column 's' must hold integers, booleans or floats, not string"):
        spark_near_duplicates(df, keep="s")
    with pytest.raises(OptionsError, match=r"keep column 'f' has NaN \(at order 2\)"):
        spark_near_duplicates(df, keep="f")
    with pytest.raises(OptionsError, match=r"keep column 'n' has a null \(at order 1\)"):
        spark_near_duplicates(df, keep="n")
