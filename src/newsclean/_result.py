"""What ``clean()`` returns: small frozen dataclasses of plain data."""

from __future__ import annotations

import dataclasses
from typing import Any, Literal

from ._options import Rule

Position = Literal["leading", "trailing"]
CreditKind = Literal["dateline", "credit", "photo"]


@dataclasses.dataclass(frozen=True)
class Byline:
    """An agency credit or dateline found in the text.

    Attributes:
        agency: the registry's canonical code (``"VNA"``, ``"XINHUA"``, ``"REUTERS"``).
        name: the agency's full name (``"Vietnam News Agency"``).
        raw: the exact text taken out of the body (or that would be, under ``byline="keep"``).
        position: ``"leading"`` (a dateline) or ``"trailing"`` (a credit after the text).
        kind: ``"dateline"``, ``"credit"`` or ``"photo"``.
        location: the dateline's place as written (``"BEIJING"``), else ``None``.
        date: the dateline's date as written (``"June 8"``), else ``None``.
        paragraph: 0-based index of the input paragraph it was found in.
    """

    agency: str
    name: str
    raw: str
    position: Position
    kind: CreditKind = "credit"
    location: str | None = None
    date: str | None = None
    paragraph: int = 0

    def to_dict(self) -> dict[str, Any]:
        """The fields as a JSON-ready dict."""
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class Removal:
    """One removed paragraph.

    Attributes:
        index: 0-based index of the removed paragraph among the input's paragraphs.
        duplicate_of: index of the kept paragraph it repeats (``None`` for boilerplate, which
            repeats other documents).
        similarity: the exact similarity measured (1.0 for exact repeats; the Jaccard
            similarity of the shingle sets for near repeats; the share of the full
            paragraph's key the teaser covers for truncated repeats).
        rule: ``"exact_repeat"``, ``"near_repeat"``, ``"truncated_repeat"`` or ``"boilerplate"``.
        text: the removed paragraph, as it was printed in the input.
        line: 1-based line of the input where the removed paragraph starts.
        step: the step that removed it (``"dedupe_paragraphs"`` or ``"boilerplate"``).
    """

    index: int
    duplicate_of: int | None
    similarity: float
    rule: Rule
    text: str
    line: int
    step: str = "dedupe_paragraphs"

    def to_dict(self) -> dict[str, Any]:
        """The fields as a JSON-ready dict."""
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class CleanResult:
    """The outcome of ``clean()``.

    Attributes:
        text: the clean text.
        byline: the leading dateline if there is one, else the trailing credit, else the
            first photo credit, else ``None``.
        credits: every credit, dateline and photo credit found, in text order.
        removed: one ``Removal`` per removed paragraph, in input order.
        changed: whether ``text`` differs from the input.
    """

    text: str
    byline: Byline | None
    credits: tuple[Byline, ...]
    removed: tuple[Removal, ...]
    changed: bool

    def to_dict(self) -> dict[str, Any]:
        """Everything but the text, as a JSON-ready dict (what ``newsclean --jsonl`` adds)."""
        return {
            "byline": self.byline.to_dict() if self.byline else None,
            "credits": [c.to_dict() for c in self.credits],
            "removed": [r.to_dict() for r in self.removed],
            "changed": self.changed,
        }
