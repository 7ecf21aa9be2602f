"""newsclean.strategies: every draw is well-formed, and ``clean()`` gives the labelled answer.

The first test is the property the strategies exist for: for every draw,
``clean(example.dirty)`` is ``example.clean``, with the byline, credits and removals the
example says.
"""

from __future__ import annotations

import dataclasses
import importlib.metadata
import os
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

import newsclean
from newsclean import strategies as ns
from newsclean._bylines.registry import default_registry
from newsclean._similarity.hashing import shingle_hashes
from newsclean._similarity.jaccard import jaccard
from newsclean._text import layout as _layout
from newsclean._text.normalize import key, tidy

FIND = settings(database=None, derandomize=True)  # find(): the same minimal example every run
MANY = settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SOME = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

STRATEGIES: dict[str, st.SearchStrategy[ns.Example]] = {
    "articles": ns.articles(),
    "articles-long": ns.articles(min_paragraphs=6, max_paragraphs=12),
    "articles-blank-lines-crlf": ns.articles(layouts=["blank_lines"], newlines=["\r\n"]),
    "credits": ns.credits(),
    "datelines": ns.datelines(),
    "repeated_blocks": ns.repeated_blocks(),
    "near_duplicates": ns.near_duplicates(max_count=5, max_edits=6),
    "teasers": ns.teasers(),
}
REPEATS = ("exact_repeat", "near_repeat", "truncated_repeat")


def assert_clean_gives(example: ns.Example) -> None:
    result = newsclean.clean(example.dirty)
    assert result.text == example.clean
    assert result.byline == example.byline
    assert result.credits == example.credits
    assert tuple((r.index, r.duplicate_of, r.rule) for r in result.removed) == example.removed
    assert result.changed == (example.dirty != example.clean)


# -- the property ---------------------------------------------------------------------


@MANY
@given(ns.articles())
def test_clean_gives_the_labelled_answer(example: ns.Example) -> None:
    assert_clean_gives(example)


@pytest.mark.parametrize("name", sorted(STRATEGIES))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_clean_gives_the_labelled_answer_for_every_strategy(name: str, data: st.DataObject) -> None:
    assert_clean_gives(data.draw(STRATEGIES[name]))


@pytest.mark.parametrize("form", ns.CREDIT_FORMS)
@SOME
@given(data=st.data())
def test_every_credit_form(form: str, data: st.DataObject) -> None:
    example = data.draw(ns.credits(forms=[form]))
    assert_clean_gives(example)
    assert example.byline is not None and example.byline.position == "trailing"
    assert example.byline.kind == ("photo" if form == "photo" else "credit")


@pytest.mark.parametrize("form", ns.DATELINE_FORMS)
@SOME
@given(data=st.data())
def test_every_dateline_form(form: str, data: st.DataObject) -> None:
    example = data.draw(ns.datelines(forms=[form]))
    assert_clean_gives(example)
    assert example.byline is not None and example.byline.kind == "dateline"


AGENCIES = [a.code for a in default_registry().agencies]


@pytest.mark.parametrize("code", AGENCIES)
@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_agency_has_credits_and_datelines(code: str, data: st.DataObject) -> None:
    """Each agency of the registry, with its own forms (a few draws each)."""
    for strategy in (ns.credits(agencies=[code], max_paragraphs=1), ns.datelines(agencies=[code], max_paragraphs=1)):
        example = data.draw(strategy)
        assert_clean_gives(example)
        assert example.byline is not None and example.byline.agency == code


