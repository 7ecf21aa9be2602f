"""The Scrapy pipeline's drops at NEWSCLEAN_DROP_LOG_LEVEL, and its stats (kept, dropped,
credits by agency): real crawls, as in test_scrapy."""

from __future__ import annotations

from pathlib import Path

import pytest

scrapy = pytest.importorskip("scrapy")

from . import test_scrapy as base  # noqa: E402
from .test_scrapy import STORIES, STORY, CrawlFn, pipeline  # noqa: E402

site, crawl = base.site, base.crawl  # (test_scrapy's fixtures: the site on loopback, a crawl of it)

DROPPED = "Dropped: newsclean: duplicate of"


def test_a_crawl_drops_at_info_by_default_and_counts(crawl: CrawlFn, site: str) -> None:
    done = crawl(NEWSCLEAN_INDEX="stories.nci")
    assert list(done.by_page()) == STORIES[:2]
    assert f"INFO: {DROPPED} {site}/vna-mekong-water.html" in done.log
    assert f"WARNING: {DROPPED}" not in done.log
    stats = {name: done.stat(f"newsclean/{name}") for name in ("cleaned", "kept", "dropped", "duplicates")}
    assert stats == {"cleaned": 3, "kept": 2, "dropped": 1, "duplicates": 1}
    by_agency = {agency: done.stat(f"newsclean/credits/{agency}") for agency in ("VNA", "XINHUA")}
    assert by_agency["VNA"] >= 2 and by_agency["XINHUA"] >= 1  # (the story and its republication; Xinhua's)
    assert sum(by_agency.values()) == done.stat("newsclean/credits")


@pytest.mark.parametrize("level, shown", [("DEBUG", None), ("warning", "WARNING")])
def test_drop_log_level(crawl: CrawlFn, level: str, shown: str | None) -> None:
    done = crawl(NEWSCLEAN_INDEX="stories.nci", NEWSCLEAN_DROP_LOG_LEVEL=level)  # (the crawl logs at INFO)
    assert done.stat("item_dropped_count") == 1
    if shown is None:
        assert DROPPED not in done.log
    else:
        assert f"{shown}: {DROPPED}" in done.log


def test_mark_mode_keeps_and_counts_no_drop(crawl: CrawlFn) -> None:
    done = crawl(item="dataclass", NEWSCLEAN_INDEX="stories.nci", NEWSCLEAN_DUPLICATES="mark")
    assert (done.stat("newsclean/kept"), done.stat("newsclean/duplicates"), done.stat("newsclean/dropped")) == (2, 1, 0)


def test_drop_log_level_setting(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import scrapy.exceptions

    import newsclean

    assert pipeline().drop_log_level == "INFO"
    assert pipeline(NEWSCLEAN_DROP_LOG_LEVEL="debug").drop_log_level == "DEBUG"
    assert pipeline(NEWSCLEAN_DROP_LOG_LEVEL=30).drop_log_level == "WARNING"
    with pytest.raises(ValueError, match="NEWSCLEAN_DROP_LOG_LEVEL must be a logging level .*got 'LOUD'"):
        pipeline(NEWSCLEAN_DROP_LOG_LEVEL="LOUD")
    made = pipeline(NEWSCLEAN_DROP_LOG_LEVEL="DEBUG")
    made.index = newsclean.DedupIndex()
    made.process_item({"url": "a", "text": STORY})
    with pytest.raises(scrapy.exceptions.DropItem) as dropped:
        made.process_item({"url": "b", "text": STORY})
    assert dropped.value.log_level == "DEBUG"

    class OldDropItem(Exception):  # Scrapy before 2.13: no log_level
        def __init__(self, message: str) -> None:
            super().__init__(message)

    monkeypatch.setattr(scrapy.exceptions, "DropItem", OldDropItem)
    with pytest.raises(OldDropItem, match="duplicate of a"):
        made.process_item({"url": "c", "text": STORY})
