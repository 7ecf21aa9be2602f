"""What both commands share: input and output (files and stdin, compressed or not, and strict
JSON lines), the flags that read input, and the exit codes.

Both commands read through here, so that they accept and refuse the same inputs and say so in
the same words:

* :func:`open_input` opens a file or stdin (``-``), recognises gzip, bzip2, xz and zstd by
  their first bytes and decompresses them, and skips a UTF-8 byte order mark;
* :func:`records` reads JSON lines one at a time and refuses, line by line, what is not strict
  RFC 8259 JSON (NaN, duplicate keys, lone surrogates, ...) or is too big to handle safely;
* :func:`with_fields` writes a kept record back with some top-level fields set, every other
  byte of the line as it was read;
* :func:`input_flags` and :func:`workers_flag` declare the flags both commands read input
  with, :func:`flag_problem` checks them, and :func:`guarded` turns a closed pipe or a failed
  write into the same exit status in both.

Every problem with the input is an :class:`~newsclean.InputError` (a ``DecodeError`` or a
``RecordError`` for one line) whose message names the source, and the line when there is one.
"""

from __future__ import annotations

import bisect
import io
import os
import re
import stat
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from typing import IO, TYPE_CHECKING, Any, NamedTuple

from .._errors import DecodeError, InputError, OptionsError, RecordError
from .._fieldpath import MISSING, field_path, get_path

if TYPE_CHECKING:
    import json

# (json is imported where JSON lines are read or written: ``newsclean FILE`` reads none, and
# its import is a millisecond of start-up.)

STDIN = "-"
#: The commands' exit status: ok; something found by --check, or some input or output could
#: not be used; a usage error; the reader of stdout went away (as if killed by SIGPIPE).
EXIT_OK, EXIT_FOUND, EXIT_USAGE, EXIT_PIPE = 0, 1, 2, 141

#: The longest line :func:`records` reads, in bytes (newline not counted). A longer line is a
#: bad line, and only this much of it is ever held in memory.
MAX_LINE_BYTES = 256 * 1024 * 1024

#: The deepest nesting of arrays and objects :func:`records` accepts. Deeper lines are refused
#: before they are parsed, so that no input reaches the interpreter's recursion limit.
MAX_DEPTH = 512

ERRORS = ("strict", "replace")

