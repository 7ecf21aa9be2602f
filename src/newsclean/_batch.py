"""Near-duplicates among many texts at once: the fast path for archives.

``near_duplicates(texts)`` answers, for every text, which earlier kept text it repeats
(first wins, as in ``clean()``), with the exact Jaccard similarity of the two shingle sets.
This module only orchestrates: every stage is a kernel of ``_similarity.engine`` (the same
ones the Spark and Dask paths run), here split into chunks and shared between processes:

1. ``sketch`` each chunk of texts: comparison keys as one array of code points, the
   32-bit hash of every character n-gram (``_similarity.hashing``), a one-permutation
   MinHash per text (``_similarity.minhash``), kept as LSH band keys and the low byte of
   every bin;
2. candidate pairs from buckets of equal band keys (``_similarity.lsh``), less the pairs
   whose bins agree far less often than any pair at the threshold would (``chance_ok``:
   pairs that share a band by chance, which grow with the square of the batch);
3. the exact Jaccard similarity of the (32-bit hashed) shingle sets of every remaining
   pair (``_similarity.jaccard``): the sets of the texts in some pair are made once;
4. ``decide``: only verified pairs at or above the threshold count.

With several processes (forked: a ``_forked.Team``), the sketches are written into memory
that all of them share, each process then searches one range of key values for
candidates (a bucket lies in one range) and checks its pairs, and the verification is
split between them. Where processes are not forked, workers send their sketches back and
the search is the caller's alone.

The sketch scheme (``_similarity.minhash.OPH_SCHEME``) is not datasketch's (``clean()``
within a long document uses datasketch's ``affine32`` k-permutation MinHash, bit for bit).
Sketches never leave a call, so nothing stored depends on the scheme.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from . import _forked
from ._errors import OptionsError
from ._parallel import check_workers, cores
from ._similarity import engine
from ._similarity.arrays import reuse_large_blocks
from ._similarity.config import DEFAULTS
from ._similarity.engine import BatchParams
from ._similarity.lsh import candidate_pairs_from_keys, unique_pairs
from ._text.normalize import slices

# A unit of work: at most this many texts and (but for one long text) characters. It
# bounds memory (the arrays of a chunk take some 40 bytes a character) and spreads work
# across cores.
_CHUNK = 2048
_CHUNK_CHARS = 1 << 21
_PARALLEL_MIN = 20_000  # below this many texts a second process costs more than it saves


@dataclasses.dataclass(frozen=True)
class NearDuplicates:
    """The decisions of ``near_duplicates``.

    Attributes:
        duplicate_of: per text, the index of the kept text it repeats (an earlier one, or
            with another ``keep`` rule, one of higher priority), or -1 if it is kept.
        similarity: per text, the exact Jaccard similarity to that text, or NaN.
        candidates: how many candidate pairs were verified exactly (those LSH proposed,
            less the chance pairs its signatures rule out).
    """

    duplicate_of: npt.NDArray[np.int64]
    similarity: npt.NDArray[np.float64]
    candidates: int

    @property
    def kept(self) -> npt.NDArray[np.int64]:
        """Indices of the kept texts, which are not near-duplicates of a text kept before
        them (an earlier one, or with another ``keep`` rule, one of higher priority)."""
        return np.flatnonzero(self.duplicate_of < 0)

    def groups(self) -> dict[int, list[int]]:
        """Every kept text's index, in order, with the indices of the texts dropped as its
        near-duplicates (``duplicate_of`` read the other way; an empty list for a text with
        none). A text is only ever matched to a kept text, so no group holds another.

        >>> near_duplicates(["The senior officials discussed the rise of violence in the region.",
        ...                  "Football results from the weekend, with three draws and a late winner.",
        ...                  "The senior officials discussed the rise of violence in the region today."]).groups()
        {0: [2], 1: []}
        """
        out: dict[int, list[int]] = {k: [] for k in self.kept.tolist()}
        dropped = np.flatnonzero(self.duplicate_of >= 0)
        for j, i in zip(dropped.tolist(), self.duplicate_of[dropped].tolist()):
            out[i].append(j)
        return out


def near_duplicates(
    texts: Sequence[str],
    *,
    threshold: float = 0.8,
    shingle_size: int = DEFAULTS["batch"].shingle_size,
    num_perm: int = DEFAULTS["batch"].num_perm,
    seed: int = DEFAULTS["batch"].seed,
    workers: int | None = None,
    keep: str | Sequence[float] | npt.NDArray[Any] = "first",
) -> NearDuplicates:
    """Which texts repeat a kept text: Jaccard similarity of their character
    ``shingle_size``-gram sets (of the comparison keys) at least ``threshold``.

    ``keep``: which text of a group of near-duplicates is kept. The texts are decided one
    at a time in order of priority: each is kept unless it matches a text already kept (of
    higher priority), and is then a duplicate of the most similar such text (ties: the
    one of higher priority). A text is only ever compared with kept texts: when B repeats A
    and C repeats B but not A, and A comes first, B is dropped and C is kept. Priorities:

    * ``"first"`` (default): input order, the earlier text first;
    * ``"longest"``: the longer text (in characters) first, ties in input order;
    * an array of one number per text: the higher number first, ties in input order
      (a crawl's timestamp, negated, keeps the oldest copy; a site's rank keeps the
      most trusted).

    The shingles are character n-grams only: ``near_duplicates`` takes no shingle kind.
    Its sketch (a ``SketchConfig``) has ``clean()``'s defaults, character 5-grams, 128
    bins and seed 1, with one-permutation MinHash (one hash per shingle, so ``num_perm``
    must be a power of two); ``docs/tuning.md`` compares the defaults of each path. Word
    shingles are for ``clean()`` with ``shingle_kind="word"`` and for the stream index
    (``IndexParams``).

    ``workers``: processes to use, this one included (default: every core this process
    may use, its CPU affinity within its cgroups' CPU quota, for 20,000 texts or more,
    else 1).

    Memory: a batch of more than 2,048 texts first has malloc (glibc) reuse freed blocks
    of up to 30 MB rather than map fresh memory for each temporary (page faults are then
    not paid afresh for each chunk); the process may then keep up to 60 MB of freed memory
    for reuse, as it would after freeing any such array.

    >>> texts = ["The senior officials discussed the rise of violence in the region.",
    ...          "Football results from the weekend, with three draws and a late winner.",
    ...          "The senior officials discussed the rise of violence in the region today."]
    >>> r = near_duplicates(texts)
    >>> r.duplicate_of.tolist(), round(float(r.similarity[2]), 3)
    ([-1, -1, 0], 0.881)
    """
    p = BatchParams.of(threshold=threshold, shingle_size=shingle_size, num_perm=num_perm, seed=seed)
    if isinstance(texts, (str, bytes)):  # (a sequence of characters: one text per character)
        raise TypeError(f"near_duplicates takes a sequence of texts, not one {type(texts).__name__}")
    n = len(texts)
    rank = _ranks(texts, keep)
    if workers is None:
        workers = cores() if n >= _PARALLEL_MIN else 1
    workers = check_workers(workers)
    # With several workers, at least eight chunks each, so that they finish together.
    chunks = _chunks(texts, _CHUNK if workers < 2 else min(_CHUNK, max(256, -(-n // (8 * workers)))))
    if n > _CHUNK:
        reuse_large_blocks()  # (before the fork: the team's processes inherit it)
    team = None
    shared: list[Sketches] | None = None  # (a list, to let the arrays go with clear())
    if workers > 1 and len(chunks) > 1:
        # This process is one of the workers: the team's pool has the others. They inherit
        # the texts and (where they are forked) the sketch arrays, in shared memory: each
        # process writes its chunks' sketches in place, then searches a part of the keys.
        if _forked.forks():
            shared = [_sketch_arrays(n, p, _forked.shared_empty)]
        team = _forked.Team(workers - 1, (texts, shared))
    try:
        keys, check, filled = _all_sketches(texts, chunks, p, team, shared)
        if team is not None and shared:
            pairs = _search_in_parts(Sketches(keys, check, filled), p, team, workers)
            shared.clear()  # (the other processes let theirs go as they start verifying)
            del keys, check, filled
        else:
            # (The search overwrites the band keys, which are let go as soon as it returns:
            # with many texts they are the largest array.)
            pairs = candidate_pairs_from_keys(keys)
            del keys
            pairs = _agreeing(pairs, check, filled, p)
            del check, filled
        sims = _verify_all(texts, pairs, p, team, workers)
    finally:
        if team is not None:
            team.shutdown()
    duplicate_of = np.full(n, -1, dtype=np.int64)
    similarity = np.full(n, np.nan)
    i, j = pairs[:, 0], pairs[:, 1]
    dropped, kept_as, sim = engine.decide(i, j, sims, p, rank[i], rank[j])
    duplicate_of[dropped], similarity[dropped] = kept_as, sim
    return NearDuplicates(duplicate_of, similarity, len(pairs))


def _ranks(texts: Sequence[str], keep: str | Sequence[float] | npt.NDArray[Any]) -> npt.NDArray[np.int64]:
    """Each text's place in the order of priority of ``keep`` (0: decided first)."""
    n = len(texts)
    if isinstance(keep, str):
        if keep == "first":
            return np.arange(n, dtype=np.int64)
        if keep != "longest":
            raise OptionsError(f"keep must be 'first', 'longest' or one number per text, got {keep!r}")
        priority = np.fromiter((len(t) for t in texts), dtype=np.int64, count=n)
    else:
        priority = np.asarray(keep)
        if priority.dtype.kind not in "biuf":
            raise OptionsError(f"keep must be 'first', 'longest' or one number per text, got {keep!r}")
        if priority.shape != (n,):
            raise OptionsError(f"keep must hold one number per text: {n} texts, got shape {priority.shape}")
        if priority.dtype.kind == "f" and np.isnan(priority).any():
            raise OptionsError(f"keep must hold numbers, got NaN at {int(np.flatnonzero(np.isnan(priority))[0])}")
    # The higher number first, ties in input order: a stable sort of the reversed numbers,
    # reversed (no negation: it would overflow the least int64, and floats lose large ints).
    order = (n - 1 - np.argsort(priority[::-1], kind="stable"))[::-1]
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    return rank


