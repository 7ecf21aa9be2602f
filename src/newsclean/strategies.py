"""Hypothesis strategies that draw labelled news copy: dirty text and the answer.

Install the extra (``pip install 'newsclean[hypothesis]'``) and import this module
explicitly; ``import newsclean`` never imports hypothesis. Every strategy but
:func:`paragraphs` and :func:`options` draws an :class:`Example`: a ``dirty`` document
(wire copy with repeated paragraphs, credits, datelines, layout noise), the ``clean`` text
``newsclean.clean()`` returns for it with the default options, the expected ``byline`` and
``credits``, and what was ``injected``. A property test in five lines:

>>> from hypothesis import given
>>> import newsclean
>>> from newsclean import strategies as ns
>>> @given(ns.articles())
... def test_clean(example):
...     assert newsclean.clean(example.dirty).text == example.clean
>>> test_clean()

The text stays well inside docs/rules.md: paragraphs are ordinary lower-case words with
sentence ends, at least 80 characters long; distinct paragraphs share no content word (so
their shingle sets are far apart), near duplicates stay above 0.85 Jaccard similarity of
5-character shingles, and credits and datelines use the forms of rules.md section 3 with
the agencies of the registry. Draws shrink towards a short plain paragraph with nothing
injected. ``st.from_type(Example)`` draws :func:`articles`, ``st.from_type(Options)``
draws :func:`options`: registered through hypothesis' entry point (the module
``_newsclean_hypothesis``), which costs ``import hypothesis`` nothing measurable: it imports
no part of newsclean, and the strategies are made when first drawn.
"""

from __future__ import annotations

import dataclasses
import functools
import unicodedata
from collections.abc import Callable, Collection, Sequence
from typing import Any, Literal

from ._bylines.registry import Agency, default_registry
from ._errors import OptionsError
from ._options import Options
from ._repeats import loses_content
from ._result import Byline

__all__ = [
    "CREDIT_FORMS",
    "DATELINE_FORMS",
    "Example",
    "Injection",
    "articles",
    "credits",
    "datelines",
    "near_duplicates",
    "options",
    "paragraphs",
    "repeated_blocks",
    "teasers",
]

InjectionKind = Literal["exact_repeat", "near_repeat", "truncated_repeat", "dateline", "credit", "photo", "layout"]

#: Leading dateline forms (docs/rules.md section 3), for ``datelines(forms=...)``.
DATELINE_FORMS: tuple[str, ...] = (
    "place",  # HANOI (VNA) —
    "region",  # KYIV, Ukraine (AP) —  /  Damascus [Syria], June 9 (ANI):
    "date",  # BEIJING, June 8 (Xinhua) --
    "no_separator",  # Chennai, Mar 21 (PTI) The...
    "agency_first",  # (Reuters) -  /  (ANSA) - ROME, JUL 11 -
    "slash",  # MOSCOW, June 8. /TASS/.   (agencies with the "slash" form)
    "bare",  # TOKYO, June 8 Kyodo -      (agencies with the "bare" form)
)
#: Trailing credit forms (docs/rules.md section 3), for ``credits(forms=...)``.
CREDIT_FORMS: tuple[str, ...] = (
    "dash",  # ...organisations.-VNA  /  ... he said. — AFP
    "bracket",  # ... told reporters. (PTI)
    "line",  # a paragraph of its own: VNA, — AFP, (PTI), VNA/VNS
    "source",  # Source: Xinhua
    "equals",  # ==Kyodo   (agencies with the "equals" form)
    "slash",  # /ritzau/  (agencies with the "slash" form)
    "photo",  # (Photo: VNA), Photo: AFP, at the end of a paragraph or as one
)


@dataclasses.dataclass(frozen=True)
class Injection:
    """One thing put into a clean article to make it dirty.

    Attributes:
        kind: ``"exact_repeat"``, ``"near_repeat"``, ``"truncated_repeat"`` (a paragraph
            that ``clean()`` removes, with that ``Removal.rule``), ``"dateline"``,
            ``"credit"`` (a trailing credit block), ``"photo"`` or ``"layout"`` (spaces,
            invisible characters, blank lines that the output tidies away).
        text: what was injected: the whole paragraph for repeats, the credit or dateline
            exactly as ``Byline.raw`` reports it, the characters for layout noise.
        paragraph: 0-based index among the paragraphs of ``Example.dirty`` (as
            ``Removal.index`` and ``Byline.paragraph`` count them); ``None`` for layout.
        duplicate_of: for repeats, the index of the paragraph it repeats
            (``Removal.duplicate_of``).
        agency: for credits and datelines, the registry code.
    """

    kind: InjectionKind
    text: str
    paragraph: int | None = None
    duplicate_of: int | None = None
    agency: str | None = None


@dataclasses.dataclass(frozen=True)
class Example:
    """A dirty document and the answer (for ``newsclean.clean()`` with default options).

    Attributes:
        dirty: the document to clean.
        clean: the text ``clean(dirty).text`` must be.
        byline: the ``CleanResult.byline`` expected (``None`` when nothing was credited).
        credits: every ``Byline`` expected in ``CleanResult.credits``, in order.
        injected: what made ``dirty`` dirty: credits and datelines (in the order of
            ``credits``), the paragraphs ``clean()`` removes (in input order), then layout
            noise. Empty when ``dirty == clean``.
        removed: (a property) ``(index, duplicate_of, rule)`` of every paragraph
            ``clean()`` must remove, as ``CleanResult.removed`` gives them.
    """

    dirty: str
    clean: str
    byline: Byline | None = None
    credits: tuple[Byline, ...] = ()
    injected: tuple[Injection, ...] = ()

    @property
    def removed(self) -> tuple[tuple[int, int | None, str], ...]:
        """``(index, duplicate_of, rule)`` of every paragraph ``clean()`` must remove, as in
        ``CleanResult.removed``."""
        rules = ("exact_repeat", "near_repeat", "truncated_repeat")
        found = [(i.paragraph, i.duplicate_of, i.kind) for i in self.injected if i.kind in rules]
        return tuple(sorted((at, of, kind) for at, of, kind in found if at is not None))


def _hypothesis_setup_hook() -> None:
    """Register :class:`Example` and ``newsclean.Options`` for ``st.from_type`` (run when
    this module is imported, and by hypothesis' entry point if this module is loaded).

    Defined before hypothesis is imported below: importing this module first imports
    hypothesis, whose entry point then finds this (half-imported) module and calls this
    hook. The strategies are looked up when ``from_type`` needs them, not now.
    """
    from hypothesis import strategies as st_

    st_.register_type_strategy(Example, lambda _: articles())
    st_.register_type_strategy(Options, lambda _: options())


from hypothesis import strategies as st  # noqa: E402  (after the hook, see its docstring)
from hypothesis.errors import InvalidArgument  # noqa: E402
from hypothesis.strategies import DrawFn, SearchStrategy  # noqa: E402

# -- words ---------------------------------------------------------------------------