# -- well-formed draws ----------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(STRATEGIES))
@SOME
@given(data=st.data())
def test_every_draw_is_well_formed(name: str, data: st.DataObject) -> None:
    example = data.draw(STRATEGIES[name])
    assert isinstance(example, ns.Example)
    assert isinstance(example.dirty, str) and isinstance(example.clean, str)
    assert example.byline is None or isinstance(example.byline, newsclean.Byline)
    assert isinstance(example.credits, tuple) and all(isinstance(c, newsclean.Byline) for c in example.credits)
    assert isinstance(example.injected, tuple) and all(isinstance(i, ns.Injection) for i in example.injected)
    assert (example.dirty != example.clean) == bool(example.injected)
    assert example.clean.strip(), "there is always some text left"
    assert newsclean.clean(example.clean).text == example.clean  # nothing left to clean

    paragraphs = [p.text for p in _layout.split(example.dirty)]
    codes = {a.code for a in default_registry().agencies}
    for injected in example.injected:
        if injected.kind in REPEATS:
            assert injected.paragraph is not None and injected.duplicate_of is not None
            assert injected.paragraph != injected.duplicate_of
            assert key(injected.text) == key(paragraphs[injected.paragraph])
        elif injected.kind == "layout":
            assert injected.paragraph is None and injected.text
        else:
            assert injected.agency in codes
            assert injected.paragraph is not None and 0 <= injected.paragraph < len(paragraphs)
            assert injected.text in paragraphs[injected.paragraph] or "\n" in injected.text
    assert [c.raw for c in example.credits] == [
        i.text for i in example.injected if i.kind in ("dateline", "credit", "photo")
    ]
    assert example.byline is None or example.byline in example.credits

    kinds = [i.kind for i in example.injected]
    if name == "credits":
        assert example.byline is not None and example.byline.position == "trailing"
    if name == "datelines":
        assert example.byline is not None and example.byline.kind == "dateline"
    if name == "repeated_blocks":
        assert "exact_repeat" in kinds
    if name == "near_duplicates":
        assert 1 <= kinds.count("near_repeat") <= 5
    if name == "teasers":
        assert 1 <= kinds.count("truncated_repeat") <= 2


def shingle_set(text: str) -> Any:
    hashes, offsets = shingle_hashes([key(text)], 5)
    return hashes[offsets[0] : offsets[1]]


@SOME
@given(ns.articles(datelines=False, credits=False, headlines=False, layouts=["lines"], noise=False, max_paragraphs=8))
def test_paragraphs_far_apart_and_near_copies_close(example: ns.Example) -> None:
    """What the labels rest on, measured with newsclean's own shingles: distinct paragraphs
    far below the 0.8 threshold, near copies at or above it, teasers no near copy."""
    originals = example.clean.splitlines()
    sets = [shingle_set(p) for p in originals]
    for i in range(len(sets)):
        assert len(originals[i]) >= 80
        for j in range(i):
            assert jaccard(sets[i], sets[j]) < 0.5
    dirty = example.dirty.splitlines()
    for injected in example.injected:
        if injected.kind in ("near_repeat", "truncated_repeat"):
            original = shingle_set(dirty[injected.duplicate_of])  # type: ignore[index]
            similarity = jaccard(shingle_set(injected.text), original)
            assert similarity >= 0.8 if injected.kind == "near_repeat" else similarity < 0.7


@SOME
@given(ns.paragraphs())
def test_paragraphs_are_plain_and_clean(paragraph: str) -> None:
    assert isinstance(paragraph, str)
    assert 80 <= len(paragraph) <= 400
    assert paragraph[0].isupper() and paragraph.endswith(".") and "\n" not in paragraph
    assert all(c.isalpha() or c in " ,." for c in paragraph)
    assert newsclean.clean(paragraph).text == paragraph
    assert not newsclean.clean(paragraph).credits


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 1000), st.integers(0, 600), st.data())
def test_paragraph_sizes(min_size: int, extra: int, data: st.DataObject) -> None:
    max_size = min_size + 13 + extra
    paragraph = data.draw(ns.paragraphs(min_size=min_size, max_size=max_size))
    assert min_size <= len(paragraph) <= max_size


# -- hypothesis' API style ---------------------------------------------------------------


def draw_once(strategy: st.SearchStrategy[Any]) -> None:
    @settings(max_examples=1, database=None)
    @given(strategy)
    def test(_: Any) -> None:
        pass

    test()


