"""Hostile input to the commands: no traceback, one line naming the place, strict JSON out.

End to end through the installed command for each kind of bad input, and property tests that
feed ``cli.main`` (in process, for speed) random bytes and random JSON-ish lines.
"""

from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
import re
import sys
from contextlib import redirect_stderr
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsclean import cli

GOOD = b'{"id": 1, "text": "HANOI (VNA) \xe2\x80\x94 The talks ended.\\nThe talks ended."}'
CLEAN_TEXT = "The talks ended.\n"


def strict_json_line(line: bytes) -> dict[str, Any]:
    """``line`` parsed, asserting it is RFC 8259 JSON in UTF-8: an independent check."""
    text = line.decode("utf-8")

    def unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        assert len({k for k, _ in pairs}) == len(pairs), f"duplicate key in {line!r}"
        return dict(pairs)

    def refuse(name: str) -> Any:
        raise AssertionError(f"{name} in {line!r}")

    value = json.loads(text, object_pairs_hook=unique, parse_constant=refuse)
    strings = json.dumps(value, ensure_ascii=False)
    assert not re.search("[\ud800-\udfff]", strings), f"lone surrogate in {line!r}"
    assert isinstance(value, dict)
    return value


# -- end to end, through the installed command ------------------------------------------------

HOSTILE = {
    "100,000-deep nesting": (
        b'{"text": "a", "n": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        "nested more than 512 deep",
    ),
    "a 5,000-digit number": (b'{"text": "a", "n": ' + b"7" * 5000 + b"}", "a number with more than 4300 digits"),
    "a lone surrogate": (b'{"text": "a \\udc00 b"}', "a lone surrogate \\udc00 (half of a pair, not a character)"),
    "NaN": (b'{"text": "a", "score": NaN}', "NaN is not JSON"),
    "Infinity": (b'{"text": "a", "score": -Infinity}', "-Infinity is not JSON"),
    "a duplicate key": (b'{"text": "a", "meta": {"k": 1, "k": 2}}', "duplicate key 'k'"),
    "invalid UTF-8": (b'{"text": "a\xc3("}', "invalid UTF-8 at byte {offset}: invalid continuation byte"),
}


@pytest.mark.parametrize("case", HOSTILE)
def test_a_hostile_line_stops_the_file_naming_its_line(run, case: str) -> None:
    line, reason = HOSTILE[case]
    data = GOOD + b"\n" + line + b"\n" + GOOD + b"\n"
    done = run("--jsonl", input=data)
    assert done.returncode == 1
    offset = len(GOOD) + 1 + line.index(b"\xc3(") if b"\xc3(" in line else 0
    assert done.stderr.decode() == f"newsclean: <stdin>: line 2: {reason.format(offset=offset)}\n"
    [out] = done.stdout.splitlines()  # the good line before it, whole
    assert strict_json_line(out)["text"] == CLEAN_TEXT


@pytest.mark.parametrize("case", HOSTILE)
def test_a_hostile_line_is_skipped_and_counted(run, case: str) -> None:
    line, _ = HOSTILE[case]
    data = GOOD + b"\n" + line + b"\n" + GOOD + b"\n"
    done = run("--jsonl", "--skip-bad-lines", input=data)
    assert (done.returncode, done.stderr.decode()) == (0, "newsclean: <stdin>: skipped 1 bad line\n")
    assert [strict_json_line(out)["id"] for out in done.stdout.splitlines()] == [1, 1]


@pytest.mark.parametrize("case", HOSTILE)
def test_newsclean_dedup_refuses_the_same_lines(run, case: str) -> None:
    line, reason = HOSTILE[case]
    done = run("dedup", input=GOOD + b"\n" + line + b"\n")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr.decode()
    assert f"<stdin>: line 2: {reason.split('{')[0]}" in done.stderr.decode()
    skipped = run("dedup", "--skip-bad-lines", input=GOOD + b"\n" + line + b"\n")
    assert skipped.returncode == 0 and "1 bad line skipped" in skipped.stderr.decode()


COMPRESS = {"gzip": gzip.compress, "bzip2": bz2.compress, "xz": lzma.compress}


