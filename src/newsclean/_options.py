"""The one immutable options object, and the vocabulary of steps and rules."""

from __future__ import annotations

import dataclasses
import sys
from typing import Any, Literal, get_args

from ._checks import check_bool, check_choice, check_fraction, check_int
from ._errors import OptionsError
from ._similarity.config import AFFINE32_SCHEME, DEFAULTS, SHINGLE_KINDS, ShingleKind, SketchConfig

#: The cleaning steps. Each name is also the option that turns the step on or
#: off (or picks its policy), the CLI flag and the ``step`` of what it reports.
Step = Literal["dedupe_paragraphs", "byline", "boilerplate"]
#: Why a paragraph was removed (``Removal.rule``).
Rule = Literal["exact_repeat", "near_repeat", "truncated_repeat", "boilerplate"]
#: What happens to agency credits and datelines.
BylinePolicy = Literal["extract", "keep", "rewrite"]

STEPS: tuple[str, ...] = get_args(Step)
RULES: tuple[str, ...] = get_args(Rule)
BYLINE_POLICIES: tuple[str, ...] = get_args(BylinePolicy)
__all__ = [
    "BYLINE_POLICIES",
    "RULES",
    "SHINGLE_KINDS",
    "STEPS",
    "BylinePolicy",
    "Options",
    "Rule",
    "ShingleKind",
    "Step",
]

_SKETCH = DEFAULTS["paragraphs"]


@dataclasses.dataclass(frozen=True)
class Options:
    """Everything that changes what ``clean()`` returns. Immutable; validated on creation.

    Attributes:
        dedupe_paragraphs: remove repeated paragraphs (exact, near and truncated repeats).
        threshold: the Jaccard similarity of shingle sets at or above which two paragraphs
            are near repeats, in (0, 1].
        shingle_kind: ``"char"`` (character n-grams of the comparison key) or ``"word"``.
        shingle_size: n, the length of a shingle in characters or words (1 to 32).
        num_perm: the number of MinHash permutations (8 to 1024, a multiple of 8).
        seed: the seed of the MinHash permutations (as in datasketch, 0 to 2**32 - 1).
        sketch: (a property, not an argument) the four fields above as one
            ``SketchConfig``, with the MinHash scheme of paragraphs (``"affine32"``). Their
            defaults are those of ``SketchConfig`` (``clean()``'s paragraphs: character
            5-grams, 128 permutations, seed 1); an index's differ (``IndexParams``), and
            ``docs/tuning.md`` says why.
        min_near_length: paragraphs whose key is shorter than this many characters are only
            compared exactly (tiny shingle sets make coarse, unreliable similarities).
        byline: ``"extract"`` takes agency credits and datelines out of the text and reports
            them, ``"keep"`` leaves them in the text (still reporting them), ``"rewrite"``
            writes them in one canonical form.

    >>> Options(threshold=0.9).replace(byline="keep").byline
    'keep'
    >>> Options(threshold=1.5)
    Traceback (most recent call last):
    ...
    newsclean._errors.OptionsError: threshold must be a number in (0, 1], got 1.5
    """

    dedupe_paragraphs: bool = True
    threshold: float = 0.8
    shingle_kind: ShingleKind = _SKETCH.shingle_kind
    shingle_size: int = _SKETCH.shingle_size
    num_perm: int = _SKETCH.num_perm
    seed: int = _SKETCH.seed
    min_near_length: int = 50
    byline: BylinePolicy = "extract"

    def __post_init__(self) -> None:
        check_bool("dedupe_paragraphs", self.dedupe_paragraphs)
        object.__setattr__(self, "threshold", check_fraction("threshold", self.threshold))
        _ = self.sketch  # (checks shingle_kind, shingle_size, num_perm and seed)
        check_int("min_near_length", self.min_near_length, 1, 1_000_000)
        check_choice("byline", self.byline, BYLINE_POLICIES)

    def replace(self, **changes: Any) -> Options:
        """A copy with some fields changed (validated like a new object)."""
        unknown = set(changes) - {f.name for f in dataclasses.fields(self)}
        if unknown:
            raise OptionsError(f"unknown option {sorted(unknown)[0]!r}; options are: {_names()}")
        return dataclasses.replace(self, **changes)

    @property
    def sketch(self) -> SketchConfig:
        """The sketch configuration of the paragraphs (their shingles, and the
        datasketch-exact MinHash, ``"affine32"``, that proposes candidates).

        >>> Options(shingle_size=4).sketch
        SketchConfig(shingle_kind='char', shingle_size=4, num_perm=128, seed=1, scheme='affine32')
        """
        return SketchConfig(self.shingle_kind, self.shingle_size, self.num_perm, self.seed, AFFINE32_SCHEME)

    @property
    def bands(self) -> tuple[int, int]:
        """The LSH banding ``(bands, rows)``: the most rows per band whose recall at
        ``threshold`` is still at least 0.999, so candidates stay few without missing true
        repeats.

        >>> Options().bands
        (25, 5)
        """
        from ._similarity.lsh import RECALL, choose_bands  # (numpy: not at the import of options)

        return choose_bands(self.threshold, self.num_perm, RECALL["paragraphs"])


def _names() -> str:
    return ", ".join(f.name for f in dataclasses.fields(Options))


# Hypothesis was imported first: its entry point (the module _newsclean_hypothesis, outside
# this package) found no Options to register, so have it register them now. (A half-imported
# hypothesis registers them itself when its import ends.)
if hasattr(sys.modules.get("hypothesis.strategies"), "register_type_strategy"):
    try:
        from _newsclean_hypothesis import register_options
    except ImportError:  # (the package without its plugin module: from_type(Options) unregistered)
        pass
    else:
        register_options(Options)
