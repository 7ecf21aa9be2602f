"""One way to open an index, whichever back end: what ``newsclean dedup`` and the Scrapy
pipeline both call."""

from __future__ import annotations

import os
from pathlib import Path

from .._clean import Cleaner
from .._errors import OptionsError
from ._base import Index
from ._fingerprint import IndexParams


def open_index(
    path: str | os.PathLike[str] | None = None,
    *,
    redis_url: str | None = None,
    params: IndexParams | None = None,
    namespace: str = "newsclean",
    cleaner: Cleaner | None = None,
    journal: bool = True,
) -> Index:
    """The index at ``path`` (a file) or ``redis_url`` (shared on Redis), or a new one in
    memory when neither is given; ``close()`` it when done (or use ``with``).

    * ``path``: the file is loaded if it exists, else a new index is made, and ``close()``
      saves it there (atomically). With ``params``, a file made with other parameters is
      refused (``SketchMismatchError``); without, the file's own are used.
    * ``redis_url``: a ``RedisIndex`` under the key prefix ``namespace`` (needs
      ``newsclean[redis]``). With ``params``, one made with other parameters is refused;
      without, the namespace's own are used.
    * ``params``: the rule of a new index (default: ``IndexParams()``).
    * ``journal``: with ``path``, fold in what ``newsclean dedup`` journaled beside the
      file (``DedupIndex.load``); false for a caller that replays the journal itself.

    >>> import tempfile, os
    >>> folder = tempfile.mkdtemp()
    >>> with open_index(os.path.join(folder, "stories.idx")) as index:
    ...     index.add("Exports rose by a tenth in May, the ministry said.", id="a").new
    True
    >>> len(open_index(os.path.join(folder, "stories.idx")))
    1
    """
    if path is not None and redis_url is not None:
        raise OptionsError("open_index takes a path or a redis_url, not both")
    if redis_url is not None:
        from ._redis import RedisIndex

        return RedisIndex(redis_url, params, namespace=namespace, cleaner=cleaner)
    from ._memory import DedupIndex

    if path is None:
        return DedupIndex(params, cleaner=cleaner)
    if Path(path).exists():
        return DedupIndex.load(path, params, cleaner=cleaner, journal=journal)
    return DedupIndex(params, cleaner=cleaner, path=path)
