"""A deterministic stream of news-like paragraphs with planted near-duplicates of known
exact Jaccard similarity, for ``bench_batch.py`` (``newsclean.near_duplicates``).

Words. 82% of the running words come from the wire copy in ``tests/cases`` (frozen in
``paragraph_words.txt`` with their frequencies, so the corpus does not change when the cases
do: regenerate it with ``python benchmarks/paragraph_corpus.py --refresh-words``). The long
tail of a real archive is simulated by 40,000 made-up words from a letter trigram model of
that vocabulary (10%, Zipf-distributed), made-up names of people, places and companies (5%)
and numbers, amounts and years (3%). Sentences get commas, quotes with a speaker, and a
full stop; a paragraph is 150-600 characters (most 250-400).

Planted near-duplicates (``DUP_RATE`` = 20% of the stream) are made from an earlier
paragraph (85% from the last 2,000, else any; the source may itself be a copy, so chains
and clusters occur), as one of ``KINDS``:

* ``exact``: the same text;
* ``format``: the same comparison key (curly/straight quotes, NBSP, doubled spaces,
  re-wrapped lines, dashes, trailing space, letter case): Jaccard 1;
* ``punct``: commas and full stops added or dropped;
* ``edit``: words replaced, inserted, deleted or swapped one at a time until the exact
  Jaccard with the source falls below a target drawn from ``TARGETS`` (half just above 0.8,
  a third in 0.7-0.8 to test precision, the rest 0.5-0.7);
* ``truncate``: the paragraph cut at a word boundary (a subset: J = |B| / |A|), or a
  sentence appended;
* ``combo``: ``format`` and ``edit`` together.

Similarity is the exact Jaccard similarity of the sets of character 5-grams of
``newsclean._text.normalize.key(text)`` (Python sets; see ``shingle_set``), newsclean's own
definition. ``Paragraph.j_source`` is that similarity with the source. ``truth.py`` finds
every pair at or above the threshold, planted or not.

    >>> a = corpus(300, seed=3)
    >>> [p.text for p in a] == [p.text for p in corpus(300, seed=3)]
    True
    >>> all(150 <= len(p.text) <= 620 for p in a if p.kind in ("original", "exact"))
    True
"""

from __future__ import annotations

import argparse
import bisect
import dataclasses
import glob
import itertools
import json
import random
import re
from collections import Counter
from collections.abc import Hashable
from collections.abc import Set as AbstractSet
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from newsclean._text.normalize import key

HERE = Path(__file__).resolve().parent
WORDS_FILE = HERE / "paragraph_words.txt"
SHINGLE = 5
DUP_RATE = 0.20
RECENT = 2000
KINDS = ("exact", "format", "punct", "edit", "truncate", "combo")
_KIND_WEIGHTS = (0.15, 0.15, 0.10, 0.40, 0.12, 0.08)
# (low, high, weight): an edit stops at the first exact Jaccard below a target drawn
# uniformly from [low, high).
TARGETS = ((0.80, 0.97, 0.50), (0.70, 0.80, 0.35), (0.50, 0.70, 0.15))
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")


