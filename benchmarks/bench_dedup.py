"""Whole-process benchmark of ``newsclean dedup`` against the scripts a user would write
instead (``benchmarks/baselines/``): each tool reads the same JSONL stream of news
documents on stdin and writes the documents it keeps to a file, as a fresh process.

    .venv/bin/python benchmarks/bench_dedup.py --quick        # 3,000 docs, 3 rounds: ~1 minute
    .venv/bin/python benchmarks/bench_dedup.py --report       # 20,000 docs, 5 rounds; docs table + plot
    .venv/bin/python benchmarks/bench_dedup.py --variant w2="--workers 2" --rounds 3
    .venv/bin/python benchmarks/bench_dedup.py --stream s.jsonl --truth t.jsonl
    .venv/bin/python benchmarks/bench_dedup.py --render       # docs from benchmarks/out/dedup.json only

Benchmark-only dependencies (not in pyproject.toml): ``pip install rensa matplotlib``
(rensa for its baseline, which is skipped when missing; matplotlib for ``--report``).

The goal it checks: ``newsclean dedup`` with default flags processes at least 3x the
rensa script's documents per second, with a peak memory no higher than the script's.

Tools (every command's argv is recorded in the JSON):

- ``newsclean``: ``newsclean dedup`` (the console script next to this Python), default
  flags; ``--variant NAME="ARGS"`` adds ``newsclean dedup ARGS`` as tool NAME.
- ``rensa``: ``baselines/rensa_dedup.py`` (character 5-grams of the lower-cased text,
  ``RMinHash`` 128 permutations, ``RMinHashLSH`` 16 bands of 8 rows, estimated Jaccard >= 0.8).
- ``datasketch``: ``baselines/datasketch_dedup.py`` (the same with ``MinHash.bulk`` and
  ``MinHashLSH(threshold=0.8, num_perm=128)``, which picks 9 bands of 13 rows).

What is measured (``_harness.py``): wall-clock time from process start to exit, imports
and reading included; docs/s = documents / seconds; median (min-max) over ``--rounds``
interleaved rounds (the tool order rotates each round); the ratio to the rensa script
(of the medians, and the median of the per-round ratios, which cancels load that changes
between rounds); peak memory, the sum over the process tree of each process's peak
resident set, and the top process alone; the proportional set size of the tree at one
time (shared pages counted once), from one more untimed run of each tool, as sampling it
costs CPU (see ``_harness``); CPU time / wall time (below 1 for a one-process
tool: it waited for a CPU, the machine was busy); start-up: the best of 3 runs on empty
input (interpreter, imports, exit). Before the timed rounds, each tool runs once
with ``--mark`` on the same stream (untimed): that is the quality run, and it also brings
the stream and the tool's files into the page cache, so no timed run reads from disk.
Output goes to ``/dev/shm`` (RAM) when it exists, so that no run waits on disk writes.

Quality (against the truth file): a document is a true duplicate when an earlier document
has the same story. A tool's verdict is its ``duplicate_of`` (``--mark``): correct when
the named document is of the same story. Recall = correct / true duplicates; precision =
correct / documents marked. Without a truth file (``--stream`` alone) only the counts of
kept documents are compared. Ids are the documents' ``id`` field, which the stream must have.

The stream: ``--stream FILE --truth FILE`` (truth: JSON lines ``{"id", "story", ...}``),
or generated and cached in ``benchmarks/out/cache/``: by ``republish_corpus.py`` when it
exists, else from ``docs_corpus.py`` (story: the document's own id, or for a
republication whose word 3-gram Jaccard with its source is >= 0.8, the source's).
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
import _harness  # noqa: E402

BASELINE = "rensa"
GOAL_SPEED = 3.0
DOC = ROOT / "docs" / "benchmarks.md"
PLOT = ROOT / "docs" / "_static" / "dedup.png"
MARKERS = ("<!-- bench_dedup:start -->", "<!-- bench_dedup:end -->")


# -- the stream -------------------------------------------------------------------------


def make_stream(docs: int) -> tuple[Path, Path, str]:
    """(stream, truth, how it was made) for ``docs`` generated documents, cached. The
    generator runs in a child process, so that this one, which spawns every timed run,
    stays small; it writes to temporary names, renamed when both files are complete."""
    cache = _harness.OUT / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    if (HERE / "republish_corpus.py").exists():
        name = f"dedup-republish-{docs}"
        how = f"benchmarks/republish_corpus.py --docs {docs} --split dev --base generated"
        argv = [
            sys.executable,
            str(HERE / "republish_corpus.py"),
            "--docs",
            str(docs),
            "--split",
            "dev",
            "--base",
            "generated",
        ]
    else:
        name = f"dedup-docs-{docs}"
        how = f"benchmarks/docs_corpus.py corpus({docs}, seed=1)"
        argv = [sys.executable, __file__, "--_docs-corpus", str(docs)]
    stream, truth = cache / f"{name}.jsonl", cache / f"{name}.truth.jsonl"
    if not (stream.exists() and truth.exists()):
        # .jsonl names still, in case the generator goes by the extension
        tmp_stream, tmp_truth = (f.with_name(f.name.replace(".jsonl", ".part.jsonl")) for f in (stream, truth))
        subprocess.run([*argv, "--out", str(tmp_stream), "--truth", str(tmp_truth)], check=True)
        tmp_stream.replace(stream)
        tmp_truth.replace(truth)
    return stream, truth, how


def write_docs_corpus(docs: int, stream: Path, truth: Path) -> None:
    """The stream and truth of ``docs_corpus.corpus(docs, seed=1)``."""
    import docs_corpus

    with open(stream, "w", encoding="utf-8") as fs, open(truth, "w", encoding="utf-8") as ft:
        for d in docs_corpus.corpus(docs, seed=1):
            story = str(d.source) if d.kind == "republication" and d.is_duplicate() else d.id
            original = str(d.source) if d.source >= 0 else None
            fs.write(json.dumps({"id": d.id, "text": d.text}, ensure_ascii=False) + "\n")
            ft.write(json.dumps({"id": d.id, "story": story, "kind": d.kind, "original": original}) + "\n")


def stream_facts(stream: Path) -> dict[str, Any]:
    """Documents and size of a stream."""
    with open(stream, "rb") as f:
        docs = sum(1 for line in f if line.strip())
    size = stream.stat().st_size
    return {
        "path": str(stream),
        "documents": docs,
        "megabytes": round(size / 1e6, 1),
        "kb_per_doc": round(size / 1e3 / max(docs, 1), 2),
    }


# -- quality ----------------------------------------------------------------------------


def quality(marked: Path, truth: Path) -> dict[str, Any]:
    """Recall and precision of a tool's ``duplicate_of`` (see the module docstring)."""
    story: dict[str, str] = {}  # document id -> story
    seen: set[str] = set()  # stories of the documents so far
    true_dups: set[str] = set()
    with open(truth, encoding="utf-8") as f:
        for line in f:
            t = json.loads(line)
            doc_id = str(t["id"])
            s = f"story {t['story']}" if t.get("story") is not None else f"doc {doc_id}"  # none: a story of its own
            if s in seen:
                true_dups.add(doc_id)
            seen.add(s)
            story[doc_id] = s
    marked_n = correct = wrong_pair = 0
    with open(marked, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            dup = r.get("duplicate_of")
            if dup is None:
                continue
            marked_n += 1
            doc_id, dup = str(r["id"]), str(dup)
            if story.get(dup) == story.get(doc_id) and doc_id in true_dups:
                correct += 1
            elif doc_id in true_dups:
                wrong_pair += 1
    recall = correct / len(true_dups) if true_dups else 1.0
    precision = correct / marked_n if marked_n else 1.0
    return {
        "true_duplicates": len(true_dups),
        "marked": marked_n,
        "correct": correct,
        "true_duplicate_wrong_pair": wrong_pair,
        "recall": recall,
        "precision": precision,
        "f1": 2 * recall * precision / (recall + precision) if recall + precision else 0.0,
    }


# -- the tools --------------------------------------------------------------------------


def tools(variants: Sequence[str], only: Sequence[str] | None) -> dict[str, list[str]]:
    """Tool name -> argv (without ``--mark``). Baselines whose library is missing are left out."""
    script = Path(sys.executable).parent / "newsclean"
    newsclean = [str(script)] if script.exists() else [sys.executable, "-m", "newsclean"]
    found: dict[str, list[str]] = {"newsclean": [*newsclean, "dedup"]}
    for spec in variants:
        name, _, args = spec.partition("=")
        if not name or name in found or name in ("rensa", "datasketch"):
            raise SystemExit(f'--variant {spec!r}: give a new NAME="ARGS"')
        found[name] = [*newsclean, "dedup", *shlex.split(args)]
    for lib in ("rensa", "datasketch"):
        try:
            metadata.version(lib)
        except metadata.PackageNotFoundError:
            print(f"{lib} is not installed (pip install {lib}): its script is skipped", file=sys.stderr)
            continue
        found[lib] = [sys.executable, str(HERE / "baselines" / f"{lib}_dedup.py")]
    if only:
        unknown = set(only) - set(found)
        if unknown:
            raise SystemExit(f"--tools: unknown or unavailable {', '.join(sorted(unknown))} (have {', '.join(found)})")
        found = {name: argv for name, argv in found.items() if name in only}
    return found


def versions() -> dict[str, str]:
    out = {}
    for name in ("newsclean", "rensa", "datasketch", "numpy"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "missing"
    git = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "src"], capture_output=True, text=True)
    out["commit"] = git.stdout.strip() + (" (src modified)" if dirty.stdout.strip() else "")
    return out


