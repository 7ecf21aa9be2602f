"""What the Spark and Dask tests share: corpora, and the comparison of an engine's output
with ``newsclean.near_duplicates`` over the same texts in order."""

from __future__ import annotations

import random
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from newsclean import near_duplicates

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

from paragraph_corpus import corpus  # noqa: E402

BASE = "The ministers of the member states met in the capital on Monday to discuss the plan."


@dataclass
class Rows:
    """Texts in order (the reference's input) and the rows an engine gets: each text's
    order value (not its index: sparse, so that an engine cannot lean on positions),
    shuffled."""

    texts: list[str]
    orders: np.ndarray  # orders[i]: the order value of texts[i] (increasing)
    shuffle: np.ndarray  # the rows' texts, in the order the engine gets them
    priority: np.ndarray | None = None  # priority[i]: texts[i]'s, the column "prio" if given

    @classmethod
    def of(cls, texts: list[str], seed: int = 0, priority: np.ndarray | None = None) -> Rows:
        n = len(texts)
        orders = 1_000 + 7 * np.arange(n, dtype=np.int64) + (np.arange(n) % 3)
        return cls(texts, orders, np.random.default_rng(seed).permutation(n), priority)

    def columns(self) -> dict[str, list]:
        out = {
            "order": self.orders[self.shuffle].tolist(),
            "text": [self.texts[i] for i in self.shuffle],
            "url": [f"https://example.com/{self.orders[i]}" for i in self.shuffle],
        }
        if self.priority is not None:
            out["prio"] = self.priority[self.shuffle].tolist()
        return out


def paragraphs(n: int, seed: int = 1) -> list[str]:
    return [p.text for p in corpus(n, seed=seed)]


def boilerplate(n_copies: int = 300, seed: int = 5) -> list[str]:
    """Buckets far larger than PER_BUCKET: a site's footer and subscribe line repeated
    exactly and with one word changed, among unrelated paragraphs."""
    rng = random.Random(seed)
    footer = "Follow us on social media and subscribe to our newsletter for the latest news from the region."
    words = footer.split()
    out = []
    for k in range(n_copies):
        r = rng.random()
        if r < 0.5:
            out.append(footer)
        elif r < 0.8:
            w = list(words)
            w[rng.randrange(len(w))] = rng.choice(["daily", "weekly", "local", "world"])
            out.append(" ".join(w))
        else:
            out.append(f"Story {k}: " + " ".join(rng.sample(words, len(words))))
    return out + paragraphs(200, seed=seed)


def edge_cases() -> list[str]:
    """Chains (A~B~C, C not ~A), ties (one text as near to two kept texts), empty and
    shorter-than-a-shingle texts."""
    a = BASE
    b = BASE.replace("Monday", "Tuesday morning")
    c = b.replace("discuss the plan", "discuss a new plan for trade")
    tie1 = BASE.replace("capital", "city")
    tie2 = BASE.replace("ministers", "leaders")
    return ["", "abc", a, "", b, "abc", c, "x", tie1, tie2, BASE.replace("capital", "town"), "  ", "abcd", a]


def lengths() -> list[str]:
    """Near-duplicates of many lengths, ties among them, and lengths that code points,
    UTF-8 bytes and UTF-16 units order differently: " abcd" adds 5 code points (5 bytes,
    5 UTF-16 units), " \U0001f600\U0001f600" 3 (9 bytes, 5 units), " \u00e9\u00e9\u00e9" 4 (7 bytes, 4
    units); keep="longest" keeps the first by code points alone."""
    a = BASE
    return [
        a + " \U0001f600\U0001f600",
        a,
        a + " \u00e9\u00e9\u00e9",
        a + " abcd",
        a.replace("capital", "city"),  # (the length of BASE minus three)
        a + " abcd",  # (a tie with an earlier text)
        a.replace("Monday", "Tuesday morning"),
        a.replace("Monday", "Tuesday morning").replace("discuss the plan", "discuss a new plan for trade"),
        "x",
        "",
        a.replace("capital", "town"),
        a + " \U0001f600\U0001f600",
        *edge_cases(),
    ]