INVALID: list[tuple[Callable[..., st.SearchStrategy[Any]], dict[str, Any]]] = [
    (ns.paragraphs, {"min_size": 0}),
    (ns.paragraphs, {"min_size": "80"}),
    (ns.paragraphs, {"min_size": True}),
    (ns.paragraphs, {"min_size": 100, "max_size": 105}),
    (ns.paragraphs, {"max_size": 5000}),
    (ns.articles, {"min_paragraphs": 0}),
    (ns.articles, {"max_paragraphs": 13}),
    (ns.articles, {"min_paragraphs": 5, "max_paragraphs": 2}),
    (ns.articles, {"agencies": ["NO SUCH AGENCY"]}),
    (ns.articles, {"agencies": []}),
    (ns.articles, {"agencies": "VNA"}),
    (ns.articles, {"layouts": ["tabs"]}),
    (ns.articles, {"layouts": []}),
    (ns.articles, {"newlines": ["\r"]}),
    (ns.articles, {"noise": "yes"}),
    (ns.credits, {"forms": ["smoke signal"]}),
    (ns.credits, {"agencies": ["VNA"], "forms": ["equals"]}),  # VNA does not use ==VNA
    (ns.credits, {"markers": 1}),
    (ns.datelines, {"agencies": ["VNA"], "forms": ["bare"]}),
    (ns.datelines, {"forms": []}),
    (ns.datelines, {"forms": "date"}),
    (ns.repeated_blocks, {"min_copies": 0}),
    (ns.repeated_blocks, {"min_copies": 3, "max_copies": 2}),
    (ns.near_duplicates, {"max_edits": 0}),
    (ns.near_duplicates, {"min_count": 0}),
    (ns.teasers, {"min_count": 3, "max_paragraphs": 2}),
    (ns.options, {"nonsense": 1}),
    (ns.options, {"threshold": 1.5}),
    (ns.options, {"num_perm": 7}),
    (ns.options, {"byline": "shout"}),
    (ns.options, {"threshold": st.just(2.0)}),  # a strategy of invalid values: at draw time
]


@pytest.mark.parametrize("function, kwargs", INVALID, ids=[f"{f.__name__}-{k}" for f, k in INVALID])
def test_invalid_arguments_raise_at_draw_time(function: Callable[..., Any], kwargs: dict[str, Any]) -> None:
    strategy = function(**kwargs)  # lazily, like hypothesis' own: no error yet
    with pytest.raises(InvalidArgument):
        draw_once(strategy)


@pytest.mark.parametrize(
    "function",
    [ns.paragraphs, ns.articles, ns.credits, ns.datelines, ns.repeated_blocks, ns.near_duplicates, ns.teasers],
)
def test_arguments_are_keyword_only(function: Callable[..., Any]) -> None:
    with pytest.raises(TypeError):
        function(1)


def test_strategies_are_returned_not_values() -> None:
    for function in (
        ns.paragraphs,
        ns.articles,
        ns.credits,
        ns.datelines,
        ns.repeated_blocks,
        ns.near_duplicates,
        ns.teasers,
        ns.options,
    ):
        assert isinstance(function(), st.SearchStrategy)


def test_shrinks_to_a_short_plain_paragraph() -> None:
    """Where the shrinker stops depends on what it generated first, and Hypothesis seeds
    generation with constants from every module loaded so far, so the result changes with
    the tests that ran before: one short plain paragraph, or at most two."""
    example = find(ns.articles(), lambda _: True, settings=FIND)
    assert example.dirty == example.clean and not example.injected and example.byline is None
    assert example.dirty.count("\n") <= 1 and 80 <= len(example.dirty) < 220


def test_shrinks_towards_the_one_thing_asked_for() -> None:
    example = find(ns.articles(), lambda ex: ex.removed and ex.byline, settings=FIND)
    assert len(example.removed) == 1 and len(example.credits) <= 2
    assert not any(i.kind == "layout" for i in example.injected)
    assert len(_layout.split(example.dirty)) <= 3 and len(example.clean) < 100
    near = find(ns.near_duplicates(), lambda _: True, settings=FIND)
    assert near.removed == ((1, 0, "near_repeat"),) and len(near.dirty) < 250


# -- options ---------------------------------------------------------------------------


@SOME
@given(ns.options(), ns.articles(max_paragraphs=4))
def test_any_options_clean_any_article(options: newsclean.Options, example: ns.Example) -> None:
    assert isinstance(options, newsclean.Options)
    result = newsclean.clean(example.dirty, **dataclasses.asdict(options))
    if options == newsclean.Options():
        assert result.text == example.clean
    if options.byline == "keep" and not options.dedupe_paragraphs:
        assert result.text.split() == tidy(example.dirty).split()


