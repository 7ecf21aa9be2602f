"""newsclean: clean scraped news text.

Removes repeated paragraphs (exact, near and truncated repeats, found with shingles and
MinHash and decided by exact Jaccard similarity) and takes news-agency credits and
datelines out of the body, returning them as data.

>>> import newsclean
>>> newsclean.clean("The talks ended.-VNA").text
'The talks ended.'
"""

import typing as _typing

from ._clean import Cleaner, clean
from ._errors import (
    DecodeError,
    IndexFileError,
    IndexUnavailableError,
    InputError,
    NewscleanError,
    OptionsError,
    RecordError,
    RegistryError,
    SketchMismatchError,
)
from ._options import Options
from ._repeats import BoilerplateIndex
from ._result import Byline, CleanResult, Removal
from ._similarity.config import SketchConfig
from ._version import __version__

if _typing.TYPE_CHECKING:
    from ._batch import NearDuplicates, near_duplicates
    from .index import AddResult, DedupIndex, Fingerprint, IndexParams, Match, RedisIndex

# Loaded on first use, so that `import newsclean` (and the command's start-up) does not pay
# for what cleaning one document does not need (multiprocessing, zipfile, ...).
_LAZY = {
    "NearDuplicates": "._batch",
    "near_duplicates": "._batch",
    "AddResult": ".index",
    "DedupIndex": ".index",
    "Fingerprint": ".index",
    "IndexParams": ".index",
    "Match": ".index",
    "RedisIndex": ".index",  # (the redis client itself is imported when one is made)
}


def __getattr__(name: str) -> _typing.Any:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "AddResult",
    "BoilerplateIndex",
    "DedupIndex",
    "Fingerprint",
    "IndexFileError",
    "IndexParams",
    "IndexUnavailableError",
    "Byline",
    "CleanResult",
    "Cleaner",
    "DecodeError",
    "InputError",
    "Match",
    "NearDuplicates",
    "NewscleanError",
    "Options",
    "OptionsError",
    "RecordError",
    "RedisIndex",
    "RegistryError",
    "Removal",
    "SketchConfig",
    "SketchMismatchError",
    "__version__",
    "clean",
    "near_duplicates",
]
