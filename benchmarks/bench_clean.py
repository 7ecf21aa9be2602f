"""Throughput of ``clean()`` and start-up of the ``newsclean`` command, each as a ratio
against a baseline measured in the same run.

    python benchmarks/bench_clean.py [--docs 1000] [--rounds 5]

Baselines:
- clean(): the loop most users write with datasketch: per paragraph, a ``MinHash``
  updated shingle by shingle (char 5-grams, 128 permutations), and a ``MinHashLSH``
  (threshold 0.8) queried then inserted, per document. It finds repeats only; newsclean
  also verifies them exactly and takes out credits and datelines.
- start-up: ``python -c "import numpy, regex"`` (what newsclean cannot avoid importing).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
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


def startup(cmd: list[str], stdin: bytes, rounds: int) -> list[float]:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        subprocess.run(cmd, input=stdin, stdout=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
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

    seed = (ROOT / "examples" / "vna-asean-somtc.txt").read_bytes()
    exe = Path(sys.executable).parent / "newsclean"
    cli, base = [], []
    for _ in range(args.rounds):
        cli += startup([str(exe)], seed, 3)
        base += startup([sys.executable, "-c", "import numpy, regex"], b"", 3)
    c, b = statistics.median(cli), statistics.median(base)
    print(
        f"newsclean < seed:   {c * 1000:6.0f} ms   python -c 'import numpy, regex': {b * 1000:6.0f} ms   ratio {c / b:.2f}"
    )


if __name__ == "__main__":
    main()
