"""Two texts kept apart: the printed text (the writer's characters, tidied) and the
comparison key (aggressively normalised, never printed)."""

from __future__ import annotations

import functools
import os
import re
import unicodedata
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import numpy.typing as npt

# Invisible characters that only get in the way of printed text. ZWJ and ZWNJ are
# kept in printed text: Persian, Indic scripts and emoji sequences need them.
_INVISIBLE = "\u200b\u2060\ufeff\u00ad"
_CONTROLS = "".join(chr(c) for c in (*range(0x00, 0x20), *range(0x7F, 0xA0)) if chr(c) not in "\t\n\r")
_PRINT_TABLE: dict[int, str | None] = {ord(c): None for c in _INVISIBLE + _CONTROLS}
# U+2028 / U+2029 are line and paragraph separators: treat them as line breaks.
_PRINT_TABLE.update({0x2028: "\n", 0x2029: "\n"})
# Controls that separate (vertical tab, form feed, the information separators) become a
# space: removing them would merge two words (a\x0cb is "a b", not "ab").
_PRINT_TABLE.update({c: " " for c in (0x0B, 0x0C, 0x1C, 0x1D, 0x1E, 0x1F)})
# C1 controls in text are Windows-1252 bytes read as Latin-1 (mojibake): U+0097 is the
# em dash of "building \x97 glowing", U+0092 an apostrophe, U+0085 an ellipsis. They are
# printed as the cp1252 character; the five bytes cp1252 leaves undefined are removed.
_PRINT_TABLE.update({c: bytes([c]).decode("cp1252", "ignore") or None for c in range(0x80, 0xA0)})
# Runs that fold to one space; a lone space (most of them) is not matched at all.
_SPACES = " [ \t\u00a0\u202f\u2007]+|[\t\u00a0\u202f\u2007][ \t\u00a0\u202f\u2007]*"

# Comparison keys drop every format character (zero-width, bidi marks, soft hyphen).
_FORMAT = (
    "\u00ad\u061c\u180e\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
    "\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\ufeff"
)
_DOUBLE_QUOTES = "\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb\u301d\u301e\uff02"
_SINGLE_QUOTES = "\u2018\u2019\u201a\u201b\u2032\u2039\u203a\uff07"
DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
_KEY_TABLE: dict[int, str | None] = {ord(c): None for c in _FORMAT + _CONTROLS}
_KEY_TABLE.update({ord(c): '"' for c in _DOUBLE_QUOTES})
_KEY_TABLE.update({ord(c): "'" for c in _SINGLE_QUOTES})
_KEY_TABLE.update({ord(c): "-" for c in DASHES})


def tidy(text: str) -> str:
    """The printed text: NFC, invisible and control characters removed (C1 controls read
    as the Windows-1252 characters they stand for, separating controls as a space), runs of
    spaces (and NBSP) folded to one space. Line breaks and every other character are kept.

    >>> tidy("Hà\u00a0Nội  said\u200b so.\\r\\n")
    'Hà Nội said so.\\r\\n'
    """
    if _holds_any(text, _print_mask()):
        text = _translate(text, _PRINT_TABLE, _print_chars())
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    if "  " in text or "\t" in text or "\u00a0" in text or "\u202f" in text or "\u2007" in text:
        text = cached_re(_SPACES).sub(" ", text)
    return text


def key(text: str) -> str:
    """The comparison key: HTML entities decoded, NFKC, casefolded, quotes straightened,
    dashes unified, format characters removed, whitespace folded.

    >>> key("  “Ha Noi’s &amp; ASEAN’s\\n  talks” — ｆｉｎｅ ")
    '"ha noi\\'s & asean\\'s talks" - fine'
    """
    if "&" in text:
        text = _unescape(text)
    return " ".join(unicodedata.normalize("NFKC", text).casefold().translate(_KEY_TABLE).split())