@pytest.mark.parametrize("kind", COMPRESS)
def test_compressed_input_from_files_and_stdin(run, kind: str, tmp_path: Path) -> None:
    data = (GOOD + b"\n") * 3
    plain = run("--jsonl", input=data)
    packed = COMPRESS[kind](data)
    path = tmp_path / "crawl.jsonl"  # the name does not say; the first bytes do
    path.write_bytes(packed)
    for done in (run("--jsonl", str(path)), run("--jsonl", input=packed), run("--jsonl", "-", input=packed)):
        assert (done.returncode, done.stdout, done.stderr) == (0, plain.stdout, b"")
    deduped = run("dedup", str(path))
    assert deduped.returncode == 0 and len(deduped.stdout.splitlines()) == 1
    text = run(input=COMPRESS[kind](b"HANOI (VNA) \xe2\x80\x94 The talks ended.\n"))
    assert text.stdout == b"The talks ended.\n"


@pytest.mark.parametrize("kind", COMPRESS)
def test_corrupt_compressed_input_is_one_line(run, kind: str, tmp_path: Path) -> None:
    packed = COMPRESS[kind]((GOOD + b"\n") * 200)
    path = tmp_path / "crawl.jsonl"
    path.write_bytes(packed[: len(packed) // 2])
    for done, name in ((run("--jsonl", str(path)), str(path)), (run("--jsonl", input=packed[:-3]), "<stdin>")):
        assert done.returncode == 1
        assert re.fullmatch(f"newsclean: {re.escape(name)}: corrupt {kind} data: [^\n]+\n", done.stderr.decode())
        for out in done.stdout.splitlines():
            strict_json_line(out)


def test_zstd(run, tmp_path: Path) -> None:
    zstandard = pytest.importorskip("zstandard")
    data = (GOOD + b"\n") * 2
    done = run("--jsonl", input=zstandard.ZstdCompressor().compress(data))
    assert (done.returncode, done.stdout, done.stderr) == (0, run("--jsonl", input=data).stdout, b"")


def test_text_that_begins_as_a_bzip2_header_is_text(run) -> None:
    """Only "BZh" and a block size (1-9) begin a bzip2 file, as bzip2 itself checks."""
    assert run(input=b"BZh is how this line begins.\n").stdout == b"BZh is how this line begins.\n"
    assert run(input=b"BZhX and more.\n").stdout == b"BZhX and more.\n"
    assert run(input=bz2.compress(b"Text.\n")).stdout == b"Text.\n"
    assert (run(input=bz2.compress(b"")).returncode, run(input=bz2.compress(b"")).stdout) == (0, b"")


def test_empty_paths_are_usage_errors(run) -> None:
    """An empty path was taken as no flag at all: no index kept, stdout written."""
    for args in (
        ["-o", ""],
        ["--output-dir", ""],
        ["dedup", "-o", ""],
        ["dedup", "--index", ""],
        ["dedup", "--groups", ""],
    ):
        done = run(*args, input=GOOD + b"\n")
        assert done.returncode == 2 and done.stdout == b"" and "is empty: give a path" in done.stderr.decode(), args
    assert "--redis is empty: give a URL" in run("dedup", "--redis", "", input=b"").stderr.decode()


def test_a_document_larger_than_memory_is_one_line(tmp_path: Path) -> None:
    """/dev/zero never ends: under a memory limit, the text command runs out of memory,
    which is a message and exit status 1, not a traceback."""
    import resource
    import subprocess

    from .conftest import entry_point

    def limited() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    done = subprocess.run([entry_point(), "/dev/zero"], capture_output=True, preexec_fn=limited, timeout=120)
    assert done.returncode == 1 and done.stdout == b""
    assert done.stderr.decode().startswith("newsclean: out of memory (a document larger than the memory")


def test_bom(run, tmp_path: Path) -> None:
    bom = b"\xef\xbb\xbf"
    data = (GOOD + b"\n") * 2
    expected = run("--jsonl", input=data).stdout
    path = tmp_path / "bom.jsonl"
    path.write_bytes(bom + data)
    assert run("--jsonl", str(path)).stdout == expected
    assert run("--jsonl", input=gzip.compress(bom + data)).stdout == expected
    assert run(input=bom + b"Text.\n").stdout == b"Text.\n"
    later = run("--jsonl", input=data + bom + data)  # only the input's start may hold one
    assert later.returncode == 1
    assert later.stderr.decode() == (
        "newsclean: <stdin>: line 3: not valid JSON (a byte order mark at column 1; only the input may start with one)\n"
    )


def test_unreadable_inputs(run, tmp_path: Path) -> None:
    assert run("--jsonl", str(tmp_path)).stderr.decode() == f"newsclean: {tmp_path}: Is a directory\n"
    locked = tmp_path / "locked.jsonl"
    locked.write_bytes(GOOD)
    locked.chmod(0)
    try:
        done = run("--jsonl", str(locked), str(tmp_path / "missing"))
        lines = done.stderr.decode().splitlines()
        assert done.returncode == 1
        assert lines[-1] == f"newsclean: {tmp_path / 'missing'}: No such file or directory"
        assert len(lines) == 1 or lines[0] == f"newsclean: {locked}: Permission denied"  # root reads anything
    finally:
        locked.chmod(0o600)


def test_long_lines(run) -> None:
    data = GOOD + b"\n" + b'{"text": "' + b"x" * 5000 + b'"}\n' + GOOD + b"\n"
    done = run("--jsonl", "--max-line-bytes", "1000", input=data)
    assert (done.returncode, done.stderr.decode()) == (
        1,
        "newsclean: <stdin>: line 2: longer than 1000 bytes (the limit)\n",
    )
    skipped = run("--jsonl", "--max-line-bytes", "1000", "--skip-bad-lines", input=data)
    assert (skipped.returncode, len(skipped.stdout.splitlines())) == (0, 2)
    assert run("--jsonl", "--max-line-bytes", "0", input=data).returncode == 2
    # The line ending is not counted, \r\n as \n: a line of exactly the limit passes.
    line = b'{"text": "' + b"x" * 20 + b'"}'
    for ending in (b"\n", b"\r\n"):
        for command in (["--jsonl"], ["dedup"]):
            at = run(*command, "--max-line-bytes", str(len(line)), input=line + ending)
            assert at.returncode == 0 and at.stdout, (command, ending)
            over = run(*command, "--max-line-bytes", str(len(line) - 1), input=line + ending)
            assert over.returncode == 1 and "longer than" in over.stderr.decode(), (command, ending)


def test_explain_names_each_skipped_line(run) -> None:
    done = run("--jsonl", "--skip-bad-lines", "--explain", input=b'{"text": NaN}\n{"text": "a", "text": "b"}\n')
    assert done.stderr.decode().splitlines() == [
        "newsclean: skipped <stdin>: line 1: NaN is not JSON",
        "newsclean: skipped <stdin>: line 2: duplicate key 'text'",
        "newsclean: <stdin>: skipped 2 bad lines",
    ]


def test_replace_writes_valid_utf8(run) -> None:
    done = run("--jsonl", "--errors", "replace", input=b'{"text": "a\xff b", "other": "\xfe"}\n')
    assert done.returncode == 0
    row = strict_json_line(done.stdout.rstrip(b"\n"))
    assert (row["text"], row["other"]) == ("a\ufffd b", "\ufffd")


# -- random input, in process ------------------------------------------------------------------


def run_main(args: list[str], data: bytes) -> tuple[int, bytes, str]:
    stdin = io.TextIOWrapper(io.BytesIO(data))
    stdout = io.TextIOWrapper(io.BytesIO())
    stderr = io.StringIO()
    with mock.patch.object(sys, "stdin", stdin), mock.patch.object(sys, "stdout", stdout), redirect_stderr(stderr):
        code = cli.main(args)
    stdout.flush()
    return code, stdout.buffer.getvalue(), stderr.getvalue()  # type: ignore[attr-defined]


FRAGMENTS = [
    "{", "}", "[", "]", ":", ",", " ", "\t", "\r", '"', "\\", "\ufeff", "\x00", "\u2028",
    '"text"', '"text": ', '"id": ', '"a"', '"t\\u0065xt"', "null", "true", "1e999", "-0", "0.5E-3",
    "NaN", "Infinity", "-Infinity", "9" * 5000, '"\\ud800"', '"\\udc00\\ud800"', '"\\ud83d\\ude00"',
    '"HANOI (VNA) \u2014 The talks ended."', '"x\\ny\\nx"', '"caf\\u00e9"', "[" * 600, "]" * 600,
]  # fmt: skip

json_ish_line = st.one_of(
    st.lists(st.sampled_from(FRAGMENTS), max_size=12).map("".join).map(str.encode),
    st.dictionaries(
        st.sampled_from(["text", "id", "body", "newsclean", "é"]),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
            lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=3), c, max_size=3),
            max_leaves=6,
        ),
        max_size=4,
    ).map(lambda d: json.dumps(d, ensure_ascii=False).encode("utf-8", "surrogatepass")),
    st.binary(max_size=40),
)


