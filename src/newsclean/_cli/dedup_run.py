"""What keeps a ``newsclean dedup`` run from losing work: the lock on an index file, the
signals that stop a run cleanly."""

from __future__ import annotations

import errno
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

from .._errors import IndexFileError

LOCK_TIMEOUT = 600.0  # seconds a run waits for another one holding the index


class IndexLock:
    """An exclusive lock on ``PATH.lock`` beside the index file ``PATH``, held for a whole
    run, so that two runs on one index take turns instead of each saving over the other's
    documents. The system releases it when the process ends, however it ends (``kill -9``
    too); the lock file itself stays (removing it would let a third run lock a new file
    while a second one waits on the old). A POSIX record lock (``lockf``), owned by this
    process alone: a ``flock`` would be shared with the forked workers, which outlive a
    killed run for a while and would hold the index locked; ``msvcrt.locking`` on Windows.
    """

    def __init__(self, index_path: str | os.PathLike[str]) -> None:
        self.index_path = os.fspath(index_path)
        self.path = f"{self.index_path}.lock"
        self._fd: int | None = None

    def acquire(self, timeout: float, waiting: Callable[[str], None]) -> None:
        """Take the lock, waiting up to ``timeout`` seconds (``waiting(message)`` is called
        once, if the lock is held); ``IndexFileError`` if it is still held then."""
        from .._atomic import open_regular

        try:
            fd = open_regular(self.path, os.O_RDWR | os.O_CREAT)
        except OSError as err:
            raise IndexFileError(f"{self.index_path}: cannot open its lock file {self.path}: {err.strerror}") from None
        deadline = time.monotonic() + timeout
        told = False
        try:
            while not _try_lock(fd):
                if not told and timeout > 0:
                    holder = _holder(fd)
                    waiting(
                        f"{self.index_path}: another run{holder} is using this index; waiting for it "
                        f"(up to {timeout:g} s, --lock-timeout)"
                    )
                    told = True
                if time.monotonic() >= deadline:
                    raise IndexFileError(
                        f"{self.index_path}: another run{_holder(fd)} still holds the index after "
                        f"{timeout:g} s (--lock-timeout); {self.path} is its lock"
                    )
                time.sleep(min(0.1, max(0.0, deadline - time.monotonic())))
        except BaseException:
            os.close(fd)
            raise
        # Who holds it, for the message another run prints while it waits.
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # (closing releases the lock)
            self._fd = None


if sys.platform == "win32":
    import msvcrt

    def _try_lock(fd: int) -> bool:
        os.lseek(fd, 0, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _holder(fd: int) -> str:
        return ""  # (a locked byte cannot be read on Windows)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as err:  # (EAGAIN or EACCES: held by another process)
            if err.errno in (errno.EAGAIN, errno.EACCES):
                return False
            raise
        return True

    def _holder(fd: int) -> str:
        """Who holds the lock, for the message: on Linux the process the system names (the
        lock may be held by a program other than newsclean, or a run whose pid is not yet
        written), elsewhere the pid a run wrote in the lock file."""
        pid = _locker(fd) if sys.platform.startswith("linux") else None
        if pid is None:
            try:
                text = os.pread(fd, 32, 0).decode("ascii").strip()
            except (OSError, UnicodeDecodeError):
                return ""
            pid = int(text) if text.isdigit() else None
        return f" (process {pid})" if pid else ""

    def _locker(fd: int) -> int | None:
        """The process holding a record lock on ``fd``'s file (``F_GETLK``; Linux's
        ``struct flock``: type, whence, start, length, pid), ``None`` if none does."""
        import struct

        flock = struct.Struct("@hhqqi")
        try:
            got = fcntl.fcntl(fd, fcntl.F_GETLK, flock.pack(fcntl.F_WRLCK, os.SEEK_SET, 0, 0, 0) + bytes(16))
        except OSError:
            return None
        kind, _, _, _, pid = flock.unpack_from(got)
        return pid if kind != fcntl.F_UNLCK and pid > 0 else None


class Stop(BaseException):
    """SIGTERM, SIGINT or SIGHUP arrived: stop reading, keep what was written."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


class Signals:
    """SIGTERM, SIGINT and SIGHUP (a closed terminal) stop a run as ``Stop``, but never inside a ``batch()`` section
    (deciding, writing and recording one batch): one that arrives there stops the run at
    the section's end, so the index holds exactly the documents written. Later signals
    only hurry nothing: the index is saved once."""

    def __init__(self) -> None:
        self.got = 0  # the first signal's number
        self._depth = 0
        self._raised = False
        self._before: dict[int, object] = {}

    def install(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return  # (only the main thread may set handlers: signals stay as they were)
        from .._forked import STOPPING

        for sig in STOPPING:
            self._before[sig] = signal.signal(sig, self._handle)

    def restore(self) -> None:
        for sig, handler in self._before.items():
            signal.signal(sig, handler)  # type: ignore[arg-type]
        self._before.clear()

    def finish(self) -> None:
        """From now on (saving), a signal is noted and does not interrupt."""
        self._raised = True

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self.got = self.got or signum
        if not self._raised and not self._depth:
            self._raised = True
            raise Stop(signum)

    @contextmanager
    def batch(self) -> Iterator[None]:
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1
        if self.got and not self._raised and not self._depth:
            self._raised = True
            raise Stop(self.got)
