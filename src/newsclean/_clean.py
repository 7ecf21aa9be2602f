"""The Cleaner: the whole pipeline of ``clean()``, top to bottom."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from typing import Any

from ._bylines.credits import Credits, default_credits
from ._options import Options
from ._repeats import BoilerplateIndex, find_boilerplate, find_repeats
from ._result import CleanResult, Removal
from ._text import layout
from ._text.normalize import keys_and_codes


class Cleaner:
    """Cleans documents with one set of options. Configure once, call many times.

    A Cleaner holds only immutable state (its options and the compiled credit
    patterns), so one instance is safe to share across threads.

    >>> cleaner = Cleaner(threshold=0.9)
    >>> cleaner.clean("Ha Noi hosts the summit.\\nHa Noi hosts the summit.").text
    'Ha Noi hosts the summit.\\n'

    Two cleaners are equal when their options are: ``Cleaner() == Cleaner(threshold=0.8)``.
    """

    def __init__(self, options: Options | None = None, /, **changes: Any) -> None:
        base = options if options is not None else Options()
        self.options: Options = base.replace(**changes) if changes else base
        self._credits: Credits = default_credits()

    def __repr__(self) -> str:
        return f"Cleaner({self.options!r})"

    def __eq__(self, other: object) -> bool:
        # The options are the whole state (see __reduce__): two cleaners with equal
        # options clean alike, and a cleaner equals its pickled copy.
        if type(other) is not type(self):
            return NotImplemented
        return self.options == other.options

    def __hash__(self) -> int:
        return hash(self.options)

    def __reduce__(self) -> tuple[type[Cleaner], tuple[Options]]:
        # The options are the whole state: the credit patterns are the packaged registry's,
        # which the receiving process builds once (or has built) rather than unpickling 45 kB
        # of patterns with every cleaner sent to a worker.
        return (Cleaner, (self.options,))

    def clean(self, text: str, *, index: BoilerplateIndex | None = None) -> CleanResult:
        """Remove repeated paragraphs and take out agency credits and datelines.

        With an ``index`` (any ``BoilerplateIndex``: a ``DedupIndex``, a ``RedisIndex``),
        the paragraphs it knows as site boilerplate (seen in at least ``boilerplate_min_docs``
        documents) are removed too (rule ``boilerplate``).
        """
        return self._clean(text, index)[0]

    def clean_many(
        self, texts: Iterable[str], *, workers: int | None = None, mp_context: Any = None
    ) -> list[CleanResult]:
        """``clean()`` of every text, in order: the same results as one call at a time,
        made in ``workers`` processes.

        ``workers``: processes to clean in (default: every core the process may use once the
        texts hold a million characters or more, where starting them gains; else 1, this
        process alone). ``mp_context``: the ``multiprocessing`` context the workers are
        started with (default: fork where the platform has it, else the platform's
        default); under ``spawn`` or ``forkserver`` the cleaner is pickled to each worker once.

        >>> [r.text for r in Cleaner().clean_many(["Trade rose.-VNA", "A.\\nA."], workers=2)]
        ['Trade rose.', 'A.\\n']
        """
        from . import _parallel
        from ._text.normalize import slices

        texts = texts if isinstance(texts, Sequence) else list(texts)
        if workers is None:
            big = sum(len(t) if isinstance(t, str) else 0 for t in texts) >= _parallel.PARALLEL_MIN_CHARS
            workers = _parallel.cores() if big else 1
        workers = _parallel.check_workers(workers)
        if workers == 1 or len(texts) < 2:
            return [self.clean(t) for t in texts]
        # Batches small enough that every worker gets several (they finish together).
        per_batch = max(1, min(_parallel.BATCH_TEXTS, -(-len(texts) // (4 * workers))))
        out: list[CleanResult] = []
        with _parallel.InOrder(workers, self, mp_context) as jobs:
            for a, b in slices([t if isinstance(t, str) else "" for t in texts], per_batch, _parallel.BATCH_CHARS):
                for done in jobs.submit(_parallel.clean_texts, texts[a:b]):
                    out += done
            for done in jobs.drain():
                out += done
        return out

    def body(self, text: str) -> list[str]:
        """The story body, as printed paragraphs: credits and datelines taken out as
        ``clean()`` takes them out (whatever this cleaner's ``byline`` policy), repeated
        paragraphs left in. This is what documents are compared on across outlets: a
        shingle set holds a repeated paragraph once, so repeats need not be found first.

        >>> Cleaner().body("HANOI (VNA) — Viet Nam and Laos signed a deal.\\nTrade rose.-VNA")
        ['Viet Nam and Laos signed a deal.', 'Trade rose.']
        """
        if not isinstance(text, str):
            raise TypeError(f"body() takes a str, not {type(text).__name__}")
        paragraphs = layout.split(text)
        kept, _ = self._credits.extract([(i, p.text) for i, p in enumerate(paragraphs)], "extract")
        return [t for i, t in kept if i >= 0]

    def _clean(self, text: str, index: BoilerplateIndex | None = None) -> tuple[CleanResult, list[str]]:
        """``clean()``, and the printed paragraphs (what the index fingerprints)."""
        if not isinstance(text, str):
            raise TypeError(f"clean() takes a str, not {type(text).__name__}")
        options = self.options
        paragraphs = layout.split(text)
        texts = [p.text for p in paragraphs]

        # 1. Repeats, compared on keys that leave out datelines and credits. The datelines
        # found on the way are kept for step 2.
        repeats = []
        datelines = None
        if options.dedupe_paragraphs or index is not None:
            datelines = [self._credits.dateline(t, i) for i, t in enumerate(texts)]
            keys, codes = keys_and_codes([self._credits.body_given(t, d) for t, d in zip(texts, datelines)])
        if options.dedupe_paragraphs:
            repeats = find_repeats(keys, options, texts, codes)
        if index is not None:
            repeats = sorted(repeats + find_boilerplate(keys, index, {r.index for r in repeats}))
        removed = {r.index for r in repeats}
        kept = [(i, t) for i, t in enumerate(texts) if i not in removed]
        end = paragraphs[kept[-1][0]].sep if kept else ""

        # 2. Credits and datelines, on what is left.
        kept, credits = self._credits.extract(kept, options.byline, datelines)

        # 3. Print, each paragraph followed by its own separator. A rewritten credit
        # (index -1) is a last paragraph of its own and ends as the document did.
        seps = [paragraphs[i].sep if i >= 0 else end for i, _ in kept]
        if len(kept) > 1 and kept[-1][0] < 0:
            seps[-2] = seps[-2] or "\n"
        out = layout.join(zip((t for _, t in kept), seps))

        byline = next((c for c in credits if c.kind == "dateline"), None)
        byline = byline or next((c for c in credits if c.kind == "credit"), None)
        byline = byline or (credits[0] if credits else None)
        removals = tuple(
            Removal(
                r.index,
                r.duplicate_of,
                r.similarity,
                r.rule,
                paragraphs[r.index].text,
                paragraphs[r.index].line,
                "boilerplate" if r.rule == "boilerplate" else "dedupe_paragraphs",
            )
            for r in repeats
        )
        result = CleanResult(out, byline, tuple(credits), removals, changed=out != text)
        return result, [t for _, t in kept]


@functools.lru_cache(maxsize=32)
def _cleaner(options: Options) -> Cleaner:
    return Cleaner(options)


def clean(text: str, *, index: BoilerplateIndex | None = None, **options: Any) -> CleanResult:
    """Clean one document with the default options, changed by keyword arguments.
    ``index``: as in ``Cleaner.clean``.

    >>> r = clean("HANOI (VNA) — Viet Nam and Laos signed a deal on Monday.")
    >>> r.text, r.byline.agency, r.byline.location
    ('Viet Nam and Laos signed a deal on Monday.', 'VNA', 'HANOI')
    """
    return _cleaner(_DEFAULT.replace(**options) if options else _DEFAULT).clean(text, index=index)


_DEFAULT = Options()
