"""Near-duplicates on a Dask DataFrame, deciding exactly as ``newsclean.near_duplicates``
does, and articles deduplicated exactly as ``newsclean dedup`` does (``dedup``).

``near_duplicates(ddf, text="text", order="order")`` adds to every row ``duplicate_of``
(the id, or order, of the earlier kept row it repeats; missing when kept),
``similarity`` and ``group`` (the kept row's id or order; its own when kept): the
decisions, similarities and number of candidates of ``newsclean.near_duplicates`` over
the texts sorted by ``order``. The stages are those of ``newsclean.spark`` (see there),
each a ``map_partitions`` calling the same kernels, with Dask's shuffles between them:

1. sketch each partition (persisted: the band keys, check bytes and filled bins);
2. one row per (band key, order), shuffled by key; each partition sorted by (key,
   order) and read by ``BucketStream`` in slices (a partition holds 16 bytes per entry,
   a bucket of a million members 16 MB);
3. unique pairs, merged with both rows' check bytes: those ``chance_ok`` rules out go;
4. the rest merged with both texts and verified: the candidates, and the edges at or
   above the threshold;
5. the edges, with their rows' priorities for ``keep`` (carried from stage 4), are
   decided in the client; each partition of the input then gets its rows' decisions
   (the index and the partitions are kept).

``dedup(ddf, text="text", order="order", id=None)`` decides articles as ``newsclean
dedup --mark`` does, in the stages of ``newsclean.spark.dedup`` (see there).

Needs ``newsclean[dask]`` (dask[dataframe], distributed, pyarrow) where the client and
the workers run.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from . import _engines_common as common
from ._errors import NewscleanError, OptionsError

if TYPE_CHECKING:
    import dask.dataframe as dd
    import pandas as pd

    from .index import IndexParams

__all__ = ["dedup", "near_duplicates", "main"]

_SLICE = 1 << 16  # entries read by BucketStream at a time


def near_duplicates(
    ddf: dd.DataFrame,
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
) -> dd.DataFrame:
    """``ddf`` with ``duplicate_of``, ``similarity`` and ``group`` added, as
    ``newsclean.near_duplicates`` decides over the texts of ``text`` taken in ``order``.

    ``order``: a column of unique integers (or datetimes) that says which row comes first.
    It must be unique and never missing (``OptionsError`` names a repeated value). ``id``:
    the column that ``duplicate_of`` and ``group`` name rows by (default: the order); it
    must never be missing (``OptionsError``). ``duplicate_of`` and ``group`` have the
    id's dtype, or where that has no missing value its nullable one (``"Int64"`` for
    ``int64``). ``text``: strings (an ``object`` column of them too); a missing text is
    taken as empty.

    ``keep``: which row of a group of near-duplicates is kept, as ``near_duplicates``'
    ``keep`` over the texts in ``order``: ``"first"`` (default: the earlier row by
    ``order``), ``"longest"`` (the longer text, in characters as Python's ``len`` counts
    them; ties: the earlier row), or the name of a numeric column (integers, booleans or
    floats): the row with the higher value (ties: the earlier row; a missing value or NaN
    is an ``OptionsError``). ``"first"`` and ``"longest"`` are the rules even if the frame
    has a column so named.

    The candidates and edges are computed when this is called (on the current Dask
    scheduler: a ``distributed.Client`` if one is open); the returned frame adds the
    decisions to each partition lazily. ``report``, if given, is filled with
    ``candidates`` (as ``NearDuplicates.candidates``), ``edges`` and ``seconds`` per stage.
    """
    import pandas as pd

    p = common.BatchParams.of(threshold=threshold, shingle_size=shingle_size, num_perm=num_perm, seed=seed)
    common.check_names(list(ddf.columns), text, order, id)
    common.check_keep(list(ddf.columns), keep)
    _check_text(ddf, text)
    kind = ddf[order].dtype
    if not (pd.api.types.is_integer_dtype(kind) or pd.api.types.is_datetime64_any_dtype(kind)):
        raise OptionsError(f"order column {order!r} must hold integers or datetimes, not {kind}")
    priority = _priority_dtype(ddf, keep)
    times: dict[str, float] = {}
    start = time.perf_counter()
    base_meta: dict[str, Any] = {"order": "i8", "text": object}
    if priority is not None:
        base_meta["priority"] = priority
    columns = list(dict.fromkeys([order, text, *([keep] if keep not in ("first", "longest") else [])]))
    base = ddf[columns].map_partitions(_base, order, text, keep, priority, meta=base_meta)
    _check_unique(ddf, order, id)
    if priority is not None and keep != "longest":
        missing = int(ddf[keep].isna().sum().compute())
        if missing:
            raise OptionsError(
                f"keep column {keep!r} has missing values or NaN ({missing} rows): every row needs a priority"
            )
    times["check_order"] = time.perf_counter() - start

    start = time.perf_counter()
    sketch_meta = {"order": "i8", "check": object, "filled": "i8", **{f"k{b}": "u8" for b in range(p.bands)}}
    sketches = base.map_partitions(_sketch, p, meta=sketch_meta).persist()
    entries = sketches.map_partitions(_entries, p.bands, meta={"key": "u8", "order": "i8"})
    pairs = (
        entries.shuffle("key")
        .map_partitions(_pairs_of_entries, meta={"a": "i8", "b": "i8"})
        .drop_duplicates(split_out=True)
    )
    checks = sketches[["order", "check", "filled"]]
    with_checks = pairs.merge(_renamed(checks, "a"), on="a").merge(_renamed(checks, "b"), on="b")
    candidates = with_checks.map_partitions(_chance, p, meta={"a": "i8", "b": "i8"})
    with_texts = candidates.merge(_renamed(base, "a"), on="a").merge(_renamed(base, "b"), on="b")
    verified_meta: dict[str, Any] = {"a": "i8", "b": "i8", "sim": "f8"}
    if priority is not None:
        verified_meta.update(priority_a=priority, priority_b=priority)
    verified = with_texts.map_partitions(_verify, p, meta=verified_meta).persist()
    n_candidates = int(verified.shape[0].compute())
    times["candidates"] = time.perf_counter() - start

    start = time.perf_counter()
    edges = verified[verified["sim"] >= p.threshold].compute()
    del verified, sketches
    priorities = (None, None) if priority is None else (edges["priority_a"].to_numpy(), edges["priority_b"].to_numpy())
    dropped, dup, sims = common.decide_edges(
        edges["a"].to_numpy(), edges["b"].to_numpy(), edges["sim"].to_numpy(), p, *priorities
    )
    times["decide"] = time.perf_counter() - start
    if report is not None:
        report.update(candidates=n_candidates, edges=len(edges), seconds=times)
    decided = pd.DataFrame({"dup": dup, "similarity": sims}, index=pd.Index(dropped, name="order"))
    names = None
    if id is not None:
        wanted = np.unique(dup)
        found = ddf[[order, id]].map_partitions(_named_rows, order, id, wanted, meta={"order": "i8", "name": object})
        names = found.compute().set_index("order")["name"]
    named = _nullable(ddf[id].dtype) if id is not None else ("Int64" if pd.api.types.is_integer_dtype(kind) else kind)
    meta = ddf._meta.assign(
        duplicate_of=pd.Series(dtype=named), similarity=pd.Series(dtype="f8"), group=pd.Series(dtype=named)
    )
    return ddf.map_partitions(_decisions, order, id, decided, names, meta=meta)


def dedup(
    ddf: dd.DataFrame,
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
) -> dd.DataFrame:
    """``ddf`` with ``duplicate_of``, ``similarity``, ``group`` and ``status`` added, as
    ``newsclean dedup --mark`` decides over the documents of ``text`` taken in ``order``:
    the same parameters, decisions and columns as ``newsclean.spark.dedup`` (see there),
    each stage a ``map_partitions`` calling the kernels ``DedupIndex`` calls.

    ``order``: a column of unique integers (or datetimes). ``report``, if given, is filled
    with ``candidates``, ``edges``, ``decided`` and ``seconds`` per stage. The decisions
    are computed when this is called; the returned frame adds them to each partition
    lazily (the index and the partitions are kept).
    """
    import dask.dataframe as dd
    import pandas as pd

    from .index import IndexParams, kernels

    params = IndexParams.given(
        threshold=threshold,
        containment=containment,
        min_ratio=min_ratio,
        shingle_kind=shingle_kind,
        shingle_size=shingle_size,
    )
    common.mark_columns(list(ddf.columns), text, order, id)
    _check_text(ddf, text)
    kind = ddf[order].dtype
    if not (pd.api.types.is_integer_dtype(kind) or pd.api.types.is_datetime64_any_dtype(kind)):
        raise OptionsError(f"order column {order!r} must hold integers or datetimes, not {kind}")
    times: dict[str, float] = {}
    start = time.perf_counter()
    _check_unique(ddf, order)
    times["check_order"] = time.perf_counter() - start

    start = time.perf_counter()
    columns = list(dict.fromkeys([order, text, *([id] if id is not None else [])]))
    sketch_meta: dict[str, Any] = {
        "order": "i8",
        "id": object,
        "digest": object,
        "size": "i8",
        "check": object,
        "sets": object,
        **{f"k{b}": "u8" for b in range(params.bands[0])},
    }
    sketches = ddf[columns].map_partitions(_sketch_documents, order, text, id, params, meta=sketch_meta).persist()
    bodies = sketches[sketches["size"] > 0]
    live = bodies[["digest", "order"]].groupby("digest").min(split_out=True).reset_index()[["order"]]
    reps = sketches.merge(live, on="order")
    entries = reps.map_partitions(_entries, params.bands[0], meta={"key": "u8", "order": "i8"})
    pairs = (
        entries.shuffle("key")
        .map_partitions(_pairs_of_entries, kernels.PER_BUCKET, meta={"a": "i8", "b": "i8"})
        .drop_duplicates(split_out=True)
    )
    checks = sketches[["order", "check"]]
    with_checks = pairs.merge(_renamed(checks, "a"), on="a").merge(_renamed(checks, "b"), on="b")
    candidates = with_checks.map_partitions(_chance_documents, params, meta={"a": "i8", "b": "i8"})
    sets = sketches[["order", "sets"]]
    with_sets = candidates.merge(_renamed(sets, "a"), on="a").merge(_renamed(sets, "b"), on="b")
    verified = with_sets.map_partitions(
        _verify_documents, params, meta={"a": "i8", "b": "i8", "sim": "f8", "good": bool}
    ).persist()
    n_candidates = int(verified.shape[0].compute())
    times["candidates"] = time.perf_counter() - start

    start = time.perf_counter()
    edges = verified[verified["good"]].compute()
    del verified
    a, b = edges["a"].to_numpy(dtype=np.int64), edges["b"].to_numpy(dtype=np.int64)
    nodes = np.unique(np.concatenate([a, b]))
    digest_counts = bodies["digest"].value_counts(split_out=True)
    id_counts = sketches["id"].value_counts(split_out=True)
    # (value_counts of a column: its values in the index, named after it)
    shared_body = digest_counts[digest_counts > 1].reset_index()[["digest"]]
    shared_id = id_counts[id_counts > 1].reset_index()[["id"]]
    row = ["order", "id", "digest", "size"]
    in_pairs = sketches[row].map_partitions(lambda part: part[part["order"].isin(nodes)], meta=sketches[row]._meta)
    rows = (
        dd.concat([in_pairs, sketches[row].merge(shared_body, on="digest"), sketches[row].merge(shared_id, on="id")])
        .compute()
        .drop_duplicates("order")
    )
    del sketches
    orders, status, dup, sims, group = common.lake_decide(
        rows["order"].to_numpy(dtype=np.int64),
        rows["id"].tolist(),
        rows["digest"].tolist(),
        rows["size"].to_numpy(dtype=np.int64),
        a,
        b,
        edges["sim"].to_numpy(dtype=np.float64),
    )
    times["decide"] = time.perf_counter() - start
    if report is not None:
        report.update(candidates=n_candidates, edges=len(edges), decided=len(orders), seconds=times)
    decided = pd.DataFrame(
        {
            "duplicate_of": pd.array(dup, dtype="string"),
            "similarity": pd.array(sims, dtype="Float64").astype("f8"),
            "group": pd.array(group, dtype="string"),
            "status": pd.array(status, dtype="string"),
        },
        index=pd.Index(orders, name="order"),
    )
    meta = ddf._meta.assign(
        duplicate_of=pd.Series(dtype="string"),
        similarity=pd.Series(dtype="f8"),
        group=pd.Series(dtype="string"),
        status=pd.Series(dtype="string"),
    )
    return ddf.map_partitions(_marks, order, text, id, decided, meta=meta)


def _sketch_documents(part: pd.DataFrame, order: str, text: str, id: str | None, params: IndexParams) -> pd.DataFrame:
    import pandas as pd

    texts = [None if t is None or t is pd.NA or (isinstance(t, float) and t != t) else t for t in part[text].tolist()]
    ids = _id_values(part, id)
    s = common.sketch_documents(texts, ids, params)
    checks = np.ascontiguousarray(s.checks)
    out = pd.DataFrame(
        {
            "order": _order_values(part[order]),
            "id": pd.Series(s.ids, dtype=object),
            "digest": pd.Series(s.digests, dtype=object),
            "size": s.sizes,
            "check": pd.Series([checks[k].tobytes() for k in range(len(checks))], dtype=object),
            "sets": pd.Series(s.sets, dtype=object),
        }
    )
    for b in range(params.bands[0]):
        out[f"k{b}"] = s.keys[:, b]
    return out


def _id_values(part: pd.DataFrame, id: str | None) -> list[Any]:
    """The id column's values as Python objects (a missing value as None)."""
    import pandas as pd

    if id is None:
        return [None] * len(part)
    return [None if pd.api.types.is_scalar(v) and pd.isna(v) else v for v in part[id].astype(object).tolist()]


