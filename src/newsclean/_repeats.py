"""Repeated paragraphs within a document: exact keys, MinHash candidates verified by the
exact Jaccard of shingle sets, and truncated teasers."""

from __future__ import annotations

import bisect
import dataclasses
import re
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np
import regex

from ._bylines.credits import END_MARKERS
from ._options import Options, Rule
from ._similarity.arrays import unique
from ._similarity.hashing import I64, SET_BITS, U64, owned_sets32, shingle_hashes, shingle_units, window_hashes
from ._similarity.jaccard import similar_pairs, similarity
from ._similarity.lsh import band_keys, candidate_pairs_from_keys, chance_ok
from ._similarity.minhash import affine32_signatures
from ._text.normalize import Codes

_LETTER = re.compile(r"[^\W\d_]")
_WORD = re.compile(r"\w+")
# A letter (with its marks) of a script written without spaces between words: a run of
# them between punctuation is a phrase or a clause, so each one counts as a word.
_UNSPACED = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Thai}\p{Lao}\p{Khmer}\p{Myanmar}]\p{M}*")
#: A near repeat may take with it at most this many words that its kept paragraph lacks
#: (corrected spellings of the kept paragraph's words not counted): "a word or two".
NEAR_NEW_WORDS = 2
_TEASER_END = re.compile(r"\s*(?:\.\.\.|\[\.\.\.\])$")
TEASER_MIN_CHARS = 20
TEASER_MIN_WORDS = 3


@dataclasses.dataclass(frozen=True, order=True)
class Repeat:
    """Paragraph ``index`` repeats kept paragraph ``duplicate_of`` (``None`` for boilerplate,
    which repeats other documents)."""

    index: int
    duplicate_of: int | None
    similarity: float
    rule: Rule


class BoilerplateIndex(Protocol):
    """What ``clean(index=...)`` needs of an index to remove site boilerplate: every
    ``newsclean.index.Index`` (``DedupIndex``, ``RedisIndex``) is one, and so is any object
    with this method.

    ``boilerplate_hashes()`` gives the hashes of the paragraphs seen in enough stories to be
    a site's boilerplate; a paragraph of the text is removed (rule ``boilerplate``) when the
    hash of its comparison key is among them.
    """

    def boilerplate_hashes(self) -> frozenset[int]:
        """The hashes (of the comparison keys) of the paragraphs that are boilerplate."""
        ...


def find_boilerplate(keys: Sequence[str], index: BoilerplateIndex, removed: set[int]) -> list[Repeat]:
    """Paragraphs (not already removed, not layout) the index knows as site boilerplate."""
    from ._similarity.hashing import paragraph_hash

    known = index.boilerplate_hashes()
    if not known:
        return []
    return [
        Repeat(i, None, 1.0, "boilerplate")
        for i, k in enumerate(keys)
        if i not in removed and _LETTER.search(k) and paragraph_hash(k) in known
    ]


def find_repeats(
    keys: Sequence[str], options: Options, texts: Sequence[str] | None = None, codes: Codes | None = None
) -> list[Repeat]:
    """Which paragraphs (given by their comparison keys) repeat an earlier kept one.

    A paragraph with no letter (in ``texts``, the whole paragraphs, else in its key) is
    layout and is never removed, but for an end marker (``./.``, ``-0-``): a repeat of one
    ends a repeated copy of the body. ``codes``, the keys as code points if at hand
    (``_text.normalize.keys_and_codes``), spare encoding them again.

    >>> long = "the senior officials discussed the rise of violence in the region"
    >>> find_repeats(["a", long, "b", long + ".", "* * *", "* * *"], Options())
    [Repeat(index=3, duplicate_of=1, similarity=0.98..., rule='near_repeat')]
    """
    content = [bool(_LETTER.search(t)) or t in END_MARKERS for t in (keys if texts is None else texts)]
    kept = list(content)
    repeats = _exact(keys, kept)
    # Teasers before near repeats: a long teaser is also a near repeat of its full
    # paragraph, and the full paragraph must be the one that stays.
    repeats += _truncated(keys, kept)
    repeats += _near(keys, kept, options, codes)
    return _to_kept(sorted(repeats))


