"""A small shared harness for whole-process benchmarks (Linux: it reads ``/proc``): run
a command as a fresh process (stdin from a file, stdout to a file), time it, and take its
peak memory over the process tree; interleave the rounds of several commands; summarise;
render tables; keep the raw results as JSON in ``benchmarks/out/``. Doctests:
``pytest --doctest-modules benchmarks/_harness.py``.

Peak memory is sampled: every ``interval`` seconds (20 ms) the harness reads ``VmHWM``
(the peak resident set) of the process and of every descendant it can see in ``/proc``,
keeps each pid's largest value, and sums over pids. Pages shared between processes (a
forked child's copy-on-write pages, shared memory) count once per process, and the peaks
of different processes need not be simultaneous, so the sum can exceed the memory the
tree ever used at one time. With ``pss=True`` the harness also sums, at each sample, the
proportional set size (``Pss`` of ``/proc/PID/smaps_rollup``: a page shared by k processes
counts 1/k in each) over the tree, and keeps the largest sum: the memory the tree held at
one time. Reading ``smaps_rollup`` walks the process's page tables (about 2 ms for a
150 MB process, against 0.02 ms for ``status``), which takes CPU from the measured tree:
so a timed run should not ask for it. A child that lives less than one interval may be missed, and
so is a process's growth in its last interval. For a lone process (no descendant seen)
``ru_maxrss`` from ``wait4`` is exact, but Linux counts in it the high-water mark of the
memory ``exec`` replaced, the harness's own (the child is forked from it): it is used
when it is above the harness's peak at the spawn.

    >>> m = run_process([sys.executable, "-c", "print(6 * 7)"], None, os.devnull)
    >>> m.returncode, m.seconds > 0, m.peak_tree_mb >= m.peak_top_mb > 0
    (0, True, True)
"""

from __future__ import annotations

import dataclasses
import json
import os
import platform
import select
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent / "out"


@dataclasses.dataclass
class Measurement:
    """One run of one command.

    Attributes:
        seconds: wall-clock time from start to exit (``time.perf_counter``).
        cpu_seconds: user + system CPU time of the process and its reaped descendants.
        peak_tree_mb: sum over the process tree of each process's peak resident set (MB).
        peak_top_mb: the started process's own peak resident set (MB).
        peak_pss_mb: with ``pss``, the largest sum over the tree, at one sample, of each
            process's proportional set size (MB): shared pages counted once; else 0.
        processes: how many processes of the tree were seen.
        returncode: the exit status.
        stderr: the last 2,000 characters the process wrote to stderr.
        load: the 1-minute load average just before the run.
    """

    seconds: float
    cpu_seconds: float
    peak_tree_mb: float
    peak_top_mb: float
    processes: int
    returncode: int
    stderr: str
    load: float
    peak_pss_mb: float = 0.0


def _children(pid: int) -> list[int]:
    """The child pids of ``pid`` (over all its threads), from ``/proc/PID/task/*/children``."""
    kids: list[int] = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                kids.extend(int(k) for k in f.read().split())
    except OSError:  # the process or thread exited meanwhile
        pass
    return kids


def _hwm_kb(pid: int) -> int | None:
    """``VmHWM`` of ``pid`` in kB, or None when it has exited (or is a zombie: no memory)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def _pss_kb(pid: int) -> int:
    """``Pss`` of ``pid`` in kB (0 when it has exited)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def run_process(
    argv: Sequence[str],
    stdin: str | os.PathLike[str] | None,
    stdout: str | os.PathLike[str],
    *,
    env: Mapping[str, str] | None = None,
    interval: float = 0.02,
    pss: bool = False,
) -> Measurement:
    """Run ``argv`` as a fresh process, stdin read from a file (None: empty), stdout written
    to a file, and measure it (memory, and ``pss``: see the module docstring)."""
    peaks: dict[int, int] = {}  # pid -> largest VmHWM seen, kB
    peak_pss = 0  # kB
    load = os.getloadavg()[0]
    with (
        open(stdin if stdin is not None else os.devnull, "rb") as fin,
        open(stdout, "wb") as fout,
        tempfile.TemporaryFile() as ferr,
    ):
        own_kb = _hwm_kb(os.getpid()) or 0
        start = time.perf_counter()
        proc = subprocess.Popen(list(argv), stdin=fin, stdout=fout, stderr=ferr, env=env)
        # The pidfd becomes readable when the process exits: the clock stops then, not at
        # the next sample.
        pidfd = os.pidfd_open(proc.pid)
        exited = select.poll()
        exited.register(pidfd, select.POLLIN)
        try:
            while True:
                todo = [proc.pid]
                tree_pss = 0
                while todo:
                    pid = todo.pop()
                    hwm = _hwm_kb(pid)
                    if hwm is not None:
                        peaks[pid] = max(peaks.get(pid, 0), hwm)
                        tree_pss += _pss_kb(pid) if pss else 0
                    todo.extend(_children(pid))
                peak_pss = max(peak_pss, tree_pss)
                if exited.poll(interval * 1000):
                    break
            seconds = time.perf_counter() - start
        finally:
            os.close(pidfd)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait
        ferr.seek(0)
        err = ferr.read().decode("utf-8", "replace")[-2000:]
    top = peaks.get(proc.pid, 0)
    if len(peaks) <= 1 and usage.ru_maxrss > own_kb:  # then ru_maxrss (kB) is the process's own
        top = max(top, usage.ru_maxrss)
        peaks[proc.pid] = top
    return Measurement(
        seconds=seconds,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        peak_tree_mb=sum(peaks.values()) / 1024,
        peak_top_mb=top / 1024,
        processes=len(peaks),
        returncode=proc.returncode,
        stderr=err,
        load=load,
        peak_pss_mb=max(peak_pss, top if len(peaks) <= 1 else 0) / 1024 if pss else 0.0,
    )


