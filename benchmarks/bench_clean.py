"""Throughput of ``clean()`` and start-up of the ``newsclean`` command, each as a ratio
against a baseline measured in the same run.

    python benchmarks/bench_clean.py [--docs 1000] [--rounds 5] [--startup-rounds 40] [--startup-only]

Baselines:
- clean(): the loop most users write with datasketch: per paragraph, a ``MinHash``
  updated shingle by shingle (char 5-grams, 128 permutations), and a ``MinHashLSH``
  (threshold 0.8) queried then inserted, per document. It finds repeats only; newsclean
  also verifies them exactly and takes out credits and datelines.
- start-up: ``python -c "import numpy, regex"`` (what newsclean cannot avoid importing),
  against ``newsclean FILE`` on the seed, the whole process each time. One run of each per
  round, in alternating order; the ratio is of the medians.

numpy and regex start from their bytecode (pip compiles it when it installs them), as
newsclean does once installed. A checkout run with PYTHONDONTWRITEBYTECODE (or from a
read-only tree) compiles newsclean's own sources at every start instead: when its bytecode
is missing, the command is measured both ways, from the checkout as it is and from a
compiled copy of the package in a temporary directory (as installed).
"""

from __future__ import annotations

import argparse
import compileall
import importlib.util
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from corpus import articles  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def datasketch_loop(docs: list[str]) -> int:
    from datasketch import MinHash, MinHashLSH

    removed = 0
    for doc in docs:
        lsh = MinHashLSH(threshold=0.8, num_perm=128)
        for n, par in enumerate(doc.split("\n")):
            m = MinHash(num_perm=128)
            key = par.lower()
            for i in range(max(len(key) - 4, 1)):
                m.update(key[i : i + 5].encode("utf-8"))
            if lsh.query(m):
                removed += 1
            else:
                lsh.insert(str(n), m)
    return removed


def newsclean_loop(docs: list[str]) -> int:
    import newsclean

    cleaner = newsclean.Cleaner()
    return sum(len(cleaner.clean(d).removed) for d in docs)


def timed(fn, *args) -> float:
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


def run_once(cmd: list[str], env: dict[str, str] | None) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def startup(rounds: int) -> None:
    """Start-up of ``newsclean FILE`` on the seed against ``python -c "import numpy, regex"``:
    one run of each command per round, the order alternating, then medians."""
    import newsclean.cli

    seed = str(ROOT / "examples" / "vna-asean-somtc.txt")
    exe = str(Path(sys.executable).parent / "newsclean")
    cmds: dict[str, tuple[list[str], dict[str, str] | None]] = {
        "python -c 'import numpy, regex'": ([sys.executable, "-c", "import numpy, regex"], None),
        "newsclean FILE": ([exe, seed], None),
    }
    package = Path(newsclean.cli.__file__).parent
    compiled = Path(importlib.util.cache_from_source(str(package / "cli.py"))).exists()
    tmp = None
    if not compiled:  # measure it as installed too: from a compiled copy of the package
        cmds["newsclean FILE (from the checkout's sources)"] = cmds.pop("newsclean FILE")
        tmp = tempfile.mkdtemp(prefix="bench-startup-")
        shutil.copytree(package, Path(tmp) / "newsclean", ignore=shutil.ignore_patterns("__pycache__"))
        compileall.compile_dir(str(Path(tmp) / "newsclean"), quiet=1)
        env = {**os.environ, "PYTHONPATH": tmp + os.pathsep + os.environ.get("PYTHONPATH", "")}
        cmds["newsclean FILE (compiled, as installed)"] = ([exe, seed], env)
    try:
        items = list(cmds.items())
        for _, (cmd, env) in items:  # warm: the file cache
            run_once(cmd, env)
        times: dict[str, list[float]] = {name: [] for name in cmds}
        for r in range(rounds):
            for name, (cmd, env) in items if r % 2 else items[::-1]:
                times[name].append(run_once(cmd, env))
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    base_name = items[0][0]
    base = statistics.median(times[base_name])
    print(f"start-up, {rounds} interleaved rounds, medians:")
    for name, ts in times.items():
        m = statistics.median(ts)
        ratio = "" if name == base_name else f"   ratio {m / base:.2f}"
        print(f"  {name:45s} {m * 1000:6.1f} ms  (min {min(ts) * 1000:5.1f}){ratio}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--startup-rounds", type=int, default=40)
    ap.add_argument("--startup-only", action="store_true", help="measure only the start-up (quick)")
    args = ap.parse_args()
    if args.startup_only:
        startup(args.startup_rounds)
        return
    docs = articles(args.docs)
    mb = sum(len(d.encode("utf-8")) for d in docs) / 1e6
    print(f"corpus: {len(docs)} articles, {mb:.1f} MB, {sum(d.count(chr(10)) + 1 for d in docs)} paragraphs")

    newsclean_loop(docs[:20])  # warm: imports, registry, patterns
    datasketch_loop(docs[:2])
    ours, theirs = [], []
    for _ in range(args.rounds):  # interleaved rounds
        ours.append(timed(newsclean_loop, docs))
        theirs.append(timed(datasketch_loop, docs))
    o, t = statistics.median(ours), statistics.median(theirs)
    print(
        f"clean():            {len(docs) / o:8.0f} docs/s  {mb / o:6.2f} MB/s  (min {min(ours):.2f} s, max {max(ours):.2f} s)"
    )
    print(
        f"datasketch loop:    {len(docs) / t:8.0f} docs/s  {mb / t:6.2f} MB/s  (min {min(theirs):.2f} s, max {max(theirs):.2f} s)"
    )
    print(f"ratio clean() / datasketch loop: {t / o:.1f}x faster")

    startup(args.startup_rounds)


if __name__ == "__main__":
    main()
