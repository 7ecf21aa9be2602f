"""The input layer of the commands (newsclean._cli.common): opening, strict records, writing back."""

from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsclean import DecodeError, InputError, OptionsError, RecordError
from newsclean._cli.common import MAX_DEPTH, lines, open_input, records, strict_loads, with_fields

try:
    import zstandard
except ImportError:  # pragma: no cover - an optional dependency
    zstandard = None

BOM = b"\xef\xbb\xbf"
DATA = b'{"text": "A b c."}\n' * 3 + '{"text": "Hà Nội"}\n'.encode()

COMPRESSORS = {
    "gzip": gzip.compress,
    "bzip2": bz2.compress,
    "xz": lzma.compress,
    "zstd": (lambda b: zstandard.ZstdCompressor().compress(b)) if zstandard else None,
}


def compressor(kind: str) -> Any:
    if COMPRESSORS[kind] is None:
        pytest.skip("zstandard is not installed")
    return COMPRESSORS[kind]


def read(path: str | Path) -> bytes:
    with open_input(str(path)) as stream:
        return stream.read()


class Trickle(io.RawIOBase):
    """A pipe that hands over one byte per read, and has no peek."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if not self.data:
            return 0
        buffer[0] = self.data[0]
        self.data = self.data[1:]
        return 1


@pytest.fixture
def stdin(monkeypatch: pytest.MonkeyPatch):
    def feed(data: bytes | io.RawIOBase) -> None:
        raw = io.BytesIO(data) if isinstance(data, bytes) else data
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(raw))  # type: ignore[arg-type]

    return feed


# -- opening ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", COMPRESSORS)
def test_compressed_files_and_stdin_by_their_first_bytes(kind: str, tmp_path: Path, stdin) -> None:
    packed = compressor(kind)(DATA)
    path = tmp_path / "crawl.jsonl"  # no telling suffix: the bytes decide
    path.write_bytes(packed)
    assert read(path) == DATA
    path.write_bytes(packed + compressor(kind)(BOM + DATA))  # two members; a BOM inside is data
    assert read(path) == DATA + BOM + DATA
    stdin(packed)
    assert read("-") == DATA
    stdin(Trickle(packed))
    assert read("-") == DATA


@pytest.mark.parametrize("kind", COMPRESSORS)
def test_corrupt_or_truncated_compressed_input_names_the_file(kind: str, tmp_path: Path) -> None:
    packed = compressor(kind)(DATA * 50)
    path = tmp_path / "bad.gz"
    for broken in (packed[: len(packed) // 2], packed[:-1], packed[:8] + bytes(40) + packed[48:], packed + b"junk"):
        path.write_bytes(broken)
        with pytest.raises(InputError, match=f"^{path}: corrupt {kind} data: "):
            read(path)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(["gzip", "bzip2", "xz"]), cut=st.integers(0, 400), flips=st.lists(st.integers(0, 400)))
def test_any_damage_to_compressed_input_is_an_input_error(
    kind: str, cut: int, flips: list[int], tmp_path: Path
) -> None:
    packed = bytearray(COMPRESSORS[kind](DATA * 20))  # type: ignore[misc]
    for at in flips:
        packed[at % len(packed)] ^= 0x5A
    path = tmp_path / "x"
    path.write_bytes(bytes(packed[: len(packed) - cut % len(packed)]))
    try:
        read(path)
    except InputError as err:
        assert str(err).startswith(f"{path}: ")


def test_zstd_without_zstandard(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "a.zst"
    path.write_bytes(b"\x28\xb5\x2f\xfd" + bytes(20))
    monkeypatch.setitem(sys.modules, "zstandard", None)
    with pytest.raises(InputError, match=f"^{path}: zstd-compressed; pip install zstandard$"):
        read(path)


def test_bom_is_skipped_at_the_start_only(tmp_path: Path, stdin) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(BOM + b"text" + BOM)
    assert read(path) == b"text" + BOM
    for data in (BOM, BOM[:2], b"", b"\x1f"):
        path.write_bytes(data)
        assert read(path) == (b"" if data == BOM else data)
    stdin(Trickle(BOM + b"x"))
    assert read("-") == b"x"


def test_unopenable_inputs_are_one_line(tmp_path: Path) -> None:
    for path, why in ((tmp_path / "missing", "No such file or directory"), (tmp_path, "Is a directory")):
        with pytest.raises(InputError) as caught:
            read(path)
        assert str(caught.value) == f"{path}: {why}"


def test_stdin_is_left_open(stdin) -> None:
    stdin(b"abc")
    assert read("-") == b"abc"
    assert read("-") == b""
    assert not sys.stdin.buffer.closed


# -- lines and records -----------------------------------------------------------------------


def test_lines_hold_at_most_the_limit() -> None:
    data = b"x" * 10 + b"\n" + b"y" * 4 + b"\n" + b"z" * 5
    assert list(lines(io.BytesIO(data), max_line_bytes=4)) == [(1, b"xxxxx", 0), (2, b"yyyy\n", 11), (3, b"zzzzz", 16)]
    assert list(lines(io.BytesIO(data))) == [(1, b"x" * 10 + b"\n", 0), (2, b"yyyy\n", 11), (3, b"zzzzz", 16)]


def bad(line: bytes, **kw: Any) -> str:
    with pytest.raises(InputError) as caught:
        list(records(io.BytesIO(b'{"text": "ok"}\n' + line + b"\n"), "in.jsonl", **kw))
    return str(caught.value)


@pytest.mark.parametrize(
    "line, reason",
    [
        (b'{"text": NaN}', "NaN is not JSON"),
        (b'{"text": "a", "n": [Infinity]}', "Infinity is not JSON"),
        (b'{"text": "a", "n": -Infinity}', "-Infinity is not JSON"),
        (b'{"text": "a", "text": "b"}', "duplicate key 'text'"),
        (b'{"text": "a", "m": [{"k": 1, "k": 1}]}', "duplicate key 'k'"),
        (b'{"text": "\\ud800"}', "a lone surrogate \\ud800 (half of a pair, not a character)"),
        (b'{"text": "a", "\\udfff": 1}', "a lone surrogate \\udfff (half of a pair, not a character)"),
        (b'{"text": "\\ud800\\u0041"}', "a lone surrogate \\ud800 (half of a pair, not a character)"),
        (b'{"text": "a", "n": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "nested more than 512 deep"),
        (b"[" * 100_000, "nested more than 512 deep"),
        (b'{"text": "a", "n": ' + b"9" * 5000 + b"}", "a number with more than 4300 digits"),
        (b'{"text": "a"} x', "not valid JSON (Extra data at column 15)"),
        (b'{"text": "a\x01"}', "not valid JSON (Invalid control character at column 12)"),
        (BOM + b'{"text": "a"}', "not valid JSON (a byte order mark at column 1; only the input may start with one)"),
        (b"\xc2\xa0", "not valid JSON (Expecting value at column 1)"),
        (b'"text"', "a JSON str, not an object"),
        (b'{"text": null}', "has a non-string field 'text'"),
        (b'{"body": "a"}', "has no field 'text'"),
    ],
)
def test_bad_lines(line: bytes, reason: str) -> None:
    assert bad(line) == f"in.jsonl: line 2: {reason}"


def test_strict_json_that_python_and_rfc_agree_on_is_good() -> None:
    good = '{"text": "\\ud83d\\ude00 \\u00e9 \\\\ud800", "n": [1e400, -0, 0.5E-3, true, false, null, {}], "": ""}'
    [(line, raw, record, text)] = records(io.BytesIO(good.encode() + b"\r\n"), "in")
    assert (line, raw, text) == (1, good.encode(), "😀 é \\ud800")
    assert record["n"][0] == float("inf")


def test_depth_limit_is_exact_and_cheap() -> None:
    def nested(depth: int) -> bytes:
        return b'{"text": "", "n": ' + b"[" * (depth - 1) + b"]" * (depth - 1) + b"}"

    assert len(list(records(io.BytesIO(nested(MAX_DEPTH)), "in"))) == 1
    assert bad(nested(MAX_DEPTH + 1)) == "in.jsonl: line 2: nested more than 512 deep"
    assert bad(nested(10), max_depth=9) == "in.jsonl: line 2: nested more than 9 deep"
    brackets_in_strings = b'{"text": "' + b"[{" * 10_000 + b'"}'
    assert len(list(records(io.BytesIO(brackets_in_strings), "in"))) == 1
    start = time.perf_counter()  # an unclosed string full of escaped quotes: linear, not quadratic
    assert bad(b"[" * 600 + b'"' + b'\\"' * 200_000).endswith("nested more than 512 deep")
    assert bad(b"[" * 10 + b'"' + b'\\"' * 200_000 + b"[" * 600).startswith("in.jsonl: line 2: not valid JSON")
    assert time.perf_counter() - start < 5


def test_long_lines() -> None:
    data = b'{"text": "' + b"a" * 100 + b'"}\n{"text": "b"}\n'
    assert bad(data, max_line_bytes=50) == "in.jsonl: line 2: longer than 50 bytes (the limit)"
    kept = list(records(io.BytesIO(data), "in", skip_bad_lines=True, max_line_bytes=50))
    assert [(r.line, r.text) for r in kept] == [(2, "b")]
    exact = b'{"text": "' + b"a" * 38 + b'"}'  # 50 bytes: at the limit is fine
    assert len(list(records(io.BytesIO(exact + b"\n"), "in", max_line_bytes=50))) == 1


def test_invalid_utf8() -> None:
    line = b'{"text": "a\xff", "x": "\xfe"}'
    with pytest.raises(DecodeError) as caught:
        list(records(io.BytesIO(b'{"text": "ok"}\n' + line), "in"))
    assert (str(caught.value), caught.value.offset) == ("in: line 2: invalid UTF-8 at byte 26: invalid start byte", 26)
    [_, got] = records(io.BytesIO(b'{"text": "ok"}\n' + line), "in", errors="replace")
    assert (got.raw, got.text) == ('{"text": "a\ufffd", "x": "\ufffd"}'.encode(), "a\ufffd")
    with pytest.raises(OptionsError, match="errors must be one of"):
        list(records(io.BytesIO(b""), "in", errors="surrogateescape"))


def test_skipping_reports_each_bad_line_and_keeps_going() -> None:
    seen: list[InputError] = []
    data = b'{"text": "a"}\n  \t\n{"text": NaN}\n\xff\n\r\n{"text": "b"}'
    kept = list(records(io.BytesIO(data), "in", skip_bad_lines=True, on_skip=seen.append))
    assert [(r.line, r.text) for r in kept] == [(1, "a"), (6, "b")]
    assert [str(e) for e in seen] == [
        "in: line 3: NaN is not JSON",
        "in: line 4: invalid UTF-8 at byte 32: invalid start byte",
    ]
    assert isinstance(seen[0], RecordError) and isinstance(seen[1], DecodeError)


def test_strict_loads_agrees_with_json_on_what_both_accept() -> None:
    for text in ('{"a": [1, 2.5, "x", null, true]}', '"\\ud83d\\ude00"', "[]", "-0.0e+1"):
        assert strict_loads(text) == json.loads(text)


# -- writing back ----------------------------------------------------------------------------


def test_with_fields_examples() -> None:
    assert with_fields(b'{"text": "a", "n": 1E+3}', {"text": "b"}) == b'{"text": "b", "n": 1E+3}'
    assert with_fields(b'{"t\\u0065xt": "a"}', {"text": "b"}) == b'{"t\\u0065xt": "b"}'
    assert with_fields(b'{"a": {"text": 1}}', {"text": 2}) == b'{"a": {"text": 1}, "text": 2}'
    assert with_fields(b'\t{ "a":1 ,"b" :2 }\r', {"b": [], "c": "é"}) == b'\t{ "a":1 ,"b" :[], "c": "\xc3\xa9" }\r'
    assert with_fields(b"{}", {"a": 1, "b": 2}) == b'{"a": 1, "b": 2}'
    assert with_fields(b'{"a": 1, "a": 2}', {"a": 3}) == b'{"a": 3, "a": 3}'
    assert with_fields(b'{"a": 1}', {}) == b'{"a": 1}'
    for not_an_object in (b"[1]", b'{"a" 1}', b'{"a": 1', b'{"a": 1} 2', b"{1: 2}", b'{"a": 1,}'):
        with pytest.raises(ValueError):
            with_fields(not_an_object, {"a": 2})
    with pytest.raises(ValueError):
        with_fields(b"{}", {"a": float("nan")})


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(exclude_categories=("Cs",))),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(st.characters(exclude_categories=("Cs",)), max_size=5), children, max_size=4)
    ),
    max_leaves=12,
)
keys = st.sampled_from(["text", "id", "duplicate_of", "newsclean", "é", 'q"uote', ""]) | st.text(max_size=4).filter(
    lambda k: not any(0xD800 <= ord(c) <= 0xDFFF for c in k)
)


class Writer:
    """JSON written many ways (spacing, escapes, number spellings), remembering where each
    top-level value is."""

    def __init__(self, draw: Any) -> None:
        self.draw = draw

    def ws(self) -> str:
        return self.draw(st.sampled_from(["", "", " ", "  ", "\t", "\n", " \r\n "]))

    def string(self, s: str) -> str:
        out = []
        for c in s:
            escape = self.draw(st.integers(0, 3)) == 0
            if c in '"\\' or ord(c) < 0x20 or escape:
                if ord(c) > 0xFFFF:
                    hi, lo = divmod(ord(c) - 0x10000, 0x400)
                    out.append(f"\\u{0xD800 + hi:04x}\\u{0xDC00 + lo:04X}")
                else:
                    out.append(f"\\u{ord(c):04x}")
            else:
                out.append(c)
        return '"' + "".join(out) + '"'

    def value(self, v: Any) -> str:
        if isinstance(v, str):
            return self.string(v)
        if isinstance(v, bool) or v is None:
            return json.dumps(v)
        if isinstance(v, int):
            return self.draw(st.sampled_from([str(v), f"{v}e0", f"{v}.0E+0"])) if abs(v) < 2**50 else str(v)
        if isinstance(v, float):
            return repr(v) if self.draw(st.booleans()) else f"{v:.17e}"
        if isinstance(v, list):
            return "[" + self.ws() + ",".join(self.value(x) + self.ws() for x in v) + "]"
        return (
            "{"
            + self.ws()
            + ",".join(f"{self.string(k)}{self.ws()}:{self.ws()}{self.value(x)}{self.ws()}" for k, x in v.items())
            + "}"
        )

    def top(self, obj: dict[str, Any]) -> tuple[str, dict[str, tuple[int, int]], int]:
        """The text, the span of each key's value, and where the last value ends."""
        parts, spans = [self.ws() + "{" + self.ws()], {}
        at = len(parts[0])
        last = at
        for i, (k, v) in enumerate(obj.items()):
            head = ("," + self.ws() if i else "") + self.string(k) + self.ws() + ":" + self.ws()
            at += len(head)
            value = self.value(v)
            spans[k] = (at, at + len(value))
            at = last = at + len(value)
            tail = self.ws()
            parts += [head, value, tail]
            at += len(tail)
        parts.append("}" + self.ws())
        return "".join(parts), spans, last


