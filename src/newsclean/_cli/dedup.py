"""``newsclean dedup``: drop (or mark) republished documents in a JSONL stream.

The stream is read in batches: every line already waiting is taken (up to ``BATCH``),
so a fast file goes through in large batches while a slow stream (``tail -f``) has each
line written as soon as it has been decided. Forked workers take story bodies and
fingerprints (the costly half) of the batches read ahead while this process decides and
writes a batch, then sketches what the workers have not taken of the next one. A kept
line is written as the input's bytes; ``--mark`` appends its fields to the line without
re-encoding the others. A document is added to the index only once its line has been
written: after a broken pipe or a full disk, what was not delivered is forgotten, so the
next run sees it again.

With ``--index``, a run holds a lock on the file for its whole length, appends each
written batch's kept documents to a journal beside it (folded in by the next run if this
one is killed), and on SIGTERM or SIGINT stops between batches and saves what it wrote
(see ``dedup_run`` and ``index/_journal.py``).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from .._atomic import Replacement, target_of
from .._fieldpath import field_path, get_path
from .._parallel import cores
from .._tables import doc_id
from .common import (
    EXIT_FOUND,
    EXIT_OK,
    EXIT_USAGE,
    STDIN,
    OutputError,
    flag_problem,
    input_flags,
    label,
    open_input,
    parse_line,
    usage_error,
    waiting_test,
    workers_flag,
    write_units,
)
from .dedup_run import LOCK_TIMEOUT, IndexLock, Signals, Stop

BATCH = 1024  # most documents decided at a time
SKETCH_PIECE = 64  # documents a process takes at a time when several share a batch
# Processes by default, at most: the story bodies and sketches are shared out, but this
# process reads, decides and writes each batch alone, and that takes a fifth to a third
# of the work of one process (stage times: the serial part 0.85-0.9 s against 2.2 s of
# bodies and sketches on the generated 20,000-document stream, 4.1 s on real articles), so
# beyond some 4 to 6 processes more only wait, each holding its own memory.
MAX_WORKERS = 8
MARK_FIELDS = ("duplicate_of", "similarity", "group")
PROG = "newsclean dedup"


def default_workers() -> int:
    """The processes a run uses without ``--workers``: one per core, at most ``MAX_WORKERS``."""
    return min(cores(), MAX_WORKERS)


def parser() -> argparse.ArgumentParser:
    """The command's argument parser."""
    from .._version import __version__
    from ..index import IndexParams

    defaults = IndexParams()
    p = argparse.ArgumentParser(
        prog=PROG,
        usage="%(prog)s [options] [FILE ...]",  # (the flags are listed below: a usage error stays short)
        description="Read JSON lines (one document per line) and write the documents that are "
        "not republications of an earlier one, in input order, each line as it was read. "
        "Documents are compared on their story body (credits and datelines left out): one "
        "is a copy of another when their word 3-gram sets have Jaccard similarity >= "
        "--threshold, or when the smaller body lies within the larger (--containment), the "
        "smaller being at least --min-ratio of the larger's size.",
        epilog="Exit status: 0 ok; 1 some input or the index could not be used; 2 usage error; "
        "130, 143 or 129 stopped by SIGINT, SIGTERM or SIGHUP (what was written is in the index).",
    )
    p.add_argument(
        "files",
        nargs="*",
        metavar="FILE",
        help="JSONL files (gzip, bzip2, xz, zstd too), or one Parquet or CSV table (with -o FILE of "
        "its format); none or '-' reads stdin",
    )
    p.add_argument("--version", action="version", version=f"newsclean {__version__}")
    p.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="write to FILE instead of stdout: to a temporary file beside it, renamed over it at "
        "the end; if writing fails, FILE is left as it was and the index does not record the run",
    )
    p.add_argument(
        "--id-field",
        default="id",
        help="the field holding the document id (default: id). A document without one is "
        "named by its text ('text:' and a hash), so id-less documents of two runs never collide",
    )
    p.add_argument(
        "--mark",
        action="store_true",
        help="write every document, with 'duplicate_of' (the id of the earlier document it "
        "copies, null when new), 'similarity' and 'group' (the id of the kept document it was "
        "matched to; its own when kept) added, instead of dropping copies",
    )
    p.add_argument(
        "--groups",
        metavar="FILE",
        help="write FILE at the end: one JSON line per kept document, with the documents "
        'dropped as its copies ({"id", "duplicates": [{"id", "similarity"}, ...]})',
    )
    where = p.add_mutually_exclusive_group()
    where.add_argument(
        "--index",
        metavar="PATH",
        help="keep the index in this file across runs (documents written in earlier runs "
        "count); checked before any input is read; locked (PATH.lock) for the whole run, "
        "journaled (PATH.journal) as batches are written; the file is rewritten (atomically, "
        "at the end) only once the journal reaches a quarter of its size",
    )
    where.add_argument(
        "--redis",
        metavar="URL",
        help="use the index shared on Redis at URL (redis://host:port/db); needs 'newsclean[redis]'",
    )
    p.add_argument("--namespace", default=None, help="with --redis: the key prefix (default: newsclean)")
    p.add_argument(
        "--upgrade-redis",
        action="store_true",
        help="with --redis: convert the namespace, laid out by newsclean 0.2.0, to this version's layout "
        "in place (stop every client of it first), and read no input",
    )
    p.add_argument(
        "--lock-timeout",
        type=float,
        default=None,
        metavar="SECONDS",
        help="with --index: how long to wait for another run using the same index file "
        f"before giving up (default: {LOCK_TIMEOUT:g}; 0: give up at once)",
    )
    p.add_argument(
        "--max-age",
        type=float,
        default=None,
        metavar="DAYS",
        help="with --index or --redis: first forget the documents first seen more than DAYS days "
        "ago (fractions allowed); a later copy of a forgotten document is kept again, as new",
    )
    rule = p.add_argument_group("the rule (an index refuses other values than it was made with)")
    rule.add_argument(
        "--threshold",
        type=float,
        default=None,
        help=f"Jaccard similarity of the bodies' shingle sets (default: {defaults.threshold})",
    )
    rule.add_argument(
        "--containment",
        type=float,
        default=None,
        help=f"share of the smaller body's shingles found in the larger (default: {defaults.containment})",
    )
    rule.add_argument(
        "--min-ratio",
        type=float,
        default=None,
        help=f"least size ratio of the smaller body to the larger for --containment (default: {defaults.min_ratio})",
    )
    rule.add_argument(
        "--shingle-kind",
        choices=("word", "char"),
        default=None,
        help=f"shingles of words, or of characters for text without spaces (default: {defaults.shingle_kind})",
    )
    rule.add_argument(
        "--shingle-size", type=int, default=None, help=f"shingle length (default: {defaults.shingle_size})"
    )
    workers_flag(
        p,
        f"processes that fingerprint documents, this one included (default: one per core, at most {MAX_WORKERS}; "
        "1: this process alone)",
    )
    input_flags(p)
    return p


