"""Field paths: ``--field article.body`` names the member ``body`` of the object ``article``.

A path is split at each dot; a key that holds a dot is written with it escaped, ``\\.``
(``--field 'meta\\.v2.text'`` is the member ``text`` of the object ``"meta.v2"``), and a
backslash as ``\\\\``. A name without a dot or backslash is the one top-level field it
always was.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from ._errors import OptionsError


@functools.lru_cache(maxsize=64)  # (called for every line with the same few flags)
def field_path(spec: str) -> tuple[str, ...]:
    """The keys of a field path, outermost first.

    >>> field_path("text"), field_path("article.body"), field_path(r"meta\\.v2.text")
    (('text',), ('article', 'body'), ('meta.v2', 'text'))
    >>> field_path(r"a\\\\b")
    ('a\\\\b',)
    """
    keys: list[str] = []
    key: list[str] = []
    chars = iter(spec)
    for c in chars:
        if c == "\\":
            escaped = next(chars, None)
            if escaped not in (".", "\\"):
                raise OptionsError(f"field path {spec!r}: a backslash escapes '.' or '\\\\' only")
            key.append(escaped)
        elif c == ".":
            keys.append("".join(key))
            key = []
        else:
            key.append(c)
    keys.append("".join(key))
    if not spec or any(k == "" for k in keys):
        raise OptionsError(f"field path {spec!r} has an empty key (write a dot in a key as '\\.')")
    return tuple(keys)


def show_path(path: tuple[str, ...]) -> str:
    """A path as ``--field`` takes it (the inverse of ``field_path``).

    >>> show_path(("meta.v2", "text"))
    'meta\\\\.v2.text'
    """
    return ".".join(k.replace("\\", "\\\\").replace(".", "\\.") for k in path)


MISSING: Any = object()


def get_path(record: Mapping[str, Any], path: tuple[str, ...], default: Any = None) -> Any:
    """The value at ``path`` in nested objects, or ``default`` where a key is missing or a
    step is not an object.

    >>> get_path({"article": {"body": "Text."}}, ("article", "body"))
    'Text.'
    >>> get_path({"article": "flat"}, ("article", "body")) is None
    True
    """
    value: Any = record
    for k in path:
        if not isinstance(value, Mapping) or k not in value:
            return default
        value = value[k]
    return value
