"""The command as users run it: the installed entry point, in a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys

import newsclean

from .conftest import ROOT, SEED, entry_point

DIRTY = "HANOI (VNA) — The talks ended on Monday.\nThe talks ended on Monday.\n"


def test_version_and_module(run) -> None:
    done = run("--version")
    assert (done.returncode, done.stdout.decode().strip()) == (0, f"newsclean {newsclean.__version__}")
    by_module = subprocess.run([sys.executable, "-m", "newsclean", "--version"], capture_output=True)
    assert by_module.stdout == done.stdout


def test_stdin_dash_and_files(run, tmp_path) -> None:
    f = tmp_path / "a.txt"
    f.write_text(DIRTY, encoding="utf-8")
    expected = b"The talks ended on Monday.\n"
    assert run(input=DIRTY).stdout == expected
    assert run("-", input=DIRTY).stdout == expected
    assert run(str(f), str(f)).stdout == expected * 2


def test_plain_files_read_as_the_parser_reads_them() -> None:
    """``newsclean FILE...`` skips argparse (start-up): it must give what the parser gives."""
    from newsclean._cli import clean

    for argv in ([], ["a.txt"], ["a.txt", "b c.txt", ""], ["dedup.txt", "x"]):
        plain = clean.plain(list(argv))
        assert plain is not None
        assert vars(plain) == vars(clean.parser().parse_args(argv))
    for argv in (["-"], ["a.txt", "-"], ["--check", "a.txt"], ["a.txt", "-1"], ["--"]):
        assert clean.plain(list(argv)) is None


def test_usage_errors_exit_2(run) -> None:
    done = run("--threshold", "2")
    assert done.returncode == 2
    assert done.stderr.decode() == "newsclean: error: threshold must be a number in (0, 1], got 2.0\n"
    assert run("--no-such-flag").returncode == 2
    assert run("--byline", "maybe").returncode == 2


def test_missing_file(run) -> None:
    done = run("nowhere.txt")
    assert (done.returncode, done.stdout) == (1, b"")
    assert done.stderr.decode() == "newsclean: nowhere.txt: No such file or directory\n"


def test_invalid_utf8_names_file_and_byte(run, tmp_path) -> None:
    f = tmp_path / "bad.txt"
    f.write_bytes(b"Good text.\nBad \xff byte.\n")
    done = run(str(f))
    assert (done.returncode, done.stdout) == (1, b"")
    assert done.stderr.decode() == f"newsclean: {f}: invalid UTF-8 at byte 15: invalid start byte\n"
    assert run(input=b"\xc3").stderr.decode() == "newsclean: <stdin>: invalid UTF-8 at byte 0: unexpected end of data\n"
    replaced = run("--errors", "replace", str(f))
    assert (replaced.returncode, replaced.stdout.decode()) == (0, "Good text.\nBad \ufffd byte.\n")


def test_empty_input(run) -> None:
    done = run(input=b"")
    assert (done.returncode, done.stdout, done.stderr) == (0, b"", b"")
    assert run("--jsonl", input=b"").stdout == b""


def test_check(run) -> None:
    dirty = run("--check", input=DIRTY)
    assert (dirty.returncode, dirty.stdout) == (1, b"")
    clean = run("--check", input="Nothing to do here.\n")
    assert (clean.returncode, clean.stdout) == (0, b"")
    assert run("--check", "--jsonl", input=json.dumps({"text": DIRTY}) + "\n").returncode == 1


def test_explain(run) -> None:
    done = run("--explain", str(SEED))
    assert done.returncode == 0
    lines = done.stderr.decode().splitlines()
    assert len(lines) == 8
    assert lines[0].startswith(
        f"{SEED}: line 9: removed paragraph 8 (exact_repeat, dedupe_paragraphs): repeats paragraph 1, similarity 1.000: "
    )
    assert lines[-1] == f"{SEED}: paragraph 7: trailing credit VNA (Vietnam News Agency): '-VNA'"


def test_jsonl_passes_fields_through(run) -> None:
    rows = [{"id": 1, "text": DIRTY, "meta": {"a": [1, 2.5, None]}, "title": "Hà Nội"}, {"text": "Plain.", "id": 2}]
    done = run("--jsonl", input="".join(json.dumps(r) + "\n" for r in rows))
    assert done.returncode == 0
    out = [json.loads(line) for line in done.stdout.decode().splitlines()]
    assert out[0]["text"] == "The talks ended on Monday.\n"
    assert {k: v for k, v in out[0].items() if k not in ("text", "newsclean")} == {
        "id": 1,
        "meta": {"a": [1, 2.5, None]},
        "title": "Hà Nội",
    }
    assert out[0]["newsclean"]["byline"]["location"] == "HANOI"
    assert out[1]["text"] == "Plain." and out[1]["newsclean"]["changed"] is False
    assert '"title": "H\\u00e0 N\\u1ed9i"' in done.stdout.decode()  # the other fields' bytes, as read


def test_jsonl_keeps_the_bytes_of_other_fields(run) -> None:
    line = '{"id": 1e3,  "title": "Hà Nội", "esc": "caf\\u00e9 \\/", "t\\u0065xt": "HANOI (VNA) — A b.", "n": -0.0}\n'
    done = run("--jsonl", input=line)
    assert done.returncode == 0, done.stderr
    head = '{"id": 1e3,  "title": "Hà Nội", "esc": "caf\\u00e9 \\/", "t\\u0065xt": "A b.", "n": -0.0, "newsclean": {'
    assert done.stdout.decode().startswith(head)
    assert json.loads(done.stdout)["text"] == "A b."


def test_jsonl_custom_field(run) -> None:
    done = run("--jsonl", "--field", "body", input=json.dumps({"body": DIRTY, "text": "untouched"}) + "\n")
    row = json.loads(done.stdout)
    assert (row["body"], row["text"]) == ("The talks ended on Monday.\n", "untouched")
    # The report goes to the field "newsclean": the text cannot come from there.
    for field in ("newsclean", "newsclean.text"):
        refused = run("--jsonl", "--field", field, input=json.dumps({"newsclean": DIRTY}) + "\n")
        assert refused.returncode == 2 and refused.stdout == b""
        assert f"--field {field}: the report is written to the field 'newsclean'" in refused.stderr.decode()


def test_jsonl_bad_lines_stop_with_the_line_number(run) -> None:
    good = json.dumps({"text": DIRTY}) + "\n"
    for bad, reason in [
        ("{not json\n", "not valid JSON (Expecting property name enclosed in double quotes at column 2)"),
        ("[1, 2]\n", "a JSON list, not an object"),
        ('{"title": "x"}\n', "has no field 'text'"),
        ('{"text": 5}\n', "has a non-string field 'text'"),
    ]:
        done = run("--jsonl", input=good + bad + good)
        assert done.returncode == 1
        assert done.stderr.decode() == f"newsclean: <stdin>: line 2: {reason}\n"
        assert done.stdout.decode().count("\n") == 1  # the good line before it, whole
        json.loads(done.stdout)


def test_jsonl_skip_bad_lines(run) -> None:
    good = json.dumps({"text": DIRTY}) + "\n"
    done = run("--jsonl", "--skip-bad-lines", input=(good + "oops\n").encode() + b"\xff\n" + good.encode())
    assert done.returncode == 0
    assert len(done.stdout.decode().splitlines()) == 2
    assert done.stderr.decode() == "newsclean: <stdin>: skipped 2 bad lines\n"


def test_jsonl_invalid_utf8_names_line_and_byte(run) -> None:
    data = (json.dumps({"text": "ok"}) + "\n").encode() + b'{"text": "\xff"}\n'
    done = run("--jsonl", input=data)
    assert done.returncode == 1
    assert done.stderr.decode() == "newsclean: <stdin>: line 2: invalid UTF-8 at byte 25: invalid start byte\n"


def test_broken_pipe_is_quiet() -> None:
    big = ("A paragraph of scraped news text that goes on for a while. " * 3 + "\n") * 50_000
    cmd = f"{entry_point()} --no-dedupe-paragraphs | head -c 100 > /dev/null; echo ${{PIPESTATUS[0]}}"
    done = subprocess.run(["bash", "-c", cmd], input=big.encode(), capture_output=True, timeout=120, cwd=ROOT)
    assert done.stderr == b""
    assert done.stdout.decode().strip() in ("0", "141")


def test_options_reach_the_library(run) -> None:
    text = "The talks ended.-VNA\n"
    assert run("--byline", "keep", input=text).stdout.decode() == text
    assert run("--no-dedupe-paragraphs", input="A b c.\nA b c.\n").stdout.decode() == "A b c.\nA b c.\n"
