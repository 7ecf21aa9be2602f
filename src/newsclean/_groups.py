"""The groups of ``newsclean dedup --groups FILE``: each kept document and the documents
dropped as its copies."""

from __future__ import annotations

import json
import os
from typing import Any


class Groups:
    """Every kept document of a run, in the order it was decided, with the duplicates
    matched to it (an indexed document of an earlier run has a group once a document of
    this run matches it)."""

    def __init__(self) -> None:
        self.members: dict[str, list[tuple[str, float]]] = {}

    def add(self, doc_id: str, result: Any) -> None:
        """Record a delivered document's ``AddResult``."""
        if result.new:  # (new, or an update of a kept document: its own group)
            self.members.setdefault(doc_id, [])
        elif result.status == "duplicate":  # (a repeat is the kept document itself, seen again: no copy)
            self.members.setdefault(result.duplicate_of, []).append((doc_id, result.similarity))

    def write(self, path: str | os.PathLike[str]) -> None:
        """One JSON line per group, ``{"id": ..., "duplicates": [{"id": ..., "similarity": ...}]}``,
        written whole or not at all."""
        from ._atomic import replacing

        with replacing(path) as f:
            for doc_id, dups in self.members.items():
                line = {"id": doc_id, "duplicates": [{"id": d, "similarity": round(s, 6)} for d, s in dups]}
                f.write(json.dumps(line, ensure_ascii=False).encode("utf-8") + b"\n")
