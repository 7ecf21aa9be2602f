"""Cleaning in worker processes, the results given back in input order.

``Cleaner.clean_many`` and ``newsclean --jsonl --workers N`` send batches of documents to a
pool whose workers hold the cleaner (inherited by fork, or pickled to each worker once: a
cleaner pickles as its options), and take the results back in the order the batches were
sent, with a bounded number of batches in flight.
"""

from __future__ import annotations

import math
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
    """The cores this process may use: those it may run on (its CPU affinity: ``taskset``,
    ``docker --cpuset-cpus``), fewer when a CPU quota of its cgroups allows less time than
    that (``docker --cpus 2``, a systemd ``CPUQuota=``, a Kubernetes CPU limit): a container
    given two CPUs' time on a 64-core host gets 2, not 64 processes that the quota would
    throttle in turn, each holding its own memory."""
    try:
        n = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        n = os.cpu_count() or 1
    quota = cgroup_cpus()
    return max(1, min(n, quota)) if quota is not None else n


def cgroup_cpus(root: str = "/sys/fs/cgroup", own: str = "/proc/self/cgroup") -> int | None:
    """The CPUs' time the cgroup CPU quotas of this process allow, rounded up (1.5 CPUs
    is 2), or ``None`` when none limits it (or this is not Linux). Its cgroup's and every
    ancestor's quota counts (a limit set on a parent binds its children), in cgroup v2
    (``cpu.max``) and v1 (``cpu.cfs_quota_us`` / ``cpu.cfs_period_us``, the ``cpu``
    controller's hierarchy); ``root`` is where the cgroup file systems are mounted and
    ``own`` the file that names this process's cgroups."""
    try:
        with open(own, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except OSError:
        return None
    least: float | None = None
    for line in lines:
        fields = line.split(":", 2)  # hierarchy:controllers:path
        if len(fields) != 3 or not fields[2].startswith("/"):
            continue
        controllers, path = fields[1], fields[2]
        if controllers == "":  # v2: one hierarchy, mounted at root
            dirs, read = [root], _v2_quota
        elif "cpu" in controllers.split(","):
            dirs, read = [os.path.join(root, name) for name in (controllers, "cpu")], _v1_quota
        else:
            continue
        for top in dict.fromkeys(dirs):
            # From the cgroup up to the hierarchy's root. (Inside a container the path may
            # name the host's cgroup, which its mount does not hold: the root is its own.)
            parts = [p for p in path.split("/") if p]
            for depth in range(len(parts), -1, -1):
                quota = read(os.path.join(top, *parts[:depth]))
                if quota is not None and (least is None or quota < least):
                    least = quota
    if least is None:
        return None
    return max(1, math.ceil(least))


def _v2_quota(directory: str) -> float | None:
    """CPUs' time allowed by ``cpu.max`` (``max 100000`` or ``150000 100000``)."""
    fields = _read_fields(os.path.join(directory, "cpu.max"))
    if len(fields) != 2 or fields[0] == "max":
        return None
    return _ratio(fields[0], fields[1])


def _v1_quota(directory: str) -> float | None:
    """CPUs' time allowed by ``cpu.cfs_quota_us`` over ``cpu.cfs_period_us`` (quota -1: none)."""
    quota = _read_fields(os.path.join(directory, "cpu.cfs_quota_us"))
    period = _read_fields(os.path.join(directory, "cpu.cfs_period_us"))
    if len(quota) != 1 or len(period) != 1:
        return None
    return _ratio(quota[0], period[0])


def _read_fields(path: str) -> list[str]:
    try:
        with open(path, encoding="ascii") as f:
            return f.read().split()
    except (OSError, UnicodeDecodeError):
        return []


def _ratio(quota: str, period: str) -> float | None:
    try:
        q, p = int(quota), int(period)
    except ValueError:
        return None
    return q / p if q > 0 and p > 0 else None


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