def run(args: argparse.Namespace) -> int:
    """Drop (or mark) the republished documents of what ``args`` names; the exit status."""
    from .._errors import IndexFileError, NewscleanError, OptionsError
    from ..index import RULE_OPTIONS, IndexParams

    rule = {name: getattr(args, name) for name in RULE_OPTIONS}
    try:
        params = IndexParams.given(**rule)
    except OptionsError as err:
        return usage_error(PROG, str(err))
    problem = flag_problem(args)
    if problem is not None:
        return usage_error(PROG, problem)
    workers = args.workers if args.workers is not None else default_workers()
    if args.namespace is not None and not args.redis:
        return usage_error(PROG, "--namespace applies with --redis only")
    if args.namespace == "":
        return usage_error(PROG, "--namespace must not be empty")
    args.namespace = args.namespace or "newsclean"
    if args.upgrade_redis:
        return _upgrade_redis(args)
    if args.lock_timeout is not None and not args.index:
        return usage_error(PROG, "--lock-timeout applies with --index only")
    args.lock_timeout = LOCK_TIMEOUT if args.lock_timeout is None else args.lock_timeout
    if not args.lock_timeout >= 0:
        return usage_error(PROG, f"--lock-timeout must be 0 or more, got {args.lock_timeout:g}")
    try:
        field_path(args.id_field)
    except OptionsError as err:
        return usage_error(PROG, f"--id-field: {err}")
    if args.max_age is not None and not (args.index or args.redis):
        return usage_error(PROG, "--max-age needs an index that is kept: --index PATH or --redis URL")
    if args.max_age is not None and not 0 < args.max_age < 1e7:
        return usage_error(PROG, f"--max-age must be a number of days above 0 and below 10000000, got {args.max_age:g}")
    tables, problem = _table_format(args)
    if problem is None:
        problem = _clash(args)
    if problem is not None:
        return usage_error(PROG, problem)
    _keep_freed_memory()
    try:
        index, lock, journal = _open_index(args, params, [name for name, value in rule.items() if value is not None])
    except (ImportError, NewscleanError, OSError) as err:
        return _unopened(err)
    if args.max_age is not None:
        try:
            now, age = time.time(), args.max_age * 86_400.0
            forgot = index.expire(age, now=now)
            if journal is not None:
                journal.forget(forgot, before=now - age)
        except (NewscleanError, OSError) as err:
            print(f"newsclean dedup: {err}", file=sys.stderr)
            if lock is not None:
                lock.release()
            if not args.index:
                index.close()
            return EXIT_FOUND
        if forgot:
            where = args.index or f"Redis index {args.namespace!r}"
            print(
                f"newsclean dedup: {where}: forgot {len(forgot)} document{'s' * (len(forgot) != 1)} first seen more than "
                f"{args.max_age:g} day{'s' * (args.max_age != 1)} ago",
                file=sys.stderr,
            )
    if tables is not None:
        return _run_table(args, index, lock, journal, workers, tables)
    if args.groups:
        why = _cannot_make(Path(args.groups))
        if why is not None:
            print(f"newsclean dedup: {args.groups}: cannot write the groups there: {why}", file=sys.stderr)
            return EXIT_FOUND
    output = None
    if args.output:
        try:
            output = Replacement(args.output)
        except OSError as err:
            print(f"newsclean dedup: {args.output}: {err.strerror or err}", file=sys.stderr)
            return EXIT_FOUND
    elif sys.stdout is None:  # (started with >&-: said before any input is read)
        print("newsclean dedup: stdout: it is closed", file=sys.stderr)
        return EXIT_FOUND
    stats = Stats(args.mark)
    status = EXIT_OK
    signals = Signals()
    # With -o, the run is delivered at the end, all at once: the journal (which stands for
    # lines delivered as they are written) is not kept, and the index is saved after the
    # output file is in place, or not at all.
    stream = Stream(index, args, stats, workers, signals, journal if output is None else None, output)
    delivered = False  # whether the output file holds every line meant for it
    signals.install()
    try:
        for name in args.files or [STDIN]:
            try:
                with open_input(name) as source:
                    stream.run(source, label(name))
            except (NewscleanError, OSError) as err:
                if isinstance(err, BrokenPipeError):
                    raise
                if isinstance(err, OSError) and not isinstance(err, NewscleanError):
                    print(f"newsclean dedup: {name}: {err.strerror or err}", file=sys.stderr)
                else:
                    print(f"newsclean dedup: {err}", file=sys.stderr)
                status = EXIT_FOUND
                if isinstance(err, (ConnectionError, IndexFileError)):
                    break  # (the index is gone or cannot record: reading on would forget what it writes)
        delivered = True
    except Stop:
        delivered = True  # (what was written before the signal is delivered)
    finally:
        signals.finish()
        stream.close()
        if output is not None:
            status, delivered = _settle(output, delivered, args.output, status)
        stats.done(args.output if output is not None and not delivered else None)
        if output is not None and not delivered:
            status = _take_back(args, index, stream, status)
        if args.index and (delivered or output is None):
            status = _save_index(args, index, journal, status, fold=output is not None)
        status = _wind_up(args, index, stream, journal, lock, signals, status, delivered or output is None)
    return 128 + signals.got if signals.got else status


