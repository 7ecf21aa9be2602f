"""The seed: a real VNA story captured twice, with the credit glued to the last sentence."""

from __future__ import annotations

import json

import newsclean


def test_library(seed: str, seed_clean: str) -> None:
    result = newsclean.clean(seed)
    assert result.text == seed_clean
    assert result.byline is not None
    assert (result.byline.agency, result.byline.name) == ("VNA", "Vietnam News Agency")
    assert (result.byline.raw, result.byline.position) == ("-VNA", "trailing")
    assert len(result.removed) == 7
    assert [(r.index, r.duplicate_of, r.rule) for r in result.removed] == [
        (8 + k, 1 + k, "exact_repeat") for k in range(7)
    ]
    assert all(r.similarity == 1.0 for r in result.removed)
    assert result.changed


def test_cli_text(run, seed: str, seed_clean: str) -> None:
    done = run(input=seed)
    assert (done.returncode, done.stderr) == (0, b"")
    assert done.stdout.decode() == seed_clean
    assert run("examples/vna-asean-somtc.txt").stdout.decode() == seed_clean


def test_cli_jsonl(run, seed: str, seed_clean: str) -> None:
    line = json.dumps({"id": 7, "text": seed, "url": "https://example.org/a"}) + "\n"
    done = run("--jsonl", input=line * 2)
    assert (done.returncode, done.stderr) == (0, b"")
    rows = [json.loads(x) for x in done.stdout.decode().splitlines()]
    assert len(rows) == 2
    for row in rows:
        assert list(row) == ["id", "text", "url", "newsclean"]
        assert (row["id"], row["url"], row["text"]) == (7, "https://example.org/a", seed_clean)
        assert row["newsclean"]["byline"]["agency"] == "VNA"
        assert len(row["newsclean"]["removed"]) == 7


def test_clean_output_is_stable(seed_clean: str) -> None:
    assert newsclean.clean(seed_clean).text == seed_clean
    assert not newsclean.clean(seed_clean).changed
