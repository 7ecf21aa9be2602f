"""A Scrapy item pipeline: clean a text field, and drop or mark near-duplicate stories.

Two settings enable it (``pip install 'newsclean[scrapy]'``)::

    ITEM_PIPELINES = {"newsclean.contrib.scrapy.NewscleanPipeline": 300}
    NEWSCLEAN_FIELD = "text"

Each item's text field is cleaned (repeated paragraphs removed, agency credits and datelines
taken out) and the byline is stored in the item. With an index (``NEWSCLEAN_INDEX``, a file
kept across runs, or ``NEWSCLEAN_REDIS_URL``, shared by a fleet of crawlers), a story that
near-duplicates one seen before is dropped (``DropItem``) or marked. The settings:

``NEWSCLEAN_ENABLED`` (default ``True``)
    ``False`` disables the pipeline (it raises ``NotConfigured``).
``NEWSCLEAN_FIELD`` (default ``"text"``)
    The field to clean. An item without it, or with ``None`` in it, passes untouched.
``NEWSCLEAN_OPTIONS`` (default ``{}``)
    Keyword arguments of ``newsclean.Options``.
``NEWSCLEAN_BYLINE_FIELD`` (default ``"byline"``)
    Where the byline goes (``Byline.to_dict()``, or ``None`` when there is none); set the
    setting to ``None`` to store none.
``NEWSCLEAN_REPORT_FIELD`` (default ``None``)
    If set, where ``CleanResult.to_dict()`` goes (byline, credits, removed paragraphs).
``NEWSCLEAN_INDEX`` (default ``None``)
    An index file: the ``DedupIndex`` is loaded when the spider opens (if the file exists)
    and saved, atomically, when it closes.
``NEWSCLEAN_REDIS_URL`` (default ``None``), ``NEWSCLEAN_REDIS_NAMESPACE`` (default ``"newsclean"``)
    Or a ``RedisIndex`` at this URL, under this key prefix (needs ``newsclean[redis]``).
    Its round trips run in the reactor's thread pool, so a slow Redis does not stall the
    crawl: ``process_item`` returns a coroutine that Scrapy awaits. Each item still goes through its steps
    in order (cleaned, then looked up and added, then passed, marked or dropped); items
    in flight at once reach Redis in any order, as the crawlers of a fleet do.
``NEWSCLEAN_INDEX_PARAMS`` (default ``{}``)
    Keyword arguments of ``newsclean.IndexParams`` (``threshold``, ...).
``NEWSCLEAN_ID_FIELD`` (default ``"url"``)
    The field that names a story in the index; an item without it is named by a hash of
    its text.
``NEWSCLEAN_DUPLICATES`` (default ``"drop"``)
    ``"drop"`` raises ``DropItem``; ``"mark"`` keeps the item and sets the field below.
``NEWSCLEAN_DUPLICATE_FIELD`` (default ``"duplicate_of"``)
    With ``"mark"``: the id of the story it duplicates, ``None`` for a new one.
``NEWSCLEAN_BOILERPLATE`` (default ``False``)
    With an index: also remove paragraphs that the index has seen in many stories (site
    boilerplate).
``NEWSCLEAN_DROP_LOG_LEVEL`` (default ``"INFO"``)
    The level Scrapy logs a dropped duplicate at (a level name or number): a crawl of a
    syndicated site drops many, which are no warning. Scrapy 2.13 and later take it with
    the ``DropItem``; older versions log drops at their own level (``WARNING``).

The crawl's stats count, under ``newsclean/``: ``cleaned`` and ``changed`` items,
``paragraphs_removed``, ``credits`` (and ``credits/AGENCY`` for each agency, ``credits/VNA``),
``kept`` (cleaned items passed on as new stories), ``duplicates`` (dropped or marked),
``dropped`` and ``skipped`` (items without the field).

Stories are compared on their clean body, as ``newsclean dedup`` compares them, so a story
crawled again in a later run (same id) and a republication on another site (other id, same
body) are both duplicates. Items may be dicts, ``scrapy.Item``, dataclass or attrs objects
(through ``itemadapter``); classes with declared fields must declare the fields the pipeline
writes (the byline and report fields are skipped, with one warning, where not declared).

This module imports Scrapy only when Scrapy uses the pipeline; ``import newsclean`` never
imports it.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from .._clean import Cleaner
from .._errors import OptionsError
from .._options import Options
from .._redact import redact
from .._result import CleanResult
from .._similarity.hashing import text_digest
from ..index import AddResult, Index, IndexParams, open_index

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings
    from scrapy.statscollectors import StatsCollector

__all__ = ["NewscleanPipeline"]

logger = logging.getLogger(__name__)

Duplicates = Literal["drop", "mark"]
_DUPLICATES = ("drop", "mark")


class NewscleanPipeline:
    """Clean one text field of every item; with an index, drop or mark duplicate stories.

    Made by Scrapy through ``from_crawler`` from the ``NEWSCLEAN_*`` settings (see the
    module's docstring); the keyword arguments here are the same settings, by value.
    """

    def __init__(
        self,
        *,
        field: str = "text",
        options: Options | None = None,
        byline_field: str | None = "byline",
        report_field: str | None = None,
        index_path: str | Path | None = None,
        redis_url: str | None = None,
        redis_namespace: str = "newsclean",
        index_params: IndexParams | None = None,
        id_field: str | None = "url",
        duplicates: Duplicates = "drop",
        duplicate_field: str = "duplicate_of",
        boilerplate: bool = False,
        drop_log_level: str | int = "INFO",
        stats: StatsCollector | None = None,
    ) -> None:
        if duplicates not in _DUPLICATES:
            raise OptionsError(f"NEWSCLEAN_DUPLICATES must be 'drop' or 'mark', got {duplicates!r}")
        if index_path is not None and redis_url is not None:
            raise OptionsError("set NEWSCLEAN_INDEX (a file) or NEWSCLEAN_REDIS_URL, not both")
        if not field:
            raise OptionsError("NEWSCLEAN_FIELD must name a field")
        self.field = field
        self.cleaner = Cleaner(options)
        self.byline_field = byline_field or None
        self.report_field = report_field or None
        self.index_path = Path(index_path) if index_path is not None else None
        self.redis_url = redis_url
        self.redis_namespace = redis_namespace
        self.index_params = index_params
        self.id_field = id_field or None
        self.duplicates: Duplicates = duplicates
        self.duplicate_field = duplicate_field
        self.boilerplate = boilerplate
        self.drop_log_level: str = _log_level(drop_log_level)
        self.stats = stats
        self.index: Index | None = None  # a DedupIndex or a RedisIndex while the spider is open
        self._warned: set[tuple[type, str]] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> NewscleanPipeline:
        """Read the ``NEWSCLEAN_*`` settings; ``NotConfigured`` when ``NEWSCLEAN_ENABLED`` is false."""
        from scrapy.exceptions import NotConfigured

        settings = crawler.settings
        if not settings.getbool("NEWSCLEAN_ENABLED", True):
            raise NotConfigured("NEWSCLEAN_ENABLED is False")
        return cls(
            field=settings.get("NEWSCLEAN_FIELD") or "text",
            options=_options(settings),
            byline_field=_name_or_none(settings, "NEWSCLEAN_BYLINE_FIELD", "byline"),
            report_field=settings.get("NEWSCLEAN_REPORT_FIELD"),
            index_path=settings.get("NEWSCLEAN_INDEX") or None,
            redis_url=settings.get("NEWSCLEAN_REDIS_URL") or None,
            redis_namespace=settings.get("NEWSCLEAN_REDIS_NAMESPACE") or "newsclean",
            index_params=_index_params(settings),
            id_field=_name_or_none(settings, "NEWSCLEAN_ID_FIELD", "url"),
            duplicates=settings.get("NEWSCLEAN_DUPLICATES") or "drop",
            duplicate_field=settings.get("NEWSCLEAN_DUPLICATE_FIELD") or "duplicate_of",
            boilerplate=settings.getbool("NEWSCLEAN_BOILERPLATE", False),
            drop_log_level=settings.get("NEWSCLEAN_DROP_LOG_LEVEL") or "INFO",
            stats=crawler.stats,
        )

    # -- the spider's life ---------------------------------------------------------------

    def open_spider(self, spider: Spider | None = None) -> None:
        """Open the index: load the file if it exists, or connect to Redis."""
        if self.redis_url is None and self.index_path is None:
            return
        if self.index_path is not None and not self.index_path.exists():
            # Fail now, not when the crawl is over, if the file cannot be written there.
            self.index_path.parent.mkdir(parents=True, exist_ok=True)
        self.index = open_index(
            self.index_path, redis_url=self.redis_url, params=self.index_params, namespace=self.redis_namespace
        )
        if self.redis_url is not None:
            logger.info("newsclean: index %r on Redis at %s", self.redis_namespace, redact(self.redis_url))
        else:
            logger.info("newsclean: index %s holds %d stories", self.index_path, len(self.index))

    def close_spider(self, spider: Spider | None = None) -> None:
        """Save the file index (atomically), or close the Redis connection."""
        index, self.index = self.index, None
        if index is None:
            return
        index.close()
        if self.index_path is not None:
            logger.info("newsclean: saved %d stories to %s", len(index), self.index_path)

    # -- items ---------------------------------------------------------------------------

    def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        """Clean the field; with an index, drop (``DropItem``) or mark a duplicate story.

        With a Redis index, in a crawl (the reactor running), returns a coroutine (which
        Scrapy awaits) that gives the item, or raises ``DropItem``, once Redis has answered:
        the round trip runs in the reactor's thread pool (``REACTOR_THREADPOOL_MAXSIZE``),
        never in the reactor's thread. Called outside a running reactor, it asks Redis at
        once and returns the item."""
        from itemadapter import ItemAdapter

        adapter = ItemAdapter(item)
        text = adapter.get(self.field)
        if text is None:
            self._inc("newsclean/skipped")
            return item
        if not isinstance(text, str):
            raise TypeError(f"newsclean: field {self.field!r} holds {type(text).__name__}, not str")

        boilerplate = self.index if self.boilerplate and self.index is not None else None
        result = self.cleaner.clean(text, index=boilerplate)
        self._record(result)
        adapter[self.field] = result.text
        if self.byline_field is not None and self._can_set(adapter, self.byline_field, "BYLINE"):
            adapter[self.byline_field] = result.byline.to_dict() if result.byline else None
        if self.report_field is not None and self._can_set(adapter, self.report_field, "REPORT"):
            adapter[self.report_field] = result.to_dict()

        index = self.index
        if index is None:
            self._inc("newsclean/kept")
            return item
        if self.duplicates == "mark":
            self._can_set(adapter, self.duplicate_field, "DUPLICATE")  # before the index learns it
        doc_id = self._id(adapter, text)
        if self.redis_url is not None and _reactor_running():
            # A round trip to Redis waits on the network: it runs in the reactor's thread
            # pool, so the crawl goes on meanwhile, and the item's decision is made when it
            # returns, in the reactor's thread (in the same order of steps as below).
            return self._ask_redis(index, text, doc_id, item, adapter)
        return self._decided(index.add(text, id=doc_id), item, adapter)

    async def _ask_redis(self, index: Index, text: str, doc_id: str, item: Any, adapter: Any) -> Any:
        from scrapy.utils.defer import maybe_deferred_to_future
        from twisted.internet.threads import deferToThread

        # (maybe_deferred_to_future: awaitable under Twisted's reactors and asyncio's alike)
        added = await maybe_deferred_to_future(deferToThread(index.add, text, id=doc_id))
        return self._decided(added, item, adapter)

    def _decided(self, added: AddResult, item: Any, adapter: Any) -> Any:
        """Mark the item, or pass it on, or drop it, by what the index said of it."""
        if self.duplicates == "mark":
            adapter[self.duplicate_field] = added.duplicate_of
        if added.new:
            self._inc("newsclean/kept")
            return item
        self._inc("newsclean/duplicates")
        if self.duplicates == "mark":
            return item
        self._inc("newsclean/dropped")
        similarity = f"{added.similarity:.3f}" if added.similarity is not None else "?"
        raise _drop_item(f"newsclean: duplicate of {added.duplicate_of} (similarity {similarity})", self.drop_log_level)

    # -- inside --------------------------------------------------------------------------

    def _id(self, adapter: Any, text: str) -> str:
        value = adapter.get(self.id_field) if self.id_field is not None else None
        if value is not None and value != "":
            return str(value)
        return "text:" + text_digest(text)

    def _can_set(self, adapter: Any, name: str, what: str) -> bool:
        """Whether the item can take field ``name`` (dicts take any). The duplicate mark is
        required (``KeyError``); a byline or report field is skipped, with one warning."""
        from itemadapter import ItemAdapter

        cls = type(adapter.item)
        declared = ItemAdapter.get_field_names_from_class(cls)
        if declared is None or name in declared:
            return True
        message = f"newsclean: {cls.__name__} items have no field {name!r}"
        if what == "DUPLICATE":
            raise KeyError(f"{message}: declare it, or name another with NEWSCLEAN_DUPLICATE_FIELD")
        if (cls, name) not in self._warned:
            self._warned.add((cls, name))
            logger.warning("%s; not stored (declare it, or set NEWSCLEAN_%s_FIELD to None)", message, what)
        return False

    def _record(self, result: CleanResult) -> None:
        self._inc("newsclean/cleaned")
        if result.changed:
            self._inc("newsclean/changed")
        if result.removed:
            self._inc("newsclean/paragraphs_removed", len(result.removed))
        if result.credits:
            self._inc("newsclean/credits", len(result.credits))
            for credit in result.credits:
                self._inc(f"newsclean/credits/{credit.agency}")
        for r in result.removed:
            logger.debug("newsclean: removed paragraph %d (%s, similarity %.3f)", r.index, r.rule, r.similarity)

    def _inc(self, key: str, count: int = 1) -> None:
        if self.stats is not None:
            self.stats.inc_value(key, count)


def _reactor_running() -> bool:
    """Whether a Twisted reactor is running (it is imported, never installed, here)."""
    reactor = sys.modules.get("twisted.internet.reactor")
    return bool(getattr(reactor, "running", False))


def _log_level(level: str | int) -> str:
    """The name of a logging level given by name (``"info"``) or number (``20``), checked.

    >>> _log_level("info"), _log_level(10), _log_level("30")
    ('INFO', 'DEBUG', 'WARNING')
    """
    if isinstance(level, str) and level.strip().isdigit():
        level = int(level)
    if isinstance(level, int) and not isinstance(level, bool):
        name = logging.getLevelName(level)
    else:
        name = str(level).strip().upper()
    if not isinstance(name, str) or not isinstance(logging.getLevelName(name), int):
        raise OptionsError(
            f"NEWSCLEAN_DROP_LOG_LEVEL must be a logging level (DEBUG, INFO, WARNING, ...), got {level!r}"
        )
    return name


def _drop_item(message: str, level: str) -> Exception:
    """A ``DropItem`` that Scrapy logs at ``level`` where it can (2.13 and later)."""
    from scrapy.exceptions import DropItem

    try:
        # (Scrapy < 2.13 has no log_level: mypy may check against either)
        return DropItem(message, log_level=level)  # type: ignore[call-arg, unused-ignore]
    except TypeError:  # (an older Scrapy: logged at its own level)
        return DropItem(message)


def _name_or_none(settings: BaseSettings, name: str, default: str) -> str | None:
    """A field name; a setting given as None (or "", or False) turns the field off."""
    if name not in settings:
        return default
    value = settings[name]
    return str(value) if value else None


def _options(settings: BaseSettings) -> Options:
    try:
        return Options().replace(**settings.getdict("NEWSCLEAN_OPTIONS"))
    except OptionsError as err:
        raise OptionsError(f"NEWSCLEAN_OPTIONS: {err}") from None


def _index_params(settings: BaseSettings) -> IndexParams | None:
    given = settings.getdict("NEWSCLEAN_INDEX_PARAMS")
    if not given:
        return None
    known = IndexParams.__dataclass_fields__
    unknown = sorted(set(given) - set(known))
    if unknown:
        raise OptionsError(
            f"NEWSCLEAN_INDEX_PARAMS: unknown parameter {unknown[0]!r}; parameters are: {', '.join(known)}"
        )
    try:
        return IndexParams(**given)
    except OptionsError as err:
        raise OptionsError(f"NEWSCLEAN_INDEX_PARAMS: {err}") from None
