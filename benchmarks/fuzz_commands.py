"""A long fuzz run of both commands, as users run them: random bytes and random JSON-ish
lines (some compressed, some cut short) into the installed ``newsclean --jsonl`` and
``newsclean dedup``, with random flags. Every run must exit 0, 1 or 2 (141 never: nobody
closes the pipe), print no traceback, and write only strict JSON lines in UTF-8.

    .venv/bin/python benchmarks/fuzz_commands.py --runs 2000          # a few minutes
    .venv/bin/python benchmarks/fuzz_commands.py --minutes 30 --seed 7

Prints the count of runs by command and exit status, and every failure with its input
(saved under ``benchmarks/out/fuzz/``). The test suite runs the same checks on a few seeded
inputs (``tests/test_cli_input.py``); this script is for the long run.
"""

from __future__ import annotations

import argparse
import bz2
import collections
import gzip
import json
import lzma
import random
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
COMMAND = str(Path(sys.executable).parent / "newsclean")

FRAGMENTS = [
    "{", "}", "[", "]", ":", ",", " ", "\t", "\r", '"', "\\", "\ufeff", "\x00", "\u2028",
    '"text"', '"text": ', '"id": ', '"a"', '"t\\u0065xt"', "null", "true", "1e999", "-0", "0.5E-3",
    "NaN", "Infinity", "-Infinity", "9" * 5000, '"\\ud800"', '"\\udc00\\ud800"', '"\\ud83d\\ude00"',
    '"HANOI (VNA) \u2014 The talks ended."', '"x\\ny\\nx"', '"caf\\u00e9"', "[" * 600, "]" * 600,
    '"duplicate_of": 1', '"group": "g"',
]  # fmt: skip
STORY = "The port handled a record number of containers in May as exporters rushed to beat new tariffs."
FLAGS = {
    "clean": [["--skip-bad-lines"], ["--errors", "replace"], ["--explain"], ["--check"], ["--field", "body"]],
    "dedup": [["--skip-bad-lines"], ["--errors", "replace"], ["--mark"], ["--field", "body"], ["--workers", "1"]],
}


def line(rng: random.Random) -> bytes:
    """One JSON-ish line: fragments, a real-looking record, or bytes."""
    kind = rng.random()
    if kind < 0.4:
        return "".join(rng.choice(FRAGMENTS) for _ in range(rng.randint(0, 12))).encode("utf-8", "surrogatepass")
    if kind < 0.8:
        record: dict[str, object] = {"id": rng.choice([str(rng.randrange(50)), rng.randrange(50), None])}
        words = STORY.split()
        rng.shuffle(words)
        record[rng.choice(["text", "body", "text"])] = " ".join(words[: rng.randint(0, len(words))])
        if rng.random() < 0.3:
            record["n"] = rng.choice([1e300, -0.0, 10**20, [], {"a": None}])
        return json.dumps(record, ensure_ascii=rng.random() < 0.5).encode()
    return bytes(rng.randrange(256) for _ in range(rng.randint(0, 60)))


def stream(rng: random.Random) -> bytes:
    data = b"\n".join(line(rng) for _ in range(rng.randint(0, 8)))
    how = rng.random()
    if how < 0.1:
        data = gzip.compress(data)
    elif how < 0.15:
        data = bz2.compress(data)
    elif how < 0.2:
        data = lzma.compress(data)
    if how < 0.2 and rng.random() < 0.3:
        data = data[: rng.randrange(len(data) + 1)]
    elif rng.random() < 0.05:
        data = b"\xef\xbb\xbf" + data
    return data


def check(command: str, args: list[str], data: bytes) -> tuple[int, str | None]:
    argv = [COMMAND, *(["dedup"] if command == "dedup" else ["--jsonl"]), *args]
    done = subprocess.run(argv, input=data, capture_output=True, timeout=60)
    err = done.stderr.decode("utf-8", "replace")
    if done.returncode not in (0, 1, 2):
        return done.returncode, f"exit {done.returncode}"
    if "Traceback" in err:
        return done.returncode, "a traceback"
    if "--check" in args:
        return done.returncode, None
    for row in done.stdout.splitlines():
        try:
            text = row.decode("utf-8")
            json.loads(text, parse_constant=_refuse, object_pairs_hook=_unique)
        except (UnicodeDecodeError, ValueError) as why:
            return done.returncode, f"not strict JSON out ({why}): {row[:80]!r}"
    return done.returncode, None


def _refuse(name: str) -> object:
    raise ValueError(f"{name} in the output")


def _unique(pairs: list[tuple[str, object]]) -> dict[str, object]:
    if len({k for k, _ in pairs}) != len(pairs):
        raise ValueError("a duplicated key in the output")
    return dict(pairs)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", type=int, default=1000, help="runs of each command (default 1000)")
    p.add_argument("--minutes", type=float, default=None, help="stop after this long")
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args()
    rng = random.Random(args.seed)
    counts: collections.Counter[tuple[str, int]] = collections.Counter()
    failures = 0
    start = time.monotonic()
    out = HERE / "out" / "fuzz"
    for n in range(args.runs):
        if args.minutes is not None and time.monotonic() - start > 60 * args.minutes:
            break
        for command in ("clean", "dedup"):
            flags = [f for f in FLAGS[command] if rng.random() < 0.3]
            data = stream(rng)
            code, failure = check(command, [a for f in flags for a in f], data)
            counts[(command, code)] += 1
            if failure is not None:
                failures += 1
                out.mkdir(parents=True, exist_ok=True)
                (out / f"{command}-{args.seed}-{n}.bin").write_bytes(data)
                print(f"FAIL {command} {flags}: {failure} (input saved as {command}-{args.seed}-{n}.bin)")
    total = sum(counts.values())
    print(f"{total} runs in {time.monotonic() - start:.0f} s (seed {args.seed}), {failures} failures")
    for (command, code), count in sorted(counts.items()):
        print(f"  {command:5s} exit {code}: {count}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
