"""Agency credits and datelines, recognised with patterns built from the registry.

The grammar is in docs/rules.md, section 3. Every pattern is anchored (a dateline at
the start of a paragraph, a credit at the end of the document) and needs an agency
spelling from the registry inside a credit structure (brackets, a dash after a sentence
end, a line of its own): an agency name used as a word is never enough.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Literal, NamedTuple

import regex

from .._result import Byline
from .._text.layout import SENTENCE_END as _LINE_ENDS
from .._text.normalize import DASHES, cached_re
from .registry import Agency, Registry, default_registry

_DASH = "[-" + DASHES + "]"
_SEP = rf"(?:\s*\.?\s*(?:{_DASH}{{1,2}}|:|={{1,2}})\s*)"
_SENTENCE_END = r"[.!?…\"”’»)\]]"
_MARKER = r"(?:\./\.|-0-|-30-|\((?:END|end|End)\)|ENDS?)"
#: The end markers, each a line of its own: what ``_MARKER`` matches in full.
END_MARKERS = frozenset({"./.", "-0-", "-30-", "(END)", "(end)", "(End)", "END", "ENDS"})
_INITIALS_LINE = r"[a-z]{2,4}(?:[-/][a-z]{2,4}){1,6}"
_INITIALS_MAX = 4 + 6 * 5  # (the longest line _INITIALS_LINE matches)
_STAFF_LINE = (
    r"\((?:Reporting|Writing|Editing|Additional reporting|Compiled|Translated|Edited|Produced)"
    r"\b[^()]*\)"
)
_SOURCE = r"(?:Source|Sources|Nguồn|Sumber|Fuente|Fonte|Quelle|Kaynak)\s*:\s*"
# A line crediting an agency as its writer: By Reuters, Por Agencia EFE, Von dpa.
_BY = r"(?:By|Por|Von|Par|Oleh)\s+"
# A writer's byline in capitals before a dateline: By MICHAEL LIEDTKE SAN FRANCISCO (AP) --
# (two words or more, the last not an initial: MICHAEL J. MARTINEZ NEW YORK is split after
# MARTINEZ; the shortest such name is taken, so that the place keeps its words)
_WRITER_NAME = r"\p{Lu}[\p{Lu}.'’-]*(?: \p{Lu}[\p{Lu}.'’-]*)*(?: \p{Lu}[\p{Lu}'’-]+\.?)"
_WRITERS = rf"{_WRITER_NAME}(?:(?:,| and) {_WRITER_NAME})*"
_PHOTO_NAMES = ("Photo", "Photos", "Ảnh", "Foto", "Fotos", "Photo credit", "Image", "Bild")
_PHOTO = rf"(?:{'|'.join(_PHOTO_NAMES)})\s*:\s*"
_DASH_OR_COLON = "[-" + DASHES + ":]"
# The letters an Arabic-script dateline may start with (the opener of its forms).
_ARABIC_LETTERS = "".join(chr(c) for c in range(0x0620, 0x064B))
# A feed tag's quick test: a dash after a space near the start (AP - , Canadian Press - ).
_SPACED_DASH = re.compile(r"\s[-" + DASHES + "]")
_POSSESSIVE = r"['’]s\b"
_WORD_CHAR = r"[\p{L}\p{N}]"
_MONTH_WORD = r"\p{L}{3,}"
_INITIALISM_END = r"(?:^|[^\p{L}])(?:\p{L}\.){2,}$"
# A place word: a capital, then letters, marks, apostrophes, hyphens, maybe a final dot;
# or initials (U.N., D.C.).
_PLACE_WORD = r"(?:\p{Lu}\.(?:\p{Lu}\.)+|\p{Lu}[\p{L}\p{M}'’-]*+(?:/\p{Lu}[\p{L}\p{M}'’-]*+)?\.?)"
_CONNECTOR = r"(?:de|del|da|do|dos|das|la|le|les|el|al|of|on|upon|am|an|der|den|di|du|y|e|sur|en|au|aux)"
_PLACE = rf"{_PLACE_WORD}(?:[ -](?:{_CONNECTOR}[ -])?{_PLACE_WORD}){{0,3}}"
_CAPS_WORD = r"(?:\p{Lu}\.(?:\p{Lu}\.)+|\p{Lu}[\p{Lu}\p{M}'’-]*+\.?)"
_CAPS_PLACE = rf"{_CAPS_WORD}(?:[ -]{_CAPS_WORD}){{0,3}}"
_MONTHS = """
january february march april may june july august september october november december
jan feb mar apr jun jul aug sep sept oct nov dec
enero febrero marzo abril mayo junio julio agosto septiembre setiembre octubre noviembre
diciembre ene abr ago dic gennaio aprile maggio giugno luglio settembre ottobre dicembre gen
mag giu lug set ott janvier février mars avril mai juin juillet août octobre novembre
décembre janv févr avr juil déc januar februar märz juni juli oktober dezember okt dez
janeiro fevereiro março maio junho julho setembro outubro dezembro fev out januari februari
maret mac mei agustus ogos nopember desember disember
января февраля марта апреля мая июня июля августа сентября октября ноября декабря
янв фев мар апр июн июл авг сен сент окт ноя дек
""".split()
_MONTH_NAMES = frozenset(_MONTHS)
# Any word can stand where a month does; ``_is_date`` then checks it is one. (An
# alternation of every month name would make every pattern with a date far larger to
# compile, at every start-up, to decide what ``_is_date`` decides anyway.)
_MONTH = r"\p{L}{3,10}\.?"
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_YEAR = r"(?:,?\s+(?:de\s+)?\d{4})?"
_DATE = (
    rf"(?:{_MONTH}\s+{_DAY}{_YEAR}|{_DAY}\s+(?:de\s+)?{_MONTH}{_YEAR}"
    r"|\d{4}-\d{2}-\d{2}|\d{1,2}[./]\d{1,2}(?:[./]\d{2,4})?)"
)
_REGION = rf"(?:\s*\[[^\[\]\n]{{1,40}}\]|,\s*(?!{_MONTH}\s+\d){_PLACE})?"
_NOT_A_PLACE = frozenset(
    "the a an in on at for from according as after before by with this that these officials".split()
)

Policy = Literal["extract", "keep", "rewrite"]


# Where an agency name stands: up to four words of letters, digits and hyphens. The words
# are looked up in the registry after the match; one generic slot instead of an
# alternation of every spelling keeps start-up fast (the patterns compile in milliseconds).
_SLOT = r"(?P<agency>[\p{L}\p{N}][\p{L}\p{N}-]*(?: [\p{L}\p{N}][\p{L}\p{N}-]*){0,3}?)"


class Dateline(NamedTuple):
    """A leading dateline match: the byline, and where the body starts. A feed tag
    (``Canadian Press - ``) may be followed by a dateline of its own (``OTTAWA (CP) -``):
    that one is ``then``, and ``body_start`` is past both. (A named tuple: making a frozen
    dataclass cost half a millisecond of every start-up.)"""

    byline: Byline
    body_start: int
    then: Byline | None = None
    start: int = 0  # where the dateline starts: a writer's byline before it stays

    def rest(self, text: str) -> str:
        """``text`` without the dateline (and the feed tag before it): a writer's byline
        before it, then the body, one space between them (no space ends a byline left alone).

        >>> d = default_credits().dateline("By JANE DOE NEW YORK (AP) --")
        >>> d.rest("By JANE DOE NEW YORK (AP) --"), d.rest("By JANE DOE NEW YORK (AP) -- Shares rose.")
        ('By JANE DOE', 'By JANE DOE Shares rose.')
        """
        return " ".join(x for x in (text[: self.start].strip(), self.body(text)) if x)

    def body(self, text: str) -> str:
        """What follows the dateline in ``text`` (the body, or nothing)."""
        return text[self.body_start :].strip()

    @property
    def bylines(self) -> list[Byline]:
        return [self.byline] + ([self.then] if self.then else [])


# Chinese numerals and digits (ASCII and full-width) of a CJK date: 6月8日, 六月二十五日, １０月２２日.
_CJK_NUM = "[0-9０-９一二三四五六七八九十〇]{1,3}"
# A time stamp after a credit: -- SPA 06:30 LOCAL TIME 03:30 GMT
_STAMP = r"(?:\s+\d{1,2}:\d{2}\s+LOCAL\s+TIME\s+\d{1,2}:\d{2}\s+GMT)"


# The bracketed agency of a dateline or credit: (VNA), (Xinhua/VNA), ( AFP ).
_PAREN = rf"\(\s*{_SLOT}(?:\s*/\s*[\p{{L}}-]{{2,12}})?\s*\)"
# What follows a glued credit: a desk (/VNS), a time stamp, an end marker.
_TAIL = rf"(?:\s*/\s*[\p{{Lu}}]{{2,6}})?{_STAMP}?(?P<marker>\s*{_MARKER})?"
# A dateline form: (the name of its pattern, the agency-specific form it needs, its quick
# test, the spellings one of which a head must hold (none: any)); see Credits._by_opener.
_Form = tuple[str, str | None, Callable[[str], bool], tuple[str, ...]]
# The glued credits, in the order they are tried (the names of their patterns).
_GLUED = ("_glued_dash", "_glued_paren")


class Credits:
    """The credit and dateline patterns of one registry. Immutable and thread-safe.

    Each pattern is compiled on first use (a ``functools.cached_property``): compiling
    them all costs tens of milliseconds (docs/how-it-works.md, "Design choices, measured"), which
    every start-up would pay, and most texts reach few of them, since
    quick tests skip a pattern that cannot match. (Two threads may both compile a pattern
    the first time; either result is the same pattern.)"""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    # -- the patterns ------------------------------------------------------------------

    @functools.cached_property
    def _paren(self) -> regex.Pattern[str]:
        return regex.compile(_PAREN)

    @functools.cached_property
    def _feed_tag(self) -> regex.Pattern[str]:
        # A feed tag: the agency's name and a spaced dash opening a feed item (``AP - A man
        # set himself afire...``, ``Canadian Press - OTTAWA (CP) - ...``).
        return regex.compile(rf"{_SLOT}\s+(?P<sep>{_DASH}{{1,2}})\s+(?=[\p{{Lu}}\"“‘'«(])")

    @functools.cached_property
    def _scripts(self) -> tuple[str, str, str, str]:
        """The registry's spellings of other scripts, as alternations: Han and Hangul (of
        the agencies with the ``cjk`` form), Arabic; and the characters the CJK ones open with."""
        cjk = sorted(
            (s for a in self.registry.agencies if "cjk" in a.forms for s in a.spellings if not s.isascii()),
            key=len,
            reverse=True,
        )
        han = "|".join(regex.escape(s) for s in cjk if regex.match(r"\p{Han}", s))
        hangul = "|".join(regex.escape(s) for s in cjk if regex.match(r"\p{Hangul}", s))
        arabic = "|".join(
            regex.escape(s)
            for a in self.registry.agencies
            for s in a.spellings
            if not s.isascii() and regex.match(r"\p{Arabic}", s)  # (no ASCII letter is Arabic)
        )
        return han, hangul, arabic, "".join(sorted({s[0] for s in cjk}))

    # The leading datelines, one pattern a form.

    @functools.cached_property
    def _place_paren(self) -> regex.Pattern[str]:
        # HANOI (VNA) — / BEIJING, June 8 (Xinhua) -- / Chennai, Mar 21 (PTI) The
        return regex.compile(
            rf"(?P<loc>{_PLACE}{_REGION})(?:,?\s*(?P<date>{_DATE}))?\.?\s*{_PAREN}"
            rf"(?:(?:\s*(?P<after>{_DATE}))?(?P<sep>{_SEP})|(?P<nosep>\s+)(?=[\p{{Lu}}\"“‘'«]))"
        )

    @functools.cached_property
    def _paren_first(self) -> regex.Pattern[str]:
        # (ANSA) - ROME, JUL 11 - / (Reuters) -
        return regex.compile(
            rf"{_PAREN}(?P<sep>{_SEP})"
            rf"(?:(?P<loc>{_CAPS_PLACE})(?:,\s*(?P<date>{_DATE}))?{_SEP}"
            rf"|(?P<loc>{_PLACE}),\s*(?P<date>{_DATE}){_SEP})?"
        )

    @functools.cached_property
    def _slashed(self) -> regex.Pattern[str]:
        # MOSCOW, June 8. /TASS/.
        return regex.compile(rf"(?P<loc>{_PLACE}{_REGION})(?:,\s*(?P<date>{_DATE}))?\.?\s*/{_SLOT}/\.?\s*")

    @functools.cached_property
    def _bare(self) -> regex.Pattern[str]:
        # TOKYO, June 8 Kyodo -
        return regex.compile(rf"(?P<loc>{_CAPS_PLACE})(?:,\s*(?P<date>{_DATE}))?\s+{_SLOT}(?P<sep>{_SEP})")

    @functools.cached_property
    def _dated_dash(self) -> regex.Pattern[str]:
        # МОСКВА, 8 июн — РИА Новости.
        return regex.compile(rf"(?P<loc>{_CAPS_PLACE}),\s*(?P<date>{_DATE})\s*(?P<sep>{_DASH}{{1,2}})\s*{_SLOT}\.\s*")

    @functools.cached_property
    def _dotted_date(self) -> regex.Pattern[str]:
        # Москва. 8 июня. INTERFAX.RU -
        return regex.compile(
            rf"(?P<loc>{_PLACE})\.\s+(?P<date>{_DATE})\.?\s+(?P<agency>\p{{L}}+)(?:\.\p{{L}}{{2,3}})?"
            rf"\s*(?P<sep>{_DASH}{{1,2}})\s*"
        )

    @functools.cached_property
    def _arabic_paren(self) -> regex.Pattern[str]:
        # الرياض (واس) -
        arabic = self._scripts[2]
        return regex.compile(
            rf"(?P<loc>\p{{Arabic}}+(?: \p{{Arabic}}+){{0,2}})\s*\((?P<agency>{arabic})\)\s*(?:{_DASH}{{1,2}}|:)\s*"
        )

    @functools.cached_property
    def _arabic_line(self) -> regex.Pattern[str]:
        # the dateline line of SPA: الرياض 15 رمضان 1444 هـ الموافق 6 أبريل 2023 م واس
        arabic, digits = self._scripts[2], "[0-9٠-٩]"
        return regex.compile(
            rf"(?P<loc>\p{{Arabic}}+(?: \p{{Arabic}}+){{0,2}}?) (?P<date>{digits}{{1,2}} \p{{Arabic}}+(?: \p{{Arabic}}+)?"
            rf" {digits}{{4}} ?هـ(?: الموافق {digits}{{1,2}} \p{{Arabic}}+ {digits}{{4}} ?م)?) (?P<agency>{arabic})(?:\s+|$)"
        )

    @functools.cached_property
    def _han_dispatch(self) -> regex.Pattern[str]:
        # 新华社北京6月8日电（记者 王明）
        han = self._scripts[0]
        return regex.compile(
            rf"(?P<agency>{han})(?P<loc>\p{{Han}}{{1,8}}?)(?P<date>{_CJK_NUM}月{_CJK_NUM}日)电"
            r"(?:\s*[（(](?P<staff>[^（）()\n]{1,30})[)）])?\s*"
        )

    @functools.cached_property
    def _han_bracket(self) -> regex.Pattern[str]:
        # 【ワシントン共同】
        return regex.compile(rf"【(?P<loc>[^【】\s\d]{{1,10}}?)(?P<agency>{self._scripts[0]})】\s*")

    @functools.cached_property
    def _hangul(self) -> regex.Pattern[str]:
        # (서울=연합뉴스) 김철수 기자 =
        return regex.compile(
            rf"\((?P<loc>[^()=\s]{{1,10}})=(?P<agency>{self._scripts[1]})\)\s*"
            r"(?:(?P<staff>[^=\n()]{0,40}?(?:기자|특파원|팀|통신원))\s*=\s*)?"
        )

    @functools.cached_property
    def _by_opener(self) -> dict[str, list[_Form]]:
        """The dateline forms by the character a paragraph opens with ("A" for any capital
        letter): a paragraph is tried against the few forms that can open with it, in
        order. Each form is (the name of its pattern, the agency-specific form it needs,
        what the head must hold for the pattern to match and name an agency: a quick test,
        far faster than the pattern, that skips most paragraphs; and for an agency-specific
        form, the spellings of its agencies, one of which the head must hold, tested after
        the quick test, before the pattern is compiled or tried)."""
        han, hangul, arabic, cjk_openers = self._scripts
        forms: list[tuple[str, str | None, str, Callable[[str], bool]]] = [
            ("_place_paren", None, "A", self._holds_bracketed_agency),
            ("_paren_first", None, "(", self._holds_bracketed_agency),
            ("_slashed", "slash", "A", _holds("/")),
            ("_bare", "bare", "A", _opens_in_capitals_and_holds_dash_or_colon),
            ("_dated_dash", "dated_dash", "A", _comma_then_dash),
            ("_dotted_date", "dated_dash", "A", _dot_then_digit),
        ]
        if arabic:
            forms.append(("_arabic_paren", None, _ARABIC_LETTERS, _holds("(")))
            forms.append(("_arabic_line", None, _ARABIC_LETTERS, _holds("هـ")))
        if han:
            forms.append(("_han_dispatch", "cjk", cjk_openers, _holds("日电")))
            forms.append(("_han_bracket", "cjk", "【", _holds("】")))
        if hangul:
            forms.append(("_hangul", "cjk", "(", _holds("=")))
        by_opener: dict[str, list[_Form]] = {}
        for name, form, opens, needs in forms:
            # A dateline of an agency-specific form names one of its agencies (_dateline
            # looks the name up), so the head holds one of their spellings. (The CJK forms'
            # patterns hold their spellings already.)
            spelled = self._spellings_of(form) if form in ("slash", "bare", "dated_dash") else ()
            for char in opens:
                by_opener.setdefault(char, []).append((name, form, needs, spelled))
        return by_opener

    def _spellings_of(self, form: str) -> tuple[str, ...]:
        """The spellings of the agencies that use ``form``, but those holding another (Kyodo
        News holds Kyodo: a text holding it holds Kyodo)."""
        spellings = {s for s, agency in self.registry.by_spelling.items() if form in agency.forms}
        return tuple(sorted(s for s in spellings if not any(o != s and o in s for o in spellings)))

    # The credits at the end.

    @functools.cached_property
    def _glued_dash(self) -> regex.Pattern[str]:
        # ...organisations.-VNA / ...he said. — AFP
        return regex.compile(rf"(?<={_SENTENCE_END})(?P<raw>\s*(?:==|{_DASH}{{1,2}})\s*{_SLOT}{_TAIL})\s*$")

    @functools.cached_property
    def _glued_paren(self) -> regex.Pattern[str]:
        # ...told reporters. (PTI)
        return regex.compile(rf"(?<=[.!?…\"”’»])(?P<raw>\s*{_PAREN}{_TAIL})\s*$")

    @functools.cached_property
    def _photo(self) -> regex.Pattern[str]:
        return regex.compile(
            rf"(?P<raw>\(\s*{_PHOTO}{_SLOT}(?:\s*/[^()\n]{{1,40}})?\s*\)"
            rf"|(?<![^\s]){_PHOTO}{_SLOT}(?:\s*/[^()\n]{{1,40}})?)\s*$"
        )

    @functools.cached_property
    def _photo_by(self) -> regex.Pattern[str]:
        # A photo credit with the photographer's name, after a caption's last sentence, at the
        # end of the paragraph or followed by the story's dateline when a scraper merged the
        # caption and the story's first paragraph:
        # ...elbow greeting. — VNA/VNS Photo Văn Điệp HÀ NỘI — Vietnamese Prime Minister...
        return regex.compile(
            rf"(?<=[.!?…\"”’»)])(?P<raw>\s*{_DASH}\s*{_SLOT}(?:\s*/\s*\p{{Lu}}{{2,6}})?\s+(?:Photo|Ảnh)\s+"
            rf"\p{{Lu}}[\p{{Ll}}\p{{M}}]+(?:\s+\p{{Lu}}[\p{{Ll}}\p{{M}}]+){{0,3}})"
            rf"(?:\s+(?P<dateline>(?P<loc>{_CAPS_PLACE})\s*{_DASH}{{1,2}})\s+(?=[\p{{Lu}}\"“])|\s*$)"
        )

    @functools.cached_property
    def _credit_line(self) -> regex.Pattern[str]:
        # (a copyright line naming only the agency is one: © Reuters, © 2024 AFP,
        # © Thomson Reuters 2020)
        return regex.compile(
            rf"(?:(?:==|{_DASH}{{1,2}})\s*|{_SOURCE}|{_BY})?{_SLOT}"
            rf"(?:\s*/\s*[\p{{Lu}}]{{2,6}})*(?:\s*{_DASH}{{1,2}})?{_STAMP}?(?P<marker>\s*{_MARKER})?"
            rf"|©\s*(?:\d{{4}}\s+)?{_SLOT}(?:\s+\d{{4}})?"
            rf"|\(\s*{_SLOT}(?:\s*/\s*[\p{{L}}+]{{2,12}})?\s*\)(?P<marker>\s*{_MARKER})?"
            rf"|/(?P<slashed>[\p{{L}}-]+(?: [\p{{L}}-]+){{0,3}})/"
        )

    @functools.cached_property
    def _first_published(self) -> regex.Pattern[str]:
        # This report by The Canadian Press was first published June 8, 2023.
        return regex.compile(rf"This (?:report|story|article) by {_SLOT} was first published\b[^\n]{{0,60}}")

    def _agency(self, name: str | None, form: str | None = None) -> Agency | None:
        """The registry's agency of this spelling (that uses ``form``, if given)."""
        agency = self.registry.by_spelling.get(name) if name else None
        if agency is None or (form is not None and form not in agency.forms):
            return None
        return agency

    # -- leading datelines -------------------------------------------------------------

    def _holds_bracketed_agency(self, head: str) -> bool:
        """Whether some bracket of ``head`` holds an agency's name (``(VNA)``): a quick test
        for the bracketed datelines, whose bracket is one of them. The name inside a given
        bracket is the same whatever comes before or after it (the words run to the ``/``
        or the closing bracket), so each bracket is read on its own, without the place and
        date patterns (whose backtracking costs several microseconds on a paragraph such as
        ``The Association of South East Asian Nations (ASEAN) ...``)."""
        at = head.find("(")
        while at >= 0:
            m = self._paren.match(head, at)
            if m and self._agency(m["agency"]):
                return True
            at = head.find("(", at + 1)
        return False

    def dateline(self, text: str, paragraph: int = 0) -> Dateline | None:
        """The dateline at the start of ``text``, if there is one.

        >>> d = default_credits().dateline("BEIJING, June 8 (Xinhua) -- China said on Monday...")
        >>> d.byline.agency, d.byline.location, d.byline.date, d.byline.raw
        ('XINHUA', 'BEIJING', 'June 8', 'BEIJING, June 8 (Xinhua) --')
        >>> default_credits().dateline("People's Action Party (PAP) — the ruling party") is None
        True
        """
        d = self._dateline(text, paragraph)
        if d is None and text.startswith("By "):
            d = self._after_writers(text, paragraph)
        # Taking a dateline out must not leave another at the start of the body: cleaning
        # the cleaned text would take that one too. Then nothing is taken (less, not more).
        if d is None or self._dateline(text[d.body_start :].lstrip(), paragraph) is not None:
            return None
        return d

    def _after_writers(self, text: str, paragraph: int) -> Dateline | None:
        """A dateline after a writer's byline in capitals (``By MICHAEL LIEDTKE SAN
        FRANCISCO (AP) --``): the byline stays, the dateline is taken."""
        at = text.find(" ", 3)
        while 0 < at < 80:
            if _pattern(_WRITERS).fullmatch(text, 3, at):
                d = self._dateline(text[at + 1 :], paragraph)
                city = (d.byline.location or "").split(",")[0] if d is not None else ""
                if d is not None and city.isupper():
                    return d._replace(body_start=at + 1 + d.body_start, start=at + 1)
            at = text.find(" ", at + 1)
        return None

    def _dateline(self, text: str, paragraph: int) -> Dateline | None:
        """``dateline()`` without the check of what it leaves."""
        head = text[:300]
        if not head:
            return None
        first = head[0]
        opener = "A" if first.isupper() else first
        dash = _SPACED_DASH.search(head, 0, 48) if opener == "A" else None
        if dash and head.count(" ", 0, dash.start()) <= 3:  # a name of at most four words
            tag = self._feed_tag.match(head)
            agency = self._agency(tag["agency"]) if tag else None
            if tag and agency and (not agency.ambiguous or " " in tag["agency"]):
                raw = text[: tag.end("sep")]
                byline = Byline(agency.code, agency.name, raw, "leading", "dateline", paragraph=paragraph)
                then = self._dateline(text[tag.end() :], paragraph)
                if then and then.then is None:
                    return Dateline(byline, tag.end() + then.body_start, then.byline)
                return Dateline(byline, tag.end())
        for name, form, needs, spelled in self._by_opener.get(opener, ()):
            if not needs(head) or (spelled and not any(s in head for s in spelled)):
                continue
            pattern: regex.Pattern[str] = getattr(self, name)
            m = pattern.match(head)
            agency = self._agency(m["agency"], form) if m else None
            if m is None or agency is None:
                continue
            groups = m.groupdict()
            loc, date = m["loc"], _date_as_written(groups.get("date") or groups.get("after"))
            if date and form != "cjk" and not _is_date(date):
                continue
            if not self._plausible(agency, loc, date, nosep=bool(groups.get("nosep"))):
                continue
            end = m.end()
            raw = text[:end].strip()
            byline = Byline(
                agency=agency.code,
                name=agency.name,
                raw=raw,
                position="leading",
                kind="dateline",
                location=loc,
                date=date,
                paragraph=paragraph,
            )
            return Dateline(byline, end)
        return None

    @staticmethod
    def _plausible(agency: Agency, loc: str | None, date: str | None, nosep: bool) -> bool:
        # In capitals: the place, or its first part (PLANO, Tex.; ABIDJAN, Ivory Coast).
        city = loc.split(",")[0].split("[")[0].strip() if loc else ""
        caps = bool(city) and city == city.upper()
        if loc:
            words = loc.replace("-", " ").split()
            if _pattern(_POSSESSIVE).search(loc) or len(loc) > 45:
                return False
            if words[0].lower() in _NOT_A_PLACE and not loc.lower().startswith("the hague"):
                return False
            # A place is in capitals or in title case, not both (Headline HANOI is a
            # headline's last word and a place).
            city_words = [w for w in city.replace("-", " ").split() if len(w) > 1 and w.isalpha()]
            if len({w.isupper() for w in city_words}) > 1:
                return False
        if (agency.ambiguous or nosep) and not (caps or date):
            return False
        return True

    # -- credits at the end ----------------------------------------------------------

    def glued(self, text: str) -> tuple[Agency, int, str] | None:
        """A credit at the end of ``text``: ``(agency, start of the credit, kind)``.

        >>> a, start, kind = default_credits().glued("...with these organisations.-VNA")
        >>> a.code, start, kind
        ('VNA', 28, 'credit')
        >>> default_credits().glued("...ties between the U.S.-AP") is None
        True
        """
        pos = max(0, len(text) - 160)
        end = text.rstrip()[-3:]
        # A credit ends in a letter or digit (the agency), a bracket, a dash or an end
        # marker (./.): a paragraph ending in a full stop, as most do, cannot have one.
        could_end = bool(end) and (end[-1].isalnum() or end[-1] in "-)" or end == "./.")
        for name in _GLUED if could_end else ():
            pattern: regex.Pattern[str] = getattr(self, name)
            m = pattern.search(text, pos)
            agency = self._agency(m["agency"]) if m else None
            if m and agency and not _after_initialism(text, m.start("raw")):
                return agency, m.start("raw"), "credit"
        m = self._photo_search(text, pos)
        agency = self._agency(m["agency"]) if m else None
        if m and agency:
            return agency, m.start("raw"), "photo"
        return None

    def _photo_search(self, text: str, pos: int) -> regex.Match[str] | None:
        """A photo credit at the end of ``text`` (looked for after ``pos``)."""
        tail = text[pos:]
        # Quick tests before the pattern: every photo credit has a name and a colon.
        if ":" in tail and any(name in tail for name in _PHOTO_NAMES):
            return self._photo.search(text, pos)
        return None

    def credit_line(self, text: str) -> Agency | None:
        """The agency if ``text`` is nothing but a credit (``VNA/VNS``, ``Source: Xinhua``)."""
        # A quick test first (the pattern is slow to reject an ordinary sentence): a credit line
        # holds no comma, and no full stop but in the end marker ./.
        if text.startswith("This "):
            m = self._first_published.fullmatch(text)
            return self._agency(m["agency"]) if m else None
        if "," in text or ("." in text and "./." not in text):
            return None
        m = self._credit_line.fullmatch(text)
        if m is None:
            return None
        return self._agency(m["slashed"], "slash") if m["slashed"] else self._agency(m["agency"])

    def body(self, text: str) -> str:
        """``text`` without a leading dateline or a trailing credit: what repeats are
        compared on. A paragraph that is only a credit is its own body."""
        return self.body_given(text, self.dateline(text))

    def body_given(self, text: str, dateline: Dateline | None) -> str:
        """``body(text)`` when ``dateline(text)`` is at hand (``clean()`` keeps it for
        ``extract``, which would otherwise look for it again)."""
        start = 0
        writer = ""  # a writer's byline before the dateline: a name, not a credit
        if dateline:
            start = dateline.body_start
            writer = text[: dateline.start]
        found = self.glued(text)
        end = found[1] if found and found[1] > start else len(text)
        return writer + text[start:end] or text

    # -- the step --------------------------------------------------------------------

    def extract(
        self, paragraphs: list[tuple[int, str]], policy: Policy, datelines: Sequence[Dateline | None] | None = None
    ) -> tuple[list[tuple[int, str]], list[Byline]]:
        """Take credits out of ``(input index, text)`` paragraphs, per ``policy``.
        ``datelines``, if given, is ``dateline(text, index)`` of every input paragraph,
        made already (for ``body()``): it is not looked for again.

        Every policy finds what ``extract`` takes out: ``keep`` reports it and leaves the
        text, ``rewrite`` prints the leading dateline and the trailing credit in their
        canonical forms where ``extract`` takes them out, so that cleaning its output
        again finds the same and changes nothing.

        Returns the paragraphs to print (under ``rewrite``, a canonical credit paragraph
        has index -1) and the bylines found, in text order.
        """
        out, found, canonical = self._extract(paragraphs, datelines)
        left = [(i, t) for i, t in out if t]
        if not found:
            return left, found
        if self._takes_more(paragraphs, left, datelines):
            # What is left still holds a credit (credits stacked on credits, a dateline
            # whose body ends in a credit that was the body of another): cleaning the
            # result would take more. Take nothing, so that cleaning is idempotent.
            return list(paragraphs), []
        if policy == "keep":
            return list(paragraphs), found
        if policy == "rewrite":
            return self._rewritten(out, found, canonical), found
        return left, found

    def _rewritten(
        self, out: list[tuple[int, str]], found: list[Byline], canonical: _Canonical | None
    ) -> list[tuple[int, str]]:
        """What ``extract`` left (``out``, an emptied paragraph as ``""``) with the leading
        dateline printed where it was taken out and the trailing credit as a last paragraph
        ``(CODE)`` (index -1).

        The canonical dateline is printed only where cleaning the output reads it as a
        dateline before the same body, so that rewriting the output again changes nothing;
        elsewhere the dateline is printed as written. (``(AP) — NEW APPROACH: A study``
        would read as the dateline of a place ``NEW APPROACH``; ``北京, 6月8日 (XINHUA) —``
        is not read as a dateline, and a body ``Kyodo`` after it would read as a credit.)"""
        out = list(out)
        if canonical is not None:
            index, text = out[canonical.at]
            if text.startswith(canonical.writer):
                body = text[len(canonical.writer) :].strip()
                printed = " ".join(x for x in (canonical.writer, canonical.dateline, body) if x)
                d = self.dateline(printed, index)
                if d is None or d.rest(printed) != text:
                    printed = canonical.written + body if body else canonical.written.rstrip()
                out[canonical.at] = (index, printed)
        trailing = next((b for b in found if b.position == "trailing" and b.kind != "photo"), None)
        if trailing is not None:
            out.append((-1, f"({trailing.agency})"))
        return [(i, t) for i, t in out if t]

    def _takes_more(
        self,
        paragraphs: list[tuple[int, str]],
        out: list[tuple[int, str]],
        datelines: Sequence[Dateline | None] | None,
    ) -> bool:
        """Whether extracting from what ``extract`` left (``out``) would take more. The
        datelines of the paragraphs it left unchanged are reused."""
        views = _as_read_again(out)
        if datelines is not None and len(views) == 1:
            # A paragraph left unchanged has the dateline it had and no photo credit (a
            # photo credit found in it would have changed it).
            before = dict(paragraphs)
            changed = {i for i, t in out if before.get(i) != t}
            reused = {i: self.dateline(t, i) if i in changed else datelines[i] for i, t in out}
            return bool(self._extract(out, reused, changed)[1])
        return any(self._extract(view, None)[1] for view in views)

    def _extract(
        self,
        paragraphs: list[tuple[int, str]],
        datelines: Sequence[Dateline | None] | Mapping[int, Dateline | None] | None,
        photos_in: set[int] | None = None,
    ) -> tuple[list[tuple[int, str]], list[Byline], _Canonical | None]:
        """``extract()`` under ``extract`` without the check that nothing is left to take:
        the paragraphs left (an emptied one as ``""``), the bylines found and the leading
        dateline as ``rewrite`` prints it. Photo credits are looked for in the paragraphs
        ``photos_in`` (input indices) if given, else in all."""
        out = list(paragraphs)
        photos = self._photos(out, photos_in)
        leading = self._leading_line(out)
        datelines_found, canonical = self._leading(out, datelines)
        leading += datelines_found
        trailing = self._trailing(out, leading[-1] if leading else None)
        found = leading + photos + ([trailing] if trailing else [])
        found.sort(key=lambda b: (b.paragraph, b.position == "trailing", b.kind != "photo"))
        return out, found, canonical

    def _leading_line(self, out: list[tuple[int, str]]) -> list[Byline]:
        """A first paragraph that is only a credit (``AFP``, ``By Reuters``, ``Por Agencia
        EFE``) before a body: taken, as a leading credit."""
        first = next((k for k, (_, text) in enumerate(out) if text), None)
        if first is None:
            return []
        index, text = out[first]
        agency = self.credit_line(text)
        if agency is None or not any(_has_words(t) and not self.credit_line(t) for _, t in out[first + 1 :]):
            return []
        out[first] = (index, "")
        return [Byline(agency.code, agency.name, text, "leading", "credit", paragraph=index)]

    def _leading(
        self,
        out: list[tuple[int, str]],
        datelines: Sequence[Dateline | None] | Mapping[int, Dateline | None] | None,
    ) -> tuple[list[Byline], _Canonical | None]:
        """The dateline of the first of the first three paragraphs (that are not emptied by
        a photo credit) that has one, taken out of it; and the dateline as ``rewrite``
        prints it (``_Canonical``).

        Cleaning the result again must not find one more: a second cleaning looks at the
        first three paragraphs of the result, which may then reach further down (when this
        paragraph was only a dateline). If one of those has a dateline, none is taken."""

        def dateline_of(k: int) -> Dateline | None:
            index, text = window[k][1]
            return self.dateline(text, index) if datelines is None else datelines[index]

        window = [(at, p) for at, p in enumerate(out) if p[1]][:4]  # (position in out, paragraph)
        for k in range(min(3, len(window))):
            d = dateline_of(k)
            if d is None:
                continue
            at, (index, text) = window[k]
            # A dateline needs a body after it: a writer's byline before it is not one.
            if not d.body(text) and not any(_has_words(t) for _, t in out[at + 1 :]):
                return [], None
            rest = d.rest(text)
            if any(dateline_of(later) for later in range(k + 1, min(len(window), 3 if rest else 4))):
                return [], None
            out[at] = (index, rest)
            b = d.then or d.byline
            place = ", ".join(x for x in (b.location, b.date) if x)
            dateline = (f"{place} " if place else "") + f"({b.agency}) —"
            written = text[: len(text) - len(text[d.body_start :].lstrip())]
            canonical = _Canonical(at, text[: d.start].strip(), dateline, written)
            return d.bylines, canonical
        return [], None

    def _photos(self, out: list[tuple[int, str]], only: set[int] | None = None) -> list[Byline]:
        found = []
        for at, (index, text) in enumerate(out):
            if (only is not None and index not in only) or not _may_hold_photo_credit(text):
                continue
            m = self._photo_search(text, max(0, len(text) - 160))
            agency = self._agency(m["agency"]) if m else None
            if m is None or agency is None:
                found += self._photo_with_name(out, at)
                continue
            raw = text[m.start("raw") :].strip()
            found.append(Byline(agency.code, agency.name, raw, "trailing", "photo", paragraph=index))
            out[at] = (index, text[: m.start("raw")].rstrip())
        return found

    def _photo_with_name(self, out: list[tuple[int, str]], at: int) -> list[Byline]:
        """A photo credit with the photographer's name (``— VNA/VNS Photo Văn Điệp``) at the
        end of paragraph ``at``, or, in the first three paragraphs, followed by the
        story's dateline in capitals (``HÀ NỘI —``), which is then taken too: the caption
        and the story's first paragraph stay, joined by a space."""
        index, text = out[at]
        # The quick test (the pattern tries every sentence end of the paragraph): the word,
        # then the name's first capital.
        if cached_re(_PHOTO_WORD).search(text) is None:
            return []
        m = next((m for m in self._photo_by.finditer(text) if self._agency(m["agency"])), None)
        if m is None or (m["dateline"] and at >= 3):
            return []
        agency = self._agency(m["agency"])
        assert agency is not None
        found = [Byline(agency.code, agency.name, m["raw"].strip(), "trailing", "photo", paragraph=index)]
        if m["dateline"]:
            raw, loc = m["dateline"], m["loc"]
            found.append(Byline(agency.code, agency.name, raw, "leading", "dateline", loc, paragraph=index))
        rest = text[m.end() :] if m["dateline"] else ""
        out[at] = (index, (text[: m.start("raw")].rstrip() + " " + rest).strip())
        return found

    def _trailing(self, out: list[tuple[int, str]], dateline: Byline | None) -> Byline | None:
        """Take the block of credits, end markers, initials and staff lines at the end.

        Markers, initials and staff lines alone are only taken next to a credit, or
        when the document had a dateline (whose agency they then belong to).
        Layout lines (``* * *``) in that block stay where they are and do not end it.
        """
        pieces: list[tuple[str, Agency | None, int]] = []  # (raw, agency, position), last first
        commit = (len(out), 0, 0)  # (position, cut, pieces) of the last safe stopping point
        p = len(out) - 1
        text = out[p][1] if out else ""
        while p >= 0:
            agency = self.credit_line(text)
            if agency or _is_aside(text) or _is_layout(text):
                if not _is_layout(text) or agency:
                    pieces.append((text, agency, p))
                    if agency or dateline or any(a for _, a, _ in pieces):
                        commit = (p, 0, len(pieces))
                p -= 1
                text = out[p][1] if p >= 0 else ""
                continue
            found = self.glued(text)
            if found is None or found[2] != "credit":
                break
            agency, start, _ = found
            pieces.append((text[start:].strip(), agency, p))
            commit = (p, start, len(pieces))
            text = text[:start].rstrip()
        at, cut, n = commit
        if cut == 0 and not any(_has_words(t) for _, t in out[:at]):
            return None  # a credit needs a body before it: a lone "dpa" is not one
        taken = pieces[:n]
        agencies = [a for _, a, _ in taken if a]
        if agencies:
            code, name = agencies[-1].code, agencies[-1].name
        elif taken and dateline:
            code, name = dateline.agency, dateline.name
        else:
            return None
        index = out[at][0]
        byline = Byline(code, name, "\n".join(raw for raw, _, _ in reversed(taken)), "trailing", paragraph=index)
        for _, _, position in taken:
            if position != at:
                out[position] = (out[position][0], "")
        out[at] = (index, out[at][1][:cut].rstrip())
        return byline