def _chance_documents(part: pd.DataFrame, params: IndexParams) -> pd.DataFrame:
    width = params.num_perm
    ok = common.lake_chance(_checks(part["check_a"], width), _checks(part["check_b"], width), params)
    return part.loc[ok, ["a", "b"]]


def _verify_documents(part: pd.DataFrame, params: IndexParams) -> pd.DataFrame:
    import pandas as pd

    good, sims = common.lake_verify(part["sets_a"].tolist(), part["sets_b"].tolist(), params)
    return pd.DataFrame({"a": part["a"].to_numpy(), "b": part["b"].to_numpy(), "sim": sims, "good": good})


def _marks(part: pd.DataFrame, order: str, text: str, id: str | None, decided: pd.DataFrame) -> pd.DataFrame:
    """Each row with its decision: a row decided in the client has it, any other is new
    (its group: its own id, as ``newsclean dedup`` names it)."""
    import pandas as pd

    from ._tables import doc_id

    keys = pd.Index(_order_values(part[order]))
    at = decided.index.get_indexer(keys)
    hit = at >= 0
    out = part.copy()
    rows = decided.iloc[np.where(hit, at, 0)] if len(decided) else None
    group: list[Any] = rows["group"].tolist() if rows is not None else [None] * len(part)
    if not hit.all():
        texts = part[text].tolist()
        ids = _id_values(part, id)
        for k in np.flatnonzero(~hit).tolist():
            t = texts[k]
            group[k] = doc_id(ids[k], t if isinstance(t, str) else "")
    if rows is not None:
        out["duplicate_of"] = pd.array(np.where(hit, rows["duplicate_of"].to_numpy(dtype=object), None), "string")
        out["similarity"] = np.where(hit, rows["similarity"].to_numpy(dtype="f8"), np.nan)
        out["group"] = pd.array(group, dtype="string")
        out["status"] = pd.array(np.where(hit, rows["status"].to_numpy(dtype=object), "new"), "string")
    else:
        out["duplicate_of"] = pd.array([None] * len(part), dtype="string")
        out["similarity"] = np.full(len(part), np.nan)
        out["group"] = pd.array(group, dtype="string")
        out["status"] = pd.array(["new"] * len(part), dtype="string")
    return out


