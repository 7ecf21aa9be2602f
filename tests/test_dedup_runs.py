"""``newsclean dedup --index`` runs that overlap, are stopped by a signal or killed, and
``-o FILE``: no update is lost, the index holds what was written, the previous index and
output survive."""

from __future__ import annotations

import json
import os
import random
import resource
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from newsclean import DedupIndex, IndexParams
from newsclean._cli.dedup import BATCH
from newsclean.index._journal import Journal

from .conftest import entry_point
from .republish import corpus

DOCS = corpus(30, seed=3)
EXACT = ["--threshold", "1.0", "--containment", "1.0"]  # (an index of other parameters than the default)
EXACT_PARAMS = IndexParams(threshold=1.0, containment=1.0)


def jsonl(docs) -> str:
    return "".join(json.dumps({"id": d.id, "text": d.text}) + "\n" for d in docs)


def editions(path: Path, count: int, start: int = 0) -> Path:
    """``count`` unrelated stories, ids from ``start`` on (quick to decide: no candidates)."""
    rng = random.Random(start)
    syllables = ["ka", "lo", "mi", "ren", "tu", "sa", "vo", "del", "pri", "mon", "ga", "ther", "is", "un", "bel"]
    vocabulary = ["".join(rng.choices(syllables, k=rng.randint(2, 4))) for _ in range(5000)]
    with path.open("w") as f:
        for n in range(start, start + count):
            words = rng.choices(vocabulary, k=60)
            text = " ".join(words[:30]).capitalize() + ". " + " ".join(words[30:]).capitalize() + "."
            f.write(json.dumps({"id": str(n), "text": text}) + "\n")
    return path


def ids_of(out: bytes) -> list[str]:
    return [json.loads(line)["id"] for line in out.decode().splitlines()]


def indexed(path: Path, params: IndexParams | None = None) -> set[str]:
    index = DedupIndex.load(path, params)
    return {i for i in index._ids if i is not None}


def readline(stream, timeout: float = 60) -> bytes:
    ready, _, _ = select.select([stream], [], [], timeout)
    assert ready, f"nothing within {timeout} s"
    return stream.readline()


def dedup(*args: str, **popen) -> subprocess.Popen[bytes]:
    defaults = {"stdin": subprocess.PIPE, "stdout": subprocess.PIPE, "stderr": subprocess.PIPE}
    return subprocess.Popen([entry_point(), "dedup", *args], **{**defaults, **popen})


# -- overlapping runs ---------------------------------------------------------------------


def test_a_second_run_waits_for_the_first_and_sees_its_documents(tmp_path: Path) -> None:
    index = tmp_path / "seen.nci"
    originals = [d for d in DOCS if d.kind == "original"]
    mine, theirs = originals[:5], originals[5:10]
    first = dedup("--index", str(index))
    assert first.stdin is not None and first.stdout is not None
    first.stdin.write(jsonl(mine[:1]).encode())
    first.stdin.flush()
    assert ids_of(readline(first.stdout)) == [mine[0].id]  # (it holds the lock: it has read)
    second = dedup("--index", str(index), stdin=subprocess.PIPE)
    assert second.stderr is not None
    waiting = readline(second.stderr).decode()
    assert f"newsclean dedup: {index}: another run (process {first.pid}) is using this index; waiting" in waiting
    assert "(up to 600 s, --lock-timeout)" in waiting
    # The second run is given both runs' documents; the first one ends only now.
    first.stdin.write(jsonl(mine[1:]).encode())
    first.stdin.close()
    out2, err2 = second.communicate(jsonl(mine + theirs).encode(), timeout=120)
    out1 = first.stdout.read()
    assert first.wait(timeout=60) == 0 and second.returncode == 0, err2
    assert ids_of(out1) == [d.id for d in mine[1:]]
    assert ids_of(out2) == [d.id for d in theirs]  # what the first run wrote is not written again
    assert indexed(index) == {d.id for d in mine + theirs}


@pytest.mark.skipif(sys.platform != "linux", reason="Linux: the system names the lock's holder")
def test_the_lock_message_names_the_process_that_holds_it(run, tmp_path: Path) -> None:
    """Whoever holds the lock (here not a newsclean run, and the lock file names another
    pid, as a run killed before it could write its own leaves it), the message names it."""
    index = tmp_path / "seen.nci"
    lock = tmp_path / "seen.nci.lock"
    lock.write_text("12345\n")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import fcntl, sys; f = open({str(lock)!r}, 'r+'); fcntl.lockf(f, fcntl.LOCK_EX); "
            "print('held', flush=True); sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == b"held\n"
        done = run("dedup", "--index", str(index), "--lock-timeout", "0", input=jsonl(DOCS[:1]))
        assert done.returncode == 1
        assert f"another run (process {holder.pid}) still holds the index" in done.stderr.decode()
    finally:
        holder.communicate(b"", timeout=60)


