"""The ``newsclean`` command: a thin edge over the library.

It parses arguments, reads and writes bytes, and turns library errors into one-line
messages on stderr and exit codes: 0 ok, 1 ``--check`` found something to change or some
input could not be cleaned, 2 a usage error. A closed pipe (``| head``) ends it quietly
with 141, as a process killed by SIGPIPE would.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from types import SimpleNamespace
from typing import IO, TYPE_CHECKING, Any, cast

from ._io import (
    MAX_LINE_BYTES,
    Output,
    OutputError,
    Record,
    decode,
    label,
    lines,
    open_input,
    records,
    with_fields,
)
from ._io import STDIN as STDIN
from ._version import __version__

if TYPE_CHECKING:
    import argparse

EXIT_OK, EXIT_FOUND, EXIT_USAGE, EXIT_PIPE = 0, 1, 2, 141

# The names newsclean dedup imports from here (with _records below) until it reads through _io.
_open, _label, _lines, _decode = open_input, label, lines, decode


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command with ``argv`` (default ``sys.argv[1:]``); return the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["dedup"]:
        from ._dedup_cli import parser as dedup_parser
        from ._dedup_cli import run as dedup_run

        args, run = dedup_parser().parse_args(argv[1:]), dedup_run
    else:
        args, run = _plain(argv) or _parser().parse_args(argv), _run
    try:
        return run(args)
    except BrokenPipeError:  # the reader went away (| head): leave quietly
        _quiet_stdout()
        return EXIT_PIPE
    except OutputError as err:  # a full disk, say: nothing more can be written
        print(f"{_prog(argv)}: {err}", file=sys.stderr)
        _quiet_stdout()
        return EXIT_FOUND
    except KeyboardInterrupt:
        return 130


def _prog(argv: list[str]) -> str:
    return "newsclean dedup" if argv[:1] == ["dedup"] else "newsclean"


def _quiet_stdout() -> None:
    """Point stdout at devnull, so that the interpreter's final flush of what could not be
    written does not fail again on the way out."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (AttributeError, OSError, ValueError):  # no stdout, or not a file (in process)
        pass


def _plain(argv: list[str]) -> argparse.Namespace | None:
    """What ``_parser().parse_args(argv)`` gives when no argument starts with ``-`` (every
    one is then a FILE, and every option has its default): the common ``newsclean FILE``
    does without argparse, its import and the building of the parser (some 3 ms). ``None``
    for any other ``argv``."""
    if any(arg.startswith("-") for arg in argv):
        return None
    from ._options import Options

    defaults = Options()
    args = SimpleNamespace(
        files=argv,
        jsonl=False,
        field="text",
        skip_bad_lines=False,
        max_line_bytes=MAX_LINE_BYTES,
        errors="strict",
        check=False,
        explain=False,
        dedupe_paragraphs=defaults.dedupe_paragraphs,
        byline=defaults.byline,
        threshold=defaults.threshold,
        shingle_kind=defaults.shingle_kind,
        shingle_size=defaults.shingle_size,
        num_perm=defaults.num_perm,
        seed=defaults.seed,
        min_near_length=defaults.min_near_length,
    )
    return cast("argparse.Namespace", args)  # (read only by attribute, as a Namespace is)


def _parser() -> argparse.ArgumentParser:
    import argparse

    from ._options import BYLINE_POLICIES, SHINGLE_KINDS, Options

    defaults = Options()
    p = argparse.ArgumentParser(
        prog="newsclean",
        description="Clean scraped news text: remove repeated paragraphs and take agency "
        "credits and datelines out of the body. Reads FILEs (or stdin) and writes the clean "
        "text to stdout.",
        epilog="Across documents: 'newsclean dedup --help'. Exit status: 0 ok; 1 --check "
        "found changes, or some input could not be cleaned; 2 usage error.",
    )
    p.add_argument("files", nargs="*", metavar="FILE", help="input files; none or '-' reads stdin")
    p.add_argument("--version", action="version", version=f"newsclean {__version__}")
    io = p.add_argument_group("input and output")
    io.add_argument("--jsonl", action="store_true", help="read and write JSON lines, one document per line")
    io.add_argument("--field", default="text", help="with --jsonl: the field to clean (default: text)")
    io.add_argument(
        "--skip-bad-lines",
        action="store_true",
        help="with --jsonl: skip lines that are not JSON objects with the field, and count them "
        "on stderr (default: stop with an error naming the line)",
    )
    io.add_argument(
        "--max-line-bytes",
        type=int,
        default=MAX_LINE_BYTES,
        metavar="N",
        help="with --jsonl: a longer line is a bad line, and no more of it is held in memory "
        "(default: %(default)s, 256 MiB)",
    )
    io.add_argument(
        "--errors",
        choices=("strict", "replace"),
        default="strict",
        help="invalid UTF-8: 'strict' stops with an error naming the byte (default), "
        "'replace' writes U+FFFD for bad bytes",
    )
    io.add_argument("--check", action="store_true", help="write nothing; exit 1 if cleaning would change anything")
    io.add_argument("--explain", action="store_true", help="tell on stderr what was removed and why")
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
    return p


