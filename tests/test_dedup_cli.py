"""``newsclean dedup`` as users run it."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import select
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from newsclean import DedupIndex, IndexParams

from .conftest import entry_point
from .republish import corpus

DOCS = corpus(30, seed=3)


def jsonl(docs) -> str:
    return "".join(json.dumps({"id": d.id, "text": d.text, "kind": d.kind}) + "\n" for d in docs)


def rows(out: bytes) -> list[dict]:
    return [json.loads(line) for line in out.decode().splitlines()]


def test_drops_duplicates_keeps_order_and_fields(run) -> None:
    done = run("dedup", input=jsonl(DOCS))
    assert done.returncode == 0
    kept = rows(done.stdout)
    ids = [d.id for d in DOCS]
    assert [r["id"] for r in kept] == sorted((r["id"] for r in kept), key=ids.index)  # input order
    assert all(set(r) == {"id", "text", "kind"} for r in kept)
    by_id = {d.id: d for d in DOCS}
    assert all(r["text"] == by_id[r["id"]].text for r in kept)  # untouched
    assert len(kept) == len({d.story for d in DOCS})
    assert done.stderr.decode().startswith(
        f"newsclean dedup: {len(DOCS)} in, {len(kept)} kept, {len(DOCS) - len(kept)} dropped, "
    )


def test_mark(run) -> None:
    marked = rows(run("dedup", "--mark", input=jsonl(DOCS)).stdout)
    assert len(marked) == len(DOCS)
    first = {}
    for r, d in zip(marked, DOCS):
        first.setdefault(d.story, d.id)
        assert r["duplicate_of"] == (None if first[d.story] == d.id else first[d.story])


def test_index_file_across_runs(run, tmp_path: Path) -> None:
    path = tmp_path / "seen.nci"
    day1 = run("dedup", "--index", str(path), input=jsonl(DOCS[:60]))
    day2 = run("dedup", "--index", str(path), input=jsonl(DOCS[60:]))
    once = run("dedup", input=jsonl(DOCS))
    assert day1.returncode == day2.returncode == 0 and path.exists()
    assert rows(day1.stdout) + rows(day2.stdout) == rows(once.stdout)
    refused = run("dedup", "--index", str(path), "--threshold", "0.9", input=jsonl(DOCS[:1]))
    assert refused.returncode == 1
    assert "threshold: 0.4 != 0.9" in refused.stderr.decode()


def test_flags_left_out_are_the_index_files_own(run, tmp_path: Path) -> None:
    """An index made with --threshold 0.5 --shingle-size 4 is used with any of those flags,
    or none; a flag that disagrees is refused, and only it is named."""
    path = tmp_path / "seen.nci"
    made = run("dedup", "--index", str(path), "--threshold", "0.5", "--shingle-size", "4", input=jsonl(DOCS[:60]))
    assert made.returncode == 0
    again = run("dedup", "--index", str(path), input=jsonl(DOCS[:60]))
    assert again.returncode == 0 and again.stdout == b""  # (all seen: the file's rule)
    for flags in (["--threshold", "0.5"], ["--shingle-size", "4"], ["--shingle-kind", "word", "--threshold", "0.5"]):
        agreed = run("dedup", "--index", str(path), *flags, input=jsonl(DOCS[:60]))
        assert agreed.returncode == 0 and agreed.stdout == b"", (flags, agreed.stderr)
    refused = run("dedup", "--index", str(path), "--threshold", "0.4", input=jsonl(DOCS[:1]))
    assert refused.returncode == 1 and refused.stdout == b""
    assert (
        refused.stderr.decode() == f"newsclean dedup: {path} was made with other parameters (threshold: 0.5 != 0.4)\n"
    )


def test_number_ids_that_read_as_one_number(run) -> None:
    """1e400 and 2e400 both read as infinity: as one id, the second story would replace the
    first (an "update") and a copy of the first be kept. Such a line is a bad line."""
    a, b = [d.text for d in DOCS if d.kind == "original"][:2]
    lines = [
        json.dumps({"id": 0, "text": a}).replace("0", "1e400", 1),
        json.dumps({"id": 0, "text": b}).replace("0", "2e400", 1),
    ]
    copy = json.dumps({"id": "x", "text": a})
    done = run("dedup", input="\n".join([*lines, copy]) + "\n")
    assert done.returncode == 1 and done.stdout == b""
    assert "<stdin>: line 1: its id is a number too large for a double (it reads as infinity)" in done.stderr.decode()
    skipped = run("dedup", "--skip-bad-lines", input="\n".join([*lines, copy]) + "\n")
    assert rows(skipped.stdout) == [{"id": "x", "text": a}] and "2 bad lines skipped" in skipped.stderr.decode()
    # Finite numbers are ids as JSON writes them back: 7 and 7.0 are two ids, 1e0 and 1.0 one.
    marked = run(
        "dedup", "--mark", input=f'{{"id": 1e0, "text": {json.dumps(a)}}}\n{{"id": 1.0, "text": {json.dumps(a)}}}\n'
    )
    assert [r["duplicate_of"] for r in rows(marked.stdout)] == [None, "1.0"]


def test_documents_without_an_id_are_named_by_their_text(run, tmp_path: Path) -> None:
    # Two days of a crawl whose records carry no id: line N of day 2 is not line N of day 1.
    index = tmp_path / "seen.nci"
    stories = [d.text for d in DOCS if d.kind == "original"]
    day1 = "".join(json.dumps({"text": t}) + "\n" for t in stories[:3])
    day2 = "".join(json.dumps({"text": t}) + "\n" for t in stories[3:6])
    assert len(rows(run("dedup", "--index", str(index), input=day1).stdout)) == 3
    assert len(rows(run("dedup", "--index", str(index), input=day2).stdout)) == 3
    again = rows(run("dedup", "--mark", "--index", str(index), input=day1).stdout)
    named = "text:" + hashlib.blake2b(stories[0].encode(), digest_size=16).hexdigest()
    assert again[0]["duplicate_of"] == named and again[0]["similarity"] == 1.0


def test_a_known_id_with_a_changed_body_is_an_update(run, tmp_path: Path) -> None:
    index = tmp_path / "seen.nci"
    story = next(d for d in DOCS if d.kind == "original")
    run("dedup", "--index", str(index), input=jsonl([story]))
    corrected = story.text.replace(".", ", officials said on Tuesday in a corrected report.", 2)
    line = json.dumps({"id": story.id, "text": corrected, "kind": "correction"}) + "\n"
    done = run("dedup", "--mark", "--index", str(index), input=line)
    assert rows(done.stdout)[0]["duplicate_of"] is None  # written: the corrected story
    assert "1 in, 1 kept (1 updated)" in done.stderr.decode()
    same = run("dedup", "--index", str(index), input=line)
    assert same.stdout == b"" and "1 in, 0 kept" in same.stderr.decode()  # the same again: a repeat


def test_kept_lines_are_the_input_bytes(run) -> None:
    lines = [
        '{"id": "a", "n": 1e3, "text": "Caf\\u00e9 owners in the old quarter said rents rose by a third.", "x": [1.50, -0.0]}',
        '{"text":"Rice exports rose 12 percent in the first half, the ministry said.","id":"b"}',
    ]
    done = run("dedup", input="\n".join(lines) + "\n")
    assert done.returncode == 0 and done.stdout.decode() == "\n".join(lines) + "\n"
    marked = run("dedup", "--mark", input="\n".join(lines) + "\n").stdout.decode().splitlines()
    assert marked[0] == lines[0][:-1] + ', "duplicate_of": null, "similarity": null, "group": "a"}'
    clash = run("dedup", "--mark", input='{"text": "A story.", "duplicate_of": 3}\n')
    assert clash.returncode == 1 and "already has a field 'duplicate_of'" in clash.stderr.decode()


def test_mark_writes_every_good_record_and_counts_bad_lines_apart(run) -> None:
    good = jsonl(DOCS[:4])
    done = run("dedup", "--mark", "--skip-bad-lines", input=good + "{oops\n" + "[1]\n" + good)
    assert done.returncode == 0
    assert len(rows(done.stdout)) == 8
    assert "8 in, 4 kept, 4 marked duplicate, 2 bad lines skipped" in done.stderr.decode()


def test_a_line_over_the_limit_is_a_bad_line_however_it_arrives(run) -> None:
    good = jsonl(DOCS[:2])
    huge = json.dumps({"id": "huge", "text": "word " * 600_000}) + "\n"  # 3 MB: several reads
    data = good + huge + jsonl(DOCS[2:4]) + huge[:-1]  # (the last one unfinished)
    done = run("dedup", "--max-line-bytes", "100000", input=data)
    assert done.returncode == 1
    assert "newsclean dedup: <stdin>: line 3: longer than 100000 bytes (the limit)" in done.stderr.decode()
    assert [r["id"] for r in rows(done.stdout)] == [d.id for d in DOCS[:2]]
    skipped = run("dedup", "--max-line-bytes", "100000", "--skip-bad-lines", input=data)
    assert skipped.returncode == 0
    assert [r["id"] for r in rows(skipped.stdout)] == [d.id for d in DOCS[:4]]
    assert "4 in, 4 kept, 0 dropped, 2 bad lines skipped" in skipped.stderr.decode()
    kept = run("dedup", "--max-line-bytes", str(len(huge)), "--skip-bad-lines", input=data)
    assert [r["id"] for r in rows(kept.stdout)] == [d.id for d in DOCS[:2]] + ["huge"] + [d.id for d in DOCS[2:4]]


def test_lines_are_cut_alike_whatever_the_reads() -> None:
    from newsclean._cli.dedup import _chunks

    class Trickle(io.RawIOBase):  # three bytes a read, as a slow pipe gives them
        def __init__(self, data: bytes) -> None:
            self.data = data

        def readable(self) -> bool:
            return True

        def read1(self, size: int = -1) -> bytes:
            piece, self.data = self.data[:3], self.data[3:]
            return piece

    data = b'{"a": 1}\n' + b"x" * 20 + b"\nok\n\n" + b"y" * 7
    got = [line for lines, _ in _chunks(Trickle(data), 8) for line in lines]  # type: ignore[arg-type]
    assert got == [b'{"a": 1}', bytes(9), b"ok", b"", b"yyyyyyy"]
    assert [line for lines, _ in _chunks(io.BytesIO(data), 100) for line in lines] == data.split(b"\n")


def test_an_index_through_a_link_is_the_file_it_names(run, tmp_path: Path) -> None:
    """The file a link names is read, locked, journaled and saved; the link stays a link,
    so two runs, one through the link and one not, share one lock and one file."""
    real, link = tmp_path / "store" / "real.nci", tmp_path / "link.nci"
    real.parent.mkdir()
    link.symlink_to(real)
    day1 = run("dedup", "--index", str(link), input=jsonl(DOCS[:60]))
    day2 = run("dedup", "--index", str(real), input=jsonl(DOCS[60:]))
    assert rows(day1.stdout) + rows(day2.stdout) == rows(run("dedup", input=jsonl(DOCS)).stdout)
    assert link.is_symlink() and not (tmp_path / "link.nci.lock").exists()
    assert (tmp_path / "store" / "real.nci.lock").exists()
    assert len(DedupIndex.load(link)) == len(rows(day1.stdout)) + len(rows(day2.stdout))


def test_the_index_path_is_checked_before_any_input_is_read(run, tmp_path: Path) -> None:
    for path, why in [
        (tmp_path / "nodir" / "x.nci", f"no such directory {str(tmp_path / 'nodir')!r}"),
        (tmp_path, "it is a directory"),
    ]:
        done = run("dedup", "--index", str(path), input=jsonl(DOCS[:3]))
        assert (done.returncode, done.stdout) == (1, b"")
        assert done.stderr.decode() == f"newsclean dedup: {path}: cannot keep the index there: {why}\n"
    junk = tmp_path / "junk.nci"
    junk.write_bytes(b"not an index")
    done = run("dedup", "--index", str(junk), input=jsonl(DOCS[:3]))
    assert (done.returncode, done.stdout) == (1, b"") and "not a readable newsclean index" in done.stderr.decode()
    assert junk.read_bytes() == b"not an index"


def test_files_the_run_writes_may_not_be_one_file_or_an_input(run, tmp_path: Path) -> None:
    """-o, --groups, the index (and its lock and journal) name different files, and none
    but -o an input: refused as usage before anything is read or written."""
    stories = tmp_path / "in.jsonl"
    stories.write_text(jsonl(DOCS[:20]))
    index, out = tmp_path / "seen.nci", tmp_path / "out.jsonl"
    for flags, message in [
        (["--index", str(index), "-o", str(index)], f"-o {index} and --index {index}"),
        (["-o", str(out), "--groups", str(out)], f"-o {out} and --groups {out}"),
        (["--groups", str(stories)], f"--groups {stories} and the input {stories}"),
        (["--index", str(stories)], f"--index {stories} and the input {stories}"),
        (
            ["--index", str(index), "-o", f"{index}.journal"],
            f"-o {index}.journal and the journal of --index {index}: {index}.journal",
        ),
    ]:
        done = run("dedup", *flags, str(stories))
        assert (done.returncode, done.stdout) == (2, b"")
        assert done.stderr.decode() == (
            f"newsclean dedup: error: {message} are the same file: one would be written over the other\n"
        )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl"] and stories.read_text() == jsonl(DOCS[:20])
    # -o may be the input (read whole before it is replaced); /dev/null replaces nothing
    kept = run("dedup", str(stories)).stdout
    assert run("dedup", "-o", "/dev/null", "--groups", "/dev/null", str(stories)).returncode == 0
    assert run("dedup", "-o", str(stories), str(stories)).returncode == 0 and stories.read_bytes() == kept


def test_an_index_in_a_directory_that_cannot_be_written_is_refused_before_any_input(run, tmp_path: Path) -> None:
    """The file and its lock may be writable and the directory not (made read-only since
    the last run): the journal is made there and the file saved by a rename there, so
    the run is refused before it reads, instead of failing once it has written lines."""
    import shutil

    folder = tmp_path / "store"
    folder.mkdir()
    index = folder / "seen.nci"
    assert run("dedup", "--index", str(index), input=jsonl(DOCS[:3])).returncode == 0
    saved = index.read_bytes()
    command = [entry_point(), "dedup", "--index", str(index)]
    if os.geteuid() == 0:  # (root writes anywhere: the run goes without that power)
        setpriv = shutil.which("setpriv")
        assert setpriv, "setpriv (util-linux) is needed to run this test as root"
        command = [setpriv, "--bounding-set=-dac_override,-dac_read_search", *command]
    folder.chmod(0o555)
    try:
        done = subprocess.run(command, input=jsonl(DOCS[3:40]).encode(), capture_output=True, timeout=120)
    finally:
        folder.chmod(0o755)
    assert (done.returncode, done.stdout) == (1, b"")
    assert done.stderr.decode() == (
        f"newsclean dedup: {index}: cannot keep the index there: the directory {str(folder)!r} is not writable\n"
    )
    assert index.read_bytes() == saved and sorted(p.name for p in folder.iterdir()) == ["seen.nci", "seen.nci.lock"]


def test_a_lock_file_that_cannot_be_made_and_a_closed_stdout_are_one_line_each(tmp_path: Path) -> None:
    from newsclean import IndexFileError
    from newsclean._cli.dedup_run import IndexLock

    lock = IndexLock(tmp_path / "nodir" / "x.nci")
    with pytest.raises(IndexFileError, match=r"x\.nci: cannot open its lock file .*x\.nci\.lock: No such file"):
        lock.acquire(0, print)
    closed = subprocess.run(
        [entry_point(), "dedup", str(tmp_path / "missing.jsonl")],
        stdout=subprocess.DEVNULL,
        capture_output=False,
        stderr=subprocess.PIPE,
        close_fds=True,
        preexec_fn=lambda: os.close(1),
        timeout=60,
    )
    assert (closed.returncode, closed.stderr) == (1, b"newsclean dedup: stdout: it is closed\n")  # (before the input)


def test_what_could_not_be_written_is_not_remembered(tmp_path: Path) -> None:
    index = tmp_path / "seen.nci"
    data = jsonl(DOCS).encode()
    with open(os.devnull, "rb") as nothing, open("/dev/full", "wb") as full:
        done = subprocess.run(
            [entry_point(), "dedup", "--index", str(index)],
            input=data,
            stdout=full,
            stderr=subprocess.PIPE,
            timeout=120,
        )
    del nothing
    assert done.returncode == 1 and "No space left on device" in done.stderr.decode()
    assert "Traceback" not in done.stderr.decode()
    assert len(DedupIndex.load(index)) == 0  # nothing was delivered, so nothing is remembered
    # The summary counts what was delivered, and says what was decided but refused.
    summary = done.stderr.decode().splitlines()[0]
    assert summary.startswith("newsclean dedup: 0 in, 0 kept, 0 dropped, ")
    # (as many as the first batch held: the input may come in pieces)
    assert re.search(r"; [1-9][0-9]* more decided, not written$", summary), summary
    # A reader that goes away after the first line: what the pipe accepted counts, the rest not.
    original = next(d for d in DOCS if d.kind == "original")
    big = tmp_path / "big.jsonl"
    with big.open("w") as f:
        for n in range(20_000):  # each a different story under the exact rule below
            f.write(json.dumps({"id": str(n), "text": f"{original.text} Edition {n}."}) + "\n")
    exact = ["--threshold", "1.0", "--containment", "1.0"]
    index = tmp_path / "exact.nci"
    proc = subprocess.Popen(
        [entry_point(), "dedup", "--index", str(index), *exact, str(big)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None
    proc.stdout.readline()
    proc.stdout.close()
    assert proc.wait(timeout=120) == 141
    remembered = DedupIndex.load(index, IndexParams(threshold=1.0, containment=1.0))
    assert 1 <= len(remembered) < 20_000  # (written into the pipe's buffer, or read)
    assert all(str(n) in remembered for n in range(len(remembered)))  # a prefix of the stream


def _flushed_gzip() -> Any:
    import zlib

    z = zlib.compressobj(wbits=31)  # one gzip member, flushed after each document
    return lambda data: z.compress(data) + z.flush(zlib.Z_SYNC_FLUSH)


@pytest.mark.parametrize("kind", ["plain", "gzip", "gzip, one member", "bzip2", "xz", "zstd"])
def test_a_slow_stream_is_written_as_it_arrives(kind: str) -> None:
    """Each document's line comes out before the next is sent: plain, compressed (a
    member or frame a document, or one gzip member flushed after each), and when the
    first bytes arrive fewer than the command looks at to tell a compression."""
    import bz2
    import gzip
    import lzma

    import zstandard

    encode = {
        "plain": lambda data: data,
        "gzip": gzip.compress,
        "gzip, one member": _flushed_gzip(),
        "bzip2": bz2.compress,
        "xz": lzma.compress,
        "zstd": zstandard.ZstdCompressor().compress,
    }[kind]
    proc = subprocess.Popen(
        [entry_point(), "dedup"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        for n, doc in enumerate(DOCS[:2]):
            start = time.monotonic()
            data = encode(jsonl([doc]).encode())
            if n == 0:  # (two bytes first: too few to tell a compression by)
                proc.stdin.write(data[:2])
                proc.stdin.flush()
                time.sleep(0.3)
                data = data[2:]
            proc.stdin.write(data)
            proc.stdin.flush()
            ready, _, _ = select.select([proc.stdout], [], [], 10)
            assert ready, "no line within 10 s of its input"
            assert json.loads(proc.stdout.readline())["id"] == doc.id
            assert time.monotonic() - start < 5
    finally:
        proc.stdin.close()
        proc.wait(timeout=60)


def test_bad_lines(run) -> None:
    good = jsonl(DOCS[:2])
    done = run("dedup", input=good + "{oops\n")
    assert done.returncode == 1
    assert "newsclean dedup: <stdin>: line 3: not valid JSON" in done.stderr.decode()
    assert len(rows(done.stdout)) == 2
    skipped = run("dedup", "--skip-bad-lines", input=good + "{oops\n" + good)
    assert skipped.returncode == 0
    assert ", 1 bad line skipped" in skipped.stderr.decode()


def test_redis(run, redis_url: str) -> None:
    import uuid

    ns = f"cli-{uuid.uuid4().hex[:8]}"
    first = run("dedup", "--redis", redis_url, "--namespace", ns, input=jsonl(DOCS[:60]))
    second = run("dedup", "--redis", redis_url, "--namespace", ns, input=jsonl(DOCS[60:]))
    assert rows(first.stdout) + rows(second.stdout) == rows(run("dedup", input=jsonl(DOCS)).stdout)
    from newsclean.index import RedisIndex

    RedisIndex(redis_url, namespace=ns).clear()


def test_redis_unreachable(run) -> None:
    from .redis_server import free_port

    done = run("dedup", "--redis", f"redis://127.0.0.1:{free_port()}/0", input=jsonl(DOCS[:3]))
    assert (done.returncode, done.stdout) == (1, b"")
    assert "is unreachable" in done.stderr.decode()


def test_workers_decide_as_one_process(run) -> None:
    docs = DOCS * 3  # enough documents for the worker processes to share
    one = run("dedup", "--mark", input=jsonl(docs))
    two = run("dedup", "--mark", "--workers", "2", input=jsonl(docs))
    assert two.returncode == 0 and two.stdout == one.stdout
    bad = run("dedup", "--workers", "0", input=jsonl(DOCS))
    assert bad.returncode == 2 and b"--workers must be 1 to 256, got 0" in bad.stderr


def test_redis_without_its_client_says_how_to_install_it(run, tmp_path: Path) -> None:
    # A module named redis that cannot be imported stands for a missing extra.
    (tmp_path / "redis.py").write_text("raise ImportError('No module named redis')\n")
    done = run("dedup", "--redis", "redis://127.0.0.1:1/0", input=jsonl(DOCS[:1]), env={"PYTHONPATH": str(tmp_path)})
    assert done.returncode == 2 and done.stdout == b""
    assert "pip install 'newsclean[redis]'" in done.stderr.decode() and "Traceback" not in done.stderr.decode()