class _Canonical(NamedTuple):
    """A leading dateline as ``rewrite`` prints it: in paragraph ``at`` (a position in the
    paragraphs), after the writer's byline ``writer`` (or nothing) that stays before it."""

    at: int
    writer: str
    dateline: str  # PLACE, DATE (CODE) —
    written: str  # the paragraph up to its body as written (the writer, the dateline, spaces)


def _as_read_again(paragraphs: list[tuple[int, str]]) -> list[list[tuple[int, str]]]:
    """The paragraphs as cleaning the printed text again may see them. Only a paragraph with
    inner line breaks (a wrapped block) can be seen otherwise: printed on one line when no
    blank line is left, or, when its lines now all but the last end a sentence (a credit or
    dateline cut from it), one paragraph a line (docs/rules.md section 1)."""
    if not any("\n" in text or "\r" in text for _, text in paragraphs):
        return [paragraphs]
    split: list[tuple[int, str]] = []
    for index, text in paragraphs:
        lines = text.splitlines()
        if len(lines) > 1 and all(line.rstrip().endswith(_LINE_ENDS) for line in lines[:-1]):
            split += [(index, line.strip()) for line in lines if line.strip()]
        else:
            split.append((index, text))
    unwrapped = [(index, " ".join(line.strip() for line in text.splitlines())) for index, text in paragraphs]
    return [paragraphs, split, unwrapped]


