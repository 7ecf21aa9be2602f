"""Everything in the docs that is computed from the code, made at the start of each build.

``main(out)`` writes into ``out`` (``docs/_generated/``, git-ignored):

* ``cli-newsclean.txt``, ``cli-dedup.txt``: ``--help`` of the two commands, 100 columns wide;
* ``seed-explain.txt``: what ``newsclean --explain`` says about the seed example;
* ``pipeline.svg``: the pipeline diagram of ``clean()`` and of the cross-document index;
* ``s-curve.png``: the LSH S-curves of the default bands;
* ``s-curve-table.md``, ``bands-table.md``, ``stddev-table.md``, ``shingles-table.md``: the
  numbers quoted by the tuning guide;
* ``clean-diff.svg``: the seed example before and after ``clean()``, as a diff;
* ``dateline.svg``: a dateline taken apart (place, date, agency, separator);
* ``duplicate-group.svg``: the largest duplicate group ``newsclean dedup`` finds in
  ``examples/stories.jsonl``, with each copy's similarity;
* ``index-throughput.png``: the throughput table of ``docs/benchmarks-index.md`` as a chart.

A file is only rewritten when its content changes, so incremental builds stay incremental.
Run it alone with ``python docs/_generate.py``.
"""

from __future__ import annotations

import contextlib
import io
import math
import os
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "examples" / "vna-asean-somtc.txt"
COLUMNS = 100


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name, data in [
        *help_texts().items(),
        ("seed-explain.txt", seed_explain().encode()),
        ("s-curve.png", s_curve_png()),
        ("pipeline.svg", pipeline_svg()),
        ("s-curve-table.md", s_curve_table().encode()),
        ("bands-table.md", bands_table().encode()),
        ("stddev-table.md", stddev_table().encode()),
        ("shingles-table.md", shingles_table().encode()),
        ("agencies-table.md", agencies_table().encode()),
        ("clean-diff.svg", clean_diff_svg()),
        ("dateline.svg", dateline_svg()),
        ("duplicate-group.svg", duplicate_group_svg()),
        ("index-throughput.png", index_throughput_png()),
    ]:
        _write(out / name, data)


def _write(path: Path, data: bytes) -> None:
    if not path.exists() or path.read_bytes() != data:
        path.write_bytes(data)


@contextlib.contextmanager
def _environ(**values: str) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


# -- the commands --------------------------------------------------------------------------


def help_texts() -> dict[str, bytes]:
    """``--help`` of ``newsclean`` and ``newsclean dedup``, as argparse prints them."""
    from newsclean._cli import clean, dedup

    # argparse wraps to $COLUMNS; NO_COLOR keeps Python 3.14's coloured help plain.
    with _environ(COLUMNS=str(COLUMNS), NO_COLOR="1", PYTHON_COLORS="0"):
        return {
            "cli-newsclean.txt": clean.parser().format_help().encode(),
            "cli-dedup.txt": dedup.parser().format_help().encode(),
        }


def seed_explain() -> str:
    """What ``newsclean --explain examples/vna-asean-somtc.txt`` writes on stderr."""
    import newsclean
    from newsclean._cli.clean import explain

    result = newsclean.clean(SEED.read_text(encoding="utf-8"))
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        explain(result, "examples/vna-asean-somtc.txt")
    return err.getvalue()


# -- LSH numbers ---------------------------------------------------------------------------


def candidate_probability(s: float, bands: int, rows: int) -> float:
    """Probability that a pair with Jaccard similarity ``s`` shares at least one LSH band."""
    return 1 - (1 - s**rows) ** bands


def _defaults() -> tuple[tuple[int, int], tuple[int, int], float]:
    import newsclean

    # (The index's threshold, 0.4, is marked by its own line in the plot.)
    return newsclean.Options().bands, newsclean.IndexParams().bands, newsclean.Options().threshold


def newsclean_index_floor() -> float:
    import newsclean

    return newsclean.IndexParams().floor


