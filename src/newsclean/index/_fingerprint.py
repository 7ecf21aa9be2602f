"""What the index keeps of a document, and the rule that decides whether two documents
are one story.

A document is compared on its **story body**: its paragraphs with credits and datelines
taken out (``Cleaner.body``), each reduced to its comparison key, joined by a space (so
paragraphs merged, split or hard-wrapped compare alike). The body's shingles (word
3-grams by default) are hashed to 32 bits and kept as a sorted set: exact set overlap
decides. A one-permutation MinHash of the set, cut into LSH bands, only proposes which
indexed documents to compare.

The rule (``IndexParams.matches``), on the two shingle sets ``A`` and ``B`` alone:

* ``|A ∩ B| / |A ∪ B| >= threshold`` (Jaccard), or
* ``|A ∩ B| / min(|A|, |B|) >= containment`` while the smaller set holds at least
  ``min_ratio`` of the larger's size: one body is the other with a header, footer,
  paragraph or credit line added around it.

The bands are chosen for the least Jaccard similarity the rule can accept
(``IndexParams.floor``), so LSH proposes every pair the rule would take.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from typing import Any, overload

import numpy as np
import numpy.typing as npt

from .._checks import check_choice, check_fraction, check_int
from .._clean import Cleaner
from .._errors import IndexFileError, OptionsError, SketchMismatchError
from .._similarity.config import AFFINE32_SCHEME, DEFAULTS, NORMALIZATION, OPH_SCHEME, ShingleKind, SketchConfig
from .._similarity.hashing import (
    HASH_NAME,
    holds_unspaced,
    paragraph_hashes,
    seeded32,
    shingle_units,
    text_digest,
    unit_sets32,
    word_units_of_codes,
)
from .._similarity.lsh import RECALL, band_keys, choose_bands
from .._similarity.minhash import check_bytes, densify, oph_bins
from .._text.normalize import key_slices

FORMAT = "newsclean-index"
FORMAT_VERSION = 2

U32 = npt.NDArray[np.uint32]
U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]
U8 = npt.NDArray[np.uint8]

_SKETCH = DEFAULTS["index"]


@dataclasses.dataclass(frozen=True)
class IndexParams:
    """Every parameter that makes two indexes (or an index and a document) comparable.
    Saved in every index file and Redis namespace; opening one made with other parameters
    raises ``SketchMismatchError``.

    Attributes:
        threshold: Jaccard similarity of two story bodies' shingle sets at or above which
            they are one story.
        containment: share of the smaller body's shingles found in the larger at or
            above which they are one story (a republication with a header, footer or
            paragraph added), if the smaller has at least ``min_ratio`` of the larger's
            shingles. ``1.0`` leaves only exact containment; the Jaccard rule always applies.
        min_ratio: the least size ratio (smaller / larger set) at which containment counts:
            a short brief inside a long story is not a copy of it.
        shingle_kind: ``"word"`` (default) or ``"char"`` (for text without spaces between
            words: Chinese, Japanese, Thai).
        shingle_size: words or characters per shingle (1 to 32).
        num_perm: one-permutation MinHash bins (a power of two, 16 to 1024).
        seed: the seed of the MinHash hash (0 to 2**32 - 1).
        boilerplate_min_docs: a paragraph seen in at least this many distinct kept
            documents is site boilerplate (what ``clean(index=...)`` removes).
        words: how word shingles cut a story body into words. ``"unspaced-letters"``
            (default): at spaces, and each letter of the scripts written without spaces
            between words (Han, Hiragana, Katakana, Thai, Lao, Khmer, Myanmar), with its
            marks, is a word of its own, so that a Chinese or Japanese copy with a few
            characters changed still matches (word 3-grams are then character 3-grams
            there). ``"spaces"``: at spaces only, where a paragraph of Chinese is one
            word; what indexes made before newsclean 0.3 use (their headers do not name
            it, and they keep it, also when opened with parameters that leave it at its
            default).
        sketch: (a property, not an argument) ``shingle_kind``, ``shingle_size``,
            ``num_perm`` and ``seed`` as one ``SketchConfig``, with the index's MinHash
            scheme (one permutation). Their defaults (word 3-grams, 256 bins) differ from
            ``clean()``'s (``Options``): an index compares whole story bodies, where word
            shingles make sets several times smaller, and its bands need more bins to
            reach their recall at the rule's low similarity floor (``docs/tuning.md``).
    """

    threshold: float = 0.4
    containment: float = 1.0
    min_ratio: float = 0.5
    shingle_kind: ShingleKind = _SKETCH.shingle_kind
    shingle_size: int = _SKETCH.shingle_size
    num_perm: int = _SKETCH.num_perm
    seed: int = _SKETCH.seed
    boilerplate_min_docs: int = 5
    words: str = "unspaced-letters"  # (_WORDS_DEFAULT)

    def __post_init__(self) -> None:
        for name in ("threshold", "containment", "min_ratio"):
            object.__setattr__(self, name, check_fraction(name, getattr(self, name)))
        # Fewer than 16 bins cannot propose a pair at the rule's default floor (0.4) with
        # the recall the index asks for (1 - 0.6**8 < 0.995).
        check_int("num_perm", self.num_perm, 16, 1024)
        _ = self.sketch  # (checks shingle_kind, shingle_size, num_perm and seed)
        check_int("boilerplate_min_docs", self.boilerplate_min_docs, 2, 1_000_000_000)
        check_choice("words", self.words, ("unspaced-letters", "spaces"))

    @classmethod
    def given(cls, **values: Any) -> IndexParams:
        """The parameters with these values, ``None`` standing for the default: what a
        command line or an engine's keyword arguments name (``OptionsError`` if one is
        invalid).

        >>> IndexParams.given(threshold=None, shingle_size=4) == IndexParams(shingle_size=4)
        True
        """
        return cls(**{k: v for k, v in values.items() if v is not None})

    @property
    def sketch(self) -> SketchConfig:
        """The sketch configuration of the story bodies (their shingles, and the
        one-permutation MinHash that proposes candidates).

        >>> IndexParams().sketch
        SketchConfig(shingle_kind='word', shingle_size=3, num_perm=256, seed=1, scheme='oph-optimal-densification-v1')
        """
        return SketchConfig(self.shingle_kind, self.shingle_size, self.num_perm, self.seed, OPH_SCHEME)

    @property
    def floor(self) -> float:
        """The least Jaccard similarity of a pair that the rule accepts (the smaller of
        ``threshold`` and that of a pair at the containment and size-ratio limits)."""
        c, r = self.containment, self.min_ratio
        return min(self.threshold, c * r / (1 + r - c * r))

    @property
    def bands(self) -> tuple[int, int]:
        """``(bands, rows)`` proposing a pair at ``floor`` with probability >= ``RECALL["index"]`` (0.995)
        (85 x 3 by default; a pair at 0.45 then with probability 0.9999)."""
        return choose_bands(round(self.floor, 6), self.num_perm, RECALL["index"])

    def matches(self, inter: int, size_a: int, size_b: int) -> bool:
        """Whether two shingle sets of these sizes, sharing ``inter`` shingles, are one
        story (``matches_many`` of one pair). Empty sets never match.

        >>> p = IndexParams()
        >>> p.matches(50, 100, 100), p.matches(90, 100, 120), p.matches(90, 100, 300)
        (False, True, False)
        """
        one = np.array([inter]), np.array([size_a]), np.array([size_b])
        return bool(self.matches_many(*one)[0])

    def matches_many(self, inter: I64, size_a: I64, size_b: I64) -> npt.NDArray[np.bool_]:
        """``matches`` of many pairs at once, element by element: the rule, written once
        (the Redis index's Lua script mirrors it)."""
        small, large = np.minimum(size_a, size_b), np.maximum(size_a, size_b)
        by_jaccard = inter >= self.threshold * (size_a + size_b - inter)
        by_containment = (inter >= self.containment * small) & (small >= self.min_ratio * large)
        found: npt.NDArray[np.bool_] = (small > 0) & (by_jaccard | by_containment)
        return found

    def header(self) -> dict[str, Any]:
        """The full parameter header, as saved and compared. (``words`` is left out when
        it is ``"spaces"``: a header made before it was a parameter is the same header.)"""
        bands, rows = self.bands
        fields = dataclasses.asdict(self)
        if fields["words"] == _WORDS_BEFORE:
            del fields["words"]
        return {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "hash": HASH_NAME,
            "scheme": OPH_SCHEME,
            "normalization": NORMALIZATION,
            "body": "newsclean-story-body-v1",
            **fields,
            "bands": bands,
            "rows": rows,
        }

    @classmethod
    def from_header(cls, header: dict[str, Any], source: str) -> IndexParams:
        """The parameters of a saved parameter header (``header()``, as an index file's
        ``header.json`` or a Redis namespace's ``params`` key holds it, decoded from JSON);
        ``source`` names where it was read in the messages. Keys that are not the header's
        (``documents``, ``offered``) are ignored.

        Raises ``IndexFileError`` for a header of another format or format version,
        ``OptionsError`` for a value that ``IndexParams`` refuses, and
        ``SketchMismatchError`` when any other field (``hash``, ``scheme``, ``bands``, ...)
        differs from what these parameters give in this newsclean.

        >>> IndexParams.from_header(IndexParams(shingle_size=4).header(), "a header") == IndexParams(shingle_size=4)
        True
        """
        if header.get("format") != FORMAT:
            raise IndexFileError(f"{source}: not a newsclean index (format {header.get('format')!r})")
        if header.get("version") != FORMAT_VERSION:
            raise IndexFileError(
                f"{source}: a version {header.get('version')} newsclean index; this newsclean reads version "
                f"{FORMAT_VERSION} (it compares documents on other terms): rebuild it by running "
                "'newsclean dedup --index NEW.nci' over the documents you keep"
            )
        names = {f.name for f in dataclasses.fields(cls)}
        params = cls(**{"words": _WORDS_BEFORE, **{k: v for k, v in header.items() if k in names}})
        params.check(header, source)
        return params

    def as_in(self, header: dict[str, Any]) -> IndexParams:
        """These parameters, with what a header made before a parameter existed leaves
        out read as its maker had it, where these have that parameter's default: an index
        file or namespace of newsclean 0.2 is opened with ``IndexParams(threshold=0.5)``
        as one of ``words="spaces"``, the cut it was made with.

        >>> IndexParams().as_in(IndexParams(words="spaces").header()).words
        'spaces'
        """
        if "words" not in header and self.words == _WORDS_DEFAULT:
            return dataclasses.replace(self, words=_WORDS_BEFORE)
        return self

    def check(self, header: dict[str, Any], source: str, fields: Sequence[str] | None = None) -> None:
        """Refuse a header that differs from ours in any field (of ``fields``, if given)."""
        mine, theirs = self.as_in(header).header(), {"words": _WORDS_BEFORE, **header}
        mine.setdefault("words", _WORDS_BEFORE)
        diffs = [
            f"{k}: {theirs.get(k)!r} != {mine[k]!r}"
            for k in (mine if fields is None else fields)
            if theirs.get(k) != mine[k]
        ]
        if diffs:
            raise SketchMismatchError(f"{source} was made with other parameters ({'; '.join(diffs)})")

    def header_json(self) -> str:
        """The parameter header (``header()``) as JSON, keys sorted: what a ``RedisIndex``
        stores under ``{namespace}:params`` (with its layout's field, ``redis_layout``) and
        compares, string for string, with the one it finds there.

        >>> IndexParams().header_json()[:47]
        '{"bands": 85, "body": "newsclean-story-body-v1"'
        """
        return json.dumps(self.header(), sort_keys=True)


#: What an index whose header does not name ``words`` cuts words at (newsclean before 0.3).
_WORDS_BEFORE = "spaces"
_WORDS_DEFAULT = "unspaced-letters"

#: The ``IndexParams`` that ``newsclean dedup`` and the engines' ``dedup`` take as options
#: (the others keep their defaults there).
RULE_OPTIONS = ("threshold", "containment", "min_ratio", "shingle_kind", "shingle_size")


@dataclasses.dataclass(frozen=True, eq=False)
class Fingerprint:
    """A document as the index sees it: what ``fingerprint()`` returns and
    ``add_fingerprints()`` takes. It depends only on the document, the cleaner and the
    parameters (never on what an index holds), so it can be made in another process or on
    another machine, pickled, and added later; an index refuses one made with other
    parameters (``SketchMismatchError``).

    Attributes:
        shingles: the sorted, unique 32-bit hashes of the story body's shingles.
        bands: one LSH key per band (candidates come from them).
        paragraphs: the 64-bit hashes of the distinct paragraph keys (boilerplate counts).
        params: the parameters it was made with.
        digest: a hash of the story body's key (equal digests: the same story body).
        check: per MinHash bin, 0 if no shingle fell in it, else its least hash's low
            byte with the lowest bit set (``_similarity.minhash.check_bytes``, for
            ``_similarity.lsh.chance_ok_raw_bins``).
    """

    shingles: npt.NDArray[np.uint32]
    bands: npt.NDArray[np.uint64]
    paragraphs: tuple[int, ...]
    params: IndexParams
    digest: str = ""
    check: npt.NDArray[np.uint8] | None = None

    def __repr__(self) -> str:
        """Sizes, not the arrays.

        >>> from newsclean import DedupIndex
        >>> DedupIndex().fingerprint(["Rice exports rose in the delta this year."])[0]  # doctest: +ELLIPSIS
        Fingerprint(digest='...', shingles=6, bands=85, paragraphs=1, params=IndexParams(threshold=0.4, ...))
        """
        return (
            f"Fingerprint(digest={self.digest!r}, shingles={len(self.shingles)}, bands={len(self.bands)}, "
            f"paragraphs={len(self.paragraphs)}, params={self.params!r})"
        )

    def __eq__(self, other: object) -> bool:
        """Equal fields, arrays compared by value: a fingerprint equals its pickled copy
        and one made again from the same text."""
        if type(other) is not Fingerprint:
            return NotImplemented
        return (
            self.digest == other.digest
            and self.paragraphs == other.paragraphs
            and self.params == other.params
            and np.array_equal(self.shingles, other.shingles)
            and np.array_equal(self.bands, other.bands)
            and (
                self.check is other.check
                or (self.check is not None and other.check is not None and np.array_equal(self.check, other.check))
            )
        )

    def __hash__(self) -> int:
        return hash((self.digest, self.paragraphs, self.params))


@dataclasses.dataclass(frozen=True, eq=False)
class Batch(Sequence[Fingerprint]):
    """The fingerprints of a batch of documents, kept as arrays (the shingle sets as CSR,
    ``sets[offsets[i]:offsets[i + 1]]``, one row of band keys and of check bytes per
    document): what ``sketch`` makes, and a sequence of ``Fingerprint`` for anyone who
    reads it one by one. It pickles as a few arrays, not as one object per document."""

    sets: U32
    offsets: I64
    bands: U64
    paragraphs: list[tuple[int, ...]]
    digests: list[str]
    checks: U8
    params: IndexParams

    def __len__(self) -> int:
        return len(self.digests)

    def __repr__(self) -> str:
        """Sizes, not the arrays."""
        return f"Batch(documents={len(self)}, shingles={len(self.sets)}, params={self.params!r})"

    @overload
    def __getitem__(self, i: int) -> Fingerprint: ...
    @overload
    def __getitem__(self, i: slice) -> list[Fingerprint]: ...
    def __getitem__(self, i: int | slice) -> Fingerprint | list[Fingerprint]:
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        if not -len(self) <= i < len(self):
            raise IndexError(i)
        i %= len(self)
        return Fingerprint(
            self.sets[self.offsets[i] : self.offsets[i + 1]],
            self.bands[i],
            self.paragraphs[i],
            self.params,
            self.digests[i],
            self.checks[i],
        )

    @classmethod
    def join(cls, parts: Sequence[Batch]) -> Batch:
        """One batch of the documents of ``parts`` (made with one set of parameters), in order."""
        if len(parts) == 1:
            return parts[0]
        ends = np.cumsum([0] + [int(p.offsets[-1]) for p in parts[:-1]])
        return cls(
            np.concatenate([p.sets for p in parts]),
            np.concatenate([parts[0].offsets[:1], *(p.offsets[1:] + e for p, e in zip(parts, ends))]),
            np.concatenate([p.bands for p in parts]),
            [x for p in parts for x in p.paragraphs],
            [x for p in parts for x in p.digests],
            np.concatenate([p.checks for p in parts]),
            parts[0].params,
        )


def body_digest(body_key: str) -> str:
    """A stable name for a story body: 32 hex digits of BLAKE2b over its key."""
    return text_digest(body_key)


def sketch(bodies: Sequence[Sequence[str]], params: IndexParams) -> Batch:
    """Fingerprints of documents given as their story bodies' paragraphs, as one batch
    of arrays. Known boilerplate stays in: a fingerprint never depends on what an index
    has seen, nor on how documents were batched."""
    flat: list[str] = []
    parts: list[tuple[U64, I64]] = []
    split = params.shingle_kind == "word" and params.words == "unspaced-letters"
    cut: list[tuple[U64, I64] | None] = []  # per piece: its words cut at unspaced letters, if it has any
    for some, codes in key_slices([p for body in bodies for p in body]):
        flat += some
        parts.append(word_units_of_codes(*codes))
        cut.append(word_units_of_codes(*codes, unspaced_letters=True) if split and holds_unspaced(codes[0]) else None)
    units = np.concatenate([u for u, _ in parts]) if parts else np.zeros(0, dtype=np.uint64)
    counts = np.concatenate([c for _, c in parts]) if parts else np.zeros(0, dtype=np.int64)
    # The shingles' words: these, but where a piece has unspaced letters (paragraph hashes
    # stay those of the words between spaces). No copy of them when none has any.
    words, word_counts = units, counts
    if any(c is not None for c in cut):
        words = np.concatenate([(c or p)[0] for c, p in zip(cut, parts)])
        word_counts = np.concatenate([(c or p)[1] for c, p in zip(cut, parts)])
    del parts, cut  # (what is no longer needed goes as soon as it is not: a long text's arrays are large)
    per_doc = np.fromiter(map(len, bodies), dtype=np.int64, count=len(bodies))
    hashes = paragraph_hashes(units, counts).tolist()
    paragraphs: list[tuple[int, ...]] = []
    at = 0
    for n in per_doc.tolist():
        paragraphs.append(tuple(sorted(set(hashes[at : at + n]))))
        at += n
    bounds = np.zeros(len(bodies) + 1, dtype=np.int64)
    np.cumsum(per_doc, out=bounds[1:])
    doc_keys = [" ".join(flat[bounds[i] : bounds[i + 1]]) for i in range(len(bodies))]
    del flat
    digests = [body_digest(k) for k in doc_keys]
    del units, counts
    if params.shingle_kind == "word":
        del doc_keys
        # A document's words are its paragraphs' words, one after another.
        total = np.zeros(len(word_counts) + 1, dtype=np.int64)
        np.cumsum(word_counts, out=total[1:])
        sets, offsets, owner = unit_sets32(words, np.diff(total[bounds]), params.shingle_size)
    else:
        del words, word_counts
        sets, offsets, owner = unit_sets32(*shingle_units(doc_keys, "char"), params.shingle_size)
    bands, checks = minhash_of_sets(sets, owner, len(bodies), params)
    return Batch(sets, offsets, bands, paragraphs, digests, checks, params)


def minhash_of_sets(sets: U32, owner: I64, n: int, params: IndexParams) -> tuple[U64, U8]:
    """The LSH band keys and check bytes of ``n`` shingle sets (``sets``, each value's set
    in ``owner``): a one-permutation MinHash of ``params.num_perm`` bins, densified for
    the bands; the check bytes come from the bins before densification."""
    raw = oph_bins(seeded32(sets, params.seed), owner, n, params.num_perm)
    return band_keys(densify(raw)[0], *params.bands), check_bytes(raw)


def fingerprints(bodies: Sequence[Sequence[str]], params: IndexParams) -> list[Fingerprint]:
    """``sketch`` of a batch, one ``Fingerprint`` per document."""
    return list(sketch(bodies, params))


def fingerprint_texts(
    texts: Sequence[str], cleaner: Cleaner, params: IndexParams, workers: int = 1
) -> list[Fingerprint]:
    """Take each text's story body (``Cleaner.body``), then fingerprint.

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


# Documents fingerprinted as one batch (bounds the arrays of a batch), the least number a
# worker process is given at a time, and the texts whose story bodies ``sketch_texts``
# holds as strings at once by default (what newsclean dedup and the lake path use).
_BATCH = 1024
_PARALLEL_SLICE = 64
_PIECE = 512


def _fingerprint_inherited(start: int, size: int) -> list[Fingerprint]:
    from .. import _forked

    texts, cleaner, params = _forked.inherited()
    return _fingerprint_slice(texts[start : start + size], cleaner, params)


def _fingerprint_slice(texts: Sequence[str], cleaner: Cleaner, params: IndexParams) -> list[Fingerprint]:
    return list(sketch_texts(texts, cleaner, params, _BATCH))


def sketch_texts(texts: Sequence[str], cleaner: Cleaner, params: IndexParams, piece: int = _PIECE) -> Batch:
    """``sketch`` of the texts' story bodies (``Cleaner.body``), ``piece`` texts at a time
    (a piece's story bodies and keys are Python strings: this bounds them), as one ``Batch``."""
    return Batch.join(
        [sketch([cleaner.body(t) for t in texts[a : a + piece]], params) for a in range(0, len(texts), piece)]
        or [sketch([], params)]
    )


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
    """Refuse ids that are not one per document, or not text an index can write (a lone
    surrogate, which no file, journal or Redis key can hold).

    >>> check_ids(["a text"], ["\\ud800"])
    Traceback (most recent call last):
    newsclean._errors.OptionsError: id 0 is not text: a lone surrogate '\\ud800'
    """
    if ids is None:
        return
    if len(ids) != len(documents):
        raise OptionsError(f"{len(documents)} documents but {len(ids)} ids")
    for n, doc_id in enumerate(ids):
        if isinstance(doc_id, str) and not doc_id.isascii():
            try:
                doc_id.encode("utf-8")
            except UnicodeEncodeError as err:
                raise OptionsError(f"id {n} is not text: a lone surrogate {err.object[err.start]!r}") from None


def as_fingerprint(document: str | Fingerprint, cleaner: Cleaner, params: IndexParams) -> Fingerprint:
    """A text's fingerprint, or a fingerprint checked against ``params``."""
    if isinstance(document, Fingerprint):
        check_fingerprints([document], params)
        return document
    return fingerprint_texts([document], cleaner, params)[0]


def minhash_of(text: str, cleaner: Cleaner, params: IndexParams) -> Any:
    """The document's MinHash as a ``datasketch.LeanMinHash`` (datasketch's ``affine32``
    scheme with the index's seed and permutations, over its 32-bit shingle hashes), for
    use with datasketch's own tools. The index itself decides on exact shingle sets.
    Imports datasketch, which is slow."""
    from datasketch import LeanMinHash

    from .._similarity.minhash import affine32_signatures, to_datasketch

    fp = fingerprint_texts([text], cleaner, params)[0]
    sketch_params = dataclasses.replace(params.sketch, scheme=AFFINE32_SCHEME)
    values = fp.shingles.astype(np.uint64)
    sigs = affine32_signatures(values, np.array([0, len(values)], dtype=np.int64), sketch_params)
    return LeanMinHash(to_datasketch(sigs[0], sketch_params))