_WORDS = """
government minister ministry officials talks agreement trade exports imports economy growth
investment budget policy reform election parliament assembly committee council court judge
police security defence military border region province village farmers workers students
teachers hospital health doctors patients vaccine energy power electricity water drought flood
storm weather climate emissions forest river coast port airport railway highway bridge project
construction housing market prices inflation interest rates bank currency dollar shares stocks
investors companies industry factory production output sales demand supply shortage fuel coal
steel rice coffee fishing tourism tourists visitors hotels culture festival museum heritage
school university research science technology internet digital data network software phone
mobile services transport traffic vehicles cars buses trains ships cargo container shipping
logistics customs tariffs taxes revenue spending debt loans credit deficit surplus quarter
annual record increase decline rise fall surge recovery crisis conflict peace dialogue
cooperation partnership relations leaders president premier delegation visit summit meeting
conference forum session statement survey figures estimate forecast target plan strategy
programme initiative campaign measures rules decree regulation license permit approval review
inspection audit trial verdict prison charges fraud corruption smuggling crime drugs violence
attack victims rescue relief donors support funding grants scholarship training skills jobs
employment wages salary pension insurance welfare families children women youth elderly
community residents population census migration labour union strike protest rally crowd signed
agreed announced approved rejected discussed reviewed pledged promised expected estimated warned
urged called stressed noted added explained confirmed denied launched opened closed completed
started finished delivered provided received offered raised lowered reduced increased expanded
improved boosted supported welcomed praised criticised visited attended hosted held chaired
joined invited national local regional global economic political social financial public private
major strong weak higher lower recent previous current future monthly weekly daily early late
final total average overall senior junior official joint bilateral multilateral foreign domestic
rural urban coastal northern southern eastern western central modern ancient historic famous
popular common rare large small wide narrow deep shallow heavy light quick slow busy quiet safe
dangerous clean dirty green fresh warm cold hot dry wet bright dark careful serious simple
complex clear vague direct indirect formal informal active passive ready willing able likely
unlikely possible necessary important useful valuable costly cheap expensive affordable
sustainable renewable solar wind nuclear electric hybrid autonomous smart efficient reliable
stable volatile steady sharp gradual sudden rapid modest moderate significant dramatic limited
broad narrowly mostly partly fully nearly almost roughly exactly largely widely highly deeply
strongly firmly closely briefly recently previously currently usually often rarely never always
sometimes already still again soon later earlier together abroad nationwide overseas inland
upstream downstream offshore onshore harbour canal dam reservoir irrigation harvest crop wheat
maize cassava sugar rubber cotton timber seafood shrimp cattle poultry dairy orchard garden park
square street avenue district ward commune county capital metro suburb campus clinic pharmacy
laboratory library theatre stadium arena mall store shop warehouse depot terminal station
platform tunnel pipeline cable tower grid turbine panel battery charger engine motor aircraft
helicopter drone vessel ferry tanker barge truck lorry tractor bicycle scooter pedestrian driver
pilot captain crew engineer architect scientist researcher professor lecturer nurse surgeon
dentist lawyer accountant banker trader merchant farmer fisherman miner builder carpenter
plumber electrician mechanic chef waiter cleaner guard soldier officer volunteer athlete coach
referee player fan artist singer actor writer painter poet reporter editor photographer designer
developer manager director chairman secretary spokesman adviser expert analyst economist
historian scholar citizen voter candidate lawmaker deputy mayor governor envoy ambassador consul
diplomat negotiator mediator observer monitor inspector auditor regulator authority agency
department bureau office institute foundation association federation alliance coalition group
team board commission tribunal ombudsman watchdog charity shelter orphanage nursery kindergarten
academy college seminar workshop exhibition fair expo competition tournament league match
semifinal victory defeat draw score goal medal trophy prize award honour tribute ceremony
celebration anniversary holiday weekend morning afternoon evening night season spring summer
autumn winter decade century millennium moment period phase stage step process procedure method
approach framework model system structure mechanism tool device machine equipment material
resource asset property land soil sand stone rock mineral metal iron copper gold silver
aluminium nickel lithium zinc tin oil petrol diesel kerosene biofuel hydrogen oxygen carbon
methane ozone smoke dust noise waste plastic paper glass packaging recycling landfill sewage
drainage sanitation hygiene nutrition diet meal bread fruit vegetable milk meat fish egg salt
spice tea juice beverage restaurant kitchen menu recipe flavour taste quality quantity volume
capacity speed distance height weight length width depth size scale range level degree
percentage ratio share portion fraction majority minority median peak bottom ceiling floor limit
threshold benchmark standard criterion requirement condition situation circumstance context
background history origin source cause reason effect impact outcome result consequence benefit
advantage drawback risk threat challenge obstacle barrier problem issue concern question answer
solution option choice decision judgment opinion view perspective position stance attitude
belief value principle priority objective purpose mission vision ambition hope dream fear worry
doubt confidence trust respect dignity freedom justice equality fairness transparency integrity
duty right obligation commitment promise pledge vow oath contract deal treaty accord protocol
charter constitution statute ordinance directive guideline instruction order command request
proposal suggestion advice warning reminder notice announcement declaration speech address
remark comment interview briefing bulletin newsletter magazine journal newspaper broadcast
podcast documentary film series episode chapter edition copy draft version update upgrade patch
release launch debut premiere opening closing ending beginning start finish arrival departure
return journey trip tour voyage flight route path road lane track trail corridor passage gateway
entrance exit door window roof wall fence gate yard lawn field meadow valley hill mountain slope
cliff cave island peninsula bay gulf lagoon lake pond stream creek waterfall glacier desert
jungle swamp marsh wetland prairie savanna
"""
#: Words that may stand between content words (and repeat across paragraphs).
_FUNCTION_WORDS = (
    "the", "of", "and", "to", "in", "on", "for", "with", "at", "by", "from", "that", "as",
    "was", "were", "has", "had", "will", "would", "its", "their", "after", "before", "over",
    "into", "about", "but", "also", "more", "than", "this", "said", "under", "amid", "while",
)  # fmt: skip
_LONGEST_WORD = 12
#: Body paragraphs of an article (each has a group of content words of its own).
_MAX_PARAGRAPHS = 12
_GROUPS = _MAX_PARAGRAPHS + 2  # ... plus one for headlines, one for words edits bring in
_HEADLINE_GROUP = _MAX_PARAGRAPHS
_EDIT_GROUP = _MAX_PARAGRAPHS + 1
_PARAGRAPH_MIN = 80
_PARAGRAPH_MAX = 320
#: Near duplicates stay at least this similar to their original (the threshold is 0.8).
_NEAR_MIN = 0.85
#: Teasers keep at most this share of the paragraph (so they are no near repeat of it).
_TEASER_MAX_SHARE = 0.55
_SENTENCE_ENDS = (".", "!", "?", "…", ")", "]")
_EXTRAS = st.integers(0, 10 * 3 * len(_FUNCTION_WORDS) - 1)  # (see _paragraph)


@functools.lru_cache(maxsize=1)
def _vocabulary() -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    """All content words, and the disjoint groups articles draw paragraphs from. Words
    that are agency spellings in any case are left out."""
    spellings = {s.casefold() for s in default_registry().by_spelling}
    seen: dict[str, None] = {}
    for word in _WORDS.split():
        if word.casefold() not in spellings and word not in _FUNCTION_WORDS:
            seen.setdefault(word)
    words = tuple(seen)
    groups = tuple(words[g::_GROUPS] for g in range(_GROUPS))
    return words, groups


def _key(text: str) -> str:
    """The comparison key of the plain text drawn here (docs/rules.md section 2)."""
    return " ".join(text.casefold().split())


def _shingles(text: str, size: int = 5) -> frozenset[str]:
    k = _key(text)
    return frozenset(k[i : i + size] for i in range(max(1, len(k) - size + 1)))


def _jaccard(a: str, b: str) -> float:
    x, y = _shingles(a), _shingles(b)
    return len(x & y) / len(x | y)


# -- argument checks (raised when a strategy is first drawn from, like hypothesis') ----