def rotations(names: Sequence[str], rounds: int) -> list[list[str]]:
    """The order of ``names`` in each round, rotated by one each round: every command
    takes every position in turn, so that none always runs first (after a pause, with
    colder caches) or last (on a machine the others have heated).

    >>> rotations(["a", "b", "c"], 4)
    [['a', 'b', 'c'], ['b', 'c', 'a'], ['c', 'a', 'b'], ['a', 'b', 'c']]
    """
    n = len(names)
    return [[names[(r + k) % n] for k in range(n)] for r in range(rounds)]


def interleaved(
    commands: Mapping[str, Callable[[], Measurement]],
    rounds: int,
    *,
    warmup: bool = True,
    report: Callable[[int, str, Measurement], None] | None = None,
) -> dict[str, list[Measurement]]:
    """Run every command once per round, in rotating order; with ``warmup``, once more
    first, untimed (it pulls the input and the program's files into the page cache).
    ``report(round, name, measurement)`` is called after each timed run."""
    if warmup:
        for run in commands.values():
            run()
    results: dict[str, list[Measurement]] = {name: [] for name in commands}
    for r, order in enumerate(rotations(list(commands), rounds)):
        for name in order:
            m = commands[name]()
            results[name].append(m)
            if report is not None:
                report(r, name, m)
    return results


@dataclasses.dataclass(frozen=True)
class Summary:
    """Median, min and max of some numbers.

    >>> s = summarize([3.0, 1.0, 2.0, 10.0])
    >>> s.median, s.min, s.max, s.n
    (2.5, 1.0, 10.0, 4)
    >>> s.format("{:,.1f}")
    '2.5 (1.0-10.0)'
    """

    median: float
    min: float
    max: float
    n: int

    def format(self, spec: str = "{:,.0f}") -> str:
        """``median (min-max)``, each number formatted with ``spec``."""
        return f"{spec.format(self.median)} ({spec.format(self.min)}-{spec.format(self.max)})"


def summarize(values: Sequence[float]) -> Summary:
    """Median, min and max of ``values`` (at least one)."""
    return Summary(statistics.median(values), min(values), max(values), len(values))


def table(headers: Sequence[str], rows: Sequence[Sequence[object]], *, markdown: bool = True) -> str:
    """A table: markdown (first column left-aligned, the others right-aligned) or plain
    text with padded columns.

    >>> print(table(["tool", "docs/s"], [["a", "1,000"], ["bb", "20"]], markdown=False))
    tool  docs/s
    a      1,000
    bb        20
    >>> print(table(["tool", "docs/s"], [["a", "1,000"]]))
    | tool | docs/s |
    |---|---:|
    | a | 1,000 |
    """
    cells = [[str(c) for c in row] for row in rows]
    if markdown:
        lines = ["| " + " | ".join(headers) + " |", "|---|" + "---:|" * (len(headers) - 1)]
        return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in cells])
    widths = [max(len(str(h)), *(len(row[i]) for row in cells)) for i, h in enumerate(headers)]

    def line(row: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))).rstrip()

    return "\n".join([line([str(h) for h in headers])] + [line(row) for row in cells])


def machine() -> dict[str, Any]:
    """What the numbers depend on: CPUs, memory, OS, Python, load average, time (UTC)."""
    with open("/proc/cpuinfo") as f:
        model = next((ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")), "")
    with open("/proc/meminfo") as f:
        mem_kb = int(f.readline().split()[1])  # MemTotal
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "memory_gb": round(mem_kb / 1024**2, 1),
        "os": platform.platform(),
        "python": sys.version.split()[0],
        "load_average": os.getloadavg(),
        "utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def bars(
    names: Sequence[str],
    values: Sequence[Summary],
    path: Path,
    *,
    xlabel: str,
    title: str,
    label: Callable[[Summary], str],
    ours: Sequence[bool],
) -> None:
    """A horizontal bar per name: the median, min-max error bars, ``label(value)`` beside
    it; newsclean's bars (``ours``) in colour, the others grey. Needs matplotlib."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 0.55 * len(names) + 1.2))
    err = [[v.median - v.min for v in values], [v.max - v.median for v in values]]
    colours = ["#2a6f97" if mine else "#a0a0a0" for mine in ours]
    ax.barh(list(names), [v.median for v in values], xerr=err, capsize=4, color=colours)
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    ax.set_title(title, fontsize=10)
    for i, v in enumerate(values):
        ax.text(v.max, i, f"  {label(v)}", va="center", fontsize=9)
    ax.set_xlim(0, max(v.max for v in values) * 1.2)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_json(name: str, data: Any) -> Path:
    """Write ``data`` (dataclasses become dicts) to ``benchmarks/out/NAME.json``."""
    OUT.mkdir(exist_ok=True)
    path = OUT / f"{name}.json"

    def default(o: Any) -> Any:
        if dataclasses.is_dataclass(o) and not isinstance(o, type):
            return dataclasses.asdict(o)
        raise TypeError(f"not JSON serializable: {type(o).__name__}")

    path.write_text(json.dumps(data, indent=1, default=default) + "\n")
    return path