def _priority_dtype(ddf: dd.DataFrame, keep: str) -> str | None:
    """The numpy dtype of each row's priority for ``keep`` (``None`` for "first")."""
    import pandas as pd

    if keep == "first":
        return None
    if keep == "longest":
        return "i8"
    kind = ddf[keep].dtype
    if pd.api.types.is_bool_dtype(kind) or pd.api.types.is_signed_integer_dtype(kind):
        return "i8"
    if pd.api.types.is_unsigned_integer_dtype(kind):
        return "u8"
    if pd.api.types.is_float_dtype(kind):
        return "f8"
    raise OptionsError(f"keep column {keep!r} must hold integers, booleans or floats, not {kind}")


def _base(part: pd.DataFrame, order: str, text: str, keep: str, priority: str | None) -> pd.DataFrame:
    import pandas as pd

    keys = _order_values(part[order])
    texts = part[text].astype(object).where(part[text].notna(), "").to_numpy()
    out = pd.DataFrame({"order": keys, "text": texts})
    if keep == "longest":
        out["priority"] = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    elif priority is not None:
        out["priority"] = part[keep].to_numpy(dtype=priority)
    return out


def _order_values(column: pd.Series) -> np.ndarray[Any, np.dtype[np.int64]]:
    """The order as int64 (a datetime by its nanoseconds)."""
    import pandas as pd

    if pd.api.types.is_datetime64_any_dtype(column.dtype):
        values: np.ndarray[Any, np.dtype[np.int64]] = column.to_numpy(dtype="datetime64[ns]").view(np.int64)
    else:
        values = column.to_numpy(dtype=np.int64)
    return values