def _all_sketches(
    texts: Sequence[str],
    chunks: list[tuple[int, int]],
    p: BatchParams,
    team: _forked.Team | None,
    shared: list[Sketches] | None = None,
) -> Sketches:
    """``engine.sketch`` of every text, chunk by chunk (here, and in the team's other processes
    if there is a team). Each chunk's arrays go straight into place: a list of parts, then
    a concatenation, would hold them twice. With ``shared`` arrays (``[sketches]``, in
    shared memory), the other processes write theirs there too; otherwise they send them."""
    sketches = shared[0] if shared else _sketch_arrays(len(texts), p, np.empty)

    def put(k: int, part: Sketches | None) -> None:
        if part is not None:  # (None: written in place)
            _place(sketches, chunks[k], part)

    if team is None:
        for k, (a, b) in enumerate(chunks):
            put(k, engine.sketch(texts[a:b], p))
    else:
        local = lambda chunk, p: engine.sketch(texts[chunk[0] : chunk[1]], p)  # noqa: E731
        team.run(_sketches_of_slice, local, [(c, p) for c in chunks], put)
    return sketches


def _sketch_arrays(n: int, p: BatchParams, empty: Callable[..., Any]) -> Sketches:
    """Uninitialised arrays for the sketches of ``n`` texts, made by ``empty(shape, dtype)``
    (``np.empty``, or ``_forked.shared_empty``)."""
    return engine.Sketches(empty((n, p.bands), np.uint64), empty((n, p.num_perm), np.uint8), empty((n,), np.int64))