def test_threshold_near_one_works() -> None:
    """Found by options(): threshold=1.0 is valid (Options takes (0, 1]) and gives LSH bands
    of more than 32 rows, which once crashed band_keys()."""
    text = "the senior officials discussed the rise of violence in the region today"
    assert newsclean.clean(text + "\n" + text + "!", threshold=1.0).removed == ()
    assert newsclean.Options(threshold=1.0).bands[1] > 32
    words = text.split()
    rotated = " ".join(words) + " " + " ".join(words)  # same 5-gram set as itself, twice
    assert newsclean.clean(rotated + "\n" + rotated, threshold=1.0, num_perm=1024).removed[0].rule == "exact_repeat"


@SOME
@given(ns.options(byline="keep", threshold=st.floats(0.5, 0.9)))
def test_options_can_be_fixed_or_drawn(options: newsclean.Options) -> None:
    assert options.byline == "keep" and 0.5 <= options.threshold <= 0.9


def test_options_shrink_to_the_defaults() -> None:
    assert find(ns.options(), lambda _: True, settings=FIND) == newsclean.Options()


# -- st.from_type, and import costs -------------------------------------------------------


@SOME
@given(st.from_type(ns.Example), st.from_type(newsclean.Options))
def test_from_type(example: ns.Example, options: newsclean.Options) -> None:
    assert isinstance(example, ns.Example) and isinstance(options, newsclean.Options)
    assert_clean_gives(example)


def run_python(code: str, **env: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ, **env}, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_entry_point_registers_from_type_when_hypothesis_is_imported() -> None:
    points = importlib.metadata.entry_points(group="hypothesis")
    assert any(p.value == "_newsclean_hypothesis:_hypothesis_setup_hook" for p in points), (
        "the hypothesis entry point is not installed: pip install -e ."
    )
    for imports in (
        "from hypothesis import given, settings, strategies as st\nimport newsclean\n",
        "import newsclean\nfrom hypothesis import given, settings, strategies as st\n",
    ):
        code = (
            "import sys\n" + imports + "assert 'newsclean.strategies' not in sys.modules  # (made when drawn)\n"
            "@settings(max_examples=5, database=None)\n"
            "@given(st.from_type(newsclean.Options))\n"
            "def test(options): assert isinstance(options, newsclean.Options)\n"
            "test()\n"
            "from newsclean import strategies as ns\n"
            "print(st.from_type(ns.Example), st.from_type(newsclean.Options))\n"
        )
        assert run_python(code) == "articles() options()", imports


def test_importing_hypothesis_imports_nothing_of_newsclean() -> None:
    """``import hypothesis`` runs newsclean's entry point, which must not import newsclean
    (numpy, the credit patterns: what made it cost some 100 ms). Checked by what it imports,
    which does not depend on the machine's load (the time itself is measured outside the
    tests: ``python -X importtime -c "import hypothesis"``). The entry point's module is
    imported by importlib, so its hook is also run here as hypothesis runs it."""
    code = (
        "import sys, importlib.metadata\n"
        "import hypothesis\n"
        "before = set(sys.modules)\n"
        "for point in importlib.metadata.entry_points(group='hypothesis'):\n"
        "    if point.value.startswith('_newsclean_hypothesis:'):\n"
        "        point.load()()\n"
        "print(sorted(set(sys.modules) - before))\n"
    )
    assert run_python(code, HYPOTHESIS_NO_PLUGINS="1") == "['_newsclean_hypothesis']"
    # With plugins on, as users run it: nothing of newsclean, nor numpy, is imported.
    code = "import sys, hypothesis; print(sorted(m for m in sys.modules if 'newsclean' in m or m == 'numpy'))"
    assert run_python(code) == "['_newsclean_hypothesis']"


def test_importing_the_strategies_first_works() -> None:
    """newsclean.strategies imports hypothesis, whose entry point loads newsclean.strategies
    while it is half imported; and without plugins the import registers the types itself."""
    code = (
        "from newsclean import strategies as ns\n"
        "from hypothesis import strategies as st\n"
        "print(st.from_type(ns.Example), st.from_type(ns.Options))\n"
    )
    assert run_python(code) == "articles() options()"
    assert run_python(code, HYPOTHESIS_NO_PLUGINS="1") == "articles() options()"


def test_import_newsclean_does_not_import_hypothesis() -> None:
    code = "import sys, newsclean; newsclean.clean('A b c.-VNA'); print('hypothesis' in sys.modules)"
    assert run_python(code) == "False"