def s_curve_png() -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    (cb, cr), (ib, ir), t = _defaults()
    s = np.linspace(0, 1, 501)
    fig, ax = plt.subplots(figsize=(7.5, 4.4), dpi=110)
    ax.axvspan(t, 1, color="#2e7d32", alpha=0.07, lw=0)
    ax.plot(s, 1 - (1 - s**cr) ** cb, color="#1565c0", lw=2.2, label=f"clean(): {cb} bands × {cr} rows (paragraphs)")
    ax.plot(s, 1 - (1 - s**ir) ** ib, color="#c62828", lw=2.2, label=f"DedupIndex / dedup: {ib} × {ir} (documents)")
    ax.axvline(t, color="#444", lw=1, ls="--")
    floor = newsclean_index_floor()
    ax.axvline(floor, color="#c62828", lw=1, ls=":")
    ax.text(floor + 0.01, 0.55, f"documents:\nJaccard {floor}", fontsize=8.5, color="#c62828")
    ax.text(
        t + 0.01,
        0.04,
        f"threshold {t}:\nonly pairs at or above it\nare removed, after the\nexact Jaccard check",
        fontsize=8.5,
        color="#2e7d32",
        va="bottom",
    )
    for bands, rows, color in ((cb, cr, "#1565c0"), (ib, ir, "#c62828")):
        for x in (0.5, 0.7):
            p = candidate_probability(x, bands, rows)
            ax.plot([x], [p], "o", color=color, ms=4)
            left = color == "#1565c0"
            ax.annotate(
                f"{p:.3f}",
                (x, p),
                xytext=(-32, 4) if left else (7, -10),
                textcoords="offset points",
                fontsize=8,
                color=color,
            )
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.02, 1.04)
    ax.set_xlabel("Jaccard similarity of the two shingle sets")
    ax.set_ylabel("probability of becoming a candidate pair")
    ax.set_title(r"LSH banding (128 permutations, 256 bins for documents): $P = 1 - (1 - s^r)^b$", fontsize=11)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=9, frameon=True)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


def s_curve_table() -> str:
    (cb, cr), (ib, ir), t = _defaults()
    rows = [
        f"| similarity | `clean()`, {cb} × {cr} | index, {ib} × {ir} |",
        "|---:|---:|---:|",
    ]
    for s in (0.3, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9):
        a, b = candidate_probability(s, cb, cr), candidate_probability(s, ib, ir)
        mark = " (threshold)" if s == t else ""
        rows.append(f"| {s}{mark} | {_prob(a)} | {_prob(b)} |")
    return "\n".join(rows) + "\n"


def _prob(p: float) -> str:
    if p >= 0.99995:
        miss = 1 - p
        return "1.0000" if miss < 1e-12 else f"1 − {miss:.0e}".replace("e-0", "e-")
    return f"{p:.4f}"


def bands_table() -> str:
    from newsclean._similarity.lsh import RECALL, choose_bands

    rows = [
        f"| threshold | `clean()` b × r (recall ≥ {RECALL['paragraphs']}) | index b × r (256 bins, recall ≥ {RECALL['index']}) | P(candidate) at threshold − 0.1, `clean()` / index |",
        "|---:|---:|---:|---:|",
    ]
    for t in (0.6, 0.7, 0.8, 0.85, 0.9, 0.95):
        cb, cr = choose_bands(t, 128, RECALL["paragraphs"])
        ib, ir = choose_bands(t, 256, RECALL["index"])
        below = round(t - 0.1, 2)
        rows.append(
            f"| {t} | {cb} × {cr} | {ib} × {ir} | "
            f"{candidate_probability(below, cb, cr):.2f} / {candidate_probability(below, ib, ir):.2f} |"
        )
    return "\n".join(rows) + "\n"