def _settle(out: Any, delivered: bool, name: str, status: int) -> tuple[int, bool]:
    """Put an output file in place if the run was delivered (``commit``), else leave no
    trace of it (``discard``); a commit that fails is reported, and the run is then not
    delivered. Returns the status and whether it was delivered."""
    if delivered:
        try:
            out.commit()
        except OSError as err:
            print(f"newsclean dedup: {name}: {err.strerror or err}", file=sys.stderr)
            status, delivered = EXIT_FOUND, False
    if not delivered:
        out.discard()
    return status, delivered


def _take_back(args: argparse.Namespace, index: Any, stream: Any, status: int) -> int:
    """Forget, in a shared index, the documents a run kept into an output file that was
    never put in place (another run keeps them again); the status (``EXIT_FOUND`` if
    they could not all be taken back, said in one line)."""
    from .._errors import NewscleanError

    if not stream.recorded:
        return status
    kept = sum(len(ids) for _, ids, _ in stream.recorded)
    where = f"Redis index {args.namespace!r}"
    try:
        gone = sum(index.take_back(ids, digests, seen) for seen, ids, digests in stream.recorded if ids)
    except NewscleanError as err:
        said = str(err).rstrip(".")
        print(
            f"newsclean dedup: {said}; the {kept} documents this run kept stay in {where} without having been "
            "written, and a later run drops their copies",
            file=sys.stderr,
        )
        return EXIT_FOUND
    print(f"newsclean dedup: {where}: forgot the {gone} documents this run kept, as none was written", file=sys.stderr)
    return status


def _unopened(err: BaseException) -> int:
    """Say in one line why the index the flags name could not be opened (or upgraded), and
    return the exit status."""
    from .._errors import OptionsError

    if isinstance(err, ImportError):
        print(
            f"newsclean dedup: --redis needs the redis client ({err}): pip install 'newsclean[redis]'", file=sys.stderr
        )
        return EXIT_USAGE
    if isinstance(err, OptionsError):  # (a --redis URL that is not one)
        return usage_error(PROG, str(err))
    print(f"newsclean dedup: {err}", file=sys.stderr)
    return EXIT_FOUND


def _upgrade_redis(args: argparse.Namespace) -> int:
    """``--upgrade-redis``: convert the ``--redis`` namespace in place; the exit status."""
    from .._errors import NewscleanError

    if not args.redis:
        return usage_error(PROG, "--upgrade-redis needs --redis URL")
    if args.files or args.output or args.index or args.max_age is not None or args.mark or args.groups:
        return usage_error(PROG, "--upgrade-redis takes --redis and --namespace only, and reads no input")
    try:
        from ..index import RedisIndex

        done = RedisIndex.upgrade(args.redis, namespace=args.namespace)
    except (ImportError, NewscleanError) as err:
        return _unopened(err)
    print(
        f"newsclean dedup: Redis index {args.namespace!r}: "
        + (f"upgraded, {done} documents converted" if done else "in this version's layout (nothing left to convert)"),
        file=sys.stderr,
    )
    return EXIT_OK


