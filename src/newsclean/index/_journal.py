"""The journal beside an index file: what a run has written since the file was saved.

``newsclean dedup --index seen.nci`` appends each written batch's kept documents to
``seen.nci.journal`` and ``fsync``\\s it before going on, so that a run killed at any point
(``kill -9``, a power cut) loses at most the batch in flight. The next run folds the
journal into the index it loads, and removes it once the index is saved. A record torn by
the kill (short, or its CRC-32 wrong) ends the journal: it and anything after it are cut
off. The format is described in docs/index-format.md.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import struct
import time
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np

from .._errors import IndexFileError
from ._fingerprint import Fingerprint, IndexParams, check_ids, minhash_of_sets

MAGIC = b"NCJ1"
_HEAD = struct.Struct("<4sIQI")  # magic, JSON bytes, array bytes, CRC-32 of JSON + arrays


def journal_path(index_path: str | os.PathLike[str]) -> Path:
    """The journal of an index file: ``PATH.journal`` beside the file a link at
    ``index_path`` names, as the file is saved there (``_atomic.target_of``)."""
    from .._atomic import target_of

    return Path(f"{target_of(index_path)}.journal")


class Journal:
    """The journal of the index file at ``index_path`` (held by one run: see the lock)."""

    def __init__(self, index_path: str | os.PathLike[str], params: IndexParams) -> None:
        self.path = journal_path(index_path)
        self._index_path = index_path
        self.params = params
        self._file: IO[bytes] | None = None
        self.unfinished = 0  # documents replayed that a run wrote and did not end (see ``end``)
        self.cut: str | None = None  # what ``replay`` cut off, said for a message

    def replay(self, index: Any, *, repair: bool = True) -> int:
        """Add the journal's documents to ``index`` in the order they were written (each
        first seen when its record says), forget the ones its records forget, and return
        how many documents were replayed; ``unfinished`` counts those after the last
        ``end`` record (written by a run that was killed). A torn end is cut off (and
        ``cut`` says what was), unless ``repair`` is false (a reader that holds no lock:
        the end may be a record being written), when it is only left unread."""
        self.unfinished = 0
        self.cut = None
        if not os.path.lexists(self.path):
            return 0
        replayed = 0
        with os.fdopen(self._open(os.O_RDWR if repair else os.O_RDONLY), "r+b" if repair else "rb") as f:
            info = os.fstat(f.fileno())
            size = info.st_size
            head = f.read(len(MAGIC))
            if not MAGIC.startswith(head):
                # (Not a torn first record either: a file this run did not write, kept as it is.)
                raise IndexFileError(f"{self.path}: not a newsclean journal (it does not begin with {MAGIC!r})")
            f.seek(0)
            good = 0
            torn = "a last record not all written (a run killed while writing it)"
            why = torn  # (what ends the journal before its end, if anything does)
            while good + _HEAD.size <= size:
                magic, json_bytes, array_bytes, crc = _HEAD.unpack(f.read(_HEAD.size))
                if magic != MAGIC or json_bytes + array_bytes > size - good - _HEAD.size:
                    why = "a damaged record" if magic != MAGIC else torn
                    break
                body = f.read(json_bytes + array_bytes)
                if zlib.crc32(body) != crc:
                    last = good + _HEAD.size + len(body) == size
                    why = "a last record damaged or not all written" if last else "a damaged record"
                    break
                prints, ids, seen, (forget, before), end = self._decode(body[:json_bytes], body[json_bytes:])
                self.unfinished = 0 if end else self.unfinished + len(ids)
                for doc_id in forget:
                    if doc_id in index and (before is None or index.first_seen(doc_id) < before):
                        index.remove(doc_id)
                if prints:
                    # (A record written before the times were kept: its documents were
                    # first seen by the time the journal was last written.)
                    index.add_fingerprints(prints, ids, now=info.st_mtime if seen is None else seen)
                replayed += len(ids)
                good += _HEAD.size + len(body)
            if good < size and repair:
                f.truncate(good)
                os.fsync(f.fileno())
                self.cut = f"{why} at byte {good}: its {size - good} bytes to the end were cut off"
        return replayed

    def _decode(
        self, head: bytes, arrays: bytes
    ) -> tuple[list[Fingerprint], list[str], float | None, tuple[list[str], float | None], bool]:
        params = self.params
        try:
            record = json.loads(head)
            params.check(record["params"], str(self.path))
            ids, digests, paragraphs, sizes = record["ids"], record["digests"], record["paragraphs"], record["sizes"]
            seen, forget, before = record.get("seen"), record.get("forget", []), record.get("before")
            for name, value in (("seen", seen), ("before", before)):
                if value is not None and (type(value) not in (int, float) or not np.isfinite(value)):
                    raise ValueError(f"its {name!r} is not a time")
            if not isinstance(forget, list) or not all(isinstance(i, str) for i in forget):
                raise ValueError("its 'forget' is not a list of ids")
            check_ids(ids, [str(i) for i in ids])  # (text an index can hold, else OptionsError)
            n, width = len(ids), params.bands[0]
            if not (len(digests) == len(paragraphs) == len(sizes) == n):
                raise ValueError("its lists disagree in length")
            if not all(type(s) is int and s >= 0 for s in sizes) or 4 * sum(sizes) + 8 * n * width != len(arrays):
                raise ValueError("its arrays are not the size its sizes say")
            shingles = np.frombuffer(arrays, dtype="<u4", count=sum(sizes)).astype(np.uint32)
            bands = np.frombuffer(arrays, dtype="<u8", offset=4 * sum(sizes)).astype(np.uint64).reshape(n, width)
            offsets = np.zeros(n + 1, dtype=np.int64)
            np.cumsum(sizes, out=offsets[1:])
            owner = np.repeat(np.arange(n, dtype=np.int64), sizes)
            checks = minhash_of_sets(shingles, owner, n, params)[1]
            prints = [
                Fingerprint(
                    shingles[offsets[k] : offsets[k + 1]],
                    bands[k],
                    tuple(int(h) for h in paragraphs[k]),
                    params,
                    str(digests[k]),
                    checks[k],
                )
                for k in range(n)
            ]
            end = record.get("end") is True
            when = None if before is None else float(before)
            return prints, [str(i) for i in ids], None if seen is None else float(seen), (forget, when), end
        except (KeyError, TypeError, ValueError) as err:
            raise IndexFileError(f"{self.path}: not a readable newsclean journal ({err})") from None

    def append(self, prints: Sequence[Fingerprint], ids: Sequence[str], *, seen: float | None = None) -> None:
        """Append a batch's kept documents, first seen at ``seen`` (the ``now`` they were
        added with; default the wall clock), and ``fsync`` them: once this returns, they
        survive any crash."""
        if prints:
            self._write(prints, ids, {"seen": time.time() if seen is None else seen})

    def forget(self, ids: Sequence[str], *, before: float) -> None:
        """Append that the documents ``ids``, first seen before ``before``, are forgotten
        (``DedupIndex.expire``), so that the file need not be rewritten to forget them.
        Replaying forgets each only if it was first seen before then: a document added
        again later (by a writer that saved the file meanwhile) stays."""
        if ids:
            self._write([], [], {"forget": list(ids), "before": before})

    def end(self) -> None:
        """Append that the run writing the journal ended (it did not fold the journal into
        the file): the documents before it are no run's unfinished work. Nothing is
        written where there is no journal."""
        if self._file is not None or self.path.exists():
            self._write([], [], {"end": True})

    def worth_folding(self, index_path: str | os.PathLike[str]) -> bool:
        """Whether the index should be saved whole and the journal removed: when the
        journal has grown to a quarter of the file's size (every later load replays it),
        or there is no file yet. Otherwise a run leaves the file as it was."""
        try:
            saved = os.stat(index_path).st_size
        except FileNotFoundError:
            return True
        try:
            logged = os.stat(self.path).st_size
        except FileNotFoundError:
            return False
        return 4 * logged >= saved

    def _open(self, flags: int) -> int:
        """A descriptor of the journal, refused (``IndexFileError``) when what stands at
        its name is a link or not a regular file (``_atomic.open_regular``)."""
        from .._atomic import open_regular

        try:
            return open_regular(self.path, flags)
        except OSError as err:
            raise IndexFileError(f"{self.path}: cannot open the index's journal: {err.strerror or err}") from None

    def _write(self, prints: Sequence[Fingerprint], ids: Sequence[str], extra: dict[str, Any]) -> None:
        if self._file is None:
            created = not os.path.lexists(self.path)
            fd = self._open(os.O_WRONLY | os.O_APPEND | os.O_CREAT)
            try:
                if created:
                    # The journal holds what the index file holds: it gets the file's
                    # permissions (a private index has a private journal), else what the
                    # umask gave it; its name must survive a crash too.
                    with contextlib.suppress(FileNotFoundError):
                        os.fchmod(fd, stat.S_IMODE(os.stat(self._index_path).st_mode))
                    _fsync_dir(self.path.parent)
                self._file = os.fdopen(fd, "ab")
            except BaseException:
                os.close(fd)
                raise
        head = json.dumps(
            {
                "params": self.params.header(),
                "ids": list(ids),
                "digests": [fp.digest for fp in prints],
                "paragraphs": [list(fp.paragraphs) for fp in prints],
                "sizes": [len(fp.shingles) for fp in prints],
            }
            | extra,
            ensure_ascii=False,
        ).encode("utf-8")
        arrays = b"".join(
            [np.ascontiguousarray(fp.shingles, dtype="<u4").tobytes() for fp in prints]
            + [np.ascontiguousarray(fp.bands, dtype="<u8").tobytes() for fp in prints]
        )
        body = head + arrays
        self._file.write(_HEAD.pack(MAGIC, len(head), len(arrays), zlib.crc32(body)) + body)
        self._file.flush()
        os.fsync(self._file.fileno())

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def remove(self) -> None:
        """Remove the journal (once the index file holding its documents is saved)."""
        self.close()
        self.path.unlink(missing_ok=True)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return  # (not possible everywhere: Windows)
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
