"""newsclean.dask decides as newsclean.near_duplicates does, on a real Dask
LocalCluster (two worker processes, loopback only). Never skipped: without dask and
distributed these tests fail (CI installs them)."""

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


def frame(rows: Rows, partitions: int):
    import dask.dataframe as dd
    import pandas as pd

    return dd.from_pandas(pd.DataFrame(rows.columns()), npartitions=partitions, sort=False)


def run(texts: list[str], partitions: int = 3, seed: int = 0, priority=None, **params) -> None:
    """The engine over ``texts`` in shuffled rows decides as near_duplicates; with
    ``priority``, the engine keeps by the column "prio", the reference by the array."""
    import pandas as pd

    from newsclean.dask import near_duplicates as dask_near_duplicates

    rows = Rows.of(texts, seed, priority)
    report: dict = {}
    engine = params if priority is None else {**params, "keep": "prio"}
    out = dask_near_duplicates(frame(rows, partitions), report=report, **engine).compute()
    assert len(out) == len(texts)
    got = {
        "order": out["order"].tolist(),
        "duplicate_of": [None if pd.isna(d) else int(d) for d in out["duplicate_of"].tolist()],
        "similarity": out["similarity"].tolist(),
    }
    assert_equal(
        texts, rows.orders, got, report["candidates"], **(params if priority is None else {**params, "keep": priority})
    )


def test_20k_paragraphs(client):
    run(paragraphs(20_000), partitions=4)


@pytest.mark.parametrize("partitions", [1, 3, 8])
def test_partitions(client, partitions):
    run(paragraphs(1_500, seed=2), partitions=partitions, seed=partitions)


def test_buckets_far_larger_than_per_bucket(client):
    run(boilerplate(), partitions=3)


def test_a_partition_is_read_in_slices(monkeypatch):
    """The entries of a partition go to BucketStream a slice at a time; with slices of 7
    entries every large bucket is split, and the pairs are those of whole buckets."""
    import pandas as pd

    import newsclean.dask
    from newsclean._engines_common import bucket_pairs

    rng = np.random.default_rng(4)
    keys = rng.choice(np.array([3, 2**63 + 5, 11, 2**64 - 1], dtype=np.uint64), 400)
    orders = rng.permutation(1000)[:400].astype(np.int64)
    part = pd.DataFrame({"key": keys, "order": orders})
    monkeypatch.setattr(newsclean.dask, "_SLICE", 7)
    got = newsclean.dask._pairs_of_entries(part)
    want = set(zip(*(x.tolist() for x in bucket_pairs(keys, orders))))
    assert set(zip(got["a"].tolist(), got["b"].tolist())) == want
    assert len(want) > 4 * 8 * 50


def test_chains_ties_empty_and_short_texts(client):
    texts = edge_cases()
    run(texts, partitions=2)
    run(texts, partitions=2, threshold=0.5, shingle_size=3)


def test_ids_name_the_kept_rows_and_the_index_is_kept(client):
    import pandas as pd

    from newsclean.dask import near_duplicates as dask_near_duplicates

    texts = edge_cases()
    rows = Rows.of(texts)
    ddf = frame(rows, 2)
    out = dask_near_duplicates(ddf, id="url").compute()
    assert out.index.tolist() == ddf.compute().index.tolist()
    ref = near_duplicates(texts)
    url = dict(zip(out["order"], out["url"]))
    position = {int(o): i for i, o in enumerate(rows.orders.tolist())}
    for o, d, g, u in zip(out["order"], out["duplicate_of"], out["group"], out["url"]):
        want = ref.duplicate_of[position[o]]
        assert pd.isna(d) if want < 0 else d == url[int(rows.orders[want])]
        assert g == (u if want < 0 else d)


def test_integer_ids_and_missing_ids(client):
    """An int64 id names the kept rows as Spark does (nulls where kept: a nullable Int64);
    a missing id is refused, as a row without a name could be kept silently."""
    import dask.dataframe as dd
    import pandas as pd

    from newsclean.dask import near_duplicates as dask_near_duplicates

    texts = [BASE, BASE, "another story altogether, of other words", BASE]
    df = pd.DataFrame({"ts": [4, 1, 3, 2], "id": [40, 10, 30, 20], "text": [texts[k] for k in (3, 0, 2, 1)]})
    out = dask_near_duplicates(dd.from_pandas(df, npartitions=2), order="ts", id="id").compute().sort_values("ts")
    assert str(out["duplicate_of"].dtype) == str(out["group"].dtype) == "Int64"
    assert out["duplicate_of"].tolist() == [pd.NA, 10, pd.NA, 10]
    assert out["group"].tolist() == [10, 10, 30, 10]
    df["id"] = pd.array([40, None, 30, 20], dtype="Int64")
    with pytest.raises(OptionsError, match="id column 'id' has missing values .1 rows.: near_duplicates names rows by"):
        dask_near_duplicates(dd.from_pandas(df, npartitions=2), order="ts", id="id")