def _to_kept(repeats: list[Repeat]) -> list[Repeat]:
    """Point every removal at a kept paragraph. An exact repeat of a paragraph that a
    later pass removed takes over that paragraph's removal (same key, same similarity);
    a teaser whose full paragraph was removed points where that paragraph points."""
    by_index = {r.index: r for r in repeats}
    out = []
    for r in repeats:
        target = by_index.get(r.duplicate_of) if r.duplicate_of is not None else None
        while target is not None:
            if r.rule == "exact_repeat":
                r = dataclasses.replace(target, index=r.index)
            else:
                r = dataclasses.replace(r, duplicate_of=target.duplicate_of)
            target = by_index.get(r.duplicate_of) if r.duplicate_of is not None else None
        out.append(r)
    return out


def _exact(keys: Sequence[str], kept: list[bool]) -> list[Repeat]:
    first: dict[str, int] = {}
    found = []
    for i, k in enumerate(keys):
        if kept[i]:
            j = first.setdefault(k, i)
            if j != i:
                kept[i] = False
                found.append(Repeat(i, j, 1.0, "exact_repeat"))
    return found


# Paragraphs sketched per step: bounds memory on huge documents (a 100 MB page) to the
# band keys and check bytes of every paragraph plus one chunk's shingles.
_SKETCH_CHUNK = 2048
# Band keys whose buckets are searched at once, and candidate pairs checked at once: the
# memory of a huge page's search is bounded by them.
_PAIRS_PART = 1 << 19
_CHECK_STEP = 1 << 14
# Up to this many paragraphs, every pair is compared exactly and nothing is sketched: for
# a typical article that is cheaper than MinHash, and it cannot miss a pair.
_ALL_PAIRS_MAX = 64


def _near(keys: Sequence[str], kept: list[bool], options: Options, codes: Codes | None = None) -> list[Repeat]:
    idx = [i for i, k in enumerate(keys) if kept[i] and len(k) >= options.min_near_length]
    if len(idx) < 2:
        return []
    if len(idx) <= _ALL_PAIRS_MAX:
        candidates, similarity = _all_pairs([keys[i] for i in idx], options, _codes_of(codes, idx))
    else:
        candidates, similarity = _sketched_pairs([keys[i] for i in idx], options)
    found = []
    # Decide each later paragraph in input order, against the earlier paragraphs that are
    # still kept at that point.
    for j in sorted(candidates):
        best: tuple[float, int] | None = None
        for i in candidates[j]:
            if not kept[idx[i]]:
                continue
            s = similarity(i, j)
            if (
                s >= options.threshold
                and (best is None or s > best[0])
                and not loses_content(keys[idx[j]], keys[idx[i]])
            ):
                best = (s, i)
        if best is not None:
            kept[idx[j]] = False
            found.append(Repeat(idx[j], idx[best[1]], best[0], "near_repeat"))
    return found


Pairs = tuple[dict[int, list[int]], Callable[[int, int], float]]


def _codes_of(codes: Codes | None, idx: list[int]) -> Codes | None:
    """The code points of the keys ``idx`` (sorted) of ``codes``."""
    if codes is None or len(idx) == len(codes[1]):
        return codes
    chosen = np.zeros(len(codes[1]), dtype=bool)
    chosen[idx] = True
    return codes[0][np.repeat(chosen, codes[1])], codes[1][idx]


def _all_pairs(keys: Sequence[str], options: Options, codes: Codes | None = None) -> Pairs:
    """Every pair of paragraphs whose exact Jaccard similarity reaches the threshold, as
    ``{later: [earlier, ...]}`` and their similarity (``jaccard.similar_pairs``)."""
    # Every shingle, repeats included: similar_pairs makes the sets.
    hashes, owner = _window_hashes(keys, options, codes)
    i, j, sims = similar_pairs(hashes, owner, len(keys), options.threshold)
    if not len(i):
        return {}, _no_similarity
    similar = dict(zip(zip(i.tolist(), j.tolist()), sims.tolist()))
    candidates: dict[int, list[int]] = {}
    for a, b in sorted(similar):
        candidates.setdefault(b, []).append(a)
    return candidates, lambda a, b: similar[a, b]


