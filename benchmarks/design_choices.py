"""The figures behind some small design choices of the text and bylines wings, each the
choice made against the alternative it replaced, measured in this process in interleaved
rounds (medians with min-max; ratios within each round):

    python benchmarks/design_choices.py [--rounds 7]

The comments in the code say why each choice is made; the figures live here and in
docs/how-it-works.md ("Design choices, measured"), from this script.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import summarize, table  # noqa: E402

from newsclean._bylines import registry  # noqa: E402
from newsclean._bylines.credits import Credits  # noqa: E402
from newsclean._text import normalize  # noqa: E402

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]


def seconds(fn: Callable[[], object], repeat: int) -> float:
    """The least time of one call of ``fn`` over ``repeat`` calls (the least is the one
    least disturbed by the other work on the machine)."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def news_text() -> str:
    here = Path(__file__).resolve().parent.parent / "examples" / "vna-asean-somtc.txt"
    return here.read_text(encoding="utf-8")


def compile_all_credit_patterns() -> None:
    import functools

    import regex

    regex.purge()  # (regex caches compiled patterns: compile them anew)
    credits = Credits(registry.default_registry())
    for name, value in vars(Credits).items():
        if isinstance(value, functools.cached_property):
            getattr(credits, name)


def pairs() -> dict[str, tuple[str, Callable[[], object], str, Callable[[], object], int]]:
    """name -> (the choice, its call, the alternative, its call, calls a round)."""
    toml = Path(registry._TOML).read_bytes()
    twin = Path(registry._TWIN).read_text(encoding="utf-8")
    text = news_text()
    non_latin = text + " Hà Nội"
    mask, chars = normalize._print_mask(), normalize._print_chars()
    cls = normalize._char_class(normalize._PRINT_TABLE)
    return {
        "registry at start-up": (
            "json of agencies.json",
            lambda: json.loads(twin),
            "tomllib of agencies.toml",
            lambda: tomllib.loads(toml.decode("utf-8")),
            20,
        ),
        "casefold table": (
            "read casefold.bin",
            normalize._read_casefold,
            "casefold the BMP (casefold_changes)",
            normalize.casefold_changes,
            10,
        ),
        "credit patterns": (
            "compile none (on first use)",
            lambda: Credits(registry.default_registry()),
            "compile every pattern",
            compile_all_credit_patterns,
            3,
        ),
        "characters to change in a text": (
            "_holds_any (one table lookup)",
            lambda: normalize._holds_any(text, mask),
            "a regex search for the class",
            lambda: cls.search(text),
            200,
        ),
        "replace a few characters (non-Latin-1 text)": (
            "_translate (each found, replaced)",
            lambda: normalize._translate(non_latin, normalize._PRINT_TABLE, chars),
            "str.translate",
            lambda: non_latin.translate(normalize._PRINT_TABLE),
            200,
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    rows = []
    for name, (mine, fn, other, alt, repeat) in pairs().items():
        fn(), alt()  # (warm: imports, caches of the file system)
        times: dict[str, list[float]] = {"mine": [], "other": []}
        ratios = []
        for r in range(args.rounds):
            order = [("mine", fn), ("other", alt)] if r % 2 == 0 else [("other", alt), ("mine", fn)]
            got = {who: seconds(call, repeat) for who, call in order}
            times["mine"].append(got["mine"] * 1e6)
            times["other"].append(got["other"] * 1e6)
            ratios.append(got["other"] / got["mine"])
        rows.append(
            [
                name,
                mine,
                summarize(times["mine"]).format("{:,.1f}"),
                other,
                summarize(times["other"]).format("{:,.1f}"),
                summarize(ratios).format("{:,.1f}") + "x",
            ]
        )
    headers = ["what", "the choice", "µs", "the alternative", "µs", "alternative / choice"]
    print(table(headers, rows))


if __name__ == "__main__":
    main()
