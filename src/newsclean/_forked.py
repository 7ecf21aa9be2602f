"""Process pools whose forked workers inherit one object from the calling process (a
batch's texts, say): it travels by fork, copy on write, instead of being pickled to every
worker. Used by ``near_duplicates`` (through a ``Team``) and the index's
``fingerprint(workers=N)``. Arrays made by ``shared_empty`` before the fork stay shared
after it: what a worker writes there, the caller reads without any copy."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

_inherited: Any = None  # set only inside a pool's worker processes
_claims: Any = None  # a Team's shared counters, inside its workers


def pool(
    processes: int, inherit: object, claims: Any = None, setup: Callable[[], None] | None = None, context: Any = None
) -> Any:
    """A ``ProcessPoolExecutor`` of ``processes`` forked workers, in each of which
    ``inherited()`` is ``inherit`` (and ``setup()`` has run, when given). (Where fork is
    not available, or with another multiprocessing ``context``, ``inherit`` is pickled to
    each worker once.)"""
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(
        processes, mp_context=context or _context(), initializer=_inherit, initargs=(inherit, claims, setup)
    )


def inherited() -> Any:
    """In a worker of ``pool()``, the object it was given."""
    return _inherited


class Team:
    """This process and ``processes`` forked workers (which inherit ``inherit``), sharing
    out lists of jobs. Each takes the next job nobody has claimed, the workers from the
    front of the list and this process from the back, until none is left: they finish
    within one job of each other. (A pool's own queue commits jobs to a worker before it
    is free, which left this process idle at the end of short runs.)"""

    def __init__(self, processes: int, inherit: object) -> None:
        self.processes = processes
        # (front, back): the unclaimed jobs of the current run are jobs[front:back].
        self._claims = _context().Array("q", 2)
        self._pool = pool(processes, inherit, self._claims)

    def run(
        self,
        remote: Callable[..., Any],
        local: Callable[..., Any],
        jobs: Sequence[tuple[Any, ...]],
        put: Callable[[int, Any], None],
    ) -> None:
        """Run every job: ``remote(*job)`` in the workers, ``local(*job)`` here.
        ``put(k, result)`` receives job ``k``'s result: this process's as they come, then
        each worker's."""
        claims = self._claims
        with claims.get_lock():
            claims[0], claims[1] = 0, len(jobs)
        futures = [self._pool.submit(_drain, remote, jobs) for _ in range(self.processes)]
        try:
            while True:
                with claims.get_lock():
                    if claims[1] <= claims[0]:
                        break
                    claims[1] -= 1
                    k = claims[1]
                put(k, local(*jobs[k]))
        finally:
            with claims.get_lock():  # (after an error here, the workers stop at their next claim)
                claims[1] = claims[0]
        for future in futures:
            for k, result in future.result():
                put(k, result)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def _drain(remote: Callable[..., Any], jobs: Sequence[tuple[Any, ...]]) -> list[tuple[int, Any]]:
    """In a Team's worker: claim jobs from the front and run them until none is left."""
    done: list[tuple[int, Any]] = []
    while True:
        with _claims.get_lock():
            k = _claims[0]
            if k >= _claims[1]:
                return done
            _claims[0] = k + 1
        done.append((k, remote(*jobs[k])))


def forks() -> bool:
    """Whether workers are forked here (then ``shared_empty`` arrays are shared with them;
    elsewhere a worker would get a copy)."""
    return bool(_context().get_start_method() == "fork")


def shared_empty(shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    """An uninitialised array in memory that this process shares with the processes it
    forks afterwards (an anonymous shared mapping): what they write there, it sees."""
    import mmap

    count = math.prod(shape)
    block = mmap.mmap(-1, max(1, count * np.dtype(dtype).itemsize))  # (MAP_SHARED)
    return np.frombuffer(block, dtype=dtype, count=count).reshape(shape)


def _context() -> Any:
    import multiprocessing

    return multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else None)


def _inherit(value: object, claims: Any, setup: Callable[[], None] | None = None) -> None:
    global _inherited, _claims
    _inherited, _claims = value, claims
    if setup is not None:
        setup()
