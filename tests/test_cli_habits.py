"""The habits users expect of a cleaning command: subcommands in the usage line, -o and
--output-dir written whole or not at all, a separator between files, --check naming what
would change, --explain as JSON, -q and -v. Through the installed command."""

from __future__ import annotations

import gzip
import json
import os
import stat
import threading
from pathlib import Path

import pytest

DIRTY = "HANOI (VNA) — The talks ended on Monday."  # (no final newline)
CLEAN = "The talks ended on Monday."
REPEAT = "The talks ended.\nThe talks ended.\n"
PLAIN = "Nothing to take out here."


def test_usage_lists_the_subcommand_and_a_file_named_dedup(run, tmp_path: Path) -> None:
    usage = run("--help").stdout.decode().split("\n\n")[0]
    assert usage == "usage: newsclean [options] [FILE ...]\n       newsclean dedup [options] [FILE ...]"
    assert "a file named dedup is cleaned as ./dedup" in " ".join(run("--help").stdout.decode().split())
    assert run("--no-such-flag").stderr.decode().startswith("usage: newsclean [options] [FILE ...]\n")
    (tmp_path / "dedup").write_text(DIRTY)
    for args in (["./dedup"], ["--", "dedup"]):
        by_path = subprocess_in(tmp_path, *args)
        assert (by_path.returncode, by_path.stdout.decode()) == (0, CLEAN)
    assert run("dedup", "--help").stdout.decode().startswith("usage: newsclean dedup [options] [FILE ...]\n")
    # A usage error is the usage line and the error, not every flag of the command.
    assert run("dedup", "--workers", "x").stderr.decode() == (
        "usage: newsclean dedup [options] [FILE ...]\n"
        "newsclean dedup: error: argument --workers: invalid int value: 'x'\n"
    )


def test_output_file(run, tmp_path: Path) -> None:
    a, b, out = tmp_path / "a.txt", tmp_path / "b.txt", tmp_path / "out.txt"
    a.write_text(DIRTY)
    b.write_text(PLAIN)
    done = run("-o", str(out), str(a), str(b))
    assert (done.returncode, done.stdout, done.stderr) == (0, b"", b"")
    assert out.read_text() == run(str(a), str(b)).stdout.decode() == f"{CLEAN}\n{PLAIN}\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.txt", "out.txt"]  # (no temporary file left)
    # An input that cannot be cleaned: the file is left as it was.
    failed = run("--output", str(out), str(b), str(tmp_path / "missing.txt"))
    assert failed.returncode == 1 and out.read_text() == f"{CLEAN}\n{PLAIN}\n"
    assert failed.stderr.decode().endswith(f"newsclean: {out}: not written, as some input could not be cleaned\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.txt", "out.txt"]
    # The output may be the input: it is read before it is replaced.
    assert run("-o", str(a), str(a)).returncode == 0 and a.read_text() == CLEAN
    jsonl = run("--jsonl", "-o", str(out), input=json.dumps({"text": DIRTY}) + "\n")
    assert json.loads(out.read_text())["text"] == CLEAN and jsonl.stdout == b""


@pytest.mark.parametrize("command", [[], ["dedup"]])
def test_output_through_a_link_or_into_a_fifo(run, tmp_path: Path, command: list[str]) -> None:
    """-o follows a symbolic link (the file it names gets the output, the link stays) and
    writes into what is not a regular file (a FIFO, /dev/null, /dev/stdout on a pipe)
    instead of replacing it."""
    line = json.dumps({"id": "a", "text": DIRTY}) + "\n"
    flags = [*command, *([] if command else ["--jsonl"])]
    expected = run(*flags, input=line).stdout
    real, link = tmp_path / "data" / "real.jsonl", tmp_path / "link.jsonl"
    real.parent.mkdir()
    real.write_text("old\n")
    link.symlink_to(real)
    assert run(*flags, "-o", str(link), input=line).returncode == 0
    assert link.is_symlink() and real.read_bytes() == expected
    assert sorted(p.name for p in real.parent.iterdir()) == ["real.jsonl"]
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    assert run(*flags, "-o", str(fifo), input=line).returncode == 0
    reader.join(10)
    assert stat.S_ISFIFO(fifo.lstat().st_mode) and got == [expected]
    # /dev/stdout on a pipe: a link to what no path names (/proc/self/fd/1), written as it is
    piped = run(*flags, "-o", "/dev/stdout", input=line)
    assert (piped.returncode, piped.stdout) == (0, expected)


def test_output_usage_errors(run, tmp_path: Path) -> None:
    check = run("--check", "-o", str(tmp_path / "x"), input=DIRTY)
    assert (check.returncode, check.stderr.decode()) == (
        2,
        "newsclean: error: --check writes nothing: not with --output or --output-dir\n",
    )
    both = run("-o", "x", "--output-dir", "y", input=DIRTY)
    assert both.returncode == 2 and "not allowed with argument" in both.stderr.decode()
    nowhere = run("-o", str(tmp_path / "no" / "out.txt"), input=DIRTY)
    assert nowhere.returncode == 1
    assert nowhere.stderr.decode().startswith(f"newsclean: {tmp_path / 'no' / 'out.txt'}: cannot write there: ")