@pytest.mark.parametrize("run_name", ["near_duplicates", "dedup"])
def test_text_must_hold_strings(run_name):
    import dask
    import dask.dataframe as dd
    import pandas as pd

    import newsclean.dask

    run = getattr(newsclean.dask, run_name)
    for column, kind in (([1, 2], "int64"), ([1.5, None], "float64"), ([True, False], "bool")):
        ddf = dd.from_pandas(pd.DataFrame({"ts": [1, 2], "body": column}), npartitions=1)
        with pytest.raises(OptionsError, match=f"text column 'body' must hold strings, not {kind}"):
            run(ddf, text="body", order="ts")
    # (an object column of strings, what pandas gives strings, passes)
    with dask.config.set({"dataframe.convert-string": False}):
        ddf = dd.from_pandas(pd.DataFrame({"ts": [1, 2], "body": pd.Series([BASE, None], dtype=object)}), npartitions=1)
    assert str(ddf["body"].dtype) == "object"
    assert len(run(ddf, text="body", order="ts").compute()) == 2


def test_datetime_order(client):
    import dask.dataframe as dd
    import pandas as pd

    from newsclean.dask import near_duplicates as dask_near_duplicates

    texts = edge_cases()
    rows = Rows.of(texts)
    columns = rows.columns()
    columns["ts"] = pd.to_datetime(np.array(columns["order"]) * 1_000_000_000)
    out = dask_near_duplicates(dd.from_pandas(pd.DataFrame(columns), npartitions=2), order="ts").compute()
    ref = near_duplicates(texts)
    position = {int(o): i for i, o in enumerate(rows.orders.tolist())}
    for o, d in zip(out["order"], out["duplicate_of"]):
        want = ref.duplicate_of[position[o]]
        assert pd.isna(d) if want < 0 else d == pd.Timestamp(int(rows.orders[want]) * 1_000_000_000)