def _holds(char: str) -> Callable[[str], bool]:
    """A quick test: whether a text holds ``char`` (``in`` is a memchr, far faster than
    a search by a pattern)."""
    return functools.partial(_holds_char, char)  # (not a lambda: a Cleaner pickles)


def _holds_char(char: str, text: str) -> bool:
    return char in text


def _opens_in_capitals_and_holds_dash_or_colon(text: str) -> bool:
    """The quick test of the bare form, whose place is in capitals: a first word going on
    with a lower-case letter (``The``) cannot be one."""
    second = text[1:2]
    return not (second.islower() and second.isalpha()) and cached_re(_DASH_OR_COLON).search(text) is not None


_PHOTO_WORD = r"(?:Photo|Ảnh)\s+[^\W\d_]"  # (as _photo_by has it: Photo Văn Điệp)


def _may_hold_photo_credit(text: str) -> bool:
    """The quick test of photo credits: a colon near the end (Photo: AFP) or the word Photo
    or Ảnh (— VNA/VNS Photo Văn Minh)."""
    return ":" in text[-160:] or "Photo" in text or "Ảnh" in text


def _comma_then_dash(text: str) -> bool:
    """The quick test of ``PLACE, DATE — AGENCY.``: a comma near the start, a dash soon after."""
    comma = text.find(",", 0, 48)
    return comma > 0 and cached_re(_DASH_OR_COLON).search(text, comma, comma + 24) is not None


