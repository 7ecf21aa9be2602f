"""The embedded index: in memory, saved to and loaded from a file.

A batch of documents is decided at once: the LSH buckets of all its documents are looked
up in sorted arrays (``_Buckets``), the documents of the batch are paired among themselves
by sorting their band keys, the pairs whose check bytes rule them out are dropped (most of
them: pairs that share a band by chance), the shingle-set overlaps of the rest come from one
vectorised merge (only their indexed documents' sets are gathered), and then each document, in input order, is matched against the indexed
documents and the earlier documents of the batch that were kept. Deciding a batch at once
therefore decides exactly as adding its documents one by one.
"""

from __future__ import annotations

import io
import itertools
import json
import os
import threading
import zipfile
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from .._atomic import replacing
from .._clean import Cleaner
from .._errors import IndexFileError, SketchMismatchError
from .._similarity.arrays import unique
from .._similarity.hashing import paragraph_hash
from .._similarity.jaccard import overlap
from .._text.normalize import key
from ._base import AddResult, Index, Match, check_age, seen_time, unnamed
from ._decide import (
    bucket_keys,
    chance_ok,
    decide_in_order,
    match_lists,
    pairs_within,
    representatives,
    verify,
)
from ._fingerprint import (
    Batch,
    Fingerprint,
    IndexParams,
    as_fingerprint,
    check_fingerprints,
    check_ids,
    minhash_of_sets,
)
from ._indexfile import read_index_file

I64 = npt.NDArray[np.int64]
U64 = npt.NDArray[np.uint64]
U32 = npt.NDArray[np.uint32]
I32 = npt.NDArray[np.int32]