def lines_of(path: Path) -> int:
    with open(path, "rb") as f:
        return sum(1 for _ in f)


def measure(argv: list[str], stream: Path | None, out: Path, *, pss: bool = False) -> _harness.Measurement:
    """One run; a failed run stops the benchmark (its numbers would mean nothing)."""
    m = _harness.run_process(argv, stream, out, pss=pss)
    if m.returncode != 0:
        raise SystemExit(f"{shlex.join(argv)} failed (exit {m.returncode}):\n{m.stderr}")
    return m


# -- results ----------------------------------------------------------------------------


def summarise(res: dict[str, Any]) -> dict[str, Any]:
    """Per tool: docs/s, ratio to the baseline, memory; and the goals."""
    n = res["stream"]["documents"]
    runs = res["runs"]
    base = runs.get(BASELINE)
    rows: dict[str, Any] = {}
    for name, ms in runs.items():
        rate = [n / m["seconds"] for m in ms]
        row: dict[str, Any] = {
            "docs_per_s": _harness.summarize(rate),
            "peak_tree_mb": _harness.summarize([m["peak_tree_mb"] for m in ms]),
            "peak_top_mb": _harness.summarize([m["peak_top_mb"] for m in ms]),
            "peak_pss_mb": res.get("pss", {}).get(name, 0.0),
            "processes": max(m["processes"] for m in ms),
            "cpu_per_wall": _harness.summarize([m["cpu_seconds"] / m["seconds"] for m in ms]),
        }
        if base:
            base_rate = [n / m["seconds"] for m in base]
            row["vs_baseline"] = _harness.summarize([a / b for a, b in zip(rate, base_rate)])
            row["vs_baseline_of_medians"] = row["docs_per_s"].median / _harness.summarize(base_rate).median
        rows[name] = row
    goals = []
    if base and "newsclean" in rows:
        nc, b = rows["newsclean"], rows[BASELINE]
        speed = nc["vs_baseline_of_medians"]
        goals.append(
            {
                "goal": f"newsclean dedup >= {GOAL_SPEED:g}x the rensa script's docs/s",
                "measured": f"{speed:.2f}x",
                "met": speed >= GOAL_SPEED,
            }
        )
        mem, bmem = nc["peak_tree_mb"].median, b["peak_tree_mb"].median
        goals.append(
            {
                "goal": "newsclean dedup peak memory <= the rensa script's",
                "measured": f"{mem:,.0f} MB vs {bmem:,.0f} MB",
                "met": mem <= bmem,
            }
        )
        pss, bpss = nc["peak_pss_mb"], b["peak_pss_mb"]
        goals.append(
            {
                "goal": "the same, shared pages counted once (PSS of the tree at one time)",
                "measured": f"{pss:,.0f} MB vs {bpss:,.0f} MB",
                "met": pss <= bpss,
            }
        )
    return {"tools": rows, "goals": goals}