def stddev_table() -> str:
    rows = ["| true Jaccard J | 64 permutations | 128 (default) | 256 |", "|---:|---:|---:|---:|"]
    for j in (0.5, 0.7, 0.8, 0.9):
        cells = " | ".join(f"± {math.sqrt(j * (1 - j) / n):.3f}" for n in (64, 128, 256))
        rows.append(f"| {j} | {cells} |")
    return "\n".join(rows) + "\n"


# -- shingles ------------------------------------------------------------------------------


def shingle_variants() -> tuple[str, dict[str, str]]:
    """Paragraph 2 of the seed, and edits of it."""
    lines = SEED.read_text(encoding="utf-8").splitlines()
    p = lines[1]
    return p, {
        "one word changed": p.replace("reaffirmed", "renewed"),
        "one letter changed": p.replace("commitment", "committment"),
        "a clause added": p.rstrip(".") + ", the Cambodian foreign ministry said.",
        "another paragraph": lines[3],
    }


def shingles_table() -> str:
    from newsclean._similarity.hashing import shingle_hashes
    from newsclean._similarity.jaccard import jaccard
    from newsclean._text.normalize import key

    base, variants = shingle_variants()
    head = " | ".join(variants)
    rows = [f"| shingles | set size | {head} |", "|---|---:|" + "---:|" * len(variants)]
    for kind, sizes in (("char", (3, 5, 8)), ("word", (1, 2, 3))):
        for n in sizes:
            a, _ = shingle_hashes([key(base)], n, kind)
            cells = []
            for text in variants.values():
                b, _ = shingle_hashes([key(text)], n, kind)
                cells.append(f"{jaccard(a, b):.2f}")
            default = ""
            if (kind, n) == ("char", 5):
                default = " (`clean()` default)"
            elif (kind, n) == ("word", 3):
                default = " (index default)"
            unit = ("character" if kind == "char" else "word") + "s" * (n != 1)
            rows.append(f"| {n} {unit}{default} | {len(a)} | " + " | ".join(cells) + " |")
    return "\n".join(rows) + "\n"


# -- the agency registry -------------------------------------------------------------------


def agencies_table() -> str:
    from newsclean._bylines.registry import default_registry

    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    rows = ["| code | agency | country | spellings | example |", "|---|---|---|---|---|"]
    for a in default_registry().agencies:
        spellings = ", ".join(f"`{s}`" for s in a.spellings)
        example = f"`{cell(a.examples[0])}`" if a.examples else ""
        ambiguous = " (needs a date or a place in capitals)" if a.ambiguous else ""
        rows.append(f"| {a.code} | {cell(a.name)}{ambiguous} | {a.country} | {spellings} | {example} |")
    return "\n".join(rows) + "\n"


# -- the pipeline diagram ------------------------------------------------------------------


