"""The one immutable options object, and the vocabulary of steps and rules."""

from __future__ import annotations

import dataclasses
import math
import sys
from typing import Any, Literal, get_args

from ._errors import OptionsError

#: The cleaning steps. Each name is also the option that turns the step on or
#: off (or picks its policy), the CLI flag and the ``step`` of what it reports.
Step = Literal["dedupe_paragraphs", "byline", "boilerplate"]
#: Why a paragraph was removed (``Removal.rule``).
Rule = Literal["exact_repeat", "near_repeat", "truncated_repeat", "boilerplate"]
#: What happens to agency credits and datelines.
BylinePolicy = Literal["extract", "keep", "rewrite"]
ShingleKind = Literal["char", "word"]

STEPS: tuple[str, ...] = get_args(Step)
RULES: tuple[str, ...] = get_args(Rule)
BYLINE_POLICIES: tuple[str, ...] = get_args(BylinePolicy)
SHINGLE_KINDS: tuple[str, ...] = get_args(ShingleKind)


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
    shingle_kind: ShingleKind = "char"
    shingle_size: int = 5
    num_perm: int = 128
    seed: int = 1
    min_near_length: int = 50
    byline: BylinePolicy = "extract"

    def __post_init__(self) -> None:
        _check_bool("dedupe_paragraphs", self.dedupe_paragraphs)
        t = self.threshold
        if isinstance(t, bool) or not isinstance(t, (int, float)) or not 0 < t <= 1 or math.isnan(t):
            raise OptionsError(f"threshold must be a number in (0, 1], got {t!r}")
        object.__setattr__(self, "threshold", float(t))
        check_choice("shingle_kind", self.shingle_kind, SHINGLE_KINDS)
        check_int("shingle_size", self.shingle_size, 1, 32)
        check_int("num_perm", self.num_perm, 8, 1024)
        if self.num_perm % 8:
            raise OptionsError(f"num_perm must be a multiple of 8, got {self.num_perm!r}")
        check_int("seed", self.seed, 0, 2**32 - 1)
        check_int("min_near_length", self.min_near_length, 1, 1_000_000)
        check_choice("byline", self.byline, BYLINE_POLICIES)

    def replace(self, **changes: Any) -> Options:
        """A copy with some fields changed (validated like a new object)."""
        unknown = set(changes) - {f.name for f in dataclasses.fields(self)}
        if unknown:
            raise OptionsError(f"unknown option {sorted(unknown)[0]!r}; options are: {_names()}")
        return dataclasses.replace(self, **changes)

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


def _check_bool(name: str, value: object) -> None:
    if not isinstance(value, bool):
        raise OptionsError(f"{name} must be True or False, got {value!r}")


def check_int(name: str, value: object, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise OptionsError(f"{name} must be an integer from {low} to {high}, got {value!r}")


def check_choice(name: str, value: object, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise OptionsError(f"{name} must be one of {', '.join(map(repr, choices))}, got {value!r}")


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