def tables(res: dict[str, Any], summary: dict[str, Any], *, markdown: bool) -> str:
    """The results table (and the goals), markdown or plain text."""
    rounds = len(next(iter(res["runs"].values())))
    head = ["tool", f"docs/s, median (min-max) of {rounds}", "x rensa script", "x rensa, per round"]
    head += ["peak memory, tree (top)", "PSS, tree at once", "processes", "CPU / wall", "start-up", "kept"]
    has_q = any(res["quality"].values())
    if has_q:
        head += ["recall", "precision"]
    rows = []
    for name, row in summary["tools"].items():
        cells = [
            name,
            row["docs_per_s"].format("{:,.0f}"),
            f"{row['vs_baseline_of_medians']:.2f}x" if "vs_baseline" in row else "-",
            row["vs_baseline"].format("{:.2f}") if "vs_baseline" in row else "-",
            f"{row['peak_tree_mb'].median:,.0f} MB ({row['peak_top_mb'].median:,.0f})",
            f"{row['peak_pss_mb']:,.0f} MB",
            str(row["processes"]),
            row["cpu_per_wall"].format("{:.2f}"),
            f"{res['startup'][name]:.2f} s",
            f"{res['kept'][name]:,}",
        ]
        if has_q:
            q = res["quality"].get(name)
            cells += [f"{q['recall']:.4f}", f"{q['precision']:.4f}"] if q else ["-", "-"]
        rows.append(cells)
    out = [_harness.table(head, rows, markdown=markdown)]
    if summary["goals"]:
        goal_rows = [[g["goal"], g["measured"], "yes" if g["met"] else "NO"] for g in summary["goals"]]
        out.append(_harness.table(["goal", "measured", "met"], goal_rows, markdown=markdown))
    return "\n\n".join(out)


