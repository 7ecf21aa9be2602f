"""Properties that hold for every input (hypothesis)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsclean import clean
from newsclean._bylines.registry import default_registry
from newsclean._text.normalize import tidy

WORDS = (
    "the minister said talks would resume next week after officials from both sides met in "
    "Hanoi Beijing on Monday to discuss trade security and cooperation agreed exports rose "
    "percent crime migration ASEAN COVID-19 U.S. told AFP Reuters reported"
).split()
CREDITS = [
    "-VNA",
    " — AFP",
    " -- BERNAMA",
    "—TASS",
    " (PTI)",
    "\nVNA/VNS",
    "\nSource: Xinhua",
    "\n==Kyodo",
    ".-VNA\n./.",
]
DATELINES = [
    "HANOI (VNA) — ",
    "BEIJING, June 8 (Xinhua) -- ",
    "(Reuters) - ",
    "MOSCOW, June 8. /TASS/. ",
    "Chennai, Mar 21 (PTI) ",
]
NOISE = ["", "  ", "\u00a0", "\u200b", "\t"]

sentences = st.lists(st.sampled_from(WORDS), min_size=3, max_size=40).map(lambda w: " ".join(w).capitalize() + ".")


@st.composite
def document_parts(draw: st.DrawFn) -> tuple[list[str], str, str]:
    """Paragraphs, the separator between them, and what ends the document."""
    pool = draw(st.lists(sentences, min_size=1, max_size=6))
    paragraphs = []
    for _ in range(draw(st.integers(1, 12))):
        kind = draw(st.sampled_from(["new", "new", "repeat", "edit", "teaser", "layout"]))
        if kind == "layout":
            paragraphs.append(draw(st.sampled_from(["* * *", "—", "###"])))
            continue
        p = draw(st.sampled_from(pool)) if kind != "new" else draw(sentences)
        if kind == "edit":
            p = p.replace(" the ", draw(st.sampled_from(WORDS)).join("  "), 1)
        if kind == "teaser":
            p = p[: draw(st.integers(1, max(1, len(p))))] + draw(st.sampled_from(["...", "…", " [...]"]))
        paragraphs.append(draw(st.sampled_from(NOISE)) + p + draw(st.sampled_from(NOISE)))
    if draw(st.booleans()):
        paragraphs[0] = draw(st.sampled_from(DATELINES)) + paragraphs[0]
    sep = draw(st.sampled_from(["\n", "\n\n", "\r\n", "\r\n\r\n"]))
    if draw(st.booleans()):
        paragraphs[-1] += draw(st.sampled_from(CREDITS)).replace("\n", sep)
    return paragraphs, sep, draw(st.sampled_from(["", sep]))


def documents() -> st.SearchStrategy[str]:
    return document_parts().map(lambda parts: parts[1].join(parts[0]) + parts[2])


any_text = st.one_of(documents(), st.text(), st.text(alphabet=st.characters(codec="utf-8")))
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(any_text)
def test_idempotent(text: str) -> None:
    once = clean(text).text
    assert clean(once).text == once


@SETTINGS
@given(any_text, st.sampled_from(["keep", "rewrite"]))
def test_idempotent_under_every_policy(text: str, policy: str) -> None:
    """keep and rewrite find the credits that extract takes out, and change nothing the
    second time."""
    once = clean(text, byline=policy)
    assert clean(once.text, byline=policy).text == once.text
    assert once.credits == clean(text).credits


@SETTINGS
@given(any_text)
def test_nothing_is_lost_that_is_not_reported(text: str) -> None:
    """Every visible character of the input is in the output, a removed paragraph or a credit."""
    result = clean(text)

    def chars(s: str) -> Counter[str]:
        return Counter(c for c in s if not c.isspace())

    accounted = chars(result.text)
    for r in result.removed:
        accounted += chars(r.text)
    for c in result.credits:
        accounted += chars(c.raw)
    assert accounted == chars(tidy(text))


@SETTINGS
@given(any_text)
def test_output_lines_are_an_in_order_subsequence(text: str) -> None:
    inputs = [line.strip(" ") for line in tidy(text).splitlines()]
    at = 0
    for line in clean(text).text.splitlines():
        while at < len(inputs) and line not in inputs[at]:
            at += 1
        assert at < len(inputs), line
        at += 1


distinct = st.lists(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz ", min_size=1, max_size=80)
    .map(lambda s: " ".join(s.split()))
    .filter(bool),
    min_size=1,
    max_size=10,
    unique_by=lambda s: s,
).filter(lambda ps: not any(p in default_registry().by_spelling for p in ps))  # "dpa" is a credit


@SETTINGS
@given(distinct, st.sampled_from(["\n", "\n\n", "\r\n"]))
def test_distinct_paragraphs_come_back_unchanged(paragraphs: list[str], sep: str) -> None:
    from newsclean._similarity.hashing import shingle_hashes
    from newsclean._similarity.jaccard import jaccard
    from newsclean._text.normalize import key

    hashes, offsets = shingle_hashes(paragraphs, 5)
    sets = [hashes[offsets[i] : offsets[i + 1]] for i in range(len(paragraphs))]
    if any(
        jaccard(sets[i], sets[j]) >= 0.8 or key(paragraphs[i]) == key(paragraphs[j])
        for i in range(len(sets))
        for j in range(i)
    ):
        return  # random text that happens to be a near repeat
    text = sep.join(paragraphs) + sep[-1]  # (runs of blank lines at the end fold to one break)
    result = clean(text)
    assert result.text == text
    assert not result.removed


@SETTINGS
@given(document_parts())
def test_doubling_the_body_changes_nothing(parts: tuple[list[str], str, str]) -> None:
    """Layout lines (``* * *``) are never removed, so they are set aside in the comparison."""
    paragraphs, sep, _ = parts
    single = clean(sep.join(paragraphs) + sep).text
    doubled = clean(sep.join(paragraphs + paragraphs) + sep).text

    def content(s: str) -> list[str]:
        return [line for line in s.splitlines() if any(c.isalpha() for c in line)]

    assert content(doubled) == content(single)
    if not any(line.strip() in ("* * *", "—", "###") for p in paragraphs for line in p.splitlines()):
        assert doubled == single


@settings(max_examples=1, deadline=None)
@given(st.lists(documents(), min_size=30, max_size=30))
def test_same_output_in_fresh_processes_with_any_hash_seed(texts: list[str]) -> None:
    code = (
        "import json, sys, newsclean\n"
        "out = [newsclean.clean(t).to_dict() | {'text': newsclean.clean(t).text} for t in json.load(sys.stdin)]\n"
        "print(json.dumps(out))"
    )
    outputs = set()
    for hash_seed in ("0", "1", "12345", "random"):
        done = subprocess.run(
            [sys.executable, "-c", code],
            input=json.dumps(texts),
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
        )
        outputs.add(done.stdout)
    assert len(outputs) == 1