def refresh_words() -> None:
    """Rewrite ``paragraph_words.txt`` from the inputs of ``tests/cases/*.json``."""
    texts = [
        json.loads(Path(f).read_text())["input"] for f in sorted(glob.glob(str(HERE.parent / "tests/cases/*.json")))
    ]
    counts = Counter(_WORD.findall("\n".join(texts)))
    for w in sorted(counts):  # "The" at the start of a sentence is "the"
        if w != w.lower() and w.lower() in counts:
            counts[w.lower()] += counts.pop(w)
    lines = [f"{w} {n}" for w, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    WORDS_FILE.write_text("# word count, from the inputs of tests/cases/*.json (frozen)\n" + "\n".join(lines) + "\n")


def shingle_set(text: str, size: int = SHINGLE) -> set[str]:
    """The set of character ``size``-grams of newsclean's comparison key of ``text``."""
    k = key(text)
    if len(k) <= size:
        return {k} if k else set()
    return {k[i : i + size] for i in range(len(k) - size + 1)}


def jaccard(a: AbstractSet[Hashable], b: AbstractSet[Hashable]) -> float:
    if not a and not b:
        return 1.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


@dataclasses.dataclass(frozen=True)
class Paragraph:
    """One paragraph of the stream.

    Attributes:
        text: the paragraph.
        kind: ``original`` or one of ``KINDS``.
        source: position of the paragraph it was made from, or -1.
        root: position of the original at the root of its chain of copies (itself for an
            original): only paragraphs with the same root were made alike.
        j_source: exact Jaccard similarity with the source (NaN for an original).
    """

    text: str
    kind: str
    source: int
    root: int
    j_source: float


# -- vocabulary ---------------------------------------------------------------------------


@lru_cache(maxsize=1)
def base_words() -> tuple[tuple[str, ...], tuple[float, ...]]:
    words, cum, total = [], [], 0.0
    for line in WORDS_FILE.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            w, n = line.rsplit(" ", 1)
            total += int(n)
            words.append(w)
            cum.append(total)
    return tuple(words), tuple(cum)


class _Letters:
    """A letter trigram model of the base vocabulary: English-like made-up words."""

    def __init__(self, words: tuple[str, ...]) -> None:
        nxt: dict[str, Counter[str]] = {}
        for w in words:
            w = "^^" + w.lower().replace("’", "'") + "$"
            for i in range(len(w) - 2):
                nxt.setdefault(w[i : i + 2], Counter())[w[i + 2]] += 1
        self.table = {k: (tuple(c), tuple(itertools.accumulate(c.values()))) for k, c in nxt.items()}

    def word(self, rng: random.Random, min_len: int = 4, max_len: int = 13) -> str:
        while True:
            state, out = "^^", list[str]()
            while True:
                letters, cum = self.table[state]
                ch = letters[bisect.bisect(cum, rng.random() * cum[-1])]
                if ch == "$" or len(out) > max_len:
                    break
                out.append(ch)
                state = state[1] + ch
            if min_len <= len(out) <= max_len and "'" not in out:
                return "".join(out)


@dataclasses.dataclass
class Vocabulary:
    words: tuple[str, ...]
    cum: tuple[float, ...]
    tail: tuple[str, ...]
    tail_cum: tuple[float, ...]
    names: tuple[str, ...]
    name_cum: tuple[float, ...]


@lru_cache(maxsize=4)
def vocabulary(seed: int = 0) -> Vocabulary:
    words, cum = base_words()
    rng = random.Random(f"vocabulary-{seed}")
    letters = _Letters(words)
    known = {w.lower() for w in words}
    tail: list[str] = []
    while len(tail) < 40_000:
        w = letters.word(rng)
        if w not in known:
            known.add(w)
            tail.append(w)
    names: list[str] = []
    while len(names) < 20_000:
        w = letters.word(rng, 3, 10)
        if w not in known:
            known.add(w)
            names.append(w.capitalize())

    # Zipf-like, flattened at the top: the commonest made-up word is rarer than the
    # rarest words of the base vocabulary are in total.
    def zipf(n: int, k: int) -> tuple[float, ...]:
        return tuple(itertools.accumulate(1.0 / (r + k) for r in range(n)))

    return Vocabulary(words, cum, tuple(tail), zipf(len(tail), 300), tuple(names), zipf(len(names), 100))


# -- paragraphs ---------------------------------------------------------------------------

_SPEAKERS = ("said", "told reporters", "said in a statement", "told parliament", "added", "wrote")
_KIND_CUM = (0.82, 0.92, 0.97, 1.0)  # base words, made-up words, names, numbers
_UNITS = ("percent", "million", "billion", "tonnes", "people", "kilometres", "hectares", "USD", "yuan", "points")


def _number(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.25:
        return str(rng.randint(1990, 2030))
    if r < 0.5:
        return f"{rng.randint(1, 99)}.{rng.randint(0, 9)} {rng.choice(_UNITS)}"
    if r < 0.75:
        return f"{rng.randint(1, 999):,}" if rng.random() < 0.5 else f"{rng.randint(1000, 999999):,}"
    return str(rng.randint(2, 60))


class _Pool:
    """Seeded draws from a weighted population, made by numpy 64k at a time."""

    def __init__(self, gen: np.random.Generator, population: tuple[Any, ...], cum: tuple[float, ...]) -> None:
        self.gen, self.population, self.cum = gen, population, np.asarray(cum)
        self.buf: list[Any] = []
        self.at = 0

    def take(self, k: int) -> list[Any]:
        if self.at + k > len(self.buf):
            idx = np.searchsorted(self.cum, self.gen.random(1 << 16) * self.cum[-1], side="right")
            self.buf, self.at = [self.population[i] for i in idx.tolist()], 0
        self.at += k
        return self.buf[self.at - k : self.at]


class Writer:
    def __init__(self, rng: random.Random, vocab: Vocabulary) -> None:
        self.rng, self.v = rng, vocab
        gen = np.random.Generator(np.random.PCG64(rng.getrandbits(64)))
        self.kinds = _Pool(gen, (0, 1, 2, 3), _KIND_CUM)
        self.base = _Pool(gen, vocab.words, vocab.cum)
        self.tail = _Pool(gen, vocab.tail, vocab.tail_cum)
        self.names = _Pool(gen, vocab.names, vocab.name_cum)

    def token(self) -> str:
        return self.words(1)[0]

    def words(self, n: int) -> list[str]:
        kinds = self.kinds.take(n)
        base, tail = iter(self.base.take(n)), iter(self.tail.take(n))
        return [
            next(base) if k == 0 else next(tail) if k == 1 else self.name() if k == 2 else _number(self.rng)
            for k in kinds
        ]

    def name(self) -> str:
        first, second = self.names.take(2)
        return first if self.rng.random() < 0.6 else f"{first} {second}"

    def sentence(self) -> str:
        rng = self.rng
        words = self.words(rng.randint(6, 28))
        for i in range(2, len(words) - 2):
            if rng.random() < 0.07:
                words[i] += ","
        s = " ".join(words)
        s = s[0].upper() + s[1:]
        if rng.random() < 0.15:
            q = "“" if rng.random() < 0.5 else '"'
            close = "”" if q == "“" else '"'
            return f"{q}{s},{close} {self.name()} {rng.choice(_SPEAKERS)}."
        return s + "."

    def paragraph(self) -> str:
        rng = self.rng
        target = min(600, max(150, int(rng.triangular(150, 600, 300))))
        out = self.sentence()
        while len(out) < target:
            out += " " + self.sentence()
        if len(out) > 600:  # cut the last sentence at a word boundary
            cut = out.rfind(" ", 0, 599)
            out = out[:cut].rstrip(",") + "."
        return out


# -- planted near-duplicates ---------------------------------------------------------------

_QUOTES = str.maketrans({"“": '"', "”": '"', "’": "'", '"': "“"})


def _format(rng: random.Random, text: str) -> str:
    """A text with the same comparison key."""
    ops = rng.sample(range(6), rng.randint(1, 3))
    for op in ops:
        if op == 0:
            text = text.translate(_QUOTES)
        elif op == 1:
            text = text.replace(" ", "  ", rng.randint(1, 5))
        elif op == 2:
            text = text.replace(" ", "\u00a0", rng.randint(1, 4))
        elif op == 3:  # re-wrapped at about 70 columns
            words, lines, line = text.split(" "), [], ""
            for w in words:
                if line and len(line) + len(w) > 70:
                    lines.append(line)
                    line = w
                else:
                    line = f"{line} {w}" if line else w
            text = "\n".join([*lines, line])
        elif op == 4:
            upper = text.upper()  # not always the same key: "Adıyaman" -> "ADIYAMAN"
            text = upper if rng.random() < 0.2 and key(upper) == key(text) else text + "  "
        else:
            text = text.replace(" - ", " — ").replace(",", " ,", 1).replace(" ,", ",")
            text = "\u200b" + text if rng.random() < 0.5 else text.replace("’", "&#8217;")
    return text


def _punct(rng: random.Random, text: str) -> str:
    words = text.split(" ")
    for _ in range(rng.randint(1, 4)):
        i = rng.randrange(len(words))
        w = words[i]
        if w.endswith((",", ".")):
            words[i] = w[:-1]
        else:
            words[i] = w + rng.choice(",,.;")
    return " ".join(words)


class Planter:
    def __init__(self, rng: random.Random, writer: Writer) -> None:
        self.rng, self.writer = rng, writer

    def target(self) -> float:
        lo, hi, _ = self.rng.choices(TARGETS, weights=[w for *_, w in TARGETS])[0]
        return self.rng.uniform(lo, hi)

    def edit(self, text: str, src_set: set[str], target: float) -> tuple[str, float]:
        """Random word edits until the exact Jaccard with the source is below ``target``:
        a few at a time while far above it (estimated from the drop so far), then one by one."""
        rng, words = self.rng, text.split(" ")
        j, done, step = 1.0, 0, 1
        while j >= target and len(words) > 8:
            for _ in range(step):
                op = rng.random()
                i = rng.randrange(len(words))
                if op < 0.55:
                    words[i] = self.writer.token()
                elif op < 0.7:
                    words.insert(i, self.writer.token())
                elif op < 0.85 and len(words) > 8:
                    del words[i]
                elif i + 1 < len(words):
                    words[i], words[i + 1] = words[i + 1], words[i]
            done += step
            j = jaccard(shingle_set(" ".join(words)), src_set)
            per_edit = max((1.0 - j) / done, 1e-3)
            step = max(1, int(0.7 * (j - target) / per_edit))
        return " ".join(words), j

    def truncate(self, text: str, src_set: set[str]) -> str:
        rng = self.rng
        if rng.random() < 0.25:
            return text + " " + self.writer.sentence()
        target = self.target()
        # Cut at the word boundary nearest to keeping ~target of the shingles.
        spaces = [m.start() for m in re.finditer(" ", text)]
        want = int(len(text) * target)
        cut = min(spaces, key=lambda s: abs(s - want)) if spaces else len(text)
        return text[:cut]

    def make(self, kind: str, text: str) -> tuple[str, float]:
        """A copy of ``text`` of this kind, and its exact Jaccard similarity with ``text``."""
        rng = self.rng
        if kind == "exact":
            return text, 1.0
        if kind == "format":
            out = _format(rng, text)
            assert key(out) == key(text), (out, text)
            return out, 1.0
        src_set = shingle_set(text)
        if kind == "punct":
            out = _punct(rng, text)
        elif kind == "truncate":
            out = self.truncate(text, src_set)
        else:
            out, j = self.edit(text, src_set, self.target())
            if kind == "edit":
                return out, j
            out = _format(rng, out)
        return out, jaccard(shingle_set(out), src_set)


def corpus(n: int, seed: int = 1) -> list[Paragraph]:
    """The first ``n`` paragraphs of the stream ``seed`` (a prefix of any longer one)."""
    rng = random.Random(seed)
    writer = Writer(rng, vocabulary())
    planter = Planter(rng, writer)
    out: list[Paragraph] = []
    for i in range(n):
        if i >= 10 and rng.random() < DUP_RATE:
            if rng.random() < 0.85:
                src = rng.randrange(max(0, i - RECENT), i)
            else:
                src = rng.randrange(i)
            kind = rng.choices(KINDS, weights=_KIND_WEIGHTS)[0]
            text, j = planter.make(kind, out[src].text)
            out.append(Paragraph(text, kind, src, out[src].root, j))
        else:
            out.append(Paragraph(writer.paragraph(), "original", -1, i, float("nan")))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--refresh-words", action="store_true", help="rewrite paragraph_words.txt from tests/cases")
    ap.add_argument("--show", type=int, default=0, help="print the first N paragraphs")
    args = ap.parse_args()
    if args.refresh_words:
        refresh_words()
    for i, p in enumerate(corpus(args.show)):
        print(f"[{i}] {p.kind} src={p.source} J={p.j_source:.3f} {p.text!r}")


if __name__ == "__main__":
    main()