@settings(max_examples=300, deadline=None)
@given(
    data=st.data(),
    obj=st.dictionaries(keys, json_values, max_size=6),
    fields=st.dictionaries(keys, json_values, max_size=3),
)
def test_with_fields_sets_the_fields_and_keeps_every_other_byte(data: Any, obj: dict, fields: dict) -> None:
    text, spans, last = Writer(data.draw).top(obj)
    raw = text.encode("utf-8")
    assert json.loads(raw) == obj
    out = with_fields(raw, fields)
    assert json.loads(out) == {**obj, **fields}
    expected, done = [], 0
    for key, (start, end) in sorted(spans.items(), key=lambda kv: kv[1]):
        if key in fields:
            expected += [text[done:start], json.dumps(fields[key], ensure_ascii=False)]
            done = end
    added = [
        f"{json.dumps(k, ensure_ascii=False)}: {json.dumps(v, ensure_ascii=False)}"
        for k, v in fields.items()
        if k not in obj
    ]
    if added:
        if not obj:
            last = text.index("{") + 1
        expected += [text[done:last], ", " if obj else "", ", ".join(added)]
        done = last
    expected.append(text[done:])
    assert out == "".join(expected).encode("utf-8")


def test_compression_modules_are_imported_only_for_compressed_input(tmp_path: Path) -> None:
    import subprocess

    path = tmp_path / "plain.jsonl"
    path.write_bytes(DATA)
    code = (
        "import sys, newsclean\n"
        "assert 'newsclean._cli.common' not in sys.modules\n"
        "from newsclean._cli.common import open_input, records\n"
        f"with open_input({str(path)!r}) as f: n = len(list(records(f, 'x')))\n"
        "print(n, *sorted(m for m in ('zlib', 'gzip', 'bz2', 'lzma', 'zstandard') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["4"]
    path.write_bytes(gzip.compress(DATA))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["4", "zlib"]


def test_every_compression_written_is_recognised_when_read() -> None:
    """The compressions an output's name chooses are those an input's first bytes are
    recognised by (the two tables name them alike)."""
    from newsclean._cli.common import _MAGIC
    from newsclean._tables import COMPRESSIONS

    assert {kind for _, kind in _MAGIC} == set(COMPRESSIONS.values())