def _unescape(text: str) -> str:
    """``html.unescape(text)``; html (its table of entities) is imported on first use, as
    most text holds no entity: not at every start-up."""
    import html

    return html.unescape(text)


# Joins a batch of texts into one string so that each normalisation step runs once per
# batch instead of once per text. NUL: NFKC and casefolding leave it alone, and keeping the
# joined string ASCII-compatible keeps str.translate on its fast path (it is slow on a
# string holding any character beyond Latin-1). NUL inside a text is dropped, as key() does.
_SEP = "\x00"
_BATCH_TABLE = {**_KEY_TABLE}
del _BATCH_TABLE[0]


def keys(texts: Sequence[str]) -> list[str]:
    """``[key(t) for t in texts]``, computed on the whole batch at once (``key_codes``).

    >>> keys(["  “Ha Noi” ", "ＡＳＥＡＮ\\n\\ttalks", ""]) == [key("“Ha Noi”"), key("ＡＳＥＡＮ talks"), ""]
    True
    """
    return keys_and_codes(texts)[0]


Codes = tuple[np.ndarray[Any, np.dtype[np.uint32]], np.ndarray[Any, np.dtype[np.int64]]]
"""Keys as ``key_codes`` gives them: every key's code points, one after another, and
each key's length."""


def keys_and_codes(texts: Sequence[str]) -> tuple[list[str], Codes | None]:
    """``keys(texts)``, and the same keys as code points (``key_codes``) if the batch was
    small enough to make them in one go (up to ``_KEYS_CHARS`` characters): shingling
    can then start from the code points instead of encoding the keys again.

    >>> ks, (codes, lengths) = keys_and_codes(["Ha  Noi", "ASEAN"])
    >>> ks, lengths.tolist(), len(codes)
    (['ha noi', 'asean'], [6, 5], 11)
    """
    if sum(map(len, texts)) <= _KEYS_CHARS:  # one slice (most batches): no slicing arrays
        codes = key_codes(texts)
        return _decode(*codes), codes
    # A slice at a time: the arrays of key_codes take some 20 bytes a character, and a
    # batch can be a 100 MB document.
    return [k for some, _ in key_slices(texts) for k in some], None


def key_slices(texts: Sequence[str]) -> Iterator[tuple[list[str], Codes]]:
    """``keys(texts)`` with their code points (``key_codes``), a slice of consecutive
    texts at a time: slices of at most ``_KEYS_CHARS`` characters (unless one text is
    longer), so that the arrays stay bounded however long the batch.

    >>> [(ks, lengths.tolist()) for ks, (codes, lengths) in key_slices(["Ha  Noi", "ASEAN"])]
    [(['ha noi', 'asean'], [6, 5])]
    """
    for start, stop in slices(texts, len(texts), _KEYS_CHARS):
        codes = key_codes(texts[start:stop])
        yield _decode(*codes), codes


def _decode(codes: npt.NDArray[np.uint32], lengths: npt.NDArray[np.int64]) -> list[str]:
    """The keys as strings: one decode of the whole batch, then a slice per key."""
    joined = codes.tobytes().decode("utf-32-le", "surrogatepass")
    out = []
    at = 0
    for n in lengths.tolist():
        out.append(joined[at : at + n])
        at += n
    return out


def slices(texts: Sequence[str], max_texts: int, max_chars: int) -> list[tuple[int, int]]:
    """``(start, stop)`` of consecutive slices of ``texts`` of at most ``max_texts`` texts
    and, unless one text is longer, ``max_chars`` characters: batches whose arrays stay
    bounded in memory.

    >>> slices(["aaaa"] * 5 + ["b" * 30, "c"], 3, 10)
    [(0, 2), (2, 4), (4, 5), (5, 6), (6, 7)]
    """
    ends = np.cumsum(np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts)))
    out = []
    start = 0
    while start < len(texts):
        base = int(ends[start - 1]) if start else 0
        stop = int(np.searchsorted(ends, base + max_chars, side="right"))
        stop = min(max(stop, start + 1), start + max_texts, len(texts))
        out.append((start, stop))
        start = stop
    return out