class DedupIndex(Index):
    """A near-duplicate index of documents, in memory. First added wins.

    Documents are compared on their story body (credits and datelines out), by the rule
    of ``IndexParams``. LSH proposes candidates; exact shingle-set overlap decides.
    ``add`` is safe to call from several threads. ``path``: the file ``close()`` saves the
    index to (``load`` sets it to the file read); without one, ``close()`` keeps nothing.

    Each document's time of first sight is kept (seconds since the epoch, the ``now`` of
    the call that added it: the wall clock unless given); ``expire`` forgets the documents
    first seen longer ago than an age, after which a later copy of one is kept again, as
    new. A repeat or a duplicate leaves the time as it was; an update (same id, another
    body) is first seen when it replaces the old body.

    >>> index = DedupIndex()
    >>> story = "The central bank kept its policy rate unchanged on Tuesday, citing risks to growth."
    >>> index.add("HANOI (VNA) — " + story, id="a").new
    True
    >>> index.add("BEIJING (Xinhua) -- " + story + " -- AFP", id="b")
    AddResult(id='b', new=False, duplicate_of='a', similarity=1.0, status='duplicate')
    >>> len(index), "a" in index, "b" in index
    (1, True, False)
    """

    def __init__(
        self,
        params: IndexParams | None = None,
        /,
        *,
        cleaner: Cleaner | None = None,
        path: str | os.PathLike[str] | None = None,
        **changes: Any,
    ) -> None:
        super().__init__(params, cleaner, changes)
        self.path: Path | None = Path(path) if path is not None else None
        self._lock = threading.Lock()
        # Per slot: what deciding needs, and the paragraph hashes (8 bytes each, packed)
        # for boilerplate counts and the file. The band keys live in the buckets alone
        # (``save`` makes them again from the sets).
        self._ids: list[str | None] = []  # slot -> id (None once removed)
        self._shingles: list[U32] = []
        self._paragraphs: list[bytes] = []
        self._digests: list[str] = []
        self._checks = np.zeros((0, self.params.num_perm), dtype=np.uint8)  # one row a slot (grows by doubling)
        self._sizes = np.zeros(0, dtype=np.int64)  # slot -> the size of its shingle set (grows with _checks)
        self._seen = np.zeros(0, dtype=np.float64)  # slot -> time of first sight (grows with _checks)
        self._slot: dict[str, int] = {}
        self._buckets = _Buckets()
        # Kept documents per paragraph hash: counted on the first question about
        # boilerplate (``_paragraph_counts``), then kept up to date; an index that is
        # never asked (``newsclean dedup``) spends no memory on them.
        self._paragraph_docs: Counter[int] | None = None

    # -- documents ----------------------------------------------------------------------

    def add_fingerprints(
        self, prints: Sequence[Fingerprint], ids: Sequence[str] | None = None, *, now: float | None = None
    ) -> list[AddResult]:
        """Add documents given as fingerprints (from ``fingerprint()`` of an index with the
        same parameters; others raise ``SketchMismatchError``), in order (``now``: see
        ``add_many``).

        >>> index = DedupIndex()
        >>> prints = index.fingerprint(["HANOI (VNA) — Exports rose by a tenth in May, the ministry said."])
        >>> index.add_fingerprints(prints, ["a"])[0].new, index.query(prints[0]).duplicate_of
        (True, 'a')
        """
        check_ids(prints, ids)
        seen = seen_time(now)
        if isinstance(prints, Batch):  # (a batch of arrays, from sketch: no object per document)
            if prints.params != self.params:
                self.params.check(prints.params.header(), "the fingerprints")
            return self._add_batch(prints, ids, seen)
        check_fingerprints(prints, self.params)
        return self._add_batch(_as_batch(prints, self.params), ids, seen)

    def _add_batch(self, batch: Batch, ids: Sequence[str] | None, seen: float) -> list[AddResult]:
        """Add a batch of fingerprints given as arrays, in order (checked already)."""
        with self._lock:
            doc_ids = [str(i) for i in ids] if ids is not None else unnamed(batch.digests)
            return self._decide_and_add(batch, doc_ids, seen)

    def query(self, document: str | Fingerprint) -> AddResult:
        """What ``add`` would say of a text or fingerprint, without adding (the id of the
        result is ``""``), with every match in ``matches``, best first.

        >>> index = DedupIndex()
        >>> story = "The port handled a record number of containers in March, the operator said on Monday."
        >>> a = story + " A new berth for larger ships opened in January after two years of building work."
        >>> b = story + " Shipping lines from Europe added three weekly calls, and rail freight to the north doubled."
        >>> [r.new for r in index.add_many([a, b], ["a", "b"])]  # (two stories that share a paragraph)
        [True, True]
        >>> [(m.id, round(m.similarity, 3)) for m in index.query(story).matches]
        [('a', 0.464), ('b', 0.464)]
        """
        fp = as_fingerprint(document, self.cleaner, self.params)
        with self._lock:
            slots = self._buckets.lookup(bucket_keys(fp.bands[None, :]).ravel())[1]
            found = []
            for slot in unique(slots).tolist():
                score = self._score(fp.shingles, self._shingles[slot])
                if score is not None:
                    found.append((-score, slot))
            found.sort()  # (best first; among equals, the earliest slot: the order add decides in)
            matches = tuple(Match(str(self._ids[slot]), -neg) for neg, slot in found)
        if not matches:
            return AddResult("", True)
        return AddResult("", False, matches[0].id, matches[0].similarity, "duplicate", matches)

    def remove(self, id: str) -> None:
        """Forget a document (``KeyError`` if it is not indexed)."""
        with self._lock:
            self._drop(self._slot[id])

    def first_seen(self, id: str) -> float:
        """When a document was first seen (seconds since the epoch; ``KeyError`` if it is
        not indexed). An index file saved without the times gives its documents the
        file's modification time."""
        with self._lock:
            return float(self._seen[self._slot[id]])

    def expire(self, max_age: float, *, now: float | None = None) -> list[str]:
        """Forget the documents first seen more than ``max_age`` seconds before ``now``
        (default the wall clock), and return their ids in the order they were added. A
        later copy of a forgotten document is kept, as new. ``max_age`` is in seconds:
        ``index.expire(30 * 86_400)`` forgets what was first seen more than 30 days ago
        (``newsclean dedup --max-age`` counts days).

        >>> index = DedupIndex()
        >>> story = "The ministry said exports of rice rose by a tenth in the first half of the year."
        >>> _ = index.add(story, id="old", now=1_000.0)
        >>> index.expire(86_400, now=1_000.0 + 2 * 86_400)
        ['old']
        >>> index.add(story, id="again", now=1_000.0 + 2 * 86_400).new
        True
        """
        cutoff = seen_time(now) - check_age(max_age)
        with self._lock:
            live = np.array([s for s in range(len(self._ids)) if self._ids[s] is not None], dtype=np.int64)
            old = live[self._seen[live] < cutoff] if len(live) else live
            gone = [str(self._ids[s]) for s in old.tolist()]
            for slot in old.tolist():
                self._drop(slot)
        return gone

    def __len__(self) -> int:
        return len(self._slot)

    def __contains__(self, id: object) -> bool:
        return id in self._slot

    def __repr__(self) -> str:
        return f"DedupIndex({self.params!r}, documents={len(self)})"

    def __getstate__(self) -> dict[str, Any]:
        with self._lock:
            state = dict(self.__dict__)
        del state["_lock"]  # (a lock does not pickle; the copy gets its own)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    # -- boilerplate --------------------------------------------------------------------

    def is_boilerplate(self, paragraph: str) -> bool:
        """Whether a paragraph recurs in at least ``boilerplate_min_docs`` indexed documents."""
        with self._lock:
            count = self._paragraph_counts().get(paragraph_hash(key(paragraph)), 0)
        return count >= self.params.boilerplate_min_docs

    def boilerplate_hashes(self) -> frozenset[int]:
        """The hashes of the paragraphs that recur in at least ``boilerplate_min_docs``
        indexed documents."""
        n = self.params.boilerplate_min_docs
        with self._lock:
            return frozenset(h for h, count in self._paragraph_counts().items() if count >= n)

    # -- inside -------------------------------------------------------------------------

    def _paragraph_counts(self) -> Counter[int]:
        """Kept documents per paragraph hash (counted now if never asked before)."""
        if self._paragraph_docs is None:
            self._paragraph_docs = Counter(
                itertools.chain.from_iterable(_hashes(p) for p, i in zip(self._paragraphs, self._ids) if i is not None)
            )
        return self._paragraph_docs

    def _score(self, a: U32, b: U32) -> float | None:
        """The Jaccard similarity of two sets if the rule takes them as one story."""
        inter = overlap(a, b)
        if not self.params.matches(inter, len(a), len(b)):
            return None
        return inter / (len(a) + len(b) - inter)

    def _decide_and_add(self, batch: Batch, doc_ids: list[str], seen: float) -> list[AddResult]:
        """Decide every document of the batch in order and add the ones that are kept, by
        the kernels of ``_decide`` (the engines' lake path runs them too).

        Documents of the batch with one story body (one digest) share their candidates:
        only the first of them (its representative) is looked up and paired. The later
        ones are never kept (the representative, or what it copies, is a copy of them
        with similarity 1 or better than the rest), so they need no pairs of their own."""
        params, n = self.params, len(doc_ids)
        sizes = np.diff(batch.offsets)
        keys = bucket_keys(batch.bands)
        bands = keys.shape[1]
        rep, live = representatives(batch.digests, sizes)
        # Candidates among the indexed documents, then among the batch's representatives.
        n_slots = max(len(self._ids), 1)
        codes = self._buckets.pairs(keys[live].ravel(), np.repeat(live, bands), n_slots)
        inner = pairs_within(keys[live], live)
        # A pair is (a, other): ``a`` the later document, a position in the batch; ``other``
        # a position in the batch too, or ``n`` plus a position in ``involved`` (the
        # indexed documents still proposed). The pairs with indexed documents are
        # filtered a range at a time: most go, and their arrays would be most of the
        # batch's memory.
        ratio = min(params.threshold, params.min_ratio)
        kept_a: list[I64] = []
        kept_slots: list[I64] = []
        for at in range(0, len(codes), _PAIRS_STEP):
            docs, slots = np.divmod(codes[at : at + _PAIRS_STEP], n_slots)
            ok = _able(sizes[docs], self._sizes[slots], ratio)
            docs, slots = docs[ok], slots[ok]
            ok = chance_ok(batch.checks, docs, slots, params, self._checks)
            kept_a.append(docs[ok])
            kept_slots.append(slots[ok])
        del codes
        a_in, other_in = inner[:, 1], inner[:, 0]
        ok = _able(sizes[a_in], sizes[other_in], ratio)
        a_in, other_in = a_in[ok], other_in[ok]
        ok = chance_ok(batch.checks, a_in, other_in, params)
        far_slots = np.concatenate(kept_slots) if kept_slots else np.zeros(0, dtype=np.int64)
        involved = unique(far_slots)
        a = np.concatenate([*kept_a, a_in[ok]])
        other = np.concatenate([n + np.searchsorted(involved, far_slots), other_in[ok]])
        # The shingle sets of the batch, then of the indexed documents still in a pair.
        gathered = [self._shingles[s] for s in involved.tolist()]
        sets = np.concatenate([batch.sets, *gathered]) if gathered else batch.sets
        offsets = np.concatenate([batch.offsets, batch.offsets[-1] + np.cumsum(self._sizes[involved])])
        good, sims = verify(sets, offsets, a, other, params)
        # Every match of each representative, as (rank, similarity): the rank of an
        # indexed document is its slot, of a batch document ``base`` plus its position;
        # the earliest is the lowest rank.
        base = len(self._ids)
        a, other = a[good], other[good]
        ranks_other = np.where(other >= n, involved[np.maximum(other - n, 0)] if len(involved) else 0, base + other)
        matches = match_lists(a, ranks_other, sims[good], base)
        kept: dict[int, int] = {}  # batch position -> slot, for the batch's kept documents
        try:
            return decide_in_order(doc_ids, batch.digests, sizes, rep, matches, base, _Slots(self, batch, seen), kept)
        finally:
            # The kept documents' buckets, as one sorted run (the batch's later documents
            # met its earlier ones through ``inner`` already), and their paragraphs.
            with_sets = [(j, slot) for j, slot in kept.items() if sizes[j]]
            if with_sets:
                rows = np.array([j for j, _ in with_sets], dtype=np.int64)
                owners = np.repeat(np.array([slot for _, slot in with_sets], dtype=np.int32), bands)
                self._buckets.add(keys[rows].ravel(), owners)
            if self._paragraph_docs is not None:
                self._paragraph_docs.update(itertools.chain.from_iterable(batch.paragraphs[j] for j in kept))

    def _append(self, doc_id: str, fp: Fingerprint, seen: float) -> int:
        """Give a document the next slot, first seen at ``seen`` (its buckets and
        paragraph counts are the caller's to fill), and return it."""
        slot = len(self._ids)
        self._slot[doc_id] = slot
        self._ids.append(doc_id)
        # Copies: a batch's fingerprints are views of its arrays, which would otherwise
        # stay in memory whole (dropped documents included) while one of them is kept.
        self._shingles.append(fp.shingles.copy())
        self._paragraphs.append(np.array(fp.paragraphs, dtype=np.int64).tobytes())
        self._digests.append(fp.digest)
        if slot >= len(self._checks):
            grown = np.zeros((max(1024, 2 * len(self._checks)), self.params.num_perm), dtype=np.uint8)
            grown[: len(self._checks)] = self._checks
            self._checks = grown
            self._sizes = np.concatenate([self._sizes, np.zeros(len(grown) - len(self._sizes), dtype=np.int64)])
            times = np.zeros(len(grown), dtype=np.float64)
            times[: len(self._seen)] = self._seen
            self._seen = times
        self._sizes[slot] = len(fp.shingles)
        self._seen[slot] = seen
        if fp.check is not None:
            self._checks[slot] = fp.check
        return slot

    def _drop(self, slot: int) -> None:
        """Forget the document in ``slot``: its buckets skip it from now on."""
        doc_id = self._ids[slot]
        assert doc_id is not None
        del self._slot[doc_id]
        self._buckets.forget(slot, live=len(self._slot))
        if self._paragraph_docs is not None:
            self._paragraph_docs.subtract(_hashes(self._paragraphs[slot]))
        self._ids[slot] = None
        self._shingles[slot] = _NO_SET
        self._paragraphs[slot] = b""
        self._sizes[slot] = 0

    # -- files --------------------------------------------------------------------------

    def close(self) -> None:
        """Save the index to ``path`` (atomically), if it has one; an index in memory
        alone has nothing to finish."""
        if self.path is not None:
            self.save(self.path)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the index to ``path`` atomically: a crash leaves the previous file intact.
        The file keeps the permissions of the one it replaces (a new one gets those the
        umask gives); a symbolic link at ``path`` is followed (the file it names is
        replaced, the link stays).

        The file is a zip of ``.npy`` arrays (``numpy.savez``) plus ``header.json``, the
        parameter header; see docs/index-format.md. The saved file is the whole index: a
        journal beside it (``PATH.journal``, which ``newsclean dedup`` appends to) is
        removed once the file is in place, else the next ``load`` would fold in again what
        the journal held (documents removed or expired since would come back). Not while a
        ``newsclean dedup`` run holds the file (it locks ``PATH.lock``).
        """
        with self._lock:
            live = [s for s, i in enumerate(self._ids) if i is not None]
            shingles = [self._shingles[s] for s in live]
            offsets = np.zeros(len(live) + 1, dtype=np.int64)
            np.cumsum([len(x) for x in shingles], out=offsets[1:])
            paragraphs = [self._paragraphs[s] for s in live]
            p_offsets = np.zeros(len(live) + 1, dtype=np.int64)
            np.cumsum([len(x) // 8 for x in paragraphs], out=p_offsets[1:])
            sets = np.concatenate(shingles) if shingles else np.zeros(0, np.uint32)
            owner = np.repeat(np.arange(len(live), dtype=np.int64), np.diff(offsets))
            arrays: dict[str, np.ndarray] = {
                "shingles": sets,
                "shingle_offsets": offsets,
                "bands": minhash_of_sets(sets, owner, len(live), self.params)[0],  # (a function of the sets)
                "paragraphs": np.frombuffer(b"".join(paragraphs), dtype=np.int64),
                "paragraph_offsets": p_offsets,
                "first_seen": self._seen[np.array(live, dtype=np.int64)].astype("<f8"),
            }
            ids = [self._ids[s] for s in live]
            digests = [self._digests[s] for s in live]
            header = self.params.header() | {"documents": len(live)}
        with replacing(path) as f:
            with zipfile.ZipFile(f, "w", zipfile.ZIP_STORED) as z:
                z.writestr("header.json", json.dumps(header, sort_keys=True))
                z.writestr("ids.json", json.dumps(ids, ensure_ascii=False))
                z.writestr("digests.json", json.dumps(digests))
                for name, array in arrays.items():
                    buf = io.BytesIO()
                    np.save(buf, array, allow_pickle=False)
                    z.writestr(f"{name}.npy", buf.getvalue())
        from ._journal import journal_path

        journal_path(path).unlink(missing_ok=True)

    @classmethod
    def load(
        cls,
        path: str | os.PathLike[str],
        params: IndexParams | None = None,
        *,
        cleaner: Cleaner | None = None,
        journal: bool = True,
    ) -> DedupIndex:
        """Read an index file. With ``params``, refuse a file made with other parameters.
        ``close()`` of the index saves it back to ``path``.

        The documents that ``newsclean dedup`` wrote to ``PATH.journal`` since the file was
        last saved (and the ones it forgot) are folded in, unless ``journal`` is false; the
        journal itself is left as it is (docs/index-format.md)."""
        source = str(path)
        made: list[IndexParams] = []

        def params_of(header: dict[str, Any]) -> IndexParams:
            made.append(IndexParams.from_header(header, source))
            if params is not None:
                params.check(header, source)
            return made[0]

        try:
            header, ids, digests, arrays = read_index_file(path, params_of)
            written = os.stat(path).st_mtime
        except (FileNotFoundError, IndexFileError, SketchMismatchError):
            raise
        except (ValueError, TypeError) as err:  # (a header IndexParams refuses)
            raise IndexFileError(f"{source}: not a readable newsclean index ({err})") from None
        found = made[0]
        index = cls(found, cleaner=cleaner, path=path)
        try:
            offsets, p_offsets = arrays["shingle_offsets"], arrays["paragraph_offsets"]
            if not len(ids) == len(digests) == header.get("documents") or len(offsets) != len(ids) + 1:
                raise ValueError("document counts disagree")
            # (The file's band keys must have their shape; they are made again from the sets.)
            arrays["bands"].astype(np.uint64).reshape(len(ids), found.bands[0])
            shingles = arrays["shingles"].astype(np.uint32)
            owner = np.repeat(np.arange(len(ids), dtype=np.int64), np.diff(offsets))
            bands, checks = minhash_of_sets(shingles, owner, len(ids), found)  # (functions of the sets)
            # (A file saved before the times were kept: its documents were first seen by
            # the time it was written, so they are forgotten no sooner than they should be.)
            seen = arrays["first_seen"].tolist() if "first_seen" in arrays else [written] * len(ids)
            for n, doc_id in enumerate(ids):
                fp = Fingerprint(
                    shingles[offsets[n] : offsets[n + 1]],
                    bands[n],
                    tuple(arrays["paragraphs"][p_offsets[n] : p_offsets[n + 1]].tolist()),
                    found,
                    digests[n],
                    checks[n],
                )
                index._append(str(doc_id), fp, seen[n])
            with_sets = np.flatnonzero(np.diff(offsets) > 0)
            index._buckets.add(
                bucket_keys(bands[with_sets]).ravel(), np.repeat(with_sets.astype(np.int32), found.bands[0])
            )
        except (KeyError, ValueError, IndexError, TypeError) as err:
            raise IndexFileError(f"{source}: inconsistent newsclean index ({err})") from None
        if journal:
            from ._journal import Journal

            Journal(path, found).replay(index, repair=False)
        return index


class _Slots:
    """``_decide.Kept`` over a ``DedupIndex`` deciding ``batch`` (its lock held)."""

    def __init__(self, index: DedupIndex, batch: Batch, seen: float) -> None:
        self.index, self.batch, self.seen = index, batch, seen

    def slot_of(self, doc_id: str) -> int | None:
        return self.index._slot.get(doc_id)

    def digest_of(self, slot: int) -> str:
        return self.index._digests[slot]

    def id_at(self, slot: int) -> str | None:
        return self.index._ids[slot]

    def keep(self, j: int, doc_id: str, old: int | None) -> int:
        if old is not None:
            self.index._drop(old)
        return self.index._append(doc_id, self.batch[j], self.seen)


class _Buckets:
    """LSH buckets: which slots hold each (salted) band key, 8 bytes an entry: a key is
    kept as its top 32 bits (``_short``; two keys that differ only below them meet by
    chance once in 2**32, and would only propose a pair, which the check bytes nearly
    always drop and exact overlap decides). The keys are split by their top bits into
    ``_PARTS`` ranges (band keys are hashes: the ranges fill alike), and each range holds
    sorted runs of ``(key, slot)`` arrays: a new run per batch, runs of similar size merged,
    so a lookup searches O(log n) runs. Merging holds two runs and their merge at once:
    split so, at most an eighth of the entries, not all of them twice. Forgotten slots are
    skipped at lookup, and their entries dropped once they outnumber the documents kept."""

    def __init__(self) -> None:
        self._parts: list[list[tuple[U32, I32]]] = [[] for _ in range(_PARTS)]
        self._dead: set[int] = set()

    def add(self, keys: U64, slots: I32) -> None:
        short = _short(keys)
        order = np.argsort(short)  # (a bucket's slots in any order: lookups take them all)
        short, slots = short[order], slots[order]
        bounds = np.searchsorted(short, _PART_STARTS).tolist() + [len(short)]
        for part, a, b in zip(self._parts, bounds, bounds[1:]):
            if b == a:
                continue  # (an empty run would be searched, and indexed at -1, by every lookup)
            part.append((short[a:b].copy(), slots[a:b].copy()))
            while len(part) > 1 and len(part[-2][0]) <= 2 * len(part[-1][0]):
                part[-2:] = [_merge(*part[-2], *part[-1])]

    def forget(self, slot: int, live: int) -> None:
        """Skip ``slot`` from now on (``live``: the documents still kept)."""
        self._dead.add(slot)
        if len(self._dead) > max(live, 1024):
            dead = np.fromiter(self._dead, dtype=np.int32, count=len(self._dead))
            for p, part in enumerate(self._parts):
                runs = [(k[keep], s[keep]) for k, s in part for keep in [~np.isin(s, dead)]]
                self._parts[p] = [run for run in runs if len(run[0])]
            self._dead.clear()

    def lookup(self, queries: U64) -> tuple[I64, I64]:
        """Every ``(query position, slot)`` whose slot holds that query's key."""
        found = list(self._hits(queries))
        if not found:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        q = np.concatenate([q for q, _ in found])
        s = np.concatenate([s for _, s in found]).astype(np.int64)
        return q, s

    def pairs(self, queries: U64, owners: I64, n_slots: int) -> I64:
        """The distinct ``(owners[query position], slot)`` of ``lookup(queries)``, as the
        sorted codes ``owner * n_slots + slot``: 8 bytes a hit at most (on a stream whose
        stories share phrases, a batch finds some hundred slots a document, nearly all of
        them by chance)."""
        codes = [owners[q] * np.int64(n_slots) + s for q, s in self._hits(queries)]
        if not codes:
            return np.zeros(0, dtype=np.int64)
        found = np.concatenate(codes)
        del codes
        return unique(found, overwrite=True)

    def _hits(self, queries: U64) -> Iterator[tuple[I64, I32]]:
        """Per run, the ``(query positions, slots)`` of its entries with a query's key,
        forgotten slots left out."""
        short = _short(queries)
        order = np.argsort(short)  # (sorted needles: each search walks the run in order)
        needles = short[order]
        bounds = np.searchsorted(needles, _PART_STARTS).tolist() + [len(needles)]
        dead = np.fromiter(self._dead, dtype=np.int32, count=len(self._dead)) if self._dead else None
        for part, a, b in zip(self._parts, bounds, bounds[1:]):
            for keys, slots in part if b > a else ():
                lo = np.searchsorted(keys, needles[a:b])
                hit = np.flatnonzero(keys[np.minimum(lo, len(keys) - 1)] == needles[a:b])
                if not len(hit):
                    continue
                # (Most needles miss: the end of a bucket is only looked for where one was found.)
                per = np.searchsorted(keys, needles[a + hit], "right") - lo[hit]
                q = np.repeat(order[a + hit], per)
                starts = np.repeat(lo[hit] - np.cumsum(per) + per, per)
                s = slots[starts + np.arange(len(q))]
                if dead is not None:
                    alive = ~np.isin(s, dead)
                    q, s = q[alive], s[alive]
                yield q, s


