"""The Scrapy pipeline (newsclean.contrib.scrapy): real crawls of pages served on loopback.

Each crawl is ``python -m scrapy runspider`` in a subprocess (a fresh Twisted reactor), of
the pages in tests/fixtures/pages served by a ThreadingHTTPServer on 127.0.0.1, with the
items exported as JSON lines. The spider visits the stories one after another, in the
order of the site's index page, so "first seen wins" is deterministic.
"""

from __future__ import annotations

import dataclasses
import http.server
import json
import os
import shutil
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import newsclean

scrapy = pytest.importorskip("scrapy")

from newsclean.contrib.scrapy import NewscleanPipeline  # noqa: E402

PAGES = Path(__file__).parent / "fixtures" / "pages"
PIPELINE = "newsclean.contrib.scrapy.NewscleanPipeline"
# Crawl order: the agency's story, an unrelated story, then a republication of the first.
STORIES = ["vna-mekong-water.html", "xinhua-grain-harvest.html", "republished-mekong-water.html"]
REPEATED = "The agreement was reached at the fifth meeting of the joint working group"
CAPTION = "A combine harvester reaps wheat in a field in Zhumadian"

SPIDER = """
from __future__ import annotations

import dataclasses

import scrapy

# Each site's article body: VietnamPlus (lead + body, which its markup holds twice),
# Xinhua (#detail), and the republishing site (.story-body).
ARTICLE = ".article__sapo, .cms-body p, #detail p, .story-body p"


@dataclasses.dataclass
class DataclassArticle:
    url: str
    title: str
    text: str
    byline: dict | None = None
    duplicate_of: str | None = None


try:
    import attrs
except ImportError:  # attrs items are only tested where attrs is installed
    AttrsArticle = None
else:

    @attrs.define
    class AttrsArticle:
        url: str
        title: str
        text: str
        byline: dict | None = None
        duplicate_of: str | None = None


class NewsSpider(scrapy.Spider):
    name = "news"

    def __init__(self, site: str = "", item: str = "dict", **kwargs):
        super().__init__(**kwargs)
        self.start_urls = [site]
        self.item = item

    def parse(self, response):
        links = [response.urljoin(href) for href in response.css("a.story::attr(href)").getall()]
        yield from self.follow(links)

    def follow(self, links):
        if links:
            yield scrapy.Request(links[0], callback=self.parse_story, cb_kwargs={"rest": links[1:]})

    def parse_story(self, response, rest):
        paragraphs = (p.xpath("normalize-space()").get() for p in response.css(ARTICLE))
        fields = {
            "url": response.url,
            "title": response.css("h1::text").get("").strip(),
            "text": "\\n".join(p for p in paragraphs if p),
        }
        if self.item == "dataclass":
            yield DataclassArticle(**fields)
        elif self.item == "attrs":
            yield AttrsArticle(**fields)
        else:
            yield fields
        yield from self.follow(rest)
"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The fixture pages and an index page linking them, on a free loopback port."""
    root = tmp_path_factory.mktemp("site")
    for name in STORIES:
        shutil.copy(PAGES / name, root / name)
    links = "\n".join(f'<li><a class="story" href="/{name}">{name}</a></li>' for name in STORIES)
    (root / "index.html").write_text(f"<html><body><ul>\n{links}\n</ul></body></html>\n", encoding="utf-8")

    def handler(*args: Any, **kwargs: Any) -> _Quiet:
        return _Quiet(*args, directory=str(root), **kwargs)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@dataclasses.dataclass
class Crawl:
    items: list[dict[str, Any]]
    log: str

    def by_page(self) -> dict[str, dict[str, Any]]:
        return {item["url"].rsplit("/", 1)[1]: item for item in self.items}

    def stat(self, name: str) -> int:
        """A counter from the stats that Scrapy dumps at the end of the crawl."""
        for line in self.log.splitlines():
            if f"'{name}':" in line:
                return int(line.split(":")[-1].strip(" ,}"))
        return 0


CrawlFn = Callable[..., Crawl]


