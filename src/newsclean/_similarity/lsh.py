"""LSH: band choice (one recall table), candidate pairs from MinHash signatures by banding,
with sorting over arrays, and the checks that drop pairs which share a band by chance.

The two checks see different bins, so their statistics differ (each is documented where it
is written): ``chance_ok``, of the batch path, compares the low bytes of all bins after
densification and checks only texts with enough non-empty bins; ``chance_ok_raw_bins``, of
the stream index, compares the check bytes of the bins before densification
(``minhash.check_bytes``: 0 for an empty bin) and counts only the bins either set filled.

Signatures are cut into ``bands`` bands of ``rows`` values; two sets whose signatures
agree on a whole band become a candidate pair. Each band is hashed to one 64-bit value
per set, the values are sorted, and equal runs are buckets. The probability that a pair
of Jaccard similarity ``s`` becomes a candidate is ``1 - (1 - s**rows)**bands``.

A bucket of ``m`` sets would give ``m * (m - 1) / 2`` pairs; to stay linear on
pathological input (thousands of near-identical lines), each set is paired with at most
the first ``PER_BUCKET`` and the previous ``PER_BUCKET`` members of its bucket.
"""

from __future__ import annotations

import functools
import math
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import numpy.typing as npt

from .arrays import unique
from .hashing import MULTIPLIERS, fmix64

PER_BUCKET = 8

#: The recall table: LSH bands are chosen (``choose_bands``) so that a pair at the least
#: similarity a path must find becomes a candidate with at least this probability;
#: verification then decides exactly. ``"paragraphs"``: ``clean()``'s paragraphs and
#: ``near_duplicates``, at the threshold. ``"index"``: the stream index, at the least
#: Jaccard similarity its rule accepts (``IndexParams.floor``). ``docs/tuning.md``'s
#: table (``docs/_generate.py``) gives the bands of both at several thresholds.
RECALL: dict[str, float] = {"paragraphs": 0.999, "index": 0.995}
Pairs = np.ndarray[Any, np.dtype[np.int64]]  # (npt.NDArray, without importing numpy.typing)
U8 = np.ndarray[Any, np.dtype[np.uint8]]


@functools.lru_cache(maxsize=64)
def choose_bands(threshold: float, num_perm: int, recall: float) -> tuple[int, int]:
    """The ``(b, r)`` with the largest ``r`` such that ``1 - (1 - t**r)**b >= recall``
    where ``b = num_perm // r``.

    >>> choose_bands(0.8, 128, RECALL["paragraphs"]), choose_bands(0.4, 256, RECALL["index"])
    ((25, 5), (85, 3))
    """
    best = (num_perm, 1)
    for r in range(1, num_perm + 1):
        b = num_perm // r
        if 1 - (1 - threshold**r) ** b >= recall:
            best = (b, r)
    return best