def _dot_then_digit(text: str) -> bool:
    """The quick test of ``Place. 8 June. AGENCY -``: a full stop near the start, a digit after it."""
    dot = text.find(". ", 0, 48)
    return dot > 0 and text[dot + 2 : dot + 3].isdigit()


def _has_words(text: str) -> bool:
    return bool(_pattern(_WORD_CHAR).search(text))


def _is_layout(text: str) -> bool:
    return not _has_words(text) and not _is_aside(text)


def _is_aside(text: str) -> bool:
    """An end marker, editor initials or a staff line (``(Reporting by ...)``)."""
    # (Each pattern behind the quick test of what it can match in full.)
    return (
        text in END_MARKERS
        or (len(text) <= _INITIALS_MAX and _pattern(_INITIALS_LINE).fullmatch(text) is not None)
        or (text.startswith("(") and text.endswith(")") and _pattern(_STAFF_LINE).fullmatch(text) is not None)
    )


# Month words of scripts whose month names are not listed (Arabic: the Hijri and Gregorian
# months of SPA's dateline line; Han: 六月): checked by the pattern of their form instead.
_OTHER_CALENDAR = r"[\p{Arabic}\p{Han}]"
_FULL_MONTHS = frozenset(_MONTHS[:12]) | frozenset(m for m in _MONTHS if m.endswith("я") and len(m) > 3)