def _check_unique(ddf: dd.DataFrame, order: str, id: str | None = None) -> None:
    """Refuse a missing or repeated order, and (``near_duplicates``) a missing id: the
    missing values of both counted in one pass."""
    import dask

    counts = [ddf[order].isna().sum(), *([] if id is None else [ddf[id].isna().sum()])]
    missing, *missing_ids = (int(n) for n in dask.compute(*counts))
    if missing:
        raise OptionsError(f"order column {order!r} has missing values ({missing} rows): every row needs an order")
    if missing_ids and missing_ids[0]:
        raise OptionsError(
            f"id column {id!r} has missing values ({missing_ids[0]} rows): near_duplicates names rows by their id"
        )
    counts = ddf[order].value_counts(split_out=True)
    repeated = counts[counts > 1].head(1, npartitions=-1)
    if len(repeated):
        raise OptionsError(
            f"order column {order!r} is not unique: {int(repeated.iloc[0])} rows have the order {repeated.index[0]}"
        )


def _check_text(ddf: dd.DataFrame, text: str) -> None:
    """Refuse a text column whose dtype holds no strings (numbers, booleans, times,
    bytes), from the frame's dtype alone. An ``object`` column (pandas' strings) passes."""
    import pandas as pd

    kind = ddf[text].dtype
    inner = kind.categories.dtype if isinstance(kind, pd.CategoricalDtype) else kind
    if isinstance(inner, pd.ArrowDtype):
        import pyarrow as pa

        t = inner.pyarrow_dtype
        ok = pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t) or pa.types.is_null(t)
    else:
        ok = not (
            inner.kind in "biufcmMSV" or isinstance(inner, pd.PeriodDtype) or pd.api.types.is_numeric_dtype(inner)
        )
    if not ok:
        raise OptionsError(f"text column {text!r} must hold strings, not {kind}")


