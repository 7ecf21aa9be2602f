"""``newsclean``: clean documents (files, stdin, or JSON lines with ``--jsonl``).

Parses the arguments, reads and writes bytes through ``common``, and turns library errors
into one-line messages on stderr and exit codes (``common.EXIT_*``).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path, PurePath
from typing import IO, TYPE_CHECKING, Any

from .._errors import OptionsError
from .._fieldpath import field_path
from .._version import __version__
from .common import (
    EXIT_FOUND,
    EXIT_OK,
    MAX_LINE_BYTES,
    STDIN,
    Defaults,
    Output,
    OutputError,
    Record,
    decode,
    flag_problem,
    input_flags,
    label,
    open_input,
    records,
    usage_error,
    waiting_test,
    with_path,
    workers_flag,
)

if TYPE_CHECKING:
    import argparse

PROG = "newsclean"


def plain(argv: list[str]) -> argparse.Namespace | None:
    """What ``parser().parse_args(argv)`` gives when no argument starts with ``-`` (every
    one is then a FILE, and every option has its default): the common ``newsclean FILE``
    does without argparse, its import and the building of the parser. The
    defaults are read from the same declarations (:func:`declare`). ``None`` for any other
    ``argv``."""
    if any(arg.startswith("-") for arg in argv):
        return None
    defaults = Defaults()
    declare(defaults)
    args: argparse.Namespace = defaults.namespace(files=argv)
    return args


def parser() -> argparse.ArgumentParser:
    """The command's argument parser."""
    import argparse

    p = argparse.ArgumentParser(
        prog=PROG,
        usage="%(prog)s [options] [FILE ...]\n       %(prog)s dedup [options] [FILE ...]",
        description="Clean scraped news text: remove repeated paragraphs and take agency "
        "credits and datelines out of the body. Reads FILEs (or stdin) and writes the clean "
        "text to stdout.",
        epilog="Subcommands: 'newsclean dedup' drops near-duplicate documents across a JSONL "
        "stream ('newsclean dedup --help'); a file named dedup is cleaned as ./dedup. Exit "
        "status: 0 ok; 1 --check found changes, or some input could not be cleaned; 2 usage error.",
    )
    declare(p)
    return p


def declare(p: Any) -> None:
    """Declare every argument of the command on ``p``: an ``argparse.ArgumentParser``, or a
    ``common.Defaults`` that records only their defaults (see :func:`plain`)."""
    from .._options import BYLINE_POLICIES, SHINGLE_KINDS, Options

    defaults = Options()
    p.add_argument("files", nargs="*", metavar="FILE", help="input files; none or '-' reads stdin")
    p.add_argument("--version", action="version", version=f"newsclean {__version__}")
    io = p.add_argument_group("input and output")
    io.add_argument("--jsonl", action="store_true", help="read and write JSON lines, one document per line")
    input_flags(io, jsonl_only=True)
    workers_flag(
        io,
        "with --jsonl: processes that clean batches of lines, written in input order "
        "(default: one per core, started once the input fills a batch; 1: this process alone)",
    )
    where = io.add_mutually_exclusive_group()
    where.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="write to FILE instead of stdout (to a temporary file, renamed to FILE once every "
        "input was cleaned: else FILE is left as it was)",
    )
    where.add_argument(
        "--output-dir",
        metavar="DIR",
        help="write each input to a file of the same path under DIR (a.txt to DIR/a.txt, "
        "/data/b.txt to DIR/data/b.txt; a .gz/.bz2/.xz/.zst suffix dropped), each written whole or not at all",
    )
    io.add_argument(
        "--check",
        action="store_true",
        help="write nothing; name on stderr each input that would change ('would clean FILE'), and exit 1 if any would",
    )
    io.add_argument(
        "--explain",
        action="store_true",
        help="tell on stderr what was removed and why (with --jsonl, for the lines where something was)",
    )
    io.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="with --explain: lines of text (default), or one JSON object per document",
    )
    talk = io.add_mutually_exclusive_group()
    talk.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="say nothing on stderr but errors (no 'would clean' lines, no count of skipped lines)",
    )
    talk.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="also name each input cleaned or unchanged, and end with a summary",
    )
    opt = p.add_argument_group("cleaning options")
    opt.add_argument(
        "--no-dedupe-paragraphs",
        dest="dedupe_paragraphs",
        action="store_false",
        help="keep repeated paragraphs",
    )
    opt.add_argument(
        "--byline",
        choices=BYLINE_POLICIES,
        default=defaults.byline,
        help="agency credits and datelines: take them out (extract, default), keep them, or "
        "rewrite them in one canonical form",
    )
    opt.add_argument(
        "--threshold",
        type=float,
        default=defaults.threshold,
        help="near-repeat Jaccard threshold (default: %(default)s)",
    )
    opt.add_argument(
        "--shingle-kind",
        choices=SHINGLE_KINDS,
        default=defaults.shingle_kind,
        help="shingles of characters or words (default: %(default)s)",
    )
    opt.add_argument(
        "--shingle-size", type=int, default=defaults.shingle_size, help="shingle length (default: %(default)s)"
    )
    opt.add_argument(
        "--num-perm", type=int, default=defaults.num_perm, help="MinHash permutations (default: %(default)s)"
    )
    opt.add_argument("--seed", type=int, default=defaults.seed, help="MinHash seed (default: %(default)s)")
    opt.add_argument(
        "--min-near-length",
        type=int,
        default=defaults.min_near_length,
        help="paragraphs shorter than this many characters are only compared exactly (default: %(default)s)",
    )


