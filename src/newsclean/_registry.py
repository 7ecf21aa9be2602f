"""The registry of news agencies (package data ``agencies.toml``)."""

from __future__ import annotations

import dataclasses
import functools
import os
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ._errors import RegistryError

if TYPE_CHECKING:
    from pathlib import Path

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
        # (tomllib and a plain path, not pathlib or importlib.resources, imported here: they
        # cost milliseconds of every start-up)
        if sys.version_info >= (3, 11):
            import tomllib
        else:  # pragma: no cover - exercised on Python 3.10 only
            import tomli as tomllib

        if path is None:
            with open(os.path.join(os.path.dirname(__file__), "agencies.toml"), "rb") as f:
                data = f.read()
            source = "agencies.toml"
        else:
            with open(path, "rb") as f:
                data = f.read()
            source = str(path)
        try:
            parsed = tomllib.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
            raise RegistryError(f"{source}: {err}") from None
        return cls.from_entries(parsed.get("agency", []), source)

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
