"""The exceptions newsclean raises.

Every error is a ``NewscleanError``; each specific one also subclasses the
built-in a caller would naturally catch::

    NewscleanError(Exception)
    ├── OptionsError(NewscleanError, ValueError)       a bad option value
    ├── InputError(NewscleanError, ValueError)         input that cannot be read
    │   ├── DecodeError(InputError)                     invalid UTF-8 (names the byte)
    │   └── RecordError(InputError)                     a bad JSON line (names the line)
    ├── RegistryError(NewscleanError, ValueError)      a bad agency registry file
    ├── IndexFileError(NewscleanError, ValueError)     an index that cannot be read (not one, corrupt)
    ├── IndexUnavailableError(NewscleanError, ConnectionError)  a shared index is unreachable
    └── SketchMismatchError(NewscleanError, ValueError) sketches made with other parameters
"""

from __future__ import annotations


class NewscleanError(Exception):
    """Root of every error newsclean raises."""


class OptionsError(NewscleanError, ValueError):
    """An option has a value newsclean cannot use; the message names it."""


class InputError(NewscleanError, ValueError):
    """Input that cannot be cleaned; the message names the source and place."""


class DecodeError(InputError):
    """Bytes that are not valid UTF-8.

    ``source`` names the file (``"<stdin>"`` for standard input) and
    ``offset`` is the 0-based byte offset of the first bad byte.
    """

    def __init__(self, source: str, offset: int, reason: str) -> None:
        self.source = source
        self.offset = offset
        self.reason = reason
        super().__init__(f"{source}: invalid UTF-8 at byte {offset}: {reason}")

    def __reduce__(self) -> tuple[type[DecodeError], tuple[str, int, str]]:
        # (An exception pickles as its class and args; args is the message alone here.)
        return (type(self), (self.source, self.offset, self.reason))


class RecordError(InputError):
    """A JSON line that cannot be used; ``line`` is 1-based."""

    def __init__(self, source: str, line: int, reason: str) -> None:
        self.source = source
        self.line = line
        self.reason = reason
        super().__init__(f"{source}: line {line}: {reason}")

    def __reduce__(self) -> tuple[type[RecordError], tuple[str, int, str]]:
        return (type(self), (self.source, self.line, self.reason))


class SketchMismatchError(NewscleanError, ValueError):
    """Two sketches (or a sketch and an index) were made with different parameters."""


class RegistryError(NewscleanError, ValueError):
    """An agency registry that cannot be used; the message names the file and entry."""


class IndexFileError(NewscleanError, ValueError):
    """An index that cannot be read: a file that is truncated, corrupt, a directory or not an
    index, or a Redis namespace whose header is not a newsclean index's; names the file or
    the namespace. (A newsclean index made with other parameters is a ``SketchMismatchError``.)"""


class IndexUnavailableError(NewscleanError, ConnectionError):
    """A shared index (Redis) cannot be reached. Nothing was recorded by the failed call."""