def test_output_dir_mirrors_the_names(run, tmp_path: Path) -> None:
    (tmp_path / "raw" / "sub").mkdir(parents=True)
    (tmp_path / "raw" / "a.txt").write_text(DIRTY)
    (tmp_path / "raw" / "sub" / "b.txt.gz").write_bytes(gzip.compress(PLAIN.encode()))
    (tmp_path / "raw" / "bad.txt").write_bytes(b"\xff")
    out = tmp_path / "clean"
    done = subprocess_in(tmp_path, "--output-dir", str(out), "raw/a.txt", "raw/sub/b.txt.gz", "raw/bad.txt")
    assert done.returncode == 1  # (bad.txt is not UTF-8)
    assert done.stdout == b"" and "raw/bad.txt: invalid UTF-8 at byte 0" in done.stderr.decode()
    written = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert written == ["raw/a.txt", "raw/sub/b.txt"]  # (no bad.txt, no temporary file; .gz dropped)
    assert (out / "raw" / "a.txt").read_text() == CLEAN  # (one file each: no separator added)
    assert (out / "raw" / "sub" / "b.txt").read_text() == PLAIN
    absolute = run("--output-dir", str(out), str(tmp_path / "raw" / "a.txt"))
    assert absolute.returncode == 0 and (out / str(tmp_path).lstrip("/") / "raw" / "a.txt").read_text() == CLEAN
    assert run("--output-dir", str(out), "-", input=DIRTY).stderr.decode() == (
        "newsclean: error: --output-dir: stdin has no name to write under DIR\n"
    )
    assert run("--output-dir", str(out), "../a.txt").returncode == 2


def test_output_dir_refuses_two_inputs_of_one_output_before_writing(tmp_path: Path) -> None:
    """``a.txt`` and ``a.txt.gz`` would both be written to DIR/a.txt, and with ``.`` as DIR
    ``b.txt.gz`` would be written over the input ``b.txt``: refused before anything is read."""
    (tmp_path / "a.txt").write_text(DIRTY)
    (tmp_path / "a.txt.gz").write_bytes(gzip.compress(PLAIN.encode()))
    (tmp_path / "b.txt").write_text(PLAIN)
    (tmp_path / "b.txt.gz").write_bytes(gzip.compress(DIRTY.encode()))
    both = subprocess_in(tmp_path, "--output-dir", "out", "a.txt", "a.txt.gz")
    assert both.returncode == 2 and not (tmp_path / "out").exists()
    assert both.stderr.decode() == (
        "newsclean: error: --output-dir: 'a.txt' and 'a.txt.gz' would both be written to out/a.txt\n"
    )
    over = subprocess_in(tmp_path, "--output-dir", ".", "b.txt", "b.txt.gz")
    assert over.returncode == 2 and (tmp_path / "b.txt").read_text() == PLAIN
    assert "would both be written to b.txt" in over.stderr.decode()
    over = subprocess_in(tmp_path, "--output-dir", ".", "b.txt.gz", "b.txt")
    assert over.returncode == 2 and (tmp_path / "b.txt").read_text() == PLAIN
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "a.txt").write_text(PLAIN)
    onto = subprocess_in(tmp_path, "--output-dir", "raw", "raw/a.txt", "a.txt")
    assert onto.returncode == 2 and (tmp_path / "raw" / "a.txt").read_text() == PLAIN
    assert (
        onto.stderr.decode() == "newsclean: error: --output-dir: 'a.txt' would be written over the input 'raw/a.txt'\n"
    )
    # In place, each file onto itself, is what `--output-dir .` is for.
    assert subprocess_in(tmp_path, "--output-dir", ".", "a.txt").returncode == 0
    assert (tmp_path / "a.txt").read_text() == CLEAN


def subprocess_in(cwd: Path, *args: str):
    """``run`` with relative paths, from ``cwd``."""
    import subprocess

    from .conftest import entry_point

    return subprocess.run([entry_point(), *args], capture_output=True, cwd=cwd, timeout=120)


def test_several_files_to_one_output_are_separated_by_line_breaks(run, tmp_path: Path) -> None:
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text(DIRTY)
    b.write_text(PLAIN + "\n")
    assert run(str(a)).stdout.decode() == CLEAN  # one file: exactly its clean text
    assert run(str(a), str(b), str(a)).stdout.decode() == f"{CLEAN}\n{PLAIN}\n{CLEAN}\n"


def test_check_names_what_would_change(run, tmp_path: Path) -> None:
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text(DIRTY)
    b.write_text(PLAIN)
    done = run("--check", str(a), str(b))
    assert (done.returncode, done.stdout, done.stderr.decode()) == (1, b"", f"would clean {a}\n")
    assert run("--check", str(b)).stderr == b""  # nothing would change: nothing said
    quiet = run("--check", "-q", str(a), str(b))
    assert (quiet.returncode, quiet.stderr) == (1, b"")
    lines = json.dumps({"text": PLAIN}) + "\n" + json.dumps({"text": DIRTY}) + "\n"
    assert run("--check", "--jsonl", input=lines).stderr.decode() == "would clean <stdin>\n"


