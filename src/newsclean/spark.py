"""Near-duplicates on Spark, deciding exactly as ``newsclean.near_duplicates`` does, and
articles deduplicated exactly as ``newsclean dedup`` does (``dedup``).

``near_duplicates(df, text="text", order="order")`` adds to a DataFrame, for every row,
``duplicate_of`` (the id, or order, of the earlier kept row it repeats; null when kept),
``similarity`` (the exact Jaccard similarity to it) and ``group`` (the kept row's id or
order; its own when kept). The decisions, the similarities and the number of candidates
verified are those of ``newsclean.near_duplicates`` over the texts sorted by ``order``.

It uses the DataFrame API and Arrow functions only (``mapInArrow``), so it runs over Spark
Connect (Databricks serverless and shared clusters) as on a classic session. The work,
each stage calling the kernels ``near_duplicates`` calls (``newsclean._engines_common``):

1. sketch each partition (band keys, check bytes), kept for the stages below;
2. one row per (band key, order), shuffled by key and sorted within each partition:
   a streaming pass gives the candidate pairs of each bucket, holding at most 16 members
   of a bucket at a time (a bucket of a million copies of a site's footer is a sorted
   run, never a group in memory);
3. the unique pairs, joined with both rows' check bytes: those the bins rule out go;
4. the rest joined with both texts and verified exactly (the candidates; the edges are
   those at or above the threshold);
5. the edges (few: one per dropped row at most a few) are collected, with their rows'
   priorities for ``keep`` (carried from stage 4), decided on the driver, and joined back.

``dedup(df, text="text", order="order", id=None)`` decides a lake of articles as
``newsclean dedup --mark`` decides a stream (story bodies, the index's rule, ids repeated
as ``repeat`` or ``update``), with the stream index's kernels (``newsclean.index.kernels``)
in the same five stages: sketches of the story bodies, the representatives' band keys
shuffled and read by ``BucketStream`` with the index's cap, check bytes then shingle sets
joined to the pairs, and the accepted pairs decided on the driver (docs/scale.md).

Needs ``newsclean[spark]`` on the driver and the executors (pyspark >= 4, pyarrow), and
Python workers that import ``newsclean`` (set ``PYSPARK_PYTHON``, or install it on the
cluster).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from . import _engines_common as common
from ._errors import NewscleanError, OptionsError

if TYPE_CHECKING:
    import pyarrow as pa
    from pyspark.sql import DataFrame, SparkSession

    from .index import IndexParams

__all__ = ["dedup", "near_duplicates", "main"]

_ORDER, _TEXT, _KEYS, _CHECK, _FILLED = "__nc_order", "__nc_text", "__nc_keys", "__nc_check", "__nc_filled"
_PRIORITY = "__nc_priority"
_ID, _DIGEST, _SIZE, _SETS = "__nc_id", "__nc_digest", "__nc_size", "__nc_sets"
_NO_ID = "__nc_no_id"


def near_duplicates(
    df: DataFrame,
    text: str = "text",
    order: str = "order",
    id: str | None = None,
    *,
    threshold: float = 0.8,
    shingle_size: int = common.BATCH.shingle_size,
    num_perm: int = common.BATCH.num_perm,
    seed: int = common.BATCH.seed,
    keep: str = "first",
    report: dict[str, Any] | None = None,
) -> DataFrame:
    """``df`` with ``duplicate_of``, ``similarity`` and ``group`` added, as
    ``newsclean.near_duplicates`` decides over the texts of ``text`` taken in ``order``.

    ``order``: a column of unique integers (or timestamps, or dates) that says which row
    comes first (Spark has no input order). It must be unique and never null
    (``OptionsError`` names a repeated value). ``id``: the column that ``duplicate_of``
    and ``group`` name rows by (default: the order); it must never be null
    (``OptionsError``). ``text``: a string column; a null text is taken as empty (it is
    kept, and matches nothing).

    ``keep``: which row of a group of near-duplicates is kept, as ``near_duplicates``'
    ``keep`` over the texts in ``order``: ``"first"`` (default: the earlier row by
    ``order``), ``"longest"`` (the longer text, in characters as Python's ``len`` counts
    them, i.e. code points, as Spark's ``length`` does; ties: the earlier row), or the
    name of a numeric column (integers, booleans or floats): the row with the higher value
    (ties: the earlier row; a null or NaN is an ``OptionsError``). ``"first"`` and
    ``"longest"`` are the rules even if the frame has a column so named.

    The candidates and edges are computed when this is called (the decision needs them);
    the returned DataFrame joins them back lazily. ``report``, if given, is filled with
    ``candidates`` (pairs verified exactly, as ``NearDuplicates.candidates``), ``edges``
    (verified pairs at or above the threshold) and ``seconds`` per stage.
    """
    from pyspark.sql import functions as F

    p = common.BatchParams.of(threshold=threshold, shingle_size=shingle_size, num_perm=num_perm, seed=seed)
    common.check_names(df.columns, text, order, id)
    common.check_keep(df.columns, keep)
    _check_text(df, text)
    priority, priority_type = _priority_column(df, text, keep)
    spark = df.sparkSession
    times: dict[str, float] = {}
    start = time.perf_counter()
    columns = [_order_column(df, order).alias(_ORDER), F.col(text).cast("string").alias(_TEXT)]
    base = df.select(*columns, *([] if priority is None else [priority.alias(_PRIORITY)]))
    if id is None:
        _check_unique(base, order)
    else:  # (a null id in the same pass)
        _check_unique(df.select(columns[0], F.col(id).isNull().alias(_NO_ID)), order, id)
    if priority is not None and keep != "longest":
        _check_priority(base, keep, priority_type)
    times["check_order"] = time.perf_counter() - start

    start = time.perf_counter()
    sketches = base.mapInArrow(
        _Sketch(p), f"{_ORDER} long, {_KEYS} array<long>, {_CHECK} binary, {_FILLED} long"
    ).persist()
    entries = sketches.select(_ORDER, F.explode(_KEYS).alias("__nc_key"))
    pairs = (
        entries.repartition("__nc_key")
        .sortWithinPartitions("__nc_key", _ORDER)
        .mapInArrow(_pairs_of_sorted, "a long, b long")
        .dropDuplicates(["a", "b"])
    )
    checks = sketches.select(_ORDER, _CHECK, _FILLED)
    with_checks = pairs.join(_renamed(checks, "a"), "a").join(_renamed(checks, "b"), "b")
    candidates = with_checks.mapInArrow(_Chance(p), "a long, b long")
    texts = base.select(_ORDER, _TEXT, *([] if priority is None else [_PRIORITY]))
    with_texts = candidates.join(_renamed(texts, "a"), "a").join(_renamed(texts, "b"), "b")
    schema = "a long, b long, sim double"
    if priority is not None:
        schema += f", {_PRIORITY}_a {priority_type}, {_PRIORITY}_b {priority_type}"
    verified = with_texts.mapInArrow(_Verify(p), schema).persist()
    n_candidates = verified.count()
    times["candidates"] = time.perf_counter() - start

    start = time.perf_counter()
    edges = verified.filter(F.col("sim") >= p.threshold).toArrow()
    verified.unpersist()
    sketches.unpersist()
    priorities = (
        (None, None)
        if priority is None
        else (edges.column(f"{_PRIORITY}_a").to_numpy(), edges.column(f"{_PRIORITY}_b").to_numpy())
    )
    dropped, dup, sims = common.decide_edges(
        edges.column("a").to_numpy(), edges.column("b").to_numpy(), edges.column("sim").to_numpy(), p, *priorities
    )
    times["decide"] = time.perf_counter() - start
    if report is not None:
        report.update(candidates=n_candidates, edges=edges.num_rows, seconds=times)
    return _joined(spark, df, order, id, dropped, dup, sims)


def dedup(
    df: DataFrame,
    text: str = "text",
    order: str = "order",
    id: str | None = None,
    *,
    threshold: float | None = None,
    containment: float | None = None,
    min_ratio: float | None = None,
    shingle_kind: str | None = None,
    shingle_size: int | None = None,
    report: dict[str, Any] | None = None,
) -> DataFrame:
    """``df`` with ``duplicate_of``, ``similarity``, ``group`` and ``status`` added, as
    ``newsclean dedup --mark`` decides over the documents of ``text`` taken in ``order``
    (a new ``DedupIndex``'s ``add_many`` over them, in order): each document is compared on
    its story body (credits and datelines out) by the index's rule, and is

    * ``"new"``: kept (``duplicate_of`` and ``similarity`` null, ``group`` its own id);
    * ``"duplicate"``: a copy of the earlier kept document ``duplicate_of`` (the most
      similar; ties: the earlier), ``similarity`` their Jaccard similarity;
    * ``"repeat"``: its id is kept with the same story body (``duplicate_of`` its own id,
      ``similarity`` 1.0);
    * ``"update"``: its id is kept with another body: it is kept, and the older body is
      no longer matched by later documents.

    Ids are those of ``newsclean dedup`` on a table (``id``: that column's value as text;
    a null or empty one, and every row when ``id`` is None, is named by its text:
    ``"text:"`` and a hash), and ``duplicate_of`` and ``group`` are strings, as in its
    ``--mark`` output. ``order``: a column of unique integers (or timestamps, or dates)
    that says which row comes first. The rule's parameters are ``newsclean dedup``'s flags
    (``None``: its default; ``IndexParams``). A null text is empty (its body matches
    nothing).

    Equal to ``newsclean dedup`` except where a band key is shared by more than 129
    distinct story bodies and a pair the rule accepts shares no other key (docs/scale.md).
    ``report``, if given, is filled with ``candidates`` (pairs verified exactly),
    ``edges`` (pairs the rule accepted), ``decided`` (rows decided on the driver) and
    ``seconds`` per stage.
    """
    import pyarrow as pa
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    from .index import IndexParams, kernels

    params = IndexParams.given(
        threshold=threshold,
        containment=containment,
        min_ratio=min_ratio,
        shingle_kind=shingle_kind,
        shingle_size=shingle_size,
    )
    common.mark_columns(df.columns, text, order, id)
    _check_text(df, text)
    spark = df.sparkSession
    times: dict[str, float] = {}
    start = time.perf_counter()
    ids = F.col(id) if id is not None else F.lit(None).cast("string")
    base = df.select(_order_column(df, order).alias(_ORDER), F.col(text).cast("string").alias(_TEXT), ids.alias(_ID))
    _check_unique(base, order)
    times["check_order"] = time.perf_counter() - start

    start = time.perf_counter()
    sketches = base.mapInArrow(
        _SketchDocuments(params),
        f"{_ORDER} long, {_ID} string, {_DIGEST} string, {_SIZE} long, {_KEYS} array<long>, {_CHECK} binary, "
        f"{_SETS} binary",
    ).persist()
    bodies = sketches.filter(F.col(_SIZE) > 0)
    live = bodies.groupBy(_DIGEST).agg(F.min(_ORDER).alias(_ORDER)).select(_ORDER)
    entries = sketches.join(live, _ORDER, "left_semi").select(_ORDER, F.explode(_KEYS).alias("__nc_key"))
    pairs = (
        entries.repartition("__nc_key")
        .sortWithinPartitions("__nc_key", _ORDER)
        .mapInArrow(_PairsOfSorted(kernels.PER_BUCKET), "a long, b long")
        .dropDuplicates(["a", "b"])
    )
    checks = sketches.select(_ORDER, _CHECK)
    with_checks = pairs.join(_renamed(checks, "a"), "a").join(_renamed(checks, "b"), "b")
    candidates = with_checks.mapInArrow(_ChanceDocuments(params), "a long, b long")
    sets = sketches.select(_ORDER, _SETS)
    with_sets = candidates.join(_renamed(sets, "a"), "a").join(_renamed(sets, "b"), "b")
    verified = with_sets.mapInArrow(_VerifyDocuments(params), "a long, b long, sim double, good boolean").persist()
    n_candidates = verified.count()
    times["candidates"] = time.perf_counter() - start

    start = time.perf_counter()
    edges = verified.filter(F.col("good")).select("a", "b", "sim").toArrow()
    verified.unpersist()
    a, b = edges.column("a").to_numpy(), edges.column("b").to_numpy()
    nodes = spark.createDataFrame(pa.table({_ORDER: pa.array(np.unique(np.concatenate([a, b])), pa.int64())}))
    shared_body = bodies.groupBy(_DIGEST).count().filter(F.col("count") > 1).select(_DIGEST)
    shared_id = sketches.groupBy(_ID).count().filter(F.col("count") > 1).select(_ID)
    row = [_ORDER, _ID, _DIGEST, _SIZE]
    rows = (
        sketches.join(nodes, _ORDER, "left_semi")
        .select(*row)
        .union(sketches.join(shared_body, _DIGEST, "left_semi").select(*row))
        .union(sketches.join(shared_id, _ID, "left_semi").select(*row))
        .dropDuplicates([_ORDER])
        .toArrow()
    )
    sketches.unpersist()
    orders, status, dup, sims, group = common.lake_decide(
        rows.column(_ORDER).to_numpy(),
        rows.column(_ID).to_pylist(),
        rows.column(_DIGEST).to_pylist(),
        rows.column(_SIZE).to_numpy(),
        a,
        b,
        edges.column("sim").to_numpy(),
    )
    times["decide"] = time.perf_counter() - start
    if report is not None:
        report.update(candidates=n_candidates, edges=edges.num_rows, decided=len(orders), seconds=times)
    decided = spark.createDataFrame(
        pa.table(
            {
                "__nc_decided": pa.array(orders, pa.int64()),
                "__nc_dup": pa.array(dup, pa.string()),
                "__nc_sim": pa.array(sims, pa.float64()),
                "__nc_group": pa.array(group, pa.string()),
                "__nc_status": pa.array(status, pa.string()),
            }
        )
    )
    keyed = df.withColumn(_ORDER, _order_column(df, order))
    joined = keyed.join(decided, keyed[_ORDER] == decided["__nc_decided"], "left")
    columns = list(df.columns)
    schema = T.StructType(list(df.schema.fields))  # (a copy: add() changes a StructType in place)
    for name, kind in (("duplicate_of", "string"), ("similarity", "double"), ("group", "string"), ("status", "string")):
        schema = schema.add(name, kind)
    return joined.mapInArrow(_Marks(columns, text, id), schema)


def _order_column(df: DataFrame, order: str) -> Any:
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    kind = df.schema[order].dataType
    if isinstance(kind, (T.ByteType, T.ShortType, T.IntegerType, T.LongType)):
        return F.col(order).cast("long")
    if isinstance(kind, T.TimestampType | T.TimestampNTZType):
        return F.unix_micros(F.col(order).cast("timestamp"))
    if isinstance(kind, T.DateType):
        return F.unix_date(F.col(order))
    raise OptionsError(f"order column {order!r} must hold integers, timestamps or dates, not {kind.simpleString()}")


def _priority_column(df: DataFrame, text: str, keep: str) -> tuple[Any, str]:
    """The priority of each row for ``keep`` (``None`` for "first") and its Spark type."""
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    if keep == "first":
        return None, ""
    if keep == "longest":
        # Spark's length() counts a string's characters as code points, as Python's len().
        return F.coalesce(F.length(F.col(text).cast("string")), F.lit(0)).cast("long"), "long"
    kind = df.schema[keep].dataType
    if isinstance(kind, (T.BooleanType, T.ByteType, T.ShortType, T.IntegerType, T.LongType)):
        return F.col(keep).cast("long"), "long"
    if isinstance(kind, (T.FloatType, T.DoubleType)):
        return F.col(keep).cast("double"), "double"
    raise OptionsError(f"keep column {keep!r} must hold integers, booleans or floats, not {kind.simpleString()}")


def _check_priority(base: DataFrame, keep: str, kind: str) -> None:
    from pyspark.sql import functions as F

    column = F.col(_PRIORITY)
    bad = column.isNull() | F.isnan(column) if kind == "double" else column.isNull()
    found = base.filter(bad).select(F.col(_ORDER), column).limit(1).collect()
    if found:
        what = "a null" if found[0][1] is None else "NaN"
        raise OptionsError(f"keep column {keep!r} has {what} (at order {found[0][0]}): every row needs a priority")


def _check_unique(base: DataFrame, order: str, id: str | None = None) -> None:
    """Refuse a null or repeated order (``base``'s ``_ORDER``) and, given ``id``, a null id
    (``base``'s ``_NO_ID``: whether the row's id is null), in one aggregation."""
    from pyspark.sql import functions as F

    aggregates = [F.count(F.lit(1)).alias("count")]
    if id is not None:
        aggregates.append(F.max(F.col(_NO_ID).cast("int")).alias(_NO_ID))
    bad = F.col("count") > 1
    if id is not None:
        bad = bad | (F.col(_NO_ID) == 1)
    found = base.groupBy(_ORDER).agg(*aggregates).filter(bad | F.col(_ORDER).isNull()).limit(1).collect()
    if found:
        value, count = found[0][0], found[0][1]
        if value is None:
            raise OptionsError(f"order column {order!r} has nulls ({count} rows): every row needs an order")
        if count > 1:
            raise OptionsError(f"order column {order!r} is not unique: {count} rows have the order {value}")
        raise OptionsError(f"id column {id!r} has a null (at order {value}): near_duplicates names rows by their id")


def _check_text(df: DataFrame, text: str) -> None:
    """Refuse a text column that does not hold strings, from the frame's schema alone."""
    from pyspark.sql import types as T

    kind = df.schema[text].dataType
    if not isinstance(kind, (T.StringType, T.VarcharType, T.CharType, T.NullType)):
        raise OptionsError(f"text column {text!r} must hold strings, not {kind.simpleString()}")


def _renamed(frame: DataFrame, side: str) -> DataFrame:
    return frame.select(*(frame[c].alias(side if c == _ORDER else f"{c}_{side}") for c in frame.columns))


def _joined(
    spark: SparkSession,
    df: DataFrame,
    order: str,
    id: str | None,
    dropped: np.ndarray[Any, Any],
    dup: np.ndarray[Any, Any],
    sims: np.ndarray[Any, Any],
) -> DataFrame:
    import pyarrow as pa
    from pyspark.sql import functions as F

    decided = spark.createDataFrame(
        pa.table(
            {
                "__nc_dropped": pa.array(dropped, pa.int64()),
                "__nc_dup": pa.array(dup, pa.int64()),
                "similarity": pa.array(sims, pa.float64()),
            }
        )
    )
    keyed = df.withColumn(_ORDER, _order_column(df, order))
    out = keyed.join(decided, keyed[_ORDER] == decided["__nc_dropped"], "left").drop("__nc_dropped")
    if id is None:
        # An integral order names rows as it is; a timestamp or date order by its value.
        if _is_integral(df, order):
            kind = df.schema[order].dataType
            out = out.withColumn("duplicate_of", F.col("__nc_dup").cast(kind))
            out = out.withColumn("group", F.coalesce(F.col("__nc_dup"), F.col(_ORDER)).cast(kind))
        else:
            lookup = keyed.select(F.col(_ORDER).alias("__nc_k"), F.col(order).alias("__nc_v"))
            out = _named(out, lookup, "duplicate_of", "__nc_dup")
            out = out.withColumn("group", F.coalesce(F.col("duplicate_of"), F.col(order)))
    else:
        lookup = keyed.select(F.col(_ORDER).alias("__nc_k"), F.col(id).alias("__nc_v"))
        out = _named(out, lookup, "duplicate_of", "__nc_dup")
        out = out.withColumn("group", F.coalesce(F.col("duplicate_of"), F.col(id)))
    return out.drop("__nc_dup", _ORDER).select(*df.columns, "duplicate_of", "similarity", "group")


def _named(out: DataFrame, lookup: DataFrame, name: str, by: str) -> DataFrame:
    from pyspark.sql import functions as F

    joined = out.join(lookup, out[by] == lookup["__nc_k"], "left")
    return joined.withColumn(name, F.col("__nc_v")).drop("__nc_k", "__nc_v")


def _is_integral(df: DataFrame, order: str) -> bool:
    from pyspark.sql import types as T

    return isinstance(df.schema[order].dataType, (T.ByteType, T.ShortType, T.IntegerType, T.LongType))


class _Sketch:
    """The Arrow function of stage 1 (a class: it pickles with its parameters)."""

    def __init__(self, p: common.BatchParams) -> None:
        self.p = p

    def __call__(self, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        import pyarrow as pa

        p = self.p
        for batch in batches:
            texts = [t if t is not None else "" for t in batch.column(1).to_pylist()]
            keys, check, filled = common.sketch(texts, p)
            n = len(texts)
            key_list = pa.ListArray.from_arrays(
                pa.array(np.arange(n + 1, dtype=np.int32) * p.bands), pa.array(keys.view(np.int64).ravel())
            )
            check_bin = pa.Array.from_buffers(
                pa.binary(),
                n,
                [
                    None,
                    pa.py_buffer(np.arange(n + 1, dtype=np.int32) * p.num_perm),
                    pa.py_buffer(np.ascontiguousarray(check).tobytes()),
                ],
            )
            yield pa.RecordBatch.from_arrays(
                [batch.column(0), key_list, check_bin, pa.array(filled, pa.int64())],
                names=[_ORDER, _KEYS, _CHECK, _FILLED],
            )


def _pairs_of_sorted(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """Stage 2 within one partition, sorted by key then order: ``BucketStream``."""
    import pyarrow as pa

    stream = common.BucketStream()
    for batch in batches:
        keys = batch.column("__nc_key").to_numpy().view(np.uint64)
        a, b = stream.feed(keys, batch.column(_ORDER).to_numpy())
        if len(a):
            yield pa.RecordBatch.from_arrays([pa.array(a), pa.array(b)], names=["a", "b"])


def _checks_of(column: pa.Array, width: int) -> np.ndarray[Any, np.dtype[np.uint8]]:
    """A binary column of equal-width values as one ``(n, width)`` uint8 array."""
    import pyarrow as pa

    column = column.cast(pa.binary()) if column.type != pa.binary() else column
    offsets = np.frombuffer(column.buffers()[1], dtype=np.int32)[column.offset : column.offset + len(column) + 1]
    data = np.frombuffer(column.buffers()[2], dtype=np.uint8)
    if len(column) and np.all(np.diff(offsets) == width):
        return data[offsets[0] : offsets[-1]].reshape(len(column), width)
    return np.frombuffer(b"".join(column.to_pylist()), dtype=np.uint8).reshape(len(column), width)


class _Chance:
    """Stage 3: the pairs ``chance_ok`` keeps."""

    def __init__(self, p: common.BatchParams) -> None:
        self.p = p

    def __call__(self, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        import pyarrow as pa

        for batch in batches:
            ok = common.chance_ok(
                _checks_of(batch.column(f"{_CHECK}_a"), self.p.num_perm),
                _checks_of(batch.column(f"{_CHECK}_b"), self.p.num_perm),
                batch.column(f"{_FILLED}_a").to_numpy(),
                batch.column(f"{_FILLED}_b").to_numpy(),
                self.p,
            )
            mask = pa.array(ok)
            yield pa.RecordBatch.from_arrays(
                [batch.column("a").filter(mask), batch.column("b").filter(mask)], names=["a", "b"]
            )


class _Verify:
    """Stage 4: the exact similarity of each candidate."""

    def __init__(self, p: common.BatchParams) -> None:
        self.p = p

    def __call__(self, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        import pyarrow as pa

        for batch in batches:
            ta = [t if t is not None else "" for t in batch.column(f"{_TEXT}_a").to_pylist()]
            tb = [t if t is not None else "" for t in batch.column(f"{_TEXT}_b").to_pylist()]
            sims = common.verify(ta, tb, self.p)
            # (the rows' priorities for keep, when there are, are passed on to the decision)
            extra = sorted(name for name in batch.schema.names if name.startswith(_PRIORITY))
            yield pa.RecordBatch.from_arrays(
                [batch.column("a"), batch.column("b"), pa.array(sims, pa.float64())]
                + [batch.column(name) for name in extra],
                names=["a", "b", "sim", *extra],
            )


class _PairsOfSorted:
    """Stage 2 of ``dedup`` within one partition, sorted by key then order:
    ``BucketStream`` with the stream index's cap."""

    def __init__(self, per_bucket: int) -> None:
        self.per_bucket = per_bucket

    def __call__(self, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        import pyarrow as pa

        stream = common.BucketStream(self.per_bucket)
        for batch in batches:
            keys = batch.column("__nc_key").to_numpy().view(np.uint64)
            a, b = stream.feed(keys, batch.column(_ORDER).to_numpy())
            if len(a):
                yield pa.RecordBatch.from_arrays([pa.array(a), pa.array(b)], names=["a", "b"])


class _SketchDocuments:
    """Stage 1 of ``dedup``: story bodies, fingerprinted."""

    def __init__(self, params: IndexParams) -> None:
        self.params = params

    def __call__(self, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        import pyarrow as pa

        params = self.params
        bands, width = params.bands[0], params.num_perm
        for batch in batches:
            s = common.sketch_documents(batch.column(1).to_pylist(), batch.column(2).to_pylist(), params)
            n = len(s.ids)
            key_list = pa.ListArray.from_arrays(
                pa.array(np.arange(n + 1, dtype=np.int32) * bands), pa.array(s.keys.view(np.int64).ravel())
            )
            check_bin = pa.Array.from_buffers(
                pa.binary(),
                n,
                [
                    None,
                    pa.py_buffer(np.arange(n + 1, dtype=np.int32) * width),
                    pa.py_buffer(np.ascontiguousarray(s.checks).tobytes()),
                ],
            )
            yield pa.RecordBatch.from_arrays(
                [
                    batch.column(0),
                    pa.array(s.ids, pa.string()),
                    pa.array(s.digests, pa.string()),
                    pa.array(s.sizes, pa.int64()),
                    key_list,
                    check_bin,
                    pa.array(s.sets, pa.binary()),
                ],
                names=[_ORDER, _ID, _DIGEST, _SIZE, _KEYS, _CHECK, _SETS],
            )


class _ChanceDocuments:
    """Stage 3 of ``dedup``: the pairs the check bytes keep."""

    def __init__(self, params: IndexParams) -> None:
        self.params = params

    def __call__(self, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        import pyarrow as pa

        width = self.params.num_perm
        for batch in batches:
            ok = common.lake_chance(
                _checks_of(batch.column(f"{_CHECK}_a"), width),
                _checks_of(batch.column(f"{_CHECK}_b"), width),
                self.params,
            )
            mask = pa.array(ok)
            yield pa.RecordBatch.from_arrays(
                [batch.column("a").filter(mask), batch.column("b").filter(mask)], names=["a", "b"]
            )


class _VerifyDocuments:
    """Stage 4 of ``dedup``: the rule and the similarity of each candidate."""

    def __init__(self, params: IndexParams) -> None:
        self.params = params

    def __call__(self, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        import pyarrow as pa

        for batch in batches:
            good, sims = common.lake_verify(
                batch.column(f"{_SETS}_a").to_pylist(), batch.column(f"{_SETS}_b").to_pylist(), self.params
            )
            yield pa.RecordBatch.from_arrays(
                [batch.column("a"), batch.column("b"), pa.array(sims, pa.float64()), pa.array(good)],
                names=["a", "b", "sim", "good"],
            )


class _Marks:
    """The last stage of ``dedup``: each row with its decision; a row decided on the
    driver has it, any other is new (its group: its own id, named as ``newsclean dedup``
    names it)."""

    def __init__(self, columns: list[str], text: str, id: str | None) -> None:
        self.columns, self.text, self.id = columns, text, id

    def __call__(self, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        import pyarrow as pa

        from ._tables import doc_id

        for batch in batches:
            decided = batch.column("__nc_status").is_valid().to_numpy(zero_copy_only=False)
            group = batch.column("__nc_group").to_pylist()
            if not decided.all():
                texts = batch.column(self.text).to_pylist()
                ids = batch.column(self.id).to_pylist() if self.id is not None else [None] * len(texts)
                for k in np.flatnonzero(~decided).tolist():
                    group[k] = doc_id(ids[k], texts[k] if texts[k] is not None else "")
            status = batch.column("__nc_status").fill_null("new")
            yield pa.RecordBatch.from_arrays(
                [batch.column(c) for c in self.columns]
                + [batch.column("__nc_dup"), batch.column("__nc_sim"), pa.array(group, pa.string()), status],
                names=[*self.columns, *common.LAKE_COLUMNS],
            )


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m newsclean.spark INPUT -o OUTPUT``: Parquet in, Parquet out."""
    args = _parser().parse_args(argv)
    if not common.valid_arguments(args, "newsclean.spark"):
        return 2
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName("newsclean")
    if args.master:
        builder = builder.master(args.master)
    if args.remote:
        builder = builder.remote(args.remote)
    for setting in args.conf:
        name, _, value = setting.partition("=")
        builder = builder.config(name, value)
    spark = builder.getOrCreate()
    try:
        df = spark.read.parquet(*args.input)
        run = dedup if args.clean else near_duplicates
        out = run(df, **common.call_arguments(args))
        if not args.mark:
            added = common.LAKE_COLUMNS if args.clean else common.LAKE_COLUMNS[:3]
            out = out.filter(out["duplicate_of"].isNull()).drop(*added)
        out.write.mode("overwrite" if args.overwrite else "error").parquet(args.output)
    except NewscleanError as err:
        print(f"newsclean.spark: error: {err}", file=sys.stderr)
        return 2
    finally:
        spark.stop()
    return 0


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m newsclean.spark",
        description="Read Parquet, write the rows that are not near-duplicates of a kept row "
        "(the earlier by --order-field, or as --keep says), as newsclean.near_duplicates decides, on Spark; "
        "with --clean, the documents newsclean dedup keeps (story bodies, its rule and flags).",
    )
    common.engine_arguments(p)
    p.add_argument("--master", help="the Spark master (default: spark-submit's, or local[*])")
    p.add_argument("--remote", help="a Spark Connect URL (sc://host:port) instead of a classic session")
    p.add_argument(
        "--conf",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a Spark setting for the session (repeatable), e.g. spark.sql.shuffle.partitions=64",
    )
    return p


if __name__ == "__main__":
    sys.exit(main())
