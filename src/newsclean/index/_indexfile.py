"""Reading an index file as untrusted input.

An index file may be truncated, bit-flipped, a zip of something else, or crafted. Every
size it declares (a zip member's, an ``.npy`` header's shape and dtype, a JSON member's
count) is checked against the bytes actually there before anything of that size is
allocated, so that reading a file costs memory bounded by the file's own size, and any
damage is an ``IndexFileError`` naming the path; so is a path that cannot be read (a
directory, no permission). Only a missing file is the ``FileNotFoundError`` it is.
"""

from __future__ import annotations

import json
import math
import os
import zipfile
from collections.abc import Callable
from typing import IO, Any

import numpy as np

from .._errors import IndexFileError, OptionsError
from ._fingerprint import check_ids

# name -> (dtype, number of dimensions); numpy.save writes native order, little-endian here.
ARRAYS: dict[str, tuple[np.dtype[Any], int]] = {
    "shingles": (np.dtype("<u4"), 1),
    "shingle_offsets": (np.dtype("<i8"), 1),
    "bands": (np.dtype("<u8"), 2),
    "paragraphs": (np.dtype("<i8"), 1),
    "paragraph_offsets": (np.dtype("<i8"), 1),
}
# Members a file may lack (it was saved before they were written): name -> (dtype, ndim).
OPTIONAL: dict[str, tuple[np.dtype[Any], int]] = {
    "first_seen": (np.dtype("<f8"), 1),
}
HEADER_MAX = 1 << 16  # header.json is a few hundred bytes


class _Refused(Exception):
    """Why a file is not a readable index (wrapped into ``IndexFileError`` with the path)."""


def read_index_file(
    path: str | os.PathLike[str], params_of: Callable[[dict[str, Any]], Any]
) -> tuple[dict[str, Any], list[str], list[str], dict[str, np.ndarray]]:
    """The header, ids, digests and arrays of an index file, each checked against the
    others. ``params_of(header)`` returns the file's ``IndexParams`` (or raises): it is
    called before the members holding the documents are read."""
    source = str(path)
    try:
        with open(path, "rb") as f:
            return _read(f, os.fstat(f.fileno()).st_size, params_of)
    except _Refused as err:
        raise IndexFileError(f"{source}: not a readable newsclean index ({err})") from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, UnicodeDecodeError, NotImplementedError) as err:
        raise IndexFileError(f"{source}: not a readable newsclean index ({err})") from None
    except FileNotFoundError:  # (no index there: a caller may make one; nothing was refused)
        raise
    except IsADirectoryError:
        raise IndexFileError(f"{source}: is a directory, not an index file") from None
    except OSError as err:
        raise IndexFileError(f"{source}: cannot be read ({err.strerror or err})") from None


def _read(
    f: IO[bytes], size: int, params_of: Callable[[dict[str, Any]], Any]
) -> tuple[dict[str, Any], list[str], list[str], dict[str, np.ndarray]]:
    with zipfile.ZipFile(f) as z:
        members = {}
        total = 0
        for info in z.infolist():
            if info.filename in members:
                raise _Refused(f"the member {info.filename!r} is there twice")
            if info.compress_type != zipfile.ZIP_STORED or info.file_size != info.compress_size:
                # (An index file's members are stored: a compressed one could declare, or
                # inflate to, far more than the file holds.)
                raise _Refused(f"the member {info.filename!r} is compressed; index members are stored")
            total += info.file_size
            members[info.filename] = info
        if total > size:
            raise _Refused(f"its members declare {total} bytes, more than the file's {size}")
        if "header.json" not in members:
            raise _Refused("no header.json: not a newsclean index file")
        missing = [n for n in ("ids.json", "digests.json", *(a + ".npy" for a in ARRAYS)) if n not in members]
        if missing:
            raise _Refused(f"no member {missing[0]}")
        bad = z.testzip()  # every member's CRC-32: flipped bits stop here
        if bad is not None:
            raise _Refused(f"the member {bad} is corrupt (its CRC-32 differs)")
        if members["header.json"].file_size > HEADER_MAX:
            raise _Refused("header.json is too large to be a header")
        header = _json(z, "header.json", dict)
        params = params_of(header)
        documents = header.get("documents")
        offered = header.get("offered", documents)
        if not _count(documents) or not _count(offered):
            raise _Refused("the header's 'documents' and 'offered' are not counts")
        for name in ("ids.json", "digests.json"):
            # Each of ``documents`` strings takes at least 3 bytes ('"",'): a count the
            # member cannot hold is refused before the member is parsed.
            if members[name].file_size < 3 * documents - 1 + 2:
                raise _Refused(f"{name} is too small for {documents} documents")
        arrays = {name: _npy(z, members[name + ".npy"], name) for name in ARRAYS}
        arrays |= {name: _npy(z, members[name + ".npy"], name) for name in OPTIONAL if name + ".npy" in members}
        _check_arrays(arrays, documents, params.bands[0])
        ids = _strings(z, "ids.json", documents)
        digests = _strings(z, "digests.json", documents)
        if len(set(ids)) != len(ids):
            raise _Refused("an id is there twice")
    return header, ids, digests, arrays