# -- the docs section -------------------------------------------------------------------


def plot(res: dict[str, Any], summary: dict[str, Any], path: Path) -> None:
    """Docs/s per tool, median with min-max error bars."""
    names = list(summary["tools"])
    s = res["stream"]
    _harness.bars(
        names,
        [summary["tools"][n]["docs_per_s"] for n in names],
        path,
        xlabel="documents per second (median, min-max), whole process",
        title=f"JSONL in, kept lines out: {s['documents']:,} documents ({s['megabytes']} MB)",
        label=lambda v: f"{v.median:,.0f}",
        ours=[n.startswith("newsclean") or n not in ("rensa", "datasketch") for n in names],
    )


def _shown(argv: Sequence[str]) -> list[str]:
    """``argv`` with paths inside the repository made relative to it (``.venv/bin/python``)."""
    root = str(ROOT) + "/"
    return [a[len(root) :] if a.startswith(root) else a for a in argv]


def report(res: dict[str, Any], summary: dict[str, Any], doc: Path, png: Path) -> None:
    """Write the markdown section between the markers of ``doc``, and the plot."""
    plot(res, summary, png)
    m, v, s = res["machine"], res["versions"], res["stream"]
    rounds = len(next(iter(res["runs"].values())))
    section = [
        MARKERS[0],
        f"Made by `{res['command']}` on {m['utc']} ({res['wall_minutes']:.1f} minutes). "
        f"Machine: {m['cpus']} CPUs, {m['cpu_model']}, {m['memory_gb']} GB RAM, Python {m['python']}; "
        f"newsclean {v['newsclean']} at commit {v['commit']}, rensa {v['rensa']}, datasketch {v['datasketch']}. "
        f"Load average at the start: {m['load_average'][0]:.2f}. Raw numbers: `benchmarks/out/dedup.json`.",
        "",
        f"Stream: {s['documents']:,} documents, {s['megabytes']} MB ({s['kb_per_doc']} KB a document), from `{s['how']}`; "
        f"{rounds} interleaved rounds.",
        "",
        tables(res, summary, markdown=True),
        "",
        'Recall and precision: of "is a duplicate of an earlier document of the same story", from each tool\'s '
        "`--mark` output (the named document must be of the same story). CPU / wall: CPU time over wall time, "
        "below 1 for a one-process tool when it waited for a CPU. Start-up: the best of 3 runs on empty input. The commands (each `< stream > out`):",
        "",
        *(f"- {name}: `{shlex.join(_shown(argv))}`" for name, argv in res["argv"].items()),
        "",
        f"![Documents per second of each tool]({png.relative_to(doc.parent).as_posix()})",
        MARKERS[1],
    ]
    text = doc.read_text(encoding="utf-8")
    start, end = text.find(MARKERS[0]), text.find(MARKERS[1])
    if start < 0 or end < start:
        raise SystemExit(f"{doc}: the markers {MARKERS} are missing")
    doc.write_text(text[:start] + "\n".join(section) + text[end + len(MARKERS[1]) :], encoding="utf-8")
    print(f"wrote {doc} and {png}", file=sys.stderr)


