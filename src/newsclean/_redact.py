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
    >>> redact("redis://:se#cr?et@cache.local:6379/0")  # ('#' and '?' too)
    'redis://:***@cache.local:6379/0'
    """
    split = _split(url)
    if split is None:
        return _SECRET_PARAMS.sub(r"\1***", url)
    scheme, credentials, where, tail = split
    head = where
    if credentials is not None:
        user, colon, _ = credentials.partition(":")
        head = f"{user}:***@{where}" if colon else f"{credentials}@{where}"
    return f"{scheme}://{head}" + _SECRET_PARAMS.sub(r"\1***", tail)


def written_password(url: str) -> str:
    """The password of ``url`` as its writer wrote it (``""`` if none): what ``redact``
    hides, which a URL parser reads otherwise when it holds an unescaped '@' or '/'.

    >>> written_password("redis://u:p@ss/w:rd@h:6379/0?db=1"), written_password("redis://h/0")
    ('p@ss/w:rd', '')
    """
    split = _split(url)
    return split[1].partition(":")[2] if split is not None and split[1] is not None else ""


def _split(url: str) -> tuple[str, str | None, str, str] | None:
    """``(scheme, credentials, where, tail)`` of a URL with ``://`` (else None):
    ``credentials`` (None if there are none) end at the URL's last '@', since a password
    may hold '@', ':', '/', '#' and '?' that its writer did not escape (a URL parser then
    misreads it, but it is still the secret; an '@' in the query hides more than the
    password, never less); ``tail`` is the query and fragment after the host."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return None
    credentials, at, after = rest.rpartition("@")
    if not at:
        credentials, after = "", rest
    end = min((i for i in (after.find(c) for c in "?#") if i >= 0), default=len(after))
    return scheme, credentials if at else None, after[:end], after[end:]
