"""``near_duplicates`` of two or more versions of newsclean side by side, in one run: the
same paragraphs (``paragraph_corpus.py``, as ``bench_batch.py`` makes and caches them),
each version in a fresh process per round (rounds interleaved, order rotated), timed in
the process, its peak memory taken by ``_harness``; then whether the versions decide alike
and each one's F1 against the ground truth.

    .venv/bin/python benchmarks/bench_versions.py --versions 1c28079,WORKTREE --n 10000 --rounds 5
    .venv/bin/python benchmarks/bench_versions.py --versions HEAD~1,WORKTREE --n 100000 --workers 2

A version is a commit (exported with ``git archive`` into ``benchmarks/out/versions/``) or
``WORKTREE`` (this checkout's ``src/``, as it is). Each process imports that version's
``newsclean`` from its ``src``, reads the paragraphs, calls ``near_duplicates`` on the first
3,000 of them (a warm-up), then on all of them, timed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import _harness  # noqa: E402
from bench_batch import corpus_files, scores, truth_for  # noqa: E402

WORKER = """
import json, sys, time
sys.path.insert(0, sys.argv[1])
import numpy as np
import newsclean
texts = [json.loads(line) for line, _ in zip(open(sys.argv[2], encoding="utf-8"), range(int(sys.argv[3])))]
workers = int(sys.argv[4])
newsclean.near_duplicates(texts[:3000], workers=1)
t = time.perf_counter()
r = newsclean.near_duplicates(texts, workers=workers)
seconds = time.perf_counter() - t
np.savez(sys.argv[5], duplicate_of=r.duplicate_of, similarity=r.similarity)
print(json.dumps({"seconds": seconds, "candidates": r.candidates, "file": newsclean.__file__}))
"""


def source_of(version: str) -> Path:
    """The ``src`` directory of ``version`` (a commit, exported once; or ``WORKTREE``)."""
    if version == "WORKTREE":
        return ROOT / "src"
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", version], capture_output=True, text=True, check=True
    ).stdout.strip()
    out = HERE / "out" / "versions" / commit
    if not (out / "src").exists():
        out.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit, "src"], capture_output=True, check=True)
        subprocess.run(["tar", "-x", "-C", str(out)], input=archive.stdout, check=True)
    return out / "src"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--versions", required=True, help="comma-separated commits, or WORKTREE")
    ap.add_argument("--n", type=int, default=10_000, help="paragraphs (default 10,000)")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--no-truth", action="store_true", help="skip F1 (the ground truth of a new size takes long)")
    args = ap.parse_args()
    versions = args.versions.split(",")
    sources = {v: source_of(v) for v in versions}
    texts_file, meta_file = corpus_files(args.n)
    tmp = Path(tempfile.mkdtemp(prefix="bench_versions-"))
    timed: dict[str, list[float]] = {v: [] for v in versions}
    last: dict[str, dict[str, object]] = {}

    def command(v: str) -> _harness.Measurement:
        out = tmp / f"{versions.index(v)}.npz"
        argv = [
            sys.executable,
            "-c",
            WORKER,
            str(sources[v]),
            str(texts_file),
            str(args.n),
            str(args.workers),
            str(out),
        ]
        with tempfile.NamedTemporaryFile("r", dir=tmp, suffix=".json") as stdout:
            m = _harness.run_process(argv, None, stdout.name)
            if m.returncode:
                raise SystemExit(f"{v} failed:\n{m.stderr}")
            rec = json.loads(Path(stdout.name).read_text().splitlines()[-1])
        timed[v].append(rec["seconds"])
        last[v] = {**rec, "peak_mb": m.peak_tree_mb}
        return m

    runs = _harness.interleaved({v: (lambda v=v: command(v)) for v in versions}, args.rounds, warmup=False)
    truth = None if args.no_truth else truth_for(args.n, texts_file, meta_file)
    base = np.load(tmp / "0.npz")
    rows = []
    for k, v in enumerate(versions):
        z = np.load(tmp / f"{k}.npz")
        same = np.array_equal(z["duplicate_of"], base["duplicate_of"]) and np.array_equal(
            z["similarity"], base["similarity"], equal_nan=True
        )
        t = _harness.summarize(timed[v])
        ratio = t.median / _harness.summarize(timed[versions[0]]).median
        peak = _harness.summarize([m.peak_tree_mb for m in runs[v]])
        f1 = "" if truth is None else f"{scores(z['duplicate_of'] >= 0, truth['duplicate_of'] >= 0)['f1']:.4f}"
        rows.append(
            [
                v,
                t.format("{:.3f}"),
                f"{ratio:.3f}",
                peak.format("{:.0f}"),
                last[v]["candidates"],
                f1,
                "yes" if same else "NO",
            ]
        )
    print(f"near_duplicates of {args.n:,} paragraphs, workers={args.workers}, {args.rounds} rounds interleaved")
    headers = ["version", "seconds median (min-max)", "time / first", "peak MB (process)", "candidates", "F1"]
    print(_harness.table([*headers, f"same decisions as {versions[0]}"], rows))


if __name__ == "__main__":
    main()