def _save_index(args: argparse.Namespace, index: Any, journal: Any, status: int, *, fold: bool) -> int:
    """Keep what a delivered run added to the index file ``args.index``: saved into the
    file (``index.close()``) if ``fold`` or once the journal is worth folding in, else left
    in the journal, which holds what this run wrote (and forgot): while it is small beside
    the file, the file is left as it was (docs/index-format.md). Returns the status
    (``EXIT_FOUND`` if it could not be saved, said in one line)."""
    try:
        if fold or journal.worth_folding(args.index):
            index.close()  # (saves it to args.index)
            journal.remove()
        else:
            journal.end()
    except OSError as err:
        print(f"newsclean dedup: {args.index}: cannot save the index: {err.strerror or err}", file=sys.stderr)
        status = EXIT_FOUND
    return status


def _wind_up(
    args: argparse.Namespace,
    index: Any,
    stream: Any,
    journal: Any,
    lock: IndexLock | None,
    signals: Any,
    status: int,
    delivered: bool,
) -> int:
    """What every run does last, once its output and index are settled: write the groups
    of what was delivered, close what it opened, give the signals back. Returns the status
    (``EXIT_FOUND`` if the groups could not be written)."""
    if stream.groups is not None and delivered:
        try:
            stream.groups.write(args.groups)
        except OSError as err:
            print(f"newsclean dedup: {args.groups}: cannot write the groups: {err.strerror or err}", file=sys.stderr)
            status = EXIT_FOUND
    if not args.index:
        index.close()  # (Redis: the connection; in memory: nothing to keep)
    if journal is not None:
        journal.close()
    if lock is not None:
        lock.release()
    signals.restore()
    return status


def _table_format(args: argparse.Namespace) -> tuple[str | None, str | None]:
    """``("parquet" or "csv", None)`` when the input is a table, ``(None, None)`` for JSON
    lines, or ``(None, what is wrong)`` with the files named (a usage error)."""
    from .._tables import table_format, uncompressed_lines

    inputs = args.files or [STDIN]
    formats = [table_format(name) for name in inputs]
    out = table_format(args.output) if args.output else None
    shown = {"parquet": "Parquet", "csv": "CSV"}
    if not any(formats):
        if out is not None:
            kind = shown[out]
            return None, f"-o {args.output}: JSON lines in, JSON lines out (a {kind} output needs a {kind} input)"
        return None, uncompressed_lines(args.output) if args.output else None
    if len(inputs) != 1:
        return None, "a Parquet or CSV input is read alone: name one file"
    if out != formats[0]:
        return None, (
            f"a {shown[formats[0] or '']} input is written with -o FILE.{formats[0]} (the format comes from the "
            "name; a table is not written to stdout)"
        )
    return formats[0], None


def _run_table(
    args: argparse.Namespace, index: Any, lock: IndexLock | None, journal: Any, workers: int, fmt: str
) -> int:
    """``newsclean dedup in.parquet -o out.parquet`` (or CSV): the rows kept, or every row
    marked, written under a temporary name and renamed at the end; the index saved only
    once the output is in place."""
    from .._errors import NewscleanError
    from .._tables import ExtraMissing, TableReader, TableWriter

    name, status = args.files[0], EXIT_OK
    stats, signals = Stats(args.mark, "row"), Signals()
    stream = TableStream(index, args, stats, workers, signals)
    # The workers fork now, before pyarrow is imported and a batch read: they never use
    # either, and would each count pyarrow's memory as their own.
    stream.start()
    reader = writer = None
    try:
        reader = TableReader(name, fmt, args.field, args.id_field, args.mark, BATCH, args.max_line_bytes)
        writer = TableWriter(args.output, reader, args.mark)
    except ExtraMissing as err:
        status = usage_error(PROG, str(err))
    except (NewscleanError, OSError) as err:
        where = f"{name}: " if isinstance(err, OSError) and not isinstance(err, NewscleanError) else ""
        print(f"newsclean dedup: {where}{getattr(err, 'strerror', None) or err}", file=sys.stderr)
        status = EXIT_FOUND
    if reader is None or writer is None:
        stream.close()
        if reader is not None:
            reader.close()
        if lock is not None:
            lock.release()
        if not args.index:
            index.close()
        return status
    stream.reader, stream.writer = reader, writer
    delivered = False
    signals.install()
    try:
        try:
            stream.run_table()
            delivered = True
        except OutputError as err:  # (the output could not be written: it is not delivered)
            print(f"newsclean dedup: {err}", file=sys.stderr)
            status = EXIT_FOUND
        except (NewscleanError, OSError) as err:  # (a bad row: the rows before it are delivered)
            where = f"{name}: " if isinstance(err, OSError) and not isinstance(err, NewscleanError) else ""
            print(f"newsclean dedup: {where}{getattr(err, 'strerror', None) or err}", file=sys.stderr)
            status, delivered = EXIT_FOUND, True
    except Stop:
        delivered = True  # (what was written before the signal is delivered)
    finally:
        signals.finish()
        stream.close()
        reader.close()
        status, delivered = _settle(writer, delivered, args.output, status)
        stats.done(None if delivered else args.output)
        if not delivered:
            status = _take_back(args, index, stream, status)
        if args.index and delivered:
            status = _save_index(args, index, journal, status, fold=True)
        status = _wind_up(args, index, stream, journal, lock, signals, status, delivered)
    return 128 + signals.got if signals.got else status