def test_a_second_run_gives_up_after_the_lock_timeout(run, tmp_path: Path) -> None:
    index = tmp_path / "seen.nci"
    first = dedup("--index", str(index))
    assert first.stdin is not None and first.stdout is not None
    try:
        first.stdin.write(jsonl(DOCS[:1]).encode())
        first.stdin.flush()
        readline(first.stdout)
        start = time.monotonic()
        done = run("dedup", "--index", str(index), "--lock-timeout", "0.5", input=jsonl(DOCS[1:3]))
        assert 0.5 <= time.monotonic() - start < 30
        err = done.stderr.decode()
        assert (done.returncode, done.stdout) == (1, b"") and "Traceback" not in err
        assert err.splitlines()[-1] == (
            f"newsclean dedup: {index}: another run (process {first.pid}) still holds the index after 0.5 s "
            f"(--lock-timeout); {index}.lock is its lock"
        )
        at_once = run("dedup", "--index", str(index), "--lock-timeout", "0", input=jsonl(DOCS[1:3]))
        assert (at_once.returncode, at_once.stderr.decode()) == (  # (no "waiting for it (up to 0 s)")
            1,
            f"newsclean dedup: {index}: another run (process {first.pid}) still holds the index after 0 s "
            f"(--lock-timeout); {index}.lock is its lock\n",
        )
    finally:
        first.stdin.close()
        first.wait(timeout=60)
    assert indexed(index) == {DOCS[0].id}
    assert run("dedup", "--lock-timeout", "-1", input="").returncode == 2


def test_the_lock_of_a_killed_run_is_released(run, tmp_path: Path) -> None:
    index = tmp_path / "seen.nci"
    first = dedup("--index", str(index), "--workers", "2", start_new_session=True)
    assert first.stdin is not None and first.stdout is not None
    first.stdin.write(jsonl(DOCS[:1]).encode())
    first.stdin.flush()
    readline(first.stdout)
    journal = Path(f"{index}.journal")
    deadline = time.monotonic() + 60
    while not (journal.exists() and journal.stat().st_size):  # (the batch is recorded just after it is written)
        assert time.monotonic() < deadline
        time.sleep(0.02)
    first.kill()  # (its forked workers must neither hold the lock nor outlive it)
    first.wait(timeout=60)
    try:
        done = run("dedup", "--index", str(index), "--lock-timeout", "0", input=jsonl(DOCS[:1]))
        ready, _, _ = select.select([first.stdout], [], [], 30)
        assert ready and first.stdout.read() == b""  # (the end of stdout: no worker holds it open)
    finally:
        os.killpg(first.pid, signal.SIGKILL)
    assert done.returncode == 0 and done.stdout == b""  # (recovered from the journal: already seen)
    assert "1 documents written by a run that did not finish recovered" in done.stderr.decode()


# -- signals and kill -9 ------------------------------------------------------------------