def pipeline_svg() -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyBboxPatch

    import newsclean
    from newsclean._bylines.registry import default_registry

    (cb, cr), (ib, ir), t = _defaults()
    agencies = len(default_registry().agencies)
    min_docs = newsclean.IndexParams().boilerplate_min_docs
    fig = plt.figure(figsize=(10.0, 8.6))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 100)
    ax.set_ylim(0, 86)
    ax.axis("off")

    blue, green, grey, red = "#e3f2fd", "#e8f5e9", "#f5f5f5", "#fdecea"

    def box(
        x: float, y: float, w: float, h: float, title: str, note: str = "", color: str = blue, dashed: bool = False
    ) -> None:
        ax.add_patch(
            FancyBboxPatch(
                (x - w / 2, y - h / 2),
                w,
                h,
                boxstyle="round,pad=0.4,rounding_size=1.2",
                fc=color,
                ec="#555",
                lw=1.1,
                ls="--" if dashed else "-",
            )
        )
        if note:
            ax.text(x, y + h / 2 - 1.6, title, ha="center", va="top", fontsize=10.5, weight="bold")
            ax.text(x, y - h / 2 + 1.2, note, ha="center", va="bottom", fontsize=8.3, color="#333", linespacing=1.35)
        else:
            ax.text(x, y, title, ha="center", va="center", fontsize=10.5, weight="bold")

    def arrow(x0: float, y0: float, x1: float, y1: float, dashed: bool = False) -> None:
        ax.annotate(
            "",
            (x1, y1),
            (x0, y0),
            arrowprops=dict(arrowstyle="-|>", color="#555", lw=1.2, ls="--" if dashed else "-", shrinkA=0, shrinkB=0),
        )

    # clean(): one document, top to bottom
    ax.text(2, 84.5, "clean(text): one document", fontsize=12, weight="bold", va="top")
    cx = 25
    box(cx, 77, 22, 4, "text", color=grey)
    arrow(cx, 74.6, cx, 71.4)
    box(cx, 67.5, 44, 7, "1. split into paragraphs", "a line each (line layout) or blocks between blank lines")
    arrow(cx, 63.6, cx, 60.4)
    box(
        cx,
        56,
        44,
        8,
        "2. comparison keys",
        "entities decoded, NFKC, casefold, quotes and dashes\nunified; datelines and credits left out",
    )
    arrow(cx, 51.6, cx, 48.4)
    box(
        cx,
        43.3,
        44,
        9,
        "3. repeated paragraphs",
        "compared with the earlier kept paragraphs;\nthe first copy stays where it is",
    )
    for x, w, title, note in (
        (9, 14, "exact", "same key"),
        (25, 14, "truncated", "a teaser (…, [...])\nis a word prefix"),
        (41.5, 16, "near", f"char 5-gram shingles\nMinHash 128, LSH {cb}×{cr}\nexact Jaccard ≥ {t}"),
    ):
        arrow(cx, 38.4, x, 33.4)
        box(x, 28.3, w, 9, title, note, color=green)
    arrow(cx, 23.3, cx, 19.9)
    box(
        cx,
        15.5,
        44,
        8,
        "4. credits and datelines",
        f"{agencies} agencies, only in credit structure:\nextract (default), keep, or rewrite",
    )
    arrow(cx, 11.1, cx, 8.4)
    box(cx, 4.6, 44, 6, "CleanResult", "text, byline, credits, removed", color=grey)

    # the index: across documents
    ax.text(64, 84.5, "across documents:\nDedupIndex.add(text), newsclean dedup", fontsize=11, weight="bold", va="top")
    ix = 80
    box(ix, 71.5, 26, 9, "clean body", "the text of clean(): no credits,\nrepeats or boilerplate")
    arrow(ix, 66.6, ix, 63.4)
    box(ix, 58.5, 26, 9, "fingerprint", "word 3-gram shingles,\nMinHash 128")
    arrow(ix, 53.6, ix, 50.4)
    box(ix, 45.5, 26, 9, "candidates", f"LSH {ib}×{ir}: indexed documents\nthat share a band")
    arrow(ix, 40.6, ix, 37.4)
    box(ix, 32.5, 26, 9, "exact check", f"Jaccard of the shingle\nsets ≥ {t}")
    arrow(ix, 27.6, ix, 24.4)
    box(ix, 19.8, 26, 8, "AddResult", "new, or duplicate_of the\nfirst one added", color=grey)
    arrow(ix, 15.4, ix, 12.9, dashed=True)
    box(
        ix,
        7,
        26,
        11,
        "where it lives",
        "in memory (save and load a file)\nor on Redis: one Lua script\nper add, atomic",
        color=red,
        dashed=True,
    )
    # boilerplate: what the index has seen feeds step 3
    ax.annotate(
        "",
        (cx + 22.6, 43.3),
        (ix - 13.6, 7),
        arrowprops=dict(arrowstyle="-|>", color="#b71c1c", lw=1.1, ls="--", connectionstyle="arc3,rad=-0.3"),
    )
    ax.text(
        53,
        31,
        f"clean(text, index=…):\nparagraphs seen in\n≥ {min_docs} documents are\nsite boilerplate",
        fontsize=8,
        color="#b71c1c",
        ha="left",
        va="center",
        linespacing=1.35,
    )

    if os.environ.get("NEWSCLEAN_DIAGRAM_PNG"):  # a preview for working on the drawing
        fig.savefig(os.environ["NEWSCLEAN_DIAGRAM_PNG"], dpi=90)
    buf = io.BytesIO()
    with matplotlib.rc_context({"svg.hashsalt": "newsclean", "svg.fonttype": "path"}):
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    return buf.getvalue()