def _clash(args: argparse.Namespace) -> str | None:
    """What is wrong when two of the files the run writes are one (``-o``, ``--groups``,
    the index and its lock and journal: one would be written over the other), or the
    groups or the index is an input (it would replace it); ``None`` if nothing is. ``-o``
    may be an input, which is read whole before the output replaces it. What is not a
    regular file (``/dev/null``) is written as it goes, and replaces nothing."""
    written = [("-o", "-o", args.output), ("--groups", "--groups", args.groups)]
    if args.index:
        from ..index import journal_path

        written += [
            ("--index", "--index", args.index),
            ("--index", f"the lock of --index {args.index}:", IndexLock(target_of(args.index)).path),
            ("--index", f"the journal of --index {args.index}:", os.fspath(journal_path(args.index))),
        ]
    named = [(flag, shown, path) for flag, shown, path in written if path]
    inputs = [("", "the input", name) for name in args.files if name != STDIN]
    for k, (flag, shown, path) in enumerate(named):
        for other, told, there in named[k + 1 :] + (inputs if flag != "-o" else []):
            if other != flag and _same_file(path, there):
                return f"{shown} {path} and {told} {there} are the same file: one would be written over the other"
    return None


def _same_file(a: str, b: str) -> bool:
    """Whether the paths ``a`` and ``b`` name one regular file (or would, once made)."""
    try:
        return os.path.samefile(a, b) and os.path.isfile(a)
    except OSError:  # (one of them is not there yet)
        return os.path.realpath(a) == os.path.realpath(b)


def _open_index(args: argparse.Namespace, params: Any, given: list[str]) -> tuple[Any, IndexLock | None, Any]:
    """The index the flags name, checked before any input is read; for an index file, its
    lock (held) and its journal (folded in)."""
    from .._errors import IndexFileError
    from ..index import open_index

    if not args.index and not args.redis:
        return open_index(params=params), None, None  # (in memory, for this run alone)
    if not args.index:
        from ..index import RedisIndex

        # A namespace keeps its own parameters, as a file does: the rule flags given are
        # keyword changes, which must agree with them; the ones left out are the
        # namespace's (a new namespace: the flags', the defaults for the others).
        changes = {name: getattr(params, name) for name in given}
        return RedisIndex(args.redis, namespace=args.namespace, **changes), None, None
    path = target_of(args.index)  # (a link's file, which the lock and the journal stand beside)
    if path.is_file() and not os.access(path, os.R_OK | os.W_OK):
        raise IndexFileError(f"{path}: the index file cannot be read and written")
    # (Even where the file exists: the journal is made in its directory as the run writes,
    # and the file saved by a rename there.)
    why = _cannot_make(path)
    if why is not None:
        raise IndexFileError(f"{path}: cannot keep the index there: {why}")
    return _locked_index(path, args.lock_timeout, params, given)


def _cannot_make(path: Path) -> str | None:
    """Why a file cannot be made (or replaced) at ``path``, or ``None``: said before any
    input is read, for a file the run writes at the end."""
    folder = path.parent
    if path.is_dir():
        return "it is a directory"
    if not folder.is_dir():
        return f"no such directory {str(folder)!r}"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"the directory {str(folder)!r} is not writable"
    return None


def _locked_index(path: Path, timeout: float, params: Any, given: list[str]) -> tuple[Any, IndexLock, Any]:
    """Lock the index file (waiting for another run), then load it (or make a new index
    with ``params``) and fold in the journal of a run that did not finish. A file keeps
    its own parameters: the rule flags ``given`` must agree with them (the ones left out
    are the file's, not the defaults)."""
    from ..index import Journal, open_index

    lock = IndexLock(path)
    lock.acquire(timeout, lambda message: print(f"newsclean dedup: {message}", file=sys.stderr, flush=True))
    try:
        index = open_index(path, params=None if path.exists() else params, journal=False)  # (replayed below)
        params.check(index.params.header(), str(path), given)
        journal = Journal(path, index.params)
        journal.replay(index)
    except BaseException:
        lock.release()
        raise
    if journal.cut:
        print(
            f"newsclean dedup: {journal.path}: {journal.cut}; the documents in them are not remembered",
            file=sys.stderr,
        )
    if journal.unfinished:
        print(
            f"newsclean dedup: {path}: {journal.unfinished} documents written by a run that did not finish "
            f"recovered from {journal.path}",
            file=sys.stderr,
        )
    return index, lock, journal