def run(args: argparse.Namespace) -> int:
    """Clean what ``args`` names; the exit status."""
    from .._clean import Cleaner
    from .._options import Options

    try:
        options = Options(
            dedupe_paragraphs=args.dedupe_paragraphs,
            byline=args.byline,
            threshold=args.threshold,
            shingle_kind=args.shingle_kind,
            shingle_size=args.shingle_size,
            num_perm=args.num_perm,
            seed=args.seed,
            min_near_length=args.min_near_length,
        )
    except OptionsError as err:
        return usage_error(PROG, str(err))
    problem = flag_problem(args)
    if problem is not None:
        return usage_error(PROG, problem)
    if args.jsonl and field_path(args.field)[0] == "newsclean":
        return usage_error(PROG, f"--field {args.field}: the report is written to the field 'newsclean', over the text")
    if args.check and (args.output or args.output_dir):
        return usage_error(PROG, "--check writes nothing: not with --output or --output-dir")
    if args.output:
        from .._tables import uncompressed_lines

        problem = uncompressed_lines(args.output)
        if problem is not None:
            return usage_error(PROG, problem)
    names = args.files or [STDIN]
    targets: list[Any] = [None] * len(names)
    if args.output_dir:
        try:
            targets = _mirrors(args.output_dir, names)
        except OptionsError as err:
            return usage_error(PROG, f"--output-dir: {err}")
    cleaner = Cleaner(options)
    from .._parallel import InOrder, cores
    from .dedup_run import Signals, Stop

    tally = Tally(args)
    # SIGTERM and SIGHUP stop the command as Ctrl-C does: an output file being written is
    # removed (the one it would replace stays), the workers are stopped.
    signals = Signals()
    signals.install()
    try:
        with InOrder(args.workers or cores(), cleaner) as jobs:
            if args.output:
                status = _to_one_file(args.output, cleaner, args, names, jobs, tally)
            else:
                status = _each_file(cleaner, args, names, targets, jobs, tally)
    except Stop as stop:
        return 128 + stop.signum
    finally:
        signals.restore()
    tally.summary()
    return status