# Characters of keys made at a time: ``key_codes``' arrays take some 20 bytes a character
# and the index's word hashes made from them as many again (5 MB at the peak of a slice
# this long), and a slice this long still fits the CPU's caches, so that sketching is
# faster in such slices than in longer ones.
_KEYS_CHARS = 1 << 17


def _nfkc(texts: Sequence[str]) -> str:
    """The texts joined by ``_SEP``, entities decoded, NFKC."""
    joined = _SEP.join(texts)
    if joined.count(_SEP) != len(texts) - 1:  # a text holds a NUL: drop it, as key() does
        texts = [t.replace(_SEP, "") for t in texts]
        joined = _SEP.join(texts)
    if "&" in joined:  # (decoding only the texts with an "&" is much cheaper than all)
        joined = _SEP.join(_unescape(t) if "&" in t else t for t in texts)
    if "\xa0" in joined:
        # NFKC sends a no-break space to a space, and nothing composes with either: the
        # same text, but the whole batch may now pass the quick check below.
        joined = joined.replace("\xa0", " ")
    if not unicodedata.is_normalized("NFKC", joined):
        # Normalise only the texts that need it (most news copy is normal but for a NBSP
        # here and there), not the whole batch again. The separator is a starter, so
        # nothing composes across it.
        joined = _SEP.join(
            t if unicodedata.is_normalized("NFKC", t) else unicodedata.normalize("NFKC", t) for t in joined.split(_SEP)
        )
    return joined


def code_points_text(stop: int, step: int = 1) -> str:
    """Every code point below ``stop`` in order, each followed by ``step - 1`` NULs, as one
    string made from an array (not a character at a time). Surrogates, which a str can
    hold but only a slow error handler decodes, stand as U+FFFD: like them, it has no case
    and is no space."""
    cps = np.zeros((stop, step), dtype="<u4")
    cps[:, 0] = np.arange(stop, dtype=np.uint32)
    cps[0xD800:0xE000, 0] = 0xFFFD
    return cps.tobytes().decode("utf-32-le")


@functools.cache
def is_space() -> npt.NDArray[np.bool_]:
    """``str.isspace()`` of every code point up to U+3000 (the last space), and one more
    ``False``: look code points up with ``take(..., mode="clip")``. Built on first use, by
    one search of ``\\s`` (which is ``str.isspace()`` in a str pattern) over them all."""
    mask = np.zeros(0x3002, dtype=bool)
    mask[[m.start() for m in re.finditer(r"\s", code_points_text(0x3001))]] = True
    return mask


_DELETE = 0xFFFFFFFF  # in a code-point map: the character is dropped
_LONGER = 0xFFFFFFFE  # in a code-point map: casefolds to more than one character (ß -> ss)


@functools.cache
def _code_maps() -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint32]]:
    """Code-point maps over the BMP, built once (well under a millisecond) on first use:
    the key table after casefolding (one lookup does both), and the key table alone. Both
    also send every whitespace character (str.isspace) to a space."""
    key_only = np.arange(0x10000, dtype=np.uint32)
    key_only[np.flatnonzero(is_space())] = 32
    for c, to in _BATCH_TABLE.items():
        key_only[c] = ord(to) if to else _DELETE
    fold = np.arange(0x10000, dtype=np.uint32)
    changes = _read_casefold()
    if changes is None:  # (another Unicode version than the file's: made here, more slowly)
        changes = casefold_changes()
    fold[changes[:, 0]] = changes[:, 1]
    fold_key = np.where(fold == _LONGER, fold, key_only[np.minimum(fold, 0xFFFF)])
    return fold_key, key_only


