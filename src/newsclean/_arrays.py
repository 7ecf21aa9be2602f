"""Array helpers that numpy has, but slowly for our shapes."""

from __future__ import annotations

from typing import TypeVar

import numpy as np
import numpy.typing as npt

T = TypeVar("T", bound=np.generic)


def unique(values: npt.NDArray[T]) -> npt.NDArray[T]:
    """``np.unique(values)`` (sorted, flattened), by one sort and a mask. numpy 2.4's
    ``np.unique`` of integers takes a hash-table path that is 15-35x slower here: 50 us
    instead of 3 us for 500 values, 4 s instead of 0.12 s for 5.7 million.

    >>> unique(np.array([3, 1, 3, 2])).tolist()
    [1, 2, 3]
    """
    out = np.sort(values, axis=None)
    if len(out) > 1:
        keep = np.empty(len(out), dtype=bool)
        keep[0] = True
        np.not_equal(out[1:], out[:-1], out=keep[1:])
        out = out[keep]
    return out
