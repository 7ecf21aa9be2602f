"""What the index keeps of a document: its parameters, and per document a compact sorted
set of 32-bit shingle hashes (for exact verification), the LSH band keys (for candidates)
and the hashes of its paragraphs' keys (to recognise site boilerplate)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from .._arrays import intersection_size, unique
from .._clean import Cleaner
from .._errors import SketchMismatchError
from .._lsh import band_keys
from .._normalize import keys
from .._options import SHINGLE_KINDS, _check_choice, _check_int, choose_bands
from .._shingle import HASH_NAME, shingle_hashes
from .._sketch import NORMALIZATION, SCHEME, SketchParams, signatures

FORMAT = "newsclean-index"
FORMAT_VERSION = 1
#: LSH bands are chosen so that a pair exactly at the threshold becomes a candidate with at
#: least this probability (the exact Jaccard then decides).
INDEX_RECALL = 0.99

U32 = npt.NDArray[np.uint32]
U64 = npt.NDArray[np.uint64]


@dataclasses.dataclass(frozen=True)
class IndexParams:
    """Every parameter that makes two indexes (or an index and a document) comparable.
    Saved in every index file and Redis namespace; opening one made with other parameters
    raises ``SketchMismatchError``.

    Attributes:
        threshold: Jaccard similarity of the documents' shingle sets at or above which a
            document is a near-duplicate of an indexed one.
        shingle_kind: ``"word"`` (default: compact, good for space-separated languages) or
            ``"char"`` (language-agnostic; use it for Chinese, Japanese, Thai).
        shingle_size: words or characters per shingle.
        num_perm: the number of MinHash permutations (datasketch ``affine32``).
        seed: the seed of the MinHash permutations.
        boilerplate_min_docs: a paragraph seen in at least this many distinct kept
            documents is site boilerplate.
    """

    threshold: float = 0.8
    shingle_kind: str = "word"
    shingle_size: int = 3
    num_perm: int = 128
    seed: int = 1
    boilerplate_min_docs: int = 5

    def __post_init__(self) -> None:
        from .._options import Options

        # The shared fields are validated exactly as clean()'s options are.
        Options(threshold=self.threshold, shingle_size=self.shingle_size, num_perm=self.num_perm, seed=self.seed)
        object.__setattr__(self, "threshold", float(self.threshold))
        _check_choice("shingle_kind", self.shingle_kind, SHINGLE_KINDS)
        _check_int("boilerplate_min_docs", self.boilerplate_min_docs, 2, 1_000_000_000)

    @property
    def bands(self) -> tuple[int, int]:
        """``(bands, rows)`` with recall >= 0.99 at the threshold (21 x 6 for 0.8, 128)."""
        return choose_bands(self.threshold, self.num_perm, INDEX_RECALL)

    @property
    def sketch(self) -> SketchParams:
        return SketchParams(self.num_perm, self.seed, self.shingle_kind, self.shingle_size)

    def header(self) -> dict[str, Any]:
        """The full parameter header, as saved and compared."""
        bands, rows = self.bands
        return {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "hash": HASH_NAME,
            "scheme": SCHEME,
            "normalization": NORMALIZATION,
            **dataclasses.asdict(self),
            "bands": bands,
            "rows": rows,
        }

    @classmethod
    def from_header(cls, header: dict[str, Any], source: str) -> IndexParams:
        if header.get("format") != FORMAT:
            raise SketchMismatchError(f"{source}: not a newsclean index (format {header.get('format')!r})")
        names = {f.name for f in dataclasses.fields(cls)}
        params = cls(**{k: v for k, v in header.items() if k in names})
        params.check(header, source)
        return params

    def check(self, header: dict[str, Any], source: str) -> None:
        """Refuse a header that differs from ours in any field."""
        mine = self.header()
        diffs = [f"{k}: {header.get(k)!r} != {mine[k]!r}" for k in mine if header.get(k) != mine[k]]
        if diffs:
            raise SketchMismatchError(f"{source} was made with other parameters ({'; '.join(diffs)})")

    def header_json(self) -> str:
        return json.dumps(self.header(), sort_keys=True)


@dataclasses.dataclass(frozen=True, eq=False)
class Fingerprint:
    """A document as the index sees it: what ``fingerprint()`` returns and
    ``add_fingerprints()`` takes. It depends only on the document, the cleaner and the
    parameters (never on what an index holds), so it can be made in another process or on
    another machine, pickled, and added later; an index refuses one made with other
    parameters (``SketchMismatchError``).

    Attributes:
        shingles: the sorted, unique 32-bit hashes of the clean body's shingles (exact
            Jaccard decides on them).
        bands: one LSH key per band (candidates come from them).
        paragraphs: the 64-bit hashes of the distinct paragraph keys (boilerplate counts).
        params: the parameters it was made with.
    """

    shingles: npt.NDArray[np.uint32]
    bands: npt.NDArray[np.uint64]
    paragraphs: tuple[int, ...]
    params: IndexParams


def paragraph_hash(paragraph_key: str) -> int:
    """A stable 64-bit hash of a paragraph key (never Python's ``hash()``)."""
    digest = hashlib.blake2b(paragraph_key.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "little") & 0x7FFFFFFFFFFFFFFF


def fingerprints(bodies: Sequence[Sequence[str]], params: IndexParams) -> list[Fingerprint]:
    """Fingerprints of documents given as their clean paragraphs, computed as one batch.

    Known boilerplate stays in: a fingerprint must not depend on what the index had seen
    when it was made (an original indexed before its site's footer was known as boilerplate
    would no longer match its republication), nor on how documents were batched."""
    paragraph_keys, hashes, offsets, sigs = _sketch(bodies, params)
    paragraph_hashes = [[paragraph_hash(k) for k in keys] for keys in paragraph_keys]
    bands = band_keys(sigs, *params.bands)
    return [
        Fingerprint(
            unique(hashes[offsets[i] : offsets[i + 1]].astype(np.uint32)),
            bands[i],
            tuple(sorted(set(paragraph_hashes[i]))),
            params,
        )
        for i in range(len(bodies))
    ]


def _sketch(bodies: Sequence[Sequence[str]], params: IndexParams) -> tuple[list[list[str]], U64, npt.NDArray[np.int64], U32]:
    """Per document (given as its clean paragraphs): its paragraph keys, its set of shingle
    hashes (CSR ``hashes, offsets``) and its MinHash signature, as one batch."""
    flat = keys([p for body in bodies for p in body])
    at = np.cumsum([0] + [len(body) for body in bodies]).tolist()
    paragraph_keys = [flat[at[i] : at[i + 1]] for i in range(len(bodies))]
    doc_keys = [" ".join(keys) for keys in paragraph_keys]
    hashes, offsets = shingle_hashes(doc_keys, params.shingle_size, params.shingle_kind)
    return paragraph_keys, hashes, offsets, signatures(hashes, offsets, params.sketch)


def fingerprint_texts(
    texts: Sequence[str], cleaner: Cleaner, params: IndexParams, workers: int = 1
) -> list[Fingerprint]:
    """Clean each text (credits, datelines, in-document repeats out), then fingerprint.

    With ``workers`` > 1 the texts are split into ``workers`` x 4 slices fingerprinted in
    forked processes (each fingerprint depends on its text alone, so the result is the
    same); worth it from a few hundred documents."""
    for n, text in enumerate(texts):
        if not isinstance(text, str):
            raise TypeError(f"document {n}: expected a str, not {type(text).__name__}")
    if workers > 1 and len(texts) >= 2 * _PARALLEL_SLICE:
        from .. import _forked

        size = max(_PARALLEL_SLICE, -(-len(texts) // (4 * workers)))
        starts = range(0, len(texts), size)
        # The workers inherit the texts, cleaner and parameters; only fingerprints travel.
        with _forked.pool(workers, (texts, cleaner, params)) as pool:
            parts = pool.map(_fingerprint_inherited, starts, [size] * len(starts))
            return [fp for part in parts for fp in part]
    return _fingerprint_slice(texts, cleaner, params)


# Documents fingerprinted as one batch (bounds the arrays of a batch), and the least
# number a worker process is given at a time.
_BATCH = 256
_PARALLEL_SLICE = 64

def _fingerprint_inherited(start: int, size: int) -> list[Fingerprint]:
    from .. import _forked

    texts, cleaner, params = _forked.inherited()
    return _fingerprint_slice(texts[start : start + size], cleaner, params)


def _fingerprint_slice(texts: Sequence[str], cleaner: Cleaner, params: IndexParams) -> list[Fingerprint]:
    out: list[Fingerprint] = []
    for a in range(0, len(texts), _BATCH):
        out += fingerprints([cleaner._clean(t)[1] for t in texts[a : a + _BATCH]], params)
    return out


def check_fingerprints(prints: Sequence[Fingerprint], params: IndexParams) -> None:
    """Refuse fingerprints made with other parameters than ``params``, naming the fields."""
    checked = params  # (the fingerprints of one batch share one parameters object)
    for n, fp in enumerate(prints):
        if not isinstance(fp, Fingerprint):
            raise TypeError(f"fingerprint {n}: expected a Fingerprint, not {type(fp).__name__}")
        if fp.params is not checked:
            if fp.params != params:
                params.check(fp.params.header(), f"fingerprint {n}")
            checked = fp.params


def check_ids(documents: Sequence[object], ids: Sequence[str] | None) -> None:
    if ids is not None and len(ids) != len(documents):
        raise ValueError(f"{len(documents)} documents but {len(ids)} ids")


def as_fingerprint(document: str | Fingerprint, cleaner: Cleaner, params: IndexParams) -> Fingerprint:
    """A text's fingerprint, or a fingerprint checked against ``params``."""
    if isinstance(document, Fingerprint):
        check_fingerprints([document], params)
        return document
    return fingerprint_texts([document], cleaner, params)[0]


def jaccard32(a: U32, b: U32) -> float:
    """Exact Jaccard similarity of two sorted unique arrays (0.0 when both are empty:
    empty documents never match)."""
    if not len(a) or not len(b):
        return 0.0
    inter = intersection_size(a, b)
    return inter / (len(a) + len(b) - inter)


def minhash_of(text: str, cleaner: Cleaner, params: IndexParams) -> Any:
    """The document's MinHash as a ``datasketch.LeanMinHash`` (scheme ``affine32``, the
    index's seed and permutations, over the low 32 bits of its shingle hashes), for use with
    datasketch's own tools. Imports datasketch, which is slow."""
    from datasketch import LeanMinHash

    from .._sketch import to_datasketch

    sigs = _sketch([cleaner._clean(text)[1]], params)[3]
    return LeanMinHash(to_datasketch(sigs[0], params.sketch))
