"""Agency credits and datelines: every registry example, the forms, and look-alikes."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from newsclean import clean
from newsclean._bylines.registry import Registry, default_registry

BODY = "The minister said the plan was approved."
EXAMPLES = [(a.code, ex) for a in default_registry().agencies for ex in a.examples]


def test_registry_is_large_and_consistent() -> None:
    registry = default_registry()
    assert len(registry.agencies) >= 60
    codes = [a.code for a in registry.agencies]
    assert len(set(codes)) == len(codes)
    for agency in registry.agencies:
        assert agency.name and agency.country and agency.spellings and agency.examples, agency.code


def test_registry_refuses_a_spelling_of_two_agencies() -> None:
    entry = {"code": "X", "name": "X", "country": "INT", "spellings": ["XNA"]}
    with pytest.raises(ValueError, match="also X's"):
        Registry.from_entries([entry, {**entry, "code": "Y"}])


def test_registry_twin_is_made_from_the_toml(monkeypatch, tmp_path) -> None:
    """agencies.json (what start-up reads) is the TOML as tomllib reads it: made again
    after an edit of agencies.toml, or this fails. A twin of other bytes is not read."""
    from newsclean._bylines import registry as _registry

    with open(_registry._TOML, "rb") as f:
        data = f.read()
    with open(_registry._TWIN, encoding="utf-8") as f:
        assert f.read() == _registry.twin_text(data), (
            "run: python -c 'from newsclean._bylines.registry import write_twin; write_twin()'"
        )
    assert Registry.load() == Registry.from_entries(_registry._parse(data, "agencies.toml"), "agencies.toml")
    stale = tmp_path / "agencies.json"
    stale.write_text(_registry.twin_text(data).replace('"AFP"', '"AFX2"', 1), encoding="utf-8")
    monkeypatch.setattr(_registry, "_TWIN", str(stale))
    assert _registry._twin_entries(data) is not None  # (same CRC: read)
    assert _registry._twin_entries(data + b"\n") is None  # the TOML changed: not read
    monkeypatch.setattr(_registry, "_TWIN", str(tmp_path / "missing.json"))
    assert _registry._twin_entries(data) is None
    assert Registry.load() == Registry.from_entries(_registry._parse(data, "agencies.toml"), "agencies.toml")


@pytest.mark.parametrize(("code", "example"), EXAMPLES, ids=[f"{c}:{e}" for c, e in EXAMPLES])
def test_every_registry_example_is_recognised(code: str, example: str) -> None:
    if example.startswith("..."):  # a credit glued to the last sentence
        text, body = BODY[:-1] + example[3:], BODY[:-1]
    else:
        leading = clean(example + " " + BODY)
        if leading.byline and leading.byline.kind == "dateline":
            assert leading.byline.agency == code
            assert example.startswith(leading.byline.raw)
            assert leading.text == (example[len(leading.byline.raw) :].strip() + " " + BODY).lstrip()
            return
        text, body = BODY + "\n" + example, BODY
    result = clean(text)
    assert result.byline is not None, text
    assert result.byline.agency == code
    assert result.text.rstrip("\n").startswith(body)
    assert example.strip(". ") not in result.text


@pytest.mark.parametrize(
    ("text", "agency", "location", "date", "rest"),
    [
        ("HANOI (VNA) — Viet Nam and Laos agreed.", "VNA", "HANOI", None, "Viet Nam and Laos agreed."),
        ("BEIJING, June 8 (Xinhua) -- China said.", "XINHUA", "BEIJING", "June 8", "China said."),
        ("WASHINGTON (Reuters) - The Fed held.", "REUTERS", "WASHINGTON", None, "The Fed held."),
        ("MOSCOW, June 8. /TASS/. Russia said.", "TASS", "MOSCOW", "June 8", "Russia said."),
        ("(ANSA) - ROME, JUL 11 - Italy said.", "ANSA", "ROME", "JUL 11", "Italy said."),
        ("Damascus [Syria], June 9 (ANI): Syria said.", "ANI", "Damascus [Syria]", "June 9", "Syria said."),
        ("Chennai, Mar 21 (PTI) The city said.", "PTI", "Chennai", "Mar 21", "The city said."),
        ("(Reuters) - Apple said on Monday.", "REUTERS", None, None, "Apple said on Monday."),
        ("TOKYO, June 8 Kyodo - Japan said.", "KYODO", "TOKYO", "June 8", "Japan said."),
        (
            "KUALA LUMPUR, June 8 (Bernama) -- The ministry said.",
            "BERNAMA",
            "KUALA LUMPUR",
            "June 8",
            "The ministry said.",
        ),
        ("HO CHI MINH CITY (VNA) – Exports rose.", "VNA", "HO CHI MINH CITY", None, "Exports rose."),
        ("Hà Nội (TTXVN) - Xuất khẩu tăng.", "VNA", "Hà Nội", None, "Xuất khẩu tăng."),
        ("Madrid, 8 jun (EFE).- El Gobierno dijo.", "EFE", "Madrid", "8 jun", "El Gobierno dijo."),
        ("KYIV, Ukraine (AP) — Russia struck.", "AP", "KYIV, Ukraine", None, "Russia struck."),
        ("Rio de Janeiro (Reuters) - Brazil said.", "REUTERS", "Rio de Janeiro", None, "Brazil said."),
        ("SEOUL, June 8 (Yonhap) -- North Korea fired.", "YONHAP", "SEOUL", "June 8", "North Korea fired."),
    ],
)
def test_leading_datelines(text: str, agency: str, location: str | None, date: str | None, rest: str) -> None:
    result = clean(text)
    assert result.text == rest
    b = result.byline
    assert b is not None
    assert (b.agency, b.location, b.date, b.position, b.kind) == (agency, location, date, "leading", "dateline")
    assert text.startswith(b.raw)


def test_dateline_after_a_headline_and_on_its_own_line() -> None:
    assert clean("Laos, Viet Nam boost ties\nVIENTIANE (VNA) — The two sides met.").text == (
        "Laos, Viet Nam boost ties\nThe two sides met."
    )
    assert clean("SEOUL, June 8 (Yonhap) --\nNorth Korea fired a missile.").text == "North Korea fired a missile."


@pytest.mark.parametrize(
    ("text", "agency", "raw"),
    [
        ("with these organisations.-VNA", "VNA", "-VNA"),
        ("the minister said. — AFP", "AFP", "— AFP"),
        ("the ministry said. -- BERNAMA", "BERNAMA", "-- BERNAMA"),
        ("the talks ended.—TASS", "TASS", "—TASS"),
        ("the talks ended.\u2010VNA", "VNA", "\u2010VNA"),
        ("the talks ended.\u2013 AFP", "AFP", "\u2013 AFP"),
        ("the talks ended. \u2212 AFP", "AFP", "\u2212 AFP"),
        ("he told reporters. (PTI)", "PTI", "(PTI)"),
        ("the talks ended.\nVNA/VNS", "VNA", "VNA/VNS"),
        ("the talks ended.\nSource: Xinhua", "XINHUA", "Source: Xinhua"),
        ("the talks ended.\n==Kyodo", "KYODO", "==Kyodo"),
        ("the talks ended.\n/ritzau/", "RITZAU", "/ritzau/"),
        ("the talks ended.-VNA\n./.", "VNA", "-VNA\n./."),
        ("the talks ended. -- BERNAMA\n-0-", "BERNAMA", "-- BERNAMA\n-0-"),
        ("the talks ended.\n(END)\nYonhap", "YONHAP", "(END)\nYonhap"),
        ("the talks ended. — AFP\nach/jm", "AFP", "— AFP\nach/jm"),
        ('"We are ready," he said. — AFP', "AFP", "— AFP"),
    ],
)
def test_trailing_credits(text: str, agency: str, raw: str) -> None:
    result = clean(text)
    assert result.byline is not None
    assert (result.byline.agency, result.byline.raw, result.byline.position) == (agency, raw, "trailing")
    assert raw not in result.text
    assert result.text.rstrip("\n") == text[: text.index(raw)].rstrip()


def test_photo_credit() -> None:
    result = clean("Leaders at the summit (Photo: VNA)\nThe summit opened on Monday.\nPhoto: AFP")
    assert result.text == "Leaders at the summit\nThe summit opened on Monday.\n"
    assert [(c.agency, c.kind, c.raw) for c in result.credits] == [
        ("VNA", "photo", "(Photo: VNA)"),
        ("AFP", "photo", "Photo: AFP"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Cases of COVID-19",
        "The region welcomed the U.S.-ASEAN",
        "Leaders met at the G-20",
        "The minister told AFP.",
        "He leads the People's Action Party (PAP).",
        "The report was carried by the Press Trust of India (PTI).",
        "The Associated Press (AP).",
        "The agreement was signed by NATO.",
        "Seorang lelaki bernama Ali ditahan antara pukul dua dan tiga.",
        "Reuters reported on Monday that the deal was off.",
        "Curtains with gold—tassels",
        "The Palestinian Authority (PA) — which runs parts of the West Bank — objected.",
        "People's Action Party (PAP) — the ruling party — won.",
        "NaN",
        "Officials (AP) said nothing.",
        "(Reporting by Jane Doe; Editing by John Roe)",
        "The talks ended.\n(END)",
    ],
)
def test_look_alikes_are_never_touched(text: str) -> None:
    result = clean(text)
    assert result.text.rstrip("\n") == text
    assert result.byline is None


def test_policies() -> None:
    text = "BEIJING, June 8 (Xinhua) -- China said.\nThe talks ended.-VNA"
    kept = clean(text, byline="keep")
    assert kept.text == text
    assert [c.agency for c in kept.credits] == ["XINHUA", "VNA"]
    rewritten = clean(text, byline="rewrite")
    assert rewritten.text == "BEIJING, June 8 (XINHUA) — China said.\nThe talks ended.\n(VNA)"
    assert clean(rewritten.text, byline="rewrite").text == rewritten.text


def test_byline_prefers_the_dateline() -> None:
    result = clean("HANOI (VNA) — The talks ended.\nThe next round is in June. — AFP")
    assert result.byline is not None and result.byline.kind == "dateline"
    assert [c.position for c in result.credits] == ["leading", "trailing"]
    assert result.text == "The talks ended.\nThe next round is in June."


# -- the quick tests in front of the patterns never turn a match away ---------------------

_CREDIT_ALPHABET = st.sampled_from(
    ["VNA", "Xinhua", "AFP", "Source", ":", " ", "/", "VNS", ".", ",", "./.", "-", "—", "(", ")", "END", "a", "Z"]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_CREDIT_ALPHABET, max_size=8).map("".join))
@example("VNA/VNS")
@example("Source: Xinhua")
@example("VNA ./.")
@example("(AFP) ./.")
@example("/Xinhua/")
@example("VNA, AFP")
@example("VNA.")
def test_credit_line_quick_test_rejects_only_what_the_pattern_rejects(text: str) -> None:
    from newsclean._bylines.credits import default_credits

    credits = default_credits()
    m = credits._credit_line.fullmatch(text)
    by_pattern = None
    if m is not None:
        by_pattern = credits._agency(m["slashed"], "slash") if m["slashed"] else credits._agency(m["agency"])
    assert credits.credit_line(text) == by_pattern


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(["TOKYO", "Tokyo", "T", "Th", "U.S.", "ᾼ", "X\u0345", ",", " ", "June 8", "Kyodo", "-", ":"]),
        max_size=7,
    ).map("".join)
)
@example("X\u0345 Kyodo -")
@example("TOKYO, June 8 Kyodo -")
@example("The Kyodo -")
@example("U.S. Kyodo -")
def test_bare_dateline_quick_test_rejects_only_what_the_pattern_rejects(text: str) -> None:
    from newsclean._bylines.credits import default_credits

    credits = default_credits()
    name, form, needs, spelled = next(f for f in credits._by_opener["A"] if f[1] == "bare")
    pattern = getattr(credits, name)
    if not needs(text) or not any(s in text for s in spelled):
        m = pattern.match(text)
        assert m is None or credits._agency(m["agency"], "bare") is None


def test_feed_tag_then_dateline_both_reported() -> None:
    result = clean("Canadian Press - OTTAWA (CP) - The budget passed.\nThe vote was 170 to 150.\nThe Canadian Press")
    assert result.text == "The budget passed.\nThe vote was 170 to 150.\n"
    assert [(c.agency, c.raw, c.position, c.location) for c in result.credits] == [
        ("CP", "Canadian Press -", "leading", None),
        ("CP", "OTTAWA (CP) -", "leading", "OTTAWA"),
        ("CP", "The Canadian Press", "trailing", None),
    ]
    assert result.byline == result.credits[0]
    rewritten = clean("Canadian Press - OTTAWA (CP) - The budget passed.", byline="rewrite")
    assert rewritten.text == "OTTAWA (CP) — The budget passed."


@pytest.mark.parametrize(
    ("text", "agency", "location", "date", "rest"),
    [
        ("МОСКВА, 8 июня. /ТАСС/. Текст.", "TASS", "МОСКВА", "8 июня", "Текст."),
        ("МОСКВА, 10 фев — РИА Новости. Текст.", "RIA", "МОСКВА", "10 фев", "Текст."),
        ("新华社北京6月8日电（记者 王明）中国说。", "XINHUA", "北京", "6月8日", "中国说。"),
        ("中新社香港七月十六日电(记者 李华) 香港说。", "CNS", "香港", "七月十六日", "香港说。"),
        ("【ソウル共同】韓国政府は8日発表した。", "KYODO", "ソウル", None, "韓国政府は8日発表した。"),
        ("(부산=연합뉴스) 김철수 기자 = 부산시는 밝혔다.", "YONHAP", "부산", None, "부산시는 밝혔다."),
        ("Frankfurt/Main (dpa) - Die Stadt sagte.", "DPA", "Frankfurt/Main", None, "Die Stadt sagte."),
        ("PLANO, Tex. (CP) - The city said.", "CP", "PLANO, Tex.", None, "The city said."),
    ],
)
def test_datelines_in_other_scripts_and_places(
    text: str, agency: str, location: str | None, date: str | None, rest: str
) -> None:
    result = clean(text)
    assert result.text == rest
    b = result.byline
    assert b is not None
    assert (b.agency, b.location, b.date, b.kind) == (agency, location, date, "dateline")


# -- idempotence: cleaning the cleaned text changes nothing -----------------------------

_CREDIT_TOKENS = st.sampled_from(
    [
        "(AP)", "—", "-", " - ", "J", "/TASS/", "/", "VNA", "AFP", "Reuters", "Reuter", "AP", "Canadian Press",
        "(CP)", "OTTAWA", "HANOI", ",", " June 8", ".", " ", "\n", "\n\n", "The talks ended", "He said", "(END)",
        "./.", "-0-", "-30-", "Photo: ", "(Photo: VNA)", "Source: ", "==", "Kyodo", "(Reporting by Jane Doe)",
        "ach/jm", "新华社北京6月8日电", "(서울=연합뉴스)", "기자 =", "【東京共同】", "МОСКВА, 8 июня. /ТАСС/.", ":",
        "(PTI)", "(PAP)", " (Reuters) -", "‐", "...", "By ", "JOHN SMITH ", "Por Agencia EFE", "\r\n", "PAP",
    ]
)  # fmt: skip


@settings(max_examples=1500, deadline=None)
@given(st.lists(_CREDIT_TOKENS, max_size=10).map("".join))
@example("(AP)—J/TASS/")
@example("新华社北京6月8日电新华社北京6月8日电")
@example("(서울=연합뉴스)(AP)—VNA")
@example("HANOI (VNA) — Story one.\nBEIJING (Xinhua) — Story two.")
@example("HANOI (VNA) —\nThe lead.\nOTTAWA (CP) - More.")
@example("Photo: AFP\nHeadline\nSub\nHANOI (VNA) — Body.")
@example("J\n(AP)\n\n(AP)")
@example("(AP)(AP)\r\n\r\n(AP)\r\n/TASS/\r\n(Photo: VNA)")
@example("(AP)\n\nPAP\r\nМОСКВА, 8 июня. /ТАСС/.")
def test_cleaning_twice_changes_nothing(text: str) -> None:
    once = clean(text).text
    assert clean(once).text == once


def test_idempotence_is_reached_by_taking_out_less() -> None:
    # "(AP)—" would leave "J/TASS/", itself a dateline: nothing is taken.
    assert clean("(AP)—J/TASS/").text == "(AP)—J/TASS/"
    # Two datelines in the window: taking the first would expose the second.
    two = "HANOI (VNA) — Story one.\nBEIJING (Xinhua) — Story two."
    assert clean(two).text == two and clean(two).credits == ()
    # A dateline on a line of its own, the next paragraph without one: taken.
    assert clean("Headline\nHANOI (VNA) —\nThe lead.\nMore.").text == "Headline\nThe lead.\nMore."


def test_dateline_after_a_writers_byline_and_a_leading_credit_line() -> None:
    by = clean("By MICHAEL J. SMITH NEW YORK (AP) -- Shares rose on Monday.")
    assert by.text == "By MICHAEL J. SMITH Shares rose on Monday."  # the writer stays
    assert by.byline is not None and (by.byline.raw, by.byline.location) == ("NEW YORK (AP) --", "NEW YORK")
    line = clean("AFP\nThe talks ended on Monday.")
    assert line.text == "The talks ended on Monday."
    assert [(c.raw, c.position, c.kind) for c in line.credits] == [("AFP", "leading", "credit")]
    assert clean("Por Agencia EFE\nEl Gobierno dijo.").text == "El Gobierno dijo."
    assert clean("AFP").text == "AFP"  # no body: nothing taken
    assert clean("MOSCOW, June 8. /TASS/.").text == "MOSCOW, June 8. /TASS/."  # a dateline needs a body


def test_a_writers_byline_stays_as_a_line_of_its_own() -> None:
    """The dateline after a writer's byline is taken; the byline stays, with nothing after
    it when the body is on the next line, so that cleaning again changes nothing."""
    text = "By JANE DOE NEW YORK (AP) --\nThe market rose."
    result = clean(text)
    assert result.text == "By JANE DOE\nThe market rose."
    assert [(c.raw, c.location) for c in result.credits] == [("NEW YORK (AP) --", "NEW YORK")]
    assert clean(result.text).text == result.text
    rewritten = clean(text, byline="rewrite").text
    assert rewritten == "By JANE DOE NEW YORK (AP) —\nThe market rose."
    assert clean(rewritten, byline="rewrite").text == rewritten


@pytest.mark.parametrize(
    "text",
    [
        "The market rose.\nBy JANE DOE NEW YORK (AP) --",
        "By JANE DOE NEW YORK (AP) --",
        "The market rose.\nBy JANE DOE NEW YORK (AP) --\n* * *",
    ],
)
def test_a_dateline_after_a_writers_byline_needs_a_body_after_it(text: str) -> None:
    """The byline before the dateline is not its body: with nothing after it, it stays."""
    for policy in ("extract", "keep", "rewrite"):
        result = clean(text, byline=policy)
        assert result.text == text and result.credits == ()


def test_a_writers_byline_is_compared_as_part_of_its_paragraph() -> None:
    """The key of a paragraph leaves out its dateline, not the writer's name before it: a
    name is never removed as a repeat."""
    lead = "The market rose today after a long decline in prices of technology shares."
    result = clean(lead + "\nBy JANE DOE NEW YORK (AP) -- " + lead)
    assert result.text == lead + "\nBy JANE DOE " + lead
    assert result.removed == ()


@pytest.mark.parametrize(
    "text",
    [
        "AFP\nVNA\nThe market rose.",  # credit lines stacked: taking one leaves another
        "Text one.(Photo: VNA)(Photo: VNA)",  # photo credits stacked
        "新华社北京6月8日电\r\n(AP)",  # what extract leaves has no body before the credit
        "AFP\nThe talks ended on Monday.",
        "BEIJING, June 8 (Xinhua) -- China said.\nThe talks ended.-VNA",
        "Canadian Press - OTTAWA (CP) - The budget passed.\nThe Canadian Press",
    ],
)
def test_every_policy_finds_what_extract_takes_out(text: str) -> None:
    """keep reports and rewrite rewrites what extract takes out, no more; none of them
    changes its own output."""
    extracted = clean(text)
    for policy in ("keep", "rewrite"):
        result = clean(text, byline=policy)
        assert result.credits == extracted.credits, policy
        assert clean(result.text, byline=policy).text == result.text, policy
    if not extracted.credits:
        assert clean(text, byline="rewrite").text == text


def test_rewrite_prints_a_dateline_as_written_when_its_canonical_form_would_read_otherwise() -> None:
    # "(AP) — NEW APPROACH: A study" would read as a dateline of a place NEW APPROACH.
    feed = "Summary Box: Breast Cancer Surgery Refined (AP)\nAP - NEW APPROACH: A study says it helps.\n"
    assert clean(feed, byline="rewrite").text == feed
    # "北京, 6月8日 (XINHUA) —" is not read as a dateline, and "— Kyodo" after it would be a credit.
    assert clean("新华社北京6月8日电Kyodo", byline="rewrite").text == "新华社北京6月8日电Kyodo"
    assert clean("HANOI (VNA) — The talks ended.", byline="rewrite").text == "HANOI (VNA) — The talks ended."


@settings(max_examples=500, deadline=None)
@given(st.lists(_CREDIT_TOKENS, max_size=10).map("".join), st.sampled_from(["keep", "rewrite"]))
@example("AFP\nVNA\nThe market rose.", "rewrite")
@example("Text one.(Photo: VNA)(Photo: VNA)", "rewrite")
@example("新华社北京6月8日电Kyodo", "rewrite")
@example("新华社北京6月8日电\r\n(AP)", "keep")
def test_keep_and_rewrite_are_idempotent_and_find_what_extract_finds(text: str, policy: str) -> None:
    result = clean(text, byline=policy)
    assert clean(result.text, byline=policy).text == result.text
    assert result.credits == clean(text).credits