def _place(sketches: Sketches, chunk: tuple[int, int], part: Sketches) -> None:
    """Write a chunk's sketches into the arrays of every text."""
    a, b = chunk
    wholes: tuple[np.ndarray, ...] = sketches
    for whole, piece in zip(wholes, part):
        whole[a:b] = piece


def _search_in_parts(sketches: Sketches, p: BatchParams, team: _forked.Team, parts: int) -> npt.NDArray[np.int64]:
    """``candidate_pairs_from_keys`` then ``_agreeing``, a range of key values in each
    process of the team (the keys are in shared memory, and left as they are); the union
    of the parts is the whole search's answer."""
    found: list[Any] = [None] * parts
    local = lambda k, parts, p: _search_part(sketches, k, parts, p)  # noqa: E731
    team.run(_search_part_inherited, local, [(k, parts, p) for k in range(parts)], found.__setitem__)
    pairs = np.concatenate(found)
    return unique_pairs(pairs[:, 0], pairs[:, 1], len(sketches[2]))


def _search_part(sketches: Sketches, k: int, parts: int, p: BatchParams) -> npt.NDArray[np.int64]:
    keys, check, filled = sketches
    return _agreeing(candidate_pairs_from_keys(keys, (k, parts)), check, filled, p)


def _agreeing(
    pairs: npt.NDArray[np.int64], check: npt.NDArray[np.uint8], filled: npt.NDArray[np.int64], p: BatchParams
) -> npt.NDArray[np.int64]:
    """The candidate pairs that ``chance_ok`` keeps, in steps of pairs."""
    keep = np.ones(len(pairs), dtype=bool)
    step = 1 << 16  # pairs per step: two gathers of 8 MB with 128 bins
    for start in range(0, len(pairs), step):
        i, j = pairs[start : start + step, 0], pairs[start : start + step, 1]
        keep[start : start + step] = engine.chance_ok(check[i], check[j], filled[i], filled[j], p)
    return pairs[keep]