@pytest.fixture
def crawl(site: str, tmp_path: Path) -> CrawlFn:
    runs = iter(range(1, 100))

    def crawl(*, item: str = "dict", spider: str = SPIDER, **settings: Any) -> Crawl:
        """Run ``spider`` (source code) on the site; the tests' spider takes ``item``."""
        run = next(runs)
        path = tmp_path / f"spider_{run}.py"
        path.write_text(textwrap.dedent(spider), encoding="utf-8")
        out = tmp_path / f"items-{run}.jsonl"
        args = [sys.executable, "-m", "scrapy", "runspider", str(path), "-O", f"{out}:jsonlines"]
        if spider is SPIDER:
            args += ["-a", f"site={site}/index.html", "-a", f"item={item}"]
            settings = {"ITEM_PIPELINES": {PIPELINE: 300}, **settings}
        else:
            args += ["-a", f"site={site}/"]
        base = {
            "LOG_LEVEL": "INFO",
            "TELNETCONSOLE_ENABLED": "False",
            "REMOTE_CONTROL_ENABLED": "False",  # Scrapy 2.19+ listens on a port by default
            "HTTPPROXY_ENABLED": "False",  # loopback only, whatever the environment says
            "ROBOTSTXT_OBEY": "False",
        }
        for name, value in {**base, **settings}.items():
            text = value if isinstance(value, str) else json.dumps(value)
            args += ["-s", f"{name}={text}"]
        env = {k: v for k, v in os.environ.items() if not k.startswith("SCRAPY_")}
        done = subprocess.run(args, capture_output=True, text=True, timeout=120, cwd=tmp_path, env=env)
        assert done.returncode == 0, done.stderr[-4000:]
        assert "Traceback" not in done.stderr, done.stderr[-4000:]
        ours = [w for w in done.stderr.splitlines() if "Warning" in w and "ewsclean" in w]
        assert not ours, ours  # e.g. a deprecated pipeline signature in a newer Scrapy
        lines = out.read_text(encoding="utf-8").splitlines()
        return Crawl([json.loads(line) for line in lines], done.stderr)

    return crawl


def assert_clean(items: dict[str, dict[str, Any]]) -> None:
    """The two stories are clean: the repeat and the credit gone, the bylines stored."""
    vna = items["vna-mekong-water.html"]
    assert vna["text"].count(REPEATED) == 1
    assert vna["text"].startswith("Viet Nam and Laos have agreed to share hydrological data")
    assert vna["text"].rstrip().endswith("to join the data-sharing platform at a later stage.")
    assert "-VNA" not in vna["text"]
    assert vna["byline"]["agency"] == "VNA"
    assert vna["byline"]["raw"] == "-VNA"
    assert vna["byline"]["position"] == "trailing"

    xinhua = items["xinhua-grain-harvest.html"]
    assert "(Xinhua) --" not in xinhua["text"]
    assert xinhua["text"].count(CAPTION) == 1
    assert "China has harvested more than half of its winter wheat" in xinhua["text"]
    assert xinhua["byline"]["agency"] == "XINHUA"
    assert xinhua["byline"]["raw"] == "BEIJING, June 8 (Xinhua) --"
    assert (xinhua["byline"]["location"], xinhua["byline"]["date"]) == ("BEIJING", "June 8")


# -- real crawls ----------------------------------------------------------------------------


def test_crawl_cleans_without_an_index(crawl: CrawlFn) -> None:
    result = crawl(NEWSCLEAN_FIELD="text")
    items = result.by_page()
    assert list(items) == STORIES  # no index: the republication is kept
    assert_clean(items)
    assert "duplicate_of" not in items["republished-mekong-water.html"]
    assert items["republished-mekong-water.html"]["byline"]["raw"] == "HANOI (VNA) –"
    assert result.stat("newsclean/cleaned") == 3
    assert result.stat("newsclean/paragraphs_removed") == 7  # 6 repeated paragraphs, 1 caption


def test_crawl_drops_a_republished_story_and_remembers_across_crawls(crawl: CrawlFn, site: str, tmp_path: Path) -> None:
    first = crawl(NEWSCLEAN_INDEX="index/stories.nci")  # drop mode is the default
    items = first.by_page()
    assert list(items) == STORIES[:2]
    assert_clean(items)
    assert first.stat("item_dropped_count") == 1
    assert first.stat("newsclean/duplicates") == 1
    assert f"newsclean: duplicate of {site}/vna-mekong-water.html (similarity 0.93" in first.log
    assert (tmp_path / "index" / "stories.nci").is_file()

    # The next crawl, in mark mode: the two stories were seen by the first crawl (under the
    # same URLs), the republication duplicates the VNA story.
    second = crawl(NEWSCLEAN_INDEX="index/stories.nci", NEWSCLEAN_DUPLICATES="mark")
    assert "index index/stories.nci holds 2 stories" in second.log
    items = second.by_page()
    assert list(items) == STORIES
    assert_clean(items)
    marks = {page: item["duplicate_of"] for page, item in items.items()}
    assert marks == {
        "vna-mekong-water.html": f"{site}/vna-mekong-water.html",
        "xinhua-grain-harvest.html": f"{site}/xinhua-grain-harvest.html",
        "republished-mekong-water.html": f"{site}/vna-mekong-water.html",
    }


