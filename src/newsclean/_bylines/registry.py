"""The registry of news agencies (package data ``agencies.toml``).

The packaged registry is read from its JSON twin, ``agencies.json``, at every start-up:
json reads it many times faster than a TOML parser reads the TOML (docs/how-it-works.md,
"Design choices, measured"). The twin records the CRC-32 and size of
the TOML it was made from; a twin that does not match the TOML beside it is not read (the
TOML is parsed). After editing the TOML, make the twin again (a test checks it is):
``python -c "from newsclean._bylines.registry import write_twin; write_twin()"``.
"""

from __future__ import annotations

import binascii
import dataclasses
import functools
import os
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .._errors import RegistryError

if TYPE_CHECKING:
    from pathlib import Path

_HERE = os.path.dirname(os.path.abspath(__file__))
_TOML = os.path.join(_HERE, "agencies.toml")
_TWIN = os.path.join(_HERE, "agencies.json")

#: Agency-specific forms (every agency also has the universal ones, see docs/rules.md).
FORMS = frozenset({"slash", "equals", "tag_first", "bare", "dated_dash", "cjk"})


@dataclasses.dataclass(frozen=True)
class Agency:
    """One news agency: its canonical ``code``, full ``name``, ``country`` (ISO 3166-1
    alpha-2 or ``"INT"``), the ``spellings`` used in credits, the agency-specific
    ``forms`` it uses, whether its code is ``ambiguous`` (also a common acronym), and
    ``examples`` of credits and datelines in its style."""

    code: str
    name: str
    country: str
    spellings: tuple[str, ...]
    forms: frozenset[str] = frozenset()
    ambiguous: bool = False
    examples: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class Registry:
    """The agencies, and every spelling (plus its all-capitals form) to its agency."""

    agencies: tuple[Agency, ...]
    by_spelling: Mapping[str, Agency]

    @classmethod
    def from_entries(cls, entries: list[dict[str, Any]], source: str = "<registry>") -> Registry:
        agencies: list[Agency] = []
        by_spelling: dict[str, Agency] = {}
        for n, entry in enumerate(entries, 1):
            try:
                agency = Agency(
                    code=str(entry["code"]),
                    name=str(entry["name"]),
                    country=str(entry["country"]),
                    spellings=tuple(entry["spellings"]),
                    forms=frozenset(entry.get("forms", ())),
                    ambiguous=bool(entry.get("ambiguous", False)),
                    examples=tuple(entry.get("examples", ())),
                )
            except KeyError as missing:
                raise RegistryError(f"{source}: agency #{n} has no {missing}") from None
            if agency.forms - FORMS:
                raise RegistryError(f"{source}: {agency.code}: unknown forms {sorted(agency.forms - FORMS)}")
            for spelling in agency.spellings:
                for variant in {spelling, spelling.upper()}:
                    other = by_spelling.setdefault(variant, agency)
                    if other is not agency:
                        raise RegistryError(f"{source}: spelling {variant!r} of {agency.code} is also {other.code}'s")
            agencies.append(agency)
        return cls(tuple(agencies), by_spelling)

    @classmethod
    def load(cls, path: str | Path | None = None) -> Registry:
        """Read a registry file (the packaged ``agencies.toml`` by default)."""
        # (A plain path, not pathlib or importlib.resources: they cost milliseconds of
        # every start-up.)
        with open(_TOML if path is None else path, "rb") as f:
            data = f.read()
        source = "agencies.toml" if path is None else str(path)
        entries = _twin_entries(data) if path is None else None
        return cls.from_entries(_parse(data, source) if entries is None else entries, source)

    def get(self, code: str) -> Agency:
        """The agency with this canonical code."""
        for agency in self.agencies:
            if agency.code == code:
                return agency
        raise KeyError(code)


@functools.lru_cache(maxsize=1)
def default_registry() -> Registry:
    """The packaged registry, read once per process (it is immutable)."""
    return Registry.load()


def _parse(data: bytes, source: str) -> list[dict[str, Any]]:
    """The agency entries of the TOML registry ``data``."""
    if sys.version_info >= (3, 11):  # (imported here: not at every start-up)
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib
    try:
        parsed = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise RegistryError(f"{source}: {err}") from None
    entries: list[dict[str, Any]] = parsed.get("agency", [])
    return entries


def twin_text(data: bytes) -> str:
    """The JSON twin of the TOML registry ``data``: its entries as tomllib reads them, and
    the CRC-32 and size of ``data``."""
    import json

    twin = {"toml_crc32": binascii.crc32(data), "toml_size": len(data), "agency": _parse(data, "agencies.toml")}
    return json.dumps(twin, ensure_ascii=False, indent=1) + "\n"


def _twin_entries(data: bytes) -> list[dict[str, Any]] | None:
    """The entries of the packaged twin, if it was made from ``data``; else ``None`` (the
    TOML was edited and the twin not made again, or it is missing)."""
    import json

    try:
        with open(_TWIN, "rb") as f:
            twin = json.loads(f.read())
    except (OSError, ValueError):
        return None
    if (
        not isinstance(twin, dict)
        or twin.get("toml_size") != len(data)
        or twin.get("toml_crc32") != binascii.crc32(data)
    ):
        return None
    entries: list[dict[str, Any]] = twin["agency"]
    return entries


def write_twin() -> None:
    """Make ``agencies.json`` again from ``agencies.toml`` (after editing it)."""
    with open(_TOML, "rb") as f:
        text = twin_text(f.read())
    with open(_TWIN, "w", encoding="utf-8") as out:
        out.write(text)
