"""The docs' pictures are drawn from what the code does (docs/_generate.py): their data is
checked here against the library and the installed command; the docs build draws them."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from .conftest import ROOT, entry_point

sys.path.insert(0, str(ROOT / "docs"))
import _generate  # noqa: E402

pytest.importorskip("matplotlib")


def test_the_diff_is_the_seeds_report() -> None:
    rows = _generate.clean_diff_rows()
    assert len(rows) == 15
    assert [mark for mark, *_ in rows] == [" "] * 8 + ["-"] * 7
    assert rows[7][2:] == ("-VNA", "credit → byline VNA")
    assert [note for *_, note in rows[8:]] == [f"exact repeat of ¶{n}" for n in range(1, 8)]
    assert all(len(text) + len(tail) <= 96 for _, text, tail, _ in rows)
    assert rows[0][1].startswith("The Association of South East Asian Nations (ASEAN)")


def test_the_dateline_parts_are_its_pieces() -> None:
    text = _generate.DATELINE_EXAMPLE
    parts = _generate.dateline_parts()
    pieces = [(text[a:b], label.split(":")[0].split("\n")[0]) for a, b, label in parts]
    assert pieces[:4] == [("BEIJING", "place"), ("June 8", "date"), ("(Xinhua)", "agency"), ("--", "separator")]
    assert pieces[4][0].startswith("China has harvested") and pieces[4][1] == "the story"


def test_the_group_is_the_one_newsclean_dedup_writes(tmp_path: Path) -> None:
    kept, copies = _generate.duplicate_group()
    groups = tmp_path / "groups.jsonl"
    done = subprocess.run(
        [entry_point(), "dedup", "--workers", "1", "--groups", str(groups), str(_generate.STORIES)],
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr.decode()
    written = [json.loads(line) for line in groups.read_text(encoding="utf-8").splitlines()]
    largest = max(written, key=lambda g: len(g["duplicates"]))
    assert largest["id"] == kept["id"] and len(copies) >= 2
    assert [(d["id"], d["similarity"]) for d in largest["duplicates"]] == [
        (story["id"], pytest.approx(sim, abs=1e-6)) for story, sim in copies
    ]


def test_the_chart_reads_the_pages_table() -> None:
    rows = _generate.index_throughput()
    page = _generate.BENCH_INDEX.read_text(encoding="utf-8")
    assert len(rows) >= 4
    for method, median, low, high in rows:
        assert f"{method}" in page and f"{median:.0f} [{low:.0f}-{high:.0f}]" in page
        assert low <= median <= high
    assert "_generated/index-throughput.png" in page


@pytest.mark.parametrize("make", ["clean_diff_svg", "dateline_svg", "duplicate_group_svg"])
def test_the_svgs_are_svg(make: str) -> None:
    data = getattr(_generate, make)()
    assert ET.fromstring(data).tag == "{http://www.w3.org/2000/svg}svg"
    assert data == getattr(_generate, make)()  # (the same bytes each build: no rewrite)


def test_the_chart_is_a_png() -> None:
    assert _generate.index_throughput_png()[:8] == b"\x89PNG\r\n\x1a\n"
