"""What the lake tests share: a republication stream with the awkward parts of a lake
(ids repeated with the same body and with another, empty bodies, rows without an id,
exact copies under other ids), and the reference decisions of ``DedupIndex.add_many``."""

from __future__ import annotations

import random
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from newsclean._tables import doc_id
from newsclean.index import DedupIndex, IndexParams

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

from republish_corpus import GeneratedBase, build  # noqa: E402


@dataclass
class Lake:
    """Documents in stream order (``ids[k]`` may be None: named by the text) and the
    rows an engine gets: sparse order values, shuffled."""

    texts: list[str | None]
    ids: list[str | None]
    orders: np.ndarray
    shuffle: np.ndarray

    def columns(self) -> dict[str, list]:
        return {
            "ts": self.orders[self.shuffle].tolist(),
            "text": [self.texts[i] for i in self.shuffle],
            "url": [self.ids[i] for i in self.shuffle],
        }

    def expected(self, **params: object) -> dict[int, tuple[str | None, float | None, str, str]]:
        """By order value: ``(duplicate_of, similarity, group, status)`` as a new
        ``DedupIndex``'s ``add_many`` decides (the ids named as ``newsclean dedup``
        names a table's rows)."""
        names = [doc_id(i, t if t is not None else "") for i, t in zip(self.ids, self.texts)]
        results = DedupIndex(IndexParams(**params)).add_many([t or "" for t in self.texts], names)
        return {
            int(o): (r.duplicate_of, r.similarity, r.id if r.new else str(r.duplicate_of), r.status)
            for o, r in zip(self.orders, results)
        }


def lake(n: int = 240, seed: int = 0) -> Lake:
    """A small republication stream (benchmarks/republish_corpus.py: copies with other
    credits, datelines, site chrome, typography and wrapping; hard negatives), with an id
    repeated on the same text (a re-crawl: a repeat) and on an edited text (a correction:
    an update), a copy of a corrected story's old body after the correction, rows with
    no id (named by their text: one repeated), empty texts and bodies (a bare credit),
    nulls, and exact copies under other ids."""
    rng = random.Random(seed)
    docs = build(n, "dev", GeneratedBase, seed)
    texts: list[str | None] = [d.text for d in docs]
    ids: list[str | None] = [d.id for d in docs]

    def put(at: int, text: str | None, doc: str | None) -> None:
        texts.insert(at, text)
        ids.insert(at, doc)

    for _ in range(6):  # re-crawls: one id, one text, later
        k = rng.randrange(len(texts) // 2)
        put(rng.randrange(k + 1, len(texts)), texts[k], ids[k])
    for _ in range(4):  # corrections: one id, an edited text
        k = rng.randrange(len(texts) // 2)
        edited = (texts[k] or "") + "\n\nCorrection: an earlier version of this story misstated a figure."
        at = rng.randrange(k + 1, len(texts))
        put(at, edited, ids[k])
        put(rng.randrange(at + 1, len(texts) + 1), texts[k], f"after-{ids[k]}")  # the old body, again
    for _ in range(5):  # exact copies under other ids, and without one
        k = rng.randrange(len(texts))
        put(rng.randrange(k + 1, len(texts) + 1), texts[k], None if rng.random() < 0.5 else f"copy-{k}")
    loose = texts[3]
    put(len(texts) // 3, loose, None)
    put(2 * len(texts) // 3, loose, None)  # (no id, the same text: a repeat)
    for what in ("", "— AFP", None, "", "(Reuters) -"):  # empty texts and bodies
        put(rng.randrange(len(texts)), what, None if what is None else f"empty-{len(texts)}")
    put(rng.randrange(len(texts)), "", "")  # (an empty id: named by its text)
    # A story kept, a copy of it dropped, the story corrected (so the copy's match is
    # forgotten), the copy again under another id (kept), and a copy of the copy (its
    # duplicate). (A story of its own: another's paragraphs, their words reversed.)
    story = [" ".join(p.split()[::-1]) for p in (docs[0].text or "").split("\n") if p.strip()]
    fix = [" ".join(p.split()[::-1]) for p in (docs[1].text or "").split("\n") if p.strip()]
    for text, doc in (
        (story, "late-m"),
        (story[:-1], "late-p"),
        (fix, "late-m"),
        (story[:-1], "late-q"),
        (story[1:], "late-r"),
    ):
        put(len(texts), "\n\n".join(text), doc)
    m = len(texts)
    orders = 10_000 + 13 * np.arange(m, dtype=np.int64) + (np.arange(m) % 5)
    return Lake(texts, ids, orders, np.random.default_rng(seed).permutation(m))
