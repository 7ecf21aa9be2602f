"""The trafilatura recipe (docs/recipes/trafilatura.md): HTML -> trafilatura -> newsclean.

The pages in tests/fixtures/pages are in the style of the sites they imitate: the VietnamPlus
page holds its article body twice in the markup (the CMS renders it again for its text-size
view) and its last paragraph ends with the credit ``.-VNA``; the Xinhua page opens with the
dateline ``BEIJING, June 8 (Xinhua) --`` and prints its lead photo's caption again at the
foot; the third page republishes the VNA story on another site. Each test first checks what
trafilatura itself returns, so that what it then credits to newsclean is newsclean's work.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import newsclean

trafilatura = pytest.importorskip("trafilatura")

ROOT = Path(__file__).resolve().parent.parent
RECIPE = ROOT / "docs" / "recipes" / "trafilatura.md"
PAGES = ROOT / "tests" / "fixtures" / "pages"
VNA = PAGES / "vna-mekong-water.html"
XINHUA = PAGES / "xinhua-grain-harvest.html"
REPUBLISHED = PAGES / "republished-mekong-water.html"

REPEATED = "The agreement was reached at the fifth meeting of the joint working group"
CAPTION = "A combine harvester reaps wheat in a field in Zhumadian"


def extract(page: Path) -> str:
    """The recipe's first step: trafilatura's main text, one paragraph a line."""
    text = trafilatura.extract(page.read_text(encoding="utf-8"))
    assert text, f"trafilatura found no text in {page.name}"
    return str(text)


def test_vna_page_repeated_body_and_credit() -> None:
    text = extract(VNA)
    lines = text.splitlines()
    # What trafilatura gives: the lead, the six body paragraphs, then the six again.
    assert len(lines) == 13
    assert lines[7:] == lines[1:7], "trafilatura now drops the repeated body: rework this fixture"
    assert text.count(REPEATED) == 2
    assert text.count(".-VNA") == 2

    result = newsclean.clean(text)

    assert result.text == "\n".join(lines[:6] + [lines[6].removesuffix("-VNA")]) + "\n"
    assert result.text.count(REPEATED) == 1
    assert "VNA" not in result.text
    assert result.byline is not None
    assert (result.byline.agency, result.byline.name) == ("VNA", "Vietnam News Agency")
    assert (result.byline.raw, result.byline.position, result.byline.kind) == ("-VNA", "trailing", "credit")
    assert [(r.index, r.duplicate_of, r.rule) for r in result.removed] == [
        (7 + n, 1 + n, "exact_repeat") for n in range(6)
    ]


def test_xinhua_page_dateline_and_repeated_caption() -> None:
    text = extract(XINHUA)
    assert text.count(CAPTION) == 2, "trafilatura now drops the repeated caption: rework this fixture"
    assert "BEIJING, June 8 (Xinhua) -- China has harvested" in text

    result = newsclean.clean(text)

    assert result.text.count(CAPTION) == 1
    assert "(Xinhua) --" not in result.text
    assert "\nChina has harvested more than half of its winter wheat" in result.text
    assert result.text.rstrip().endswith("can be dried quickly and stored safely.")
    byline = result.byline
    assert byline is not None
    assert (byline.agency, byline.kind, byline.position) == ("XINHUA", "dateline", "leading")
    assert (byline.raw, byline.location, byline.date) == ("BEIJING, June 8 (Xinhua) --", "BEIJING", "June 8")
    assert [(r.rule, r.duplicate_of) for r in result.removed] == [("exact_repeat", 0)]


def test_the_repeat_survives_trafilaturas_own_deduplicate() -> None:
    # deduplicate=True counts segments in one cache for the whole process and drops one
    # seen more than twice; a body printed twice in one page passes. A fresh process, so
    # that no other test's extractions are in that cache.
    code = (
        "import sys, trafilatura;"
        "text = trafilatura.extract(open(sys.argv[1], encoding='utf-8').read(), deduplicate=True);"
        f"print(text.count({REPEATED!r}))"
    )
    done = subprocess.run([sys.executable, "-c", code, str(VNA)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "2"


def test_republished_story_is_a_near_duplicate_across_pages() -> None:
    index = newsclean.DedupIndex()
    assert index.add(extract(VNA), id="vietnamplus").new
    assert index.add(extract(XINHUA), id="xinhua").new
    republished = index.add(extract(REPUBLISHED), id="mekong-business-daily")
    assert (republished.new, republished.duplicate_of) == (False, "vietnamplus")
    assert republished.similarity is not None and 0.8 <= republished.similarity < 1.0


def recipe_snippets() -> list[tuple[str, str]]:
    """Each ```python block of the recipe with the ```text block that shows its output."""
    return re.findall(r"```python\n(.*?)```\n\n```text\n(.*?)```", RECIPE.read_text(encoding="utf-8"), re.S)


def test_recipe_has_snippets() -> None:
    assert len(recipe_snippets()) == 3


@pytest.mark.parametrize("number", range(3))
def test_recipe_snippet_prints_what_the_recipe_shows(number: int) -> None:
    code, shown = recipe_snippets()[number]
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout == shown
