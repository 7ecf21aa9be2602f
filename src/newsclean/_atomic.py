"""Files written whole or not at all: into a temporary file beside the target, renamed over
it once complete (a reader never sees half a file, and a failed run leaves the old one)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO


class Replacement:
    """A temporary file beside ``path`` (``file``), which ``commit()`` renames to ``path``
    (after an fsync) and ``discard()`` removes. It gets the permissions a new file would
    (0666 less the umask), not a temporary file's 0600."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        fd, self._tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
        try:
            umask = os.umask(0)
            os.umask(umask)
            os.fchmod(fd, 0o666 & ~umask)
            self.file: IO[bytes] = os.fdopen(fd, "wb")
        except BaseException:
            os.close(fd)
            Path(self._tmp).unlink(missing_ok=True)
            raise

    def commit(self) -> None:
        try:
            self.file.flush()
            os.fsync(self.file.fileno())
            self.file.close()
            os.replace(self._tmp, self.path)
        except BaseException:
            self.discard()
            raise

    def discard(self) -> None:
        try:
            self.file.close()
        except OSError:
            pass
        Path(self._tmp).unlink(missing_ok=True)


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
