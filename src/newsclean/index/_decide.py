"""The stream index's decision as kernels over plain arrays: what ``DedupIndex`` runs on
every batch, and what the Spark and Dask paths (``newsclean.spark.dedup``,
``newsclean.dask.dedup``) run on a whole lake, so that both decide as ``newsclean dedup``.

Documents are named by their rank (their position in the stream; an engine's order
column). The stages, each a function here or in ``_fingerprint``:

1. ``sketch_texts``: each document's story body, its shingle set, band keys, check bytes
   and digest (a document's fingerprint depends on it alone);
2. ``representatives``: documents with one story body (one digest) share their
   candidates, so only the first of them, if its body is not empty, is paired;
3. ``bucket_keys`` of the representatives, and ``pairs_within`` them: every pair that
   shares a key, except in a bucket of more than ``2 * PER_BUCKET + 1`` members, where a
   member is paired with the first ``PER_BUCKET`` and the previous ``PER_BUCKET`` (a key
   that a million documents share stays linear);
4. ``chance_ok``: the pairs whose check bytes say they share a band by chance go;
5. ``verify``: the exact overlap of the rest, the rule (``IndexParams.matches_many``) and
   the Jaccard similarity reported;
6. ``match_lists`` and ``decide_in_order``: each document, in rank order, is a repeat (its
   id kept with the same body), a duplicate of the most similar earlier kept document it
   matches (ties: the earlier), or kept (new, or an update of its id's older body, which
   is forgotten).

``lake_decisions`` runs them all over one batch in one process: what the engines run,
spread over tasks, and what ``DedupIndex().add_fingerprints`` of that batch says. A
``DedupIndex`` fed in several batches also pairs every document with every kept document
of earlier batches, so it finds every pair of step 3's cap too: the two differ only when a
pair the rule accepts shares nothing but band keys of more than ``2 * PER_BUCKET + 1``
distinct story bodies (docs/scale.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

import numpy as np
import numpy.typing as npt

from .._similarity.jaccard import overlaps
from .._similarity.lsh import chance_ok_raw_bins, distinct_bucket_pairs
from ._base import AddResult
from ._fingerprint import Batch, IndexParams

I64 = npt.NDArray[np.int64]
U64 = npt.NDArray[np.uint64]
U32 = npt.NDArray[np.uint32]
U8 = npt.NDArray[np.uint8]
F64 = npt.NDArray[np.float64]

#: Members of a bucket that every later member is paired with: the first ``PER_BUCKET``
#: and the previous ``PER_BUCKET`` (``_similarity.lsh.bucket_pairs``).
PER_BUCKET = 64

#: Candidates of one document: ``(-similarity, rank)`` of each document it matches, sorted
#: (the most similar first; among equals, the lowest rank).
Candidates = list[tuple[float, int]]


def bucket_keys(bands: U64) -> U64:
    """Band keys with band ``b``'s key xor a fixed 64-bit salt of ``b``, so that equal
    keys of two bands fall in different buckets (keys meeting after the salt is a 2**-64
    event, and would only propose a candidate: exact overlap decides).

    >>> bucket_keys(np.zeros((1, 3), dtype=np.uint64)).tolist() == [[0, 0x9E3779B97F4A7C15, 0x3C6EF372FE94F82A]]
    True
    """
    return bands ^ _BAND_SALTS[: bands.shape[-1]]


_BAND_SALTS = np.array([0] + [(b * 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF for b in range(1, 1024)], dtype=np.uint64)


def representatives(digests: Sequence[str], sizes: I64) -> tuple[I64, I64]:
    """``(rep, live)``: each document's representative (the first document with its
    digest) and the documents that are paired (their own representative, with a
    non-empty story body: an empty body matches nothing).

    >>> rep, live = representatives(["x", "y", "x", "e"], np.array([3, 2, 3, 0]))
    >>> rep.tolist(), live.tolist()
    ([0, 1, 0, 3], [0, 1])
    """
    first: dict[str, int] = {}
    n = len(digests)
    rep = np.array([first.setdefault(d, j) for j, d in enumerate(digests)], dtype=np.int64)
    live = np.flatnonzero((np.asarray(sizes) > 0) & (rep == np.arange(n))).astype(np.int64)
    return rep, live


def pairs_within(keys: U64, ranks: I64) -> I64:
    """The pairs ``(i, j)``, ``i < j``, of the documents ``ranks`` whose rows of
    ``keys`` (``bucket_keys``) share a key, once, shape ``(m, 2)``, by the ``PER_BUCKET``
    rule (``_similarity.lsh.bucket_pairs``: the engines' ``BucketStream`` gives the same).

    >>> keys = np.array([[1, 2], [1, 3], [4, 3]], dtype=np.uint64)
    >>> pairs_within(keys, np.array([0, 5, 9])).tolist()
    [[0, 5], [5, 9]]
    """
    bands = keys.shape[1]
    return distinct_bucket_pairs(keys.ravel(), np.repeat(np.asarray(ranks, dtype=np.int64), bands), PER_BUCKET)


def chance_ok(checks: U8, a: I64, b: I64, params: IndexParams, checks_b: U8 | None = None) -> npt.NDArray[np.bool_]:
    """For the pairs of rows ``(a[k], b[k])`` of a table of check bytes
    (``Fingerprint.check``), or of row ``a[k]`` of ``checks`` and row ``b[k]`` of
    ``checks_b`` when given: False where the two documents share a band by chance
    (``chance_ok_raw_bins`` at ``params.floor``). The first half of the bins first (most
    chance pairs fail on it), then all of them for the pairs that pass: each is the whole
    check on its bins, and a pair must pass both.

    >>> table = np.stack([np.full(256, 7), np.full(256, 7), np.full(256, 9)]).astype(np.uint8)
    >>> chance_ok(table, np.array([0, 0]), np.array([1, 2]), IndexParams()).tolist()
    [True, False]
    >>> chance_ok(table[:1], np.array([0, 0]), np.array([0, 1]), IndexParams(), table[1:]).tolist()
    [True, False]
    """
    other = checks if checks_b is None else checks_b
    half = checks.shape[1] // 2
    ok = np.zeros(len(a), dtype=bool)
    for at in range(0, len(a), 1 << 12):  # (gathers of 1 MB at most, which malloc reuses)
        i, j = a[at : at + (1 << 12)], b[at : at + (1 << 12)]
        maybe = np.flatnonzero(chance_ok_raw_bins(checks[i, :half], other[j, :half], params.floor))
        ok[at + maybe[chance_ok_raw_bins(checks[i[maybe]], other[j[maybe]], params.floor)]] = True
    return ok


def verify(sets: U32, offsets: I64, a: I64, b: I64, params: IndexParams) -> tuple[npt.NDArray[np.bool_], F64]:
    """For the pairs ``(a[k], b[k])`` of the CSR shingle sets (``sets``, ``offsets``):
    whether the rule takes them as one story, and their Jaccard similarity.

    >>> sets, offsets = np.array([1, 2, 3, 4, 1, 2, 3, 5], dtype=np.uint32), np.array([0, 4, 8])
    >>> good, sims = verify(sets, offsets, np.array([0]), np.array([1]), IndexParams())
    >>> good.tolist(), sims.tolist()
    ([True], [0.6])
    """
    sizes = np.diff(offsets)
    size_a, size_b = sizes[a], sizes[b]
    inter = overlaps(sets, offsets, a, b)
    union = size_a + size_b - inter
    sims: F64 = inter / np.maximum(union, 1)
    return params.matches_many(inter, size_a, size_b), sims


def match_lists(later: I64, other: I64, sims: F64, base: int) -> dict[int, Candidates]:
    """Every match of each document of a batch as sorted ``Candidates``: document
    ``later[k]`` (a position in the batch) matches the document of rank ``other[k]`` (below
    ``base``: a document kept before the batch; ``base + i``: document ``i`` of the batch,
    which then also matches ``later[k]``: it counts for that one's later copies) with
    similarity ``sims[k]``.

    >>> match_lists(np.array([2]), np.array([0]), np.array([0.5]), 0)
    {2: [(-0.5, 0)], 0: [(-0.5, 2)]}
    """
    matches: dict[int, Candidates] = {}
    values = sims.tolist()
    for j, r, s in zip(later.tolist(), other.tolist(), values):
        matches.setdefault(j, []).append((-s, r))
    for j, r, s in zip(later.tolist(), other.tolist(), values):
        if r >= base:
            matches.setdefault(r - base, []).append((-s, base + j))
    for found in matches.values():
        found.sort()
    return matches


class Kept(Protocol):
    """The kept documents ``decide_in_order`` consults and changes, by slot (an index's
    slot, or the rank of a lake's document)."""

    def slot_of(self, doc_id: str) -> int | None:
        """The slot of the kept document with this id, if any."""

    def digest_of(self, slot: int) -> str:
        """The digest of the kept document in ``slot``."""

    def id_at(self, slot: int) -> str | None:
        """The id of the document in ``slot`` if it is still kept, else None."""

    def keep(self, j: int, doc_id: str, old: int | None) -> int:
        """Keep document ``j`` of the batch under ``doc_id`` (forgetting ``old``, the
        slot of an older body of that id, if any); its slot."""


def decide_in_order(
    doc_ids: Sequence[str],
    digests: Sequence[str],
    sizes: I64,
    rep: I64,
    matches: Mapping[int, Candidates],
    base: int,
    state: Kept,
    kept: dict[int, int],
) -> list[AddResult]:
    """Decide documents ``0 .. n-1`` of a batch in order, by ``newsclean dedup``'s rule.

    ``matches``: by rank, every document the rule takes as the same story (a rank below
    ``base`` is the slot of a document kept before the batch; ``base + j`` is document
    ``j`` of the batch); document ``j`` without a list of its own (not a representative)
    takes its representative's, and the representative itself at similarity 1.0.
    ``kept`` is filled with ``{j: slot}`` for the documents kept (also if an exception
    stops the loop, for the caller to finish recording them).

    A document whose id is kept with the same digest is a repeat; else it is a duplicate
    of the first of its candidates that is earlier and still kept (and not its id's older
    body); else it is kept: new, or an update of its id (the older body is forgotten). A
    copy of a representative that is kept (what the representative matched was forgotten
    in between) is a candidate wherever the representative is: so the batch decides as
    documents added one at a time."""
    results: list[AddResult] = []
    # A representative's later copies that were kept (it was not: what it matched was
    # forgotten by an update in between): they stand where it stands in later candidates.
    copies: dict[int, list[int]] = {}
    for j in range(len(doc_ids)):
        doc_id = doc_ids[j]
        old = state.slot_of(doc_id)
        if old is not None and state.digest_of(old) == digests[j]:
            results.append(AddResult(doc_id, False, doc_id, 1.0, "repeat"))
            continue
        f = int(rep[j])
        candidates = matches.get(f, [])
        if f != j and sizes[j]:
            candidates = sorted([*candidates, (-1.0, base + f)])
        if copies:
            extra = [(neg, base + c) for neg, r in candidates if r >= base for c in copies.get(r - base, ())]
            if extra:
                candidates = sorted([*candidates, *extra])
        found: str | None = None
        for neg, r in candidates:
            if r >= base + j:
                continue  # a later document of the batch
            slot = r if r < base else kept.get(r - base, -1)
            if slot >= 0 and slot != old:
                found = state.id_at(slot)
                if found is not None:
                    results.append(AddResult(doc_id, False, found, -neg, "duplicate"))
                    break
        if found is not None:
            continue
        kept[j] = state.keep(j, doc_id, old)
        if f != j and sizes[j]:
            copies.setdefault(f, []).append(j)
        results.append(AddResult(doc_id, True, status="new" if old is None else "update"))
    return results


class _Lake:
    """``Kept`` of a lake decided in one pass: the slot of a document is its rank."""

    def __init__(self, digests: Sequence[str]) -> None:
        self.digests = digests
        self.by_id: dict[str, int] = {}
        self.ids: dict[int, str] = {}

    def slot_of(self, doc_id: str) -> int | None:
        return self.by_id.get(doc_id)

    def digest_of(self, slot: int) -> str:
        return self.digests[slot]

    def id_at(self, slot: int) -> str | None:
        return self.ids.get(slot)

    def keep(self, j: int, doc_id: str, old: int | None) -> int:
        if old is not None:
            del self.ids[old]
        self.by_id[doc_id] = j
        self.ids[j] = doc_id
        return j


def decide_ranked(
    doc_ids: Sequence[str], digests: Sequence[str], sizes: I64, a: I64, b: I64, sims: F64
) -> list[AddResult]:
    """Decide documents ``0 .. n-1`` (in order) given every pair ``(a[k], b[k])``,
    ``a < b``, of representatives that the rule accepted, with similarity ``sims[k]``:
    the decisions of ``lake_decisions``. An engine's driver calls it on the documents in
    some accepted pair, or whose digest or id another document shares (the others are
    new), ranked by order: their decisions are the same as among all the documents.

    >>> decide_ranked(["a", "b", "a"], ["x", "y", "x"], np.array([5, 5, 5]), np.array([0]), np.array([1]), np.array([0.5]))
    ... # doctest: +NORMALIZE_WHITESPACE
    [AddResult(id='a', new=True, duplicate_of=None, similarity=None, status='new'),
     AddResult(id='b', new=False, duplicate_of='a', similarity=0.5, status='duplicate'),
     AddResult(id='a', new=False, duplicate_of='a', similarity=1.0, status='repeat')]
    """
    rep, _ = representatives(digests, sizes)
    a, b = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
    matches = match_lists(b, a, np.asarray(sims, dtype=np.float64), 0)
    return decide_in_order(doc_ids, digests, np.asarray(sizes), rep, matches, 0, _Lake(digests), {})


def lake_pairs(batch: Batch) -> tuple[I64, I64, F64, int]:
    """Steps 2 to 5 over one batch: the accepted pairs ``(a, b, similarity)`` of its
    representatives (``a < b``, positions in the batch) and the number of candidates
    (pairs that passed ``chance_ok``)."""
    sizes = np.diff(batch.offsets)
    _, live = representatives(batch.digests, sizes)
    pairs = pairs_within(bucket_keys(batch.bands[live]), live)
    a, b = pairs[:, 0], pairs[:, 1]
    ok = chance_ok(batch.checks, a, b, batch.params)
    a, b = a[ok], b[ok]
    good, sims = verify(batch.sets, batch.offsets, a, b, batch.params)
    return a[good], b[good], sims[good], len(a)


def lake_decisions(batch: Batch, ids: Sequence[str]) -> list[AddResult]:
    """The decisions of the Spark and Dask paths over the documents of ``batch`` (in
    order), named ``ids``, computed in one process: the same as a new ``DedupIndex``'s
    ``add_fingerprints(batch, ids)``."""
    a, b, sims, _ = lake_pairs(batch)
    return decide_ranked(ids, batch.digests, np.diff(batch.offsets), a, b, sims)
