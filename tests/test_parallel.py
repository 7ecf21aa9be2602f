"""Cleaning in worker processes gives what one process gives, in input order: through
``Cleaner.clean_many`` and ``newsclean --jsonl --workers N``."""

from __future__ import annotations

import json
import multiprocessing
import os
import select
import subprocess
import time

import pytest

from newsclean import Cleaner, OptionsError

from .conftest import ROOT, entry_point

STORIES = [json.loads(line) for line in (ROOT / "examples" / "stories.jsonl").read_text(encoding="utf-8").splitlines()]


def texts(n: int) -> list[str]:
    """``n`` texts, each different (their results too), credits and repeats in most."""
    return [f"{STORIES[i % len(STORIES)]['text']}\nItem {i}." for i in range(n)]


def jsonl(n: int) -> bytes:
    return b"".join(
        json.dumps({"id": i, "n": 1e3, "text": t}, ensure_ascii=False).replace("1000.0", "1e3").encode() + b"\n"
        for i, t in enumerate(texts(n))
    )


# -- Cleaner.clean_many ----------------------------------------------------------------------


def test_clean_many_in_workers_is_clean_in_order() -> None:
    cleaner = Cleaner(threshold=0.9)
    many = texts(700)
    expected = [cleaner.clean(t) for t in many]
    assert cleaner.clean_many(many, workers=2) == expected
    assert cleaner.clean_many(many) == expected  # (default: 1 for this little)
    assert cleaner.clean_many(iter(many[:50]), workers=3) == expected[:50]  # any iterable
    assert cleaner.clean_many([], workers=2) == []


def test_clean_many_under_spawn() -> None:
    cleaner = Cleaner(byline="rewrite")
    many = texts(300)
    spawn = multiprocessing.get_context("spawn")
    assert cleaner.clean_many(many, workers=2, mp_context=spawn) == [cleaner.clean(t) for t in many]


def test_clean_many_errors() -> None:
    with pytest.raises(OptionsError, match="workers must be an integer from 1 to 256, got 0"):
        Cleaner().clean_many(["a"], workers=0)
    with pytest.raises(TypeError, match="clean\\(\\) takes a str, not int"):  # raised in a worker, as here
        Cleaner().clean_many(["a"] * 10 + [3], workers=2)  # type: ignore[list-item]


# -- newsclean --jsonl --workers N ----------------------------------------------------------


@pytest.mark.parametrize("flags", [[], ["--explain"], ["--byline", "keep", "--field", "text"]])
def test_jsonl_in_workers_writes_the_same_bytes(run, flags: list[str]) -> None:
    data = jsonl(700)  # (some batches of 256 lines: the workers are used)
    one = run("--jsonl", "--workers", "1", *flags, input=data)
    many = run("--jsonl", "--workers", "2", *flags, input=data)
    default = run("--jsonl", *flags, input=data)
    assert one.returncode == 0 and one.stdout.count(b"\n") == 700
    assert (many.stdout, many.stderr) == (one.stdout, one.stderr)
    assert (default.stdout, default.stderr) == (one.stdout, one.stderr)


def test_jsonl_in_workers_bad_lines_in_place(run, tmp_path) -> None:
    lines = jsonl(600).splitlines(keepends=True)
    lines[300:300] = [b"oops\n"]
    data = b"".join(lines)
    skip = ("--jsonl", "--skip-bad-lines", "--explain")
    one, many = run(*skip, "--workers", "1", input=data), run(*skip, "--workers", "2", input=data)
    assert "newsclean: skipped <stdin>: line 301: not valid JSON (Expecting value at column 1)" in one.stderr.decode()
    assert (many.returncode, many.stdout, many.stderr) == (0, one.stdout, one.stderr)
    # Without --skip-bad-lines the bad line stops the file: the 300 lines before it are written.
    f = tmp_path / "a.jsonl"
    f.write_bytes(data)
    stop = run("--jsonl", "--workers", "2", str(f), str(f))
    assert stop.returncode == 1 and stop.stdout.count(b"\n") == 2 * 300
    assert stop.stdout == run("--jsonl", "--workers", "1", str(f), str(f)).stdout
    assert stop.stderr.decode() == f"newsclean: {f}: line 301: not valid JSON (Expecting value at column 1)\n" * 2