_BOM = b"\xef\xbb\xbf"
_MAGIC = (  # (the first bytes of each of _tables.COMPRESSIONS)
    (b"\x1f\x8b", "gzip"),
    # bzip2: "BZh" and the block size, 1-9, as bzip2 itself checks ("BZh" alone begins
    # ordinary text too; what follows may be damaged, which is then a corrupt bzip2 file).
    *((b"BZh" + bytes([level]), "bzip2") for level in b"123456789"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
)
_SNIFF = max(len(magic) for magic, _ in _MAGIC)


# -- opening ---------------------------------------------------------------------------------


def label(name: str) -> str:
    """How messages name an input: its path, or ``<stdin>`` for ``-``.

    >>> label("-"), label("crawl.jsonl"), label(os.fsdecode(b"caf\\xe9.jsonl"))
    ('<stdin>', 'crawl.jsonl', 'caf\\\\xe9.jsonl')
    """
    if name == STDIN:
        return "<stdin>"
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # bytes of another encoding, as os.fsdecode keeps them
        return os.fsencode(name).decode("utf-8", "backslashreplace")
    return name


@contextmanager
def open_input(name: str) -> Iterator[IO[bytes]]:
    """Open the file ``name`` (``-``: stdin) for reading bytes, decompressed and without a BOM.

    gzip, bzip2, xz and zstd input is recognised by its first bytes, not by its name, on stdin
    too; zstd needs the ``zstandard`` module. A UTF-8 byte order mark at the start of the
    (decompressed) text is skipped. Stdin is not closed on exit.

    Raises :class:`~newsclean.InputError` naming the input when it cannot be opened (missing,
    a directory, no permission), when it is compressed with zstd and ``zstandard`` is not
    installed, and, while it is read, when its compressed data is corrupt or truncated.

    >>> import gzip, tempfile
    >>> with tempfile.NamedTemporaryFile(suffix=".txt") as f:
    ...     _ = f.write(gzip.compress(b"\\xef\\xbb\\xbfHello\\n")); f.flush()
    ...     with open_input(f.name) as stream:
    ...         stream.read()
    b'Hello\\n'
    """
    source = label(name)
    with ExitStack() as stack:
        try:
            stream = _source_stream(name, source, stack)
            head, stream = _peek(stream, _SNIFF)
            kind = next((kind for magic, kind in _MAGIC if head.startswith(magic)), None)
            if kind is not None:
                raw = _Decompressing(stream, kind, source)
                stream = stack.enter_context(io.BufferedReader(raw, 64 * 1024))
            head, stream = _peek(stream, len(_BOM))
            if head == _BOM:
                stream.read(len(_BOM))
        except OSError as err:
            raise InputError(f"{source}: {err.strerror or err}") from None
        yield stream


def _source_stream(name: str, source: str, stack: ExitStack) -> IO[bytes]:
    if name != STDIN:
        return stack.enter_context(open(name, "rb"))
    stdin = getattr(sys.stdin, "buffer", None)
    if stdin is None:
        raise InputError(f"{source}: standard input is closed or not a byte stream")
    return stdin  # type: ignore[no-any-return]


def _peek(stream: IO[bytes], size: int) -> tuple[bytes, IO[bytes]]:
    """The first ``size`` bytes of ``stream`` (fewer at its end), and a stream that still
    yields them."""
    peek = getattr(stream, "peek", None)
    if peek is not None:
        head: bytes = peek(size)[:size]
        if len(head) == size:
            return head, stream
    # No peek, or it saw less than asked (a pipe delivering a few bytes at a time): read them,
    # waiting as long as it takes, and put them back in front.
    head = b""
    while len(head) < size and (more := stream.read(size - len(head))):
        head += more
    return head, io.BufferedReader(_Prefixed(head, stream))


class _Prefixed(io.RawIOBase):
    """``head``, then the rest of ``stream``. Closing it leaves ``stream`` open."""

    def __init__(self, head: bytes, stream: IO[bytes]) -> None:
        self._head = head
        self._read = getattr(stream, "read1", stream.read)
        self._below = waiting_test(stream)

    def readable(self) -> bool:
        return True

    def waiting(self) -> bool:
        """Whether a read would return at once (``waiting_test``)."""
        return bool(self._head) or self._below()

    def readinto(self, buffer: Any) -> int:
        data = self._head or self._read(len(buffer))
        self._head = data[len(buffer) :] if self._head else b""
        data = data[: len(buffer)]
        buffer[: len(data)] = data
        return len(data)


# The most bytes one decompression call may produce: a small bomb cannot fill the memory. zstd's
# decompressobj has no such bound, so it is given small pieces of input instead.
_MAX_OUTPUT = 1 << 20
_CHUNK = {"gzip": 64 * 1024, "bzip2": 64 * 1024, "xz": 64 * 1024, "zstd": 1024}


class _Decompressing(io.RawIOBase):
    """The decompressed bytes of ``stream``: every member or frame, one after another.

    A corrupt or truncated stream is an :class:`InputError` naming ``source``: each member
    must reach its end (``zstandard``'s own stream reader ends a truncated frame silently).
    """

    def __init__(self, stream: IO[bytes], kind: str, source: str) -> None:
        self._read = getattr(stream, "read1", stream.read)
        self._below = waiting_test(stream)
        self._kind = kind
        self._source = source
        self._new = _decompressor(kind, source)
        self._d = self._new()
        self._fed = False  # whether the current member has had any input
        self._out = b""
        self._pos = 0
        self._done = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while self._pos >= len(self._out):
            if self._done:
                return 0
            try:
                self._out, self._pos = self._next(), 0
            except OSError as err:
                if err.errno is not None:  # the file beneath failed, not the data
                    raise
                raise self._corrupt(err) from None
            except InputError:
                raise
            except Exception as err:  # each library has its own (zlib.error, LZMAError, ZstdError...)
                raise self._corrupt(err) from None
        n = min(len(buffer), len(self._out) - self._pos)
        buffer[:n] = self._out[self._pos : self._pos + n]
        self._pos += n
        return n

    def waiting(self) -> bool:
        """Whether a read would return at once (``waiting_test``): output made and not yet
        read, output ``_next`` makes without reading (its first three cases), or compressed
        bytes waiting beneath. (Bytes beneath that end no block yet make no line: a reader
        then waits for the writer's next flush, as it must.)"""
        d = self._d
        return (
            self._done
            or self._pos < len(self._out)
            or (self._fed and d.eof and bool(d.unused_data))
            or (self._kind == "gzip" and bool(d.unconsumed_tail))
            or (self._kind in ("bzip2", "xz") and self._fed and not d.eof and not d.needs_input)
            or self._below()
        )

    def _corrupt(self, err: Exception) -> InputError:
        return InputError(f"{self._source}: corrupt {self._kind} data: {err}")

    def _next(self) -> bytes:
        d = self._d
        if self._fed and d.eof:  # a member ended: what follows is another one
            rest = d.unused_data
            self._d, self._fed = self._new(), False
            if rest:
                return self._feed(rest)
        elif self._kind == "gzip" and d.unconsumed_tail:
            return d.decompress(d.unconsumed_tail, _MAX_OUTPUT)  # type: ignore[no-any-return]
        elif self._kind in ("bzip2", "xz") and self._fed and not d.needs_input:
            return d.decompress(b"", _MAX_OUTPUT)  # type: ignore[no-any-return]
        data = self._read(_CHUNK[self._kind])
        if not data:
            if self._fed and not self._d.eof:
                raise EOFError("it ends in the middle (truncated?)")
            self._done = True
            return b""
        return self._feed(data)

    def _feed(self, data: bytes) -> bytes:
        self._fed = True
        if self._kind == "zstd":
            return self._d.decompress(data)  # type: ignore[no-any-return]
        return self._d.decompress(data, _MAX_OUTPUT)  # type: ignore[no-any-return]


def _decompressor(kind: str, source: str) -> Callable[[], Any]:
    """A maker of fresh decompressor objects for ``kind``; the module is imported only now."""
    if kind == "gzip":
        import zlib

        return lambda: zlib.decompressobj(16 + zlib.MAX_WBITS)  # the gzip wrapper, CRC checked
    if kind == "bzip2":
        import bz2

        return bz2.BZ2Decompressor
    if kind == "xz":
        import lzma

        return lambda: lzma.LZMADecompressor(lzma.FORMAT_XZ)
    try:
        import zstandard
    except ImportError:
        raise InputError(f"{source}: zstd-compressed; pip install zstandard") from None
    return lambda: zstandard.ZstdDecompressor().decompressobj()


# -- lines and records -----------------------------------------------------------------------


def decode(data: bytes, source: str, errors: str = "strict", base: int = 0) -> str:
    """``data`` as UTF-8; invalid bytes are a :class:`~newsclean.DecodeError` naming ``source``
    and the byte (``base`` + its offset in ``data``), or with ``errors="replace"`` U+FFFD.

    >>> decode(b"caf\\xc3\\xa9", "a.txt")
    'café'
    >>> decode(b"caf\\xe9", "a.txt", base=10)
    Traceback (most recent call last):
    newsclean._errors.DecodeError: a.txt: invalid UTF-8 at byte 13: unexpected end of data
    >>> decode(b"caf\\xe9", "a.txt", "replace")
    'caf\\ufffd'
    """
    try:
        return data.decode("utf-8", errors)
    except UnicodeDecodeError as err:
        raise DecodeError(source, base + err.start, err.reason) from None


def lines(stream: IO[bytes], max_line_bytes: int | None = None) -> Iterator[tuple[int, bytes, int]]:
    """``(1-based line number, line, byte offset of the line)``, one line in memory at a time.

    A line keeps its ``\\n``. With ``max_line_bytes``, a line longer than that (its newline not
    counted) is given as its first ``max_line_bytes + 1`` bytes, the rest read and dropped:
    how a caller tells it was too long.

    >>> list(lines(io.BytesIO(b"ab\\nc")))
    [(1, b'ab\\n', 0), (2, b'c', 3)]
    >>> list(lines(io.BytesIO(b"abcdef\\nok\\n"), max_line_bytes=3))
    [(1, b'abcd', 0), (2, b'ok\\n', 7)]
    """
    offset = 0
    if max_line_bytes is None:
        for number, line in enumerate(stream, 1):
            yield number, line, offset
            offset += len(line)
        return
    limit = max_line_bytes + 1
    number = 0
    while line := stream.readline(limit):
        number += 1
        size = len(line)
        if size == limit and not line.endswith(b"\n"):
            while rest := stream.readline(1 << 20):
                size += len(rest)
                if rest.endswith(b"\n"):
                    break
        yield number, line, offset
        offset += size


class Record(NamedTuple):
    """A good JSON line, as :func:`records` gives it."""

    line: int
    """Its 1-based line number."""
    raw: bytes
    """The line as read, without its line ending (UTF-8; with ``errors="replace"``, after the
    replacement)."""
    record: dict[str, Any]
    """The parsed object."""
    text: str
    """The value of the field."""


def records(
    stream: IO[bytes],
    source: str,
    field: str = "text",
    errors: str = "strict",
    skip_bad_lines: bool = False,
    *,
    max_line_bytes: int = MAX_LINE_BYTES,
    max_depth: int = MAX_DEPTH,
    on_skip: Callable[[InputError], None] | None = None,
) -> Iterator[Record]:
    """The good JSON lines of ``stream``, one at a time, as :class:`Record` tuples
    ``(line, raw, record, text)``.

    A line is good when it is one strict RFC 8259 JSON object with a string in ``field``.
    Blank lines (spaces, tabs) are passed over; a line may end in ``\\n`` or ``\\r\\n``. A bad
    line is a :class:`~newsclean.RecordError` naming ``source`` and the line (invalid UTF-8: a
    :class:`~newsclean.DecodeError` naming the byte, unless ``errors="replace"``), or with
    ``skip_bad_lines`` is passed to ``on_skip`` and left out. Bad lines are:

    * not JSON; a JSON value that is not an object; ``field`` missing or not a string;
    * ``NaN``, ``Infinity``, ``-Infinity``; a key twice in one object, at any depth;
    * an escaped lone surrogate (``"\\ud800"`` without its low half): not a character;
    * nesting deeper than ``max_depth`` (checked before parsing);
    * an integer with more digits than Python converts (``sys.get_int_max_str_digits()``,
      4300 by default);
    * a line longer than ``max_line_bytes`` bytes (only that much of it is read into memory).

    >>> data = io.BytesIO(b'{"text": "a", "n": 1e3}\\n\\n{"text": NaN}\\n{"text": "b"}\\n')
    >>> for r in records(data, "x.jsonl", skip_bad_lines=True, on_skip=print):
    ...     r.line, r.raw, r.text
    (1, b'{"text": "a", "n": 1e3}', 'a')
    x.jsonl: line 3: NaN is not JSON
    (4, b'{"text": "b"}', 'b')
    """
    if errors not in ERRORS:
        raise OptionsError(f"errors must be one of {ERRORS}, got {errors!r}")
    for number, line, offset in lines(stream, max_line_bytes):
        try:
            record = parse_line(line, number, offset, source, field, errors, max_line_bytes, max_depth)
        except InputError as err:
            if not skip_bad_lines:
                raise
            if on_skip is not None:
                on_skip(err)
            continue
        if record is not None:
            yield record


def parse_line(
    line: bytes,
    number: int,
    offset: int,
    source: str,
    field: str = "text",
    errors: str = "strict",
    max_line_bytes: int = MAX_LINE_BYTES,
    max_depth: int = MAX_DEPTH,
) -> Record | None:
    """One line of :func:`records` (``offset``: its first byte's offset in the input):
    its :class:`Record`, ``None`` for a blank line, or the ``InputError`` of a bad line."""
    raw = line[:-1] if line.endswith(b"\n") else line
    if raw.endswith(b"\r"):  # (the line ending, \r\n, is not counted)
        raw = raw[:-1]
    if len(raw) > max_line_bytes:
        raise RecordError(source, number, f"longer than {max_line_bytes} bytes (the limit)")
    if not raw.strip(b" \t\r"):
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = decode(raw, f"{source}: line {number}", errors, base=offset)
        raw = text.encode("utf-8")  # the line as it will be written: valid UTF-8
    try:
        value = strict_loads(text, max_depth)
    except ValueError as err:
        raise RecordError(source, number, str(err)) from None
    if not isinstance(value, dict):
        raise RecordError(source, number, f"a JSON {type(value).__name__}, not an object")
    found = get_path(value, field_path(field), MISSING)
    if not isinstance(found, str):
        what = "has no field" if found is MISSING else "has a non-string field"
        raise RecordError(source, number, f"{what} {field!r}")
    return Record(number, raw, value, found)


class _Refused(ValueError):
    """Valid to Python's json, not to RFC 8259."""


def strict_loads(text: str, max_depth: int = MAX_DEPTH) -> Any:
    """Parse one JSON text as RFC 8259 has it; anything else is a ``ValueError`` saying why.

    Python's :func:`json.loads` also takes ``NaN`` and ``Infinity``, keeps the last of two equal
    keys, lets ``"\\ud800"`` through as a lone surrogate, and recurses as deep as the input
    nests; here these are refused, and so is nesting deeper than ``max_depth``. Lone surrogates
    are looked for where escapes can make them: ``text`` is expected to be decoded UTF-8,
    which cannot hold one unescaped.

    >>> strict_loads('{"a": [1, 2.5e3, "\\\\u00e9"]}')
    {'a': [1, 2500.0, 'é']}
    >>> strict_loads('{"a": 1, "b": {"a": 2, "a": 3}}')
    Traceback (most recent call last):
    ValueError: duplicate key 'a'
    >>> strict_loads('[-Infinity]')
    Traceback (most recent call last):
    ValueError: -Infinity is not JSON
    >>> strict_loads('["\\\\udc00"]')
    Traceback (most recent call last):
    ValueError: a lone surrogate \\udc00 (half of a pair, not a character)
    >>> strict_loads("[" * 600 + "]" * 600)
    Traceback (most recent call last):
    ValueError: nested more than 512 deep
    """
    import json

    if text.startswith("\ufeff"):  # what json.loads would say, which JSONDecoder.decode does not
        raise ValueError("not valid JSON (a byte order mark at column 1; only the input may start with one)")
    if text.count("[") + text.count("{") > max_depth and _too_deep(text, max_depth):
        raise ValueError(f"nested more than {max_depth} deep")
    try:
        value = _decoder().decode(text)
    except json.JSONDecodeError as err:
        # (json's "Invalid control character at" message ends in its own "at")
        raise ValueError(f"not valid JSON ({err.msg.removesuffix(' at')} at column {err.colno})") from None
    except _Refused as err:
        raise ValueError(str(err)) from None
    except ValueError as err:  # the int-conversion digit limit
        if "integer string conversion" not in str(err):
            raise
        limit = getattr(sys, "get_int_max_str_digits", lambda: 0)()
        raise ValueError(f"a number with more than {limit} digits") from None
    except RecursionError:  # only if max_depth is set above what the stack holds
        raise ValueError("nested too deep for this interpreter") from None
    if "\\u" in text:
        surrogate = _lone_surrogate(value)
        if surrogate is not None:
            raise ValueError(f"a lone surrogate \\u{ord(surrogate):04x} (half of a pair, not a character)")
    return value


_DECODER: json.JSONDecoder | None = None


def _decoder() -> json.JSONDecoder:
    global _DECODER
    if _DECODER is None:
        import json

        _DECODER = json.JSONDecoder(parse_constant=_refuse_constant, object_pairs_hook=_unique_keys)
    return _DECODER


def _refuse_constant(name: str) -> Any:
    raise _Refused(f"{name} is not JSON")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                shown = repr(key) if len(key) <= 60 else repr(key[:59] + "…")
                raise _Refused(f"duplicate key {shown}")
            seen.add(key)
    return obj


# A string (closed, or running to the end of the text: the parser will refuse it there) or a
# bracket. Linear: a string's body cannot backtrack, and an unclosed one swallows the rest.
_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*(?:"|\\?\Z)|[][{}]', re.S)
_SURROGATE = re.compile("[\ud800-\udfff]")


def _too_deep(text: str, limit: int) -> bool:
    depth = 0
    for match in _TOKEN.finditer(text):
        c = text[match.start()]
        if c in "[{":
            depth += 1
            if depth > limit:
                return True
        elif c in "]}":
            depth -= 1
    return False


def _lone_surrogate(value: Any) -> str | None:
    """The first surrogate code point in any string (key or value) of ``value``. json joins
    an escaped pair into one character, so any surrogate left is a lone one."""
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            found = _SURROGATE.search(v)
            if found:
                return found.group()
        elif isinstance(v, dict):
            stack.extend(v)
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
    return None


def waiting_test(stream: IO[bytes]) -> Callable[[], bool]:
    """A test of whether more of ``stream`` can be read at once: always, for a regular
    file (or a stream without a file descriptor); for a pipe or terminal, whether bytes
    are waiting in it; for what ``open_input`` puts over a stream (decompressing, or the
    bytes it peeked at put back), whether it holds bytes or the stream beneath has some.
    Both commands take what is waiting as one batch, and write what they hold before a
    read would block (a slow stream's lines go out as they come). (The commands read with
    ``read1`` of more than a buffer's size, which leaves a ``BufferedReader``'s buffer
    empty: only what lies beneath it is asked.)"""
    import select
    import stat

    own = getattr(getattr(stream, "raw", stream), "waiting", None)
    if own is not None:
        return own  # type: ignore[no-any-return]
    try:
        fd = stream.fileno()
        if stat.S_ISREG(os.fstat(fd).st_mode):
            return lambda: True
    except (OSError, AttributeError, ValueError):
        return lambda: True

    def waiting() -> bool:
        try:
            return bool(select.select([fd], [], [], 0)[0])
        except (OSError, ValueError):
            return True

    return waiting


# -- writing ---------------------------------------------------------------------------------


class OutputError(Exception):
    """Writing the output failed for a reason other than a closed pipe (a full disk, an I/O
    error, no stdout at all); the message says which output and why."""


class Output:
    """Where the command writes: ``stdout`` by default, or an open file.

    Writes are gathered and handed to the file descriptor by :func:`write_units`, each
    ``write()`` call a unit (a JSON line, a whole document): a unit that a failed write cut
    short on a regular file is taken back, so no partial line stays. A failed write is an
    :class:`OutputError` (not an ``OSError``, which a command would take for a failure of
    the input it is reading); a closed pipe stays a ``BrokenPipeError``, which ends the
    command quietly.
    """

    GATHER = 1 << 16  # bytes gathered before they are written

    def __init__(self, stream: IO[bytes] | None = None, name: str = "stdout") -> None:
        self._stream = stream if stream is not None else getattr(sys.stdout, "buffer", None)
        self.name = name
        self._data = bytearray()
        self._ends: list[int] = []

    def write(self, data: bytes) -> None:
        """Write ``data``, one unit."""
        self._data += data
        self._ends.append(len(self._data))
        if len(self._data) >= self.GATHER:
            self.flush()

    def flush(self) -> None:
        """Write what was gathered."""
        if not self._data:
            return
        data, ends = bytes(self._data), self._ends
        self._data, self._ends = bytearray(), []
        _, error = write_units(self._stream, data, ends)
        if isinstance(error, BrokenPipeError):
            raise error
        if error is not None:
            raise OutputError(f"{self.name}: {error.strerror or error}") from None


def write_units(out: IO[Any] | None, data: bytes, ends: Sequence[int]) -> tuple[int, OSError | None]:
    """Write ``data``, units ending at the offsets ``ends`` (ascending, the last
    ``len(data)``), to the file descriptor behind ``out`` (flushed first: whatever else
    is in it goes before): how many bytes were delivered (a pipe's buffer counts), and the
    error that stopped it, if any (``it is closed`` for no stream, as with ``>&-``). On a
    regular file, a unit that the error cut short is taken back (the file is cut to the
    end of the last whole unit) and the count is that end: no partial line stays where a
    reader would find it later.

    >>> import tempfile
    >>> with tempfile.TemporaryFile() as f:
    ...     write_units(f, b"one\\ntwo\\n", [4, 8]), os.pread(f.fileno(), 9, 0)
    ((8, None), b'one\\ntwo\\n')
    >>> write_units(None, b"x", [1])
    (0, OSError('it is closed'))
    """
    try:
        if out is None:
            raise ValueError("no stream")
        fd = out.fileno()
        out.flush()
    except (OSError, ValueError):  # (no stream, or a closed one)
        return 0, OSError("it is closed")
    view = memoryview(data)
    done = 0
    while done < len(data):
        try:
            done += os.write(fd, view[done:])
        except OSError as err:
            whole = ends[bisect.bisect_right(ends, done) - 1] if ends and ends[0] <= done else 0
            if whole < done and _take_back(fd, done - whole):
                done = whole
            return done, err
    return done, None


def _take_back(fd: int, size: int) -> bool:
    """Cut the last ``size`` bytes written to ``fd`` if it is a regular file; whether it was."""
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return False
        end = os.lseek(fd, 0, os.SEEK_CUR) - size
        os.ftruncate(fd, end)
        os.lseek(fd, end, os.SEEK_SET)
    except OSError:
        return False
    return True


_WS = re.compile(r"[ \t\n\r]*")


def with_fields(raw: bytes, fields: Mapping[str, Any]) -> bytes:
    """The JSON object ``raw`` with the top-level ``fields`` set, every other byte unchanged.

    A field already there has its value replaced in place (wherever its key occurs; keys are
    compared decoded, so ``"t\\u0065xt"`` is ``text``); the others are added, in order, after
    the last member. Everything else (number spellings, escapes, spacing) stays as it was.
    Values are written as ``json.dumps(value, ensure_ascii=False)``: UTF-8, and NaN refused.

    ``raw`` must be a JSON object in UTF-8 (as :func:`records` gives); a ``ValueError`` if not.

    >>> with_fields(b'{"id": 1e3, "text": "caf\\\\u00e9"}', {"text": "tea", "seen": None})
    b'{"id": 1e3, "text": "tea", "seen": null}'
    >>> with_fields(b'{ }', {"a": [1]})
    b'{"a": [1] }'
    """
    import json

    if not fields:
        return raw
    text = raw.decode("utf-8")
    every, last = _members(text)
    spans = [(start, end, key) for start, end, key in every if key in fields]
    members = len(every)

    def dump(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, allow_nan=False)

    pieces = []
    done = 0
    for start, end, key in spans:
        pieces += [text[done:start], dump(fields[key])]
        done = end
    present = {key for _, _, key in spans}
    added = [f"{dump(key)}: {dump(value)}" for key, value in fields.items() if key not in present]
    if added:
        pieces += [text[done:last], ", " if members else "", ", ".join(added)]
        done = last
    pieces.append(text[done:])
    return "".join(pieces).encode("utf-8")


def _members(text: str) -> tuple[list[tuple[int, int, str]], int]:
    """The members of the JSON object ``text``: each one's value span ``(start, end)`` and
    key, and where a new member would go (after the last value, or just inside the brace);
    a ``ValueError`` if ``text`` is not one JSON object."""
    import json

    scan = json.JSONDecoder().raw_decode
    pos = _WS.match(text).end()  # type: ignore[union-attr]
    if text[pos : pos + 1] != "{":
        raise ValueError("not a JSON object")
    last = pos + 1
    pos = _WS.match(text, last).end()  # type: ignore[union-attr]
    spans: list[tuple[int, int, str]] = []
    if text[pos : pos + 1] != "}":
        while True:
            if text[pos : pos + 1] != '"':
                raise ValueError(f"not a JSON object: a key expected at character {pos}")
            key, pos = scan(text, pos)
            pos = _WS.match(text, pos).end()  # type: ignore[union-attr]
            if text[pos : pos + 1] != ":":
                raise ValueError(f"not a JSON object: ':' expected at character {pos}")
            start = _WS.match(text, pos + 1).end()  # type: ignore[union-attr]
            _, last = scan(text, start)
            spans.append((start, last, key))
            pos = _WS.match(text, last).end()  # type: ignore[union-attr]
            if text[pos : pos + 1] == ",":
                pos = _WS.match(text, pos + 1).end()  # type: ignore[union-attr]
                continue
            if text[pos : pos + 1] == "}":
                break
            raise ValueError(f"not a JSON object: ',' or '}}' expected at character {pos}")
    if text[_WS.match(text, pos + 1).end() :]:  # type: ignore[union-attr]
        raise ValueError("not a JSON object: more after its closing brace")
    return spans, last


def with_path(raw: bytes, path: tuple[str, ...], value: Any, also: Mapping[str, Any] | None = None) -> bytes:
    """:func:`with_fields` for a field path (``--field article.body``): the value at
    ``path`` set in its object, and the top-level fields ``also`` set; every other byte,
    in the nested objects too, unchanged. The objects on the path must be there.

    >>> with_path(b'{"n": 1e3, "a": {"x": 1.50, "body": "old"}}', ("a", "body"), "new", {"seen": 1})
    b'{"n": 1e3, "a": {"x": 1.50, "body": "new"}, "seen": 1}'
    """
    if len(path) == 1:
        return with_fields(raw, {path[0]: value, **(also or {})})
    text = raw.decode("utf-8")
    spans, _ = _members(text)
    found = [(start, end) for start, end, key in spans if key == path[0]]
    if not found:
        raise ValueError(f"no member {path[0]!r}")
    start, end = found[-1]  # (strict input has each key once)
    inner = with_path(text[start:end].encode("utf-8"), path[1:], value)
    return with_fields(raw[: len(text[:start].encode("utf-8"))] + inner + text[end:].encode("utf-8"), also or {})


# -- the shared flags and the exit ---------------------------------------------------------


def input_flags(group: Any, *, jsonl_only: bool = False) -> None:
    """Declare on ``group`` (an argparse parser or group) the flags both commands read JSON
    lines with: ``--field``, ``--skip-bad-lines``, ``--max-line-bytes``, ``--errors``.
    ``jsonl_only``: the command reads JSON lines only with ``--jsonl`` (the help says so)."""
    when = "with --jsonl: " if jsonl_only else ""
    group.add_argument(
        "--field",
        default="text",
        help=f"{when}the field holding the text (default: text); a dotted path names a nested one "
        "(article.body; a dot inside a key is written \\.)",
    )
    group.add_argument(
        "--skip-bad-lines",
        action="store_true",
        help=f"{when}skip lines that are not JSON objects with the field, and count them "
        "on stderr (default: stop with an error naming the line)",
    )
    group.add_argument(
        "--max-line-bytes",
        type=int,
        default=MAX_LINE_BYTES,
        metavar="N",
        help=f"{when}a longer line is a bad line, and no more of it is held in memory (default: %(default)s, 256 MiB)",
    )
    group.add_argument(
        "--errors",
        choices=ERRORS,
        default="strict",
        help="invalid UTF-8: 'strict' stops with an error naming the byte (default), "
        "'replace' writes U+FFFD for bad bytes",
    )


def workers_flag(group: Any, help: str) -> None:
    """Declare ``--workers N`` on ``group``: ``help`` says what the workers do."""
    group.add_argument("--workers", type=int, default=None, metavar="N", help=help)


def flag_problem(args: Any) -> str | None:
    """What is wrong with the values of the flags :func:`input_flags` and :func:`workers_flag`
    declare (argparse checks their types, not their ranges), or ``None``."""
    if args.max_line_bytes < 1:
        return f"--max-line-bytes must be at least 1, got {args.max_line_bytes}"
    try:
        field_path(args.field)
    except ValueError as err:
        return f"--field: {err}"
    if args.workers is not None and not 1 <= args.workers <= 256:
        return f"--workers must be 1 to 256, got {args.workers}"
    for name in ("output", "output_dir", "index", "groups", "redis"):
        if getattr(args, name, None) == "":  # (else taken as not given: no index kept, stdout written)
            return f"--{name.replace('_', '-')} is empty: give {'a URL' if name == 'redis' else 'a path'}"
    return None


def usage_error(prog: str, message: str) -> int:
    """Say ``message`` as a usage error of ``prog`` on stderr; the exit status to return."""
    print(f"{prog}: error: {message}", file=sys.stderr)
    return EXIT_USAGE


class Defaults:
    """Stands in for an ``argparse.ArgumentParser`` when a command's arguments are declared,
    and records only each one's default: what parsing an argument list without options
    gives, without importing argparse.

    >>> d = Defaults()
    >>> input_flags(d.add_argument_group("input"))
    >>> d.namespace(files=["a.txt"]).field, d.namespace().skip_bad_lines
    ('text', False)
    """

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def add_argument(self, *names: str, **kwargs: Any) -> None:
        """Record the default of the argument ``names`` declares."""
        action = kwargs.get("action")
        if action in ("version", "help"):
            return
        long = [n for n in names if n.startswith("--")]
        dest = kwargs.get("dest") or (long[0][2:] if long else names[0].lstrip("-")).replace("-", "_")
        if action == "store_true":
            self.values[dest] = kwargs.get("default", False)
        elif action == "store_false":
            self.values[dest] = kwargs.get("default", True)
        else:
            self.values[dest] = kwargs.get("default")

    def add_argument_group(self, *args: Any, **kwargs: Any) -> Defaults:
        """Groups only arrange the help: their arguments are recorded here."""
        return self

    def add_mutually_exclusive_group(self, **kwargs: Any) -> Defaults:
        """As :meth:`add_argument_group`."""
        return self

    def namespace(self, **given: Any) -> Any:
        """The recorded defaults, with ``given`` values over them, read by attribute as an
        ``argparse.Namespace`` is."""
        from types import SimpleNamespace

        return SimpleNamespace(**{**self.values, **given})


def guarded(prog: str, run: Callable[[Any], int], args: Any) -> int:
    """``run(args)``, with the exits both commands share: a closed pipe (``| head``) ends
    quietly with :data:`EXIT_PIPE`, as a process killed by SIGPIPE would; a failed write (a
    full disk) is a one-line message and :data:`EXIT_FOUND`; Ctrl-C is 130; running out of
    memory (a document that never ends: ``/dev/zero``, a decompression bomb, under a memory
    limit) is a one-line message and :data:`EXIT_FOUND`."""
    try:
        return run(args)
    except MemoryError:
        print(
            f"{prog}: out of memory (a document larger than the memory this process may use: "
            "--max-line-bytes bounds a JSON line, and a text file is read whole)",
            file=sys.stderr,
        )
        return EXIT_FOUND
    except BrokenPipeError:  # the reader went away (| head): leave quietly
        quiet_stdout()
        return EXIT_PIPE
    except OutputError as err:  # a full disk, say: nothing more can be written
        print(f"{prog}: {err}", file=sys.stderr)
        quiet_stdout()
        return EXIT_FOUND
    except KeyboardInterrupt:
        return 130


def quiet_stdout() -> None:
    """Point stdout at devnull, so that the interpreter's final flush of what could not be
    written does not fail again on the way out."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (AttributeError, OSError, ValueError):  # no stdout, or not a file (in process)
        pass