class Stats:
    """Counts, a progress line on a terminal, and the summary line on stderr."""

    def __init__(self, mark: bool = False, unit: str = "line") -> None:
        self.start = time.monotonic()
        self.seen = self.kept = self.updated = self.bad = 0
        self.refused = 0  # decided, but the output refused them (a full disk, a closed pipe)
        # With --mark every document is written: the others are marked, not dropped.
        self.others = "marked duplicate" if mark else "dropped"
        self.unit = unit  # what a bad one is: a line, or a table's row
        self.tty = sys.stderr.isatty()
        self.shown = 0.0

    def add(self, seen: int, kept: int, updated: int) -> None:
        self.seen += seen
        self.kept += kept
        self.updated += updated
        if self.tty and time.monotonic() - self.shown > 0.2:
            self.shown = time.monotonic()
            print(f"\r{self.seen} documents, {self.kept} kept", end="", file=sys.stderr, flush=True)

    def done(self, unwritten: str | None = None) -> None:
        """Print the summary line; ``unwritten``: the output file that was not put in place
        (what the counts went into)."""
        seconds = time.monotonic() - self.start
        clear = "\r\033[K" if self.tty else ""
        updates = f" ({self.updated} updated)" if self.updated else ""
        bad = f", {self.bad} bad {self.unit}{'s' * (self.bad != 1)} skipped" if self.bad else ""
        if unwritten is not None:
            lost = f"; none of it written to {unwritten}"
        else:
            lost = f"; {self.refused} more decided, not written" if self.refused else ""
        print(
            f"{clear}newsclean dedup: {self.seen} in, {self.kept} kept{updates}, "
            f"{self.seen - self.kept} {self.others}{bad}, {seconds:.1f} s{lost}",
            file=sys.stderr,
        )


class Record:
    """A good input line: its bytes (without the line break), id and text."""

    __slots__ = ("line", "raw", "id", "text")

    def __init__(self, line: int, raw: bytes, id: str, text: str) -> None:
        self.line, self.raw, self.id, self.text = line, raw, id, text