def test_jsonl_check_in_workers(run) -> None:
    done = run("--jsonl", "--check", "--workers", "2", input=jsonl(600))
    assert (done.returncode, done.stdout) == (1, b"")


def test_workers_usage_error(run) -> None:
    done = run("--jsonl", "--workers", "0", input=b"")
    assert (done.returncode, done.stderr.decode()) == (2, "newsclean: error: --workers must be 1 to 256, got 0\n")


def test_a_slow_stream_is_written_line_by_line() -> None:
    """A line that arrives alone is cleaned and written before the next one is read."""
    proc = subprocess.Popen(
        [entry_point(), "--jsonl", "--workers", "2"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=ROOT
    )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        for i, text in enumerate(texts(3)):
            proc.stdin.write(json.dumps({"id": i, "text": text}).encode() + b"\n")
            proc.stdin.flush()
            deadline = time.monotonic() + 60
            got = b""
            while not got.endswith(b"\n") and time.monotonic() < deadline:
                if select.select([proc.stdout], [], [], 1)[0]:
                    got += os.read(proc.stdout.fileno(), 1 << 16)
            assert json.loads(got)["id"] == i
    finally:
        proc.stdin.close()
        proc.wait(60)
    assert proc.returncode == 0


def _started(tmp_path, *args: str, n: int = 40_000) -> subprocess.Popen[bytes]:
    """``newsclean --jsonl --workers 2 ARGS`` over a file of ``n`` documents, in a session of
    its own, once it has written its first line (its workers are at work)."""
    big = tmp_path / "big.jsonl"
    big.write_bytes(jsonl(2_000) * (n // 2_000))
    proc = subprocess.Popen(
        [entry_point(), "--jsonl", "--workers", "2", *args, str(big)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    assert proc.stdout is not None
    if not args:
        assert proc.stdout.readline()
    else:
        time.sleep(1.5)
    return proc


def test_the_workers_go_with_a_killed_command(tmp_path) -> None:
    """kill -9 of the command: its workers end too, so the reader of its stdout sees the
    end of the stream (they held it open)."""
    proc = _started(tmp_path)
    assert proc.stdout is not None
    try:
        proc.kill()
        proc.wait(60)
        deadline = time.monotonic() + 30
        while True:
            assert time.monotonic() < deadline, "a worker still holds the command's stdout open"
            if select.select([proc.stdout], [], [], 1)[0] and not os.read(proc.stdout.fileno(), 1 << 20):
                break  # (the end: no process holds the pipe open)
    finally:
        os.killpg(proc.pid, 9)


@pytest.mark.parametrize("group, sig, status", [(False, 15, 143), (True, 15, 143), (True, 1, 129)])
def test_sigterm_stops_the_command_and_leaves_no_partial_output(tmp_path, group: bool, sig: int, status: int) -> None:
    """SIGTERM to the command, or SIGTERM or SIGHUP to its whole process group (whose
    workers leave it to the command): exit 128 + the signal, no traceback, the -o file
    not written and no temporary file left beside it."""
    out = tmp_path / "out.jsonl"
    out.write_bytes(b"yesterday\n")
    proc = _started(tmp_path, "-o", str(out), n=200_000)
    assert proc.stderr is not None
    if group:
        os.killpg(proc.pid, sig)
    else:
        proc.send_signal(sig)
    assert proc.wait(60) == status
    assert "Traceback" not in proc.stderr.read().decode()
    assert out.read_bytes() == b"yesterday\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.jsonl", "out.jsonl"]


# -- how many processes: the cores this process may use -----------------------------------------


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as f:
            found += [int(c) for c in f.read().split()]
    return found


def _dedup_children(affinity: set[int] | None) -> int:
    """The processes ``newsclean dedup`` (default flags) has forked once it has written its
    first line, run on the CPUs ``affinity`` (None: as this process)."""
    proc = subprocess.Popen(
        [entry_point(), "dedup"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        preexec_fn=(lambda: os.sched_setaffinity(0, affinity)) if affinity is not None else None,
    )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        proc.stdin.write(json.dumps({"id": 1, "text": texts(1)[0]}).encode() + b"\n")
        proc.stdin.flush()
        assert select.select([proc.stdout], [], [], 60)[0], "no line written within 60 s"
        assert json.loads(proc.stdout.readline())["id"] == 1
        return len(_children(proc.pid))
    finally:
        proc.stdin.close()
        proc.wait(60)


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="Linux: CPU affinity")
def test_dedup_forks_a_worker_per_core_it_may_use() -> None:
    """``taskset -c 0 newsclean dedup``: one CPU, so no worker (it forked one per core of
    the machine); unrestricted, one per core but its own."""
    from newsclean._parallel import cores

    assert _dedup_children({min(os.sched_getaffinity(0))}) == 0
    assert _dedup_children(None) == cores() - 1


@pytest.mark.parametrize("cores, processes", [(1, 1), (2, 2), (8, 8), (64, 8)])
def test_dedup_uses_at_most_eight_processes_by_default(monkeypatch, cores: int, processes: int) -> None:
    """On a 64-core machine the default is 8, not 64 (the decision is serial)."""
    from newsclean._cli import dedup

    monkeypatch.setattr(dedup, "cores", lambda: cores)
    assert dedup.default_workers() == processes


def _cgroups(tmp_path, own: str, files: dict[str, str]):
    """A cgroup file system under ``tmp_path``: ``files`` (path: content), and the file
    naming this process's cgroups (``own``)."""
    for name, content in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(content)
    (tmp_path / "self-cgroup").write_text(own)
    return str(tmp_path), str(tmp_path / "self-cgroup")


@pytest.mark.parametrize(
    "own, files, cpus",
    [
        # cgroup v2, a container's own root (its namespace): docker --cpus 2, --cpus 1.5, none
        ("0::/\n", {"cpu.max": "200000 100000\n"}, 2),
        ("0::/\n", {"cpu.max": "150000 100000\n"}, 2),
        ("0::/\n", {"cpu.max": "50000 100000\n"}, 1),
        ("0::/\n", {"cpu.max": "max 100000\n"}, None),
        ("0::/\n", {}, None),
        # a systemd service's CPUQuota= under a slice with a lower one: the least binds
        (
            "0::/system.slice/crawl.service\n",
            {"system.slice/crawl.service/cpu.max": "400000 100000", "system.slice/cpu.max": "300000 100000"},
            3,
        ),
        # a path the mount does not hold (the host's name for a container's cgroup)
        ("0::/docker/abc\n", {"cpu.max": "100000 100000"}, 1),
        # cgroup v1: the cpu controller's hierarchy, quota -1 is none
        (
            "4:memory:/x\n3:cpu,cpuacct:/job\n",
            {"cpu,cpuacct/job/cpu.cfs_quota_us": "250000", "cpu,cpuacct/job/cpu.cfs_period_us": "100000"},
            3,
        ),
        ("1:cpu:/\n", {"cpu/cpu.cfs_quota_us": "-1", "cpu/cpu.cfs_period_us": "100000"}, None),
        ("4:memory:/x\n", {"memory/cpu.cfs_quota_us": "100000", "memory/cpu.cfs_period_us": "100000"}, None),
        # what cannot be read is no limit
        ("0::/\n", {"cpu.max": "lots\n"}, None),
        ("garbage", {"cpu.max": "100000 100000"}, None),
    ],
)
def test_cgroup_cpu_quota(tmp_path, own: str, files: dict[str, str], cpus: int | None) -> None:
    from newsclean._parallel import cgroup_cpus

    assert cgroup_cpus(*_cgroups(tmp_path, own, files)) == cpus


def test_cgroup_cpu_quota_where_there_are_no_cgroups(tmp_path) -> None:
    from newsclean._parallel import cgroup_cpus

    assert cgroup_cpus(str(tmp_path), str(tmp_path / "missing")) is None