# -- pictures of what newsclean does, from the code run on the examples ----------------------

STORIES = ROOT / "examples" / "stories.jsonl"
DATELINE_EXAMPLE = (
    "BEIJING, June 8 (Xinhua) -- China has harvested more than half of its winter wheat, "
    "the agriculture ministry said on Sunday."
)
MONO = {"family": "DejaVu Sans Mono", "size": 9}
CHAR = 0.6 * 9 / 72  # inches a character of MONO takes (DejaVu Sans Mono's advance is 0.6 em)


def _svg(fig: object) -> bytes:
    import matplotlib
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    with matplotlib.rc_context({"svg.hashsalt": "newsclean", "svg.fonttype": "path"}):
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})  # type: ignore[attr-defined]
    plt.close(fig)  # type: ignore[arg-type]
    return buf.getvalue()


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def clean_diff_rows(width: int = 96) -> list[tuple[str, str, str, str]]:
    """The seed example's paragraphs as diff rows ``(mark, text, tail, note)``: ``mark``
    ``" "`` kept, ``"-"`` removed; ``tail`` the credit cut off the end (shown apart),
    ``note`` why. Each ``text`` is cut to fit ``width`` characters with its tail."""
    import newsclean

    text = SEED.read_text(encoding="utf-8")
    result = newsclean.clean(text)
    removed = {r.index: r for r in result.removed}
    credits = {c.paragraph: c for c in result.credits}
    rows = []
    for n, paragraph in enumerate(text.split("\n")):
        tail, note = "", ""
        credit = credits.get(n)
        if credit is not None and paragraph.endswith(credit.raw):
            paragraph, tail = paragraph[: -len(credit.raw)], credit.raw
            note = f"{credit.kind} → byline {credit.agency}"
        if n in removed:
            r = removed[n]
            rows.append(("-", _cut(paragraph + tail, width), "", f"{r.rule.replace('_', ' ')} of ¶{r.duplicate_of}"))
        else:
            rows.append((" ", _cut(paragraph, width - len(tail)), tail, note))
    return rows


def clean_diff_svg() -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = clean_diff_rows()
    chars, notes = 105, 24
    fig = plt.figure(figsize=((chars + notes) * CHAR + 0.3, 0.25 * len(rows) + 0.75))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(-1, chars + notes + 1)
    ax.set_ylim(len(rows) + 1.6, -0.8)
    ax.axis("off")
    ax.text(0, -0.1, "examples/vna-asean-somtc.txt → clean()", fontsize=10, weight="bold", va="center")
    for n, (mark, text, tail, note) in enumerate(rows):
        y = n + 1
        if mark == "-":
            ax.add_patch(plt.Rectangle((-0.5, y - 0.45), chars + 0.5, 0.9, fc="#fdecea", ec="none"))
        ax.text(0, y, f"{mark} ¶{n:<2} {text}", fontdict=MONO, va="center", color="#b71c1c" if mark == "-" else "#222")
        if tail:
            x = 6 + len(text)  # (after the mark, the paragraph number and a space)
            ax.add_patch(plt.Rectangle((x - 0.1, y - 0.42), len(tail) + 0.2, 0.84, fc="#fff3cd", ec="#b08900", lw=0.8))
            ax.text(x, y, tail, fontdict=MONO, va="center", color="#6d4c00")
        if note:
            ax.text(chars + 1, y, note, fontsize=8.5, va="center", color="#b71c1c" if mark == "-" else "#6d4c00")
    kept = sum(mark == " " for mark, *_ in rows)
    ax.text(
        0,
        len(rows) + 1.1,
        f"{len(rows)} paragraphs in, {kept} out: the repeated block is removed (exact Jaccard decides), "
        "the credit is taken out and returned as data",
        fontsize=8.5,
        color="#444",
        va="center",
    )
    return _svg(fig)


