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
    """
    scheme, sep, rest = url.partition("://")
    if not sep:
        return _SECRET_PARAMS.sub(r"\1***", url)
    # The authority ends at the first '/', '?' or '#'; its credentials at its last '@'
    # (a password may itself hold '@' or ':').
    end = min((i for i in (rest.find(c) for c in "/?#") if i >= 0), default=len(rest))
    authority, tail = rest[:end], rest[end:]
    credentials, at, host = authority.rpartition("@")
    if at:
        user, colon, _ = credentials.partition(":")
        authority = f"{user}:***@{host}" if colon else f"{credentials}@{host}"
    return f"{scheme}://{authority}" + _SECRET_PARAMS.sub(r"\1***", tail)