def band_keys(signatures: npt.NDArray[np.uint32], bands: int, rows: int) -> npt.NDArray[np.uint64]:
    """One 64-bit key per (set, band), shape ``(n_sets, bands)``."""
    n = signatures.shape[0]
    cut = signatures[:, : bands * rows].reshape(n, bands, rows).astype(np.uint64)
    keys = np.zeros((n, bands), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for r in range(rows):
            if r and not r % len(MULTIPLIERS):  # past 32 rows: mix, then reuse the multipliers
                keys = fmix64(keys)
            keys += cut[:, :, r] * MULTIPLIERS[r % len(MULTIPLIERS)]
        # The band number is mixed in so that equal values in two bands differ.
        keys += np.arange(bands, dtype=np.uint64) * MULTIPLIERS[31]
    return fmix64(keys)


def candidate_pairs(signatures: npt.NDArray[np.uint32], bands: int, rows: int) -> Pairs:
    """Unique candidate pairs ``(i, j)`` with ``i < j``, shape ``(m, 2)``, sorted.

    >>> sigs = np.array([[1, 2, 3, 4], [1, 2, 9, 9], [7, 7, 7, 7]], dtype=np.uint32)
    >>> candidate_pairs(sigs, bands=2, rows=2).tolist()
    [[0, 1]]
    """
    if signatures.shape[0] < 2:
        return np.zeros((0, 2), dtype=np.int64)
    return candidate_pairs_from_keys(band_keys(signatures, bands, rows))


def candidate_pairs_from_keys(keys: npt.NDArray[np.uint64], part: tuple[int, int] | None = None) -> Pairs:
    """Candidate pairs from band keys of shape ``(n_sets, bands)`` (see ``band_keys``): a
    bucket is a run of equal 64-bit keys, its members in input order (``bucket_pairs``).
    ``keys`` is overwritten (it becomes the sorted work array): with many texts it is
    the largest array in memory, and a copy would double it.

    ``part=(k, parts)``: only the buckets whose keys fall in the ``k``-th of ``parts``
    equal ranges of key values, without touching ``keys``; the parts of all ``k`` make the
    whole answer (a bucket lies in one range), so processes can share the search.
    """
    n, bands = keys.shape
    if n < 2:
        return np.zeros((0, 2), dtype=np.int64)
    # The band number is mixed into every band key, so one sort over all (set, band) keys
    # puts each bucket of each band in one run. The sort is a plain one of the keys with
    # their low bits replaced by their position (a stable argsort of the keys would take
    # twice their memory and several times as long): the runs of these truncated keys hold
    # every bucket whole, members in position order, and with many texts a few chance
    # extras too. The low bits are kept aside, and only the keys in a run of two or more
    # (usually a small share) are made whole again and cut into the buckets of full keys.
    # The position bits are those of the whole array, in every part.
    flat = keys.reshape(-1)
    if not np.shares_memory(flat, keys):  # (not contiguous: reshape made a copy)
        raise ValueError("keys must be a contiguous array")
    shift = np.uint64(max(1, (len(flat) - 1).bit_length()))
    if part is None:
        # In place, and in blocks: with many texts these arrays are the peak of memory.
        low = _low_bits(flat, shift)
        for lo in range(0, len(flat), _BLOCK):
            hi = min(lo + _BLOCK, len(flat))
            _tag(flat[lo:hi], np.arange(lo, hi, dtype=np.uint64), shift)
        packed = flat
    else:
        packed = _part_of(flat, shift, *part)
        low = flat  # (untouched: its keys still have their low bits)
    packed.sort()
    full, position = _runs_made_whole(packed, low, shift)
    del packed, low
    # The runs are in order of truncated key, then position: of full key too, but where two
    # keys that differ only in their low bits share a run (then a stable sort sets it right).
    if len(full) and not bool((full[1:] >= full[:-1]).all()):
        by = np.argsort(full, kind="stable")
        full, position = full[by], position[by]
    return unique_pairs(*_pairs_of_sorted(full, position // bands), n)


_BLOCK = 1 << 20  # keys per step of the loops over all keys, to bound their temporaries


def _low_bits(flat: npt.NDArray[np.uint64], shift: np.uint64) -> npt.NDArray[np.unsignedinteger[Any]]:
    """The low ``shift`` bits of every key, in the narrowest type that holds them."""
    low: npt.NDArray[np.unsignedinteger[Any]] = np.empty(len(flat), dtype=np.uint16 if shift <= 16 else np.uint32)
    mask = (np.uint64(1) << shift) - np.uint64(1)
    for lo in range(0, len(flat), _BLOCK):
        low[lo : lo + _BLOCK] = flat[lo : lo + _BLOCK] & mask
    return low


def _part_of(flat: npt.NDArray[np.uint64], shift: np.uint64, k: int, parts: int) -> npt.NDArray[np.uint64]:
    """The keys of ``flat`` in the ``k``-th of ``parts`` ranges (by their top 32 bits),
    truncated and tagged with their position as in ``candidate_pairs_from_keys``: picked
    block by block, then copied into one array (the search's own arrays after it, not these,
    are its peak of memory)."""
    if shift > 32:
        raise ValueError("too many keys to split into parts")  # (4 billion)
    ranges = [(lo, min(lo + _BLOCK, len(flat))) for lo in range(0, len(flat), _BLOCK)]

    def chosen(lo: int, hi: int) -> npt.NDArray[np.int64]:
        with np.errstate(over="ignore"):
            top = (flat[lo:hi] >> np.uint64(32)) * np.uint64(parts)
        return np.flatnonzero((top >> np.uint64(32)) == np.uint64(k))

    picks = [chosen(lo, hi) for lo, hi in ranges]  # (positions within each block: int64)
    packed = np.empty(sum(len(p) for p in picks), dtype=np.uint64)
    at = 0
    for (lo, hi), pick in zip(ranges, picks):
        block = _tag(flat[lo:hi][pick], (pick + lo).astype(np.uint64), shift)
        packed[at : at + len(block)] = block
        at += len(block)
    return packed


def _tag(keys: npt.NDArray[np.uint64], positions: npt.NDArray[np.uint64], shift: np.uint64) -> npt.NDArray[np.uint64]:
    """``keys`` (in place) without their low ``shift`` bits, and their ``positions`` there."""
    keys >>= shift
    keys <<= shift
    keys |= positions
    return keys


def _runs_made_whole(
    packed: npt.NDArray[np.uint64], low: npt.NDArray[np.unsignedinteger[Any]], shift: np.uint64
) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.int64]]:
    """The full keys and positions of the sorted, tagged keys ``packed`` that lie in a run
    of two or more (the runs of truncated keys, which hold every bucket of full keys whole);
    ``low[p]`` holds (at least) the low ``shift`` bits of the key at position ``p``."""
    new_run = np.ones(len(packed), dtype=bool)
    # Two neighbours are in one run when they differ only in the position bits.
    gap = np.empty(min(_BLOCK, len(packed)), dtype=np.uint64)
    for lo in range(1, len(packed), _BLOCK):
        hi = min(lo + _BLOCK, len(packed))
        np.bitwise_xor(packed[lo:hi], packed[lo - 1 : hi - 1], out=gap[: hi - lo])
        np.greater_equal(gap[: hi - lo], np.uint64(1) << shift, out=new_run[lo:hi])
    del gap
    in_run = ~new_run
    in_run[:-1] |= ~new_run[1:]
    del new_run
    full = packed[in_run]
    mask = (np.uint64(1) << shift) - np.uint64(1)
    where = (full & mask).view(np.int64)  # (a position has fewer than 64 bits: the same value)
    full &= ~mask
    ends = low[where]
    if ends.dtype == np.uint64:  # (whole keys: keep their low bits only)
        ends &= mask
    full |= ends
    return full, where


def bucket_pairs(
    keys: npt.NDArray[np.uint64], order: npt.NDArray[np.int64], per_bucket: int = PER_BUCKET
) -> tuple[Pairs, Pairs]:
    """The candidate pairs of buckets given whole: entries ``(keys[e], order[e])``, in any
    order, where a bucket is the entries of one key. Returns ``(a, b)``: for each pair, the
    orders of its two members, ``a < b``, not deduplicated across buckets.

    Within a bucket, members in increasing ``order``, each member is paired with the
    ``per_bucket`` members before it and, past the first ``per_bucket``, with the first
    ``per_bucket`` members: linear in the bucket's size, however large. (``PER_BUCKET``
    for paragraphs; the stream index's rule uses its own, ``index._decide.PER_BUCKET``.)

    >>> a, b = bucket_pairs(np.array([7, 5, 7, 7], dtype=np.uint64), np.array([3, 1, 0, 2]))
    >>> sorted(zip(a.tolist(), b.tolist()))
    [(0, 2), (0, 3), (2, 3)]
    """
    by = np.lexsort((order, keys))
    return _pairs_of_sorted(keys[by], order[by], per_bucket)


def distinct_bucket_pairs(keys: npt.NDArray[np.uint64], order: npt.NDArray[np.int64], per_bucket: int) -> Pairs:
    """The distinct pairs of ``bucket_pairs``, as ``(a, b)`` rows, ``a < b``, sorted,
    shape ``(m, 2)``; several times faster than it: the entries are sorted by key alone
    (the order of a bucket's members matters only in a bucket of more than ``2 *
    per_bucket + 1`` members, which alone is put in order; a smaller one gives all its
    pairs).

    >>> distinct_bucket_pairs(np.array([7, 5, 7, 7], dtype=np.uint64), np.array([3, 1, 0, 2]), 8).tolist()
    [[0, 2], [0, 3], [2, 3]]
    """
    if len(keys) < 2:
        return np.zeros((0, 2), dtype=np.int64)
    by = np.argsort(keys)
    keys, order = keys[by], order[by]
    starts = np.flatnonzero(np.append(True, keys[1:] != keys[:-1]))
    ends = np.append(starts[1:], len(keys))
    big = np.flatnonzero(ends - starts > 2 * per_bucket + 1)
    for a, b in zip(starts[big].tolist(), ends[big].tolist()):
        order[a:b] = np.sort(order[a:b])
    a, b = _pairs_of_sorted(keys, order, per_bucket)
    return unique_pairs(a, b, int(order.max()) + 1)


def _pairs_of_sorted(
    keys: npt.NDArray[np.uint64], members: npt.NDArray[np.int64], per_bucket: int = PER_BUCKET
) -> tuple[Pairs, Pairs]:
    """``bucket_pairs`` of entries sorted by key, then order."""
    new_run = np.ones(len(keys), dtype=bool)
    np.not_equal(keys[1:], keys[:-1], out=new_run[1:])
    # Only entries in buckets of two or more matter: keep those.
    in_bucket = ~new_run
    in_bucket[:-1] |= ~new_run[1:]
    members, new_run = members[in_bucket], new_run[in_bucket]
    positions = np.arange(len(members))
    run_start = np.maximum.accumulate(np.where(new_run, positions, 0)) if len(members) else positions
    rank = positions - run_start
    earlier, later = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)]
    for t in range(1, per_bucket + 1):
        has = np.flatnonzero(rank >= t)
        if not len(has):
            break
        # The t-th previous member; and, past the first per_bucket members of a bucket
        # (whose previous ones are all earlier members), the t-th first member.
        earlier.append(members[has - t])
        later.append(members[has])
        far = has[rank[has] > per_bucket]
        earlier.append(members[run_start[far] + t - 1])
        later.append(members[far])
    a, b = np.concatenate(earlier), np.concatenate(later)
    distinct = a != b
    return a[distinct], b[distinct]


