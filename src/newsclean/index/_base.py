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
import time
from collections.abc import Sequence
from types import TracebackType
from typing import Any, NamedTuple

from .._clean import Cleaner
from .._errors import OptionsError
from ._fingerprint import Fingerprint, IndexParams, check_ids, fingerprint_texts, minhash_of


class Match(NamedTuple):
    """An indexed document that a queried one matches: its id, and the exact Jaccard
    similarity of the two story bodies' shingle sets."""

    id: str
    similarity: float


def unnamed(digests: Sequence[str]) -> list[str]:
    """The ids of documents added as fingerprints without ids: their story bodies' names."""
    return [f"body:{digest}" for digest in digests]


@dataclasses.dataclass(frozen=True)
class AddResult:
    """What adding a document did.

    Attributes:
        id: the document's id (given, or named by its text or story body: see ``add``).
        new: True if it was added (``status`` ``"new"`` or ``"update"``).
        duplicate_of: the id of the indexed document it is a copy of, else ``None``.
        similarity: the exact Jaccard similarity of the two story bodies' shingle sets,
            else ``None``.
        status: ``"new"``; ``"duplicate"`` (a copy of another document);
            ``"repeat"`` (its id is indexed with the same story body: seen before);
            ``"update"`` (its id is indexed with another body, which this one replaces).
        matches: from ``query`` only (``add`` leaves it empty): every indexed document the
            rule takes as the same story, best first (the highest similarity; among equal
            ones, the earliest indexed); ``duplicate_of`` and ``similarity`` are the first.
            Not in the ``repr``.
    """

    id: str
    new: bool
    duplicate_of: str | None = None
    similarity: float | None = None
    status: str = "new"
    matches: tuple[Match, ...] = dataclasses.field(default=(), repr=False)


def seen_time(now: float | None) -> float:
    """A time of first sight: ``now`` as given (checked), else the wall clock."""
    if now is None:
        return time.time()
    if isinstance(now, bool) or not isinstance(now, (int, float)) or now != now or abs(now) == float("inf"):
        raise OptionsError(f"now must be seconds since the epoch, got {now!r}")
    return float(now)


def check_age(max_age: float) -> float:
    """``max_age`` (seconds) checked: a number, 0 or more."""
    if isinstance(max_age, bool) or not isinstance(max_age, (int, float)) or not max_age >= 0:
        raise OptionsError(f"max_age must be a number of seconds, 0 or more, got {max_age!r}")
    return float(max_age)


class Index(abc.ABC):
    """A near-duplicate index of documents: the contract ``DedupIndex`` and ``RedisIndex``
    keep, and what a function taking either should expect. First added wins.

    Documents are compared on their story body (credits and datelines out), by the rule of
    ``params`` (an ``IndexParams``); ``cleaner`` takes the bodies out. Every index is also
    what ``clean(index=...)`` accepts (``BoilerplateIndex``). ``with index:`` calls
    ``close()`` at the end of the block.

    Each document's time of first sight is kept (seconds since the epoch: the ``now`` of
    the call that added it, the wall clock unless given); ``expire`` forgets the documents
    first seen longer ago than an age, after which a later copy of one is kept again, as
    new. A repeat or a duplicate leaves the time as it was; an update (same id, another
    body) is first seen when it replaces the old body.
    """

    params: IndexParams
    cleaner: Cleaner

    def __init__(self, params: IndexParams | None, cleaner: Cleaner | None, changes: dict[str, Any]) -> None:
        base = params if params is not None else IndexParams()
        self.params = dataclasses.replace(base, **changes) if changes else base
        self.cleaner = cleaner if cleaner is not None else Cleaner()

    # -- the shared front ---------------------------------------------------------------

    def add(self, text: str, id: str | None = None, *, now: float | None = None) -> AddResult:
        """Add a document unless it is a copy of an indexed one (``now``: its time of first
        sight, seconds since the epoch; default the wall clock). Without an ``id``, it is
        named by its text (``"text:"`` and a digest of it, as ``newsclean dedup`` names a
        line without one): the same text again is a repeat, whichever process or run adds
        it, and no unnamed document takes the id of another."""
        if not isinstance(text, str):
            raise TypeError(f"add() takes a str, not {type(text).__name__}")
        return self.add_many([text], None if id is None else [id], now=now)[0]

    def add_many(
        self, texts: Sequence[str], ids: Sequence[str] | None = None, *, workers: int = 1, now: float | None = None
    ) -> list[AddResult]:
        """Add documents in order, as one batch (later ones are compared with earlier ones).

        ``workers`` > 1 takes story bodies and fingerprints in that many processes (the
        adding stays in this one): worth it for batches of thousands of documents. ``now``:
        the time of first sight of those kept (default the wall clock). Without ``ids``,
        each document is named by its text (see ``add``)."""
        check_ids(texts, ids)
        if ids is None:  # (named by their texts; one that is not a str is refused below)
            from .._tables import doc_id

            ids = [doc_id(None, text) if isinstance(text, str) else "" for text in texts]
        return self.add_fingerprints(self.fingerprint(texts, workers=workers), ids, now=now)

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
    def add_fingerprints(
        self, prints: Sequence[Fingerprint], ids: Sequence[str] | None = None, *, now: float | None = None
    ) -> list[AddResult]:
        """Add documents given as fingerprints (from ``fingerprint()`` of an index with the
        same parameters; others raise ``SketchMismatchError``), in order (``now``: see
        ``add_many``). Without ``ids``, each is named by its story body (``"body:"`` and
        its digest, ``Fingerprint.digest``)."""

    @abc.abstractmethod
    def query(self, document: str | Fingerprint) -> AddResult:
        """What ``add`` would say of a text or fingerprint, without adding (the id of the
        result is ``""``), with every match in ``matches``, best first."""

    @abc.abstractmethod
    def remove(self, id: str) -> None:
        """Forget a document (``KeyError`` if it is not indexed)."""

    @abc.abstractmethod
    def first_seen(self, id: str) -> float:
        """When a document was first seen (seconds since the epoch; ``KeyError`` if it is
        not indexed)."""

    @abc.abstractmethod
    def expire(self, max_age: float, *, now: float | None = None) -> list[str]:
        """Forget the documents first seen more than ``max_age`` seconds before ``now``
        (default the wall clock), and return their ids, oldest first. A later copy of a
        forgotten document is kept, as new."""

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
