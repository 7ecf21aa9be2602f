"""Cleaning in worker processes, the results given back in input order.

``Cleaner.clean_many`` and ``newsclean --jsonl --workers N`` send batches of documents to a
pool whose workers hold the cleaner (inherited by fork, or pickled to each worker once: a
cleaner pickles as its options), and take the results back in the order the batches were
sent, with a bounded number of batches in flight.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

from ._errors import OptionsError

# (concurrent.futures and multiprocessing are imported when a pool starts: a command that
# cleans a small input in its own process does not pay for them.)

# Below this many characters in all (some 0.1 s of cleaning on one core) starting worker
# processes costs about as much as it saves.
PARALLEL_MIN_CHARS = 1 << 20
# A batch: at most this many documents and (unless one is longer) characters. Large enough
# that sending it costs little beside cleaning it, small enough that the work spreads evenly.
BATCH_TEXTS = 256
BATCH_CHARS = 1 << 18


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def check_workers(workers: object) -> int:
    if isinstance(workers, bool) or not isinstance(workers, int) or not 1 <= workers <= 256:
        raise OptionsError(f"workers must be an integer from 1 to 256, got {workers!r}")
    return workers


class InOrder:
    """Jobs ``fn(inherit, *args)``, run in a pool of ``workers`` processes (started at the
    first job sent there) or here, their results taken back in the order they were given."""

    def __init__(self, workers: int, inherit: object, context: Any = None) -> None:
        self.workers, self.inherit, self.context = workers, inherit, context
        self.pool: Any = None
        self.in_flight: deque[Any] = deque()  # futures, and _Ready results of jobs run here
        self.limit = 2 * workers  # (batches queued ahead: no worker waits for the next)

    def submit(self, fn: Callable[..., Any], *args: Any, here: bool = False) -> list[Any]:
        """Give a job (run here, at once, with ``here`` or one worker); return the results
        that had to be taken back to keep at most ``limit`` jobs in flight, oldest first."""
        if here or self.workers < 2:
            self.in_flight.append(_Ready(fn(self.inherit, *args)))
        else:
            if self.pool is None:
                from . import _forked

                self.pool = _forked.pool(self.workers, self.inherit, context=self.context)
            self.in_flight.append(self.pool.submit(_call, fn, *args))
        done = []
        while len(self.in_flight) > self.limit:
            done.append(self._take())
        return done

    def drain(self) -> list[Any]:
        """The results of every job still in flight, in order."""
        return [self._take() for _ in range(len(self.in_flight))]

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None

    def __enter__(self) -> InOrder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _take(self) -> Any:
        job = self.in_flight.popleft()
        return job.value if isinstance(job, _Ready) else job.result()


class _Ready:
    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


def _call(fn: Callable[..., Any], *args: Any) -> Any:
    from . import _forked

    return fn(_forked.inherited(), *args)


def clean_texts(cleaner: Any, texts: Sequence[str]) -> list[Any]:
    """A batch of ``Cleaner.clean_many``."""
    return [cleaner.clean(t) for t in texts]
