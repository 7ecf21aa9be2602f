"""Keeping secrets out of messages: every URL newsclean shows goes through ``redact``."""

from __future__ import annotations

import re

_SECRET_PARAMS = re.compile(r"(?i)([?&](?:password|pass|pwd|token)=)[^&#]*")


def redact(url: str) -> str:
    """``url`` with its password (and any ``password=`` query parameter) replaced by
    ``***``, for messages, reprs and logs; the user name, host and port stay, to say which
    server and account were meant.

    >>> redact("redis://:hunter2@cache.local:6379/0")
    'redis://:***@cache.local:6379/0'
    >>> redact("rediss://crawler:hunter2@cache.local:6380/1")
    'rediss://crawler:***@cache.local:6380/1'
    >>> redact("redis://cache.local:6379/0?password=hunter2&db=1")
    'redis://cache.local:6379/0?password=***&db=1'
    >>> redact("redis://localhost:6379/0")
    'redis://localhost:6379/0'
    >>> redact("redis://:p@ss/w:rd@cache.local:6379/0")  # (not escaped: all of it is hidden)
    'redis://:***@cache.local:6379/0'
    """
    scheme, sep, rest = url.partition("://")
    if not sep:
        return _SECRET_PARAMS.sub(r"\1***", url)
    # The credentials end at the last '@' before the query: a password may hold '@', ':'
    # and '/' that its writer did not escape (a URL parser then misreads it, but it is
    # still the secret).
    end = min((i for i in (rest.find(c) for c in "?#") if i >= 0), default=len(rest))
    head, tail = rest[:end], rest[end:]
    credentials, at, where = head.rpartition("@")
    if at:
        user, colon, _ = credentials.partition(":")
        head = f"{user}:***@{where}" if colon else f"{credentials}@{where}"
    return f"{scheme}://{head}" + _SECRET_PARAMS.sub(r"\1***", tail)
