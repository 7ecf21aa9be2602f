"""Drop near-duplicate JSON lines with datasketch: the script a user would write instead
of ``newsclean dedup`` (a baseline of ``benchmarks/bench_dedup.py``; datasketch comes with
newsclean).

    python datasketch_dedup.py < crawl.jsonl > unique.jsonl
    python datasketch_dedup.py --mark crawl.jsonl > marked.jsonl

Each document's text is lower-cased and cut into its set of character 5-grams; a batch of
sets (as UTF-8 bytes) becomes MinHash sketches (``MinHash.bulk``, 128 permutations).
``MinHashLSH(threshold=0.8, num_perm=128)`` (it picks 9 bands of 13 rows) holds the
documents kept so far; a document is a duplicate when one of its candidates has an
estimated Jaccard similarity >= 0.8, else it is kept and indexed. Kept lines are written
as read; with ``--mark`` every line is written with a ``duplicate_of`` field: the ``id``
(or line number) of the earlier document, or null.
"""

from __future__ import annotations

import argparse
import fileinput
import json
import sys
from itertools import islice

from datasketch import MinHash, MinHashLSH

THRESHOLD = 0.8
NUM_PERM = 128
SEED = 1


def shingles(text: str, k: int = 5) -> list[bytes]:
    text = text.lower()
    return [s.encode() for s in {text[i : i + k] for i in range(max(1, len(text) - k + 1))}]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*", help="JSONL files (default: stdin)")
    parser.add_argument("--mark", action="store_true", help="write every line, with duplicate_of")
    parser.add_argument("--field", default="text")
    # 256 documents at a time, as newsclean dedup reads them. A batch's token sets are most
    # of the script's memory (about 110 bytes per 5-gram: a str and its slot in a set); the
    # speed hardly depends on the batch size.
    parser.add_argument("--batch", type=int, default=256)
    args = parser.parse_args()

    lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
    kept: dict[int, MinHash] = {}  # line number -> sketch, for the documents kept
    ids: dict[int, object] = {}  # line number -> id, for --mark
    out = sys.stdout.buffer
    lines = (line for line in fileinput.input(args.files, mode="rb") if line.strip())
    n = 0
    while batch := list(islice(lines, args.batch)):
        records = [json.loads(line) for line in batch]
        sketches = MinHash.bulk([shingles(r[args.field]) for r in records], num_perm=NUM_PERM, seed=SEED)
        for line, record, sketch in zip(batch, records, sketches):
            dup = next((k for k in lsh.query(sketch) if sketch.jaccard(kept[k]) >= THRESHOLD), None)
            if dup is None:
                lsh.insert(n, sketch)
                kept[n] = sketch
                ids[n] = record.get("id", n)
            if args.mark:
                record["duplicate_of"] = None if dup is None else ids[dup]
                out.write(json.dumps(record, ensure_ascii=False).encode() + b"\n")
            elif dup is None:
                out.write(line if line.endswith(b"\n") else line + b"\n")
            n += 1


if __name__ == "__main__":
    main()
