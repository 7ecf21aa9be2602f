"""The argument checks every options object uses, each with its one error message
(``OptionsError``, naming the argument and the value it refused)."""

from __future__ import annotations

import math

from ._errors import OptionsError


def check_bool(name: str, value: object) -> None:
    if not isinstance(value, bool):
        raise OptionsError(f"{name} must be True or False, got {value!r}")


def check_int(name: str, value: object, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise OptionsError(f"{name} must be an integer from {low} to {high}, got {value!r}")


def check_choice(name: str, value: object, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise OptionsError(f"{name} must be one of {', '.join(map(repr, choices))}, got {value!r}")


def check_fraction(name: str, value: object) -> float:
    """``value`` as a float if it is a number in (0, 1] (a similarity threshold, a share).

    >>> check_fraction("threshold", 1)
    1.0
    >>> check_fraction("threshold", 0)
    Traceback (most recent call last):
    ...
    newsclean._errors.OptionsError: threshold must be a number in (0, 1], got 0
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value) or not 0 < value <= 1:
        raise OptionsError(f"{name} must be a number in (0, 1], got {value!r}")
    return float(value)
