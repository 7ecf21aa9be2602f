"""newsclean: clean scraped news text.

Removes repeated paragraphs (exact, near and truncated repeats, found with shingles and
MinHash and decided by exact Jaccard similarity) and takes news-agency credits and
datelines out of the body, returning them as data.

>>> import newsclean
>>> newsclean.clean("The talks ended.-VNA").text
'The talks ended.'
"""

from ._batch import NearDuplicates, near_duplicates
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
from ._result import Byline, CleanResult, Removal
from ._version import __version__
from .index import AddResult, DedupIndex, IndexParams

__all__ = [
    "AddResult",
    "DedupIndex",
    "IndexFileError",
    "IndexParams",
    "IndexUnavailableError",
    "Byline",
    "CleanResult",
    "Cleaner",
    "DecodeError",
    "InputError",
    "NearDuplicates",
    "NewscleanError",
    "Options",
    "OptionsError",
    "RecordError",
    "RegistryError",
    "Removal",
    "SketchMismatchError",
    "__version__",
    "clean",
    "near_duplicates",
]
