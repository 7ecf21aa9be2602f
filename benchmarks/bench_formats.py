"""``newsclean dedup`` on the same documents as JSON lines, Parquet and CSV: the whole
process, default flags, interleaved rounds, and the same decisions in every format.

The documents are bench_dedup's generated republication stream (``make_stream``), written
once more as a Parquet file (columns ``id`` and ``text``) and as a CSV file:

    python benchmarks/bench_formats.py --docs 20000 --rounds 5 --doc docs/benchmarks-formats.md
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import _harness  # noqa: E402
import bench_dedup  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--docs", type=int, default=20_000)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--doc", type=Path, help="write the report as a Markdown page")
    args = p.parse_args()

    import pyarrow as pa
    import pyarrow.parquet as pq

    started = time.time()
    stream, _, how = bench_dedup.make_stream(args.docs)
    work = _harness.OUT / "formats"
    work.mkdir(parents=True, exist_ok=True)
    rows = [json.loads(line) for line in stream.read_text(encoding="utf-8").splitlines() if line.strip()]
    ids, texts = [str(r["id"]) for r in rows], [r["text"] for r in rows]
    pq.write_table(pa.table({"id": ids, "text": texts}), work / "in.parquet")
    with open(work / "in.csv", "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["id", "text"])
        writer.writerows(zip(ids, texts))
    newsclean = str(Path(sys.executable).parent / "newsclean")
    commands = {
        "JSON lines": lambda: _harness.run_process([newsclean, "dedup", str(stream)], None, work / "out.jsonl"),
        "Parquet": lambda: _harness.run_process(
            [newsclean, "dedup", str(work / "in.parquet"), "-o", str(work / "out.parquet")], None, work / "stdout"
        ),
        "CSV": lambda: _harness.run_process(
            [newsclean, "dedup", str(work / "in.csv"), "-o", str(work / "out.csv")], None, work / "stdout"
        ),
    }
    results = _harness.interleaved(commands, args.rounds)
    for name, runs in results.items():
        bad = [m for m in runs if m.returncode != 0]
        assert not bad, (name, bad[0].stderr)
    kept = [json.loads(line)["id"] for line in (work / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert pq.read_table(work / "out.parquet").column("id").to_pylist() == kept
    with open(work / "out.csv", encoding="utf-8", newline="") as f:
        assert [r[0] for r in list(csv.reader(f))[1:]] == kept
    table_rows = []
    for name, runs in results.items():
        rate = _harness.summarize([len(rows) / m.seconds for m in runs])
        ratio = _harness.summarize([j.seconds / m.seconds for m, j in zip(runs, results["JSON lines"])])
        peak = _harness.summarize([m.peak_tree_mb for m in runs])
        table_rows.append([name, rate.format("{:,.0f}"), ratio.format("{:.2f}x"), peak.format("{:,.0f}")])
    text = _harness.table(
        ["input", "docs/s, median (min-max)", "rate / JSON lines, per round", "peak MB (process tree)"], table_rows
    )
    machine = _harness.machine()
    report = (
        f"{len(rows):,} documents ({how}), {len(kept):,} kept in every format, {args.rounds} interleaved rounds, "
        f"default flags; {machine['cpus']} CPUs, load {machine['load_average'][0]:.2f} at the end\n\n" + text
    )
    print(report)
    _harness.write_json(
        "formats", {"args": vars(args) | {"doc": str(args.doc)}, "machine": machine, "results": results}
    )
    if args.doc:
        command = "python benchmarks/bench_formats.py " + " ".join(sys.argv[1:])
        args.doc.write_text(
            "# Benchmark: JSON lines, Parquet and CSV\n\n"
            f"Made by `{command}` on {time.strftime('%Y-%m-%d', time.gmtime(started))}: `newsclean dedup` "
            "on the same documents in each format, the whole process, each run from a fresh process "
            "(`benchmarks/bench_formats.py` says how). A table is read and written in batches of rows "
            "by pyarrow (Parquet) or the csv module; the decisions are the same.\n\n" + report + "\n",
            encoding="utf-8",
        )


if __name__ == "__main__":
    main()
