"""What the Spark and Dask paths share: the similarity kernels they call (one place, so
that the engines follow ``near_duplicates`` wherever its kernels go), and the small
numpy steps around them that each engine runs inside its tasks.

The engines cut ``near_duplicates`` into stages that need no whole-batch state:

1. ``sketch`` a partition of texts (each text's sketch depends on the text alone);
2. one row per (band key, order), shuffled by key and sorted by (key, order) within a
   partition; ``BucketStream`` turns that sorted stream into the candidate pairs of the
   ``PER_BUCKET`` rule (``bucket_pairs``) holding at most ``2 * PER_BUCKET`` members of
   an open bucket between batches, so a bucket of a million members is never in memory
   whole;
3. the pairs, made unique, keep those ``chance_ok`` does not rule out (their check
   bytes joined from the sketches): these are the candidates;
4. ``verify`` each candidate (its two texts joined) and keep the edges at or above the
   threshold;
5. ``decide`` over the edges, valid on any set of edges closed under connected
   components, with the ranks ``keep`` gives their rows.

The lake path (``dedup``: documents decided as ``newsclean dedup`` decides them) has its
own small steps below (``sketch_documents``, ``lake_chance``, ``lake_verify``,
``lake_decide``), each a call of the stream index's kernels (``newsclean.index.kernels``).

Each row is named by its ``order`` (an int64, unique): the lower order is the earlier
text, as the index of a text is in ``near_duplicates``. ``keep`` gives each row a
priority (``"first"``: none, the order decides; ``"longest"``: its text's length in code
points; else a numeric column): the higher first, ties by order. ``decide`` only compares
the ranks of the rows in its edges, so ranking those rows alone (``edge_ranks``) decides
as ranking all the texts does.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import numpy.typing as npt

from ._errors import OptionsError
from ._similarity.config import DEFAULTS
from ._similarity.engine import (
    BatchParams,
    Sketches,
    bucket_pairs,
    chance_ok,
    decide,
    shingle_sets,
    similarity,
    sketch,
    verify,
)
from ._similarity.lsh import PER_BUCKET
from ._similarity.lsh import bucket_pairs as _bucket_pairs

if TYPE_CHECKING:
    from .index import IndexParams

__all__ = [
    "BATCH",
    "BatchParams",
    "BucketStream",
    "Sketches",
    "bucket_pairs",
    "chance_ok",
    "check_keep",
    "check_names",
    "decide",
    "decide_edges",
    "edge_ranks",
    "engine_arguments",
    "valid_arguments",
    "shingle_sets",
    "similarity",
    "sketch",
    "verify",
]

#: The default sketch of ``near_duplicates`` and the engines (character 5-grams, 128
#: one-permutation bins, seed 1), from the one table of every path's defaults.
BATCH = DEFAULTS["batch"]

I64 = npt.NDArray[np.int64]
U64 = npt.NDArray[np.uint64]


class BucketStream:
    """Candidate pairs of a stream of (band key, order) entries sorted by key, then order,
    fed a batch at a time (``feed``): the pairs ``bucket_pairs`` gives for the complete
    buckets, while only the first and last ``PER_BUCKET`` members of the bucket still
    open at the end of a batch are kept for the next.

    A member of rank ``r`` in its bucket pairs with the members of ranks ``r - 1`` down to
    ``r - PER_BUCKET`` and, past them, the first ``PER_BUCKET``: the carried members put in
    front of a batch stand for all earlier members of their bucket, and give every member
    of the batch the ranks it has in the whole bucket (when the bucket had more than
    ``2 * PER_BUCKET`` members before, at least the rank that pairs it the same way). A
    pair of two carried members was given by an earlier batch, and is not given again.
    ``per_bucket``: the cap of the rule (``PER_BUCKET`` of paragraphs by default; the
    stream index's rule has its own).

    >>> keys = np.array([5] * 20 + [7, 7], dtype=np.uint64)
    >>> orders = np.arange(22, dtype=np.int64)
    >>> whole = set(zip(*(x.tolist() for x in bucket_pairs(keys, orders))))
    >>> stream, got = BucketStream(), set()
    >>> for lo in range(0, 22, 3):
    ...     got |= set(zip(*(x.tolist() for x in stream.feed(keys[lo : lo + 3], orders[lo : lo + 3]))))
    >>> got == whole
    True
    """

    def __init__(self, per_bucket: int = PER_BUCKET) -> None:
        # Members of an open bucket carried from one batch to the next: the first
        # per_bucket and the last per_bucket (all a later member of the bucket pairs with).
        self._per_bucket = per_bucket
        self._key: int | None = None
        self._count = 0  # members of the open bucket seen so far
        self._orders = np.zeros(0, dtype=np.int64)  # its carried members, in rank order
        self._ranks = np.zeros(0, dtype=np.int64)

    def feed(self, keys: U64, orders: I64) -> tuple[I64, I64]:
        """The pairs ``(a, b)`` (orders) that this batch's entries complete; ``keys`` and
        ``orders`` continue the sorted stream."""
        keys = np.asarray(keys, dtype=np.uint64)
        orders = np.asarray(orders, dtype=np.int64)
        if not len(keys):
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        carried = self._key is not None and int(keys[0]) == self._key
        if carried:
            n_carry = len(self._orders)
            keys = np.concatenate([np.full(n_carry, keys[0], dtype=np.uint64), keys])
            orders = np.concatenate([self._orders, orders])
        else:
            n_carry = 0
        a, b = _bucket_pairs(keys, orders, self._per_bucket)
        if n_carry:
            old = self._orders
            fresh = ~(np.isin(a, old) & np.isin(b, old))
            a, b = a[fresh], b[fresh]
        self._carry(keys, orders, carried, n_carry)
        return a, b

    def _carry(self, keys: U64, orders: I64, carried: bool, n_carry: int) -> None:
        last = keys[-1]
        start = len(keys) - int(np.argmax(keys[::-1] != last)) if (keys != last).any() else 0
        members = orders[start:]
        if carried and start == 0:
            ranks = np.concatenate([self._ranks, self._count + np.arange(len(members) - n_carry)])
            self._count += len(members) - n_carry
        else:
            ranks = np.arange(len(members), dtype=np.int64)
            self._count = len(members)
        keep = (ranks < self._per_bucket) | (ranks >= self._count - self._per_bucket)
        self._key = int(last)
        self._orders, self._ranks = members[keep], ranks[keep]


def decide_edges(
    a: I64,
    b: I64,
    sims: npt.NDArray[np.float64],
    p: BatchParams,
    priority_a: npt.NDArray[Any] | None = None,
    priority_b: npt.NDArray[Any] | None = None,
) -> tuple[I64, I64, npt.NDArray[Any]]:
    """``decide`` over verified pairs named by order: by order (the lower decided first),
    or, given both rows' priorities, by ``edge_ranks``."""
    a, b = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
    if priority_a is None or priority_b is None:
        return decide(a, b, np.asarray(sims), p)
    rank_a, rank_b = edge_ranks(a, b, np.asarray(priority_a), np.asarray(priority_b))
    return decide(a, b, np.asarray(sims), p, rank_a, rank_b)


def edge_ranks(a: I64, b: I64, priority_a: npt.NDArray[Any], priority_b: npt.NDArray[Any]) -> tuple[I64, I64]:
    """The ranks (0: decided first) of the rows of edges ``(a[k], b[k])`` (orders) among
    those rows: the higher priority first, ties by the lower order, as
    ``near_duplicates(keep=...)`` ranks texts by priority, ties in input order.

    >>> [r.tolist() for r in edge_ranks(np.array([10, 10]), np.array([20, 30]), np.array([5, 5]), np.array([5, 9]))]
    [[1, 1], [2, 0]]
    """
    nodes, at = np.unique(np.concatenate([a, b]), return_index=True)  # (sorted by order)
    priority = np.concatenate([priority_a, priority_b])[at]
    m = len(nodes)
    # A stable sort of the reversed priorities, reversed, as near_duplicates ranks (no
    # negation: it would overflow the least int64).
    by = (m - 1 - np.argsort(priority[::-1], kind="stable"))[::-1]
    rank = np.empty(m, dtype=np.int64)
    rank[by] = np.arange(m)
    return rank[np.searchsorted(nodes, a)], rank[np.searchsorted(nodes, b)]


def check_keep(columns: Sequence[str], keep: object) -> None:
    """Refuse a ``keep`` that is neither ``"first"``, ``"longest"`` nor a column of the
    frame (whether the column is numeric is the engine's to check)."""
    if not isinstance(keep, str):
        raise OptionsError(f"keep must be 'first', 'longest' or the name of a numeric column, got {keep!r}")
    if keep in ("first", "longest"):
        return
    if keep not in columns:
        raise OptionsError(
            f"keep must be 'first', 'longest' or the name of a numeric column, got {keep!r}, "
            f"which is not a column of the frame (columns: {', '.join(columns)})"
        )


def check_names(columns: Sequence[str], text: str, order: str, id: str | None) -> None:
    """Refuse column arguments the frame does not have, or output columns it already has."""
    for what, name in (("text", text), ("order", order), ("id", id)):
        if name is not None and name not in columns:
            raise OptionsError(f"{what} column {name!r} is not in the frame (columns: {', '.join(columns)})")
    for name in ("duplicate_of", "similarity", "group"):
        if name in columns:
            raise OptionsError(f"the frame already has a column {name!r}, which near_duplicates adds")


def call_arguments(args: argparse.Namespace) -> dict[str, Any]:
    """The keyword arguments of an engine's ``near_duplicates`` (or, with ``--clean``,
    ``dedup``) from the command's flags (``engine_arguments``; unset flags are left to
    the function's defaults)."""
    names: tuple[str, ...] = ("threshold", "shingle_size")
    if args.clean:
        names += ("containment", "min_ratio", "shingle_kind")
    else:
        names += ("num_perm", "seed")
    given = {name: getattr(args, name) for name in names if getattr(args, name) is not None}
    columns = {"text": args.field, "order": args.order_field, "id": args.id_field}
    return columns | given if args.clean else {**columns, **given, "keep": args.keep}


def valid_arguments(args: argparse.Namespace, prog: str) -> bool:
    """Whether the commands' similarity arguments are valid (else the error is printed, as
    the command's, before any engine starts)."""
    try:
        given = call_arguments(args)
        if args.clean:
            wrong = [
                flag
                for flag, value in (
                    ("--keep", args.keep != "first"),
                    ("--num-perm", args.num_perm),
                    ("--seed", args.seed),
                )
                if value not in (None, False)
            ]
            if wrong:
                raise OptionsError(f"{wrong[0]} does not apply with --clean (newsclean dedup keeps the first)")
            from .index import RULE_OPTIONS, IndexParams

            IndexParams.given(**{name: getattr(args, name) for name in RULE_OPTIONS})
        else:
            wrong = [f for f in ("containment", "min_ratio", "shingle_kind") if getattr(args, f) is not None]
            if wrong:
                raise OptionsError(f"--{wrong[0].replace('_', '-')} applies with --clean only")
            BatchParams.of(**{k: given[k] for k in ("threshold", "shingle_size", "num_perm", "seed") if k in given})
        _check_paths(args.input, args.output, args.overwrite)
    except OptionsError as err:
        print(f"{prog}: error: {err}", file=sys.stderr)
        return False
    return True


def _check_paths(inputs: Sequence[str], output: str, overwrite: bool) -> None:
    """Refuse a local INPUT that is not there (a pattern: that matches nothing) and a local
    OUTPUT that is, without ``--overwrite``; a URL (``s3://``, ``hdfs://``) and a pattern
    with braces (Hadoop's ``{a,b}``) are the engine's."""
    import glob
    import os

    for path in inputs:
        if "://" in path or "{" in path:
            continue
        found = glob.glob(path) if any(c in path for c in "*?[") else os.path.lexists(path)
        if not found:
            raise OptionsError(f"{path}: no such file or directory")
    if "://" not in output and not overwrite and os.path.lexists(output):
        raise OptionsError(f"{output}: exists (--overwrite replaces it)")


def engine_arguments(p: argparse.ArgumentParser) -> None:
    """The arguments the Spark and Dask commands share (named as ``newsclean dedup``'s)."""
    p.add_argument("input", nargs="+", metavar="INPUT", help="Parquet files or directories")
    p.add_argument("-o", "--output", required=True, metavar="DIR", help="the Parquet directory to write")
    p.add_argument("--field", default="text", help="the column holding the text (default: text)")
    p.add_argument(
        "--order-field",
        required=True,
        help="the column that orders the rows (unique integers, timestamps or dates): the earlier row is kept "
        "(with --keep first) and wins ties",
    )
    p.add_argument(
        "--id-field",
        default=None,
        help="the column that names rows in duplicate_of (default: the order; with --clean, the text, as "
        "newsclean dedup names a row without an id)",
    )
    p.add_argument(
        "--clean",
        action="store_true",
        help="compare documents as newsclean dedup does (their story bodies, credits and datelines out, by its "
        "rule, with its flags --threshold, --containment, --min-ratio, --shingle-kind, --shingle-size and its "
        "defaults) and decide as it does (ids repeated: repeat or update); --mark adds 'status' too",
    )
    p.add_argument(
        "--mark",
        action="store_true",
        help="write every row, with 'duplicate_of', 'similarity' and 'group' added, instead of dropping copies",
    )
    p.add_argument(
        "--keep",
        default="first",
        metavar="first|longest|COLUMN",
        help="which row of near-duplicates is kept: the first by --order-field (default), the longest text, "
        "or the row with the highest value of a numeric COLUMN (ties: the first by --order-field)",
    )
    p.add_argument("--threshold", type=float, default=None, help="Jaccard similarity (default: 0.8; with --clean, 0.4)")
    p.add_argument(
        "--shingle-size",
        type=int,
        default=None,
        help=f"characters per shingle (default: {BATCH.shingle_size}; with --clean, words per shingle, 3)",
    )
    p.add_argument(
        "--num-perm", type=int, default=None, help=f"MinHash bins, a power of two (default: {BATCH.num_perm})"
    )
    p.add_argument("--seed", type=int, default=None, help=f"the MinHash seed (default: {BATCH.seed})")
    p.add_argument(
        "--containment",
        type=float,
        default=None,
        help="with --clean: share of the smaller body's shingles found in the larger (default: 1.0)",
    )
    p.add_argument(
        "--min-ratio",
        type=float,
        default=None,
        help="with --clean: least size ratio of the smaller body to the larger for --containment (default: 0.5)",
    )
    p.add_argument(
        "--shingle-kind",
        choices=("word", "char"),
        default=None,
        help="with --clean: shingles of words, or of characters for text without spaces (default: word)",
    )
    p.add_argument("--overwrite", action="store_true", help="replace OUTPUT if it exists")


# -- the lake path: documents decided as ``newsclean dedup`` decides ------------------------


class DocSketches(NamedTuple):
    """What the lake path keeps of each document (``sketch_documents``).

    Attributes:
        ids: each document's id as ``newsclean dedup`` names it (``_tables.doc_id``: the
            id as text; a missing or empty id, a name made of the text).
        digests: the digest of its story body (equal digests: one story body).
        sizes: the size of its story body's shingle set (0: an empty body).
        keys: ``(n, bands)`` its LSH bucket keys (``_decide.bucket_keys``).
        checks: ``(n, num_perm)`` its check bytes.
        sets: its shingle set, as the bytes of sorted unique uint32 values.
    """

    ids: list[str]
    digests: list[str]
    sizes: I64
    keys: U64
    checks: npt.NDArray[np.uint8]
    sets: list[bytes]


def sketch_documents(texts: Sequence[str | None], ids: Sequence[Any], params: IndexParams) -> DocSketches:
    """Stage 1 of the lake path over a partition: each document's story body
    (``Cleaner().body``, as ``newsclean dedup`` takes it), fingerprinted by
    ``_fingerprint.sketch_texts``. A missing text is empty."""
    from ._clean import Cleaner
    from ._tables import doc_id
    from .index import kernels, sketch_texts

    full = [t if t is not None else "" for t in texts]
    batch = sketch_texts(full, Cleaner(), params)
    offsets = batch.offsets
    raw = batch.sets.astype("<u4").tobytes()
    return DocSketches(
        [doc_id(v, t) for v, t in zip(ids, full)],
        batch.digests,
        np.diff(offsets).astype(np.int64),
        kernels.bucket_keys(batch.bands),
        batch.checks,
        [raw[4 * int(offsets[k]) : 4 * int(offsets[k + 1])] for k in range(len(full))],
    )


def lake_chance(checks_a: npt.NDArray[np.uint8], checks_b: npt.NDArray[np.uint8], params: IndexParams) -> Any:
    """Stage 3 of the lake path: ``_decide.chance_ok`` of aligned pairs."""
    from .index import kernels

    k = np.arange(len(checks_a), dtype=np.int64)
    return kernels.chance_ok(checks_a, k, k, params, checks_b)


def lake_verify(
    sets_a: Sequence[bytes], sets_b: Sequence[bytes], params: IndexParams
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.float64]]:
    """Stage 4 of the lake path: whether the rule takes each aligned pair of shingle
    sets (bytes of ``sketch_documents``) as one story, and their Jaccard similarity
    (``_decide.verify``)."""
    from .index import kernels

    both = [*sets_a, *sets_b]
    sizes = np.fromiter((len(s) // 4 for s in both), dtype=np.int64, count=len(both))
    offsets = np.zeros(len(both) + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])
    sets = np.frombuffer(b"".join(both), dtype="<u4").astype(np.uint32)
    k = np.arange(len(sets_a), dtype=np.int64)
    return kernels.verify(sets, offsets, k, k + len(sets_a), params)


def lake_decide(
    orders: I64, ids: Sequence[str], digests: Sequence[str], sizes: I64, a: I64, b: I64, sims: npt.NDArray[np.float64]
) -> tuple[I64, list[str], list[str | None], list[float | None], list[str]]:
    """Stage 5 of the lake path, on the driver: the decisions of the rows given (those in
    an accepted pair ``(a[k], b[k])``, orders, or whose digest or id another row shares),
    in order (``_decide.decide_ranked``). Returns, by increasing order, ``(orders,
    status, duplicate_of, similarity, group)``."""
    from .index import kernels

    orders = np.asarray(orders, dtype=np.int64)
    by = np.argsort(orders, kind="stable")
    ranked = orders[by]
    results = kernels.decide_ranked(
        [ids[k] for k in by.tolist()],
        [digests[k] for k in by.tolist()],
        np.asarray(sizes, dtype=np.int64)[by],
        np.searchsorted(ranked, np.asarray(a, dtype=np.int64)),
        np.searchsorted(ranked, np.asarray(b, dtype=np.int64)),
        np.asarray(sims, dtype=np.float64),
    )
    return (
        ranked,
        [r.status for r in results],
        [r.duplicate_of for r in results],
        [r.similarity for r in results],
        [r.id if r.new else str(r.duplicate_of) for r in results],
    )


def mark_columns(columns: Sequence[str], text: str, order: str, id: str | None) -> None:
    """Refuse column arguments the frame does not have, or the columns ``dedup`` adds."""
    for what, name in (("text", text), ("order", order), ("id", id)):
        if name is not None and name not in columns:
            raise OptionsError(f"{what} column {name!r} is not in the frame (columns: {', '.join(columns)})")
    for name in LAKE_COLUMNS:
        if name in columns:
            raise OptionsError(f"the frame already has a column {name!r}, which dedup adds")


#: The columns ``dedup`` adds: those of ``newsclean dedup --mark``, and the status.
LAKE_COLUMNS = ("duplicate_of", "similarity", "group", "status")
