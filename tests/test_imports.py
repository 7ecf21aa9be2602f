"""The import graph of the package has no cycle: every import of every module counts,
those inside functions included (a cycle hidden in a function still ties two modules into
one, and breaks as soon as someone moves the import to the top). And no module imports
another's private name: what two modules share is public where it is defined; nor a private
module of a package it is not in: a package gives the others what they need from its
``__init__``."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "newsclean"


def modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The package's modules that ``name`` imports, anywhere in its file."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package
                for _ in range(node.level - 1):
                    anchor = anchor.rpartition(".")[0]
                base = f"{anchor}.{node.module}" if node.module else anchor
            for alias in node.names:
                # ``from . import _forked`` imports a module; ``from .common import label`` a name.
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {m for m in found if m in known and m != name}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                found.append(path[path.index(nxt) :] + [nxt])
            elif nxt not in state:
                visit(nxt)
        path.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return found


def test_the_package_has_no_import_cycle() -> None:
    known = modules()
    graph = {name: imports(name, path, set(known)) for name, path in known.items()}
    assert "newsclean._cli.common" in graph["newsclean._cli.dedup"]  # (the walk sees imports)
    assert cycles(graph) == []


def test_a_cycle_is_found() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == [["a", "b", "c", "a"]]


def private_imports() -> set[tuple[str, str, str]]:
    """``(module, from module, name)`` for each private name a module of the package
    imports from another (``from . import _forked``, a module, does not count)."""
    known = modules()
    found = set()
    for name, path in known.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom) or not node.level:
                continue
            anchor = package
            for _ in range(node.level - 1):
                anchor = anchor.rpartition(".")[0]
            base = f"{anchor}.{node.module}" if node.module else anchor
            for alias in node.names:
                private = alias.name.startswith("_") and not alias.name.startswith("__")  # (__version__)
                if private and f"{base}.{alias.name}" not in known:
                    found.add((name, base, alias.name))
    return found


def test_no_module_imports_another_modules_private_name() -> None:
    assert private_imports() == set(), "import a public name (or make the name public where it is shared)"


def test_a_private_import_is_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "newsclean"
    package.mkdir()
    (package / "__init__.py").write_text("from ._version import __version__\n")
    (package / "_forked.py").write_text("")
    (package / "m.py").write_text("from . import _forked\nfrom ._forked import _helper, public\n")
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", package)
    assert private_imports() == {("newsclean.m", "newsclean._forked", "_helper")}


def foreign_private_modules() -> set[tuple[str, str]]:
    """``(module, imported module)`` for each import of a private module (a name that starts
    with an underscore) from outside the package that holds it: ``newsclean._cli.dedup``
    may import ``newsclean.index`` but not ``newsclean.index._journal``, while every module of
    ``newsclean`` may import ``newsclean._similarity.minhash`` (``_similarity`` is private to
    ``newsclean``, which holds them all). Imports inside functions count."""
    known = modules()
    found = set()
    for name, path in known.items():
        for target in imports(name, path, set(known)):
            parts = target.split(".")
            private = [k for k, part in enumerate(parts) if part.startswith("_") and not part.startswith("__")]
            if private:
                owner = ".".join(parts[: private[-1]])  # (the deepest: it holds the others)
                if not name.startswith(owner + ".") and name != owner:
                    found.add((name, target))
    return found


def test_no_module_imports_another_packages_private_module() -> None:
    assert foreign_private_modules() == set(), "import what the package exports (its __init__) instead"


def test_a_foreign_private_module_is_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "newsclean"
    for folder in (package, package / "index", package / "_cli"):
        folder.mkdir()
        (folder / "__init__.py").write_text("")
    (package / "_forked.py").write_text("")
    (package / "index" / "_journal.py").write_text("from .._forked import pool\n")
    (package / "index" / "_memory.py").write_text("from . import _journal\n")
    (package / "_cli" / "dedup.py").write_text(
        "from .. import _forked\nfrom ..index import Journal\n\ndef f():\n    from ..index._journal import Journal\n"
    )
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", package)
    assert foreign_private_modules() == {("newsclean._cli.dedup", "newsclean.index._journal")}
