"""Index files are untrusted input: crafted, truncated or foreign files are refused with an
``IndexFileError`` naming the path, before anything of a declared size is allocated."""

from __future__ import annotations

import io
import json
import tracemalloc
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from newsclean import DedupIndex, IndexFileError

from .republish import corpus


@pytest.fixture(scope="module")
def members(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The members of a genuine index file of a few documents."""
    docs = corpus(5, seed=7)
    index = DedupIndex()
    index.add_many([d.text for d in docs], [d.id for d in docs])
    path = tmp_path_factory.mktemp("good") / "good.nci"
    index.save(path)
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def write_zip(path: Path, members: dict[str, bytes], compression: int = zipfile.ZIP_STORED) -> Path:
    with zipfile.ZipFile(path, "w", compression) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


def npy(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=False)
    return buf.getvalue()


def npy_header(descr: str, shape: tuple[int, ...], data: bytes = b"") -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": descr, "fortran_order": False, "shape": shape})
    return buf.getvalue() + data


def array(members: dict[str, bytes], name: str) -> np.ndarray:
    return np.load(io.BytesIO(members[name]), allow_pickle=False)


def refused(path: Path, match: str) -> None:
    tracemalloc.start()
    try:
        with pytest.raises(IndexFileError, match=match) as caught:
            DedupIndex.load(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert str(path) in str(caught.value)
    assert peak < 4 * path.stat().st_size + (8 << 20), peak  # bounded by the file, not by what it declares


def changed(members: dict[str, bytes], **new: bytes) -> dict[str, bytes]:
    return {**members, **{k.replace("__", "."): v for k, v in new.items()}}


CASES: list[tuple[str, Callable[[dict[str, bytes]], dict[str, bytes]], str]] = [
    (
        "a header declaring 10^12 shingles",
        lambda m: changed(m, shingles__npy=npy_header("<u4", (10**12,), b"\0" * 64)),
        r"declares shape \(1000000000000,\) but holds 64 bytes",
    ),
    (
        "a header declaring 10^12 band rows",
        lambda m: changed(m, bands__npy=npy_header("<u8", (10**6, 10**6))),
        "declares shape",
    ),
    (
        "float shingles",
        lambda m: changed(m, shingles__npy=npy(array(m, "shingles.npy").astype(np.float64))),
        "holds float64, not uint32",
    ),
    (
        "big-endian shingles",
        lambda m: changed(m, shingles__npy=npy(array(m, "shingles.npy").astype(">u4"))),
        "not uint32",
    ),
    ("an object array", lambda m: changed(m, paragraphs__npy=npy_header("|O", (3,), b"\0" * 24)), "holds object"),
    ("not an array", lambda m: changed(m, bands__npy=b"PK\x03\x04 not numpy at all"), "bands.npy is not a .npy array"),
    (
        "offsets past the end",
        lambda m: changed(m, shingle_offsets__npy=npy(array(m, "shingle_offsets.npy") + 1)),
        "shingle_offsets.npy does not cut shingles.npy",
    ),
    (
        "offsets going back",
        lambda m: changed(m, paragraph_offsets__npy=npy(array(m, "paragraph_offsets.npy")[::-1].copy())),
        "paragraph_offsets.npy does not cut",
    ),
    (
        "unsorted shingles",
        lambda m: changed(m, shingles__npy=npy(array(m, "shingles.npy")[::-1].copy())),
        "not sorted and distinct",
    ),
    (
        "bands of another width",
        lambda m: changed(m, bands__npy=npy(array(m, "bands.npy")[:, :3].copy())),
        r"bands.npy has shape \(\d+, 3\)",
    ),
    (
        "10^12 documents in the header",
        lambda m: changed(m, header__json=json.dumps({**json.loads(m["header.json"]), "documents": 10**12}).encode()),
        "ids.json is too small for 1000000000000 documents",
    ),
    (
        "fewer ids than documents",
        lambda m: changed(m, ids__json=json.dumps(json.loads(m["ids.json"])[:-1]).encode()),
        "ids.json is not a list of",
    ),
    (
        "ids that are numbers",
        lambda m: changed(m, ids__json=json.dumps([10**6 + n for n in range(len(json.loads(m["ids.json"])))]).encode()),
        "ids.json is not a list of",
    ),
    (
        "an id twice",
        lambda m: changed(m, ids__json=json.dumps(["a"] * len(json.loads(m["ids.json"]))).encode()),
        "an id is there twice",
    ),
    ("ids nested deep", lambda m: changed(m, ids__json=b"[" * 100_000 + b"]" * 100_000), "ids.json is"),
    (
        "an id that is a lone surrogate",
        lambda m: changed(m, ids__json=json.dumps(["\ud800", *json.loads(m["ids.json"])[1:]]).encode()),
        "ids.json holds a string that is not text",
    ),
    ("a header that is a list", lambda m: changed(m, header__json=b"[1]"), "header.json is not a JSON dict"),
    (
        "a header of 1 MB",
        lambda m: changed(m, header__json=b" " * (1 << 20) + m["header.json"]),
        "header.json is too large",
    ),
    ("a foreign zip", lambda m: {"README.txt": b"hello", "data.csv": b"a,b\n1,2\n"}, "no header.json"),
    ("a missing member", lambda m: {k: v for k, v in m.items() if k != "digests.json"}, "no member digests.json"),
]


@pytest.mark.parametrize("make, match", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_crafted_members_are_refused(tmp_path: Path, members: dict[str, bytes], make, match: str) -> None:
    refused(write_zip(tmp_path / "crafted.nci", make(members)), match)


def test_the_genuine_file_loads(tmp_path: Path, members: dict[str, bytes]) -> None:
    assert len(DedupIndex.load(write_zip(tmp_path / "good.nci", members))) == len(json.loads(members["ids.json"]))


def test_a_zip_bomb_member_is_never_inflated(tmp_path: Path, members: dict[str, bytes]) -> None:
    bomb = changed(members, ids__json=b"[" + b" " * (64 << 20) + b"]")
    path = write_zip(tmp_path / "bomb.nci", bomb, zipfile.ZIP_DEFLATED)
    assert path.stat().st_size < 1 << 20
    refused(path, "the member 'header.json' is compressed")


def test_a_member_declaring_more_than_the_file_holds(tmp_path: Path, members: dict[str, bytes]) -> None:
    path = write_zip(tmp_path / "liar.nci", members)
    data = bytearray(path.read_bytes())
    # The central directory's size field of the first member (offset 24 of its entry).
    at = data.rindex(b"PK\x01\x02", 0, data.index(b"header.json", len(data) - 2000))
    data[at + 24 : at + 28] = (1 << 31).to_bytes(4, "little")
    data[at + 20 : at + 24] = (1 << 31).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    refused(path, "not a readable newsclean index")


def test_truncated_and_flipped_files(tmp_path: Path, members: dict[str, bytes]) -> None:
    data = write_zip(tmp_path / "good.nci", members).read_bytes()
    for cut in (len(data) - 1, len(data) - 30, len(data) // 2, 100, 4, 0):
        (tmp_path / "cut.nci").write_bytes(data[:cut])
        refused(tmp_path / "cut.nci", "not a readable newsclean index")
    rng = np.random.default_rng(5)
    for at in rng.choice(len(data), size=40, replace=False).tolist():
        flipped = bytearray(data)
        flipped[at] ^= 1 << int(rng.integers(8))
        (tmp_path / "flip.nci").write_bytes(bytes(flipped))
        try:
            DedupIndex.load(tmp_path / "flip.nci")
        except IndexFileError as err:
            assert "flip.nci" in str(err)
        # (a flip in a field zipfile ignores, such as a timestamp, leaves a good file)


def test_the_command_refuses_a_crafted_index_in_one_line(run, tmp_path: Path, members: dict[str, bytes]) -> None:
    for name, make, _ in CASES[:1] + CASES[4:5] + CASES[-2:-1]:
        path = write_zip(tmp_path / "crafted.nci", make(members))
        before = path.read_bytes()
        done = run("dedup", "--index", str(path), input='{"id": "x", "text": "A story."}\n')
        err = done.stderr.decode()
        assert (done.returncode, done.stdout) == (1, b""), name
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
        assert err.startswith(f"newsclean dedup: {path}: not a readable newsclean index"), err
        assert path.read_bytes() == before
