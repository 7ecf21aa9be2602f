"""The README's examples run, and say what they do.

Every ```python block of README.md runs, in order, in one namespace, from the repository
root. Where a line's comment is a Python value (``result.byline.agency  # 'VNA'``), or a
call of the result's type (``# Removal(index=8, duplicate_of=1, ...)``), the value must
match it: the fields written out must be equal, ``...`` stands for the rest.

The ```sh blocks that call ``.venv/bin/newsclean`` run (with bash, ``pipefail`` on) with the
entry point installed next to this interpreter; the set-up, test and benchmark commands are
listed in ``NOT_RUN``, and any other command fails the test until it is run here or listed
there. Paths under ``/tmp/`` in the examples are redirected to the test's own temporary
directory.

The helpers are shared with tests/test_docs.py, which runs the examples of the docs site.
"""

from __future__ import annotations

import ast
import io
import re
import shlex
import subprocess
import tokenize
from pathlib import Path
from typing import Any

import pytest

from .conftest import ROOT, SEED, entry_point

README = ROOT / "README.md"

# Commands of the README that are not examples: setting up, running the tests (this test is
# one of them), the benchmark.
NOT_RUN = (
    "python3 -m venv .venv",
    ".venv/bin/python -m pytest",
    ".venv/bin/python benchmarks/",
    ".venv/bin/pip install rensa matplotlib",  # (the benchmarks' own dependencies)
)

FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```\s*$", re.S | re.M)


def fenced_blocks(text: str, language: str | None = None) -> list[tuple[str, str, int]]:
    """``(language, code, first line number)`` of each fenced block (``{directive}`` fences
    of MyST are not code and are left out)."""
    blocks = []
    for m in FENCE.finditer(text):
        if language is None or m.group(1) == language:
            blocks.append((m.group(1), m.group(2), text.count("\n", 0, m.start(2)) + 1))
    return blocks


def run_python(code: str, namespace: dict[str, Any], where: str) -> None:
    """Run ``code`` statement by statement in ``namespace``, checking the values that
    comments spell out."""
    tree = ast.parse(code, where)
    comments = _comments(code)
    lines = code.splitlines()
    for stmt in tree.body:
        if isinstance(stmt, ast.Expr):
            target = stmt.value
            if (
                isinstance(target, ast.Call)
                and isinstance(target.func, ast.Name)
                and target.func.id == "print"
                and len(target.args) == 1
                and not target.keywords
            ):
                target = target.args[0]  # print(x)  # value: check x
            value = eval(compile(ast.Expression(target), where, "eval"), namespace)
            expected = _expected(stmt, comments, lines)
            if expected is not None:
                _check(value, expected, f"{where}, line {stmt.lineno}: {ast.get_source_segment(code, stmt)}")
        else:
            exec(compile(ast.Module([stmt], type_ignores=[]), where, "exec"), namespace)


def _comments(code: str) -> dict[int, str]:
    found = {}
    for tok in tokenize.generate_tokens(io.StringIO(code).readline):
        if tok.type == tokenize.COMMENT:
            found[tok.start[0]] = tok.string[1:].strip()
    return found


def _expected(stmt: ast.stmt, comments: dict[int, str], lines: list[str]) -> ast.expr | None:
    """The comment after a statement (on its last line, continued on comment-only lines
    below it), parsed as an expression; None if it is prose."""
    end = stmt.end_lineno or stmt.lineno
    parts = [comments[end]] if end in comments else []
    n = end + 1
    while True:
        if parts:
            try:
                return ast.parse(" ".join(parts), mode="eval").body
            except SyntaxError:
                pass
        if n <= len(lines) and lines[n - 1].lstrip().startswith("#") and n in comments:
            parts.append(comments[n])
            n += 1
            continue
        return None


def _check(value: Any, expected: ast.expr, what: str) -> None:
    try:
        literal = ast.literal_eval(expected)
    except ValueError:
        pass
    else:
        assert value == literal, f"{what}: got {value!r}, the comment says {literal!r}"
        return
    if isinstance(expected, ast.Call) and isinstance(expected.func, ast.Name):
        assert type(value).__name__ == expected.func.id, (
            f"{what}: got {value!r}, the comment says {expected.func.id}(...)"
        )
        assert all(isinstance(a, ast.Constant) and a.value is Ellipsis for a in expected.args), what
        for kw in expected.keywords:
            want = ast.literal_eval(kw.value)
            got = getattr(value, kw.arg or "")
            assert got == want, f"{what}: {kw.arg} is {got!r}, the comment says {want!r}"


def shell_commands(text: str) -> list[str]:
    """The commands of the ```sh blocks (continuation lines joined)."""
    commands = []
    for _, code, _ in fenced_blocks(text, "sh"):
        for line in code.replace("\\\n", " ").splitlines():
            line = line.split(" #", 1)[0].strip() if not line.lstrip().startswith("#") else ""
            if line:
                commands.append(line)
    return commands


# -- the tests -----------------------------------------------------------------------------


def test_readme_has_examples() -> None:
    text = README.read_text(encoding="utf-8")
    assert len(fenced_blocks(text, "python")) >= 2
    assert any(c.startswith(".venv/bin/newsclean") for c in shell_commands(text))


def test_python_examples_run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(ROOT)
    namespace: dict[str, Any] = {"__name__": "__readme__"}
    text = README.read_text(encoding="utf-8")
    for _, code, line in fenced_blocks(text, "python"):
        run_python(code.replace("/tmp/", f"{tmp_path}/"), namespace, f"README.md:{line}")
    assert namespace["result"].byline.agency == "VNA"


def test_shell_examples_run(tmp_path: Path) -> None:
    text = README.read_text(encoding="utf-8")
    ran = 0
    for command in shell_commands(text):
        if command.startswith(NOT_RUN):
            continue
        assert shlex.split(command)[0] == ".venv/bin/newsclean", (
            f"README.md runs {command!r}: run it in tests/test_readme.py, or list it in NOT_RUN"
        )
        # /tmp/ first: the entry point itself may live under /tmp (a CI checkout there).
        script = command.replace("/tmp/", f"{tmp_path}/").replace(".venv/bin/newsclean", shlex.quote(entry_point()))
        done = subprocess.run(["bash", "-c", "set -o pipefail; " + script], cwd=ROOT, capture_output=True, timeout=120)
        # A reader closing the pipe early (| head) stops the command with 141, as documented.
        ok = (0, 141) if "| head" in command else (0,)
        assert done.returncode in ok, f"{command}: exit {done.returncode}\n{done.stderr.decode()}"
        ran += 1
    assert ran >= 1


def test_explain_output_is_as_shown() -> None:
    """The README's `--explain` output is what the command says (a line `...` stands for
    lines left out, `...` in a line for text left out), and `newsclean
    examples/vna-asean-somtc.txt` prints examples/vna-asean-somtc.clean.txt."""
    text = README.read_text(encoding="utf-8")
    shown = [code for _, code, _ in fenced_blocks(text, "text") if code.startswith("examples/vna-asean-somtc.txt: ")]
    assert len(shown) == 1
    done = subprocess.run(
        [entry_point(), "--explain", "examples/vna-asean-somtc.txt"], cwd=ROOT, capture_output=True, timeout=120
    )
    said = done.stderr.decode().splitlines()
    for line in shown[0].splitlines():
        if line.strip() != "...":
            pattern = re.compile(".*".join(map(re.escape, line.split("..."))))
            assert any(pattern.fullmatch(s) for s in said), f"README shows {line!r}; --explain says:\n" + "\n".join(
                said
            )
    clean = ROOT / "examples" / "vna-asean-somtc.clean.txt"
    assert done.stdout.decode() == clean.read_text(encoding="utf-8")
    assert len(clean.read_text(encoding="utf-8").splitlines()) == 8  # "prints the 8 paragraphs"


def test_seed_is_as_described() -> None:
    """ "15 lines; lines 9-15 repeat lines 2-8, and the credit is glued to the last sentence"."""
    lines = SEED.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 15
    assert lines[8:15] == lines[1:8]
    assert lines[-1].endswith(".-VNA")
