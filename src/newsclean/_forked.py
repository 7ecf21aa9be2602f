"""Process pools whose forked workers inherit one object from the calling process (a
batch's texts, say): it travels by fork, copy on write, instead of being pickled to every
worker. Used by ``near_duplicates`` (through a ``Team``) and the index's
``fingerprint(workers=N)``. Arrays made by ``shared_empty`` before the fork stay shared
after it: what a worker writes there, the caller reads without any copy."""

from __future__ import annotations

import math
import os
import signal
import sys
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

#: The signals that stop a command (Ctrl-C, ``kill``, a closed terminal), which the
#: command handles and its workers ignore (no SIGHUP on Windows).
STOPPING = tuple(s for s in (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", None)) if s is not None)

_inherited: Any = None  # set only inside a pool's worker processes
_claims: Any = None  # a Team's shared counters and their lock, inside its workers


def pool(
    processes: int, inherit: object, claims: Any = None, setup: Callable[[], None] | None = None, context: Any = None
) -> Any:
    """A ``ProcessPoolExecutor`` of ``processes`` forked workers, in each of which
    ``inherited()`` is ``inherit`` (and ``setup()`` has run, when given). (Where fork is
    not available, or with another multiprocessing ``context``, ``inherit`` is pickled to
    each worker once.)"""
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(
        processes,
        mp_context=context or _context(),
        initializer=_inherit,
        initargs=(inherit, claims, os.getpid(), setup),
    )


def inherited() -> Any:
    """In a worker of ``pool()``, the object it was given."""
    return _inherited


class Team:
    """This process and ``processes`` forked workers (which inherit ``inherit``), sharing
    out lists of jobs. Each takes the next job nobody has claimed, the workers from the
    front of the list and this process from the back, until none is left: they finish
    within one job of each other. (A pool's own queue commits jobs to a worker before it
    is free, which left this process idle at the end of short runs.)

    ``run`` does one list at once. ``submit`` hands a list to the workers and returns at
    once, ``collect`` has this process take its share and gathers the results: up to
    ``depth`` lists may be submitted and not yet collected (the workers take them in
    order), so a stream's next batch is worked on while this process finishes the last.
    """

    def __init__(
        self, processes: int, inherit: object, depth: int = 1, setup: Callable[[], None] | None = None
    ) -> None:
        self.processes = processes
        # Per list in hand, (front, back): its unclaimed jobs are jobs[front:back].
        self._claims = _counters(2 * depth)
        self._free = list(range(depth))
        self._pool = pool(processes, inherit, self._claims, setup)

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
        self.collect(self.submit(remote, jobs), local, put)

    def submit(self, remote: Callable[..., Any], jobs: Sequence[tuple[Any, ...]]) -> Any:
        """Have the workers start on ``jobs`` (``remote(*job)``); a ticket for ``collect``."""
        if not self._free:
            raise RuntimeError("Team.submit: every list is in hand; collect one first")
        slot = self._free.pop()
        claims, lock = self._claims
        with lock:
            claims[2 * slot], claims[2 * slot + 1] = 0, len(jobs)
        return slot, jobs, [self._pool.submit(_drain, remote, jobs, slot) for _ in range(self.processes)]

    def collect(self, ticket: Any, local: Callable[..., Any], put: Callable[[int, Any], None]) -> None:
        """Run here the jobs of a ``submit`` that no worker has claimed (``local(*job)``),
        and give every job's result to ``put(k, result)``: this process's as they come,
        then each worker's."""
        slot, jobs, futures = ticket
        claims, lock = self._claims
        try:
            while True:
                with lock:
                    if claims[2 * slot + 1] <= claims[2 * slot]:
                        break
                    claims[2 * slot + 1] -= 1
                    k = int(claims[2 * slot + 1])
                put(k, local(*jobs[k]))
            for future in futures:
                for k, result in future.result():
                    put(k, result)
        finally:
            with lock:  # (after an error here, the workers stop at their next claim)
                claims[2 * slot + 1] = claims[2 * slot]
            for future in futures:
                future.cancel()
            for future in futures:  # (a worker may still be running a job of the list)
                if not future.cancelled():
                    future.exception()  # (waits for it to finish)
            self._free.append(slot)

    def start(self) -> None:
        """Fork the workers now (else the first ``submit`` does)."""
        self._pool.submit(int).result()

    def shutdown(self, wait: bool = False) -> None:
        self._pool.shutdown(wait=wait, cancel_futures=True)


def _drain(remote: Callable[..., Any], jobs: Sequence[tuple[Any, ...]], slot: int) -> list[tuple[int, Any]]:
    """In a Team's worker: claim jobs of list ``slot`` from the front and run them until
    none is left."""
    done: list[tuple[int, Any]] = []
    while True:
        claims, lock = _claims
        with lock:
            k = int(claims[2 * slot])
            if k >= claims[2 * slot + 1]:
                return done
            claims[2 * slot] = k + 1
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


def _counters(n: int) -> tuple[Any, Any]:
    """``n`` integers shared with the workers a pool forks later, and a lock for them. In
    memory that is no file when the workers fork (a ``multiprocessing.Array`` is kept in
    a file, which a full disk or a file-size limit refuses)."""
    context = _context()
    if forks():
        return shared_empty((n,), np.int64), context.Lock()
    counters = context.Array("q", n)
    return counters, counters.get_lock()


def _context() -> Any:
    import multiprocessing

    return multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else None)


def _inherit(value: object, claims: Any, caller: int, setup: Callable[[], None] | None = None) -> None:
    global _inherited, _claims
    _inherited, _claims = value, claims
    _obey(caller)
    if setup is not None:
        setup()


def _obey(caller: int) -> None:
    """Signals are the calling process's to handle (a command stops between batches and
    delivers what it wrote; a program stops its pool): Ctrl-C, SIGTERM and SIGHUP, sent to
    the whole process group by a terminal, ``timeout`` or a service manager, must not stop a
    worker under it, nor the handler a worker inherits by fork run in it. A worker whose
    caller dies however it dies (``kill -9`` too) goes with it: else it would idle on,
    holding the caller's stdout open, and the reader downstream would never see the end
    of the stream. (Linux; elsewhere a worker outlives a killed caller.)"""
    for sig in STOPPING:
        signal.signal(sig, signal.SIG_IGN)
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # (PR_SET_PDEATHSIG)
    except (OSError, AttributeError):
        return
    if os.getppid() != caller:  # (it died before the request took effect)
        os._exit(1)