# -- main -------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> None:
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--docs", type=int, default=20_000, help="documents of the generated stream (default 20,000)")
    p.add_argument("--rounds", type=int, default=5, help="interleaved timed rounds (default 5)")
    p.add_argument("--quick", action="store_true", help="3,000 documents, 3 rounds (about a minute)")
    p.add_argument("--stream", type=Path, help="a JSONL stream (field text, id) instead of a generated one")
    p.add_argument("--truth", type=Path, help="with --stream: its truth, JSON lines {id, story}")
    p.add_argument(
        "--variant", action="append", default=[], metavar='NAME="ARGS"', help="also time newsclean dedup ARGS as NAME"
    )
    p.add_argument("--tools", help="comma-separated subset of the tools to run")
    p.add_argument("--no-quality", action="store_true", help="skip the --mark runs (then one untimed warm-up run each)")
    p.add_argument(
        "--report",
        action="store_true",
        help=f"write the section of {DOC.relative_to(ROOT)} and {PLOT.relative_to(ROOT)}",
    )
    p.add_argument("--render", action="store_true", help="only --report from benchmarks/out/dedup.json, no run")
    p.add_argument("--_docs-corpus", type=int, help=argparse.SUPPRESS)  # with --out, --truth: make_stream's child
    p.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = p.parse_args(argv)

    if args._docs_corpus:
        write_docs_corpus(args._docs_corpus, args.out, args.truth)
        return

    if args.render:
        res = json.loads((_harness.OUT / "dedup.json").read_text())
        report(res, summarise(res), DOC, PLOT)
        return
    if args.quick:
        args.docs, args.rounds = 3_000, 3
    if args.truth and not args.stream:
        raise SystemExit("--truth needs --stream")
    began = time.time()
    machine = _harness.machine()
    if args.stream:
        stream, truth, how = args.stream, args.truth, str(args.stream)
    else:
        stream, truth, how = make_stream(args.docs)
    facts = stream_facts(stream) | {"how": how}
    commands = tools(args.variant, args.tools.split(",") if args.tools else None)
    print(
        f"stream: {facts['documents']:,} documents, {facts['megabytes']} MB; tools: {', '.join(commands)}",
        file=sys.stderr,
    )

    res: dict[str, Any] = {
        "command": "python benchmarks/bench_dedup.py " + shlex.join(sys.argv[1:] if argv is None else argv),
        "machine": machine,
        "versions": versions(),
        "stream": facts,
        "argv": commands,
        "quality": {},
        "kept": {},
        "startup": {},
        "pss": {},
    }
    # Output goes to a RAM file system where there is one: writing it to disk would leave
    # dirty pages whose writeback could overlap the next run.
    shm = "/dev/shm" if Path("/dev/shm").is_dir() else None
    with tempfile.TemporaryDirectory(prefix="bench_dedup-", dir=shm) as tmp:
        out = Path(tmp) / "out.jsonl"
        for name, cmd in commands.items():  # the fixed cost: the best of 3 runs on empty input
            res["startup"][name] = min(measure(cmd, None, out).seconds for _ in range(3))
        if not args.no_quality:
            for name, cmd in commands.items():
                m = measure([*cmd, "--mark"], stream, out)
                res["quality"][name] = quality(out, truth) if truth else None
                print(f"quality run {name}: {m.seconds:.1f} s {res['quality'][name] or ''}", file=sys.stderr)

        # The memory of the tree at one time (PSS) from one untimed run each: sampling it
        # costs CPU that a timed run must not lose (see _harness).
        for name, cmd in commands.items():
            res["pss"][name] = measure(cmd, stream, out, pss=True).peak_pss_mb

        def runner(cmd: list[str], name: str) -> _harness.Measurement:
            m = measure(cmd, stream, out)
            res["kept"].setdefault(name, set()).add(lines_of(out))
            return m

        def progress(r: int, name: str, m: _harness.Measurement) -> None:
            print(
                f"round {r + 1}/{args.rounds} {name:>12}: {m.seconds:6.2f} s, {facts['documents'] / m.seconds:8,.0f} docs/s, "
                f"{m.peak_tree_mb:6.0f} MB ({m.processes} proc), load {m.load:.2f}",
                file=sys.stderr,
            )

        runs = _harness.interleaved(
            {name: (lambda cmd=cmd, name=name: runner(cmd, name)) for name, cmd in commands.items()},
            args.rounds,
            warmup=args.no_quality,
            report=progress,
        )
    for name, kept in res["kept"].items():
        if len(kept) != 1:
            print(
                f"warning: {name} kept a different number of documents in different runs: {sorted(kept)}",
                file=sys.stderr,
            )
        res["kept"][name] = max(kept)
    res["runs"] = {name: [vars(m) for m in ms] for name, ms in runs.items()}
    res["order"] = _harness.rotations(list(commands), args.rounds)
    res["wall_minutes"] = (time.time() - began) / 60
    summary = summarise(res)
    res["summary"] = summary
    path = _harness.write_json("dedup", res)
    print(tables(res, summary, markdown=False))
    print(f"\nraw results: {path.relative_to(ROOT)}", file=sys.stderr)
    if args.report:
        report(res, summary, DOC, PLOT)


if __name__ == "__main__":
    main()