@settings(
    max_examples=10 if CI else 50,
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
def test_hypothesis_corpora(client, texts, partitions):
    run(texts, partitions=min(partitions, len(texts)), threshold=0.6, shingle_size=3)


@pytest.mark.parametrize(
    "params",
    [{"threshold": 0}, {"threshold": 1.5}, {"shingle_size": 0}, {"num_perm": 96}, {"num_perm": 7}, {"seed": -1}],
)
def test_parameters_are_validated_as_near_duplicates_does(params):
    from newsclean.dask import near_duplicates as dask_near_duplicates

    with pytest.raises(ValueError) as want:
        near_duplicates(["a"], **params)
    with pytest.raises(OptionsError) as got:
        dask_near_duplicates(frame(Rows.of(["a"]), 1), **params)
    assert str(got.value) == str(want.value)


def test_order_must_be_unique_and_present(client):
    import dask.dataframe as dd
    import pandas as pd

    from newsclean.dask import near_duplicates as dask_near_duplicates

    def ddf(**columns):
        return dd.from_pandas(pd.DataFrame(columns), npartitions=2)

    with pytest.raises(OptionsError, match="order column 'order' is not unique: 2 rows have the order 2"):
        dask_near_duplicates(ddf(order=[1, 2, 2], text=["a", "b", "c"]))
    with pytest.raises(OptionsError, match="has missing values"):
        dask_near_duplicates(ddf(order=pd.array([1, None], dtype="Int64"), text=["a", "b"]))
    with pytest.raises(OptionsError, match="must hold integers or datetimes"):
        dask_near_duplicates(ddf(order=["x", "y"], text=["a", "b"]))
    with pytest.raises(OptionsError, match="text column 'body' is not in the frame"):
        dask_near_duplicates(ddf(order=[1, 2], text=["a", "b"]), text="body")


def test_command(tmp_path):
    """python -m newsclean.dask, Parquet in and out, on its own LocalCluster."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    texts = paragraphs(600, seed=3)
    rows = Rows.of(texts)
    pq.write_table(pa.table(rows.columns()), tmp_path / "in.parquet")
    base = [sys.executable, "-m", "newsclean.dask", str(tmp_path / "in.parquet"), "--order-field", "order"]
    base += ["--workers", "2"]
    done = subprocess.run(
        [*base, "-o", str(tmp_path / "marked"), "--id-field", "url", "--mark"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = pq.read_table(tmp_path / "marked").to_pylist()
    ref = near_duplicates(texts)
    position = {int(o): i for i, o in enumerate(rows.orders.tolist())}
    for r in out:
        i = position[r["order"]]
        j = ref.duplicate_of[i]
        assert r["duplicate_of"] == (f"https://example.com/{rows.orders[j]}" if j >= 0 else None)
        assert r["group"] == (r["duplicate_of"] if j >= 0 else r["url"])
    done = subprocess.run([*base, "-o", str(tmp_path / "kept")], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    kept = sorted(r["order"] for r in pq.read_table(tmp_path / "kept").to_pylist())
    assert kept == sorted(int(rows.orders[i]) for i in ref.kept) and len(kept) < len(texts)
    assert pq.read_table(tmp_path / "kept").column_names[:3] == ["order", "text", "url"]


def test_command_keep(tmp_path):
    """--keep longest and --keep COLUMN keep the rows near_duplicates(keep=...) keeps; a
    column that is not there is refused, exit 2."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    _, texts, priority = keep_cases()[2]
    texts, priority = texts[:600], priority[:600]
    rows = Rows.of(texts, priority=priority)
    pq.write_table(pa.table(rows.columns()), tmp_path / "in.parquet")
    base = [sys.executable, "-m", "newsclean.dask", str(tmp_path / "in.parquet"), "--order-field", "order"]
    base += ["--workers", "1"]
    for keep, ref_keep in (("longest", "longest"), ("prio", priority)):
        out = tmp_path / f"kept-{keep}"
        done = subprocess.run([*base, "-o", str(out), "--keep", keep], capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr[-3000:]
        ref = near_duplicates(texts, keep=ref_keep)
        kept = sorted(r["order"] for r in pq.read_table(out).to_pylist())
        assert kept == sorted(int(rows.orders[i]) for i in ref.kept) and len(kept) < len(texts)
        assert kept != sorted(int(rows.orders[i]) for i in near_duplicates(texts).kept)
    done = subprocess.run(
        [*base, "-o", str(tmp_path / "x"), "--keep", "rank"], capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 2
    assert (
        "newsclean.dask: error: keep must be 'first', 'longest' or the name of a numeric column, got 'rank'"
        in done.stderr
    )


def test_recipe(client, tmp_path, monkeypatch):
    """docs/recipes/spark-dask.md, its Dask part: the Python saved as a script and run (a
    LocalCluster of its own, whose workers, spawned, import the script), then the
    command, Parquet in and out."""
    import pyarrow.parquet as pq

    monkeypatch.chdir(tmp_path)
    data = recipe_blocks("python")[0]
    dask_python = recipe_blocks("python", as_written=True)[3]
    run_recipe_python(data, {"__name__": "__recipe__"}, "spark-dask.md data")
    (tmp_path / "dedup_dask.py").write_text(dask_python, encoding="utf-8")
    done = subprocess.run([sys.executable, "dedup_dask.py"], capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    printed = dask_python.strip().splitlines()[-1].split("#")[1].strip()  # (the comment after the print)
    assert done.stdout.strip() == printed == "['https://b.example/talks', 'https://c.example/grain']"
    want = ["https://a.example/grain", "https://a.example/talks", "https://b.example/water", "https://c.example/empty"]
    assert sorted(pq.read_table("unique-dask").column("url").to_pylist()) == want
    (line,) = [c.strip() for c in recipe_blocks("sh") if "newsclean.dask" in c and "--clean" not in c]
    done = subprocess.run(
        recipe_command(line, Path(sys.executable).parent), capture_output=True, text=True, timeout=600, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert sorted(pq.read_table(tmp_path / "unique-dask-cmd").column("url").to_pylist()) == want


def test_command_refuses_bad_parameters_before_starting_the_engine(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "newsclean.dask", "in.parquet", "-o", str(tmp_path / "out"), "--order-field", "ts"]
        + ["--num-perm", "96"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr == "newsclean.dask: error: num_perm must be a power of two for one-permutation hashing, got 96\n"
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("case", keep_cases(), ids=lambda c: c[0])
def test_keep_decides_as_near_duplicates(client, case):
    _, texts, keep = case
    if isinstance(keep, str):
        run(texts, partitions=3, keep=keep)
    else:
        run(texts, partitions=3, priority=keep)


def test_keep_is_validated(client):
    import dask.dataframe as dd
    import pandas as pd

    from newsclean.dask import near_duplicates as dask_near_duplicates

    df = pd.DataFrame(
        {"order": [1, 2], "text": ["a", "b"], "f": [2.0, np.nan], "n": pd.array([None, 3], dtype="Int64")}
    )
    df["s"] = ["x", "y"]
    ddf = dd.from_pandas(df, npartitions=2)
    with pytest.raises(OptionsError, match=r"keep must be 'first', 'longest' or the name of a numeric column, got 3"):
        dask_near_duplicates(ddf, keep=3)
    with pytest.raises(OptionsError, match=r"got 'rank', which is not a column of the frame \(columns: order, text"):
        dask_near_duplicates(ddf, keep="rank")
    with pytest.raises(OptionsError, match="keep column 's' must hold integers, booleans or floats, not"):
        dask_near_duplicates(ddf, keep="s")
    with pytest.raises(OptionsError, match=r"keep column 'f' has missing values or NaN \(1 rows\)"):
        dask_near_duplicates(ddf, keep="f")
    with pytest.raises(OptionsError, match=r"keep column 'n' has missing values or NaN \(1 rows\)"):
        dask_near_duplicates(ddf, keep="n")