def _to_one_file(path: str, cleaner: Any, args: argparse.Namespace, names: list[str], jobs: Any, tally: Tally) -> int:
    """Every input cleaned into ``path``, which is replaced only if all of them were."""
    from .._atomic import Replacement

    try:
        target = Replacement(path)
    except OSError as err:
        print(f"newsclean: {path}: cannot write there: {err.strerror or err}", file=sys.stderr)
        return EXIT_FOUND
    try:
        status = _each_file(cleaner, args, names, [None] * len(names), jobs, tally, Output(target.file, path))
    except BaseException:
        target.discard()
        raise
    if status != EXIT_OK:
        target.discard()
        print(f"newsclean: {path}: not written, as some input could not be cleaned", file=sys.stderr)
        return status
    try:
        target.commit()
    except OSError as err:
        raise OutputError(f"{path}: {err.strerror or err}") from None
    return status


def _mirrors(folder: str, names: list[str]) -> list[Path]:
    """``_mirror`` of each input; ``OptionsError`` when two inputs would write one file
    (``a.txt`` and ``a.txt.gz``), or one would write over another input.

    >>> _mirrors("out", ["a.txt", "b/a.txt.gz", "a.txt.gz"])
    Traceback (most recent call last):
    newsclean._errors.OptionsError: 'a.txt' and 'a.txt.gz' would both be written to out/a.txt
    """
    targets = [_mirror(folder, name) for name in names]
    first: dict[str, str] = {}
    inputs = {os.path.realpath(name): name for name in names}
    for name, target in zip(names, targets):
        where = os.path.realpath(target)
        if where in first:
            raise OptionsError(f"{label(first[where])!r} and {label(name)!r} would both be written to {target}")
        first[where] = name
        other = inputs.get(where)
        if other is not None and os.path.realpath(other) != os.path.realpath(name):
            raise OptionsError(f"{label(name)!r} would be written over the input {label(other)!r}")
    return targets


def _mirror(folder: str, name: str) -> Path:
    """Where ``--output-dir`` writes the input ``name``: the same path under ``folder``.

    >>> str(_mirror("out", "raw/a.txt")), str(_mirror("out", "/data/b.jsonl.gz"))
    ('out/raw/a.txt', 'out/data/b.jsonl')
    """
    if name == STDIN:
        raise OptionsError("stdin has no name to write under DIR")
    path = PurePath(os.path.normpath(name))
    if path.is_absolute():
        path = path.relative_to(path.anchor)
    if ".." in path.parts or not path.parts:
        raise OptionsError(f"{label(name)!r} is not below the current directory: its place under DIR is ambiguous")
    from .._tables import compressed_ending

    if compressed_ending(path.name) is not None:
        path = path.with_suffix("")
    return Path(folder) / path


def _each_file(
    cleaner: Any,
    args: argparse.Namespace,
    names: list[str],
    targets: list[Path | None],
    jobs: Any,
    tally: Tally,
    out: Output | None = None,
) -> int:
    """Clean each input, into ``out`` (default stdout) or its own target file."""
    from .._atomic import Replacement
    from .._errors import InputError

    status = EXIT_OK
    shared = out or Output()
    several = len(names) > 1
    for name, target in zip(names, targets):
        file: Any = None
        try:
            if target is not None and not args.check:
                target.parent.mkdir(parents=True, exist_ok=True)
                file = Replacement(target)
            with open_input(name) as stream:
                sink = shared if file is None else Output(file.file, str(target))
                if args.jsonl:
                    docs, found = _jsonl(jobs, stream, label(name), args, sink)
                else:
                    docs, found = _text(cleaner, stream, label(name), args, sink, several and file is None)
            if file is not None:
                sink.flush()
                try:
                    file.commit()
                except OSError as err:
                    raise OutputError(f"{target}: {err.strerror or err}") from None
        except (InputError, OSError) as err:
            if file is not None:
                file.discard()
            if isinstance(err, BrokenPipeError):
                raise
            if isinstance(err, InputError):
                print(f"newsclean: {err}", file=sys.stderr)
            elif file is None and target is not None:  # (the output file could not be made)
                print(f"newsclean: {target}: cannot write there: {err.strerror or err}", file=sys.stderr)
            else:  # a read that failed after the input was opened
                print(f"newsclean: {label(name)}: {err.strerror or err}", file=sys.stderr)
            status = EXIT_FOUND
            continue
        except BaseException:
            if file is not None:
                file.discard()
            raise
        tally.file(label(name), docs, found)
        if found and args.check:
            status = EXIT_FOUND
    shared.flush()
    return status