# The BMP code points that casefolding changes, made by casefold_changes() and saved as
# package data (write_casefold()): reading 11 kB is quicker than casefolding the BMP
# (docs/how-it-works.md, "Design choices, measured").
# The file names the Unicode version of the interpreter that made it, and is read only by
# an interpreter of that version (str.casefold follows the interpreter's Unicode data).
_CASEFOLD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "casefold.bin")


def _casefold_header() -> bytes:
    return f"newsclean: BMP code points casefolding changes, Unicode {unicodedata.unidata_version}\n".encode()


def casefold_changes() -> npt.NDArray[np.uint32]:
    """``(code point, what it casefolds to)`` of every BMP code point that
    ``str.casefold()`` changes, in order, shape ``(n, 2)``; ``_LONGER`` for a code point
    that casefolds to more than one (ß -> ss).

    >>> [(hex(c), hex(to)) for c, to in casefold_changes()[:2]]
    [('0x41', '0x61'), ('0x42', '0x62')]
    """
    # The whole BMP casefolded in one call (not a Python loop over 65,536 characters), each
    # code point followed by a NUL: casefolding keeps a NUL and makes none, so the NULs of
    # the result end each code point's folding, and its length is the gap between them.
    folded = np.frombuffer(code_points_text(0x10000, 2).casefold().encode("utf-32-le"), dtype="<u4")
    ends = np.flatnonzero(folded == 0)[1:]  # (the first NUL is U+0000 itself)
    starts = np.concatenate([[0], ends[:-1] + 1])
    fold = np.where(ends - starts == 1, folded[starts], _LONGER).astype(np.uint32)
    fold[0xD800:0xE000] = np.arange(0xD800, 0xE000)  # (each surrogate folds to itself)
    changed = np.flatnonzero(fold != np.arange(0x10000))
    return np.stack([changed, fold[changed]], axis=1).astype(np.uint32)


def _read_casefold() -> npt.NDArray[np.uint32] | None:
    """``casefold_changes()`` as saved in the package, or ``None`` if the file is missing
    or was made under another Unicode version."""
    try:
        with open(_CASEFOLD, "rb") as f:
            data = f.read()
    except OSError:
        return None
    header = _casefold_header()
    if not data.startswith(header) or (len(data) - len(header)) % 8:
        return None
    return np.frombuffer(data, dtype="<u4", offset=len(header)).reshape(-1, 2)


def write_casefold() -> None:
    """Save ``casefold_changes()`` for this interpreter's Unicode version (the package's
    file is made by the Python the project is developed with; see ``_CASEFOLD``)."""
    with open(_CASEFOLD, "wb") as f:
        f.write(_casefold_header() + casefold_changes().astype("<u4").tobytes())


def key_codes(texts: Sequence[str]) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.int64]]:
    """The keys of a batch as code points, without making a string per key: one
    contiguous uint32 array of every key's code points and each key's length.

    Equal to encoding ``keys(texts)``; casefolding, the key table and whitespace folding
    run on the array (table lookups and a few masks) instead of on strings.

    >>> codes, lengths = key_codes(["  “Ha Noi” ", "ＡＳＥＡＮ\\n\\ttalks"])
    >>> lengths.tolist(), "".join(map(chr, codes[:9]))
    ([8, 11], '"ha noi"a')
    """
    if not texts:
        return np.zeros(0, dtype=np.uint32), np.zeros(0, dtype=np.int64)
    fold_key, key_only = _code_maps()
    joined = _nfkc(texts)
    cps = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype="<u4")
    mapped = None
    if not len(cps) or int(cps.max()) <= 0xFFFF:
        mapped = fold_key.take(cps)
        if (mapped >= _LONGER).any():  # _LONGER or _DELETE: the rarer cases
            mapped = None if (mapped == _LONGER).any() else mapped[mapped != _DELETE]
    if mapped is None:  # a character outside the BMP, or one that casefolds longer: strings
        cps = np.frombuffer(joined.casefold().encode("utf-32-le", "surrogatepass"), dtype="<u4")
        mapped = np.where(cps > 0xFFFF, cps, key_only.take(cps, mode="clip"))
        mapped = mapped[mapped != _DELETE]
    return _fold_spaces(mapped)