def test_crawl_with_dataclass_items_marks_a_republished_story(crawl: CrawlFn, site: str) -> None:
    result = crawl(item="dataclass", NEWSCLEAN_INDEX="stories.nci", NEWSCLEAN_DUPLICATES="mark")
    items = result.by_page()
    assert list(items) == STORIES
    assert_clean(items)
    assert items["vna-mekong-water.html"]["duplicate_of"] is None
    assert items["xinhua-grain-harvest.html"]["duplicate_of"] is None
    assert items["republished-mekong-water.html"]["duplicate_of"] == f"{site}/vna-mekong-water.html"
    assert items["republished-mekong-water.html"]["byline"]["raw"] == "HANOI (VNA) –"


def test_crawl_with_attrs_items_drops_a_republished_story(crawl: CrawlFn) -> None:
    pytest.importorskip("attrs")
    result = crawl(item="attrs", NEWSCLEAN_INDEX="stories.nci", NEWSCLEAN_DUPLICATES="drop")
    items = result.by_page()
    assert list(items) == STORIES[:2]
    assert_clean(items)
    assert result.stat("item_dropped_count") == 1


@pytest.mark.redis
def test_crawl_with_a_redis_index(crawl: CrawlFn, redis_url: str, site: str) -> None:
    pytest.importorskip("redis")
    namespace = f"scrapy-test-{os.getpid()}"
    settings = {"NEWSCLEAN_REDIS_URL": redis_url, "NEWSCLEAN_REDIS_NAMESPACE": namespace}
    result = crawl(NEWSCLEAN_DUPLICATES="mark", **settings)
    items = result.by_page()
    assert_clean(items)
    assert items["republished-mekong-water.html"]["duplicate_of"] == f"{site}/vna-mekong-water.html"
    # A second crawler sharing the namespace (another machine of the fleet) drops them all.
    again = crawl(**settings)
    assert again.items == []
    assert again.stat("item_dropped_count") == 3


def test_disabled_pipeline_leaves_items_alone(crawl: CrawlFn) -> None:
    result = crawl(NEWSCLEAN_ENABLED="False")
    items = result.by_page()
    assert list(items) == STORIES
    assert items["vna-mekong-water.html"]["text"].count(REPEATED) == 2
    assert "byline" not in items["vna-mekong-water.html"]


def test_the_recipes_spider(crawl: CrawlFn) -> None:
    """The spider of docs/recipes/scrapy.md, as printed there, enables the pipeline itself."""
    recipe = (Path(__file__).resolve().parent.parent / "docs" / "recipes" / "scrapy.md").read_text(encoding="utf-8")
    spider = next(block for block in recipe.split("```python\n")[1:] if "class NewsSpider" in block)
    spider = spider.split("```")[0]
    first = crawl(spider=spider)
    items = first.by_page()
    # Its requests run concurrently: whichever copy of the Mekong story came first is kept.
    assert len(items) == 2 and "xinhua-grain-harvest.html" in items
    mekong = items.get("vna-mekong-water.html") or items["republished-mekong-water.html"]
    assert mekong["text"].count(REPEATED) == 1 and "-VNA" not in mekong["text"]
    assert mekong["byline"]["agency"] == "VNA"
    assert items["xinhua-grain-harvest.html"]["byline"]["location"] == "BEIJING"
    assert "(Xinhua) --" not in items["xinhua-grain-harvest.html"]["text"]
    assert first.stat("item_dropped_count") == 1
    again = crawl(spider=spider)  # the recipe's stories.nci remembers all three
    assert again.items == [] and again.stat("item_dropped_count") == 3


# -- the pipeline without a crawl ------------------------------------------------------------


def pipeline(**settings: Any) -> NewscleanPipeline:
    from scrapy.utils.test import get_crawler

    return NewscleanPipeline.from_crawler(get_crawler(settings_dict=settings))


def test_not_configured_when_disabled() -> None:
    from scrapy.exceptions import NotConfigured

    with pytest.raises(NotConfigured):
        pipeline(NEWSCLEAN_ENABLED=False)
    with pytest.raises(NotConfigured):
        pipeline(NEWSCLEAN_ENABLED="0")
    assert isinstance(pipeline(), NewscleanPipeline)


def test_settings_are_read_and_checked() -> None:
    made = pipeline(
        NEWSCLEAN_FIELD="body",
        NEWSCLEAN_OPTIONS={"threshold": 0.9, "byline": "keep"},
        NEWSCLEAN_INDEX_PARAMS='{"threshold": 0.7}',
        NEWSCLEAN_BYLINE_FIELD=None,
    )
    assert made.field == "body"
    assert made.cleaner.options == newsclean.Options(threshold=0.9, byline="keep")
    assert made.index_params == newsclean.IndexParams(threshold=0.7)
    assert made.byline_field is None
    with pytest.raises(newsclean.OptionsError, match="NEWSCLEAN_OPTIONS: unknown option 'treshold'"):
        pipeline(NEWSCLEAN_OPTIONS={"treshold": 0.9})
    with pytest.raises(newsclean.OptionsError, match="NEWSCLEAN_INDEX_PARAMS: unknown parameter"):
        pipeline(NEWSCLEAN_INDEX_PARAMS={"treshold": 0.9})
    with pytest.raises(newsclean.OptionsError, match="'drop' or 'mark'"):
        pipeline(NEWSCLEAN_DUPLICATES="delete")
    with pytest.raises(newsclean.OptionsError, match="not both"):
        pipeline(NEWSCLEAN_INDEX="x.nci", NEWSCLEAN_REDIS_URL="redis://127.0.0.1:1/0")