class Tally:
    """What the command says of each input and in all (``--check``, ``-v``; ``-q`` silences)."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.files = self.docs = self.changed = 0

    def file(self, source: str, docs: int, changed: int) -> None:
        args = self.args
        self.files += 1
        self.docs += docs
        self.changed += changed
        if args.quiet or not (args.check or args.verbose):
            return
        if args.jsonl and args.verbose:
            done = "would be cleaned" if args.check else "cleaned"
            print(f"{source}: {docs} document{'s' * (docs != 1)}, {changed} {done}", file=sys.stderr)
        elif changed:
            print(f"{'would clean' if args.check else 'cleaned'} {source}", file=sys.stderr)
        elif args.verbose:
            print(f"{source} unchanged", file=sys.stderr)

    def summary(self) -> None:
        if not self.args.verbose:
            return
        done = "would be cleaned" if self.args.check else "cleaned"
        if self.args.jsonl:
            total = f"{self.docs} document{'s' * (self.docs != 1)} in {self.files} file{'s' * (self.files != 1)}"
        else:
            total = f"{self.files} file{'s' * (self.files != 1)}"
        print(f"newsclean: {total}, {self.changed} {done}", file=sys.stderr)


def _text(
    cleaner: Any, stream: IO[bytes], source: str, args: argparse.Namespace, out: Output, separate: bool = False
) -> tuple[int, int]:
    """Clean one whole document: ``(1, whether it changed)``. With ``separate`` (several
    files written one after another), its text ends with a line break."""
    text = decode(stream.read(), source, args.errors)
    result = cleaner.clean(text)
    if args.explain:
        explain(result, source, args.format)
    if not args.check:
        clean = result.text
        if separate and clean and not clean.endswith("\n"):
            clean += "\n"
        out.write(clean.encode("utf-8"))
        out.flush()
    return 1, int(result.changed)


def _jsonl(jobs: Any, stream: IO[bytes], source: str, args: argparse.Namespace, out: Output) -> tuple[int, int]:
    """Clean a stream of JSON lines: ``(documents, how many changed)``.

    Only the field and the ``newsclean`` report are written anew: every other byte of a
    line is written as it was read. Lines are cleaned in batches, in worker processes once
    a batch fills (``jobs``, a ``_parallel.InOrder``), and written in input order; when no
    more input is waiting (a slow pipe), what was read is cleaned here and written before
    the next read blocks.
    """
    from .._errors import InputError
    from .._parallel import BATCH_CHARS, BATCH_TEXTS

    changed = documents = 0
    tell, write = args.explain, not args.check
    waiting = waiting_test(stream)
    batch: list[tuple[int, bytes, str]] = []
    size = 0

    def emit(done: list[list[tuple[bool, Any, bytes]]], lines: list[list[int]]) -> None:
        nonlocal changed, documents
        for results, numbers in zip(done, lines):
            documents += len(results)
            for (was_changed, result, line), number in zip(results, numbers):
                changed += was_changed
                if tell and (result.removed or result.credits):  # (a line with nothing to say: nothing)
                    explain(result, f"{source}:{number}", args.format)
                if write:
                    out.write(line)

    sent: list[list[int]] = []  # the line numbers of each batch in flight, oldest first

    def send(here: bool) -> None:
        nonlocal batch, size
        if batch:
            sent.append([n for n, _, _ in batch])
            done = jobs.submit(
                _clean_lines, [(raw, text) for _, raw, text in batch], args.field, tell, write, here=here
            )
            emit(done, [sent.pop(0) for _ in done])
            batch, size = [], 0

    def flush() -> None:  # everything read so far is written (before a message or a wait)
        send(here=jobs.pool is None)
        done = jobs.drain()
        emit(done, [sent.pop(0) for _ in done])
        out.flush()

    try:
        for item in _read_records(stream, source, args, before_message=flush):
            batch.append((item.line, item.raw, item.text))
            size += len(item.text)
            if len(batch) >= BATCH_TEXTS or size >= BATCH_CHARS:
                send(here=False)
            elif not waiting():
                flush()
    except InputError:
        flush()  # the good lines before a bad one are still cleaned and written
        raise
    flush()
    return documents, changed


def _clean_lines(
    cleaner: Any, batch: list[tuple[bytes, str]], field: str, keep: bool, write: bool
) -> list[tuple[bool, Any, bytes]]:
    """A batch of ``--jsonl`` lines ``(raw, text)``: for each, whether it changed, its
    result (with ``keep``) and the line to write (with ``write``)."""
    done = []
    path = field_path(field)
    for raw, text in batch:
        result = cleaner.clean(text)
        line = with_path(raw, path, result.text, {"newsclean": result.to_dict()}) + b"\n" if write else b""
        done.append((result.changed, result if keep else None, line))
    return done


def _read_records(
    stream: IO[bytes], source: str, args: argparse.Namespace, before_message: Any = None
) -> Iterator[Record]:
    """The good records of ``stream`` (see ``common.records``), with the command's reporting:
    with ``--skip-bad-lines`` the count of skipped lines on stderr at the end (and each
    one with ``--explain``). ``before_message()`` is called before each message, so that
    what the records before it gave is reported first."""
    skipped = 0

    def skip(err: Exception) -> None:
        nonlocal skipped
        skipped += 1
        if getattr(args, "explain", False):
            if before_message is not None:
                before_message()
            print(f"newsclean: skipped {err}", file=sys.stderr)

    yield from records(
        stream,
        source,
        args.field,
        args.errors,
        args.skip_bad_lines,
        max_line_bytes=getattr(args, "max_line_bytes", MAX_LINE_BYTES),
        on_skip=skip,
    )
    if skipped and not getattr(args, "quiet", False):
        if before_message is not None:
            before_message()
        print(f"newsclean: {source}: skipped {skipped} bad line{'s' * (skipped != 1)}", file=sys.stderr)


def explain(result: Any, source: str, form: str = "text") -> None:
    """Tell on stderr what ``clean()`` removed from ``source`` and why (``--explain``): lines
    of text, or with ``form="json"`` one JSON object."""
    if form == "json":
        print(json.dumps({"source": source, **result.to_dict()}, ensure_ascii=False), file=sys.stderr)
        return
    lines = []
    for r in result.removed:
        why = "site boilerplate" if r.duplicate_of is None else f"repeats paragraph {r.duplicate_of}"
        lines.append(
            f"{source}: line {r.line}: removed paragraph {r.index} ({r.rule}, {r.step}): "
            f"{why}, similarity {r.similarity:.3f}: {_snippet(r.text)}"
        )
    for c in result.credits:
        where = f", {c.location}" if c.location else ""
        when = f", {c.date}" if c.date else ""
        lines.append(
            f"{source}: paragraph {c.paragraph}: {c.position} {c.kind} {c.agency} "
            f"({c.name}{where}{when}): {_snippet(c.raw)}"
        )
    if not lines:
        lines.append(f"{source}: nothing to remove")
    print("\n".join(lines), file=sys.stderr)


def _snippet(text: str, width: int = 70) -> str:
    flat = " ".join(text.split())
    return repr(flat if len(flat) <= width else flat[: width - 1] + "…")
