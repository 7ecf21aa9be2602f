"""Cross-document near-duplicates: an index in memory (saved to a file) or shared on Redis.

``Index`` is the contract both keep; ``open_index`` opens either.

>>> from newsclean.index import DedupIndex
>>> index = DedupIndex(threshold=0.8)
"""

from typing import TYPE_CHECKING

from . import _decide as kernels  # noqa: F401 (re-exported: see below)
from ._base import AddResult, Index, Match
from ._fingerprint import RULE_OPTIONS as RULE_OPTIONS
from ._fingerprint import Batch as Batch
from ._fingerprint import Fingerprint, IndexParams
from ._fingerprint import sketch_texts as sketch_texts
from ._journal import Journal as Journal
from ._journal import journal_path as journal_path
from ._memory import DedupIndex
from ._open import open_index

if TYPE_CHECKING:
    from ._redis import RedisIndex

__all__ = ["AddResult", "DedupIndex", "Fingerprint", "Index", "IndexParams", "Match", "RedisIndex", "open_index"]
# Not in __all__, not part of the API: what newsclean's own command (``newsclean dedup``)
# uses beyond the contract, imported from here so that it needs no private module of this
# package, and what the Spark and Dask lake paths run. ``Batch``: the fingerprints of a
# batch as arrays; ``sketch_texts``: fingerprints of texts, a piece at a time; ``Journal``:
# what a run appends to an index file, folded in by the next (``journal_path``: where it
# stands); ``kernels``: the index's
# decision as kernels over arrays (``_decide``); ``RULE_OPTIONS``: the parameters the
# command and the engines take as options.


def __getattr__(name: str) -> object:
    # RedisIndex imports the redis client: only when asked for.
    if name == "RedisIndex":
        from ._redis import RedisIndex

        return RedisIndex
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
