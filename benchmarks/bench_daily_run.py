"""A daily run on a large index: what leaving the index file as it was saves.

A crawl's index holds ``--docs`` documents; each day ``newsclean dedup --index seen.nci``
reads ``--day`` new ones. A run appends what it wrote to ``seen.nci.journal`` and rewrites
the file only once the journal has grown to a quarter of it; before, every run saved the
whole file. Both are timed here as the whole process, from the same starting files each
time (copied before the clock starts), in interleaved rounds:

* ``journal``: ``newsclean dedup --index seen.nci day.jsonl > out.jsonl`` (the file is left
  as it was; the run's documents go to the journal);
* ``rewrite``: ``newsclean dedup --index seen.nci -o out.jsonl day.jsonl`` (with ``-o`` a
  run saves the index whole, as every run did before);
* ``journal --max-age``: the first, also forgetting the documents older than 30 days (a
  tenth of the index is older: they are forgotten, and recorded in the journal).

    python benchmarks/bench_daily_run.py --docs 20000 --day 200 --rounds 5 --doc docs/benchmarks-daily.md
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _harness  # noqa: E402

DAY = 86_400.0


def stories(count: int, start: int, seed: int) -> list[dict[str, str]]:
    """``count`` unrelated news-length stories (quick to decide: no candidates)."""
    rng = random.Random(seed)
    syllables = ["ka", "lo", "mi", "ren", "tu", "sa", "vo", "del", "pri", "mon", "ga", "ther", "is", "un", "bel"]
    vocabulary = ["".join(rng.choices(syllables, k=rng.randint(2, 4))) for _ in range(20_000)]
    out = []
    for n in range(start, start + count):
        paragraphs = [" ".join(rng.choices(vocabulary, k=40)).capitalize() + "." for _ in range(5)]
        out.append({"id": str(n), "text": "\n".join(paragraphs)})
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--docs", type=int, default=20_000)
    p.add_argument("--day", type=int, default=200)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--doc", type=Path, help="write the report as a Markdown page")
    args = p.parse_args()

    from newsclean import DedupIndex

    started = time.time()
    work = Path(tempfile.mkdtemp(prefix="bench-daily-"))
    base = work / "base.nci"
    index = DedupIndex()
    docs = stories(args.docs, 0, 1)
    old = args.docs // 10  # (a tenth first seen 40 days ago: --max-age 30 forgets them)
    index.add_many([d["text"] for d in docs[:old]], [d["id"] for d in docs[:old]], workers=2, now=started - 40 * DAY)
    index.add_many([d["text"] for d in docs[old:]], [d["id"] for d in docs[old:]], workers=2, now=started - DAY)
    index.save(base)
    day = work / "day.jsonl"
    day.write_text("".join(json.dumps(d) + "\n" for d in stories(args.day, 10_000_000, 2)), encoding="utf-8")
    newsclean = str(Path(sys.executable).parent / "newsclean")
    out = work / "out.jsonl"

    def fresh() -> Path:
        target = work / "seen.nci"
        shutil.copyfile(base, target)
        Path(f"{target}.journal").unlink(missing_ok=True)
        return target

    written: dict[str, list[int]] = {}

    def timed(name: str, flags: list[str], stdout: Path) -> _harness.Measurement:
        """Run ``newsclean dedup`` with ``flags`` on a fresh copy of the index, and note the
        bytes it left written beside it: the index file if rewritten, and the journal."""
        seen = fresh()
        before = seen.stat().st_mtime_ns
        m = _harness.run_process(
            [newsclean, "dedup", "--index", str(seen), "--workers", "1", *flags, str(day)], None, stdout
        )
        journal_file = Path(f"{seen}.journal")
        size = (seen.stat().st_size if seen.stat().st_mtime_ns != before else 0) + (
            journal_file.stat().st_size if journal_file.exists() else 0
        )
        written.setdefault(name, []).append(size)
        return m

    commands = {
        "journal": lambda: timed("journal", [], out),
        "rewrite": lambda: timed("rewrite", ["-o", str(out)], work / "stdout"),
        "journal --max-age 30": lambda: timed("journal --max-age 30", ["--max-age", "30"], out),
    }
    results = _harness.interleaved(commands, args.rounds)
    for name, runs in results.items():
        bad = [m for m in runs if m.returncode != 0]
        assert not bad, (name, bad[0].stderr)
    base_seconds = _harness.summarize([m.seconds for m in results["rewrite"]])
    rows = []
    for name, runs in results.items():
        s = _harness.summarize([m.seconds for m in runs])
        ratios = [r.seconds / m.seconds for m, r in zip(runs, results["rewrite"])]
        rows.append(
            [
                name,
                s.format("{:.2f}"),
                _harness.summarize(ratios).format("{:.2f}x"),
                f"{statistics.median(written[name]) / 1e6:.2f}",
            ]
        )
    text = _harness.table(
        ["run", "seconds, median (min-max)", "rewrite / this, per round", "MB written beside the index"], rows
    )
    size = base.stat().st_size / 1e6
    machine = _harness.machine()
    report = (
        f"{args.docs:,} documents indexed ({size:.1f} MB file), {args.day} new ones a day, "
        f"{args.rounds} interleaved rounds; {machine['cpus']} CPUs, load {machine['load_average'][0]:.2f} at the end\n\n"
        + text
    )
    print(report)
    _harness.write_json(
        "daily_run", {"args": vars(args) | {"doc": str(args.doc)}, "machine": machine, "results": results}
    )
    if args.doc:
        command = "python benchmarks/bench_daily_run.py " + " ".join(sys.argv[1:])
        args.doc.write_text(
            "# Benchmark: a daily run on a large index\n\n"
            f"Made by `{command}` on {time.strftime('%Y-%m-%d', time.gmtime(started))}. What each run does "
            "is in the docstring of `benchmarks/bench_daily_run.py`: `journal` leaves the index file as it "
            "was and appends the run's documents to `seen.nci.journal`; `rewrite` saves the whole file, as "
            f"every run did before. The median time of `rewrite` is {base_seconds.median:.2f} s. "
            "Loading the index (and its journal) is most of a run's time at this size; what leaving the file "
            "as it was saves is the bytes written each day (and the time the lock is held to write them).\n\n"
            + report
            + "\n",
            encoding="utf-8",
        )
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