_PARTS = 8  # key ranges of the buckets (by the top 3 bits of a key)
_PART_STARTS = np.arange(_PARTS, dtype=np.uint32) << np.uint32(29)  # the least (short) key of each range


def _short(keys: U64) -> U32:
    """The top 32 bits of 64-bit band keys: what the buckets keep of a key."""
    return (keys >> np.uint64(32)).astype(np.uint32)


def _merge(k1: U32, s1: I32, k2: U32, s2: I32) -> tuple[U32, I32]:
    """Two sorted runs as one, in one pass: each entry of the second goes after the
    first's entries with keys up to its own (the memory: the result, a position per
    entry of the second run, and a flag per entry)."""
    at = np.searchsorted(k1, k2, side="right") + np.arange(len(k2))
    first = np.ones(len(k1) + len(k2), dtype=bool)
    first[at] = False
    keys, slots = np.empty(len(first), dtype=k1.dtype), np.empty(len(first), dtype=s1.dtype)
    keys[at], slots[at] = k2, s2
    keys[first], slots[first] = k1, s1
    return keys, slots


def _hashes(packed: bytes) -> list[int]:
    """A slot's paragraph hashes, as ``DedupIndex`` keeps them (8 bytes each)."""
    hashes: list[int] = np.frombuffer(packed, dtype=np.int64).tolist()
    return hashes


