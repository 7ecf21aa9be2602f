"""The embedded index: in memory, saved to and loaded from a file."""

from __future__ import annotations

import dataclasses
import io
import itertools
import json
import os
import tempfile
import threading
import zipfile
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .._clean import Cleaner
from .._errors import IndexFileError
from .._normalize import key
from ._fingerprint import (
    Fingerprint,
    IndexParams,
    as_fingerprint,
    check_fingerprints,
    check_ids,
    fingerprint_texts,
    jaccard32,
    minhash_of,
    paragraph_hash,
)


@dataclasses.dataclass(frozen=True)
class AddResult:
    """What adding a document did.

    Attributes:
        id: the document's id (given, or the 0-based count of documents offered so far).
        new: True if it was added; False if it duplicates an indexed document (or its id
            is already indexed), in which case it was not added.
        duplicate_of: the id of the indexed document it duplicates, else ``None``.
        similarity: the exact Jaccard similarity to that document, else ``None``.
    """

    id: str
    new: bool
    duplicate_of: str | None = None
    similarity: float | None = None


class DedupIndex:
    """A near-duplicate index of documents, in memory. First added wins.

    Documents are compared on their clean body (credits, datelines, in-document repeats
    removed). LSH proposes candidates; the exact Jaccard
    similarity of the shingle sets decides. ``add`` is safe to call from several threads.

    >>> index = DedupIndex()
    >>> story = "The central bank kept its policy rate unchanged on Tuesday, citing risks to growth."
    >>> index.add("HANOI (VNA) — " + story, id="a").new
    True
    >>> index.add("BEIJING (Xinhua) -- " + story + " -- AFP", id="b")
    AddResult(id='b', new=False, duplicate_of='a', similarity=1.0)
    >>> len(index), "a" in index, "b" in index
    (1, True, False)
    """

    def __init__(self, params: IndexParams | None = None, /, *, cleaner: Cleaner | None = None, **changes: Any) -> None:
        base = params if params is not None else IndexParams()
        self.params: IndexParams = dataclasses.replace(base, **changes) if changes else base
        self.cleaner: Cleaner = cleaner if cleaner is not None else Cleaner()
        self._lock = threading.Lock()
        self._ids: list[str | None] = []  # slot -> id (None once removed)
        self._shingles: list[np.ndarray] = []
        self._bands: list[np.ndarray] = []
        self._paragraphs: list[tuple[int, ...]] = []
        self._slot: dict[str, int] = {}
        # One dict for every band (see _bucket_keys). A bucket holds one slot, or a list of
        # slots once a second document lands in it.
        self._buckets: dict[int, int | list[int]] = {}
        self._paragraph_docs: Counter[int] = Counter()
        self._offered = 0

    # -- documents ----------------------------------------------------------------------

    def add(self, text: str, id: str | None = None) -> AddResult:
        """Add a document unless it duplicates an indexed one."""
        return self.add_many([text], None if id is None else [id])[0]

    def add_many(self, texts: Sequence[str], ids: Sequence[str] | None = None, *, workers: int = 1) -> list[AddResult]:
        """Add documents in order, as one batch (later ones are compared with earlier ones).

        ``workers`` > 1 cleans and fingerprints the batch in that many processes (the
        adding stays in this one): worth it for batches of thousands of documents."""
        check_ids(texts, ids)
        return self.add_fingerprints(self.fingerprint(texts, workers=workers), ids)

    def fingerprint(self, texts: Sequence[str], *, workers: int = 1) -> list[Fingerprint]:
        """Clean and fingerprint documents, the costly half of ``add_many``, without
        touching the index: a fingerprint depends only on the text, the cleaner and the
        parameters, so it can be made in other threads, processes or machines.

        >>> index = DedupIndex()
        >>> prints = index.fingerprint(["HANOI (VNA) — Exports rose by a tenth in May, the ministry said."])
        >>> index.add_fingerprints(prints, ["a"])[0].new, index.query(prints[0]).duplicate_of
        (True, 'a')
        """
        return fingerprint_texts(texts, self.cleaner, self.params, workers)

    def add_fingerprints(self, prints: Sequence[Fingerprint], ids: Sequence[str] | None = None) -> list[AddResult]:
        """Add documents given as fingerprints (from ``fingerprint()`` of an index with the
        same parameters; others raise ``SketchMismatchError``), in order."""
        check_ids(prints, ids)
        check_fingerprints(prints, self.params)
        if not prints:
            return []
        buckets = _bucket_keys(np.stack([fp.bands for fp in prints]))  # one row a document
        with self._lock:
            results = []
            table, no_candidate = self._buckets, self._buckets.keys().isdisjoint
            added: list[tuple[int, ...]] = []  # paragraphs of the documents added, counted at the end
            try:
                for n, (fp, row) in enumerate(zip(prints, buckets)):
                    doc_id = str(ids[n]) if ids is not None else str(self._offered)
                    self._offered += 1
                    if doc_id in self._slot or not no_candidate(row):
                        results.append(self._add(doc_id, fp, row, added))
                        continue
                    # Most documents: no candidate at all, and every bucket is new. (A plain
                    # loop: twice as fast as update(dict.fromkeys(...)) for 21 keys. Two equal
                    # keys of one document, a 2**-64 chance, put it in that bucket once.)
                    slot = self._append(doc_id, fp)
                    for k in row:
                        table[k] = slot
                    added.append(fp.paragraphs)
                    results.append(AddResult(doc_id, True))
            finally:
                self._paragraph_docs.update(itertools.chain.from_iterable(added))
            return results

    def query(self, document: str | Fingerprint) -> AddResult:
        """What ``add`` would say of a text or fingerprint, without adding (the id of the
        result is ``""``)."""
        fp = as_fingerprint(document, self.cleaner, self.params)
        with self._lock:
            match = self._best(fp, list(map(self._buckets.get, _bucket_keys(fp.bands))))
        if match is None:
            return AddResult("", True)
        return AddResult("", False, self._ids[match[0]], match[1])

    def remove(self, id: str) -> None:
        """Forget a document (``KeyError`` if it is not indexed)."""
        with self._lock:
            slot = self._slot.pop(id)
            for k in _bucket_keys(self._bands[slot]):
                held = self._buckets[k]
                if isinstance(held, list):
                    held.remove(slot)
                    if len(held) == 1:
                        self._buckets[k] = held[0]
                else:
                    del self._buckets[k]
            self._paragraph_docs.subtract(self._paragraphs[slot])
            self._ids[slot] = None
            self._shingles[slot] = np.zeros(0, dtype=np.uint32)

    def __len__(self) -> int:
        return len(self._slot)

    def __contains__(self, id: object) -> bool:
        return id in self._slot

    def __repr__(self) -> str:
        return f"DedupIndex({self.params!r}, documents={len(self)})"

    def minhash(self, text: str) -> Any:
        """The document's MinHash as a ``datasketch.LeanMinHash``, for datasketch's tools
        (its LSH, LSH Forest, ...). Decisions here never rest on it: they are exact."""
        return minhash_of(text, self.cleaner, self.params)

    # -- boilerplate --------------------------------------------------------------------

    def is_boilerplate(self, paragraph: str) -> bool:
        """Whether a paragraph recurs in at least ``boilerplate_min_docs`` indexed documents."""
        return self._paragraph_docs.get(paragraph_hash(key(paragraph)), 0) >= self.params.boilerplate_min_docs

    def boilerplate_hashes(self) -> frozenset[int]:
        n = self.params.boilerplate_min_docs
        return frozenset(h for h, count in self._paragraph_docs.items() if count >= n)

    # -- inside -------------------------------------------------------------------------

    def _best(self, fp: Fingerprint, held: list[int | list[int] | None]) -> tuple[int, float] | None:
        """The most similar indexed document at or above the threshold, among those that
        share a bucket with ``fp`` (``held``: what each of its buckets holds)."""
        candidates: set[int] = set()
        for h in held:
            if h is None:
                continue
            if isinstance(h, list):
                candidates.update(h)
            else:
                candidates.add(h)
        best = None
        for slot in sorted(candidates):  # earliest first: ties go to the first added
            s = jaccard32(fp.shingles, self._shingles[slot])
            if s >= self.params.threshold and (best is None or s > best[1]):
                best = (slot, s)
        return best

    def _add(self, doc_id: str, fp: Fingerprint, buckets: list[int], added: list[tuple[int, ...]]) -> AddResult:
        """Add a document that may have candidates (or whose id is taken); append its
        paragraphs to ``added`` if it is added."""
        if doc_id in self._slot:
            return AddResult(doc_id, False, doc_id, 1.0)
        held = list(map(self._buckets.get, buckets))
        match = self._best(fp, held)
        if match is not None:
            return AddResult(doc_id, False, self._ids[match[0]], match[1])
        self._fill(self._append(doc_id, fp), buckets, held)
        added.append(fp.paragraphs)
        return AddResult(doc_id, True)

    def _fill(self, slot: int, buckets: list[int], held: list[int | list[int] | None] | None = None) -> None:
        """Put ``slot`` in its ``buckets`` (``held``: what each holds now, if at hand)."""
        table = self._buckets
        for k, h in zip(buckets, held if held is not None else map(table.get, buckets)):
            if h is None:
                table[k] = slot
            elif isinstance(h, list):
                h.append(slot)
            else:
                table[k] = [h, slot]

    def _append(self, doc_id: str, fp: Fingerprint) -> int:
        """Give a document the next slot (its buckets and paragraph counts are the
        caller's to fill), and return it."""
        slot = len(self._ids)
        self._slot[doc_id] = slot
        self._ids.append(doc_id)
        self._shingles.append(fp.shingles)
        self._bands.append(fp.bands)
        self._paragraphs.append(fp.paragraphs)
        return slot

    # -- files --------------------------------------------------------------------------

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the index to ``path`` atomically: a crash leaves the previous file intact.

        The file is a zip of ``.npy`` arrays (``numpy.savez``) plus ``header.json``, the
        parameter header; see docs/index-format.md.
        """
        with self._lock:
            live = [s for s, i in enumerate(self._ids) if i is not None]
            shingles = [self._shingles[s] for s in live]
            offsets = np.zeros(len(live) + 1, dtype=np.int64)
            np.cumsum([len(x) for x in shingles], out=offsets[1:])
            paragraphs = [self._paragraphs[s] for s in live]
            p_offsets = np.zeros(len(live) + 1, dtype=np.int64)
            np.cumsum([len(x) for x in paragraphs], out=p_offsets[1:])
            arrays = {
                "shingles": np.concatenate(shingles) if shingles else np.zeros(0, np.uint32),
                "shingle_offsets": offsets,
                "bands": np.array([self._bands[s] for s in live], dtype=np.uint64).reshape(
                    len(live), self.params.bands[0]
                ),
                "paragraphs": np.fromiter((h for p in paragraphs for h in p), dtype=np.int64),
                "paragraph_offsets": p_offsets,
            }
            ids = [self._ids[s] for s in live]
            header = self.params.header() | {"documents": len(live), "offered": self._offered}
        target = Path(path)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent or ".")
        try:
            with os.fdopen(fd, "wb") as f:
                with zipfile.ZipFile(f, "w", zipfile.ZIP_STORED) as z:
                    z.writestr("header.json", json.dumps(header, sort_keys=True))
                    z.writestr("ids.json", json.dumps(ids, ensure_ascii=False))
                    for name, array in arrays.items():
                        buf = io.BytesIO()
                        np.save(buf, array, allow_pickle=False)
                        z.writestr(f"{name}.npy", buf.getvalue())
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @classmethod
    def load(
        cls, path: str | os.PathLike[str], params: IndexParams | None = None, *, cleaner: Cleaner | None = None
    ) -> DedupIndex:
        """Read an index file. With ``params``, refuse a file made with other parameters."""
        source = str(path)
        try:
            with zipfile.ZipFile(path) as z:
                bad = z.testzip()
                if bad is not None:
                    raise IndexFileError(f"{source}: corrupt member {bad}")
                header = json.loads(z.read("header.json"))
                ids = json.loads(z.read("ids.json"))
                arrays = {
                    n[:-4]: np.load(io.BytesIO(z.read(n)), allow_pickle=False)
                    for n in z.namelist()
                    if n.endswith(".npy")
                }
        except FileNotFoundError:
            raise
        except (zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError) as err:
            raise IndexFileError(f"{source}: not a readable newsclean index ({err})") from None
        found = IndexParams.from_header(header, source)
        if params is not None:
            params.check(header, source)
        index = cls(found, cleaner=cleaner)
        try:
            offsets, p_offsets = arrays["shingle_offsets"], arrays["paragraph_offsets"]
            if len(ids) != header.get("documents") or len(offsets) != len(ids) + 1:
                raise ValueError("document counts disagree")
            buckets = _bucket_keys(arrays["bands"]) if ids else []
            for n, doc_id in enumerate(ids):
                fp = Fingerprint(
                    arrays["shingles"][offsets[n] : offsets[n + 1]],
                    arrays["bands"][n],
                    tuple(arrays["paragraphs"][p_offsets[n] : p_offsets[n + 1]].tolist()),
                    found,
                )
                index._fill(index._append(doc_id, fp), buckets[n])
            index._paragraph_docs.update(itertools.chain.from_iterable(index._paragraphs))
        except (KeyError, ValueError, IndexError) as err:
            raise IndexFileError(f"{source}: inconsistent newsclean index ({err})") from None
        index._offered = int(header.get("offered", len(ids)))
        return index


def _bucket_keys(bands: np.ndarray) -> Any:
    """The dict keys of a document's LSH buckets (a list), or of each row's for a 2-d array
    of documents (a list of lists), all bands in one dict: band ``b``'s key xor a fixed
    64-bit salt of ``b``, so that equal keys of two bands fall apart. (Two bands' keys
    meeting after the salt is a 2**-64 event, and would only propose a candidate: the exact
    Jaccard decides.)"""
    return (bands ^ _BAND_SALTS[: bands.shape[-1]]).tolist()


_BAND_SALTS = np.array([0] + [(b * 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF for b in range(1, 1024)], dtype=np.uint64)
