"""One sketch configuration, ``SketchConfig``: the shingles (kind and size) and the MinHash
(scheme, permutations, seed) that make two sketches comparable, validated here once; and
the default sketch of each path that sketches, in one table (``DEFAULTS``).

``Options`` (``clean()``), ``IndexParams`` (the stream index) and ``BatchParams``
(``near_duplicates`` and the engines) keep these as fields of their own, so that their
constructors take them as keyword arguments and their pickles and saved headers stay
flat; each takes its defaults from ``DEFAULTS``, has its fields checked by
``SketchConfig`` and gives them back as one object, its ``sketch`` attribute.

Pure Python (no numpy): ``import newsclean`` imports it with ``Options``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Literal, get_args

from .._checks import check_choice, check_int
from .._errors import OptionsError, SketchMismatchError

ShingleKind = Literal["char", "word"]
SHINGLE_KINDS: tuple[str, ...] = get_args(ShingleKind)

#: MinHash exact to datasketch's ``affine32`` (``minhash.affine32_signatures``):
#: ``num_perm`` hashes per shingle, and signatures datasketch can read.
AFFINE32_SCHEME = "affine32"
#: One-permutation MinHash with optimal densification (``minhash.oph``): one hash per
#: shingle, the top bits of which pick one of ``num_perm`` bins.
OPH_SCHEME = "oph-optimal-densification-v1"
SCHEMES: tuple[str, ...] = (AFFINE32_SCHEME, OPH_SCHEME)
#: The comparison key the shingles are taken from (``_text.normalize.keys``).
NORMALIZATION = "newsclean-key-v1"


@dataclasses.dataclass(frozen=True)
class SketchConfig:
    """The shingles and MinHash that make two sketches comparable. Immutable; validated
    on creation (``OptionsError``). Sketches made under different configurations must
    never be compared (``check`` refuses to).

    ``Options.sketch``, ``IndexParams.sketch`` (and ``DedupIndex(...).params.sketch``) give
    the configuration of ``clean()``'s paragraphs and of an index; what differs between the
    two, and why, is in ``docs/tuning.md``.

    Attributes:
        shingle_kind: ``"char"`` (character n-grams of the comparison key) or ``"word"``.
        shingle_size: n, the length of a shingle in characters or words (1 to 32).
        num_perm: MinHash permutations (``"affine32"``) or bins (one-permutation
            MinHash), 8 to 1024: a multiple of 8 for ``"affine32"``, a power of two for
            one-permutation MinHash (a shingle's bin is the top bits of its hash).
        seed: the seed of the MinHash permutations or hash (0 to 2**32 - 1).
        scheme: the MinHash scheme, ``"affine32"`` (datasketch-exact: ``clean()``'s
            paragraphs, ``minhash_of``) or ``"oph-optimal-densification-v1"`` (one
            permutation: ``near_duplicates``, the engines, the stream index).

    >>> SketchConfig(shingle_kind="word", shingle_size=3).num_perm
    128
    >>> SketchConfig(num_perm=96, scheme=OPH_SCHEME)
    Traceback (most recent call last):
    ...
    newsclean._errors.OptionsError: num_perm must be a power of two for one-permutation hashing, got 96
    """

    shingle_kind: ShingleKind = "char"
    shingle_size: int = 5
    num_perm: int = 128
    seed: int = 1
    scheme: str = AFFINE32_SCHEME

    def __post_init__(self) -> None:
        check_choice("shingle_kind", self.shingle_kind, SHINGLE_KINDS)
        check_int("shingle_size", self.shingle_size, 1, 32)
        check_int("num_perm", self.num_perm, 8, 1024)
        check_choice("scheme", self.scheme, SCHEMES)
        if self.scheme == AFFINE32_SCHEME and self.num_perm % 8:
            raise OptionsError(f"num_perm must be a multiple of 8, got {self.num_perm!r}")
        if self.scheme == OPH_SCHEME and self.num_perm & (self.num_perm - 1):
            raise OptionsError(f"num_perm must be a power of two for one-permutation hashing, got {self.num_perm}")
        check_int("seed", self.seed, 0, 2**32 - 1)

    @property
    def hash(self) -> str:
        """The shingle hash (``hashing.HASH_NAME``)."""
        from .hashing import HASH_NAME  # (numpy: not at the import of options)

        return HASH_NAME

    @property
    def normalization(self) -> str:
        """The comparison key the shingles are taken from."""
        return NORMALIZATION

    def to_dict(self) -> dict[str, Any]:
        """Everything that makes two sketches comparable, as a plain dict (JSON-ready).

        >>> SketchConfig().to_dict()["scheme"]
        'affine32'
        """
        return dataclasses.asdict(self) | {"hash": self.hash, "normalization": self.normalization}

    def check(self, other: SketchConfig | dict[str, Any]) -> None:
        """Raise ``SketchMismatchError`` naming every field of ``to_dict`` that differs in
        ``other`` (a configuration, or a dict of some of its fields)."""
        mine = self.to_dict()
        theirs = other.to_dict() if isinstance(other, SketchConfig) else other
        diffs = [f"{k}: {mine[k]!r} != {theirs[k]!r}" for k in mine if k in theirs and theirs[k] != mine[k]]
        if diffs:
            raise SketchMismatchError("sketch parameters differ (" + "; ".join(diffs) + ")")


#: The default sketch of each path, each field written here once. ``clean()``'s paragraphs
#: are short: character 5-grams (about as many shingles as characters, robust to a changed
#: letter and to languages without spaces) and 128 datasketch-exact permutations.
#: ``near_duplicates`` and the engines compare texts of any length on the same shingles,
#: with 128 one-permutation bins (one hash per shingle: the batch path's speed). The stream
#: index compares whole story bodies, hundreds of words: word 3-grams make sets several
#: times smaller (what an index stores and a Redis index sends), and 256 bins let its bands
#: reach their recall at the low Jaccard floor of its rule.
#: (Read-only: the options classes took their field defaults from it at import.)
DEFAULTS: Mapping[str, SketchConfig] = MappingProxyType(
    {
        "paragraphs": SketchConfig(),
        "batch": SketchConfig(scheme=OPH_SCHEME),
        "index": SketchConfig(shingle_kind="word", shingle_size=3, num_perm=256, scheme=OPH_SCHEME),
    }
)
