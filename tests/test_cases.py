"""The regression corpus: realistic wire copy with its expected output (tests/cases/*.json).

A case that fails today is marked ``"expect": "fail"`` with a ``"why"``, never deleted.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from newsclean import clean

CASES = sorted((Path(__file__).parent / "cases").glob("*.json"))


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def params():
    for path in CASES:
        case = load(path)
        marks = (
            [pytest.mark.xfail(reason=case.get("why", "known failure"), strict=True)]
            if case["expect"] == "fail"
            else []
        )
        yield pytest.param(case, id=path.stem, marks=marks)


PARAMS = list(params())


def test_corpus_is_large_and_varied() -> None:
    assert len(CASES) >= 80
    groups = {p.stem.split("-")[0] for p in CASES}
    assert {"dedup", "credit", "dateline", "negative", "layout", "mixed", "photo"} <= groups


@pytest.mark.parametrize("case", PARAMS)
def test_case(case: dict) -> None:
    result = clean(case["input"])
    assert result.text == case["expected"]
    expected = case["byline"]
    if expected is None:
        assert result.byline is None
    else:
        assert result.byline is not None
        got = {k: getattr(result.byline, k) for k in expected}
        assert got == expected
    removed = [{"index": r.index, "duplicate_of": r.duplicate_of, "rule": r.rule} for r in result.removed]
    assert removed == case["removed"]
    assert clean(result.text).text == result.text  # idempotent on real copy too
