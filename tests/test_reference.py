"""A slow, obviously correct deduper (all pairs, Python sets of string shingles) agrees
with both fast paths, the exact all-pairs one (up to ``_ALL_PAIRS_MAX`` paragraphs) and
the MinHash one, on the corpus and on generated documents."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

import newsclean._repeats
from newsclean import Options
from newsclean._bylines.credits import default_credits
from newsclean._repeats import TEASER_MIN_CHARS, TEASER_MIN_WORDS, find_repeats, loses_content
from newsclean._text.layout import split
from newsclean._text.normalize import key

from .test_properties import documents

CASES = sorted((Path(__file__).parent / "cases").glob("*.json"))


def shingles(k: str, n: int) -> set[str]:
    return {k[i : i + n] for i in range(len(k) - n + 1)} or ({k} if k else set())


def reference(keys: list[str], texts: list[str], o: Options) -> list[tuple[int, int, str]]:
    kept = [bool(re.search(r"[^\W\d_]", t)) or t in ("./.", "-0-") for t in texts]
    out: dict[int, tuple[int, str]] = {}
    for j, k in enumerate(keys):  # exact
        for i in range(j):
            if kept[i] and kept[j] and keys[i] == k:
                kept[j] = False
                out[j] = (i, "exact_repeat")
    teasers = {}
    for j, k in enumerate(keys):  # truncated
        m = re.search(r"\s*(?:\.\.\.|\[\.\.\.\])$", k)
        core = k[: m.start()] if m else ""
        if kept[j] and m and len(core) >= TEASER_MIN_CHARS and len(core.split()) >= TEASER_MIN_WORDS:
            teasers[j] = core
    for j, core in teasers.items():
        full = [i for i, k in enumerate(keys) if kept[i] and i not in teasers and k.startswith(core)]
        if full:
            kept[j] = False
            out[j] = (min(full), "truncated_repeat")
    for j, k in enumerate(keys):  # near: every earlier kept paragraph, exact Jaccard
        if not kept[j] or len(k) < o.min_near_length:
            continue
        best = None
        for i in range(j):
            if kept[i] and len(keys[i]) >= o.min_near_length:
                a, b = shingles(keys[i], o.shingle_size), shingles(k, o.shingle_size)
                s = len(a & b) / len(a | b)
                if s >= o.threshold and (best is None or s > best[0]) and not loses_content(k, keys[i]):
                    best = (s, i)
        if best:
            kept[j] = False
            out[j] = (best[1], "near_repeat")
    result = []
    for j, (i, rule) in sorted(out.items()):  # every removal points at a kept paragraph
        while i in out:
            i, inherited = out[i]
            rule = inherited if rule == "exact_repeat" else rule
        result.append((j, i, rule))
    return result


def fast(keys: list[str], texts: list[str], o: Options) -> list[tuple[int, int, str]]:
    return [(r.index, r.duplicate_of, r.rule) for r in find_repeats(keys, o, texts)]


def keys_of(text: str) -> tuple[list[str], list[str]]:
    paragraphs = split(text)
    return [key(default_credits().body(p.text)) for p in paragraphs], [p.text for p in paragraphs]


@pytest.fixture(params=["all-pairs", "minhash"], autouse=True)
def near_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test here runs twice: small documents compared all pairs exactly, and forced
    through MinHash LSH (as documents of more than ``_ALL_PAIRS_MAX`` paragraphs are)."""
    if request.param == "minhash":
        monkeypatch.setattr(newsclean._repeats, "_ALL_PAIRS_MAX", 1)
    return str(request.param)


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
@pytest.mark.parametrize("options", [Options(), Options(threshold=0.6, min_near_length=20)], ids=["default", "loose"])
def test_reference_agrees_on_the_corpus(path: Path, options: Options) -> None:
    keys, texts = keys_of(json.loads(path.read_text(encoding="utf-8"))["input"])
    assert fast(keys, texts, options) == reference(keys, texts, options)


# LSH finds a pair exactly at the threshold with probability 0.999 (more above it), so a
# rare miss is possible by design; derandomize keeps CI reproducible.
@settings(
    max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(documents())
def test_reference_agrees_on_generated_documents(text: str) -> None:
    keys, texts = keys_of(text)
    options = Options(min_near_length=10)
    assert fast(keys, texts, options) == reference(keys, texts, options)