_NO_SET = np.zeros(0, dtype=np.uint32)  # (the shingle set of a forgotten slot)
_NO_SET.setflags(write=False)


_PAIRS_STEP = 1 << 16  # pairs with indexed documents filtered at a time


def _able(size_a: I64, size_b: I64, ratio: float) -> npt.NDArray[np.bool_]:
    """Which pairs of sets of these sizes could match: the Jaccard similarity of two sets
    is at most the smaller size over the larger."""
    return np.minimum(size_a, size_b) >= ratio * np.maximum(size_a, size_b)


def _as_batch(prints: Sequence[Fingerprint], params: IndexParams) -> Batch:
    """Fingerprints as one ``Batch`` of arrays."""
    sizes = np.array([len(fp.shingles) for fp in prints], dtype=np.int64)
    offsets = np.zeros(len(prints) + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])
    sets = np.concatenate([fp.shingles for fp in prints]).astype(np.uint32) if prints else np.zeros(0, np.uint32)
    rows = (
        np.stack([fp.bands for fp in prints]).astype(np.uint64) if prints else np.zeros((0, params.bands[0]), np.uint64)
    )
    checks = np.zeros((len(prints), params.num_perm), dtype=np.uint8)  # (no check bytes: every pair passes)
    for i, fp in enumerate(prints):
        if fp.check is not None:
            checks[i] = fp.check
    return Batch(sets, offsets, rows, [fp.paragraphs for fp in prints], [fp.digest for fp in prints], checks, params)
