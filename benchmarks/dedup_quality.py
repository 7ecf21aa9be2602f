"""How well a near-duplicate filter's decisions on a republication stream match the truth.

    python benchmarks/dedup_quality.py truth.jsonl marked.jsonl [--similarity-field F] [--json]

``truth.jsonl`` is what ``republish_corpus.py`` writes: one line per document, in stream
order, ``{"id", "story", "kind", "original"}``. The decisions file has one JSON object per
document with ``id`` and ``duplicate_of`` (null when kept), in any order, for instance what
``newsclean dedup --mark --id-field id`` writes (the whole record plus ``duplicate_of``; only
those two fields, and the similarity field if asked for, are read).

A document is a *true duplicate* iff an earlier document of the stream has the same story.
A decision ``duplicate_of = X`` is *right* iff X is an earlier document of the same story;
any other mark is a *false merge* (of a hard negative, an unrelated story, an original, or a
copy linked to another story). So:

* recall = true duplicates marked with a right link / true duplicates;
* precision = right marks / all marks;
* false merges are counted by the kind of the document wrongly marked (``neg:*`` are the
  hard negatives: their count out of all of that kind is also given);
* recall by copy edit: for every edit of ``republish_corpus.EDITS``, the recall over the
  copies made with it, and by the number of edits a copy has;
* with ``--similarity-field``, the lowest similarity among right marks and the highest among
  false merges: a positive margin means a threshold between them would separate this stream.

Documents of the truth with no decision count as kept (``missing`` says how many); decisions
for ids not in the truth are counted in ``unknown`` and otherwise ignored.

    >>> import tempfile, os
    >>> d = tempfile.mkdtemp()
    >>> truth = [{"id": "a", "story": "a", "kind": "original", "original": None},
    ...          {"id": "b", "story": "a", "kind": "copy:wrap+words", "original": "a"},
    ...          {"id": "c", "story": "c", "kind": "neg:quote", "original": "a"},
    ...          {"id": "e", "story": "a", "kind": "copy:site", "original": "a"}]
    >>> marks = [{"id": "a", "duplicate_of": None}, {"id": "b", "duplicate_of": "a"},
    ...          {"id": "c", "duplicate_of": "a"}, {"id": "e", "duplicate_of": None}]
    >>> for name, rows in (("t", truth), ("m", marks)):
    ...     with open(os.path.join(d, name), "w") as f:
    ...         f.writelines(json.dumps(r) + "\\n" for r in rows)
    >>> r = evaluate(os.path.join(d, "t"), os.path.join(d, "m"))
    >>> r["recall"], r["precision"], r["false_merges"]["by_kind"]
    (0.5, 0.5, {'neg:quote': 1})
    >>> r["recall_by_edit"]["wrap"], r["recall_by_edit"]["site"]
    ({'copies': 1, 'found': 1, 'recall': 1.0}, {'copies': 1, 'found': 0, 'recall': 0.0})
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

EDITS = ("site", "dateline", "typography", "words", "para-add", "para-drop", "merge", "split", "wrap")
EXAMPLES = 10  # false merges and misses listed per kind


def _lines(path: str | Path) -> Iterator[dict[str, Any]]:
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if line.strip():
                try:
                    yield json.loads(line)
                except json.JSONDecodeError as err:
                    raise ValueError(f"{path}:{n}: not JSON: {err}") from None


def _ratio(a: int, b: int) -> float | None:
    return a / b if b else None


def evaluate(truth_path: str | Path, decisions_path: str | Path, similarity_field: str | None = None) -> dict[str, Any]:
    """Compare the decisions with the truth; see the module docstring for the definitions."""
    truth = list(_lines(truth_path))
    position = {t["id"]: i for i, t in enumerate(truth)}
    story = {t["id"]: t["story"] for t in truth}
    decision: dict[str, str | None] = {}
    similarity: dict[str, float] = {}
    unknown = 0
    for rec in _lines(decisions_path):
        doc = str(rec["id"])
        if doc not in position:
            unknown += 1
            continue
        dup = rec.get("duplicate_of")
        decision[doc] = None if dup is None else str(dup)
        if similarity_field and rec.get(similarity_field) is not None:
            similarity[doc] = float(rec[similarity_field])

    first_of_story: set[str] = set()
    true_dup: set[str] = set()
    for t in truth:
        if t["story"] in first_of_story:
            true_dup.add(t["id"])
        first_of_story.add(t["story"])

    right: list[str] = []
    false: list[str] = []
    for t in truth:
        dup = decision.get(t["id"])
        if dup is None:
            continue
        ok = dup in position and position[dup] < position[t["id"]] and story[dup] == t["story"]
        (right if ok else false).append(t["id"])
    right_set = set(right)
    kind = {t["id"]: t["kind"] for t in truth}
    made_from = {t["id"]: t["original"] for t in truth}

    by_kind = Counter(kind[d] if not kind[d].startswith("copy") else "copy (linked to another story)" for d in false)
    totals = Counter(kind.values())
    negatives = {
        k: {"documents": totals[k], "merged": by_kind.get(k, 0), "rate": _ratio(by_kind.get(k, 0), totals[k])}
        for k in sorted(totals)
        if k.startswith("neg:")
    }
    examples: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for d in false:
        k = kind[d]
        if len(examples[k]) < EXAMPLES:
            examples[k].append(
                {"id": d, "duplicate_of": decision[d], "original": made_from[d], "similarity": similarity.get(d)}
            )

    edit_total: Counter[str] = Counter()
    edit_found: Counter[str] = Counter()
    n_total: Counter[int] = Counter()
    n_found: Counter[int] = Counter()
    missed: list[str] = []
    for t in truth:
        if t["id"] not in true_dup:
            continue
        found = t["id"] in right_set
        if not found and len(missed) < EXAMPLES:
            missed.append(t["id"])
        if t["kind"].startswith("copy:"):
            edits = t["kind"][5:].split("+")
            for e in edits:
                edit_total[e] += 1
                edit_found[e] += found
            n_total[len(edits)] += 1
            n_found[len(edits)] += found

    result: dict[str, Any] = {
        "documents": len(truth),
        "decisions": len(decision),
        "missing": len(truth) - len(decision),
        "unknown": unknown,
        "true_duplicates": len(true_dup),
        "marked": len(right) + len(false),
        "found": len(right),
        "recall": _ratio(len(right), len(true_dup)),
        "precision": _ratio(len(right), len(right) + len(false)),
        "false_merges": {
            "count": len(false),
            "by_kind": dict(sorted(by_kind.items())),
            "hard_negatives": negatives,
            "examples": dict(examples),
        },
        "recall_by_edit": {
            e: {"copies": edit_total[e], "found": edit_found[e], "recall": _ratio(edit_found[e], edit_total[e])}
            for e in [*EDITS, *sorted(set(edit_total) - set(EDITS))]
            if edit_total[e]
        },
        "recall_by_edit_count": {
            str(n): {"copies": n_total[n], "found": n_found[n], "recall": _ratio(n_found[n], n_total[n])}
            for n in sorted(n_total)
        },
        "missed_examples": missed,
    }
    if similarity_field:
        sims_right = [similarity[d] for d in right if d in similarity]
        sims_false = [similarity[d] for d in false if d in similarity]
        lowest = min(sims_right) if sims_right else None
        highest = max(sims_false) if sims_false else None
        result["similarity"] = {
            "field": similarity_field,
            "lowest_right": lowest,
            "highest_false": highest,
            "margin": None if lowest is None or highest is None else lowest - highest,
        }
    return result


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.1f}%"


def render(r: dict[str, Any]) -> Iterator[str]:
    """The report as text lines."""
    yield f"{r['documents']} documents, {r['true_duplicates']} true duplicates, {r['marked']} marked"
    if r["missing"] or r["unknown"]:
        yield f"  decisions missing for {r['missing']} documents (counted as kept); {r['unknown']} decisions for unknown ids"
    yield f"recall    {_pct(r['recall'])} ({r['found']} / {r['true_duplicates']})"
    yield f"precision {_pct(r['precision'])} ({r['found']} / {r['marked']})"
    fm = r["false_merges"]
    yield f"false merges: {fm['count']}" + (
        "" if not fm["by_kind"] else " (" + ", ".join(f"{k} {v}" for k, v in fm["by_kind"].items()) + ")"
    )
    for k, v in fm["hard_negatives"].items():
        yield f"  {k:16s} {v['merged']:5d} of {v['documents']:5d} merged ({_pct(v['rate'])})"
    for k, ex in fm["examples"].items():
        for e in ex[:3]:
            yield f"    e.g. {k}: {e['id']} -> {e['duplicate_of']} (made from {e['original']})"
    yield "recall by copy edit:"
    for e, v in r["recall_by_edit"].items():
        yield f"  {e:12s} {_pct(v['recall']):>7s} ({v['found']} / {v['copies']})"
    yield "recall by number of edits: " + ", ".join(
        f"{n}: {_pct(v['recall'])}" for n, v in r["recall_by_edit_count"].items()
    )
    if "similarity" in r:
        s = r["similarity"]
        yield f"similarity ({s['field']}): lowest right {s['lowest_right']}, highest false {s['highest_false']}, margin {s['margin']}"


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("truth", help="truth.jsonl from republish_corpus.py")
    p.add_argument("decisions", help="JSONL with id and duplicate_of per document (e.g. newsclean dedup --mark)")
    p.add_argument("--similarity-field", help="the field of the decisions holding the similarity of a mark")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    args = p.parse_args(argv)
    r = evaluate(args.truth, args.decisions, args.similarity_field)
    if args.json:
        print(json.dumps(r, indent=1))
    else:
        for line in render(r):
            print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