def json_ish(lines: list[bytes], cut: int, compress: str | None) -> bytes:
    data = b"\n".join(lines)
    if compress == "gzip":
        data = gzip.compress(data)
    elif compress == "bzip2":
        data = bz2.compress(data)
    return data[: len(data) - cut] if cut < len(data) else data


flags = st.lists(
    st.sampled_from([["--skip-bad-lines"], ["--errors", "replace"], ["--explain"], ["--check"], ["--field", "body"]]),
    max_size=3,
    unique_by=lambda f: f[0],
).map(lambda fs: [a for f in fs for a in f])


def check_jsonl_run(args: list[str], data: bytes) -> None:
    code, out, err = run_main(["--jsonl", *args], data)
    assert code in (0, 1, 2), (code, err)
    assert "Traceback" not in err
    if out:
        assert out.endswith(b"\n")
    field = args[args.index("--field") + 1] if "--field" in args else "text"
    for line in out.splitlines():
        row = strict_json_line(line)
        assert isinstance(row[field], str) and "newsclean" in row
    if code == 0 and "--skip-bad-lines" not in args:
        assert err == "" or "--explain" in args


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    lines=st.lists(json_ish_line, max_size=6),
    cut=st.integers(0, 5),
    compress=st.sampled_from([None, None, "gzip", "bzip2"]),
    args=flags,
)
def test_random_json_ish_lines(lines: list[bytes], cut: int, compress: str | None, args: list[str]) -> None:
    check_jsonl_run(args, json_ish(lines, cut if compress else 0, compress))


