"""Repeated paragraphs: exact, near and truncated repeats, and what must be kept."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from newsclean import Options, clean
from newsclean._repeats import NEAR_NEW_WORDS, find_repeats, loses_content
from newsclean.strategies import articles

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


def code(i: int) -> str:
    """A distinct word of four letters for each ``i`` (aaaa, aaab, ...)."""
    return "".join(chr(97 + i // 26**k % 26) for k in (3, 2, 1, 0))


def test_ten_thousand_distinct_similar_paragraphs() -> None:
    # One word differs (not a number: a differing number is content, never a near repeat).
    text = "\n".join(f"{LONG_A} Reference {code(i)} of the archive." for i in range(10_000))
    result = clean(text)
    assert all(r.rule == "near_repeat" and r.duplicate_of == 0 for r in result.removed)
    assert len(result.removed) == 9_999


def test_many_paragraphs_are_decided_as_all_pairs_would(monkeypatch: pytest.MonkeyPatch) -> None:
    """Beyond ``_ALL_PAIRS_MAX`` paragraphs LSH proposes the pairs, the signatures check them
    and exact Jaccard decides, as arrays: the same removals as comparing every pair, on
    look-alike rows (every pair shares most of its shingles, few reach the threshold) with
    near repeats planted among them."""
    import random

    from newsclean import _repeats

    rng = random.Random(5)
    words = ["alpha", "beta", "gamma", "delta", "news", "agency", "report", "said", "minister", "market"]
    rows = [" ".join(rng.choices(words, k=20)) + "." for _ in range(160)]
    for n in range(0, 160, 9):  # a near repeat of every ninth row: one word changed
        changed = rows[n].split()
        changed[rng.randrange(20)] = "ministers"
        rows.insert(rng.randrange(n + 1, len(rows) + 1), " ".join(changed))
    text = "\n".join(rows)
    sketched = clean(text).removed
    monkeypatch.setattr(_repeats, "_ALL_PAIRS_MAX", 255)
    assert [(r.index, r.duplicate_of, r.rule) for r in sketched] == [
        (r.index, r.duplicate_of, r.rule) for r in clean(text).removed
    ]
    assert len(sketched) >= 15


def test_dedupe_can_be_turned_off() -> None:
    assert rules(LONG_A + "\n" + LONG_A, dedupe_paragraphs=False) == []


def test_threshold_is_respected() -> None:
    variant = LONG_A.replace("violence", "violent acts")
    sim = clean(LONG_A + "\n" + variant).removed[0].similarity
    assert rules(LONG_A + "\n" + variant, threshold=min(1.0, sim + 0.01)) == []


# -- a near repeat never takes content with it -------------------------------------------

_WORDS = st.sampled_from(
    "government ministry approved budget railway harbour farmers exports coffee rubber province "
    "council schools hospital bridge highway students teachers prices market central northern "
    "investment project contract company factory workers holiday weather flooding drought".split()
)
_SENTENCE = st.lists(_WORDS, min_size=16, max_size=24, unique=True).map(" ".join)
_OTHER_WORDS = st.sampled_from(
    "despite protests opposition lawmakers yesterday evening according officials several "
    "villages remained without electricity".split()
)


def near(a: str, b: str) -> list[tuple[int, int, str]]:
    """The removals of a document of ``a`` then ``b`` (and a paragraph between)."""
    return rules("\n".join([a.capitalize() + ".", LONG_B, b.capitalize() + "."]))


@settings(max_examples=150, deadline=None)
@given(_SENTENCE, st.integers(0, 30), st.integers(1, 99), st.integers(1, 99))
def test_a_differing_number_is_never_a_near_repeat(words: str, at: int, x: int, y: int) -> None:
    assume(x != y)
    w = words.split()
    at %= len(w)
    a = " ".join(w[:at] + [f"{x} tonnes"] + w[at:])
    b = " ".join(w[:at] + [f"{y} tonnes"] + w[at:])
    assert near(a, b) == []


@settings(max_examples=150, deadline=None)
@given(_SENTENCE, st.lists(_OTHER_WORDS, min_size=NEAR_NEW_WORDS + 1, max_size=6), st.integers(0, 30))
def test_a_clause_or_list_item_is_never_a_near_repeat(words: str, clause: list[str], at: int) -> None:
    w = words.split()  # (the clause's words are not in the first copy)
    at %= len(w)
    a = " ".join(w)
    b = " ".join(w[:at] + clause + w[at:])
    assert near(a, b) == []
    assert near(a + ", 1 green, 1 red", a + ", 1 green, 1 red, 1 orange") == []


@settings(max_examples=150, deadline=None)
@given(_SENTENCE, st.integers(0, 30), st.integers(0, 30), st.sampled_from("aeiou"))
def test_a_corrected_word_is_a_near_repeat(words: str, at: int, letter: int, vowel: str) -> None:
    w = words.split()
    at %= len(w)
    word = w[at]
    letter %= len(word)
    typo = word[:letter] + vowel + word[letter + 1 :]
    assume(typo != word)
    a = " ".join(w[:at] + [typo] + w[at + 1 :])  # the first copy misspelt, the second corrected
    b = " ".join(w)
    assert [r[2] for r in near(a, b)] == ["near_repeat"]


@settings(max_examples=60, deadline=None)
@given(articles())
def test_what_a_near_repeat_takes_is_a_word_or_two(example: object) -> None:
    text = example.dirty  # type: ignore[attr-defined]
    from newsclean._bylines.credits import default_credits
    from newsclean._text.layout import split
    from newsclean._text.normalize import key

    paragraphs = split(text)
    keys = [key(default_credits().body(p.text)) for p in paragraphs]
    for r in clean(text).removed:
        if r.rule == "near_repeat":
            assert r.duplicate_of is not None
            assert not loses_content(keys[r.index], keys[r.duplicate_of])


def test_list_items_and_feature_blocks_stay() -> None:
    kept = "Portion Fix containers for the week: 1 green, 1 red, 1 yellow, 2 tsp. of oil and a glass of water."
    more = (
        "Portion Fix containers for the week: 1 green, 1 red, 1 yellow, 1 orange, 2 tsp. of oil and a glass of water."
    )
    assert rules(kept + "\n" + more) == []
    one = "Battery: up to 12 hours of video playback, fast charging to 50 percent in 30 minutes with the supplied adapter."
    two = "Battery: up to 10 hours of video playback, fast charging to 50 percent in 35 minutes with the supplied adapter."
    assert rules(one + "\n" + two) == []


# -- scripts written without spaces: each letter is a word --------------------------------

ZH = (
    "国家统计局今天公布的数据显示，今年前五个月全国规模以上工业企业实现利润总额同比增长，"
    "其中制造业利润增长较快，高技术制造业和装备制造业增长明显，消费品制造业也保持了稳定增长，市场预期持续改善。"
)
JA = (
    "経済産業省が発表した統計によると、今年の鉱工業生産指数は前年同期に比べて上昇し、"
    "自動車や電子部品の生産が好調だったことが全体を押し上げた。一方、化学工業は横ばいで推移した。"
)
TH = (
    "กระทรวงพาณิชย์รายงานว่าการส่งออกข้าวในไตรมาสแรกเพิ่มขึ้นอย่างต่อเนื่อง "
    "โดยเฉพาะตลาดในภูมิภาคเอเชียตะวันออกเฉียงใต้ และคาดว่าจะเติบโตต่อไปในช่วงครึ่งปีหลังของปีนี้"
)


def similarity_of(a: str, b: str) -> float:
    from newsclean._similarity.hashing import shingle_hashes
    from newsclean._similarity.jaccard import jaccard
    from newsclean._text.normalize import key

    hashes, offsets = shingle_hashes([key(a), key(b)], 5)
    return float(jaccard(hashes[offsets[0] : offsets[1]], hashes[offsets[1] : offsets[2]]))


@pytest.mark.parametrize(
    ("first", "later"),
    [
        (ZH, ZH.replace("其中制造业", "但部分企业利润明显下滑，其中制造业")),  # "but some firms' profits fell sharply"
        (JA, JA.replace("好調だったことが", "好調だったが、利益は減少したことが")),  # "but profits fell"
        (TH, TH.replace(" และคาดว่า", " แต่ราคาข้าวลดลง และคาดว่า")),  # "but rice prices fell"
        (ZH.replace("同比增长，", "同比增长百分之十，"), ZH.replace("同比增长，", "同比增长百分之二十，")),  # 10% / 20%
    ],
    ids=["chinese-clause", "japanese-clause", "thai-clause", "chinese-numeral"],
)
def test_a_clause_or_number_without_spaces_is_never_a_near_repeat(first: str, later: str) -> None:
    """A run of Han, kana or Thai letters between punctuation is a phrase or a clause, not a
    word: each letter counts as a word, so the clause is content, as in English."""
    assert similarity_of(first, later) >= Options().threshold  # (similar enough to be a near repeat)
    assert rules(first + "\n" + later) == []
    assert clean(first + "\n" + later).text == first + "\n" + later


@pytest.mark.parametrize(
    ("first", "later"),
    [
        (ZH.replace("制造业利润", "製造业利润"), ZH),  # a wrong character corrected
        (JA.replace("押し上げた", "押し上げだ"), JA),
    ],
    ids=["chinese", "japanese"],
)
def test_a_one_character_correction_without_spaces_is_a_near_repeat(first: str, later: str) -> None:
    assert rules(first + "\n" + later) == [(1, 0, "near_repeat")]


def test_unspaced_letters_are_words_and_spaced_scripts_are_unchanged() -> None:
    from newsclean._repeats import _words

    assert sorted(_words("iphone手机 costs 999 ที่นี่").elements()) == ["999", "costs", "iphone", "ที่", "นี่", "手", "机"]
    # Hangul is written with spaces: its words are runs, as in English.
    korean = "정부는 올해 수출이 크게 늘었다고 밝혔다"
    assert sorted(_words(korean).elements()) == sorted(korean.split())
    assert loses_content("정부는 올해 수출이 크게 늘었지만 수입도 많이 늘었다고 밝혔다", korean)
    assert not loses_content("정부는 올해 수출이 크게 늘었다고 어제 밝혔다", korean)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_words_of_scripts_with_spaces_are_runs_of_word_characters(text: str) -> None:
    """Outside the scripts written without spaces, the words are what they always were: so
    are the decisions on those scripts."""
    import re
    from collections import Counter

    from newsclean._repeats import _UNSPACED, _words

    rest = _UNSPACED.sub(" ", text)
    assert _words(rest) == Counter(re.findall(r"\w+", rest))