def unique_pairs(a: npt.NDArray[np.int64], b: npt.NDArray[np.int64], n: int) -> Pairs:
    """Each unordered pair ``{a[p], b[p]}`` of sets among ``n`` once, as ``(i, j)`` with
    ``i <= j``, sorted."""
    code = unique(np.minimum(a, b) * np.int64(n) + np.maximum(a, b))
    return np.stack([code // n, code % n], axis=1)


# The check on candidate pairs (chance_ok): only texts with at least this share of
# non-empty bins are checked (their bins are close to independent samples), and a pair is
# dropped only this many (inflated) standard deviations below the least agreement of a pair
# at the threshold.
CHECK_FILLED = 0.75


CHECK_SIGMAS = 8.0


CHECK_INFLATION = 1.5


def agreement_cut(threshold: float, num_perm: int, densified: bool = True) -> float:
    """The fewest agreeing bins (of ``num_perm``, by low byte) that ``chance_ok`` keeps.
    ``densified=False``: the bins of a k-permutation MinHash (``minhash.affine32_signatures``),
    independent samples, none empty: the binomial's spread, neither widened for bins
    copied by densification nor inflated.

    >>> round(agreement_cut(0.8, 128), 1), round(agreement_cut(0.8, 128, densified=False), 1)
    (39.8, 66.3)
    """
    expected = num_perm * (threshold + (1 - threshold) / 256)
    share, inflation = (CHECK_FILLED, CHECK_INFLATION) if densified else (1.0, 1.0)
    spread = math.sqrt(num_perm * threshold * (1 - threshold) / share) * inflation
    return expected - CHECK_SIGMAS * spread


def chance_ok(
    check_a: npt.NDArray[np.uint8],
    check_b: npt.NDArray[np.uint8],
    filled_a: npt.NDArray[np.int64],
    filled_b: npt.NDArray[np.int64],
    threshold: float,
    densified: bool = True,
) -> npt.NDArray[np.bool_]:
    """For aligned rows of pairs: whether their signatures could belong to sets of Jaccard
    similarity ``threshold`` or more. ``check`` holds the low byte of every bin, ``filled``
    how many bins were not empty before densification. True where the bins agree in at
    least ``agreement_cut`` of ``num_perm``, or where one of the texts has too few non-empty
    bins for the count to say much.

    A pair shares a band by chance, not by similarity, increasingly often as the batch
    grows: its texts share common words, and a large batch has a vast number of pairs. A
    pair at the threshold agrees in about ``t + (1 - t) / 256`` of its bins; a chance pair
    in the ``rows`` of the band it shares and about ``J`` of the rest. ``densified``: as
    ``agreement_cut`` (False for k-permutation signatures, whose ``filled`` is ``num_perm``).
    """
    num_perm = check_a.shape[1]
    cut = agreement_cut(threshold, num_perm, densified)
    if cut <= 0:
        return np.ones(len(check_a), dtype=bool)
    agree = np.count_nonzero(check_a == check_b, axis=1)
    enough = (filled_a >= CHECK_FILLED * num_perm) & (filled_b >= CHECK_FILLED * num_perm)
    ok: npt.NDArray[np.bool_] = (agree >= cut) | ~enough
    return ok


def chance_ok_raw_bins(a: U8, b: U8, floor: float) -> npt.NDArray[np.bool_]:
    """The stream index's check: which pairs of rows of check bytes (``minhash.check_bytes``
    of the bins before densification) could belong to sets of Jaccard similarity
    ``floor`` or more. Of the bins that a shingle of either set fell in (densified bins
    copy others, and would count one sample twice), a bin holds the same least hash in
    both with probability about the similarity (the one-permutation estimate); two
    different hashes share their check byte with probability 1/128. A
    pair is dropped when its bins agree more than 4 standard deviations (of a binomial
    count, inflated 1.2 times) below what a pair at ``floor`` would show: about 3 pairs in
    100,000 at exactly the floor, fewer than one in 10 million at 0.05 above it. Short
    documents have too few bins for the count to say anything, and always pass.

    >>> same = np.full((1, 256), 7, dtype=np.uint8)
    >>> chance_ok_raw_bins(same, same, 0.4).tolist(), chance_ok_raw_bins(same, same + 2, 0.4).tolist()
    ([True], [False])
    """
    m, k = _bin_counts(a, b)
    f = floor + (1 - floor) / 128
    keep: npt.NDArray[np.bool_] = k >= m * f - 4.0 * 1.2 * np.sqrt(m * f * (1 - f))
    return keep


_LOW = np.uint64(0x0101010101010101)  # the lowest bit of each byte of a word
_HIGH = np.uint64(0x8080808080808080)  # the highest bit of each byte
_SEVEN = np.uint64(0x7F7F7F7F7F7F7F7F)


def _bin_counts(a: U8, b: U8) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Per row: the bins where either side has a shingle (a non-zero check byte), and
    those where both hold the same non-zero byte. Eight bins at a time, as the bytes of
    64-bit words, where the width allows: a byte of ``a ^ b`` is zero where the bins agree,
    and a non-zero check byte has its lowest bit set."""
    if a.shape[1] % 8 or not (a.flags.c_contiguous and b.flags.c_contiguous):
        either = np.count_nonzero((a != 0) | (b != 0), axis=1)
        return either, np.count_nonzero((a == b) & (a != 0), axis=1)
    wa, wb = a.view(np.uint64), b.view(np.uint64)
    either = _byte_sums(np.bitwise_count((wa | wb) & _LOW))
    x = wa ^ wb
    x |= (x & _SEVEN) + _SEVEN  # the highest bit of each byte: set where the byte is not 0
    np.invert(x, out=x)
    x &= wa << np.uint64(7)  # (a's lowest bit, moved to the highest)
    x &= _HIGH
    return either, _byte_sums(np.bitwise_count(x))


def _byte_sums(counts: npt.NDArray[np.uint8]) -> npt.NDArray[np.int64]:
    """Row sums of per-word bit counts of at most 8 each (so eight of them sum below 256):
    eight at a time where the row allows, by one multiplication that adds the bytes of a
    word into its top byte."""
    sums: npt.NDArray[np.int64]
    if counts.shape[1] % 8:
        sums = counts.sum(axis=1, dtype=np.int64)
    else:
        words = np.ascontiguousarray(counts).view(np.uint64)
        sums = ((words * np.uint64(0x0101010101010101)) >> np.uint64(56)).sum(axis=1, dtype=np.int64)
    return sums
