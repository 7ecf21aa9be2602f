"""The ``newsclean`` command: a thin edge over the library.

This module only dispatches: ``newsclean dedup ...`` to ``_cli/dedup.py``, anything else to
``_cli/clean.py``. Both parse their arguments, read and write bytes, and turn library errors
into one-line messages on stderr and exit codes (``_cli/common.py``): 0 ok, 1 ``--check``
found something to change or some input could not be used, 2 a usage error. A closed pipe
(``| head``) ends either quietly with 141, as a process killed by SIGPIPE would.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from ._cli.common import guarded


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command with ``argv`` (default ``sys.argv[1:]``); return the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["dedup"]:
        from ._cli import dedup

        return guarded("newsclean dedup", dedup.run, dedup.parser().parse_args(argv[1:]))
    from ._cli import clean

    return guarded("newsclean", clean.run, clean.plain(argv) or clean.parser().parse_args(argv))


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
