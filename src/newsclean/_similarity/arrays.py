"""Array helpers of the similarity wing: set operations that numpy has, but slowly for the
shapes of shingle sets, and the allocator setting of large batches."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

import numpy as np

if TYPE_CHECKING:
    import numpy.typing as npt

T = TypeVar("T", bound=np.generic)


def unique(values: npt.NDArray[T], *, overwrite: bool = False) -> npt.NDArray[T]:
    """``np.unique(values)`` (sorted, flattened), by one sort and a mask: numpy's own
    ``np.unique`` of integers (2.x) takes a hash-table path, many times slower on shingle
    hashes, which are all distinct but for a few. With ``overwrite``, a contiguous
    ``values`` is sorted in place instead of copied.

    >>> unique(np.array([3, 1, 3, 2])).tolist()
    [1, 2, 3]
    """
    if overwrite and values.flags.c_contiguous:
        out = values.reshape(-1)
        out.sort()
    else:
        out = np.sort(values, axis=None)
    if len(out) > 1:
        keep = np.empty(len(out), dtype=bool)
        keep[0] = True
        np.not_equal(out[1:], out[:-1], out=keep[1:])
        out = out[keep]
    return out


def intersection_size(a: npt.NDArray[T], b: npt.NDArray[T]) -> int:
    """``|a ∩ b|`` of two sorted arrays of unique values: sorted together, a value of both
    is a value next to itself. For sets of a few hundred values (a news document's), one
    vectorised sort costs less than a binary search of each value of one in the other, and
    than ``np.intersect1d`` (which sorts, then builds the intersection).

    >>> intersection_size(np.array([1, 3, 5]), np.array([2, 3, 5, 8]))
    2
    """
    both = np.concatenate((a, b))
    both.sort()
    return int(np.count_nonzero(both[1:] == both[:-1]))


def reuse_large_blocks() -> None:
    """Have malloc reuse freed blocks of up to 30 MB instead of mapping fresh memory for
    each one, by freeing one untouched 30 MB block (cheap: no page of it is touched).

    glibc serves a block above its mmap threshold (128 KB at start) by a fresh mapping,
    faulted in page by page and unmapped on free. Freeing such a block raises the
    threshold to its size (up to 32 MB), and it is how a process settles anyway once it
    has freed one large array. Until then, a batch's temporaries of a few MB each are
    faulted in afresh, chunk after chunk, page by page. The cost: the process may keep up
    to twice the threshold (60 MB) of freed memory for reuse instead of returning it at
    once. Elsewhere than glibc, this only allocates and frees.
    """
    block = np.empty(30 << 20, dtype=np.uint8)
    del block
