"""Keep rules of ``near_duplicates(texts, keep=...)``: which text of a group of
near-duplicates is kept. ``"first"`` is the behaviour of old; under any priority the kept
texts never match one another, and each dropped text matches a kept one of higher priority."""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsclean import near_duplicates
from newsclean._text.normalize import key

from .republish import Generator
from .test_batch import planted, reference

_G = Generator(11)
BASES = [_G.paragraph() for _ in range(4)]


@st.composite
def corpora(draw: st.DrawFn) -> list[str]:
    """Texts made of a few base paragraphs with some words changed (0 to 10): near-duplicates
    of each other at every distance around the threshold, chains included."""
    rng = random.Random(draw(st.integers(0, 2**32 - 1)))
    texts = []
    for base, edits in draw(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 10)), min_size=1, max_size=25)):
        words = BASES[base].split()
        for _ in range(edits):
            words[rng.randrange(len(words))] = rng.choice(_G.words)
        texts.append(" ".join(words))
    return texts


def reference_by_priority(texts: list[str], rank: list[int], threshold: float = 0.8) -> list[int]:
    """The rule as documented, slowly: each text in order of priority is kept unless it
    matches a kept one; it is then a duplicate of the most similar (ties: higher priority)."""
    sets = []
    for t in texts:
        k = key(t)
        sets.append({k[i : i + 5] for i in range(len(k) - 5 + 1)} or ({k} if k else set()))
    out = [-1] * len(texts)
    kept: list[int] = []
    for j in sorted(range(len(texts)), key=lambda k: rank[k]):
        best = None
        for i in kept:
            if sets[i] and sets[j]:
                s = len(sets[i] & sets[j]) / len(sets[i] | sets[j])
                if s >= threshold and (best is None or (s, -rank[i]) > best[0]):
                    best = ((s, -rank[i]), i)
        if best:
            out[j] = best[1]
        else:
            kept.append(j)
    return out


def ranks(priority: list[float]) -> list[int]:
    order = sorted(range(len(priority)), key=lambda k: (-priority[k], k))
    rank = [0] * len(priority)
    for r, k in enumerate(order):
        rank[k] = r
    return rank


@settings(max_examples=60, deadline=None)
@given(corpora())
def test_first_is_the_default_and_input_order(texts: list[str]) -> None:
    default = near_duplicates(texts)
    first = near_duplicates(texts, keep="first")
    by_position = near_duplicates(texts, keep=np.arange(len(texts))[::-1])  # (higher first)
    ties = near_duplicates(texts, keep=[5] * len(texts))  # (all equal: input order)
    for other in (first, by_position, ties):
        assert other.duplicate_of.tolist() == default.duplicate_of.tolist()
        assert np.array_equal(other.similarity, default.similarity, equal_nan=True)
    assert default.duplicate_of.tolist() == reference(texts)  # (first wins, as ever)


@settings(max_examples=60, deadline=None)
@given(corpora(), st.data())
def test_under_any_priority_the_kept_texts_never_match(texts: list[str], data: st.DataObject) -> None:
    keep = data.draw(
        st.one_of(
            st.just("longest"),
            st.lists(st.integers(-3, 3), min_size=len(texts), max_size=len(texts)),
            st.lists(st.floats(-1e9, 1e9), min_size=len(texts), max_size=len(texts)),
        )
    )
    found = near_duplicates(texts, keep=keep)
    rank = ranks([len(t) for t in texts] if keep == "longest" else keep)
    kept = found.kept.tolist()
    # The kept texts match none of each other (the same decision, made again on them alone) ...
    assert near_duplicates([texts[k] for k in kept]).kept.tolist() == list(range(len(kept)))
    # ... and each dropped text matches a kept one of higher priority.
    for j in np.flatnonzero(found.duplicate_of >= 0).tolist():
        i = int(found.duplicate_of[j])
        assert i in kept and rank[i] < rank[j] and found.similarity[j] >= 0.8
    assert found.duplicate_of.tolist() == reference_by_priority(texts, rank)


def test_longest_and_a_priority_on_planted_texts() -> None:
    texts = planted(300, seed=4)
    longest = near_duplicates(texts, keep="longest")
    assert longest.duplicate_of.tolist() == reference_by_priority(texts, ranks([len(t) for t in texts]))
    dropped = np.flatnonzero(longest.duplicate_of >= 0)
    assert len(dropped) > 40
    assert all(len(texts[longest.duplicate_of[j]]) >= len(texts[j]) for j in dropped.tolist())
    last = near_duplicates(texts, keep=np.arange(len(texts)))  # the later text first: keep the last copy
    assert all(last.duplicate_of[j] > j for j in np.flatnonzero(last.duplicate_of >= 0).tolist())


def test_a_chain_under_priorities() -> None:
    """B repeats A and C, which do not repeat each other: with A first, B is dropped and C
    kept (it is compared with kept texts only); with B first, A and C are both B's."""
    words = " ".join(BASES).split()
    a, b, c = (" ".join(words[d : d + 40]) for d in (0, 10, 20))  # J(a, b) = J(b, c) ~ 0.6, J(a, c) ~ 0.33
    found = near_duplicates([a, b, c], threshold=0.5)
    assert found.duplicate_of.tolist() == [-1, 0, -1]
    assert near_duplicates([a, b, c], threshold=0.5, keep=[0, 1, 0]).duplicate_of.tolist() == [1, -1, 1]
    # C first: then A, which does not repeat C, is kept too; B repeats both, and goes with
    # the more similar (A, by a little: ties would go to C, of higher priority).
    c_first = near_duplicates([a, b, c], threshold=0.5, keep=[0, 0, 1])
    assert c_first.kept.tolist() == [0, 2] and c_first.similarity[1] == found.similarity[1]


@pytest.mark.parametrize(
    "keep, message",
    [
        ("last", "keep must be 'first', 'longest' or one number per text, got 'last'"),
        (["a", "b"], "keep must be 'first', 'longest' or one number per text"),
        ([1.0], "keep must hold one number per text: 2 texts, got shape \\(1,\\)"),
        ([float("nan"), 1.0], "keep must hold numbers, got NaN at 0"),
    ],
)
def test_bad_keep(keep: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        near_duplicates(["a b c d e f", "a b c d e f"], keep=keep)  # type: ignore[arg-type]
