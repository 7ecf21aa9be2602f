"""Every shingle hash and shingle set, both widths.

64 bits (``clean()``'s paragraphs and the stream index): the hash of a character n-gram
``c_0 .. c_{n-1}`` (code points) is ``fmix64(sum(c_j * M_j) mod 2**64)`` with fixed odd
64-bit multipliers ``M_j`` (``MULTIPLIERS``); a key shorter than ``n`` is one shingle, the
whole key. Word n-grams combine the words' own 64-bit hashes (the same kind of sum over a
word's code points, see ``_word_hashes``) the same way. A batch of keys comes back as one
CSR pair ``(hashes, offsets)``: the shingles of key ``i`` are
``hashes[offsets[i]:offsets[i + 1]]``, sorted and unique (a set); no Python object is made
per shingle. ``shingle_hashes``' sets keep the top 40 bits of each hash: two distinct
shingles of a pair of 1,000-shingle sets collide with probability about 1e-6, far below
anything a Jaccard threshold can see. The scheme is named ``HASH_NAME``: sketches made
with another one are not comparable.

32 bits (``near_duplicates`` and the engines; the stream index's sets): ``window_hashes32``
hashes every character n-gram of many comparison keys at once over contiguous arrays of
code points (``key_codes``), multilinear with odd 32-bit multipliers (the top halves of
``MULTIPLIERS``), then made to depend on the seed (``seeded32``); ``shingle_sets32`` makes the
verification sets of the batch path, ``unit_sets32`` the index's (the top halves of the
64-bit hashes).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any, TypeVar

import numpy as np

from .._text.normalize import is_space, key_codes, slices
from .arrays import unique

try:  # (the module hashlib takes BLAKE2 from: hashlib itself loads OpenSSL, 4 MB a process)
    from _blake2 import blake2b
except ImportError:  # pragma: no cover  (a Python built without it)
    from hashlib import blake2b

HASH_NAME = "newsclean-multilinear64-top40-v2"  # (v2: word hashes from code points, _word_hashes)
SET_BITS = 40  # bits of a shingle hash kept in sets (shingle_hashes gives the top SET_BITS of each)
_MAX_KEYS = 1 << (64 - SET_BITS)

# (numpy.typing only for annotations: at run time the aliases are spelled without it, as
# importing it lengthens every start-up)
U32 = np.ndarray[Any, np.dtype[np.uint32]]
U64 = np.ndarray[Any, np.dtype[np.uint64]]
I64 = np.ndarray[Any, np.dtype[np.int64]]
W = TypeVar("W", np.uint32, np.uint64)


def splitmix64(n: int) -> int:
    """The splitmix64 mix of ``n`` (a bijection of 64-bit integers): the source of every
    fixed multiplier and of the seeds' mixes."""
    z = (n * 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
    return z ^ (z >> 31)


# Odd multipliers for positions 0..31 of an n-gram (splitmix64 of 1, 2, ...; fixed forever
# because they define HASH_NAME and the OPH scheme's hashes).
MULTIPLIERS = np.array([splitmix64(j + 1) | 1 for j in range(32)], dtype=np.uint64)


def fmix32(h: U32, out: U32 | None = None) -> U32:
    """The MurmurHash3 32-bit finaliser, element-wise (into ``out``, which may be ``h``)."""
    return _finalise(h, out, _FMIX32)


def fmix64(h: U64, out: U64 | None = None) -> U64:
    """The MurmurHash3 64-bit finaliser (a bijection), element-wise, wrapping (into
    ``out``, which may be ``h``: one temporary array then)."""
    return _finalise(h, out, _FMIX64)


# (shift, multiplier, shift, multiplier, shift) of each finaliser
_FMIX32 = (np.uint32(16), np.uint32(0x85EBCA6B), np.uint32(13), np.uint32(0xC2B2AE35), np.uint32(16))
_FMIX64 = (np.uint64(33), np.uint64(0xFF51AFD7ED558CCD), np.uint64(33), np.uint64(0xC4CEB9FE1A85EC53), np.uint64(33))


def _finalise(
    h: np.ndarray[Any, np.dtype[W]], out: np.ndarray[Any, np.dtype[W]] | None, steps: tuple[Any, ...]
) -> np.ndarray[Any, np.dtype[W]]:
    """``h ^= h >> s; h *= m`` by turns, then a last xor-shift, with one temporary array."""
    tmp = np.right_shift(h, steps[0])
    out = np.bitwise_xor(h, tmp, out=out)
    for multiplier, shift in zip(steps[1::2], steps[2::2]):
        out *= multiplier
        np.right_shift(out, shift, out=tmp)
        out ^= tmp
    return out


def seeded32(h: U32, seed: int, out: U32 | None = None) -> U32:
    """32-bit hashes made to depend on ``seed``: each xored with the seed's mix (the low
    half of ``splitmix64(seed)``), then ``fmix32`` (into ``out``, which may be ``h``); the
    last step of the OPH scheme's shingle hashes, in the batch path and the stream index.

    >>> h = np.array([1, 2], dtype=np.uint32)
    >>> bool((seeded32(h, 1) != seeded32(h, 2)).all()), h.tolist()
    (True, [1, 2])
    """
    mixed = np.bitwise_xor(h, np.uint32(splitmix64(seed) & 0xFFFFFFFF), out=out)
    return fmix32(mixed, out=mixed)


def shingle_hashes(keys: Sequence[str], size: int, kind: str = "char") -> tuple[U64, I64]:
    """The set of hashed shingles of every key, as CSR ``(hashes, offsets)``.

    >>> hashes, offsets = shingle_hashes(["abcdef", "abcdef", "xy", ""], 5)
    >>> offsets.tolist()
    [0, 2, 4, 5, 5]
    >>> bool((hashes[0:2] == hashes[2:4]).all())
    True
    """
    return _ngram_sets(*shingle_units(keys, kind), size)


def shingle_units(keys: Sequence[str], kind: str = "char") -> tuple[U64, I64]:
    """What the shingles of ``kind`` are n-grams of: every key's code points (``"char"``)
    or word hashes (``"word"``), one key after another, and how many each key has."""
    return _code_points(keys) if kind == "char" else _word_hashes(keys)


def word_units_of_codes(codes: U32, lengths: I64, unspaced_letters: bool = False) -> tuple[U64, I64]:
    """``shingle_units(keys, "word")`` of comparison keys given as their code points
    (``_text.normalize.key_codes``): the same values, without encoding the keys again.
    A comparison key's words are separated by one space (32), with none at either end
    (``key_codes`` folds every whitespace so), which is what this relies on.

    With ``unspaced_letters``, each letter of the scripts written without spaces between
    words (``UNSPACED``: Han, Hiragana, Katakana, Thai, Lao, Khmer, Myanmar), with the
    marks after it, is a word of its own, and so is each run of other characters between
    such letters (``unspaced_words`` of the keys, as their words).

    >>> from .._text.normalize import key_codes, keys
    >>> texts = ["A rose  is a rose", "", "word"]
    >>> units, counts = word_units_of_codes(*key_codes(texts))
    >>> bool((units == shingle_units(keys(texts), "word")[0]).all()), counts.tolist()
    (True, [5, 0, 1])
    >>> word_units_of_codes(*key_codes(["新华社电 GDP上涨"]), unspaced_letters=True)[1].tolist()
    [7]
    """
    full = lengths > 0
    if not len(codes):
        return np.zeros(0, dtype=np.uint64), np.zeros(len(lengths), dtype=np.int64)
    key_starts = np.cumsum(lengths) - lengths
    spaces = np.flatnonzero(codes == 32)
    # Each word's run: from its first code point to the next word's, the space after it
    # included (but for a key's last word): a space counts as 0 in the sum.
    starts = np.sort(np.concatenate([key_starts[full], spaces + 1]))
    split = _unspaced_starts(codes, key_starts[full]) if unspaced_letters else None
    if split is not None and len(split):
        starts = np.union1d(starts, split)
        # (An empty key starts where the next one does, so the last key starting at or
        # before a word's start is the one that holds it.)
        counts = np.bincount(np.searchsorted(key_starts, starts, side="right") - 1, minlength=len(lengths))
        counts = counts.astype(np.int64)
    else:
        # A key's words: its spaces, plus one.
        key_of_space = np.searchsorted(key_starts, spaces, side="right") - 1
        counts = np.bincount(key_of_space, minlength=len(lengths)).astype(np.int64) + full
    run = np.diff(starts, append=len(codes))
    word_lengths = run - (codes[starts + run - 1] == 32)
    if len(codes) <= _WORD_PIECE_CHARS:
        values = codes.astype(np.uint64)
        values[spaces] = 0
        return _multilinear(values, np.arange(len(codes)) - np.repeat(starts, run), starts, word_lengths, 31), counts
    # The code point arrays take some 40 bytes a character: a long batch (a 100 MB key) is
    # hashed a piece of whole words at a time (each word's hash is its own).
    bounds = np.unique(np.searchsorted(starts, np.arange(0, len(codes), _WORD_PIECE_CHARS)))
    bounds = bounds[bounds < len(starts)]  # (a piece starts at a word)
    units = []
    for w0, w1 in zip(bounds.tolist(), [*bounds[1:].tolist(), len(starts)]):
        a = int(starts[w0])
        b = int(starts[w1]) if w1 < len(starts) else len(codes)
        values = codes[a:b].astype(np.uint64)
        values[spaces[np.searchsorted(spaces, a) : np.searchsorted(spaces, b)] - a] = 0
        local = starts[w0:w1] - a
        position = np.arange(b - a) - np.repeat(local, run[w0:w1])
        units.append(_multilinear(values, position, local, word_lengths[w0:w1], 31))
    return np.concatenate(units), counts


_WORD_PIECE_CHARS = 1 << 20

#: The scripts written without spaces between words, whose letters (with the marks after
#: each) are words of their own where ``unspaced_letters`` asks (the paragraph rule's too).
UNSPACED = (
    r"(?=\P{M})[\p{Han}\p{Hiragana}\p{Katakana}\p{Thai}\p{Lao}\p{Khmer}\p{Myanmar}]"  # (letters: a mark is not one)
)
_UNSPACED_LIMIT = 0x40000  # (the end of plane 3, where the Han extensions end: no such letter beyond)


def unspaced_words(key: str) -> list[str]:
    """The words of a comparison key when each letter of ``UNSPACED`` (with its marks)
    is a word: what ``word_units_of_codes(..., unspaced_letters=True)`` hashes, written
    as plainly as it can be (the reference its arrays are tested against).

    >>> unspaced_words("新华社电 GDP上涨 ok")
    ['新', '华', '社', '电', 'GDP', '上', '涨', 'ok']
    """
    import regex

    return [w for word in key.split(" ") for w in regex.findall(rf"{UNSPACED}\p{{M}}*|(?:(?!{UNSPACED}).)+", word)]


def holds_unspaced(codes: U32) -> bool:
    """Whether code points hold a letter of ``UNSPACED`` (first a test that needs no
    table: every such script is at U+0E00 or above)."""
    return bool(len(codes)) and int(codes.max()) >= 0x0E00 and bool(_unspaced_masks()[0].take(codes, mode="clip").any())


def _unspaced_starts(codes: U32, key_starts: I64) -> I64 | None:
    """Where words start that a space does not start when ``UNSPACED`` letters are words:
    at each such letter, and at the first character after one (with its marks) that is
    neither a space nor another. ``None`` when the codes hold no such letter."""
    if not holds_unspaced(codes):
        return None
    letter_mask, mark_mask = _unspaced_masks()
    letter = letter_mask.take(codes, mode="clip")
    mark = mark_mask.take(codes, mode="clip")
    # Marks right after a letter belong to it: a run of marks (within a key) follows one
    # when the code point before the run is a letter of the same key.
    at_key_start = np.zeros(len(codes), dtype=bool)
    at_key_start[key_starts] = True
    first = mark.copy()
    first[1:] &= ~mark[:-1] | at_key_start[1:]
    run_at = np.flatnonzero(first)
    led = np.zeros(len(run_at) + 1, dtype=bool)
    led[1:] = (run_at > 0) & letter[np.maximum(run_at - 1, 0)] & ~at_key_start[run_at]
    cluster = letter | (mark & led[np.cumsum(first)])
    after = np.zeros(len(codes), dtype=bool)
    after[1:] = cluster[:-1] & ~cluster[1:] & (codes[1:] != 32)
    found: I64 = np.flatnonzero(letter | after)
    return found


@functools.cache
def _unspaced_masks() -> tuple[Any, Any]:
    """Per code point below ``_UNSPACED_LIMIT`` (and one more, False, for the rest, as
    ``take(mode="clip")`` reads it): whether it is an ``UNSPACED`` letter, and a mark.
    Built on first use (some 0.1 s): only for text holding such letters."""
    import regex

    from .._text.normalize import code_points_text

    text = code_points_text(_UNSPACED_LIMIT)
    masks = []
    for pattern in (UNSPACED, r"\p{M}"):
        mask = np.zeros(_UNSPACED_LIMIT + 1, dtype=bool)
        mask[[m.start() for m in regex.finditer(pattern, text)]] = True
        masks.append(mask)
    return masks[0], masks[1]


def paragraph_hashes(units: U64, counts: I64) -> U64:
    """One 64-bit hash per key from its word hashes (``shingle_units(keys, "word")``): the words' hashes
    in order, combined as a word's characters are (``_word_hashes``), top bit cleared.
    Stable across processes and runs (never Python's ``hash()``).

    >>> a = paragraph_hashes(*shingle_units(["the same words", "the same words", "other words"], "word"))
    >>> bool(a[0] == a[1]), bool(a[0] == a[2])
    (True, False)
    """
    mixed = np.full(len(counts), fmix64(np.zeros(1, dtype=np.uint64))[0])  # (an empty key's)
    full = np.flatnonzero(counts)
    if len(full):
        starts = np.cumsum(counts) - counts
        position = np.arange(len(units)) - np.repeat(starts, counts)
        mixed[full] = _multilinear(units, position, starts[full], counts[full], 30)
    return mixed & np.uint64(0x7FFFFFFFFFFFFFFF)


def paragraph_hash(paragraph_key: str) -> int:
    """``paragraph_hashes`` of one comparison key.

    >>> paragraph_hash("site news") == paragraph_hash("site news") != paragraph_hash("site")
    True
    """
    return int(paragraph_hashes(*shingle_units([paragraph_key], "word"))[0])


def _multilinear(values: U64, position: I64, starts: I64, lengths: I64, tail: int) -> U64:
    """The hash of each run of ``values`` (from each of ``starts``, nonempty, to the next;
    ``position``: each value's place in its run): ``fmix64(sum(v_j * M_(j mod 32)) + L *
    M_tail)`` for ``L`` its ``lengths``. A word's code points make its hash so (tail 31),
    and a paragraph's word hashes its hash (tail 30). ``position`` is overwritten (the
    callers make it for this call: one array a value fewer, for a long text)."""
    np.remainder(position, len(MULTIPLIERS), out=position)
    terms = MULTIPLIERS.take(position)
    with np.errstate(over="ignore"):
        terms *= values
        sums = np.add.reduceat(terms, starts)
        del terms
        sums += lengths.astype(np.uint64) * MULTIPLIERS[tail]
        return fmix64(sums, out=sums)


def _code_points(keys: Sequence[str]) -> tuple[U64, I64]:
    joined = "".join(keys).encode("utf-32-le", "surrogatepass")
    units = np.frombuffer(joined, dtype="<u4").astype(np.uint64)
    return units, np.fromiter((len(k) for k in keys), dtype=np.int64, count=len(keys))


def _word_hashes(keys: Sequence[str]) -> tuple[U64, I64]:
    """The 64-bit hash of every word (as ``str.split()`` finds them) of every key, and the
    number of words of each key. A word's hash is the ``_multilinear`` hash of its code
    points: array operations, no Python object per word."""
    cps = np.frombuffer(" ".join(keys).encode("utf-32-le", "surrogatepass"), dtype="<u4")
    word = ~is_space().take(cps, mode="clip")
    begins = word.copy()
    begins[1:] &= ~word[:-1]
    first = np.flatnonzero(begins)  # where each word starts in the joined text
    if not len(first):
        return np.zeros(0, dtype=np.uint64), np.zeros(len(keys), dtype=np.int64)
    chars = np.flatnonzero(word)
    word_of = np.cumsum(begins)[chars] - 1
    start_in_chars = np.searchsorted(chars, first)  # each word's first character among chars
    position = np.arange(len(chars)) - start_in_chars[word_of]
    lengths = np.diff(start_in_chars, append=len(chars))
    units = _multilinear(cps[chars].astype(np.uint64), position, start_in_chars, lengths, 31)
    # Words per key: key i starts at character sum(len(k) + 1 for the keys before it).
    key_starts = np.cumsum([0] + [len(k) + 1 for k in keys[:-1]])
    per_key = np.bincount(np.searchsorted(key_starts, first, side="right") - 1, minlength=len(keys))
    return units, per_key.astype(np.int64)


def window_hashes(units: U64, lengths: I64, size: int, mix: bool = True) -> tuple[U64, I64]:
    """The hash of every n-gram of ``units`` (as ``shingle_units`` gives them, or the code
    points of ``_normalize.key_codes``), repeats included, and the key each belongs to:
    first every full window in text order, then the one shingle (the whole key) of each
    key shorter than ``size``. ``mix=False`` leaves out the final ``fmix64``: the top bits
    of the multilinear sum alone tell shingles apart as well (multiply-shift hashing),
    which is all a comparison of sets needs, but its low bits are poor.

    >>> h, owner = window_hashes(*shingle_units(["abcab", "x"]), 2)
    >>> owner.tolist(), bool(h[0] == h[3])  # "ab" twice
    ([0, 0, 0, 0, 1], True)
    """
    n_keys = len(lengths)
    starts = np.zeros(n_keys + 1, dtype=np.int64)
    np.cumsum(lengths, out=starts[1:])
    total = int(starts[-1])
    # Full windows: every position p whose window [p, p + size) stays inside its key.
    n_windows = max(total - size + 1, 0)
    if n_windows:
        # Hash every window over contiguous slices (fast), then drop those that straddle
        # two keys (cheaper than gathering only the valid ones): those starting in the
        # last size - 1 places before each key's end.
        h = units[:n_windows] * MULTIPLIERS[0]
        term = np.empty_like(h)
        with np.errstate(over="ignore"):
            for j in range(1, size):
                np.multiply(units[j : j + n_windows], MULTIPLIERS[j], out=term)
                h += term
        del term
        if size > 1:
            ok = np.ones(n_windows, dtype=bool)
            straddle = (starts[1:, None] - np.arange(1, size, dtype=np.int64)).ravel()
            ok[straddle[(straddle >= 0) & (straddle < n_windows)]] = False
            h = h[ok]
        window_owner = np.repeat(np.arange(n_keys, dtype=np.int64), np.maximum(lengths - (size - 1), 0))
    else:
        h = np.zeros(0, dtype=np.uint64)
        window_owner = np.zeros(0, dtype=np.int64)
    # Keys shorter than a shingle are one shingle: the whole key.
    short = np.flatnonzero((lengths > 0) & (lengths < size))
    if len(short):
        extra = np.zeros(len(short), dtype=np.uint64)
        with np.errstate(over="ignore"):
            for j in range(size - 1):
                inside = lengths[short] > j
                extra[inside] += units[starts[short[inside]] + j] * MULTIPLIERS[j]
        h = np.concatenate([h, extra])
        window_owner = np.concatenate([window_owner, short])
    return (fmix64(h, out=h) if mix else h), window_owner


def _ngram_sets(units: U64, lengths: I64, size: int) -> tuple[U64, I64]:
    n_keys = len(lengths)
    if n_keys > _MAX_KEYS:  # the key number must fit in 24 bits: split the batch
        starts = np.concatenate([[0], np.cumsum(lengths)])
        parts = [
            _ngram_sets(units[starts[a] : starts[min(a + _MAX_KEYS, n_keys)]], lengths[a : a + _MAX_KEYS], size)
            for a in range(0, n_keys, _MAX_KEYS)
        ]
        pieces = [parts[0][1]] + [p[1][1:] + sum(len(q[0]) for q in parts[:k]) for k, p in enumerate(parts[1:], 1)]
        return np.concatenate([p[0] for p in parts]), np.concatenate(pieces)
    h, window_owner = window_hashes(units, lengths, size)
    if len(h):
        # Sets: the key's number in the top 24 bits and the hash's top 40 bits below it, so
        # that one plain sort of integers orders every set (cheaper than a sort by two keys).
        packed = window_owner.astype(np.uint64)
        packed <<= np.uint64(SET_BITS)
        h >>= np.uint64(64 - SET_BITS)
        packed |= h
        packed = unique(packed, overwrite=True)
        window_owner = (packed >> np.uint64(SET_BITS)).astype(np.int64)
        h = packed & np.uint64((1 << SET_BITS) - 1)
    offsets: I64 = np.zeros(n_keys + 1, dtype=np.int64)
    np.cumsum(np.bincount(window_owner, minlength=n_keys), out=offsets[1:])
    return h, offsets


def unit_sets32(units: U64, lengths: I64, size: int) -> tuple[U32, I64, I64]:
    """The stream index's shingle sets: each key's set of 32-bit shingle hashes (the top
    half of ``window_hashes`` of its ``units``, words or code points), sorted and unique,
    as CSR ``(sets, offsets)``, and the key each value belongs to.

    >>> sets, offsets, owner = unit_sets32(*shingle_units(["a rose is a rose", "x"], "word"), 2)
    >>> offsets.tolist(), owner.tolist()
    ([0, 3, 4], [0, 0, 0, 1])
    """
    h, owner = window_hashes(units, lengths, size)
    # (In place where the arrays are this call's own: a long text's take several bytes a
    # word each, and every temporary is one more.)
    packed = owner.astype(np.uint64)
    del owner
    packed <<= np.uint64(32)
    h >>= np.uint64(32)
    packed |= h
    del h
    packed = unique(packed, overwrite=True)
    sets = packed.astype(np.uint32)  # (the low 32 bits)
    packed >>= np.uint64(32)
    owner = packed.view(np.int64)  # (key numbers: below 2**63, the same as int64)
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(np.bincount(owner, minlength=len(lengths)), out=offsets[1:])
    return sets, offsets, owner


# Verification sets are made this many texts (and, but for one long text, characters) at a
# time: the arrays of a chunk take some 40 bytes a character.
SET_CHUNK = 2048
SET_CHUNK_CHARS = 1 << 21

# Odd 32-bit multipliers of the window hash (fixed: they define the OPH scheme's hashes).
_M32 = (MULTIPLIERS >> np.uint64(32)).astype(np.uint32) | np.uint32(1)


def window_hashes32(cps: U32, lengths: I64, size: int, seed: int) -> tuple[U32, I64]:
    """The 32-bit hash of every character n-gram of every key (repeats included), and the
    key each belongs to; the keys are given as ``key_codes`` gives them. A key shorter
    than ``size`` (but not empty) is one shingle, the whole key, as in ``shingle_hashes``;
    an empty key has none.

    Everything runs over contiguous uint32 arrays.
    """
    starts = np.cumsum(lengths) - lengths
    short = np.flatnonzero((lengths > 0) & (lengths < size))
    whole = np.zeros(len(short), dtype=np.uint32)  # the short keys' one shingle each
    for j in range(size - 1):
        inside = lengths[short] > j
        whole[inside] += cps[starts[short[inside]] + j] * _M32[j]
    n_windows = max(len(cps) - size + 1, 0)
    h = cps[:n_windows] * _M32[0]
    term = np.empty_like(h)
    for j in range(1, size):
        np.multiply(cps[j : j + n_windows], _M32[j], out=term)
        h += term
    # Windows that straddle two keys: the last size - 1 starting positions of each key
    # (for a short key, every position).
    ends = starts + lengths
    straddle = (ends[:, None] - np.arange(1, size)[None, :]).ravel()
    straddle = straddle[straddle >= starts.repeat(size - 1)]
    valid = np.ones(n_windows, dtype=bool)
    valid[straddle[straddle < n_windows]] = False
    h = h[valid]
    owner = np.repeat(np.arange(len(lengths), dtype=np.int64), np.maximum(lengths - size + 1, 0))
    if len(short):
        h, owner = np.concatenate([h, whole]), np.concatenate([owner, short])
    return seeded32(h, seed, out=h), owner


# Verification hashes shingles to 32 bits with its own seed (independent of the sketch):
# two distinct shingles of a pair of 500-shingle texts collide with probability ~1e-4, and
# a collision moves the similarity by ~0.001, so a decision can only change for a pair
# within 0.001 of the threshold, once in ten thousand such pairs.
_VERIFY_SEED = 0x7E51F1


def owned_sets32(packed: U64, n: int) -> tuple[U32, I64]:
    """Sets of 32-bit values given as ``(owner << 32) | value`` for owners ``0 .. n-1``
    (``packed`` is sorted in place): each owner's distinct values, sorted, one owner after
    another, and how many each has.

    >>> values, sizes = owned_sets32(np.array([(1 << 32) | 7, 5, (1 << 32) | 7, 2], dtype=np.uint64), 3)
    >>> values.tolist(), sizes.tolist()
    ([2, 5, 7], [2, 1, 0])
    """
    packed = unique(packed, overwrite=True)
    values = (packed & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    return values, np.bincount((packed >> np.uint64(32)).astype(np.int64), minlength=n)


def shingle_sets32(texts: Sequence[str], shingle_size: int) -> tuple[U32, I64]:
    """The set of 32-bit shingle hashes of every text (sorted, unique) as CSR
    ``(hashes, offsets)``, made a chunk at a time to bound the temporaries."""
    parts: list[U32 | None] = []
    counts: list[I64] = []
    for start, stop in slices(texts, SET_CHUNK, SET_CHUNK_CHARS):
        chunk = texts[start:stop]
        h, owner = window_hashes32(*key_codes(chunk), shingle_size, _VERIFY_SEED)
        packed = (owner.astype(np.uint64) << np.uint64(32)) | h
        del h, owner
        values, sizes = owned_sets32(packed, len(chunk))
        parts.append(values)
        counts.append(sizes)
    offsets = np.zeros(len(texts) + 1, dtype=np.int64)
    if texts:
        np.cumsum(np.concatenate(counts), out=offsets[1:])
    # Gather the parts, freeing each once copied: the pages of the (empty) result are only
    # touched as it fills, so memory holds the sets about once, not twice.
    sets = np.empty(int(offsets[-1]), dtype=np.uint32)
    at = 0
    for k, part in enumerate(parts):
        assert part is not None
        sets[at : at + len(part)] = part
        at += len(part)
        parts[k] = None
    return sets, offsets


def text_digest(text: str) -> str:
    """32 hex digits of BLAKE2b-128 over ``text``'s UTF-8 (a lone surrogate passed as
    such): the stable name of a story body (of its comparison key) and, after ``text:``,
    of a document without an id.

    >>> text_digest("")
    'cae66941d9efbd404e4d88758ea67670'
    """
    return blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
