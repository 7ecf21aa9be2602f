"""The Hugging Face ``datasets`` and polars recipes, run as written (every block, in order,
the shell ones through the installed command), checked against ``newsclean dedup``."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from .conftest import ROOT, entry_point
from .test_readme import fenced_blocks, run_python

DOCS = ROOT / "docs"


def run_recipe(page: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Run every python and sh block of ``page`` in order, in a scratch copy of examples/."""
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, Any] = {"__name__": "__docs__"}
    for language, code, line in fenced_blocks((DOCS / page).read_text(encoding="utf-8")):
        if language == "python":
            run_python(code, namespace, f"docs/{page}:{line}")
        elif language == "sh":
            for command in code.strip().splitlines():
                assert command.startswith("newsclean ")
                done = subprocess.run(
                    ["bash", "-c", "set -o pipefail; " + entry_point() + command[len("newsclean") :]],
                    capture_output=True,
                    timeout=120,
                )
                assert done.returncode == 0, done.stderr.decode()
    return namespace


def kept_by_the_command() -> list[str]:
    done = subprocess.run(
        [entry_point(), "dedup", "--workers", "1", str(ROOT / "examples" / "stories.jsonl")],
        capture_output=True,
        timeout=120,
        check=True,
    )
    return [json.loads(x)["id"] for x in done.stdout.decode().splitlines()]


def test_huggingface_datasets_recipe(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if importlib.util.find_spec("datasets") is None:
        pytest.fail("the recipe's test needs datasets: pip install -e '.[test]'")
    monkeypatch.setenv("HF_DATASETS_CACHE", str(tmp_path / "hf-cache"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    ns = run_recipe("recipes/huggingface-datasets.md", tmp_path, monkeypatch)
    kept = kept_by_the_command()
    assert ns["unique"]["id"] == kept
    # num_proc and batch_size change nothing: the same rows as one process, one batch.
    alone = ns["stories"].map(ns["clean"], batched=True, batch_size=1000, num_proc=1)
    assert alone.to_list() == ns["cleaned"].to_list()
    cleaner = ns["cleaner"]
    assert ns["cleaned"]["text"] == [cleaner.clean(t).text for t in ns["stories"]["text"]]
    assert [a for a in ns["cleaned"]["agency"] if a] == [
        r.byline.agency for r in map(cleaner.clean, ns["stories"]["text"]) if r.byline
    ]
    assert any(ns["cleaned"]["agency"])
    assert [json.loads(x)["id"] for x in (tmp_path / "unique.jsonl").read_text().splitlines()] == kept


def test_polars_recipe(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if importlib.util.find_spec("polars") is None:
        pytest.fail("the recipe's test needs polars: pip install -e '.[test]'")
    pytest.importorskip("pyarrow")  # (newsclean dedup on Parquet: in the test extra)
    ns = run_recipe("recipes/polars.md", tmp_path, monkeypatch)
    kept = kept_by_the_command()
    assert ns["unique"]["id"].to_list() == kept
    assert ns["cleaned"].height == 30 and len(kept) == 14  # (what the page's comments say)
    import newsclean

    assert ns["cleaned"]["text"].to_list() == [newsclean.clean(t).text for t in ns["stories"]["text"].to_list()]
    marked = ns["marked"]
    assert marked.height == ns["stories"].height
    assert marked.filter(marked["duplicate_of"].is_null())["id"].to_list() == kept
    assert os.path.exists("unique.parquet")
