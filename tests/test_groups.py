"""Groups: each kept document and the copies dropped against it (``newsclean dedup --mark``'s
``group``, ``--groups FILE``, ``NearDuplicates.groups()``)."""

from __future__ import annotations

import json
import random
from pathlib import Path

import newsclean

from .test_dedup_cli import DOCS, jsonl, rows

_rng = random.Random(7)
WORDS = ["".join(_rng.choice("bcdfghklmnprstvz") + _rng.choice("aeiou") for _ in range(3)) for _ in range(200)]


def doc(id: str, start: int, stop: int) -> str:
    return json.dumps({"id": id, "text": " ".join(WORDS[start:stop]).capitalize() + "."}) + "\n"


# A ~ B (word 3-gram Jaccard 0.49, above dedup's 0.4) and B ~ C, but C is not like A (0.18):
# B is dropped as A's copy, and C, compared with the kept documents alone, is kept.
CHAIN = doc("A", 0, 60) + doc("B", 20, 80) + doc("C", 40, 100) + doc("D", 25, 75)


def test_mark_writes_each_documents_group(run) -> None:
    marked = rows(run("dedup", "--mark", input=jsonl(DOCS)).stdout)
    assert len(marked) == len(DOCS)
    for r in marked:
        assert r["group"] == (r["id"] if r["duplicate_of"] is None else r["duplicate_of"])
    kept = {r["id"] for r in marked if r["duplicate_of"] is None}
    assert {r["group"] for r in marked} == kept  # a group is always a kept document


def test_a_chain_stays_as_decided(run) -> None:
    marked = {r["id"]: r for r in rows(run("dedup", "--mark", input=CHAIN).stdout)}
    assert {k: (r["duplicate_of"], r["group"]) for k, r in marked.items()} == {
        "A": (None, "A"),
        "B": ("A", "A"),
        "C": (None, "C"),  # like B, but B was dropped: C is compared with A and C alone
        "D": ("A", "A"),  # like A, B and C: matched to the most similar kept one, A
    }


def test_groups_file(run, tmp_path: Path) -> None:
    path = tmp_path / "groups.jsonl"
    path.write_text("old\n")
    marked = rows(run("dedup", "--mark", input=jsonl(DOCS)).stdout)
    done = run("dedup", "--groups", str(path), input=jsonl(DOCS))
    assert done.returncode == 0
    groups = [json.loads(line) for line in path.read_text().splitlines()]
    assert [g["id"] for g in groups] == [r["id"] for r in marked if r["duplicate_of"] is None]
    assert [r["id"] for r in rows(done.stdout)] == [g["id"] for g in groups]
    for g in groups:
        assert set(g) == {"id", "duplicates"}
        members = [r for r in marked if r["duplicate_of"] == g["id"]]
        assert g["duplicates"] == [{"id": r["id"], "similarity": r["similarity"]} for r in members]
    assert sum(len(g["duplicates"]) for g in groups) == len(DOCS) - len(groups) > 0
    assert [p.name for p in tmp_path.iterdir()] == ["groups.jsonl"]  # (the temporary file renamed)
    chain = tmp_path / "chain.jsonl"
    run("dedup", "--groups", str(chain), input=CHAIN)
    found = [(g["id"], [d["id"] for d in g["duplicates"]]) for g in map(json.loads, chain.read_text().splitlines())]
    assert found == [("A", ["B", "D"]), ("C", [])]


def test_groups_across_runs(run, tmp_path: Path) -> None:
    index, path = tmp_path / "seen.nci", tmp_path / "groups.jsonl"
    run("dedup", "--index", str(index), input=doc("A", 0, 60))
    done = run(
        "dedup",
        "--index",
        str(index),
        "--groups",
        str(path),
        input=doc("E", 100, 160) + doc("B", 20, 80) + doc("A", 0, 60),
    )
    assert done.returncode == 0
    groups = [json.loads(line) for line in path.read_text().splitlines()]
    # E is new; B copies A, kept yesterday; A again is a repeat, not a copy of itself.
    assert [(g["id"], [d["id"] for d in g["duplicates"]]) for g in groups] == [("E", []), ("A", ["B"])]
    # A run of repeats alone makes no group: its documents were kept by earlier runs.
    again = run("dedup", "--index", str(index), "--groups", str(path), input=doc("E", 100, 160) + doc("A", 0, 60))
    assert again.returncode == 0 and again.stdout == b"" and path.read_text() == ""
    # A repeat of a document kept in this run leaves its group as it was.
    run("dedup", "--groups", str(path), input=doc("F", 0, 60) + doc("G", 20, 80) + doc("F", 0, 60))
    groups = [json.loads(line) for line in path.read_text().splitlines()]
    assert [(g["id"], [d["id"] for d in g["duplicates"]]) for g in groups] == [("F", ["G"])]


def test_groups_file_where_it_cannot_be_written(run, tmp_path: Path) -> None:
    for path, why in [
        (tmp_path / "no" / "groups.jsonl", f"no such directory {str(tmp_path / 'no')!r}"),
        (tmp_path, "it is a directory"),
    ]:
        done = run("dedup", "--groups", str(path), input=CHAIN)
        assert (done.returncode, done.stdout) == (1, b"")
        assert done.stderr.decode() == f"newsclean dedup: {path}: cannot write the groups there: {why}\n"


def test_near_duplicates_groups() -> None:
    base = [" ".join(WORDS[i : i + 40]) for i in range(0, 160, 40)]
    texts = [base[0], base[1], base[0] + " coda", base[2], base[1] + ".", base[0] + "!"]
    found = newsclean.near_duplicates(texts)
    groups = found.groups()
    assert groups == {0: [2, 5], 1: [4], 3: []}
    assert list(groups) == found.kept.tolist()
    for kept, members in groups.items():
        assert all(found.duplicate_of[j] == kept for j in members)