def _verify_all(
    texts: Sequence[str], pairs: npt.NDArray[np.int64], p: BatchParams, team: _forked.Team | None, workers: int
) -> npt.NDArray[np.float64]:
    """``_verify`` of every pair, split between the processes of the team if there is one.

    A share costs the shingle sets of the texts it involves (most of the cost) and its
    intersections: each pair weighs ``1 / pairs of i + 1 / pairs of j`` (a text's set
    spread over its pairs), and the shares are consecutive runs of equal weight: equal
    numbers of pairs would not give equal numbers of texts, as the pairs are in order of
    their first text, and texts differ in how many pairs they have."""
    if team is None or len(pairs) <= 2 * workers:
        return _verify(texts, pairs, p) if len(pairs) else np.zeros(0)
    uses = np.bincount(pairs.ravel())
    weight = np.cumsum(1 / uses[pairs[:, 0]] + 1 / uses[pairs[:, 1]])
    cuts = np.searchsorted(weight, weight[-1] * np.arange(1, workers) / workers)
    shares = [(share, p) for share in np.split(pairs, cuts) if len(share)]
    parts: list[Any] = [None] * len(shares)
    team.run(_verify_inherited, lambda share, p: _verify(texts, share, p), shares, parts.__setitem__)
    return np.concatenate(parts)


def _chunks(texts: Sequence[str], max_texts: int | None = None) -> list[tuple[int, int]]:
    """Chunks of at most ``max_texts`` (``_CHUNK``) texts and ``_CHUNK_CHARS`` characters."""
    return slices(texts, max_texts or _CHUNK, _CHUNK_CHARS)


def _sketches_of_slice(chunk: tuple[int, int], p: BatchParams) -> Sketches | None:
    """In a worker: the sketches of a chunk, written in place if the arrays are shared."""
    texts, shared = _forked.inherited()
    part = engine.sketch(texts[chunk[0] : chunk[1]], p)
    if not shared:
        return part
    _place(shared[0], chunk, part)
    return None


def _search_part_inherited(k: int, parts: int, p: BatchParams) -> npt.NDArray[np.int64]:
    _, shared = _forked.inherited()
    return _search_part(shared[0], k, parts, p)


def _verify_inherited(pairs: npt.NDArray[np.int64], p: BatchParams) -> npt.NDArray[np.float64]:
    texts, shared = _forked.inherited()
    if shared:
        shared.clear()  # (the search is over: let this process's map of the sketches go)
    return _verify(texts, pairs, p)


Sketches = engine.Sketches


def _verify(texts: Sequence[str], pairs: npt.NDArray[np.int64], p: BatchParams) -> npt.NDArray[np.float64]:
    """Exact Jaccard similarity of the shingle sets of every pair: the set of each text
    involved is made once."""
    involved, local = np.unique(pairs, return_inverse=True)
    local = local.reshape(pairs.shape)
    sets, offsets = engine.shingle_sets([texts[i] for i in involved.tolist()], p)
    return engine.similarity(sets, offsets, local[:, 0], local[:, 1])