def _nullable(kind: Any) -> Any:
    """The dtype of a column of ids with missing values: for a numpy integer or boolean
    (which has no missing value) its nullable pandas dtype, else the dtype itself."""
    import pandas as pd

    if isinstance(kind, np.dtype) and kind.kind in "iu":
        return pd.api.types.pandas_dtype(f"{'Int' if kind.kind == 'i' else 'UInt'}{8 * kind.itemsize}")
    if isinstance(kind, np.dtype) and kind.kind == "b":
        return pd.BooleanDtype()
    return kind


def _sketch(part: pd.DataFrame, p: common.BatchParams) -> pd.DataFrame:
    import pandas as pd

    keys, check, filled = common.sketch(part["text"].tolist(), p)
    flat = np.ascontiguousarray(check)
    checks = np.array([flat[i].tobytes() for i in range(len(flat))], dtype=object)
    out = pd.DataFrame({"order": part["order"].to_numpy(), "check": checks, "filled": filled})
    for b in range(p.bands):
        out[f"k{b}"] = keys[:, b]
    return out


def _entries(part: pd.DataFrame, bands: int) -> pd.DataFrame:
    import pandas as pd

    keys = part[[f"k{b}" for b in range(bands)]].to_numpy(dtype=np.uint64)
    return pd.DataFrame({"key": keys.ravel(), "order": np.repeat(part["order"].to_numpy(), bands)})


