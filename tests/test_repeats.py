"""Repeated paragraphs: exact, near and truncated repeats, and what must be kept."""

from __future__ import annotations

from newsclean import Options, clean
from newsclean._repeats import find_repeats

LONG_A = (
    "The senior officials discussed the rise of violence and brutality committed by "
    "extremist organisations and radical groups in Iraq and Syria, and agreed to meet again."
)
LONG_B = (
    "Further, they discussed the complexity of irregular migration and the suffering of "
    "the victims who fall prey to human trafficking and people-smuggling crimes."
)
LONG_C = "All dialogue partners agreed to enhance and deepen cooperation with ASEAN in efforts to suppress crime."


def rules(text: str, **options: object) -> list[tuple[int, int, str]]:
    return [(r.index, r.duplicate_of, r.rule) for r in clean(text, **options).removed]


def test_exact_repeats_keep_the_first_copy_in_place() -> None:
    text = "\n".join([LONG_A, LONG_B, LONG_C, LONG_A])
    assert clean(text).text == "\n".join([LONG_A, LONG_B, LONG_C]) + "\n"
    assert rules(text) == [(3, 0, "exact_repeat")]


def test_repeated_lead_and_block_need_not_be_adjacent() -> None:
    text = "\n\n".join([LONG_A, LONG_B, LONG_C, LONG_B, LONG_C, LONG_A])
    assert rules(text) == [(3, 1, "exact_repeat"), (4, 2, "exact_repeat"), (5, 0, "exact_repeat")]


def test_near_repeats_whitespace_quotes_entities_and_one_word() -> None:
    variants = [
        LONG_A.replace(" ", "  "),
        LONG_A.replace("Iraq and Syria", "Iraq &amp; Syria"),
        LONG_A.replace("violence", "violent acts"),
        LONG_A.replace("agreed", "“agreed”"),
    ]
    for variant in variants:
        text = "\n".join([LONG_A, LONG_B, variant])
        found = clean(text).removed
        assert [(r.index, r.duplicate_of) for r in found] == [(2, 0)], variant
        assert found[0].rule in ("exact_repeat", "near_repeat")
        assert 0.8 <= found[0].similarity <= 1.0


def test_rewrapped_paragraph_in_blank_line_layout() -> None:
    cut = LONG_A.index(" ", 60)
    wrapped = LONG_A[:cut] + "\n" + LONG_A[cut + 1 :]
    text = "\n\n".join([LONG_A, LONG_B, wrapped])
    assert rules(text) == [(2, 0, "exact_repeat")]


def test_truncated_teasers_leave_the_full_text_once() -> None:
    for marker in ("...", "…", " [...]", " […]"):
        teaser = LONG_A[:70].rstrip() + marker
        before = "\n".join([teaser, LONG_B, LONG_A])
        after = "\n".join([LONG_A, LONG_B, teaser])
        assert clean(before).text == LONG_B + "\n" + LONG_A, marker
        assert rules(before) == [(0, 2, "truncated_repeat")]
        assert clean(after).text == LONG_A + "\n" + LONG_B + "\n"
        assert rules(after) == [(2, 0, "truncated_repeat")]


def test_short_teasers_and_trailing_off_quotes_stay() -> None:
    text = '"We will see..."\n"We will see what happens next week," the minister said.'
    assert rules(text) == []


def test_layout_lines_are_never_removed() -> None:
    text = "\n".join([LONG_A, "* * *", LONG_B, "* * *", "—", "—", "###", "###", "1-0", "1-0"])
    assert rules(text) == []


def test_a_repeated_end_marker_goes_with_its_copy() -> None:
    """``./.`` has no letter, but a second one closes a second copy of the body."""
    text = "\n".join([LONG_A, LONG_B, "./.", LONG_A, LONG_B, "./."])
    assert rules(text) == [(3, 0, "exact_repeat"), (4, 1, "exact_repeat"), (5, 2, "exact_repeat")]
    assert clean(text).text == "\n".join([LONG_A, LONG_B, "./."]) + "\n"


def test_short_paragraphs_are_compared_exactly() -> None:
    assert rules("The talks ended.\nThe talks ended!\nThe talks ended.") == [(2, 0, "exact_repeat")]
    assert rules("Item 1: rice exports rose.\nItem 2: rice exports rose.") == []


def test_shared_opening_then_diverging_paragraphs_are_kept() -> None:
    quote = '"We will never accept any attempt to change the status quo by force," '
    one = quote + "the foreign minister told reporters in Hanoi after the talks ended on Monday."
    two = quote + "she repeated on Thursday, as the navy announced fresh exercises and new patrols near the islands."
    assert rules(one + "\n" + two) == []


def test_comparison_is_against_kept_paragraphs_only() -> None:
    # A chain of small edits: each step is a near repeat of the previous one only.
    words = LONG_A.split()
    chain = [" ".join(words[:k] + ["CHANGED"] * 4 + words[k + 4 :]) for k in (0, 6, 12, 18)]
    repeats = find_repeats([c.lower() for c in chain], Options(threshold=0.8))
    for r in repeats:
        assert r.duplicate_of not in {x.index for x in repeats}


def test_ten_thousand_identical_paragraphs() -> None:
    result = clean("\n".join([LONG_A] * 10_000))
    assert result.text == LONG_A + "\n"
    assert len(result.removed) == 9_999


def test_ten_thousand_distinct_similar_paragraphs() -> None:
    text = "\n".join(f"{LONG_A} Reference number {i:05d} of the archive." for i in range(10_000))
    result = clean(text)
    assert all(r.rule == "near_repeat" and r.duplicate_of == 0 for r in result.removed)
    assert len(result.removed) == 9_999


def test_dedupe_can_be_turned_off() -> None:
    assert rules(LONG_A + "\n" + LONG_A, dedupe_paragraphs=False) == []


def test_threshold_is_respected() -> None:
    variant = LONG_A.replace("violence", "violent acts")
    sim = clean(LONG_A + "\n" + variant).removed[0].similarity
    assert rules(LONG_A + "\n" + variant, threshold=min(1.0, sim + 0.01)) == []