STORY = (
    "HANOI (VNA) — The central bank kept its policy rate unchanged on Tuesday, citing risks to growth.\n"
    "Analysts had expected the decision after inflation eased for a third month in a row.\n"
    "The central bank kept its policy rate unchanged on Tuesday, citing risks to growth.\n"
)


@dataclasses.dataclass
class Bare:
    """An item class that declares neither a byline nor a duplicate field."""

    url: str
    text: str


def test_items_without_the_field_pass_untouched() -> None:
    made = pipeline()
    assert made.process_item({"url": "u", "title": "t"}) == {"url": "u", "title": "t"}
    assert made.process_item({"text": None}) == {"text": None}
    with pytest.raises(TypeError, match="holds list, not str"):
        made.process_item({"text": ["a", "b"]})


def test_undeclared_fields(caplog: pytest.LogCaptureFixture, tmp_path: Path) -> None:
    made = pipeline(NEWSCLEAN_REPORT_FIELD="newsclean")
    item = made.process_item(Bare("u", STORY))
    assert item.text.count("central bank") == 1 and "(VNA)" not in item.text
    assert caplog.text.count("Bare items have no field 'byline'") == 1
    assert "set NEWSCLEAN_BYLINE_FIELD to None" in caplog.text
    made.process_item(Bare("v", STORY))
    assert caplog.text.count("Bare items have no field 'byline'") == 1  # warned once per class

    marking = pipeline(NEWSCLEAN_INDEX=str(tmp_path / "i.nci"), NEWSCLEAN_DUPLICATES="mark")
    marking.open_spider()
    with pytest.raises(KeyError, match="Bare items have no field 'duplicate_of'"):
        marking.process_item(Bare("u", STORY))
    assert len(marking.index) == 0  # the index did not learn a story it could not mark
    marking.close_spider()


def test_report_field_and_ids() -> None:
    from scrapy.exceptions import DropItem

    made = pipeline(NEWSCLEAN_REPORT_FIELD="newsclean", NEWSCLEAN_INDEX_PARAMS={"threshold": 0.8})
    made.index = newsclean.DedupIndex(made.index_params)  # as open_spider does, without a file
    first = made.process_item({"text": STORY})
    assert first["newsclean"]["removed"][0]["rule"] == "exact_repeat"
    assert first["byline"]["location"] == "HANOI"
    # Without a url, a story is named by a hash of its text.
    with pytest.raises(DropItem, match=r"duplicate of text:[0-9a-f]{32} \(similarity 1.000\)"):
        made.process_item({"text": STORY.replace("HANOI (VNA) — ", "")})


def test_scrapy_item_class() -> None:
    from scrapy import Field, Item

    class Article(Item):
        url = Field()
        text = Field()
        byline = Field()

    item = pipeline().process_item(Article(url="u", text=STORY))
    assert isinstance(item, Article)
    assert item["text"].count("central bank") == 1
    assert item["byline"]["agency"] == "VNA"


def test_boilerplate_setting() -> None:
    footer = "Follow Mekong Business Daily on Facebook and X for the latest regional business news."
    stories = [
        "Rice exports from the delta rose sharply this season, traders said on Monday.",
        "A new bridge across the river will open to traffic next month, the province said.",
        "The stock market closed higher on Tuesday, led by strong gains in bank shares.",
    ]
    for setting, kept in ((True, False), (False, True)):
        made = pipeline(NEWSCLEAN_BOILERPLATE=setting, NEWSCLEAN_INDEX_PARAMS={"boilerplate_min_docs": 2})
        made.index = newsclean.DedupIndex(made.index_params)
        items = [made.process_item({"url": str(n), "text": f"{story}\n{footer}"}) for n, story in enumerate(stories)]
        # The footer is boilerplate once the index holds two stories that carry it.
        assert (footer in items[2]["text"]) is kept
        assert footer in items[0]["text"] and footer in items[1]["text"]


def test_import_newsclean_does_not_import_scrapy() -> None:
    code = (
        "import sys, newsclean, newsclean.contrib, newsclean.contrib.scrapy;"
        "print(' '.join(m for m in ('scrapy', 'twisted', 'itemadapter') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""
