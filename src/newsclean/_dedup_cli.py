"""``newsclean dedup``: drop (or mark) near-duplicate documents in a JSONL stream."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from .cli import EXIT_FOUND, EXIT_OK, EXIT_USAGE, STDIN, _label, _open, _records

BATCH = 256  # documents read, added and written at a time
WORKER_BATCH = 4096  # the same with --workers: a batch forks the worker processes once


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="newsclean dedup",
        description="Read JSON lines (one document per line) and write the documents that are "
        "not near-duplicates of an earlier one, in input order, every field untouched. "
        "Documents are compared on their clean body (credits, datelines and in-document "
        "repeats removed).",
        epilog="Exit status: 0 ok; 1 some input or the index could not be used; 2 usage error.",
    )
    p.add_argument("files", nargs="*", metavar="FILE", help="JSONL files; none or '-' reads stdin")
    p.add_argument("--field", default="text", help="the field holding the text (default: text)")
    p.add_argument(
        "--id-field",
        default="id",
        help="the field holding the document id (default: id; documents without one are named FILE:LINE)",
    )
    p.add_argument(
        "--mark",
        action="store_true",
        help="write every document, with an added 'duplicate_of' field (null when new), instead of dropping duplicates",
    )
    where = p.add_mutually_exclusive_group()
    where.add_argument(
        "--index",
        metavar="PATH",
        help="keep the index in this file across runs "
        "(documents seen in earlier runs count); written atomically at the end",
    )
    where.add_argument(
        "--redis",
        metavar="URL",
        help="use the index shared on Redis at URL (redis://host:port/db); needs 'newsclean[redis]'",
    )
    p.add_argument("--namespace", default="newsclean", help="with --redis: the key prefix (default: newsclean)")
    p.add_argument(
        "--threshold",
        type=float,
        default=None,
        help="Jaccard similarity of the "
        "documents' shingle sets at which they are duplicates (default: 0.8, or the index's)",
    )
    p.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help=f"clean and fingerprint in N processes (default: 1); documents are then read "
        f"{WORKER_BATCH} at a time",
    )
    p.add_argument(
        "--skip-bad-lines",
        action="store_true",
        help="skip lines that are not JSON objects with the field, and count them on stderr",
    )
    p.add_argument(
        "--errors",
        choices=("strict", "replace"),
        default="strict",
        help="invalid UTF-8 (default: strict, an error naming the byte)",
    )
    return p


def run(args: argparse.Namespace) -> int:
    from ._errors import NewscleanError, OptionsError
    from .index import DedupIndex, IndexParams

    try:
        params = IndexParams() if args.threshold is None else IndexParams(threshold=args.threshold)
    except OptionsError as err:
        print(f"newsclean dedup: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    if not 1 <= args.workers <= 256:
        print(f"newsclean dedup: error: --workers must be 1 to 256, got {args.workers}", file=sys.stderr)
        return EXIT_USAGE
    index: Any
    try:
        if args.redis:
            from .index._redis import RedisIndex

            index = RedisIndex(args.redis, params, namespace=args.namespace)
        elif args.index and Path(args.index).exists():
            index = DedupIndex.load(args.index, params if args.threshold is not None else None)
        else:
            index = DedupIndex(params)
    except (NewscleanError, OSError, ImportError) as err:
        print(f"newsclean dedup: {err}", file=sys.stderr)
        return EXIT_FOUND
    stats = Stats()
    status = EXIT_OK
    try:
        for name in args.files or [STDIN]:
            try:
                with _open(name) as stream:
                    _dedup(index, stream, _label(name), args, stats)
            except (NewscleanError, OSError) as err:
                if isinstance(err, BrokenPipeError):
                    raise
                if isinstance(err, OSError) and not isinstance(err, NewscleanError):
                    print(f"newsclean dedup: {name}: {err.strerror}", file=sys.stderr)
                else:
                    print(f"newsclean dedup: {err}", file=sys.stderr)
                status = EXIT_FOUND
                if isinstance(err, ConnectionError):
                    break
    finally:
        stats.done()
        if args.index and not args.redis:
            index.save(args.index)
    return status


class Stats:
    """Counts, a progress line on a terminal, and the summary line on stderr."""

    def __init__(self) -> None:
        self.start = time.monotonic()
        self.seen = self.kept = 0
        self.tty = sys.stderr.isatty()
        self.shown = 0.0

    def add(self, new: bool) -> None:
        self.seen += 1
        self.kept += new
        if self.tty and time.monotonic() - self.shown > 0.2:
            self.shown = time.monotonic()
            print(f"\r{self.seen} documents, {self.kept} kept", end="", file=sys.stderr, flush=True)

    def done(self) -> None:
        seconds = time.monotonic() - self.start
        clear = "\r\033[K" if self.tty else ""
        print(
            f"{clear}newsclean dedup: {self.seen} in, {self.kept} kept, {self.seen - self.kept} dropped, {seconds:.1f} s",
            file=sys.stderr,
        )


def _batches(
    stream: IO[bytes], source: str, args: argparse.Namespace
) -> Iterator[list[tuple[int, dict[str, Any], str]]]:
    batch = []
    size = BATCH if args.workers == 1 else WORKER_BATCH
    try:
        for item in _records(stream, source, args):
            batch.append(item)
            if len(batch) == size:
                yield batch
                batch = []
    except ValueError:
        if batch:  # the good lines before a bad one are still deduplicated and written
            yield batch
        raise
    if batch:
        yield batch


def _dedup(index: Any, stream: IO[bytes], source: str, args: argparse.Namespace, stats: Stats) -> None:
    import json

    out = sys.stdout.buffer
    for batch in _batches(stream, source, args):
        ids = [str(r[args.id_field]) if r.get(args.id_field) is not None else f"{source}:{n}" for n, r, _ in batch]
        results = index.add_many([text for _, _, text in batch], ids, workers=args.workers)
        lines = []
        for (_, record, _), result in zip(batch, results):
            stats.add(result.new)
            if args.mark:
                record["duplicate_of"] = result.duplicate_of
            if result.new or args.mark:
                lines.append(json.dumps(record, ensure_ascii=False) + "\n")
        out.write("".join(lines).encode("utf-8"))
        out.flush()
