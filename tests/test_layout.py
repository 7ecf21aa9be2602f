from __future__ import annotations

import unicodedata

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from newsclean import clean
from newsclean._text import normalize as _normalize
from newsclean._text.layout import join, split
from newsclean._text.normalize import key, tidy


@pytest.mark.parametrize(
    ("text", "paragraphs"),
    [
        ("A.\nB.\nC.", ["A.", "B.", "C."]),
        ("A.\n\nB.\n\nC.\n", ["A.", "B.", "C."]),
        ("A.\r\nB.\r\n", ["A.", "B."]),
        ("Title\n\nOne.\nTwo.\nThree.", ["Title", "One.", "Two.", "Three."]),
        ("A wrapped line\nof one paragraph.\n\nNext.", ["A wrapped line\nof one paragraph.", "Next."]),
        ("\n\n  \nA.\n \t\nB.", ["A.", "B."]),
        ("", []),
        ("\n\n", []),
    ],
)
def test_split(text: str, paragraphs: list[str]) -> None:
    assert [p.text for p in split(text)] == paragraphs


@pytest.mark.parametrize(
    "text",
    ["A.\nB.", "A.\nB.\n", "A.\n\nB.\n", "A.\r\n\r\nB.\r\n", "Wrapped\nlines.\n\nB.", "One line"],
)
def test_nothing_to_clean_comes_back_identical(text: str) -> None:
    parts = split(text)
    assert join((p.text, p.sep) for p in parts) == text
    assert clean(text).text == text
    assert not clean(text).changed


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("A.  B.\u00a0C.\t D.   \n", "A. B. C. D.\n"),  # spaces folded, trailing trimmed
        ("\u200bA\u00adB\u2060C\ufeff.\n", "ABC.\n"),  # invisible characters removed
        ("A.\n\n\n\nB.\n\n\n", "A.\n\nB.\n"),  # blank runs folded, last keeps one break
        ("Cafe\u0301.", "Café."),  # NFC
        ("km² and ﬁve “quotes” — dashes", "km² and ﬁve “quotes” — dashes"),  # no NFKC
        ("A\x00B\x1bC.", "ABC."),  # control characters
        ("A.\u2028B.", "A.\nB."),
        ("building \x97 glowing", "building — glowing"),  # C1 controls are cp1252 mojibake
        ("it\x92s \x93fine\x94\x85", "it’s “fine”…"),
        ("\x80 5 \x96 6", "€ 5 – 6"),
        ("a\x0cb a\x0bb a\x1fb", "a b a b a b"),  # a separating control never merges words
        ("a\x81b", "ab"),  # a byte cp1252 leaves undefined
    ],
)
def test_printed_text_tidy(text: str, expected: str) -> None:
    assert clean(text).text == expected


def test_tidy_looks_at_a_long_text_a_piece_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """A long text is looked at a piece at a time for what tidy changes (a 100 MB
    document): what the last piece holds is changed too."""
    import newsclean._text.normalize as normalize

    monkeypatch.setattr(normalize, "_LOOKUP_CHARS", 4)
    assert tidy("plain text, then\u200b a\x97b") == "plain text, then a—b"
    assert tidy("plain text only") == "plain text only"


def test_tidy_keeps_zwj_for_scripts_that_need_it() -> None:
    assert tidy("می\u200cخواهم") == "می\u200cخواهم"


def test_key_is_aggressive() -> None:
    assert key("“Ha Noi’s” &amp; <b>—</b>  ＡＳＥＡＮ\u200b") == key('"ha noi\'s" & <b>-</b> asean')
    assert key("İstanbul") == key("i̇stanbul")


def test_code_maps_are_the_key_table_and_casefolding_of_each_code_point() -> None:
    """The code-point maps (built from arrays in one go) against their definition, one
    character at a time: str.isspace, str.casefold and the key table."""
    space = [c for c in range(0x3001) if chr(c).isspace()]
    assert _normalize.is_space().nonzero()[0].tolist() == space
    assert len(_normalize.is_space()) == 0x3002
    key_only = list(range(0x10000))
    for c in space:
        key_only[c] = 32
    for c, to in _normalize._BATCH_TABLE.items():
        key_only[c] = ord(to) if to else _normalize._DELETE
    folded = [chr(c).casefold() for c in range(0x10000)]
    fold_key = [key_only[ord(f)] if len(f) == 1 else _normalize._LONGER for f in folded]
    got_fold_key, got_key_only = _normalize._code_maps()
    assert got_key_only.tolist() == key_only
    assert got_fold_key.tolist() == fold_key


def test_casefold_file_is_made_from_this_unicode_version(monkeypatch, tmp_path) -> None:
    """casefold.bin (what the code-point maps start from) is casefold_changes() of its
    Unicode version: made again when that changes, or this fails. A file made under another
    version is not read (the changes are then made from str.casefold)."""
    with open(_normalize._CASEFOLD, "rb") as f:
        data = f.read()
    version = data.split(b"\n", 1)[0].rsplit(b" ", 1)[-1].decode()
    if version != unicodedata.unidata_version:
        pytest.skip(f"casefold.bin is of Unicode {version}, this Python's is {unicodedata.unidata_version}")
    assert data == _normalize._casefold_header() + _normalize.casefold_changes().tobytes(), (
        "run: python -c 'from newsclean._text.normalize import write_casefold; write_casefold()'"
    )
    other = tmp_path / "casefold.bin"
    other.write_bytes(data.replace(version.encode(), b"1.0.0", 1))
    monkeypatch.setattr(_normalize, "_CASEFOLD", str(other))
    assert _normalize._read_casefold() is None
    monkeypatch.setattr(_normalize, "_CASEFOLD", str(tmp_path / "missing.bin"))
    assert _normalize._read_casefold() is None


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab .\n\r \t\u00a0\u2028")), max_size=40))
@example("a\nb\n")
@example("a\n \nb")
@example("\n")
@example("")
@example("a.\n\nb\n\nc\n")  # (a paragraph a line, a blank line after each)
@example("a.\n \nb")
@example("a.\n\n\nb")
@example("\na\n\nb")
def test_one_a_line_layout_splits_as_blocks_do(text: str) -> None:
    """split()'s one-pass path for the layouts of a paragraph a line (with or without a
    blank line after each) gives what the general path gives."""
    from newsclean._text.layout import _by_blocks, _one_a_line

    tidied = tidy(text)
    fast = _one_a_line(tidied)
    if fast is not None:
        assert fast == _by_blocks(tidied)
    assert split(text) == _by_blocks(tidied)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(["word", "Wort", " ", "\n"] + [chr(c) for c in (*range(0x20), *range(0x7F, 0xA0))]), max_size=12
    )
)
@example(["a", "\x0c", "b"])
def test_no_control_character_merges_two_words(parts: list[str]) -> None:
    """Words separated by anything but a non-separating control stay separate words."""
    text = "".join(parts)
    separators = {" ", "\n", "\r", "\t", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x1f"}
    words = [p for p in parts if p.isalpha()]
    # count the boundaries between two words that hold a separator
    boundaries = 0
    seen_word, gap = False, ""
    for p in parts:
        if p.isalpha():
            if seen_word and any(c in separators for c in gap):
                boundaries += 1
            seen_word, gap = True, ""
        else:
            gap += p
    assert len(tidy(text).split()) >= boundaries + (1 if words else 0)
