"""The Hugging Face ``datasets`` and polars recipes, run as written (every block, in order,
the shell ones through the installed command), checked against ``newsclean dedup``."""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from .conftest import ROOT, entry_point
from .test_readme import _comments, _expected, fenced_blocks

DOCS = ROOT / "docs"


def run_recipe(page: str, tmp_path: Path, epilogue: str) -> dict[str, Any]:
    """Run ``page`` as a user would: its python blocks, in order, as one script in a fresh
    process (a ``print(x)  # value`` line checks ``x``), its sh blocks between them through
    the installed command, in a scratch copy of examples/; ``epilogue`` (more Python) ends
    the script and returns JSON through ``summary.json``."""
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    lines = [
        "import json, subprocess",
        f"NEWSCLEAN = {entry_point()!r}",
        "def check_(value, expected, where):",
        "    assert value == expected, f'{where}: {value!r}, not {expected!r}'",
    ]
    text = (DOCS / page).read_text(encoding="utf-8")
    for language, code, line in fenced_blocks(text):
        if language == "python":
            comments, source = _comments(code), code.splitlines()
            for stmt in ast.parse(code).body:
                expected = _expected(stmt, comments, source)
                call = stmt.value if isinstance(stmt, ast.Expr) else None
                if expected is not None and isinstance(call, ast.Call) and getattr(call.func, "id", "") == "print":
                    where = f"docs/{page}:{line + stmt.lineno - 1}"
                    lines.append(f"check_({ast.unparse(call.args[0])}, {ast.unparse(expected)}, {where!r})")
                else:
                    lines.append(ast.get_source_segment(code, stmt) or "")
        elif language == "sh":
            for command in code.strip().splitlines():
                assert command.startswith("newsclean ")
                rest = command[len("newsclean") :]
                lines.append(f"subprocess.run(['bash', '-c', 'set -o pipefail; ' + NEWSCLEAN + {rest!r}], check=True)")
    lines.append(textwrap.dedent(epilogue))
    script = tmp_path / "recipe.py"
    script.write_text("\n".join(lines) + "\n", encoding="utf-8")
    env = {**os.environ, "HF_DATASETS_CACHE": str(tmp_path / "hf-cache"), "HF_HUB_OFFLINE": "1"}
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, timeout=600, env=env)
    assert done.returncode == 0, done.stderr.decode()[-3000:]
    return json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))


def kept_by_the_command() -> list[str]:
    done = subprocess.run(
        [entry_point(), "dedup", "--workers", "1", str(ROOT / "examples" / "stories.jsonl")],
        capture_output=True,
        timeout=120,
        check=True,
    )
    return [json.loads(x)["id"] for x in done.stdout.decode().splitlines()]


def test_huggingface_datasets_recipe(tmp_path: Path) -> None:
    if importlib.util.find_spec("datasets") is None:
        pytest.fail("the recipe's test needs datasets: pip install -e '.[test]'")
    got = run_recipe(
        "recipes/huggingface-datasets.md",
        tmp_path,
        """
        alone = stories.map(clean, batched=True, batch_size=1000, num_proc=1)
        json.dump({
            "unique": list(unique["id"]),
            "same_alone": alone.to_list() == cleaned.to_list(),
            "texts": list(cleaned["text"]),
            "agencies": list(cleaned["agency"]),
            "raw": list(stories["text"]),
        }, open("summary.json", "w"))
        """,
    )
    import newsclean

    kept = kept_by_the_command()
    assert got["unique"] == kept
    assert got["same_alone"]  # num_proc and batch_size change nothing
    results = [newsclean.clean(t) for t in got["raw"]]
    assert got["texts"] == [r.text for r in results]
    assert got["agencies"] == [r.byline.agency if r.byline else None for r in results] and any(got["agencies"])
    assert [json.loads(x)["id"] for x in (tmp_path / "unique.jsonl").read_text().splitlines()] == kept


def test_polars_recipe(tmp_path: Path) -> None:
    if importlib.util.find_spec("polars") is None:
        pytest.fail("the recipe's test needs polars: pip install -e '.[test]'")
    pytest.importorskip("pyarrow")  # (newsclean dedup on Parquet: in the test extra)
    got = run_recipe(
        "recipes/polars.md",
        tmp_path,
        """
        json.dump({
            "unique": unique["id"].to_list(),
            "texts": cleaned["text"].to_list(),
            "raw": stories["text"].to_list(),
            "marked": marked.to_dicts(),
        }, open("summary.json", "w"))
        """,
    )
    import newsclean

    kept = kept_by_the_command()
    assert got["unique"] == kept
    assert got["texts"] == [newsclean.clean(t).text for t in got["raw"]]
    assert len(got["marked"]) == len(got["raw"])
    assert [r["id"] for r in got["marked"] if r["duplicate_of"] is None] == kept
    assert all(r["group"] == (r["id"] if r["duplicate_of"] is None else r["duplicate_of"]) for r in got["marked"])