def _pairs_of_entries(part: pd.DataFrame, per_bucket: int | None = None) -> pd.DataFrame:
    """Stage 2 within one partition (all entries of a key are in one): sorted, then read
    by ``BucketStream`` a slice at a time."""
    import pandas as pd

    keys = part["key"].to_numpy(dtype=np.uint64)
    orders = part["order"].to_numpy(dtype=np.int64)
    at = np.lexsort((orders, keys))
    keys, orders = keys[at], orders[at]
    stream = common.BucketStream() if per_bucket is None else common.BucketStream(per_bucket)
    found = [stream.feed(keys[lo : lo + _SLICE], orders[lo : lo + _SLICE]) for lo in range(0, len(keys), _SLICE)]
    a = np.concatenate([f[0] for f in found]) if found else np.zeros(0, np.int64)
    b = np.concatenate([f[1] for f in found]) if found else np.zeros(0, np.int64)
    return pd.DataFrame({"a": a, "b": b})


def _renamed(frame: dd.DataFrame, side: str) -> dd.DataFrame:
    return frame.rename(columns={c: side if c == "order" else f"{c}_{side}" for c in frame.columns})


def _checks(column: pd.Series, width: int) -> np.ndarray[Any, np.dtype[np.uint8]]:
    return np.frombuffer(b"".join(column.tolist()), dtype=np.uint8).reshape(len(column), width)


def _chance(part: pd.DataFrame, p: common.BatchParams) -> pd.DataFrame:
    ok = common.chance_ok(
        _checks(part["check_a"], p.num_perm),
        _checks(part["check_b"], p.num_perm),
        part["filled_a"].to_numpy(dtype=np.int64),
        part["filled_b"].to_numpy(dtype=np.int64),
        p,
    )
    return part.loc[ok, ["a", "b"]]


def _verify(part: pd.DataFrame, p: common.BatchParams) -> pd.DataFrame:
    import pandas as pd

    sims = common.verify(part["text_a"].tolist(), part["text_b"].tolist(), p)
    out = pd.DataFrame({"a": part["a"].to_numpy(), "b": part["b"].to_numpy(), "sim": sims})
    if "priority_a" in part.columns:  # (the rows' priorities for keep, passed on to the decision)
        out["priority_a"] = part["priority_a"].to_numpy()
        out["priority_b"] = part["priority_b"].to_numpy()
    return out


