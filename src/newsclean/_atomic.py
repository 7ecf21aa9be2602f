"""Files written whole or not at all: into a temporary file beside the target, renamed over
it once complete (a reader never sees half a file, and a failed run leaves the old one).

What the target is: a symbolic link is followed (the file it names gets the new content and
the link stays a link), and what is not a regular file (``/dev/null``, a FIFO, a terminal) is
written to in place, since renaming a file over it would replace the device with a file."""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO


def target_of(path: str | os.PathLike[str]) -> Path:
    """The file that writing ``path`` changes: the end of the symbolic links at ``path``,
    else ``path`` itself (an index file's lock and journal stand beside it too). A link
    that leads to what no path names (``/dev/stdout`` when it is a pipe: ``/proc``'s links
    to open files) is its own target: it is opened, not resolved.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> (d / "link").symlink_to("real.nci")
    >>> target_of(d / "link") == d.resolve() / "real.nci", target_of(d / "x") == d / "x"
    (True, True)
    """
    given = Path(path)
    if not given.is_symlink():
        return given
    real = Path(os.path.realpath(given))
    return given if given.exists() and not real.exists() else real


def open_regular(path: str | os.PathLike[str], flags: int) -> int:
    """A descriptor of ``path`` opened with ``flags`` (``os.O_CREAT`` makes it, mode 0666
    less the umask), which must be a regular file reached without a symbolic link: the
    lock and the journal beside an index file, whose names anyone who can write to the
    directory could have taken first (a link there would have a run write over the file it
    names). ``OSError`` naming ``path``, with the reason, otherwise.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> os.close(open_regular(d / "a.lock", os.O_RDWR | os.O_CREAT))
    >>> (d / "b.lock").symlink_to(d / "a.lock")
    >>> open_regular(d / "b.lock", os.O_RDWR | os.O_CREAT)
    Traceback (most recent call last):
    OSError: [Errno 40] is a symbolic link, not a file newsclean made: ...b.lock'
    """
    nofollow = getattr(os, "O_NOFOLLOW", 0)
    link = OSError(errno.ELOOP, "is a symbolic link, not a file newsclean made", os.fspath(path))
    if not nofollow and Path(path).is_symlink():  # (no O_NOFOLLOW: Windows)
        raise link
    try:
        # (O_NONBLOCK: a FIFO put there must not block the open; it is refused below.)
        fd = os.open(path, flags | nofollow | getattr(os, "O_NONBLOCK", 0), 0o666)
    except OSError as err:
        if err.errno == errno.ELOOP:
            raise link from None
        raise
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise OSError(errno.EINVAL, "is not a regular file, not one newsclean made", os.fspath(path))
    if hasattr(os, "set_blocking"):
        os.set_blocking(fd, True)
    return fd


class Replacement:
    """A temporary file beside ``path``'s target (``file``), which ``commit()`` renames to
    the target (after an fsync) and ``discard()`` removes. It gets the permissions of the
    file it replaces (a file kept private stays so), or those a new file would (0666 less
    the umask), never a temporary file's 0600. A target that is not a
    regular file is opened and written in place (``discard()`` cannot take back what was
    written to it). ``OSError`` names ``path`` (never the temporary file)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = target_of(path)
        self._tmp: str | None = None
        try:
            mode: int | None = self.path.stat().st_mode
        except FileNotFoundError:
            mode = None
        if mode is not None and stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), os.fspath(path))
        if mode is not None and not stat.S_ISREG(mode):
            self.file: IO[bytes] = open(self.path, "wb")  # noqa: SIM115  (closed by commit or discard)
            return
        try:
            fd, self._tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
        except OSError as err:
            raise type(err)(err.errno, err.strerror, os.fspath(path)) from None
        try:
            if mode is None:  # (a new file: what the umask leaves of 0666)
                umask = os.umask(0)
                os.umask(umask)
                mode = 0o666 & ~umask
            os.fchmod(fd, stat.S_IMODE(mode))
            self.file = os.fdopen(fd, "wb")
        except BaseException:
            os.close(fd)
            Path(self._tmp).unlink(missing_ok=True)
            raise

    def commit(self) -> None:
        try:
            self.file.flush()
            if self._tmp is not None:
                os.fsync(self.file.fileno())
            self.file.close()
            if self._tmp is not None:
                os.replace(self._tmp, self.path)
        except BaseException:
            self.discard()
            raise

    def discard(self) -> None:
        try:
            self.file.close()
        except OSError:
            pass
        if self._tmp is not None:
            try:
                Path(self._tmp).unlink(missing_ok=True)
            except OSError:  # (a directory made read-only meanwhile: the temporary file stays)
                pass


@contextmanager
def replacing(path: str | os.PathLike[str]) -> Iterator[IO[bytes]]:
    """A binary file to write ``path``'s new content to: renamed to ``path`` when the block
    ends without an error, removed when it raises.

    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
    >>> with replacing(target) as f:
    ...     _ = f.write(b"whole")
    >>> target.read_bytes()
    b'whole'
    """
    replacement = Replacement(path)
    try:
        yield replacement.file
    except BaseException:
        replacement.discard()
        raise
    replacement.commit()
