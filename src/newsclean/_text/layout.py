"""Split text into paragraphs and join them back, keeping the input's layout."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import NamedTuple

from .normalize import tidy

# A line ending in one of these ends a sentence: inside a blank-line block, a break
# after it separates paragraphs rather than wrapping one.
SENTENCE_END = tuple('.!?:…"”’»)]')


_LINE_BREAK = re.compile(" *(?:\r\n|\r|\n) *")


def _is_blank(sep: str) -> bool:
    """Whether a separator holds a blank line (two line breaks)."""
    return sep.replace("\r\n", "\n").replace("\r", "\n").count("\n") >= 2


class Paragraph(NamedTuple):
    """A paragraph as printed (``text``, inner line breaks kept), the separator that
    followed it in the input (``sep``, already folded to one or two line breaks, ``""``
    at the very end) and the 1-based input line it starts on. (A named tuple: a document
    makes one per paragraph, and a frozen dataclass takes four times as long to make.)"""

    text: str
    sep: str
    line: int


def split(text: str) -> list[Paragraph]:
    """Paragraphs of ``text`` (tidied for printing), empty ones dropped.

    >>> [p.text for p in split("One.\\nTwo.\\n")]
    ['One.', 'Two.']
    >>> [(p.text, p.sep) for p in split("A wrapped\\nparagraph.\\n\\nNext.")]
    [('A wrapped\\nparagraph.', '\\n\\n'), ('Next.', '')]
    """
    tidied = tidy(text)
    one_a_line = _one_a_line(tidied)
    return one_a_line if one_a_line is not None else _by_blocks(tidied)


def _one_a_line(text: str) -> list[Paragraph] | None:
    """``_by_blocks(text)`` for the two common layouts, in one pass: a paragraph a line
    with ``\n`` and no blank line (one block: each line is a paragraph followed by its line
    break), and a paragraph a line with one blank line after each (blocks of one line:
    each a paragraph followed by two line breaks); ``None`` for any other layout."""
    if "\r" in text:
        return None
    rows = text.split("\n")
    end = "\n" if not rows[-1] else ""
    if end:
        rows.pop()
    stripped = [r.strip(" ") for r in rows]
    if all(stripped):
        last = len(stripped) - 1
        return [Paragraph(t, "\n" if n < last else end, n + 1) for n, t in enumerate(stripped)]
    texts = stripped[0::2]
    if len(stripped) % 2 and all(texts) and not any(stripped[1::2]):
        last = len(texts) - 1
        return [Paragraph(t, "\n\n" if k < last else end, 2 * k + 1) for k, t in enumerate(texts)]
    return None


def _by_blocks(text: str) -> list[Paragraph]:
    """The paragraphs of tidied ``text``, for any layout."""
    lines: list[tuple[str, str, int]] = []  # (stripped text, line break, 1-based line number)
    # tidy() leaves no line break but \r\n, \r and \n, the ones split() knows.
    for number, raw in enumerate(text.splitlines(keepends=True), 1):
        content = raw.rstrip("\r\n")
        lines.append((content.strip(" "), raw[len(content) :], number))
    blocks: list[list[tuple[str, str, int]]] = [[]]
    for line in lines:
        if line[0]:
            blocks[-1].append(line)
        elif blocks[-1]:
            blocks.append([])
    blocks = [b for b in blocks if b]
    blank_layout = len(blocks) > 1
    paragraphs = []
    for b, block in enumerate(blocks):
        if blank_layout and not _lines_are_paragraphs(block):
            block = [("".join(t + eol for t, eol, _ in block[:-1]) + block[-1][0], block[-1][1], block[0][2])]
        for i, (line_text, eol, number) in enumerate(block):
            last_in_block = i == len(block) - 1
            sep = eol * 2 if last_in_block and b < len(blocks) - 1 else eol
            paragraphs.append(Paragraph(line_text, sep, number))
    return paragraphs


def _lines_are_paragraphs(block: list[tuple[str, str, int]]) -> bool:
    return all(text.endswith(SENTENCE_END) for text, _, _ in block[:-1])


def join(paragraphs: Iterable[tuple[str, str]]) -> str:
    """Print ``(text, separator)`` pairs; the last one keeps at most one line break.

    When no blank line is left between the printed paragraphs (removals took every one), a
    wrapped paragraph (a blank-line layout's) is printed on one line: read again, the text
    would be in line layout, and each line of it a paragraph of its own.

    >>> join([("A.", "\\n\\n"), ("B.", "\\n\\n")])
    'A.\\n\\nB.\\n'
    >>> join([("A wrapped\\nparagraph.", "\\n\\n")])
    'A wrapped paragraph.\\n'
    """
    items = list(paragraphs)
    if any("\n" in t or "\r" in t for t, _ in items) and not any(_is_blank(sep) for _, sep in items[:-1]):
        items = [(_LINE_BREAK.sub(" ", text), sep) for text, sep in items]
    out = [text + sep for text, sep in items[:-1]]
    if items:
        text, sep = items[-1]
        out.append(text + ("\r\n" if sep.startswith("\r\n") else sep[:1]))
    return "".join(out)