def dateline_parts(text: str = DATELINE_EXAMPLE) -> list[tuple[int, int, str]]:
    """The parts of the dateline ``clean()`` finds at the start of ``text``, as
    ``(start, end, label)`` character spans of ``text``."""
    import newsclean

    byline = newsclean.clean(text).byline
    assert byline is not None and byline.kind == "dateline", byline
    raw = byline.raw
    parts = []
    at = 0
    for value, label in ((byline.location, "place"), (byline.date, "date")):
        if value:
            start = raw.index(value, at)
            parts.append((start, start + len(value), label))
            at = start + len(value)
    tag = raw.index("(", at)
    close = raw.index(")", tag) + 1
    parts.append((tag, close, f"agency: {byline.agency}\n({byline.name})"))
    rest = raw[close:]
    sep = close + len(rest) - len(rest.lstrip())
    parts.append((sep, len(raw.rstrip()), "separator"))
    body = len(text) - len(text[len(raw) :].lstrip())
    parts.append((body, len(text), "the story: what clean() returns as text"))
    return parts


def dateline_svg() -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    text = DATELINE_EXAMPLE[:72] + "…"
    parts = dateline_parts()
    fig = plt.figure(figsize=(len(text) * CHAR + 0.4, 1.9))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(-1, len(text) + 1)
    ax.set_ylim(4.2, -1.0)
    ax.axis("off")
    ax.text(0, 0, text, fontdict=MONO, va="center")
    colors = ["#1565c0", "#2e7d32", "#c62828", "#6d4c00", "#555"]
    levels = [0, 1, 0, 2, 0]  # (labels of narrow neighbours on rows of their own)
    for (start, end, label), color, level in zip(parts, colors, levels):
        end = min(end, len(text))
        middle = (start + end) / 2
        ax.plot([start + 0.1, start + 0.1, end - 0.1, end - 0.1], [0.45, 0.7, 0.7, 0.45], color=color, lw=1.2)
        y = 0.95 + 0.95 * level
        if level:
            ax.plot([middle, middle], [0.7, y - 0.05], color=color, lw=0.6)
        ax.text(
            middle,
            y,
            label,
            ha="center",
            va="top",
            fontsize=8,
            color=color,
            linespacing=1.25,
            bbox={"fc": "white", "ec": "none", "pad": 0.3},
        )
    ax.text(
        0,
        3.7,
        "clean(text).byline → Byline(kind='dateline', location=…, date=…, agency=…, raw=…)",
        fontsize=8,
        color="#444",
        va="center",
    )
    return _svg(fig)


def duplicate_group() -> tuple[dict[str, str], list[tuple[dict[str, str], float]]]:
    """The largest group that ``newsclean dedup`` makes of ``examples/stories.jsonl`` (the
    first such, in input order): the kept story and its copies with their similarities."""
    import json

    from newsclean import DedupIndex

    stories = [json.loads(line) for line in STORIES.read_text(encoding="utf-8").splitlines() if line.strip()]
    results = DedupIndex().add_many([s["text"] for s in stories], [s["id"] for s in stories])
    by_id = {s["id"]: s for s in stories}
    groups: dict[str, list[tuple[dict[str, str], float]]] = {}
    for story, result in zip(stories, results):
        if result.duplicate_of is not None and result.similarity is not None:
            groups.setdefault(result.duplicate_of, []).append((story, result.similarity))
    kept = max(groups, key=lambda k: len(groups[k]))  # (max keeps the first of equals)
    return by_id[kept], groups[kept]


