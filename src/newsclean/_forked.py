"""Process pools whose forked workers inherit one object from the calling process (a
batch's texts, say): it travels by fork, copy on write, instead of being pickled to every
worker. Used by ``near_duplicates`` and the index's ``fingerprint(workers=N)``."""

from __future__ import annotations

from typing import Any

_inherited: Any = None  # set only inside a pool's worker processes


def pool(processes: int, inherit: object) -> Any:
    """A ``ProcessPoolExecutor`` of ``processes`` forked workers, in each of which
    ``inherited()`` is ``inherit``. (Where fork is not available, ``inherit`` is pickled
    to each worker once.)"""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else None)
    return ProcessPoolExecutor(processes, mp_context=context, initializer=_inherit, initargs=(inherit,))


def inherited() -> Any:
    """In a worker of ``pool()``, the object it was given."""
    return _inherited


def _inherit(value: object) -> None:
    global _inherited
    _inherited = value