def test_explain_as_json(run, tmp_path: Path) -> None:
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text(REPEAT + DIRTY)
    b.write_text(PLAIN)
    done = run("--explain", "--format", "json", str(a), str(b))
    reports = [json.loads(line) for line in done.stderr.decode().splitlines()]
    assert [(r["source"], r["changed"]) for r in reports] == [(str(a), True), (str(b), False)]
    assert reports[0]["removed"][0]["rule"] == "exact_repeat" and reports[0]["byline"]["agency"] == "VNA"
    assert set(reports[1]) == {"source", "byline", "credits", "removed", "changed"}
    lines = json.dumps({"text": PLAIN}) + "\n" + json.dumps({"text": DIRTY}) + "\n"
    jsonl = run("--jsonl", "--explain", "--format", "json", input=lines)
    assert [json.loads(line)["source"] for line in jsonl.stderr.decode().splitlines()] == ["<stdin>:2"]


def test_jsonl_explain_says_nothing_of_a_line_with_nothing_to_remove(run) -> None:
    lines = json.dumps({"text": PLAIN}) + "\n" + json.dumps({"text": DIRTY}) + "\n"
    said = run("--jsonl", "--explain", input=lines).stderr.decode()
    assert said.startswith("<stdin>:2: ") and "<stdin>:1" not in said
    assert run("--jsonl", "--explain", input=lines.splitlines()[0] + "\n").stderr == b""
    assert run("--explain", input=PLAIN).stderr.decode() == "<stdin>: nothing to remove\n"  # (a text file: said)


def test_quiet_and_verbose(run, tmp_path: Path) -> None:
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text(DIRTY)
    b.write_text(PLAIN)
    verbose = run("-v", str(a), str(b))
    assert verbose.stderr.decode() == f"cleaned {a}\n{b} unchanged\nnewsclean: 2 files, 1 cleaned\n"
    assert run("--check", "--verbose", str(a), str(b)).stderr.decode() == (
        f"would clean {a}\n{b} unchanged\nnewsclean: 2 files, 1 would be cleaned\n"
    )
    lines = json.dumps({"text": PLAIN}) + "\n" + "oops\n" + json.dumps({"text": DIRTY}) + "\n"
    jsonl = run("--jsonl", "-v", "--skip-bad-lines", input=lines)
    assert jsonl.stderr.decode() == (
        "newsclean: <stdin>: skipped 1 bad line\n<stdin>: 2 documents, 1 cleaned\nnewsclean: 2 documents in 1 file, 1 cleaned\n"
    )
    quiet = run("--jsonl", "-q", "--skip-bad-lines", input=lines)
    assert (quiet.returncode, quiet.stderr) == (0, b"") and quiet.stdout.count(b"\n") == 2
    assert run("-q", "-v", input=PLAIN).returncode == 2


@pytest.mark.parametrize("command", [[], ["dedup"]])
def test_a_file_replaced_keeps_its_permissions(run, tmp_path: Path, command: list[str]) -> None:
    """-o over a file kept private (0600) leaves it private; a new file gets what the umask
    gives; an index file saved over another keeps its permissions too."""
    line = json.dumps({"id": "a", "text": DIRTY}) + "\n"
    flags = [*command, *([] if command else ["--jsonl"])]
    private, new = tmp_path / "private.jsonl", tmp_path / "new.jsonl"
    private.write_text("old\n")
    private.chmod(0o600)
    assert run(*flags, "-o", str(private), input=line).returncode == 0
    assert stat.S_IMODE(private.stat().st_mode) == 0o600 and private.read_text() != "old\n"
    umask = os.umask(0)
    os.umask(umask)
    assert run(*flags, "-o", str(new), input=line).returncode == 0
    assert stat.S_IMODE(new.stat().st_mode) == 0o666 & ~umask
    if command:
        index = tmp_path / "seen.nci"
        assert run("dedup", "--index", str(index), input=line).returncode == 0
        index.chmod(0o640)
        before = index.stat().st_ino
        again = json.dumps({"id": "b", "text": "Another story altogether, on another day."}) + "\n"
        assert run("dedup", "--index", str(index), input=again).returncode == 0
        assert index.stat().st_ino != before and stat.S_IMODE(index.stat().st_mode) == 0o640  # (replaced)
        # The journal a run appends to holds what the file holds: it gets the file's mode.
        from newsclean import DedupIndex
        from newsclean.index._journal import Journal

        index.chmod(0o600)
        journal = Journal(index, DedupIndex.load(index).params)
        journal.append(DedupIndex.load(index).fingerprint([DIRTY]), ["c"])
        journal.close()
        assert stat.S_IMODE(journal.path.stat().st_mode) == 0o600
