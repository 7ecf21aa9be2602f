"""The embedded index: in memory, saved to and loaded from a file."""

from __future__ import annotations

import dataclasses
import io
import json
import os
import tempfile
import threading
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .._clean import Cleaner
from .._errors import IndexFileError
from .._normalize import key
from ._fingerprint import Fingerprint, IndexParams, fingerprint_texts, jaccard32, minhash_of, paragraph_hash


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
        self._buckets: list[dict[int, Any]] = [{} for _ in range(self.params.bands[0])]
        self._paragraph_docs: dict[int, int] = {}
        self._offered = 0

    # -- documents ----------------------------------------------------------------------

    def add(self, text: str, id: str | None = None) -> AddResult:
        """Add a document unless it duplicates an indexed one."""
        return self.add_many([text], None if id is None else [id])[0]

    def add_many(self, texts: Sequence[str], ids: Sequence[str] | None = None) -> list[AddResult]:
        """Add documents in order, as one batch (later ones are compared with earlier ones)."""
        if ids is not None and len(ids) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(ids)} ids")
        with self._lock:
            prints = self._fingerprints(texts)
            results = []
            for n, fp in enumerate(prints):
                doc_id = str(ids[n]) if ids is not None else str(self._offered)
                self._offered += 1
                results.append(self._add(doc_id, fp))
            return results

    def query(self, text: str) -> AddResult:
        """What ``add`` would say, without adding (the id of the result is ``""``)."""
        with self._lock:
            match = self._best(self._fingerprints([text])[0])
        if match is None:
            return AddResult("", True)
        return AddResult("", False, self._ids[match[0]], match[1])

    def remove(self, id: str) -> None:
        """Forget a document (``KeyError`` if it is not indexed)."""
        with self._lock:
            slot = self._slot.pop(id)
            for band, k in enumerate(self._bands[slot].tolist()):
                bucket = self._buckets[band]
                held = bucket[k]
                if isinstance(held, list):
                    held.remove(slot)
                    if len(held) == 1:
                        bucket[k] = held[0]
                else:
                    del bucket[k]
            for h in self._paragraphs[slot]:
                self._paragraph_docs[h] -= 1
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

    def _fingerprints(self, texts: Sequence[str]) -> list[Fingerprint]:
        return fingerprint_texts(texts, self.cleaner, self.params)

    def _best(self, fp: Fingerprint) -> tuple[int, float] | None:
        candidates: set[int] = set()
        for band, k in enumerate(fp.bands.tolist()):
            held = self._buckets[band].get(k)
            if held is None:
                continue
            if isinstance(held, list):
                candidates.update(held)
            else:
                candidates.add(held)
        best = None
        for slot in sorted(candidates):  # earliest first: ties go to the first added
            s = jaccard32(fp.shingles, self._shingles[slot])
            if s >= self.params.threshold and (best is None or s > best[1]):
                best = (slot, s)
        return best

    def _add(self, doc_id: str, fp: Fingerprint) -> AddResult:
        if doc_id in self._slot:
            return AddResult(doc_id, False, doc_id, 1.0)
        match = self._best(fp)
        if match is not None:
            return AddResult(doc_id, False, self._ids[match[0]], match[1])
        self._insert(doc_id, fp.shingles, fp.bands, fp.paragraphs)
        return AddResult(doc_id, True)

    def _insert(self, doc_id: str, shingles: np.ndarray, bands: np.ndarray, paragraphs: tuple[int, ...]) -> None:
        slot = len(self._ids)
        self._ids.append(doc_id)
        self._shingles.append(shingles)
        self._bands.append(bands)
        self._paragraphs.append(paragraphs)
        self._slot[doc_id] = slot
        for band, k in enumerate(bands.tolist()):
            bucket = self._buckets[band]
            held = bucket.setdefault(k, slot)
            if held != slot:
                if isinstance(held, list):
                    held.append(slot)
                else:
                    bucket[k] = [held, slot]
        for h in paragraphs:
            self._paragraph_docs[h] = self._paragraph_docs.get(h, 0) + 1

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
            for n, doc_id in enumerate(ids):
                index._insert(
                    doc_id,
                    arrays["shingles"][offsets[n] : offsets[n + 1]],
                    arrays["bands"][n],
                    tuple(arrays["paragraphs"][p_offsets[n] : p_offsets[n + 1]].tolist()),
                )
        except (KeyError, ValueError, IndexError) as err:
            raise IndexFileError(f"{source}: inconsistent newsclean index ({err})") from None
        index._offered = int(header.get("offered", len(ids)))
        return index