@settings(max_examples=100, deadline=None)
@given(data=st.binary(max_size=300), args=flags)
def test_random_bytes(data: bytes, args: list[str]) -> None:
    check_jsonl_run(args, data)
    code, out, err = run_main([a for a in args if a not in ("--skip-bad-lines", "--field", "body")], data)
    assert code in (0, 1, 2) and "Traceback" not in err
    out.decode("utf-8")


def test_random_input_through_the_installed_command(run) -> None:
    import random

    rng = random.Random(7)
    for _ in range(5):
        data = b"\n".join(rng.choice(FRAGMENTS).encode() * rng.randint(1, 3) for _ in range(20)) + bytes(
            rng.randrange(256) for _ in range(50)
        )
        for args in (
            ["--jsonl"],
            ["--jsonl", "--skip-bad-lines"],
            [],
            ["dedup"],
            ["dedup", "--skip-bad-lines", "--mark"],
        ):
            done = run(*args, input=data)
            assert done.returncode in (0, 1) and b"Traceback" not in done.stderr
            if args:
                for line in done.stdout.splitlines():
                    strict_json_line(line)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("args", [["--jsonl"], []])
def test_a_full_disk_is_one_line_naming_stdout(args: list[str]) -> None:
    import subprocess

    from .conftest import entry_point

    with open("/dev/full", "wb") as full:
        done = subprocess.run(
            [entry_point(), *args], input=(GOOD + b"\n") * 20_000, stdout=full, stderr=subprocess.PIPE, timeout=120
        )
    assert (done.returncode, done.stderr.decode()) == (1, "newsclean: stdout: No space left on device\n")


