"""A deterministic corpus of stories with planted republications and hard negatives.

Each republication is at Jaccard >= 0.8 from its original (word 3-grams of the clean body);
two republications of one story need not be, so recall is measured against the original.

Every document carries its truth: ``story`` (documents of one story are near-duplicates
of each other) and ``kind`` (how it was made). Hard negatives get a story of their own.
"""

from __future__ import annotations

import dataclasses
import json
import random
import re
from pathlib import Path

CASES = Path(__file__).parent / "cases"


def vocabulary() -> list[str]:
    words: set[str] = set()
    for path in sorted(CASES.glob("*.json")):
        words.update(re.findall(r"[A-Za-z][a-z]{2,}", json.loads(path.read_text(encoding="utf-8"))["expected"]))
    return sorted(words)


@dataclasses.dataclass(frozen=True)
class Doc:
    id: str
    text: str
    story: int
    kind: str


HEADERS = ["Follow us on Facebook and X for the latest news from the region.", "Subscribe to our newsletter."]
FOOTERS = ["Read more: the week in business.", "Copyright Example Daily. All rights reserved."]
SITE = [
    "Example Times is an independent daily newspaper founded in 1998 and published in the capital.",
    "All content on this website is protected by copyright and may not be reproduced without permission.",
    "Contact the newsroom with tips and corrections at the address listed on our about page.",
]


class Generator:
    def __init__(self, seed: int = 7) -> None:
        self.rng = random.Random(seed)
        self.words = vocabulary()

    def sentence(self) -> str:
        return " ".join(self.rng.choice(self.words) for _ in range(self.rng.randint(12, 24))).capitalize() + "."

    def paragraph(self) -> str:
        return " ".join(self.sentence() for _ in range(self.rng.randint(2, 3)))

    def story(self, n: int = 10) -> list[str]:
        return [self.paragraph() for _ in range(n)]

    def republish(self, paragraphs: list[str], kind: str) -> str:
        ps = list(paragraphs)
        rng = self.rng
        if kind == "header_footer":
            ps = [rng.choice(HEADERS)] + ps + [rng.choice(FOOTERS)]
        elif kind == "whitespace_quotes":
            ps = [
                p.replace(" ", "  ", 3).replace("a", "a", 1) + ' "Yes," she said.' if i == 1 else p
                for i, p in enumerate(ps)
            ]
            ps = [p.replace('"', "“", 1).replace('"', "”", 1) for p in ps]
            return "\n\n".join(ps)
        elif kind == "dateline":
            ps[0] = rng.choice(["HANOI (VNA) — ", "BEIJING, June 8 (Xinhua) -- ", "(Reuters) - "]) + ps[0]
            ps[-1] = ps[-1] + rng.choice([".-VNA", " — AFP", ""])
        elif kind == "words_changed":
            for _ in range(3):
                i = rng.randrange(len(ps))
                words = ps[i].split()
                words[rng.randrange(len(words))] = rng.choice(self.words)
                ps[i] = " ".join(words)
        elif kind == "paragraph_added":
            ps.insert(rng.randrange(1, len(ps)), self.paragraph())
        elif kind == "paragraph_dropped":  # the shortest one, as an editor trims
            del ps[min(range(1, len(ps)), key=lambda i: len(ps[i]))]
        elif kind == "rewrapped":
            return "\n\n".join("\n".join(_wrap(p, rng.randint(50, 90))) for p in ps)
        return "\n".join(ps)


KINDS = [
    "header_footer",
    "whitespace_quotes",
    "dateline",
    "words_changed",
    "paragraph_added",
    "paragraph_dropped",
    "rewrapped",
]


def _wrap(text: str, width: int) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return lines + [line]


def corpus(n_stories: int = 60, seed: int = 7) -> list[Doc]:
    """Originals, 1-3 republications each, and hard negatives, shuffled deterministically."""
    g = Generator(seed)
    docs: list[Doc] = []
    story_id = 0
    originals = []
    for _ in range(n_stories):
        ps = g.story()
        originals.append(ps)
        docs.append(Doc(f"s{story_id}-original", "\n".join(ps), story_id, "original"))
        for kind in g.rng.sample(KINDS, g.rng.randint(1, 3)):
            docs.append(Doc(f"s{story_id}-{kind}", g.republish(ps, kind), story_id, kind))
        story_id += 1
    for n, ps in enumerate(originals[: n_stories // 2]):
        # A follow-up on the same topic: the first two paragraphs, then new reporting.
        docs.append(Doc(f"n{n}-follow_up", "\n".join(ps[:2] + g.story(6)), story_id, "follow_up"))
        story_id += 1
        # Another story quoting one long paragraph of this one.
        docs.append(Doc(f"n{n}-shared_quote", "\n".join(g.story(4) + [ps[3]] + g.story(3)), story_id, "shared_quote"))
        story_id += 1
    for n in range(n_stories // 4):
        # Two different stories under the same site boilerplate.
        for side in ("a", "b"):
            docs.append(
                Doc(f"b{n}{side}-same_site", "\n".join(SITE[:1] + g.story(6) + SITE[1:]), story_id, "same_site")
            )
            story_id += 1
    g.rng.shuffle(docs)
    # The wire story comes out before its republications: within each story, the
    # original takes the earliest position.
    positions: dict[int, list[int]] = {}
    for n, d in enumerate(docs):
        positions.setdefault(d.story, []).append(n)
    ordered = list(docs)
    for where in positions.values():
        members = sorted((docs[n] for n in where), key=lambda d: d.kind != "original")
        for n, d in zip(where, members):
            ordered[n] = d
    return ordered