@pytest.mark.parametrize("sig, status", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_while_waiting_for_input_saves_what_was_written(tmp_path: Path, sig: int, status: int) -> None:
    index = tmp_path / "seen.nci"
    originals = [d for d in DOCS if d.kind == "original"][:6]
    proc = dedup("--index", str(index), "--workers", "2")
    assert proc.stdin is not None and proc.stdout is not None
    written = []
    for doc in originals[:3]:
        proc.stdin.write(jsonl([doc]).encode())
        proc.stdin.flush()
        written += ids_of(readline(proc.stdout))
    proc.send_signal(sig)
    assert proc.wait(timeout=60) == status
    assert "Traceback" not in proc.stderr.read().decode()  # type: ignore[union-attr]
    assert written == [d.id for d in originals[:3]]
    assert indexed(index) == set(written)
    assert not Path(f"{index}.journal").exists()


@pytest.mark.parametrize("workers", ["1", "2"])
def test_sigterm_mid_stream_leaves_exactly_what_was_written(tmp_path: Path, workers: str) -> None:
    index = tmp_path / "seen.nci"
    big = editions(tmp_path / "big.jsonl", 30_000)
    proc = dedup("--index", str(index), *EXACT, "--workers", workers, str(big), stdin=subprocess.DEVNULL)
    assert proc.stdout is not None
    out = readline(proc.stdout)
    proc.send_signal(signal.SIGTERM)
    out += proc.stdout.read()
    assert proc.wait(timeout=120) == 143
    written = ids_of(out)
    assert 1 <= len(written) < 30_000
    assert indexed(index, EXACT_PARAMS) == set(written)


@pytest.mark.parametrize("sig, status", [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_a_signal_to_the_whole_group_stops_the_run_as_one_to_the_command(tmp_path: Path, sig: int, status: int) -> None:
    """``timeout``, a service manager or a closed terminal signal the whole process group:
    the workers leave the signal to the command, which ends as it does on its own."""
    index = tmp_path / "seen.nci"
    big = editions(tmp_path / "big.jsonl", 30_000)
    proc = dedup(
        "--index", str(index), *EXACT, "--workers", "2", str(big), stdin=subprocess.DEVNULL, start_new_session=True
    )
    assert proc.stdout is not None and proc.stderr is not None
    out = readline(proc.stdout)
    os.killpg(proc.pid, sig)
    out += proc.stdout.read()
    assert proc.wait(timeout=120) == status
    assert "Traceback" not in proc.stderr.read().decode()
    written = ids_of(out)
    assert 1 <= len(written) < 30_000 and indexed(index, EXACT_PARAMS) == set(written)


def test_kill_9_loses_at_most_the_batch_in_flight_and_never_the_previous_index(tmp_path: Path) -> None:
    index = tmp_path / "seen.nci"
    before = subprocess.run(
        [entry_point(), "dedup", "--index", str(index), *EXACT, str(editions(tmp_path / "day1.jsonl", 50, 100_000))],
        capture_output=True,
        timeout=120,
    )
    assert before.returncode == 0 and len(indexed(index, EXACT_PARAMS)) == 50
    big = editions(tmp_path / "big.jsonl", 30_000)
    proc = dedup(
        "--index", str(index), *EXACT, "--workers", "2", str(big), stdin=subprocess.DEVNULL, start_new_session=True
    )
    assert proc.stdout is not None
    out = b""
    while out.count(b"\n") < 3 * BATCH:  # a few batches written (and journaled) ...
        out += proc.stdout.read1(1 << 16)  # type: ignore[attr-defined]
    os.killpg(proc.pid, signal.SIGKILL)  # ... and then the run is killed wherever it is
    proc.wait(timeout=60)
    out += proc.stdout.read()
    written = set(ids_of(out[: out.rindex(b"\n") + 1]))
    assert Path(f"{index}.journal").exists()
    # The next run folds the journal in.
    after = subprocess.run(
        [entry_point(), "dedup", "--index", str(index), *EXACT], input=b"", capture_output=True, timeout=120
    )
    assert after.returncode == 0 and "recovered from" in after.stderr.decode()
    assert not Path(f"{index}.journal").exists()
    have = indexed(index, EXACT_PARAMS)
    assert {str(n) for n in range(100_000, 100_050)} <= have  # the previous index
    recovered = have - {str(n) for n in range(100_000, 100_050)}
    assert recovered <= written  # nothing that was not written
    assert len(written - recovered) <= BATCH  # everything but the batch in flight
    assert recovered == {str(n) for n in range(len(recovered))}  # (a prefix of the stream)


def test_a_torn_or_damaged_journal_ends_at_its_last_whole_batch(tmp_path: Path) -> None:
    index = DedupIndex(EXACT_PARAMS)
    texts = [f"{DOCS[0].text} Edition {n}." for n in range(6)]
    prints = index.fingerprint(texts)
    journal = Journal(tmp_path / "seen.nci", index.params)
    journal.append(prints[:3], ["0", "1", "2"])
    whole = journal.path.stat().st_size
    journal.append(prints[3:], ["3", "4", "5"])
    journal.close()
    data = journal.path.read_bytes()
    torn = "a last record not all written (a run killed while writing it)"
    for damaged, cut in [
        (data[:-1], f"{torn} at byte {whole}: its {len(data) - 1 - whole} bytes"),
        (data[: whole + 10], f"{torn} at byte {whole}: its 10 bytes"),
        (
            data[:whole] + b"\0" * (len(data) - whole),
            f"a damaged record at byte {whole}: its {len(data) - whole} bytes",
        ),
    ]:
        journal.path.write_bytes(damaged)
        fresh = DedupIndex(EXACT_PARAMS)
        assert journal.replay(fresh) == 3 and journal.cut == f"{cut} to the end were cut off"
        assert len(fresh) == 3 and journal.path.stat().st_size == whole
    journal.path.write_bytes(data + b"NCJ1\xff")  # (a head torn short)
    assert journal.replay(DedupIndex(EXACT_PARAMS)) == 6 and journal.path.stat().st_size == len(data)
    assert journal.cut == f"{torn} at byte {len(data)}: its 5 bytes to the end were cut off"
    flipped = bytearray(data)
    flipped[whole // 2] ^= 4
    journal.path.write_bytes(bytes(flipped))
    assert journal.replay(DedupIndex(EXACT_PARAMS)) == 0 and journal.path.stat().st_size == 0
    assert journal.cut == f"a damaged record at byte 0: its {len(data)} bytes to the end were cut off"
    journal.path.write_bytes(bytes(flipped[:whole]))  # (the damaged record, last)
    assert journal.replay(DedupIndex(EXACT_PARAMS)) == 0
    assert (
        journal.cut == f"a last record damaged or not all written at byte 0: its {whole} bytes to the end were cut off"
    )
    journal.path.write_bytes(data)
    again = DedupIndex(EXACT_PARAMS)
    assert journal.replay(again) == 6 and journal.cut is None
    assert [r.status for r in again.add_fingerprints(prints, [str(n) for n in range(6)])] == ["repeat"] * 6
    assert np.array_equal(again.query(prints[4]).similarity, 1.0)


def test_a_run_says_what_it_cut_off_a_damaged_journal(tmp_path: Path) -> None:
    """The documents of a damaged journal's records from the damage on are not remembered:
    the run says so (they will be written again), and goes on."""
    index_path = tmp_path / "seen.nci"
    journal = Journal(index_path, DedupIndex(EXACT_PARAMS).params)
    journal.append(DedupIndex(EXACT_PARAMS).fingerprint([DOCS[0].text, DOCS[1].text]), ["a", "b"])
    journal.close()
    flipped = bytearray(journal.path.read_bytes())
    flipped[len(flipped) // 2] ^= 4
    journal.path.write_bytes(bytes(flipped) + bytes(flipped))  # (a damaged record, then another)
    done = subprocess.run(
        [entry_point(), "dedup", "--index", str(index_path), "--threshold", "1.0", "--containment", "1.0"],
        input=jsonl(DOCS[:2]).encode(),
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == 0 and len(done.stdout.splitlines()) == 2
    assert done.stderr.decode().splitlines()[0] == (
        f"newsclean dedup: {journal.path}: a damaged record at byte 0: its {2 * len(flipped)} bytes to the end "
        "were cut off; the documents in them are not remembered"
    )


def test_a_link_or_a_stranger_at_the_lock_or_journal_is_refused_and_left_alone(run, tmp_path: Path) -> None:
    """Anyone who can write to the index's directory can take the names PATH.journal and
    PATH.lock first: a symbolic link there would have had the run write over the file it
    names, a FIFO hang the run, a file of another kind be cut to nothing."""
    index = tmp_path / "seen.nci"
    assert run("dedup", "--index", str(index), input=jsonl(DOCS[:5])).returncode == 0
    precious = tmp_path / "precious.txt"
    precious.write_text("keep me\n")
    journal, lock = Path(f"{index}.journal"), Path(f"{index}.lock")
    for name, make, message in [
        (journal, lambda p: p.symlink_to(precious), "cannot open the index's journal: is a symbolic link"),
        (journal, lambda p: p.write_text("keep me too\n"), "not a newsclean journal"),
        (lock, lambda p: p.symlink_to(precious), "cannot open its lock file"),
        (lock, os.mkfifo, "is not a regular file"),
    ]:
        lock.unlink(missing_ok=True)  # (each run makes it afresh)
        make(name)
        done = run("dedup", "--index", str(index), input=jsonl(DOCS[5:10]))
        assert done.returncode == 1 and done.stdout == b"" and message in done.stderr.decode(), done.stderr
        assert precious.read_text() == "keep me\n"
        if not name.is_symlink() and name.is_file():
            assert name.read_text() == "keep me too\n"
        name.unlink()
    assert run("dedup", "--index", str(index), input=jsonl(DOCS[5:10])).returncode == 0
    assert DedupIndex.load(index).params == DedupIndex().params


# -- -o FILE ------------------------------------------------------------------------------


def test_output_file_is_written_and_renamed(run, tmp_path: Path) -> None:
    out, index = tmp_path / "new.jsonl", tmp_path / "seen.nci"
    done = run("dedup", "-o", str(out), "--index", str(index), input=jsonl(DOCS))
    assert done.returncode == 0 and done.stdout == b""
    assert out.read_bytes() == run("dedup", input=jsonl(DOCS)).stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new.jsonl", "seen.nci", "seen.nci.lock"]
    assert indexed(index) == set(ids_of(out.read_bytes()))
    assert run("dedup", "-o", str(tmp_path), input="").returncode == 1


def test_when_the_output_file_cannot_be_written_the_previous_one_and_the_index_stay(tmp_path: Path) -> None:
    out, index = tmp_path / "new.jsonl", tmp_path / "seen.nci"
    out.write_text("yesterday\n")
    subprocess.run([entry_point(), "dedup", "--index", str(index)], input=jsonl(DOCS[:2]).encode(), check=True)
    index_before = index.read_bytes()

    def small_files() -> None:  # (writes past 2 KB fail with EFBIG, "File too large")
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (2048, 2048))

    done = subprocess.run(
        [entry_point(), "dedup", "-o", str(out), "--index", str(index)],
        input=jsonl(DOCS).encode(),
        capture_output=True,
        preexec_fn=small_files,
        timeout=120,
    )
    err = done.stderr.decode()
    assert done.returncode == 1 and f"newsclean dedup: {out}: File too large" in err and "Traceback" not in err
    assert err.splitlines()[-2].endswith(f" s; none of it written to {out}")  # (the summary says so)
    assert out.read_text() == "yesterday\n"
    assert index.read_bytes() == index_before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new.jsonl", "seen.nci", "seen.nci.lock"]


@pytest.mark.parametrize("command", [["dedup"], ["--jsonl"]])
def test_stdout_to_a_file_that_fills_keeps_whole_lines_and_counts_them(tmp_path: Path, command: list[str]) -> None:
    """A write cut short on stdout (a file-size limit, a full disk) is taken back to the
    last whole line; dedup's summary counts the documents that were delivered."""
    out = tmp_path / "out.jsonl"

    def small_files() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (5000, 5000))

    with out.open("wb") as stdout:
        done = subprocess.run(
            [entry_point(), *command],
            input=jsonl(DOCS).encode(),
            stdout=stdout,
            stderr=subprocess.PIPE,
            preexec_fn=small_files,
            timeout=120,
        )
    err = done.stderr.decode()
    assert done.returncode == 1 and ": stdout: File too large" in err and "Traceback" not in err
    data = out.read_bytes()
    assert 0 < len(data) <= 5000 and data.endswith(b"\n")
    lines = [json.loads(line) for line in data.splitlines()]  # (each one whole)
    if command == ["dedup"]:
        assert f" {len(lines)} kept, " in err and "newsclean dedup: 0 in" not in err


def test_a_journal_that_cannot_be_written_is_named_and_stops_the_run(tmp_path: Path) -> None:
    """The batch was delivered but cannot be recorded (a file-size limit, a full disk): the
    message names the journal and what is not remembered, the summary counts the batch,
    and no later input is read (its documents would be written and forgotten)."""
    index = tmp_path / "seen.nci"
    assert subprocess.run([entry_point(), "dedup", "--index", str(index)], input=b"", timeout=60).returncode == 0
    day2 = tmp_path / "day2.jsonl"
    day2.write_text(jsonl(DOCS[:5]))

    def small_files() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (1024, 1024))

    done = subprocess.run(
        [entry_point(), "dedup", "--index", str(index), str(day2), str(day2)],
        capture_output=True,
        preexec_fn=small_files,
        timeout=120,
    )
    err = done.stderr.decode()
    kept = len(ids_of(done.stdout))
    assert done.returncode == 1 and kept >= 1 and "Traceback" not in err
    assert f"newsclean dedup: {index}.journal: cannot record what was written (File too large): the {kept} " in err
    assert f"newsclean dedup: 5 in, {kept} kept, " in err  # (the second file was not read)


def test_sigterm_with_an_output_file_delivers_what_was_written(tmp_path: Path) -> None:
    out, index = tmp_path / "new.jsonl", tmp_path / "seen.nci"
    proc = dedup("-o", str(out), "--index", str(index))
    assert proc.stdin is not None
    proc.stdin.write(jsonl(DOCS[:1]).encode())
    proc.stdin.flush()
    deadline = time.monotonic() + 60
    while not any(p.name.startswith(".new.jsonl.") and p.stat().st_size for p in tmp_path.iterdir()):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGTERM)
    assert proc.wait(timeout=60) == 143
    assert ids_of(out.read_bytes()) == [DOCS[0].id] and indexed(index) == {DOCS[0].id}
