"""The contract of a near-duplicate index, and the front its back ends share.

An index takes documents one at a time or in batches (``add``, ``add_many``), or as
fingerprints made elsewhere (``fingerprint`` then ``add_fingerprints``: a fingerprint
depends only on the text, the cleaner and the parameters), answers what adding would say
without adding (``query``), knows which paragraphs recur across stories (``is_boilerplate``,
``boilerplate_hashes``: what ``clean(index=...)`` asks of it), and is finished with
``close()`` (or a ``with`` block). The front (the constructor's parameters, ``add``,
``add_many``, ``fingerprint``, ``minhash``, ``with``) is written here once; each back end
(``DedupIndex`` in memory or a file, ``RedisIndex`` shared) writes how it decides, stores
and finishes.
"""

from __future__ import annotations

import abc
import dataclasses
from collections.abc import Sequence
from types import TracebackType
from typing import Any

from .._clean import Cleaner
from ._fingerprint import Fingerprint, IndexParams, check_ids, fingerprint_texts, minhash_of


@dataclasses.dataclass(frozen=True)
class AddResult:
    """What adding a document did.

    Attributes:
        id: the document's id (given, or the 0-based count of documents offered so far).
        new: True if it was added (``status`` ``"new"`` or ``"update"``).
        duplicate_of: the id of the indexed document it is a copy of, else ``None``.
        similarity: the exact Jaccard similarity of the two story bodies' shingle sets,
            else ``None``.
        status: ``"new"``; ``"duplicate"`` (a copy of another document);
            ``"repeat"`` (its id is indexed with the same story body: seen before);
            ``"update"`` (its id is indexed with another body, which this one replaces).
    """

    id: str
    new: bool
    duplicate_of: str | None = None
    similarity: float | None = None
    status: str = "new"


class Index(abc.ABC):
    """A near-duplicate index of documents: the contract ``DedupIndex`` and ``RedisIndex``
    keep, and what a function taking either should expect. First added wins.

    Documents are compared on their story body (credits and datelines out), by the rule of
    ``params`` (an ``IndexParams``); ``cleaner`` takes the bodies out. Every index is also
    what ``clean(index=...)`` accepts (``BoilerplateIndex``). ``with index:`` calls
    ``close()`` at the end of the block.
    """

    params: IndexParams
    cleaner: Cleaner

    def __init__(self, params: IndexParams | None, cleaner: Cleaner | None, changes: dict[str, Any]) -> None:
        base = params if params is not None else IndexParams()
        self.params = dataclasses.replace(base, **changes) if changes else base
        self.cleaner = cleaner if cleaner is not None else Cleaner()

    # -- the shared front ---------------------------------------------------------------

    def add(self, text: str, id: str | None = None) -> AddResult:
        """Add a document unless it is a copy of an indexed one."""
        return self.add_many([text], None if id is None else [id])[0]

    def add_many(self, texts: Sequence[str], ids: Sequence[str] | None = None, *, workers: int = 1) -> list[AddResult]:
        """Add documents in order, as one batch (later ones are compared with earlier ones).

        ``workers`` > 1 takes story bodies and fingerprints in that many processes (the
        adding stays in this one): worth it for batches of thousands of documents."""
        check_ids(texts, ids)
        return self.add_fingerprints(self.fingerprint(texts, workers=workers), ids)

    def fingerprint(self, texts: Sequence[str], *, workers: int = 1) -> list[Fingerprint]:
        """Take story bodies and fingerprint them, the costly half of ``add_many``,
        without touching the index: a fingerprint depends only on the text, the cleaner
        and the parameters, so it can be made in other threads, processes or machines."""
        return fingerprint_texts(texts, self.cleaner, self.params, workers)

    def minhash(self, text: str) -> Any:
        """The document's MinHash as a ``datasketch.LeanMinHash``, for datasketch's tools
        (its LSH, LSH Forest, ...). Decisions here never rest on it: they are exact."""
        return minhash_of(text, self.cleaner, self.params)

    def __enter__(self) -> Index:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    # -- what each back end writes --------------------------------------------------------

    @abc.abstractmethod
    def add_fingerprints(self, prints: Sequence[Fingerprint], ids: Sequence[str] | None = None) -> list[AddResult]:
        """Add documents given as fingerprints (from ``fingerprint()`` of an index with the
        same parameters; others raise ``SketchMismatchError``), in order."""

    @abc.abstractmethod
    def query(self, document: str | Fingerprint) -> AddResult:
        """What ``add`` would say of a text or fingerprint, without adding (the id of the
        result is ``""``)."""

    @abc.abstractmethod
    def remove(self, id: str) -> None:
        """Forget a document (``KeyError`` if it is not indexed)."""

    @abc.abstractmethod
    def is_boilerplate(self, paragraph: str) -> bool:
        """Whether a paragraph recurs in at least ``boilerplate_min_docs`` indexed documents."""

    @abc.abstractmethod
    def boilerplate_hashes(self) -> frozenset[int]:
        """The hashes of the paragraphs that recur in at least ``boilerplate_min_docs``
        indexed documents (what ``clean(index=...)`` asks for)."""

    @abc.abstractmethod
    def close(self) -> None:
        """Finish with the index: what it holds is kept where it lives (a file index is
        saved to its file, a Redis connection is closed). Calling it again is harmless."""

    @abc.abstractmethod
    def __len__(self) -> int: ...

    @abc.abstractmethod
    def __contains__(self, id: object) -> bool: ...