def _date_as_written(date: str | None) -> str | None:
    """The date without a dot that ends the dateline rather than an abbreviation.

    >>> _date_as_written("8 June."), _date_as_written("1 Sept."), _date_as_written("JUL 11")
    ('8 June', '1 Sept.', 'JUL 11')
    """
    if date and date.endswith(".") and (date[:-1].split() or [""])[-1].lower() in _FULL_MONTHS:
        return date[:-1]
    return date


def _is_date(date: str) -> bool:
    """Whether the word standing for a month in ``date`` is a month (or there is none).

    >>> _is_date("June 8"), _is_date("8 jun."), _is_date("2024-06-08"), _is_date("Section 8")
    (True, True, True, False)
    """
    word = _pattern(_MONTH_WORD).search(date)
    return word is None or word[0].lower() in _MONTH_NAMES or _pattern(_OTHER_CALENDAR).match(word[0]) is not None


def _after_initialism(text: str, at: int) -> bool:
    """Whether the sentence end before ``at`` is the dot of an initialism (``U.S.``)."""
    return bool(_pattern(_INITIALISM_END).search(text[:at]))


@functools.cache
def _pattern(source: str) -> regex.Pattern[str]:
    """``source`` compiled, once, on first use: compiling every pattern up front would cost
    every start-up, mostly for patterns a text never needs."""
    return regex.compile(source)


@functools.lru_cache(maxsize=1)
def default_credits() -> Credits:
    """The patterns of the packaged registry, built once per process (immutable)."""
    return Credits(default_registry())