def _check_int(name: str, value: object, low: int, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidArgument(f"{name}={value!r} must be an integer")
    if value < low or (high is not None and value > high):
        bound = f"from {low} to {high}" if high is not None else f"at least {low}"
        raise InvalidArgument(f"{name}={value!r} must be {bound}")
    return value


def _check_bool(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise InvalidArgument(f"{name}={value!r} must be True or False")
    return value


def _check_sizes(prefix: str, low: int, high: int, floor: int, ceiling: int) -> None:
    _check_int(f"min_{prefix}", low, floor, ceiling)
    _check_int(f"max_{prefix}", high, floor, ceiling)
    if low > high:
        raise InvalidArgument(f"min_{prefix}={low!r} is larger than max_{prefix}={high!r}")


def _check_choices(name: str, value: object, allowed: Sequence[str]) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Collection):
        raise InvalidArgument(f"{name}={value!r} must be a collection of {', '.join(map(repr, allowed))}")
    chosen = tuple(dict.fromkeys(value))
    if not chosen:
        raise InvalidArgument(f"{name}={value!r} must not be empty")
    for item in chosen:
        if item not in allowed:
            raise InvalidArgument(f"{name}: {item!r} is not one of {', '.join(map(repr, allowed))}")
    return chosen


def _check_agencies(value: object) -> tuple[Agency, ...]:
    registry = default_registry()
    if value is None:
        return registry.agencies
    if isinstance(value, str) or not isinstance(value, Collection):
        raise InvalidArgument(f"agencies={value!r} must be None or a collection of registry codes")
    codes = {a.code: a for a in registry.agencies}
    chosen = []
    for code in dict.fromkeys(value):
        if not isinstance(code, str) or code.upper() not in codes:
            raise InvalidArgument(f"agencies: {code!r} is not a registry code (codes are {', '.join(sorted(codes))})")
        chosen.append(codes[code.upper()])
    if not chosen:
        raise InvalidArgument(f"agencies={value!r} must not be empty")
    return tuple(chosen)


# -- paragraphs --------------------------------------------------------------------------


@st.composite
def _paragraph(draw: DrawFn, pool: Sequence[str], min_size: int, max_size: int) -> str:
    """Sentences of distinct words of ``pool`` (and function words), ending with ".",
    ``min_size`` to ``max_size`` characters; shrinks to the first words of the pool in
    one sentence.

    Two integer draws a word (a strategy made per word costs more than the rest of an
    article), and the loop ends when the content words alone reach the target length: a
    function word, comma or full stop never changes how many draws there are, so the
    shrinker can take them all out.
    """
    target = draw(st.integers(min_size, max_size))
    unused = list(pool)
    text = ""  # without the final full stop
    plain = 0  # the length of the content words with one space between them
    words_in_sentence = 0
    n_function = len(_FUNCTION_WORDS)
    while plain + 1 < target:
        joiner = ""
        choice, f = divmod(draw(_EXTRAS), 3 * n_function)
        # choice 0-6: a space, 7-8: a comma, 9: a new sentence; function word f - 2n if
        # that is not negative (one time in three). 0 is a plain space.
        f -= 2 * n_function
        if text:
            joiner = " "
            if choice in (7, 8) and words_in_sentence >= 2:
                joiner = ", "
            elif choice == 9 and words_in_sentence >= 4:
                joiner = ". "
        function = _FUNCTION_WORDS[f] + " " if f >= 0 else ""
        room = max_size - 1 - len(text) - len(joiner) - len(function)
        fits = [w for w in unused if len(w) <= room]
        if not fits and (function or joiner not in ("", " ")):
            joiner, function = " " if text else "", ""
            room = max_size - 1 - len(text) - len(joiner)
            fits = [w for w in unused if len(w) <= room]
        if not fits:
            break  # only when at least min_size long (see _check_paragraph_sizes)
        word = fits[draw(st.integers(0, len(fits) - 1))]
        unused.remove(word)
        piece = function + word
        if not text or joiner == ". ":
            piece = piece[0].upper() + piece[1:]
            words_in_sentence = 0
        text += joiner + piece
        plain += len(word) + (1 if plain else 0)
        words_in_sentence += 1 + bool(function)
    return text + "."


def _check_paragraph_sizes(min_size: int, max_size: int) -> None:
    _check_sizes("size", min_size, max_size, 1, 2000)
    if max_size < min_size + _LONGEST_WORD + 1:
        raise InvalidArgument(
            f"max_size={max_size!r} must be at least min_size + {_LONGEST_WORD + 1} "
            f"(room for one more word), got min_size={min_size!r}"
        )


@st.composite
def paragraphs(draw: DrawFn, *, min_size: int = 80, max_size: int = 400) -> str:
    """Plain paragraphs: sentences of ordinary lower-case words (the first capitalised),
    each ending with a full stop, ``min_size`` to ``max_size`` characters long, one line.
    ``max_size`` is at least ``min_size + 13`` (room for one more word), at most 2000.

    These are the building blocks of every :class:`Example`; ``clean(p).text == p`` for
    each. No word repeats inside a paragraph but function words such as "the".

    >>> from hypothesis import find
    >>> p = find(paragraphs(min_size=100, max_size=200), lambda p: "," in p)
    >>> 100 <= len(p) <= 200 and p.endswith(".") and p[0].isupper()
    True
    """
    _check_paragraph_sizes(min_size, max_size)
    return draw(_paragraph(_vocabulary()[0], min_size, max_size))


# -- credits and datelines -------------------------------------------------------------

_PLACES_CAPS = (
    "HANOI", "BEIJING", "MOSCOW", "TOKYO", "SEOUL", "PARIS", "LONDON", "KUALA LUMPUR",
    "HO CHI MINH CITY", "NEW DELHI", "ST. PETERSBURG", "ABU DHABI", "RIO DE JANEIRO",
    "WASHINGTON", "CAIRO", "JAKARTA", "BANGKOK", "NAIROBI",
)  # fmt: skip
_PLACES_TITLE = (
    "Hanoi", "Kuala Lumpur", "New Delhi", "Rio de Janeiro", "Addis Ababa", "The Hague",
    "Hà Nội", "Bogotá", "São Paulo", "Chennai", "Madrid", "Sofia", "Damascus", "Geneva",
)  # fmt: skip
_REGIONS = ("Ukraine", "Syria", "India", "Vietnam", "Brazil", "Kenya")
_MONTHS = ("June", "Jun", "Jun.", "JUN", "March", "Mar", "July", "JUL", "Sept.", "December", "jun")
_DATELINE_SEPS = (" — ", " - ", " -- ", " – ", ": ", " ‐ ", " − ", ".- ", ".— ", "—", " —", "-")
_CREDIT_DASHES = ("-", " — ", " -- ", "—", " - ", " – ", "--", " ‐ ", " −", "– ")
_LINE_PREFIXES = ("", "— ", "-- ", "- ")
_SOURCES = ("Source: ", "Sources: ", "Nguồn: ", "Fuente: ", "Quelle: ")
_PHOTOS = ("Photo: ", "Foto: ", "Ảnh: ", "Image: ")
_MARKERS = ("./.", "-0-", "(END)", "ENDS", "(end)")
_INITIALS = ("ach/jm", "bur-sw/ceb", "jm/tw", "dk/sst")
_STAFF = (
    "(Reporting by Minh Anh; Editing by Tom Hogue)",
    "(Writing by Lan Pham; Editing by Sara Cole)",
    "(Additional reporting by Sam Lee)",
)


@dataclasses.dataclass(frozen=True)
class _Dateline:
    text: str  # as written before the body (with the separator and its spaces)
    raw: str
    location: str | None
    date: str | None
    agency: Agency


def _dateline_forms(agency: Agency) -> tuple[str, ...]:
    forms = ["place", "region", "date", "no_separator", "agency_first"]
    forms += [f for f in ("slash", "bare") if f in agency.forms]
    return tuple(forms)


def _credit_forms(agency: Agency) -> tuple[str, ...]:
    forms = ["dash", "bracket", "line", "source", "photo"]
    forms += [f for f in ("equals", "slash") if f in agency.forms]
    return tuple(forms)


@st.composite
def _spelling(draw: DrawFn, agency: Agency) -> str:
    spelling = draw(st.sampled_from(agency.spellings))
    return spelling.upper() if draw(st.integers(0, 4)) == 4 else spelling


@st.composite
def _date(draw: DrawFn, caps: bool = False, month_first: bool = False) -> str:
    """A date as datelines write it: ``June 8``, ``8 jun``, ``June 8, 2023``, ``8th June``;
    with ``caps``, ``JUL 11`` or ``11 JUL``; with ``month_first``, ``June 8 [, 2023]``."""
    month = draw(st.sampled_from(_MONTHS))
    day = draw(st.integers(1, 28))
    form = draw(st.sampled_from((0, 2) if month_first else (0, 1) if caps else (0, 1, 2, 3)))
    if caps:
        month = month.rstrip(".").upper()
    if form == 1:
        return f"{day} {month}"
    if form == 2:
        return f"{month} {day}, {draw(st.integers(2000, 2030))}"
    if form == 3:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(day % 10 if day // 10 != 1 else 0, "th")
        return f"{day}{suffix} {month.rstrip('.')}"
    return f"{month} {day}"


@st.composite
def _dateline(draw: DrawFn, agency: Agency, form: str) -> _Dateline:
    """A leading dateline of ``form`` for ``agency`` (docs/rules.md section 3)."""
    name = draw(_spelling(agency))
    sep = draw(st.sampled_from(_DATELINE_SEPS))
    caps = draw(st.sampled_from(_PLACES_CAPS))
    place = caps if agency.ambiguous else draw(st.sampled_from(_PLACES_CAPS + _PLACES_TITLE))
    date: str | None = None
    if form == "place":
        head, loc = f"{place} ({name})", place
    elif form == "region":
        region = draw(st.sampled_from(_REGIONS))
        if draw(st.booleans()):
            date = draw(_date())
            loc = f"{draw(st.sampled_from(_PLACES_TITLE))} [{region}]"
            head = f"{loc}, {date} ({name})"
            sep = ": " if draw(st.booleans()) else sep
        else:
            loc = f"{place}, {region.upper() if agency.ambiguous else region}"
            head = f"{loc} ({name})"
    elif form == "date":
        date = draw(_date())
        head, loc = f"{place}, {date} ({name})", place
    elif form == "no_separator":
        if draw(st.booleans()):
            date = draw(_date())
            loc = draw(st.sampled_from(_PLACES_CAPS + _PLACES_TITLE))
            head = f"{loc}, {date} ({name})"
        else:
            head, loc = f"{caps} ({name})", caps
        sep = " "
    elif form == "agency_first":
        if agency.ambiguous or draw(st.booleans()):
            date = draw(_date(caps=True))
            loc = caps
            head = f"({name}){sep.rstrip()} {caps}, {date}"
            # (not ".-" right after a date: "JUNE.-" would read as an abbreviation's dot)
            sep = draw(st.sampled_from([s for s in _DATELINE_SEPS if not s.startswith(".")]))
        else:
            head, loc = f"({name})", None
    elif form == "slash":
        # Month first (June 8): a day-first date ends in the month, and clean() reads the
        # dot after it as the month's abbreviation dot (date "8 June.").
        date = draw(_date(month_first=True))
        head, loc = f"{caps}, {date}. /{name}/.", caps
        sep = " "
    elif form == "bare":
        date = draw(_date())
        head, loc = f"{caps}, {date} {name}", caps
        sep = draw(st.sampled_from(_DATELINE_SEPS[:-3]))  # spaced, so the name stays a word
    else:  # pragma: no cover - forms are checked before drawing
        raise AssertionError(form)
    text = head + sep
    if not text.endswith(" "):
        text += " " if draw(st.booleans()) or sep.strip() == "" else ""
    return _Dateline(text, text.strip(), loc, date, agency)


@dataclasses.dataclass(frozen=True)
class _Credit:
    form: str
    glued: str | None  # appended to the last paragraph, or
    line: str | None  # a paragraph of its own
    agency: Agency


@st.composite
def _credit(draw: DrawFn, agency: Agency, form: str) -> _Credit:
    """A trailing credit (or photo credit) of ``form`` for ``agency``."""
    name = draw(_spelling(agency))
    if form == "dash":
        return _Credit(form, draw(st.sampled_from(_CREDIT_DASHES)) + name, None, agency)
    if form == "bracket":
        return _Credit(form, f" ({name})", None, agency)
    if form == "line":
        if agency.code == "VNA" and draw(st.booleans()):
            return _Credit(form, None, "VNA/VNS", agency)
        if draw(st.booleans()):
            return _Credit(form, None, f"({name})", agency)
        return _Credit(form, None, draw(st.sampled_from(_LINE_PREFIXES)) + name, agency)
    if form == "source":
        return _Credit(form, None, draw(st.sampled_from(_SOURCES)) + name, agency)
    if form == "equals":
        return _Credit(form, None, "==" + name, agency)
    if form == "slash":
        # One word between the slashes, as agencies write it (/ritzau/): clean() does not
        # take a spelling of several words there (see the tests).
        one_word = [x for x in agency.spellings if " " not in x]
        name = draw(st.sampled_from(one_word)) if " " in name else name
        return _Credit(form, None, f"/{name}/", agency)
    if form == "photo":
        photo = draw(st.sampled_from(_PHOTOS)) + name
        if draw(st.booleans()):
            photo = f"({photo})"
        return _Credit(form, " " + photo, None, agency) if draw(st.booleans()) else _Credit(form, None, photo, agency)
    raise AssertionError(form)  # pragma: no cover


@st.composite
def _asides(draw: DrawFn) -> list[str]:
    """End markers, editor initials and staff lines after a credit (each on its own line)."""
    out = []
    for options_ in (_STAFF, _INITIALS, _MARKERS):
        if draw(st.integers(0, 3)) == 3:
            out.append(draw(st.sampled_from(options_)))
    return out


# -- articles ----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Config:
    min_paragraphs: int = 1
    max_paragraphs: int = 6
    agencies: tuple[Agency, ...] = ()
    dateline: Literal["never", "maybe", "always"] = "never"
    dateline_forms: tuple[str, ...] = DATELINE_FORMS
    credit: Literal["never", "maybe", "always"] = "never"
    credit_forms: tuple[str, ...] = CREDIT_FORMS
    photo: bool = False  # a photo credit may come on top of the trailing credit
    asides: bool = False
    headline: bool = False
    copies: Literal["never", "maybe", "always"] = "never"
    min_copies: int = 1
    max_copies: int = 2
    near: Literal["never", "maybe", "always"] = "never"
    min_near: int = 1
    max_near: int = 3
    max_edits: int = 3
    teasers: Literal["never", "maybe", "always"] = "never"
    min_teasers: int = 1
    max_teasers: int = 2
    layouts: tuple[str, ...] = ("lines", "blank_lines")
    newlines: tuple[str, ...] = ("\n", "\r\n")
    noise: bool = False


@dataclasses.dataclass
class _Para:
    text: str  # as written in the dirty document (inner line breaks are "\n" until printed)
    keep: str | None  # as printed in the clean document; None when removed, "" when taken out
    role: str
    body: tuple[int, int] | None = None  # where the words are in ``text`` (they may be wrapped)


def _want(draw: DrawFn, mode: str) -> bool:
    return mode == "always" or (mode == "maybe" and draw(st.booleans()))


_MORE = st.integers(0, 2)


def _more(draw: DrawFn, count: int, low: int, high: int) -> bool:
    """Whether a collection of ``count`` drawn so far gets one more, as ``st.lists`` does
    it (so the shrinker can delete any element whole): always below ``low``, two times in
    three up to ``high``."""
    return count < low or (count < high and draw(_MORE) > 0)


@st.composite
def _near_copy(draw: DrawFn, original: str, max_edits: int, taken: set[str]) -> str:
    """``original`` with 1 to ``max_edits`` small edits, at least 0.85 similar to it, that
    lose no content when the copy is removed (docs/rules.md section 2: at most two words the
    original lacks, corrected spellings aside, and no number): an edit that would is not made."""
    edit_words = _vocabulary()[1][_EDIT_GROUP]
    text = original
    for _ in range(draw(st.integers(1, max_edits))):
        kind = draw(st.sampled_from(("typo", "drop", "comma", "replace", "insert", "swap")))
        spaces = [i for i, c in enumerate(text) if c == " "]
        letters = [i for i, c in enumerate(text) if c.isalpha() and c.islower()]
        if kind == "typo" and letters:
            at = draw(st.sampled_from(letters))
            new = draw(st.sampled_from([c for c in "aeioustrnl" if c != text[at]]))
            edited = text[:at] + new + text[at + 1 :]
        elif kind == "drop" and letters:
            at = draw(st.sampled_from(letters))
            edited = text[:at] + text[at + 1 :]
        elif kind == "comma" and spaces:
            at = draw(st.sampled_from(spaces))
            edited = text if text[at - 1] in ",." else text[:at] + "," + text[at:]
        elif kind in ("replace", "insert") and spaces:
            at = draw(st.sampled_from(spaces)) + 1
            end = text.find(" ", at)
            word = draw(st.sampled_from(edit_words))
            if kind == "insert":
                edited = text[:at] + word + " " + text[at:]
            elif end > 0 and text[at:end].isalpha():
                edited = text[:at] + word + text[end:]
            else:
                edited = text
        elif kind == "swap" and len(spaces) >= 2:
            i = draw(st.integers(0, len(spaces) - 2))
            a, b = spaces[i], spaces[i + 1]
            first, second = text[spaces[i - 1] + 1 if i else 0 : a], text[a + 1 : b]
            if i == 0 or not (first.isalpha() and second.isalpha()):
                edited = text
            else:
                edited = text[: spaces[i - 1] + 1] + second + " " + first + text[b:]
        else:
            edited = text
        if _jaccard(original, edited) >= _NEAR_MIN and not loses_content(_key(edited), _key(original)):
            text = edited
    # No edit left (or all undone), or the same as another copy: end in "!" (then "!!",
    # ...) instead of ".", a shingle or two of 76 or more, far above the threshold.
    edited, marks = text, 0
    while _key(text) == _key(original) or _key(text) in taken:
        marks += 1
        text = edited[:-1] + "!" * marks
    return text


@st.composite
def _teaser(draw: DrawFn, original: str) -> str:
    """The start of ``original`` cut anywhere (the last word may be cut) and an ellipsis:
    at least 20 characters and 3 words (the rule), at most 55% of the paragraph (so it is
    no near repeat of it; paragraphs of 80 characters or more always leave room)."""
    starts = [i + 1 for i, c in enumerate(original) if c == " "]
    low = max(21, starts[2] + 1)
    high = int(len(original) * _TEASER_MAX_SHARE)
    cut = draw(st.integers(low, max(low, high)))
    core = original[:cut].rstrip()
    ellipsis = draw(st.sampled_from(("...", " ...", "…", " […]", " [...]")))
    return core + ellipsis


@dataclasses.dataclass
class _Around:
    """What goes around an article's words: a leading dateline, a trailing credit, a photo
    credit (glued to body paragraph ``photo_at``, or a line of its own after it), asides."""

    dateline: _Dateline | None = None
    credit: _Credit | None = None
    photo: _Credit | None = None
    photo_at: int | None = None
    asides: list[str] = dataclasses.field(default_factory=list)


# A repeat to insert: (after body paragraph, order drawn, the paragraph, the body it
# repeats, what clean() will call it).
_Insert = tuple[int, int, _Para, int, InjectionKind]
# A paragraph of the dirty document: (paragraph, the body it repeats, what clean() will call it).
_Placed = tuple[_Para, int | None, InjectionKind | None]


@st.composite
def _article(draw: DrawFn, cfg: _Config) -> Example:
    """The recipe of every Example, top to bottom: paragraphs, what goes around them,
    repeats, the dirty order, layout, noise, then the answer. Each stage draws in turn
    (the order of the draws is the recipe: a stage moved is another strategy)."""
    bodies, headline = _words(draw, cfg)
    around = _around(draw, cfg, len(bodies))
    paras, originals, decorated = _originals(bodies, headline, around)
    inserts = _repeats(draw, cfg, bodies, decorated)
    order = _dirty_order(paras, originals, headline, around, inserts)
    dirty_paras = [p for p, _, _ in order]
    nl, same_block = _layout(draw, cfg, dirty_paras)
    dirty, seps_clean, injected = _print_dirty(draw, cfg, dirty_paras, nl, same_block)
    clean = _print_clean(dirty_paras, seps_clean, nl)
    byline, credits_ = _report(order, paras, originals, around, nl, injected)
    return Example(dirty, clean, byline, tuple(credits_), tuple(injected))


def _words(draw: DrawFn, cfg: _Config) -> tuple[list[str], str | None]:
    """The distinct body paragraphs, and maybe a headline."""
    groups = _vocabulary()[1]
    bodies: list[str] = []
    while _more(draw, len(bodies), cfg.min_paragraphs, cfg.max_paragraphs):
        bodies.append(draw(_paragraph(groups[len(bodies)], _PARAGRAPH_MIN, _PARAGRAPH_MAX)))
    headline = None
    if cfg.headline and draw(st.booleans()):
        words = draw(st.lists(st.sampled_from(groups[_HEADLINE_GROUP]), min_size=3, max_size=7, unique=True))
        headline = " ".join(words)
        headline = headline[0].upper() + headline[1:]
    return bodies, headline


def _around(draw: DrawFn, cfg: _Config, n: int) -> _Around:
    """What goes around the ``n`` body paragraphs: a dateline, a trailing credit, a photo
    credit, asides; and where the photo credit goes."""
    around = _Around()
    if _want(draw, cfg.dateline):
        pairs = [(a, f) for a in cfg.agencies for f in _dateline_forms(a) if f in cfg.dateline_forms]
        agency, form = draw(st.sampled_from(pairs))
        around.dateline = draw(_dateline(agency, form))
    credit_forms = [f for f in cfg.credit_forms if f != "photo" or cfg.credit == "always"]
    if credit_forms and _want(draw, cfg.credit):
        pairs = [(a, f) for a in cfg.agencies for f in _credit_forms(a) if f in credit_forms]
        agency, form = draw(st.sampled_from(pairs))
        if form == "photo":
            around.photo = draw(_credit(agency, form))
        else:
            around.credit = draw(_credit(agency, form))
    if cfg.photo and around.photo is None and draw(st.booleans()):
        around.photo = draw(_credit(draw(st.sampled_from(cfg.agencies)), "photo"))
    if cfg.asides and (around.credit or around.dateline) and draw(st.booleans()):
        around.asides = draw(_asides())
    # Where a photo credit goes: glued to a paragraph, or a paragraph of its own after one
    # (never after the trailing credit: CleanResult.credits would not be in text order).
    credit, photo = around.credit, around.photo
    if photo is not None:
        last_free = n - 1 if credit is None or credit.glued is None else n - 2
        if photo.glued is not None:
            around.photo_at = draw(st.integers(0, last_free)) if last_free >= 0 else None
        elif n >= 2 or credit is None or credit.glued is None:
            around.photo_at = draw(st.integers(0, max(0, n - 2)))
        if around.photo_at is None:
            around.photo = None
    return around


def _originals(bodies: list[str], headline: str | None, around: _Around) -> tuple[list[_Para], list[int], list[str]]:
    """The originals as written: the paragraphs (the headline first), the index in them of
    each body, and each body with its dateline or glued credit."""
    dateline, credit, photo = around.dateline, around.credit, around.photo
    n = len(bodies)
    paras: list[_Para] = []
    if headline:
        paras.append(_Para(headline, headline, "headline"))
    originals: list[int] = []
    decorated: list[str] = []
    for i, body in enumerate(bodies):
        prefix = dateline.text if dateline and i == 0 else ""
        suffix = ""
        if credit is not None and credit.glued is not None and i == n - 1:
            suffix = credit.glued
        elif photo is not None and photo.glued is not None and around.photo_at == i:
            suffix = photo.glued
        decorated.append(prefix + body + suffix)
        originals.append(len(paras))
        paras.append(_Para(prefix + body + suffix, body, "body", (len(prefix), len(prefix) + len(body))))
    return paras, originals, decorated


def _repeats(draw: DrawFn, cfg: _Config, bodies: list[str], decorated: list[str]) -> list[_Insert]:
    """The repeats to insert, drawn per kind: exact copies of runs of paragraphs, near
    copies, teasers."""
    n = len(bodies)
    inserts: list[_Insert] = []
    taken = {_key(b) for b in bodies}
    if _want(draw, cfg.copies) and n:
        copies = 0
        while _more(draw, copies, cfg.min_copies, cfg.max_copies):
            copies += 1
            start = draw(st.integers(0, n - 1))
            stop = draw(st.integers(start + 1, n))
            after = draw(st.integers(stop - 1, n - 1))
            for i in range(start, stop):
                variant = draw(st.integers(0, 3))  # 0: as written, 1: bare, 2: upper, 3: lower
                text = decorated[i] if variant == 0 else bodies[i]
                if variant == 2:
                    text = bodies[i].upper()
                elif variant == 3:
                    text = bodies[i].lower()
                para = _Para(text, None, "copy", (0, len(text)) if variant else None)
                inserts.append((after, len(inserts), para, i, "exact_repeat"))
    if _want(draw, cfg.near) and n:
        near = 0
        while _more(draw, near, cfg.min_near, cfg.max_near):
            near += 1
            i = draw(st.integers(0, n - 1))
            text = draw(_near_copy(bodies[i], cfg.max_edits, taken))
            taken.add(_key(text))
            after = draw(st.integers(i, n - 1))
            inserts.append((after, len(inserts), _Para(text, None, "copy", (0, len(text))), i, "near_repeat"))
    if _want(draw, cfg.teasers) and n:
        # One teaser per paragraph: two teasers of one paragraph can be near repeats of
        # each other, and clean() then reports the second against the first, which it
        # removes too (rules.md: a paragraph is only compared with kept paragraphs).
        untouched = list(range(n))
        while untouched and _more(draw, n - len(untouched), cfg.min_teasers, cfg.max_teasers):
            i = untouched.pop(draw(st.integers(0, len(untouched) - 1)))
            text = draw(_teaser(bodies[i]))
            after = draw(st.integers(0, n - 1))  # before or after the full paragraph
            inserts.append((after, len(inserts), _Para(text, None, "copy", (0, len(text))), i, "truncated_repeat"))
    return inserts


def _dirty_order(
    paras: list[_Para], originals: list[int], headline: str | None, around: _Around, inserts: list[_Insert]
) -> list[_Placed]:
    """The dirty order: each original, then what was inserted after it; the trailing
    credit's line and the asides last."""
    credit, photo = around.credit, around.photo
    order: list[_Placed] = []
    if headline:
        order.append((paras[0], None, None))
    for i in range(len(originals)):
        order.append((paras[originals[i]], None, None))
        if photo is not None and photo.line is not None and around.photo_at == i:
            order.append((_Para(photo.line, "", "photo"), None, None))
        for after, _, para, of, kind in sorted(inserts, key=lambda t: (t[0], t[1])):
            if after == i:
                order.append((para, of, kind))
    if credit is not None and credit.line is not None:
        order.append((_Para(credit.line, "", "credit"), None, None))
    for aside in around.asides:
        order.append((_Para(aside, "", "aside"), None, None))
    return order


def _layout(draw: DrawFn, cfg: _Config, dirty_paras: list[_Para]) -> tuple[str, list[bool]]:
    """The line break, and whether each paragraph shares a block with the next: lines, or
    blocks separated by blank lines (a block of several paragraphs when each but its last
    line ends a sentence; a paragraph alone may wrap, which changes it in place)."""
    nl = draw(st.sampled_from(cfg.newlines))
    layout = draw(st.sampled_from(cfg.layouts))
    m = len(dirty_paras)
    same_block = [False] * m  # paragraph k and k + 1 share a block
    if layout == "blank_lines":
        for k in range(m - 1):
            if dirty_paras[k].text.endswith(_SENTENCE_ENDS) and dirty_paras[k + 1].role != "headline":
                same_block[k] = draw(st.integers(0, 3)) == 3
        blocks = 1 + same_block[: m - 1].count(False)
        if blocks >= 2:
            for k, p in enumerate(dirty_paras):
                alone = not (k and same_block[k - 1]) and not same_block[k]
                if alone and p.body is not None:
                    _wrap(draw, p)
    else:
        same_block = [True] * m
    return nl, same_block


def _print_dirty(
    draw: DrawFn, cfg: _Config, dirty_paras: list[_Para], nl: str, same_block: list[bool]
) -> tuple[str, list[str], list[Injection]]:
    """The dirty document, with the noise that tidying takes away: its text, the separator
    the clean text has after each paragraph, and the noise injected."""
    m = len(dirty_paras)
    injected: list[Injection] = []
    noise = cfg.noise and draw(st.booleans())
    lines_dirty: list[str] = []
    for p in dirty_paras:
        text = p.text
        if noise:
            text, what = draw(_noisy(text))
            injected += [Injection("layout", w) for w in what]
        lines_dirty.append(text)
    seps_dirty, seps_clean = [], []
    for k in range(m - 1):
        if same_block[k]:
            seps_dirty.append(nl)
            seps_clean.append(nl)
        else:
            extra = draw(st.sampled_from(("", "", " ", "\t", nl, " " + nl))) if noise else ""
            if extra:
                injected.append(Injection("layout", extra))
            seps_dirty.append(nl + extra + nl)
            seps_clean.append(nl + nl)
    end = draw(st.sampled_from(("", nl)))
    seps_dirty.append(end)
    seps_clean.append(end)
    lead = ""
    if noise:
        lead = draw(st.sampled_from(("", "", nl, nl + nl, " " + nl, "\ufeff", "\ufeff" + nl)))
        trail = draw(st.sampled_from(("", "", nl, nl + " " + nl))) if end else ""
        seps_dirty[-1] += trail
        injected += [Injection("layout", x) for x in (lead, trail) if x]
    dirty = lead + "".join(t.replace("\n", nl) + s for t, s in zip(lines_dirty, seps_dirty))
    if noise and not dirty.isascii() and draw(st.booleans()):
        nfd = unicodedata.normalize("NFD", dirty)
        if nfd != dirty:
            injected.append(Injection("layout", "NFD"))
            dirty = nfd
    return dirty, seps_clean, injected


def _print_clean(dirty_paras: list[_Para], seps_clean: list[str], nl: str) -> str:
    """The clean text: every kept paragraph followed by its own separator; the last one
    by one line break if it had any."""
    printed = [(p.keep, seps_clean[k]) for k, p in enumerate(dirty_paras) if p.keep]
    if not any(s == nl + nl for _, s in printed[:-1]):
        # No blank line left: a wrapped paragraph is printed on one line (docs/rules.md 1).
        printed = [(t.replace("\n", " "), s) for t, s in printed]
    clean = "".join(t.replace("\n", nl) + s for t, s in printed[:-1])
    if printed:
        t, s = printed[-1]
        clean += t.replace("\n", nl) + (nl if s else "")
    return clean


def _report(
    order: list[_Placed],
    paras: list[_Para],
    originals: list[int],
    around: _Around,
    nl: str,
    injected: list[Injection],
) -> tuple[Byline | None, list[Byline]]:
    """What clean() reports: the byline and the credits; what was injected is added to
    ``injected`` (the noise already there), which ends sorted with the noise last."""
    dateline, credit, photo = around.dateline, around.credit, around.photo
    dirty_paras = [p for p, _, _ in order]
    index_of = {id(p): k for k, p in enumerate(dirty_paras)}
    credits_: list[Byline] = []
    body0 = index_of[id(paras[originals[0]])] if originals else 0
    if dateline is not None:
        a = dateline.agency
        by = Byline(a.code, a.name, dateline.raw, "leading", "dateline", dateline.location, dateline.date, body0)
        credits_.append(by)
        injected.append(Injection("dateline", dateline.raw, body0, agency=a.code))

    def first(role: str) -> int:
        return next(k for k, p in enumerate(dirty_paras) if p.role == role)

    if photo is not None:
        at = (
            first("photo")
            if around.photo_at is None or photo.glued is None
            else index_of[id(paras[originals[around.photo_at]])]
        )
        raw = (photo.glued or photo.line or "").strip()
        credits_.append(Byline(photo.agency.code, photo.agency.name, raw, "trailing", "photo", paragraph=at))
        injected.append(Injection("photo", raw, at, agency=photo.agency.code))
    # The trailing block: the credit (glued to the last paragraph, or a line of its own),
    # then the asides; with no credit, the asides belong to the dateline's agency.
    trailing: list[str] = []
    owner = credit.agency if credit is not None else dateline.agency if dateline is not None else None
    if credit is not None:
        trailing.append((credit.glued or credit.line or "").strip())
    trailing += around.asides
    if trailing and owner is not None:
        if credit is None:
            at = first("aside")
        else:
            at = index_of[id(paras[originals[-1]])] if credit.glued is not None else first("credit")
        raw = "\n".join(trailing)
        credits_.append(Byline(owner.code, owner.name, raw, "trailing", "credit", paragraph=at))
        injected.append(Injection("credit", raw, at, agency=owner.code))
    for k, (p, repeated, rule) in enumerate(order):
        if repeated is not None and rule is not None:
            text = p.text.replace("\n", nl)
            injected.append(Injection(rule, text, k, index_of[id(paras[originals[repeated]])]))
    byline = next((c for c in credits_ if c.kind == "dateline"), None)
    byline = byline or next((c for c in credits_ if c.kind == "credit"), None)
    byline = byline or (credits_[0] if credits_ else None)
    injected.sort(key=lambda i: i.kind == "layout")  # (stable: layout noise last)
    return byline, credits_


def _wrap(draw: DrawFn, p: _Para) -> None:
    """Break some lines of ``p``'s words (after a letter: wrapping, not a sentence end)."""
    if p.body is None:
        return
    start, stop = p.body
    spaces = [i for i in range(start + 1, stop - 1) if p.text[i] == " " and p.text[i - 1].isalpha()]
    if not spaces or draw(st.integers(0, 3)) < 3:
        return
    chosen = draw(st.lists(st.sampled_from(spaces), min_size=1, max_size=3, unique=True))
    chars = list(p.text)
    for i in chosen:
        chars[i] = "\n"
    p.text = "".join(chars)
    if p.keep is not None:
        p.keep = p.text[start:stop]


_INVISIBLE = ("\u200b", "\u2060", "\u00ad", "\ufeff")
_SPACES = ("  ", "\u00a0", "\t", "\u202f", "\u2007", " \u00a0 ")


@st.composite
def _noisy(draw: DrawFn, text: str) -> tuple[str, list[str]]:
    """``text`` with spaces and invisible characters that the output tidies away."""
    what = []
    for _ in range(draw(st.integers(0, 2))):
        kind = draw(st.integers(0, 3))
        if kind == 0:
            spaces = [i for i, c in enumerate(text) if c == " "]
            if spaces:
                at = draw(st.sampled_from(spaces))
                new = draw(st.sampled_from(_SPACES))
                text = text[:at] + new + text[at + 1 :]
                what.append(new)
        elif kind == 1:
            letters = [i for i in range(1, len(text)) if text[i - 1].isalpha() and text[i].isalpha()]
            if letters:
                at = draw(st.sampled_from(letters))
                new = draw(st.sampled_from(_INVISIBLE))
                text = text[:at] + new + text[at:]
                what.append(new)
        elif kind == 2:
            new = draw(st.sampled_from((" ", "  ", "\t", "\u00a0")))
            text = new + text
            what.append(new)
        else:
            new = draw(st.sampled_from((" ", "  ", "\t", "\u00a0 ")))
            text = text + new
            what.append(new)
    return text, what


# -- the public strategies -----------------------------------------------------------------


def _pairs_exist(
    agencies: tuple[Agency, ...], forms: tuple[str, ...], of: Callable[[Agency], tuple[str, ...]], what: str
) -> None:
    if not any(f in of(a) for a in agencies for f in forms):
        codes = [a.code for a in agencies]
        raise InvalidArgument(f"no agency of agencies={codes} uses the {what} forms {list(forms)}")


# The public strategies are composites: arguments are checked when the strategy is drawn
# from (InvalidArgument, as hypothesis' own strategies do), and the repr is the call.


@st.composite
def articles(
    draw: DrawFn,
    *,
    min_paragraphs: int = 1,
    max_paragraphs: int = 6,
    agencies: Collection[str] | None = None,
    datelines: bool = True,
    credits: bool = True,
    repeats: bool = True,
    near_duplicates: bool = True,
    teasers: bool = True,
    headlines: bool = True,
    layouts: Collection[str] = ("lines", "blank_lines"),
    newlines: Collection[str] = ("\n", "\r\n"),
    noise: bool = True,
) -> Example:
    """Whole articles: ``min_paragraphs`` to ``max_paragraphs`` (at most 12) distinct
    paragraphs, maybe a headline, a leading dateline, a trailing credit (with end
    markers, editor initials or a staff line), a photo credit, exact repeats (as written,
    upper or lower case, re-wrapped), near duplicates, truncated teasers, layout noise.

    Each keyword set to ``False`` leaves that out. ``agencies`` limits credits and
    datelines to those registry codes. ``layouts``: ``"lines"`` (one paragraph a line, as
    trafilatura writes) and ``"blank_lines"`` (blank lines between blocks, as newspaper4k
    writes). ``newlines``: ``"\\n"``, ``"\\r\\n"``. ``st.from_type(Example)`` draws
    ``articles()``.
    """
    _check_sizes("paragraphs", min_paragraphs, max_paragraphs, 1, _MAX_PARAGRAPHS)
    flags = {
        "datelines": datelines, "credits": credits, "repeats": repeats,
        "near_duplicates": near_duplicates, "teasers": teasers, "headlines": headlines, "noise": noise,
    }  # fmt: skip
    for name, value in flags.items():
        _check_bool(name, value)
    maybe: dict[bool, Literal["maybe", "never"]] = {True: "maybe", False: "never"}
    cfg = _Config(
        min_paragraphs=min_paragraphs,
        max_paragraphs=max_paragraphs,
        agencies=_check_agencies(agencies),
        dateline=maybe[datelines],
        credit=maybe[credits],
        photo=credits,
        asides=credits,
        headline=headlines,
        copies=maybe[repeats],
        near=maybe[near_duplicates],
        teasers=maybe[teasers],
        layouts=_check_choices("layouts", layouts, ("lines", "blank_lines")),
        newlines=_check_choices("newlines", newlines, ("\n", "\r\n")),
        noise=noise,
    )
    return draw(_article(cfg))


@st.composite
def credits(
    draw: DrawFn,
    *,
    agencies: Collection[str] | None = None,
    forms: Collection[str] | None = None,
    markers: bool = True,
    min_paragraphs: int = 1,
    max_paragraphs: int = 3,
) -> Example:
    """Short articles with a trailing agency credit of one of ``forms`` (see
    :data:`CREDIT_FORMS`; all by default) for one of ``agencies`` (registry codes, all by
    default). With ``markers``, end markers (``./.``), editor initials and staff lines may
    follow the credit. Forms only some agencies use (``equals``, ``slash``) are drawn for
    those agencies only.

    >>> import newsclean
    >>> from hypothesis import given
    >>> @given(credits(agencies=["VNA"], forms=["dash", "line"]))
    ... def test_vna_credit_goes(example):
    ...     assert newsclean.clean(example.dirty).byline.agency == "VNA"
    >>> test_vna_credit_goes()  # doctest: +SKIP
    """
    chosen = _check_agencies(agencies)
    forms_ = CREDIT_FORMS if forms is None else _check_choices("forms", forms, CREDIT_FORMS)
    _pairs_exist(chosen, forms_, _credit_forms, "credit")
    _check_sizes("paragraphs", min_paragraphs, max_paragraphs, 1, _MAX_PARAGRAPHS)
    cfg = _Config(
        min_paragraphs=min_paragraphs, max_paragraphs=max_paragraphs, agencies=chosen,
        credit="always", credit_forms=forms_, asides=_check_bool("markers", markers),
    )  # fmt: skip
    return draw(_article(cfg))


@st.composite
def datelines(
    draw: DrawFn,
    *,
    agencies: Collection[str] | None = None,
    forms: Collection[str] | None = None,
    min_paragraphs: int = 1,
    max_paragraphs: int = 3,
) -> Example:
    """Short articles that open with an agency dateline of one of ``forms`` (see
    :data:`DATELINE_FORMS`; all by default) for one of ``agencies`` (registry codes, all
    by default), maybe after a headline. Agencies the registry marks ``ambiguous`` get a
    place in capitals or a date, as the rules require.

    >>> import newsclean
    >>> from hypothesis import given
    >>> @given(datelines(agencies=["XINHUA", "BERNAMA"], forms=["date"]))
    ... def test_dateline_date(example):
    ...     assert newsclean.clean(example.dirty).byline.date == example.byline.date
    >>> test_dateline_date()  # doctest: +SKIP
    """
    chosen = _check_agencies(agencies)
    forms_ = DATELINE_FORMS if forms is None else _check_choices("forms", forms, DATELINE_FORMS)
    _pairs_exist(chosen, forms_, _dateline_forms, "dateline")
    _check_sizes("paragraphs", min_paragraphs, max_paragraphs, 1, _MAX_PARAGRAPHS)
    cfg = _Config(
        min_paragraphs=min_paragraphs, max_paragraphs=max_paragraphs, agencies=chosen,
        dateline="always", dateline_forms=forms_, headline=True,
    )  # fmt: skip
    return draw(_article(cfg))


@st.composite
def repeated_blocks(
    draw: DrawFn,
    *,
    min_copies: int = 1,
    max_copies: int = 2,
    min_paragraphs: int = 1,
    max_paragraphs: int = 6,
) -> Example:
    """Articles with ``min_copies`` to ``max_copies`` (at most 10) repeated blocks: a run
    of consecutive paragraphs (up to the whole body, as when a scraper captured the story
    twice) copied again later, each paragraph as written, in upper or lower case, or
    re-wrapped. Every copy is an ``exact_repeat`` of the first.

    The simplest draw is one paragraph and a copy:
    ``find(repeated_blocks(), lambda ex: True).removed == ((1, 0, "exact_repeat"),)``.
    """
    _check_sizes("copies", min_copies, max_copies, 1, 10)
    _check_sizes("paragraphs", min_paragraphs, max_paragraphs, 1, _MAX_PARAGRAPHS)
    cfg = _Config(
        min_paragraphs=min_paragraphs, max_paragraphs=max_paragraphs,
        copies="always", min_copies=min_copies, max_copies=max_copies,
    )  # fmt: skip
    return draw(_article(cfg))


@st.composite
def near_duplicates(
    draw: DrawFn,
    *,
    min_count: int = 1,
    max_count: int = 3,
    max_edits: int = 3,
    min_paragraphs: int = 1,
    max_paragraphs: int = 6,
) -> Example:
    """Articles with ``min_count`` to ``max_count`` (at most 10) near duplicates: copies
    of a paragraph with 1 to ``max_edits`` (at most 10) small edits (a typo, a dropped
    letter, a comma, a word replaced, inserted or swapped), each at least 0.85 similar to
    the paragraph (the threshold is 0.8) and put anywhere after it. Every one is a
    ``near_repeat``. (An edit that would take a copy below 0.85 is not made; a copy with
    no edit left ends in "!" instead of ".", so there is always something to find.)

    >>> import newsclean
    >>> from hypothesis import given
    >>> @given(near_duplicates(min_count=2))
    ... def test_near_copies_go(example):
    ...     assert len(newsclean.clean(example.dirty).removed) >= 2
    >>> test_near_copies_go()  # doctest: +SKIP
    """
    _check_sizes("count", min_count, max_count, 1, 10)
    _check_int("max_edits", max_edits, 1, 10)
    _check_sizes("paragraphs", min_paragraphs, max_paragraphs, 1, _MAX_PARAGRAPHS)
    cfg = _Config(
        min_paragraphs=min_paragraphs, max_paragraphs=max_paragraphs,
        near="always", min_near=min_count, max_near=max_count, max_edits=max_edits,
    )  # fmt: skip
    return draw(_article(cfg))


@st.composite
def teasers(
    draw: DrawFn,
    *,
    min_count: int = 1,
    max_count: int = 2,
    min_paragraphs: int = 1,
    max_paragraphs: int = 6,
) -> Example:
    """Articles with ``min_count`` to ``max_count`` truncated teasers, at most one per
    paragraph: the start of a paragraph (at least 20 characters and 3 words, the last
    word maybe cut) and ``...``, ``…``, ``[...]`` or ``[…]``, before or after the full
    paragraph. Every one is a ``truncated_repeat``.

    The simplest draw is one paragraph and its teaser after it:
    ``find(teasers(), lambda ex: True).removed == ((1, 0, "truncated_repeat"),)``.
    """
    _check_sizes("count", min_count, max_count, 1, _MAX_PARAGRAPHS)
    _check_sizes("paragraphs", min_paragraphs, max_paragraphs, 1, _MAX_PARAGRAPHS)
    if min_count > max_paragraphs:
        raise InvalidArgument(
            f"min_count={min_count!r} teasers need as many paragraphs (one teaser per "
            f"paragraph), but max_paragraphs={max_paragraphs!r}"
        )
    cfg = _Config(
        min_paragraphs=max(min_paragraphs, min_count), max_paragraphs=max_paragraphs,
        teasers="always", min_teasers=min_count, max_teasers=max_count,
    )  # fmt: skip
    return draw(_article(cfg))


def _option_strategies() -> dict[str, SearchStrategy[Any]]:
    """Every valid value of each option, shrinking towards its default."""
    d = Options()
    return {
        "dedupe_paragraphs": st.sampled_from((d.dedupe_paragraphs, not d.dedupe_paragraphs)),
        "threshold": st.just(d.threshold) | st.floats(0.0, 1.0, exclude_min=True),
        "shingle_kind": st.sampled_from(("char", "word")),
        "shingle_size": st.just(d.shingle_size) | st.integers(1, 32),
        "num_perm": st.just(d.num_perm) | st.integers(1, 128).map(lambda k: 8 * k),
        "seed": st.just(d.seed) | st.integers(0, 2**32 - 1),
        "min_near_length": st.just(d.min_near_length) | st.integers(1, 1_000_000),
        "byline": st.sampled_from(("extract", "keep", "rewrite")),
    }


@st.composite
def options(draw: DrawFn, /, **fixed: Any) -> Options:
    """``newsclean.Options``, every field drawn from its valid values (shrinking towards
    the defaults), except those given: ``options(byline="keep")`` fixes a value,
    ``options(threshold=st.floats(0.5, 0.9))`` draws it from a strategy.
    ``st.from_type(Options)`` draws ``options()``.

    >>> from hypothesis import find
    >>> find(options(byline="keep"), lambda o: True) == Options(byline="keep")
    True
    """
    fields = _option_strategies()
    for name, value in fixed.items():
        if name not in fields:
            raise InvalidArgument(f"options(): unknown option {name!r}; options are {', '.join(fields)}")
        if isinstance(value, SearchStrategy):
            fields[name] = value
        else:
            try:
                Options(**{name: value})
            except OptionsError as err:
                raise InvalidArgument(f"options(): {err}") from None
            fields[name] = st.just(value)
    values = {name: draw(strategy) for name, strategy in fields.items()}
    try:
        return Options(**values)
    except OptionsError as err:
        raise InvalidArgument(f"options(): {err}") from None


_hypothesis_setup_hook()