def _run(args: argparse.Namespace) -> int:
    from ._clean import Cleaner
    from ._errors import InputError, OptionsError
    from ._options import Options

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
        print(f"newsclean: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    if args.max_line_bytes < 1:
        print(f"newsclean: error: --max-line-bytes must be at least 1, got {args.max_line_bytes}", file=sys.stderr)
        return EXIT_USAGE
    cleaner = Cleaner(options)
    status = EXIT_OK
    out = Output()
    for name in args.files or [STDIN]:
        try:
            with open_input(name) as stream:
                if args.jsonl:
                    found = _jsonl(cleaner, stream, label(name), args, out)
                else:
                    found = _text(cleaner, stream, label(name), args, out)
        except InputError as err:
            print(f"newsclean: {err}", file=sys.stderr)
            status = EXIT_FOUND
            continue
        except OSError as err:  # a read that failed after the input was opened
            if isinstance(err, BrokenPipeError):
                raise
            print(f"newsclean: {label(name)}: {err.strerror or err}", file=sys.stderr)
            status = EXIT_FOUND
            continue
        if found and args.check:
            status = EXIT_FOUND
    out.flush()
    return status


def _text(cleaner: Any, stream: IO[bytes], source: str, args: argparse.Namespace, out: Output) -> bool:
    """Clean one whole document; return whether it changed."""
    text = decode(stream.read(), source, args.errors)
    result = cleaner.clean(text)
    if args.explain:
        _explain(result, source)
    if not args.check:
        out.write(result.text.encode("utf-8"))
    return bool(result.changed)


def _jsonl(cleaner: Any, stream: IO[bytes], source: str, args: argparse.Namespace, out: Output) -> bool:
    """Clean a stream of JSON lines, one at a time; return whether any changed.

    Only the field and the ``newsclean`` report are written anew: every other byte of a
    line is written as it was read.
    """
    changed = 0
    for item in _read_records(stream, source, args):
        result = cleaner.clean(item.text)
        changed += result.changed
        if args.explain:
            _explain(result, f"{source}:{item.line}")
        if not args.check:
            out.write(with_fields(item.raw, {args.field: result.text, "newsclean": result.to_dict()}) + b"\n")
    return changed > 0


def _read_records(stream: IO[bytes], source: str, args: argparse.Namespace) -> Iterator[Record]:
    """The good records of ``stream`` (see ``_io.records``), with the command's reporting:
    with ``--skip-bad-lines`` the count of skipped lines on stderr at the end (and each
    one with ``--explain``)."""
    skipped = 0

    def skip(err: Exception) -> None:
        nonlocal skipped
        skipped += 1
        if getattr(args, "explain", False):
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
    if skipped:
        print(f"newsclean: {source}: skipped {skipped} bad line{'s' * (skipped != 1)}", file=sys.stderr)


def _records(stream: IO[bytes], source: str, args: argparse.Namespace) -> Iterator[tuple[int, dict[str, Any], str]]:
    """``(line number, record, text of the field)`` of each good JSON line: the shape
    ``newsclean dedup`` reads until it is ported to ``_read_records``."""
    for item in _read_records(stream, source, args):
        yield item.line, item.record, item.text


def _explain(result: Any, source: str) -> None:
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


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