def _fold_spaces(cps: npt.NDArray[np.uint32]) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.int64]]:
    """Split NUL-separated mapped keys and fold their whitespace (every kind is 32 by
    now): a run of spaces becomes one space, kept only between two code points that are
    neither spaces nor separators (so none leads or trails a key). One mask, one compress."""
    space = cps == 32
    word = cps > 32  # not a space, not NUL (the key table deleted every other control)
    nul = cps == 0
    keep = ~(space | nul)
    if len(cps) > 2:
        keep[1:-1] |= space[1:-1] & word[:-2] & word[2:]  # a lone space between two words
        runs = np.flatnonzero(space[1:] & space[:-1])  # a space followed by a space
        if len(runs):
            # A run of two or more spaces is kept as its first space, when the code points
            # before and after the whole run are words. Runs are rare: this is sparse.
            first = runs[np.concatenate([[True], runs[1:] != runs[:-1] + 1])]
            after = runs[np.concatenate([runs[1:] != runs[:-1] + 1, [True]])] + 2
            ok = (first > 0) & (after < len(cps))
            first, after = first[ok], after[ok]
            keep[first] = word[first - 1] & word[after]
    # Key i is the segment that ends at the i-th NUL (the last one at the end): its length
    # is the number of kept code points in it (a NUL itself is never kept).
    starts = np.concatenate([[0], np.flatnonzero(nul) + 1])
    lengths = np.zeros(len(starts), dtype=np.int64)
    inside = starts < len(cps)  # (the last key is empty when the batch ends with a NUL)
    lengths[inside] = np.add.reduceat(keep, starts[inside], dtype=np.int64)
    return cps[keep], lengths


def _char_class(table: dict[int, str | None]) -> re.Pattern[str]:
    return re.compile("[" + "".join(re.escape(chr(c)) for c in sorted(table)) + "]")


@functools.cache
def _print_chars() -> re.Pattern[str]:
    return _char_class(_PRINT_TABLE)


@functools.cache
def cached_re(source: str) -> re.Pattern[str]:
    """``source`` compiled, once, on first use (not at every start-up: most texts need
    neither pattern of ``tidy()``, nor the credit recogniser's quick tests)."""
    return re.compile(source)


@functools.cache
def _print_mask() -> npt.NDArray[np.bool_]:
    """Which BMP code points ``tidy()`` removes or changes (``_PRINT_TABLE``), and one more
    ``False`` for every code point above: look up with ``take(..., mode="clip")``."""
    mask = np.zeros(0x10001, dtype=bool)
    mask[list(_PRINT_TABLE)] = True
    return mask


def _holds_any(text: str, mask: npt.NDArray[np.bool_]) -> bool:
    """Whether ``text`` holds a character of ``mask``: one table lookup of its code points,
    faster than a regex search for a character class, which tests the class at every
    position (docs/how-it-works.md, "Design choices, measured"); and most texts hold none.
    A long text is looked at a piece at a time (the lookup takes 12 bytes a character)."""
    for start in range(0, len(text), _LOOKUP_CHARS):
        piece = text[start : start + _LOOKUP_CHARS] if len(text) > _LOOKUP_CHARS else text
        cps = np.frombuffer(piece.encode("utf-32-le", "surrogatepass"), dtype="<u4")
        if mask.take(cps, mode="clip").any():
            return True
    return False


_LOOKUP_CHARS = 1 << 20


def _translate(text: str, table: dict[int, str | None], chars: re.Pattern[str]) -> str:
    """``text.translate(table)``, faster: str.translate looks every character up in the
    table, slowly once a text holds any character beyond Latin-1, while a text usually
    holds only a few distinct characters to change, each replaced in one pass."""
    for c in set(chars.findall(text)):
        text = text.replace(c, table[ord(c)] or "")
    return text