def _named_rows(part: pd.DataFrame, order: str, id: str, wanted: np.ndarray[Any, Any]) -> pd.DataFrame:
    import pandas as pd

    keys = _order_values(part[order])
    hit = np.isin(keys, wanted)
    return pd.DataFrame({"order": keys[hit], "name": part[id].to_numpy()[hit].astype(object)})


def _decisions(
    part: pd.DataFrame, order: str, id: str | None, decided: pd.DataFrame, names: pd.Series | None
) -> pd.DataFrame:
    import pandas as pd

    keys = pd.Index(_order_values(part[order]))
    at = decided.index.get_indexer(keys)
    hit = at >= 0
    # (a row of zeros after the decisions, for the rows that are in none)
    dup = np.append(decided["dup"].to_numpy(), 0)[at]
    sims = np.append(decided["similarity"].to_numpy(), np.nan)[at]
    out = part.copy()
    if id is None:
        values = part[order].to_numpy()
        if pd.api.types.is_integer_dtype(part[order].dtype):
            out["duplicate_of"] = pd.array(np.where(hit, dup, 0), dtype="Int64")
            out.loc[~hit, "duplicate_of"] = pd.NA
            out["group"] = pd.array(np.where(hit, dup, values), dtype="Int64")
        else:  # a datetime order names rows by its value (its nanoseconds, as the order)
            stamps = pd.Series(pd.to_datetime(dup, unit="ns"), index=part.index).astype(part[order].dtype)
            out["duplicate_of"] = stamps.where(hit)
            out["group"] = stamps.where(hit, part[order])
    else:
        assert names is not None
        # (the kept rows' ids where there is one; a nullable dtype for the rows without)
        kind = _nullable(part[id].dtype)
        column = pd.Series(names.reindex(dup).to_numpy(), index=part.index).where(hit)
        out["duplicate_of"] = column.astype(kind)
        out["group"] = column.where(hit, part[id]).astype(kind)
    out["similarity"] = sims
    return out[[*part.columns, "duplicate_of", "similarity", "group"]]


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m newsclean.dask INPUT -o OUTPUT``: Parquet in, Parquet out."""
    p = argparse.ArgumentParser(
        prog="python -m newsclean.dask",
        description="Read Parquet, write the rows that are not near-duplicates of a kept row "
        "(the earlier by --order-field, or as --keep says), as newsclean.near_duplicates decides, on Dask; "
        "with --clean, the documents newsclean dedup keeps (story bodies, its rule and flags).",
    )
    common.engine_arguments(p)
    p.add_argument("--scheduler", help="a Dask scheduler address (default: a LocalCluster on this machine)")
    p.add_argument("--workers", type=int, default=None, help="with the LocalCluster: worker processes")
    args = p.parse_args(argv)
    if not common.valid_arguments(args, "newsclean.dask"):
        return 2
    import dask.dataframe as dd
    from distributed import Client, LocalCluster

    cluster = None if args.scheduler else LocalCluster(n_workers=args.workers, host="127.0.0.1", dashboard_address=":0")
    client = Client(args.scheduler or cluster)
    try:
        ddf = dd.read_parquet(args.input)
        run = dedup if args.clean else near_duplicates
        out = run(ddf, **common.call_arguments(args))
        if not args.mark:
            added = list(common.LAKE_COLUMNS if args.clean else common.LAKE_COLUMNS[:3])
            out = out[out["duplicate_of"].isna()].drop(columns=added)
        out.to_parquet(args.output, overwrite=args.overwrite)
    except NewscleanError as err:
        print(f"newsclean.dask: error: {err}", file=sys.stderr)
        return 2
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