class Stream:
    """Reads records in batches, has them fingerprinted (by a pool of workers, ahead of
    the batch being decided), decides, writes, and records what was written."""

    def __init__(
        self,
        index: Any,
        args: argparse.Namespace,
        stats: Stats,
        workers: int,
        signals: Signals | None = None,
        journal: Any = None,
        output: Replacement | None = None,
    ) -> None:
        self.index, self.args, self.stats = index, args, stats
        self.signals = signals if signals is not None else Signals()
        self.journal = journal
        self.out: IO[Any] = output.file if output is not None else sys.stdout
        self.out_name = args.output if output is not None else "stdout"
        # This process and ``workers - 1`` forked ones sketch each batch, in pieces: the
        # workers from the front, this process from the back once it has written the
        # batch before (so it takes the share its other work leaves it time for).
        # With workers, one batch is read ahead of the one being finished: the workers go
        # on to it while this process finishes the other. Alone, this process finishes a
        # batch as soon as it has sketched it (one batch in memory, not two).
        self.team: Any = None
        self.limit = 1 if workers > 1 else 0
        if workers > 1:
            from .. import _forked

            self.team = _forked.Team(workers - 1, (index.cleaner, index.params), self.limit + 1)
        self.started = False  # (the workers fork when the first input arrives: see _batches)
        # Per batch, (time, ids, digests) of the documents kept, when they go to a shared
        # index before the output file is in place: taken back if it never is.
        self.recorded: list[tuple[float, list[str], list[str]]] | None = [] if args.redis and args.output else None
        self.in_flight: deque[tuple[list[Record], Any]] = deque()
        self.groups: Any = None
        if args.groups:
            from .._groups import Groups

            self.groups = Groups()

    def start(self) -> None:
        """Fork the workers, before a batch is parsed: what this process holds then (and
        so what each of them counts as its own) is the least it will. (Not before the
        first input: an empty run forks none.)"""
        if self.team is not None and not self.started:
            self.team.start()
        self.started = True

    def close(self) -> None:
        if self.team is not None:
            self.team.shutdown(wait=True)  # (joined here: never at exit)

    def run(self, source: IO[bytes], label: str) -> None:
        from .._errors import NewscleanError

        try:
            for batch in self._batches(source, label):
                self._submit(batch)
        except NewscleanError:
            self._drain()  # the good lines before a bad one are still decided and written
            raise
        self._drain()

    # -- reading ------------------------------------------------------------------------

    def _batches(self, source: IO[bytes], label: str) -> Iterator[list[Record]]:
        """Batches of good records; a batch ends when ``BATCH`` are read or when no more
        input is waiting (then the batches in flight are written before reading blocks)."""
        from .._errors import InputError

        batch: list[Record] = []
        number = 0
        offset = 0
        try:
            for lines, waiting in _chunks(source, self.args.max_line_bytes):
                if lines and not self.started:
                    self.start()
                for raw in lines:
                    number += 1
                    record = self._record(raw, label, number, offset)
                    offset += len(raw) + 1
                    if record is not None:
                        batch.append(record)
                        if len(batch) >= BATCH:
                            yield batch
                            batch = []
                if not waiting:
                    if batch:
                        yield batch
                        batch = []
                    self._drain()
        except InputError:
            if batch:  # the good lines before a bad one are still decided and written
                yield batch
            raise
        if batch:
            yield batch

    def _record(self, raw: bytes, source: str, number: int, offset: int) -> Record | None:
        """The record of one line, ``None`` for a blank or skipped line."""
        from .._errors import InputError, RecordError

        args = self.args
        try:
            good = parse_line(raw, number, offset, source, args.field, args.errors, args.max_line_bytes)
            if good is None:
                return None
            if args.mark:
                taken = [f for f in MARK_FIELDS if f in good.record]
                if taken:
                    raise RecordError(source, number, f"already has a field {taken[0]!r}, which --mark would overwrite")
            value = get_path(good.record, field_path(args.id_field))
            if isinstance(value, float) and value in (math.inf, -math.inf):
                # (1e400 and 2e400 both read as infinity: as one id, the second would replace the first)
                raise RecordError(source, number, "its id is a number too large for a double (it reads as infinity)")
        except InputError:
            if not args.skip_bad_lines:
                raise
            self.stats.bad += 1
            return None
        return Record(number, good.raw, doc_id(value, good.text), good.text)

    # -- deciding and writing -------------------------------------------------------------

    def _submit(self, batch: list[Record]) -> None:
        texts = [r.text for r in batch]
        if self.team is None:
            self.in_flight.append((batch, _sketch_texts(texts, self.index.cleaner, self.index.params)))
        else:
            pieces = [(texts[a : a + SKETCH_PIECE],) for a in range(0, len(texts), SKETCH_PIECE)]
            self.in_flight.append((batch, self.team.submit(_sketch_inherited, pieces)))
        while len(self.in_flight) > self.limit:
            self._finish(*self.in_flight.popleft())

    def _drain(self) -> None:
        while self.in_flight:
            self._finish(*self.in_flight.popleft())

    def _finish(self, batch: list[Record], sketched: Any) -> None:
        # (A signal waits for the batch to be written and recorded: see Signals.)
        with self.signals.batch():
            if self.team is not None:  # (the pieces no worker has taken are sketched here)
                from ..index import Batch

                parts: dict[int, Any] = {}
                cleaner, params = self.index.cleaner, self.index.params
                self.team.collect(sketched, lambda piece: _sketch_texts(piece, cleaner, params), parts.__setitem__)
                sketched = Batch.join([parts[k] for k in range(len(parts))])
            self._decide_write_record(batch, sketched)

    def _add(self, batch: list[Record], prints: Any) -> tuple[list[Any], float]:
        """The index's decisions on a batch, and the time its kept documents were added:
        their time of first sight, in the index and its journal."""
        now = time.time()
        results: list[Any] = self.index.add_fingerprints(prints, [r.id for r in batch], now=now)
        if self.recorded is not None:
            kept = [k for k, result in enumerate(results) if result.new]
            self.recorded.append((now, [batch[k].id for k in kept], [prints.digests[k] for k in kept]))
        return results, now

    def _decide_write_record(self, batch: list[Record], prints: Any) -> None:
        results, now = self._add(batch, prints)
        parts: list[bytes] = []
        ends: list[int] = []  # the output's length after each record's line (or none)
        size = 0
        mark = self.args.mark
        for record, result in zip(batch, results):
            if mark:
                sim = "null" if result.similarity is None else repr(round(result.similarity, 6))
                dup = json.dumps(result.duplicate_of, ensure_ascii=False)
                group = json.dumps(record.id if result.new else result.duplicate_of, ensure_ascii=False)
                line = _with_fields(record.raw, f'"duplicate_of": {dup}, "similarity": {sim}, "group": {group}')
            elif result.new:
                line = record.raw + b"\n"
            else:
                line = b""
            parts.append(line)
            size += len(line)
            ends.append(size)
        written, error = write_units(self.out, b"".join(parts), ends)
        if self.groups is not None:
            for record, result, end in zip(batch, results, ends):
                if end <= written:  # (delivered)
                    self.groups.add(record.id, result)
        if error is not None:
            # The reader went away or the disk is full: forget what was not delivered, and
            # count what was.
            for record, result, end in zip(batch, results, ends):
                if result.new and end > written:
                    self._forget(record.id)
            got = [result for result, end in zip(results, ends) if end <= written]
            self.stats.add(len(got), sum(r.new for r in got), sum(r.status == "update" for r in got))
            self.stats.refused += len(batch) - len(got)
            if isinstance(error, BrokenPipeError):
                raise error
            raise OutputError(f"{self.out_name}: {error.strerror or error}") from None
        self.stats.add(len(batch), sum(r.new for r in results), sum(r.status == "update" for r in results))
        if self.journal is not None:
            kept = [k for k, result in enumerate(results) if result.new]
            try:
                self.journal.append([prints[k] for k in kept], [batch[k].id for k in kept], seen=now)
            except OSError as err:  # (a full disk: the batch was delivered, and is counted)
                from .._errors import IndexFileError

                raise IndexFileError(
                    f"{self.journal.path}: cannot record what was written ({err.strerror or err}): the "
                    f"{len(kept)} documents kept from the last batch written are not remembered, and a later "
                    "run keeps them again"
                ) from None

    def _forget(self, doc_id: str) -> None:
        try:
            self.index.remove(doc_id)
        except KeyError:
            pass