def test_closed_stdout_and_stdin() -> None:
    import subprocess

    from .conftest import entry_point

    cmd = f'echo \'{{"text": "a"}}\' | {entry_point()} --jsonl >&-; echo $?; {entry_point()} --jsonl <&-; echo $?'
    done = subprocess.run(["bash", "-c", cmd], capture_output=True, timeout=60)
    assert done.stdout.decode().split() == ["1", "1"]
    assert done.stderr.decode().splitlines() == [
        "newsclean: stdout: it is closed",
        "newsclean: <stdin>: standard input is closed or not a byte stream",
    ]


def test_a_file_name_that_is_not_utf8(run, tmp_path: Path) -> None:
    import os

    name = os.fsdecode(bytes(tmp_path) + b"/caf\xe9.jsonl")
    done = run("--jsonl", name)
    assert done.stderr.decode() == f"newsclean: {tmp_path}/caf\\xe9.jsonl: No such file or directory\n"


# -- the failure-modes page says what the code does ----------------------------------------------

BAD_LINE_EXAMPLES = {
    "not valid JSON (Expecting ',' delimiter at column 23)": b'{"text": "a", "id": 1 "b": 2}',
    "a JSON list, not an object": b"[1, 2]",
    "has no field 'text'": b'{"body": "a"}',
    "has a non-string field 'text'": b'{"text": ["a"]}',
    "NaN is not JSON": b'{"text": "a", "score": NaN}',
    "duplicate key 'id'": b'{"text": "a", "id": 1, "meta": {}, "id": 2}',
    "a lone surrogate \\ud800 (half of a pair, not a character)": b'{"text": "\\ud800"}',
    "nested more than 512 deep": b"[" * 513 + b"]" * 513,
    "a number with more than 4300 digits": b'{"text": "a", "n": -' + b"1" * 4301 + b"}",
    "longer than 268435456 bytes (the limit)": b'{"text": "' + b"a" * 100 + b'"}',
    "not valid JSON (a byte order mark at column 1; only the input may start with one)": b'\xef\xbb\xbf{"text": "a"}',
    "not valid JSON (Invalid control character at column 12)": b'{"text": "a\x01"}',
    "invalid UTF-8 at byte 1234: invalid start byte": b'{"text": "' + b"a" * (1234 - 6 * 22 - 10) + b'\xff"}',
}


def test_the_bad_lines_of_the_failure_modes_page() -> None:
    from newsclean._cli.common import records

    from .conftest import ROOT

    page = (ROOT / "docs" / "failure-modes.md").read_text(encoding="utf-8")
    section = page[page.index("## A bad JSON line") : page.index("## Invalid UTF-8 in text mode")]
    documented = re.findall(r"^\|[^|]+\| `([^`]+)`", section, re.M)
    assert sorted(documented) == sorted(BAD_LINE_EXAMPLES)
    for message, line in BAD_LINE_EXAMPLES.items():
        data = io.BytesIO(b'{"text": "a", "n": 1}\n' * 6 + line + b"\n")
        limit = 50 if message.startswith("longer than") else 256 * 1024 * 1024
        with pytest.raises(ValueError) as caught:
            list(records(data, "crawl.jsonl", max_line_bytes=limit))
        assert str(caught.value) == "crawl.jsonl: line 7: " + message.replace("268435456", str(limit))


@pytest.mark.parametrize("kind", [*COMPRESS, "bom"])
@pytest.mark.parametrize("case", ["NaN", "a duplicate key", "a lone surrogate"])
def test_bad_lines_inside_compressed_or_bom_input(run, kind: str, case: str, tmp_path: Path) -> None:
    line, reason = HOSTILE[case]
    data = GOOD + b"\n" + line + b"\n" + GOOD + b"\n"
    packed = b"\xef\xbb\xbf" + data if kind == "bom" else COMPRESS[kind](data)
    path = tmp_path / "in"
    path.write_bytes(packed)
    stopped = run("--jsonl", str(path))
    assert (stopped.returncode, stopped.stderr.decode()) == (1, f"newsclean: {path}: line 2: {reason}\n")
    assert len(stopped.stdout.splitlines()) == 1
    skipped = run("--jsonl", "--skip-bad-lines", input=packed)
    assert (skipped.returncode, skipped.stderr.decode()) == (0, "newsclean: <stdin>: skipped 1 bad line\n")
    assert [strict_json_line(out)["id"] for out in skipped.stdout.splitlines()] == [1, 1]