def _window_hashes(keys: Sequence[str], options: Options, codes: Codes | None) -> tuple[U64, I64]:
    """Every shingle hash of ``keys`` (repeats included) and the key each belongs to,
    unmixed: they only make sets. From the keys' code points when they are at hand."""
    if codes is not None and options.shingle_kind == "char":
        units, lengths = codes[0].astype(np.uint64), codes[1]
    else:
        units, lengths = shingle_units(keys, options.shingle_kind)
    return window_hashes(units, lengths, options.shingle_size, mix=False)


def _no_similarity(a: int, b: int) -> float:
    raise AssertionError("no pair was a candidate")  # pragma: no cover


def _sketched_pairs(keys: Sequence[str], options: Options) -> Pairs:
    """MinHash LSH candidates among many paragraphs, kept when their signatures agree as
    sets at the threshold would (``lsh.chance_ok``) and their exact Jaccard similarity
    reaches it, as ``{later: [earlier, ...]}`` and that similarity. Arrays throughout: the
    buckets are searched a range of keys at a time (``_PAIRS_PART`` keys), and a range's
    pairs checked before the next, so that a huge page of look-alike rows, whose buckets
    propose hundreds of pairs a paragraph, stays linear in time and memory."""
    bands, rows = options.bands
    params = options.sketch
    n = len(keys)
    band = np.empty((n, bands), dtype=np.uint64)
    check = np.empty((n, params.num_perm), dtype=np.uint8)
    for start in range(0, n, _SKETCH_CHUNK):
        hashes, offsets = shingle_hashes(
            keys[start : start + _SKETCH_CHUNK], options.shingle_size, options.shingle_kind
        )
        signatures = affine32_signatures(hashes, offsets, params)
        band[start : start + len(signatures)] = band_keys(signatures, bands, rows)
        check[start : start + len(signatures)] = signatures  # (the low byte of each bin)
    full = np.full(_CHECK_STEP, params.num_perm, dtype=np.int64)  # (no bin of k-permutation MinHash is empty)
    found = []
    parts = max(1, -(-band.size // _PAIRS_PART))
    for part in range(parts):
        pairs = candidate_pairs_from_keys(band, (part, parts))
        for at in range(0, len(pairs), _CHECK_STEP):
            a, b = pairs[at : at + _CHECK_STEP, 0], pairs[at : at + _CHECK_STEP, 1]
            ok = chance_ok(check[a], check[b], full[: len(a)], full[: len(a)], options.threshold, densified=False)
            found.append(a[ok] * n + b[ok])  # (a pair as one number: the parts may find it twice)
    codes = unique(np.concatenate(found)) if found else np.zeros(0, dtype=np.int64)
    if not len(codes):
        return {}, _no_similarity
    pairs = np.stack([codes // n, codes % n], axis=1)
    # The exact similarity of the pairs left, on the shingle sets of the paragraphs in them
    # as 32-bit hashes (the top 32 bits of each: what jaccard.similarity, the stream index
    # and the batch path compare), made a chunk at a time.
    involved = unique(pairs)
    sets, sizes = [], []
    for start in range(0, len(involved), _SKETCH_CHUNK):
        chunk = [keys[i] for i in involved[start : start + _SKETCH_CHUNK].tolist()]
        hashes, offsets = shingle_hashes(chunk, options.shingle_size, options.shingle_kind)
        owner = np.repeat(np.arange(len(chunk), dtype=np.uint64), np.diff(offsets))
        values, counts = owned_sets32((owner << np.uint64(32)) | (hashes >> np.uint64(SET_BITS - 32)), len(chunk))
        sets.append(values)
        sizes.append(counts)
    offsets = np.concatenate([[0], np.cumsum(np.concatenate(sizes))])
    local = np.searchsorted(involved, pairs)
    sims = similarity(np.concatenate(sets), offsets, local[:, 0], local[:, 1])
    good = sims >= options.threshold
    similar = dict(zip(map(tuple, pairs[good].tolist()), sims[good].tolist()))
    candidates: dict[int, list[int]] = {}
    for i, j in sorted(similar):
        candidates.setdefault(j, []).append(i)
    return candidates, lambda i, j: similar[i, j]


def _truncated(keys: Sequence[str], kept: list[bool]) -> list[Repeat]:
    teasers = {}
    for i, k in enumerate(keys):
        m = _TEASER_END.search(k) if kept[i] and k.endswith(("...", "[...]")) else None
        if m:
            core = k[: m.start()]
            if len(core) >= TEASER_MIN_CHARS and len(core.split()) >= TEASER_MIN_WORDS:
                teasers[i] = core
    if not teasers:
        return []
    full = sorted((k, i) for i, k in enumerate(keys) if kept[i] and i not in teasers)
    found = []
    for i, core in teasers.items():
        matches = []
        at = bisect.bisect_left(full, (core, -1))
        while at < len(full) and full[at][0].startswith(core):
            matches.append(full[at][1])
            at += 1
        if matches:
            j = min(matches)
            kept[i] = False
            found.append(Repeat(i, j, len(core) / len(keys[j]), "truncated_repeat"))
    return found


def loses_content(removed: str, kept: str) -> bool:
    """Whether removing the paragraph of key ``removed`` as a near repeat of the one of key
    ``kept`` would lose content: a number that ``kept`` does not have (a differing quantity,
    a list item), or more than ``NEAR_NEW_WORDS`` words that it does not have (a clause, a
    list item), where a word that is a corrected spelling of a word of ``kept`` it replaces
    (one or two letters apart) is not counted. In scripts written without spaces (Han,
    Hiragana, Katakana, Thai, Lao, Khmer, Myanmar) each letter is a word (``_words``), and a
    numeral letter (``二``, ``十``) a number.

    >>> loses_content("the lao government approved the plan", "the lao goverment approved the plan")
    False
    >>> loses_content("1 green, 1 red, 1 yellow, 1 orange, 1 tsp.", "1 green, 1 red, 1 yellow, 1 tsp.")
    True
    >>> loses_content("the bank kept its rate at 4.5 percent", "the bank kept its rate at 4.25 percent")
    True
    >>> loses_content("prices rose on tuesday as demand grew", "prices rose as demand grew")
    False
    >>> loses_content("prices rose on tuesday as demand grew in asia", "prices rose as demand grew")
    True
    >>> loses_content("工业利润增长，但部分企业利润下滑，投资增长。", "工业利润增长，投资增长。")
    True
    >>> loses_content("工业利润增长，制造业投资增长。", "工业利润增长，製造业投资增长。")
    False
    """
    removed_words = _words(removed)
    kept_words = _words(kept)
    lost = removed_words - kept_words
    if not lost:
        return False
    replaced = list((kept_words - removed_words).elements())  # words the removed copy changed
    new = 0
    for word in lost.elements():
        if _UNSPACED.match(word):
            if word[0].isnumeric():  # a numeral: 二, 十, 百, 万
                return True
        else:
            if any(c.isdigit() for c in word):
                return True
            near = next((k for k, w in enumerate(replaced) if _letters_apart(word, w) <= 2), None)
            if near is not None and min(len(word), len(replaced[near])) > 3:
                del replaced[near]  # a corrected (or misspelt) word
                continue
        new += 1
        if new > NEAR_NEW_WORDS:
            return True
    return False


def _words(key: str) -> Counter[str]:
    """The words of ``key``: runs of letters and digits, but each letter (with its marks)
    of a script written without spaces is a word of its own, since a run of those is a
    phrase or a clause.

    >>> sorted(_words("iphone手机 costs 999").elements())
    ['999', 'costs', 'iphone', '手', '机']
    """
    unspaced = _UNSPACED.findall(key)
    if not unspaced:
        return Counter(_WORD.findall(key))
    return Counter(unspaced) + Counter(_WORD.findall(_UNSPACED.sub(" ", key)))


def _letters_apart(a: str, b: str) -> int:
    """The edit distance of two words (insertions, deletions, substitutions), or 3 if it is
    at least 3: only "one or two letters apart" is asked."""
    if abs(len(a) - len(b)) > 2:
        return 3
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > 2:
            return 3
        previous = current
    return min(previous[-1], 3)