class TableStream(Stream):
    """The stream over a Parquet or CSV table: the same batches, workers and decisions,
    the rows written by a ``TableWriter`` (every column kept) instead of as lines."""

    def __init__(self, index: Any, args: argparse.Namespace, stats: Stats, workers: int, signals: Signals) -> None:
        super().__init__(index, args, stats, workers, signals)
        self.reader: Any = None  # a TableReader and a TableWriter, set before run_table
        self.writer: Any = None
        self.tables: deque[tuple[Any, list[int]]] = deque()  # (a TableBatch, its good rows) per batch in flight
        self.listed = 0

    def run_table(self) -> None:
        """Read, decide and write every row; a bad row stops the table (the rows before it
        are written) unless --skip-bad-lines, which skips and counts it, naming the first ten."""
        from .._errors import InputError, NewscleanError

        try:
            for table in self.reader.batches():
                good: list[int] = []
                for k, why in enumerate(table.bad):
                    if why is None:
                        good.append(k)
                        continue
                    if not self.args.skip_bad_lines:
                        self._submit_rows(table, good)
                        raise InputError(f"{self.reader.where(table, k)}: {why}")
                    self.stats.bad += 1
                    if self.listed < 10:
                        self.listed += 1
                        print(f"newsclean dedup: {self.reader.where(table, k)}: {why}; skipped", file=sys.stderr)
                self._submit_rows(table, good)
        except NewscleanError:
            self._drain()
            raise
        self._drain()

    def _submit_rows(self, table: Any, good: list[int]) -> None:
        if good:
            self.tables.append((table, good))
            self._submit([Record(table.start + k + 1, b"", table.ids[k], table.texts[k]) for k in good])

    def _decide_write_record(self, batch: list[Record], prints: Any) -> None:
        table, good = self.tables.popleft()
        results, _ = self._add(batch, prints)
        take = [False] * len(table.texts)
        marks: list[tuple[str | None, float | None, str | None]] = [(None, None, None)] * len(table.texts)
        for k, record, result in zip(good, batch, results):
            take[k] = self.args.mark or result.new
            marks[k] = (result.duplicate_of, result.similarity, record.id if result.new else result.duplicate_of)
        try:
            self.writer.write(table, take, marks)
        except OSError as err:
            raise OutputError(f"{self.args.output}: {err.strerror or err}") from None
        if self.groups is not None:
            for record, result in zip(batch, results):
                self.groups.add(record.id, result)
        self.stats.add(len(batch), sum(r.new for r in results), sum(r.status == "update" for r in results))


def _with_fields(raw: bytes, fields: str) -> bytes:
    """The JSON object line ``raw`` with ``fields`` (JSON members) appended before its
    closing brace, every other byte as it was. (``common.with_fields`` replaces fields
    wherever they stand, scanning the line; ``--mark`` refuses a line that has its fields,
    so appending is enough, without a scan of every line.)

    >>> _with_fields(b'{"a": 1 }  ', '"b": 2')
    b'{"a": 1, "b": 2 }  \\n'
    """
    end = raw.rstrip()
    body = end[:-1].rstrip()
    sep = b"" if body.endswith(b"{") else b", "
    return body + sep + fields.encode("utf-8") + end[len(body) :] + raw[len(end) :] + b"\n"


def _chunks(source: IO[bytes], limit: int) -> Iterator[tuple[list[bytes], bool]]:
    """The lines of ``source`` (without their ``\\n``) as they arrive, in lists, each with
    whether more input is already waiting (a pipe with nothing to read says no). A line
    longer than ``limit`` bytes is given as ``limit + 1`` zero bytes, which tell the caller
    it was too long: the rest is read and dropped, so that it never sits whole in memory.
    (A line that arrives whole in one read is given whole: the caller checks its length.)
    """
    read = getattr(source, "read1", source.read)
    waiting = waiting_test(source)
    pending = bytearray()  # the start of a line whose end has not arrived (added to, not copied)
    overlong = False  # dropping the rest of a line too long to keep
    while True:
        chunk = read(1 << 20)
        if not chunk:
            break
        if overlong:
            end = chunk.find(b"\n")
            if end < 0:
                continue
            overlong, chunk = False, chunk[end + 1 :]
        if b"\n" in chunk:
            lines = chunk.split(b"\n")
            if pending:
                pending += lines[0]
                lines[0] = bytes(pending)
                pending = bytearray()
            tail = lines.pop()
        else:
            lines, tail = [], chunk
        pending += tail
        if len(pending) > limit + pending.endswith(b"\r"):  # (the \r of a \r\n to come is not counted)
            lines.append(bytes(limit + 1))  # (calloc'd, never touched: no memory)
            pending, overlong = bytearray(), True
        yield lines, waiting()  # (also with no whole line: whether input waits decides a flush)
    if pending:
        yield [bytes(pending)], True


def _keep_freed_memory() -> None:
    """Have glibc's malloc keep what a batch frees for the next batch (Linux; this process
    and the workers it forks). By default it gives freed blocks of 128 KiB or more back to
    the system, and the next batch has their pages zeroed and faulted in again: the
    decision's arrays and the sketches' are such blocks, every batch. The peak measured the
    same: what is kept is what the next batch takes again."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # (not glibc, or no mallopt)
        return
    mallopt(-1, 256 << 20)  # M_TRIM_THRESHOLD: free memory kept at the heap's top
    mallopt(-3, 32 << 20)  # M_MMAP_THRESHOLD: blocks below this come from the heap


def _sketch_texts(texts: list[str], cleaner: Any, params: Any) -> Any:
    from ..index import sketch_texts

    return sketch_texts(texts, cleaner, params)


def _sketch_inherited(texts: list[str]) -> Any:
    from .. import _forked

    return _sketch_texts(texts, *_forked.inherited())