def keep_cases() -> list[tuple[str, list[str], str | np.ndarray]]:
    """Corpora and keep rules the engines must decide as near_duplicates does: "longest"
    or a priority column with many ties (integers, some extreme, and floats)."""
    rng = np.random.default_rng(9)
    plates = boilerplate(200)
    prose = paragraphs(1_500, seed=2)
    ints = rng.integers(0, 4, len(prose))
    ints[:3] = [np.iinfo(np.int64).min, np.iinfo(np.int64).max, -1]
    floats = rng.choice([0.5, -1.0, 2.0, np.inf, -np.inf], len(plates))
    return [
        ("longest-lengths", lengths(), "longest"),
        ("longest-boilerplate", plates, "longest"),
        ("int-prose", prose, ints),
        ("float-boilerplate", plates, floats),
    ]


def assert_equal(texts: list[str], orders: np.ndarray, got: dict[str, list], candidates: int, **params) -> None:
    """The engine's rows (``got``: order, duplicate_of and similarity columns, any row
    order, ``duplicate_of`` by order) decide as ``near_duplicates`` does."""
    ref = near_duplicates(texts, workers=1, **params)
    position = {int(o): i for i, o in enumerate(orders.tolist())}
    n = len(texts)
    dup = np.full(n, -2, dtype=np.int64)
    sim = np.full(n, -1.0)
    for o, d, s in zip(got["order"], got["duplicate_of"], got["similarity"]):
        i = position[int(o)]
        dup[i] = -1 if d is None or d != d else position[int(d)]
        sim[i] = np.nan if s is None else s
    assert (dup != -2).all(), "rows lost"
    wrong = np.flatnonzero(dup != ref.duplicate_of)
    assert not len(wrong), (
        f"{len(wrong)} decisions differ, first at {wrong[0]}: {dup[wrong[0]]} != {ref.duplicate_of[wrong[0]]}"
    )
    np.testing.assert_array_equal(sim, ref.similarity)
    assert candidates == ref.candidates


RECIPE = Path(__file__).resolve().parent.parent / "docs" / "recipes" / "spark-dask.md"


def recipe_blocks(language: str, as_written: bool = False) -> list[str]:
    """The recipe's blocks of ``language``; Python blocks with their ``if __name__ ==
    "__main__":`` guard unwrapped (its body dedented in its place: the tests run a block in
    a namespace, as its script's main module would), unless ``as_written``."""
    from .test_readme import fenced_blocks

    blocks = [code for _, code, _ in fenced_blocks(RECIPE.read_text(encoding="utf-8"), language)]
    return blocks if as_written or language != "python" else [unguarded(code) for code in blocks]


def unguarded(code: str) -> str:
    """``code`` with each top-level ``if __name__ == "__main__":`` replaced by its body."""
    import ast
    import textwrap

    lines = code.splitlines(keepends=True)
    for stmt in reversed(ast.parse(code).body):
        if isinstance(stmt, ast.If) and ast.unparse(stmt.test) == "__name__ == '__main__'" and not stmt.orelse:
            assert stmt.end_lineno is not None
            body = textwrap.dedent("".join(lines[stmt.lineno : stmt.end_lineno]))
            lines[stmt.lineno - 1 : stmt.end_lineno] = [body]
    return "".join(lines)


def run_recipe_python(code: str, namespace: dict, where: str) -> None:
    from .test_readme import run_python

    run_python(code, namespace, where)


def recipe_command(line: str, bin_dir: Path) -> list[str]:
    """A command line of the recipe, its programs taken from this interpreter's venv."""
    import shlex

    argv = shlex.split(line)
    argv[0] = sys.executable if argv[0] == "python" else str(bin_dir / argv[0])
    return argv
