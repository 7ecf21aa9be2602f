"""The docs site builds, and fails these tests when it drifts from the code.

* every flag of ``newsclean`` and ``newsclean dedup`` is described in the written text of
  docs/cli.md (in the section of its command), and every flag named there exists;
* every public name (``newsclean.__all__`` and ``newsclean.index.__all__``) is documented in docs/api.md,
  and the error hierarchy drawn there is the real one;
* the Python examples of the pages run and say what they do (as the README's do);
* the whole site builds with Sphinx, warnings as errors (``test_docs_build``).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import newsclean
import newsclean.index
from newsclean._cli import clean as clean_cli
from newsclean._cli import dedup as dedup_cli

from .conftest import ROOT, entry_point
from .test_readme import fenced_blocks, run_python

DOCS = ROOT / "docs"
FLAG = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*(?![\w-])")


def long_flags(parser: argparse.ArgumentParser) -> set[str]:
    return {s for action in parser._actions for s in action.option_strings if s.startswith("--")}


def cli_sections() -> dict[str, str]:
    """The written text of docs/cli.md, split by command."""
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    main = text.index("## `newsclean`: clean documents")
    dedup = text.index("## `newsclean dedup`: drop near-duplicate documents")
    end = text.index("## The help texts")
    assert main < dedup < end
    return {"newsclean": text[main:dedup], "newsclean dedup": text[dedup:end], "all": text}


# -- the CLI reference ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "command, parser",
    [("newsclean", clean_cli.parser), ("newsclean dedup", dedup_cli.parser)],
)
def test_every_flag_is_described(command: str, parser: Any) -> None:
    written = set(FLAG.findall(cli_sections()[command]))
    missing = sorted(long_flags(parser()) - written)
    assert not missing, f"docs/cli.md does not describe these flags of `{command}`: {missing}"


def test_every_described_flag_exists() -> None:
    written = set(FLAG.findall(cli_sections()["all"]))
    unknown = sorted(written - long_flags(clean_cli.parser()) - long_flags(dedup_cli.parser()))
    assert not unknown, f"docs/cli.md names flags that neither command has: {unknown}"


def test_help_texts_are_included() -> None:
    text = cli_sections()["all"]
    for name in ("cli-newsclean.txt", "cli-dedup.txt"):
        assert f"```{{literalinclude}} _generated/{name}" in text


def test_generated_help_is_the_commands() -> None:
    sys.path.insert(0, str(DOCS))
    try:
        import _generate  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(DOCS))
    texts = _generate.help_texts()
    for name, argv in (("cli-newsclean.txt", ["--help"]), ("cli-dedup.txt", ["dedup", "--help"])):
        done = subprocess.run(
            [entry_point(), *argv],
            capture_output=True,
            timeout=60,
            env={**os.environ, "COLUMNS": "100", "NO_COLOR": "1"},
        )
        assert done.returncode == 0
        assert texts[name].decode() == done.stdout.decode()


# -- the API reference ---------------------------------------------------------------------

DIRECTIVE = re.compile(r"^\.\. (auto(?:function|class|exception|data|module)|py:data)::\s+(\S+)", re.M)


def documented() -> list[str]:
    """The objects documented in docs/api.md (modules as ``module:NAME``)."""
    found = DIRECTIVE.findall((DOCS / "api.md").read_text(encoding="utf-8"))
    return [f"module:{target}" if kind == "automodule" else target for kind, target in found]


def test_every_public_name_is_documented() -> None:
    names = set(documented())
    public = {f"newsclean.{n}" for n in newsclean.__all__}
    # (the index package's names that are also top-level are documented there)
    public |= {f"newsclean.index.{n}" for n in newsclean.index.__all__ if n not in newsclean.__all__}
    missing = sorted(public - names)
    assert not missing, f"docs/api.md does not document: {missing}"


def test_every_documented_name_exists() -> None:
    for target in documented():
        if target.startswith("module:"):
            importlib.import_module(target.removeprefix("module:"))
            continue
        module, _, name = target.rpartition(".")
        assert hasattr(importlib.import_module(module), name), target


def test_error_tree_is_the_real_one() -> None:
    text = (DOCS / "api.md").read_text(encoding="utf-8")
    tree = re.findall(r"^[│├└─ ]*(\w+Error)\(([\w, ]+)\)", text, re.M)
    assert {name for name, _ in tree} == {n for n in newsclean.__all__ if n.endswith("Error")}
    for name, bases in tree:
        real = [b.__name__ for b in getattr(newsclean, name).__bases__]
        assert real == [b.strip() for b in bases.split(",")], name


def test_agency_count() -> None:
    from newsclean._bylines.registry import default_registry

    count = len(default_registry().agencies)
    pages = [ROOT / "README.md", *DOCS.glob("*.md")]
    for page in pages:
        for n in re.findall(r"\b(\d+) (?:news )?agencies\b", page.read_text(encoding="utf-8")):
            assert int(n) == count, f"{page.name} says {n} agencies; the registry has {count}"


# -- the examples of the pages -------------------------------------------------------------


def run_page(page: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, skip_from: str | None = None) -> int:
    """Run the Python blocks of a page, in order, in one namespace, in a scratch directory
    holding a copy of examples/ (the pages' paths are relative to a clone). Blocks from the
    first one that contains ``skip_from`` on are not run. Returns how many ran."""
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, Any] = {"__name__": "__docs__"}
    ran = 0
    for _, code, line in fenced_blocks((DOCS / page).read_text(encoding="utf-8"), "python"):
        if skip_from is not None and skip_from in code:
            break
        run_python(code, namespace, f"docs/{page}:{line}")
        ran += 1
    return ran


@pytest.mark.parametrize("page", ["index.md", "quickstart.md"])
def test_page_examples_run(page: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert run_page(page, tmp_path, monkeypatch) >= 1


def test_pandas_jsonl_recipe(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The recipe's file, its commands and its Python, pandas included when it is installed
    (it is not a dependency)."""
    page = (DOCS / "recipes" / "pandas-jsonl.md").read_text(encoding="utf-8")
    have_pandas = importlib.util.find_spec("pandas") is not None
    ran = run_page("recipes/pandas-jsonl.md", tmp_path, monkeypatch, None if have_pandas else "import pandas")
    assert ran >= (5 if have_pandas else 2)
    assert (
        "https://example.com/asean-crime: repeats https://en.vietnamplus.vn/asean-somtc (0.99)"
        in capsys.readouterr().out
    )
    for _, code, _ in fenced_blocks(page, "sh"):
        for command in code.strip().splitlines():
            assert command.startswith("newsclean ")
            done = subprocess.run(
                ["bash", "-c", "set -o pipefail; " + entry_point() + command[len("newsclean") :]],
                capture_output=True,
                timeout=120,
            )
            assert done.returncode == 0, done.stderr.decode()
    assert "skipped 1 bad line" in page
    assert len((tmp_path / "unique.jsonl").read_text(encoding="utf-8").splitlines()) == 2


@pytest.mark.redis
def test_redis_fleet_recipe(redis_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The scraper function, and fleet.py: four processes racing, every story kept once."""
    from newsclean import RedisIndex

    page = (DOCS / "recipes" / "redis-fleet.md").read_text(encoding="utf-8")
    scraper, fleet = (code for _, code, _ in fenced_blocks(page, "python"))
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, Any] = {}
    try:
        run_python(scraper.replace("redis://localhost:6379/0", redis_url), namespace, "redis-fleet.md")
        body = (ROOT / "examples" / "vna-asean-somtc.clean.txt").read_text(encoding="utf-8")
        assert namespace["handle"]("u1", "HANOI (VNA) — " + body) == body
        assert (
            namespace["handle"]("u2", (ROOT / "examples" / "vna-asean-somtc.txt").read_text(encoding="utf-8")) is None
        )

        (tmp_path / "fleet.py").write_text(fleet, encoding="utf-8")
        done = subprocess.run(
            [sys.executable, "fleet.py", redis_url], cwd=tmp_path, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
        lines = done.stdout.splitlines()
        assert lines[-1] == "3 stories in the index"
        rows = [line.split(None, 2) for line in lines[:-1]]
        assert len(rows) == 12
        for story in ("asean-crime", "mekong-water", "grain-harvest"):
            kept = [site for name, site, what in rows if name == story and what == "kept"]
            assert len(kept) == 1, (story, lines)
            others = [what for name, _, what in rows if name == story and what != "kept"]
            assert others == [f"skipped: {kept[0]}/{story}"] * 3
    finally:
        RedisIndex(redis_url, namespace="news").clear()
        RedisIndex(redis_url, namespace="fleet-demo").clear()


# -- the build -----------------------------------------------------------------------------


def test_docs_build(tmp_path: Path) -> None:
    """`python -m sphinx -W --keep-going -b html docs OUT` succeeds, and the pages hold what
    is generated at build time."""
    if importlib.util.find_spec("sphinx") is None or importlib.util.find_spec("myst_parser") is None:
        message = "the docs need the 'docs' extra (sphinx, furo, myst-parser, matplotlib)"
        if os.environ.get("CI") == "true":
            pytest.fail(message + ": under CI the docs must build")
        pytest.skip(message)
    out = tmp_path / "html"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-W",
            "--keep-going",
            "-q",
            "-b",
            "html",
            "-d",
            str(tmp_path / "doctrees"),
            str(DOCS),
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert done.returncode == 0, f"the docs do not build:\n{done.stdout}\n{done.stderr}"

    api = (out / "api.html").read_text(encoding="utf-8")
    for target in documented():  # autodoc found every object (a silent failure leaves a hole)
        anchor = target.replace("module:", "module-")
        assert f'id="{anchor}"' in api, f"{target} is missing from api.html"
    for image in ("pipeline.svg", "s-curve.png"):
        assert (out / "_images" / image).stat().st_size > 1000, image
    cli_page = (out / "cli.html").read_text(encoding="utf-8")
    assert (
        "usage: newsclean [options] [FILE ...]" in cli_page
        and "usage: newsclean dedup [options] [FILE ...]" in cli_page
    )
    for page in (
        "quickstart",
        "how-it-works",
        "tuning",
        "rules",
        "index-format",
        "failure-modes",
        "benchmarks",
        "recipes/scrapy",
        "recipes/trafilatura",
        "recipes/pandas-jsonl",
        "recipes/redis-fleet",
    ):
        assert (out / f"{page}.html").exists(), page


def test_the_quickstart_says_what_newsclean_dedup_says_of_the_example() -> None:
    page = (DOCS / "quickstart.md").read_text(encoding="utf-8")
    command, said = re.search(
        r"\n\$ \.venv/bin/(newsclean dedup [^\n>]*?) >[^\n]*\n(newsclean dedup: [^\n]*)", page
    ).groups()
    done = subprocess.run([entry_point(), *command.split()[1:]], cwd=ROOT, capture_output=True, check=True)
    counts = re.compile(r"newsclean dedup: \d+ in, \d+ kept, \d+ dropped")
    assert counts.match(done.stderr.decode()).group() == counts.match(said).group()
    marked = subprocess.run([entry_point(), "dedup", "--mark", "examples/stories.jsonl"], cwd=ROOT, capture_output=True)
    rows = {r["id"]: r for r in map(json.loads, marked.stdout.decode().splitlines())}
    page = " ".join(page.split())
    claims = re.findall(r"`(s\d\d)`[^`]* names `(s\d\d)` at(?: similarity)? ([\d.]+)", page)
    assert len(claims) == 2
    for doc, original, similarity in claims:
        assert (rows[doc]["duplicate_of"], round(rows[doc]["similarity"], 2)) == (original, float(similarity))
    negatives = re.search(r"the follow-up `(s\d\d)` and the story sharing a quote, `(s\d\d)`, name nothing", page)
    assert [rows[doc]["duplicate_of"] for doc in negatives.groups()] == [None, None]
    assert [rows[doc]["kind"] for doc in negatives.groups()] == ["neg:followup", "neg:quote"]