def _count(value: Any) -> bool:
    return type(value) is int and value >= 0


def _json(z: zipfile.ZipFile, name: str, kind: type) -> Any:
    try:
        value = json.loads(z.read(name))
    except ValueError as err:  # (JSONDecodeError, UnicodeDecodeError)
        raise _Refused(f"{name} is not JSON ({err})") from None
    except RecursionError:
        raise _Refused(f"{name} is nested too deep") from None
    if not isinstance(value, kind):
        raise _Refused(f"{name} is not a JSON {kind.__name__}")
    return value


def _strings(z: zipfile.ZipFile, name: str, count: int) -> list[str]:
    value: list[str] = _json(z, name, list)
    if len(value) != count or not all(isinstance(v, str) for v in value):
        raise _Refused(f"{name} is not a list of {count} strings")
    try:
        check_ids(value, value)  # (text an index can hold)
    except OptionsError:
        raise _Refused(f"{name} holds a string that is not text (a lone surrogate)") from None
    return value


def _npy(z: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> np.ndarray:
    """An ``.npy`` member, its header checked against the member's size before the data
    is read: an array of the declared shape must fill the member exactly."""
    want, ndim = ARRAYS[name] if name in ARRAYS else OPTIONAL[name]
    with z.open(info) as m:
        try:
            version = np.lib.format.read_magic(m)
            if version == (1, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(m)
            elif version in ((2, 0), (3, 0)):
                shape, fortran, dtype = np.lib.format.read_array_header_2_0(m)
            else:
                raise _Refused(f"{info.filename} is a .npy file of version {version}")
        except ValueError as err:
            raise _Refused(f"{info.filename} is not a .npy array ({err})") from None
        if dtype.hasobject or dtype != want:
            raise _Refused(f"{info.filename} holds {dtype}, not {want}")
        if len(shape) != ndim or not all(_count(n) for n in shape):
            raise _Refused(f"{info.filename} has shape {shape}, not {ndim}-dimensional")
        data = info.file_size - m.tell()
        if math.prod(shape) * want.itemsize != data:
            raise _Refused(f"{info.filename} declares shape {shape} but holds {data} bytes of data")
        array = np.frombuffer(m.read(data), dtype=want)
    return array.reshape(shape, order="F" if fortran else "C")


def _check_arrays(arrays: dict[str, np.ndarray], documents: int, bands: int) -> None:
    """Offsets that cut their arrays into ``documents`` parts, band rows of the right
    width, and each shingle set sorted without repeats (the merges rely on it)."""
    if "first_seen" in arrays:
        seen = arrays["first_seen"]
        if seen.shape != (documents,) or not np.all(np.isfinite(seen)):
            raise _Refused(f"first_seen.npy is not {documents} finite times")
    if arrays["bands"].shape != (documents, bands):
        raise _Refused(f"bands.npy has shape {arrays['bands'].shape}, not ({documents}, {bands})")
    for values, offsets in (("shingles", "shingle_offsets"), ("paragraphs", "paragraph_offsets")):
        off = arrays[offsets]
        if len(off) != documents + 1 or off[0] != 0 or off[-1] != len(arrays[values]) or np.any(np.diff(off) < 0):
            raise _Refused(f"{offsets}.npy does not cut {values}.npy into {documents} documents")
    sets, off = arrays["shingles"], arrays["shingle_offsets"]
    step = np.diff(sets.astype(np.int64))
    if len(step):
        starts = np.zeros(len(sets), dtype=bool)
        starts[off[:-1][off[:-1] < len(sets)]] = True
        if np.any((step <= 0) & ~starts[1:]):
            raise _Refused("a document's shingles are not sorted and distinct")