def duplicate_group_svg() -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyBboxPatch

    kept, copies = duplicate_group()
    n = len(copies)
    fig = plt.figure(figsize=(10.0, 0.9 * n + 1.0))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 100)
    ax.set_ylim(n * 9 + 8, -2)
    ax.axis("off")

    def card(x: float, y: float, story: dict[str, str], color: str) -> None:
        ax.add_patch(
            FancyBboxPatch((x, y - 3), 40, 6, boxstyle="round,pad=0.3,rounding_size=1", fc=color, ec="#555", lw=1)
        )
        host = story.get("url", "").split("/")[2] if story.get("url", "").count("/") >= 2 else ""
        ax.text(x + 1, y - 1.3, f"{story['id']}  {host}", fontsize=8.5, weight="bold", va="center")
        first = story["text"].split("\n")[0]
        ax.text(x + 1, y + 1.3, _cut(first, 62), fontsize=7.5, va="center", color="#333")

    middle = (n - 1) * 9 / 2 + 3
    card(2, middle, kept, "#e8f5e9")
    ax.text(22, middle + 5.2, "kept (the first seen): its own group", ha="center", fontsize=8, color="#2e7d32")
    for k, (story, similarity) in enumerate(copies):
        y = k * 9 + 3
        card(58, y, story, "#fdecea")
        ax.annotate("", xy=(58, y), xytext=(42.6, middle), arrowprops={"arrowstyle": "<-", "color": "#777", "lw": 1})
        ax.text(
            50,
            (y + middle) / 2 - 0.8,
            f"{similarity:.2f}",
            ha="center",
            fontsize=8.5,
            color="#b71c1c",
            bbox={"fc": "white", "ec": "none", "pad": 0.5},
        )
    ax.text(
        2,
        n * 9 + 5,
        f"newsclean dedup --groups: {kept['id']} and its {n} copies in examples/stories.jsonl "
        "(Jaccard similarity of the story bodies' word 3-grams)",
        fontsize=8.5,
        color="#444",
    )
    return _svg(fig)


BENCH_INDEX = ROOT / "docs" / "benchmarks-index.md"


def index_throughput() -> list[tuple[str, float, float, float]]:
    """The rows of the throughput table in docs/benchmarks-index.md: ``(method, median,
    min, max)`` documents per second."""
    import re

    text = BENCH_INDEX.read_text(encoding="utf-8")
    section = text[text.index("1. add+query throughput") : text.index("2. memory")]
    rows = []
    for line in section.splitlines():
        m = re.match(r"^(\S.*?)\s{2,}(\d+) \[(\d+)-(\d+)\]$", line)
        if m:
            rows.append((m[1], float(m[2]), float(m[3]), float(m[4])))
    return rows


def index_throughput_png() -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = index_throughput()[::-1]
    fig, ax = plt.subplots(figsize=(8.0, 0.42 * len(rows) + 1.2), dpi=110)
    y = list(range(len(rows)))
    medians = [r[1] for r in rows]
    low = [r[1] - r[2] for r in rows]
    high = [r[3] - r[1] for r in rows]
    colors = ["#c62828" if r[0].startswith("newsclean") else "#78909c" for r in rows]
    ax.barh(y, medians, xerr=[low, high], color=colors, capsize=3, height=0.6)
    ax.set_yticks(y, [r[0] for r in rows], fontsize=8.5)
    ax.set_xscale("log")
    for k, row in enumerate(rows):
        ax.text(row[3] * 1.1, k, f"{row[1]:,.0f}", va="center", fontsize=8)  # (beyond the bar's max)
    ax.set_xlim(min(r[2] for r in rows) / 2, max(r[3] for r in rows) * 3)
    ax.set_xlabel("documents per second, add + query (log scale): median, bars min–max")
    ax.set_title("The cross-document index, 20,000 documents (docs/benchmarks-index.md)", fontsize=10)
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


if __name__ == "__main__":
    main(Path(__file__).resolve().parent / "_generated")
