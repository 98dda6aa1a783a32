"""The Scrapy pipeline in a real crawl: pages served on 127.0.0.1, a CrawlerProcess with the pipeline
enabled from settings and a JSON Lines feed, then the items read back.

The crawl runs in a subprocess (this file run as a script: a reactor cannot start twice in one
process). The pages are written for this test: sites, people and stories are invented.
"""
import dataclasses
import json
import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import scrapy

REPO = Path(__file__).resolve().parent.parent

NAV = """<header><div class="logo"><a href="/">{site}</a></div>
<nav class="menu"><ul>{links}</ul></nav></header>"""
EN_NAV = NAV.format(site="Larchfield Courier", links="".join(
    f'<li><a href="/{word.lower()}">{word}</a></li>' for word in
    ("Home", "Local", "Business", "Weather", "Sport", "Opinion", "Subscribe")))
ZH_NAV = NAV.format(site="青石日报", links="".join(
    f'<li><a href="/c{number}">{word}</a></li>' for number, word in
    enumerate(("首页", "本地新闻", "财经", "体育", "文化", "图片", "订阅本报"))))
TW_NAV = NAV.format(site="山城日報", links="".join(
    f'<li><a href="/t{number}">{word}</a></li>' for number, word in
    enumerate(("首頁", "在地新聞", "財經", "體育", "文化", "圖片", "訂閱本報"))))
EN_FOOTER = ('<footer><p><a href="/about">About the Courier</a> | <a href="/contact">Write to us</a> | '
             '<a href="/privacy">Privacy</a></p><p>© 2026 Larchfield Courier</p></footer>')
ZH_FOOTER = ('<footer><p><a href="/about">关于我们</a> | <a href="/contact">联系本报</a> | '
             '<a href="/ads">广告服务</a></p><p>青石日报社 版权所有</p></footer>')
TW_FOOTER = ('<footer><p><a href="/about">關於我們</a> | <a href="/contact">聯絡本報</a> | '
             '<a href="/ads">廣告服務</a></p><p>山城日報社 版權所有</p></footer>')

EN_PARAGRAPHS = [
    "The public library on Orchard Row will lend seeds as well as books from next month, after volunteers "
    "spent the winter sorting more than four thousand packets donated by local gardeners.",
    "Borrowers can take up to five packets at a time with an ordinary library card. In return they are asked "
    "to let a few plants go to seed in the autumn and to bring a share of the harvest back to the library.",
    "Head librarian Petra Alvik said the idea came from a reader who kept leaving envelopes of bean seeds on "
    "the returns trolley. \"We realised people were already swapping them, so we gave them a shelf.\"",
    "The seed cabinet, an old card catalogue rescued from the basement, stands beside the gardening books. "
    "Its drawers are labelled by season rather than by plant, so that a beginner knows what to sow and when.",
    "The library will run a free sowing workshop on the first Saturday of each month until June.",
]
ZH_PARAGRAPHS = [
    "青石镇老街的社区食堂上周六正式开张，每天中午为镇上七十岁以上的老人提供一荤两素的午餐，每份只收八元。",
    "食堂设在原来的供销社仓库里，镇政府出资更换了屋顶和厨房设备，桌椅则由附近的木器厂捐赠。开张第一天，来吃饭的老人就超过了一百位。",
    "负责食堂日常运营的是二十多名志愿者，大多是刚退休的教师和医生。他们轮流买菜、掌勺和打扫，每周开一次会商量下周的菜单。",
    "镇长刘晓梅表示，如果运营顺利，明年将在镇东的两个村子再开两处分点，并考虑为行动不便的老人送餐上门。",
]
GBK_PARAGRAPHS = [
    "位于河湾村的旧粮仓经过一年的改建，日前变成了一座可以容纳两百人的乡村图书馆，藏书约一万二千册。",
    "粮仓原有的砖墙和木梁都被保留下来，设计师在屋顶开了一排天窗，让阅览区白天不必开灯。孩子们最喜欢的是二楼靠窗的绘本角。",
    "图书馆每周二至周日开放，村民凭身份证即可免费办理借书证。馆里还设有一个小小的农业资料室，收藏了村里几十年来的种植记录。",
]
BIG5_PARAGRAPHS = [
    "山城茶園今年春茶提早兩週開採，園主陳阿水說，冬天雨水充足、氣溫偏暖，新芽長得又快又整齊。",
    "為了趕上採收期，茶園向附近的大學招募了三十多名學生打工，讓他們在採茶之餘也學習製茶的基本功夫。",
    "茶園下個月將舉辦開放日，遊客可以親手揉捻茶葉，並帶走自己炒製的一小包春茶。",
]
TEASER_PARAGRAPHS = [
    "A narrowboat that sank in the Larch canal basin during the January storm was lifted out of the water on "
    "Thursday, watched by a crowd of about two hundred people lining the towpath.",
    "Two cranes raised the nineteen-metre boat in just under an hour. Its owner, retired engineer Colm Ferris, "
    "said he intended to restore it himself and have it back on the water by next summer.",
    "The canal trust said the basin would stay closed to boats until divers had checked the lock gates, which "
    "took a heavy blow when the narrowboat broke loose from its mooring.",
]
TEASERS = [
    ("Bus fares to rise by ten pence in April", "The county transport office confirmed on Monday that single "
     "fares on all routes will go up by ten pence from the first of April, the first rise in three ye"),
    ("Former mill to become a climbing centre", "Plans to turn the empty Wrenfold mill into an indoor climbing "
     "centre were approved by councillors despite objections from neighbours worried about par"),
    ("Under-twelves reach county cup final", "Larchfield Rovers' youngest team will play in the county cup final "
     "next month after beating Eastmoor four goals to two in a semi-final decided in extra ti"),
    ("New footbridge opens over the railway", "Walkers and cyclists can at last cross the railway at Hallam "
     "Lane without a detour of almost a mile, after the new footbridge opened to the pub"),
    ("Allotment waiting list passes three hundred", "The waiting list for an allotment in Larchfield has passed "
     "three hundred names for the first time, and the council says it is looking for spare la"),
    ("Choir seeks tenors for summer concert", "The Larchfield community choir is looking for tenors and basses "
     "to join rehearsals for its summer concert, which this year will be held in the market squ"),
    ("Road closures for the spring fun run", "Several roads in the town centre will be closed on Sunday morning "
     "while about eight hundred runners take part in the annual spring fun run, organisers sai"),
]


def article(title, paragraphs, nav, footer, lang, charset_meta=True):
    meta = '<meta charset="utf-8">' if charset_meta else ""
    body = "".join(f"<p>{paragraph}</p>" for paragraph in paragraphs)
    return (f'<!DOCTYPE html><html lang="{lang}"><head>{meta}<title>{title}</title></head><body>{nav}'
            f'<main><article><h1>{title}</h1>{body}</article></main>{footer}</body></html>')


TEASER_LIST = "".join(f'<li><a href="/story/{number}">{headline}</a><p>{snippet}</p></li>'
                      for number, (headline, snippet) in enumerate(TEASERS))
BINARY = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8  # not a page: its item gets the error
PAGES = {  # path: (body, Content-Type header)
    "/en": (article("Library on Orchard Row starts lending seeds", EN_PARAGRAPHS, EN_NAV, EN_FOOTER, "en")
            .encode(), "text/html; charset=utf-8"),
    "/zh": (article("青石镇社区食堂开张", ZH_PARAGRAPHS, ZH_NAV, ZH_FOOTER, "zh").encode(), "text/html"),
    # The charset is only in the HTTP header, as the garbled pages had it.
    "/gbk": (article("河湾村旧粮仓变身图书馆", GBK_PARAGRAPHS, ZH_NAV, ZH_FOOTER, "zh", charset_meta=False)
             .encode("gbk"), "text/html; charset=GBK"),
    "/big5": (article("山城茶園春茶提早開採", BIG5_PARAGRAPHS, TW_NAV, TW_FOOTER, "zh-Hant", charset_meta=False)
              .encode("big5"), "text/html; charset=Big5"),
    "/teasers": (article("Sunken narrowboat lifted from canal basin", TEASER_PARAGRAPHS, EN_NAV,
                         f'<aside class="related"><h2>More from Larchfield</h2><ul>{TEASER_LIST}</ul></aside>'
                         + EN_FOOTER, "en").encode(), "text/html; charset=utf-8"),
    "/logo.png": (BINARY, "image/png"),
}


class ArticleItem(scrapy.Item):
    url = scrapy.Field()
    body = scrapy.Field()
    content_type = scrapy.Field()
    main = scrapy.Field()
    lang = scrapy.Field()
    filterkit_error = scrapy.Field()
    confidence = scrapy.Field()  # declared: it gets the confidence, and without "metadata" it gets no metadata


@dataclasses.dataclass
class ArticleRecord:
    url: str
    body: bytes
    content_type: bytes | None = None
    main: str | None = None
    lang: str | None = None
    filterkit_error: str | None = None


class PagesSpider(scrapy.Spider):
    """Yields each page as a dict, a scrapy.Item or a dataclass, with the raw response in it."""

    name = "pages"
    kinds = {"/zh": ArticleItem, "/gbk": ArticleRecord}

    def parse(self, response):
        kind = self.kinds.get("/" + response.url.split("/", 3)[3], dict)
        # The fields the pipeline reads by default, as its documentation shows them (the header as bytes).
        yield kind(url=response.url, body=response.body, content_type=response.headers.get("Content-Type"))


def crawl(base_url: str, feed: str, report: str, reactor: str) -> None:
    """Crawl every page, recording on which thread and with which Content-Type each page was filtered,
    and when the reactor ticked."""
    from scrapy.crawler import CrawlerProcess

    from filterkit import ContentFilter

    calls, ticks = [], []
    unwrapped = ContentFilter.filter

    def recorded(self, page, *args, **kwargs):
        start = time.monotonic()
        try:
            return unwrapped(self, page, *args, **kwargs)
        finally:
            calls.append({"thread": threading.get_ident(), "start": start, "end": time.monotonic(),
                          "content_type": page.content_type})

    ContentFilter.filter = recorded
    settings = {
        "ITEM_PIPELINES": {"filterkit.integrations.scrapy.FilterkitPipeline": 300},
        "FEEDS": {feed: {"format": "jsonlines", "encoding": "utf-8"}},
        "LOG_LEVEL": "WARNING", "ROBOTSTXT_OBEY": False, "TELNETCONSOLE_ENABLED": False,
    }
    if reactor != "default":
        settings["TWISTED_REACTOR"] = reactor
    process = CrawlerProcess(settings)
    PagesSpider.start_urls = [base_url + path for path in PAGES]
    process.crawl(PagesSpider)

    from twisted.internet import reactor as running
    from twisted.internet.task import LoopingCall

    ticker = LoopingCall(lambda: ticks.append(time.monotonic()))
    running.callWhenRunning(ticker.start, 0.01)
    process.start()
    Path(report).write_text(json.dumps({"reactor_thread": threading.get_ident(), "calls": calls, "ticks": ticks}))


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        body, content_type = PAGES[self.path]
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


# The default reactor (asyncio, where the pipeline awaits an asyncio future) and a plain Twisted
# reactor (where it awaits a Deferred), crawled side by side: most of a crawl is loading models.
REACTORS = ["default", "twisted.internet.selectreactor.SelectReactor"]


@pytest.fixture(scope="module")
def crawls(server, tmp_path_factory):
    folder = tmp_path_factory.mktemp("crawls")
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    runs = {}
    for number, reactor in enumerate(REACTORS):
        feed, report, log = (folder / f"{number}-{name}" for name in ("items.jsonl", "report.json", "stderr.txt"))
        with log.open("w") as stderr:  # a file, not a pipe: a crawl never waits for the other to be read
            process = subprocess.Popen([sys.executable, __file__, server, str(feed), str(report), reactor],
                                       cwd=REPO, env=environment, stdout=subprocess.DEVNULL, stderr=stderr)
        runs[reactor] = (process, feed, report, log)
    results = {}
    try:
        for reactor, (process, feed, report, log) in runs.items():
            process.wait(timeout=120)
            results[reactor] = (process.returncode, log.read_text(), feed, report)
    finally:
        for process, *_ in runs.values():
            if process.poll() is None:
                process.kill()
                process.wait()
    return results


@pytest.mark.parametrize("reactor", REACTORS)
def test_crawl_fills_items_with_main_content_off_the_reactor(server, crawls, reactor):
    returncode, stderr, feed, report = crawls[reactor]
    assert returncode == 0, stderr[-3000:]
    assert "Traceback" not in stderr and "ERROR" not in stderr, stderr[-3000:]
    items = {item["url"][len(server):]: item for item in map(json.loads, feed.read_text("utf-8").splitlines())}
    assert sorted(items) == sorted(PAGES)  # one item per page, the one that cannot be filtered too
    # The raw response is gone (None where a dataclass keeps the field).
    assert all(item.get("body") is None and item.get("content_type") is None for item in items.values())

    for path, paragraphs, lang in [("/en", EN_PARAGRAPHS, "en"), ("/zh", ZH_PARAGRAPHS, "zh"),
                                   ("/gbk", GBK_PARAGRAPHS, "zh"), ("/big5", BIG5_PARAGRAPHS, "zh"),
                                   ("/teasers", TEASER_PARAGRAPHS, "en")]:
        main = items[path]["main"]
        assert main.split("\n\n")[-len(paragraphs):] == paragraphs, (path, main)
        assert items[path]["lang"] == lang and items[path].get("filterkit_error") is None, path
    for word in ("Subscribe", "Privacy", "订阅本报", "版权所有", "訂閱本報", "版權所有"):
        assert all(word not in item.get("main", "") for item in items.values()), word
    assert not any(snippet[-20:] in items["/teasers"]["main"] for _, snippet in TEASERS)
    assert "More from Larchfield" not in items["/teasers"]["main"]

    assert "main" not in items["/logo.png"] and "not text" in items["/logo.png"]["filterkit_error"]
    english = items["/en"]  # a dict item gets the page's metadata, confidence and kept share
    assert english["metadata"]["language"] == "en" and english["main"].startswith(english["metadata"]["title"])
    assert 0.5 < english["confidence"] <= 1 and 0 < english["kept_share"] < 1
    assert "metadata" not in items["/zh"] and "kept_share" not in items["/zh"] and 0.5 < items["/zh"]["confidence"] <= 1

    # Every page was filtered on a worker thread, and the reactor kept ticking while they were.
    run = json.loads(report.read_text())
    # Each page reached the filter with its HTTP Content-Type, the only charset the GBK and Big5 pages have.
    assert sorted(str(call["content_type"]) for call in run["calls"]) == sorted(kind for _, kind in PAGES.values())
    assert all(call["thread"] != run["reactor_thread"] for call in run["calls"])
    busy = [tick for tick in run["ticks"] if any(call["start"] < tick < call["end"] for call in run["calls"])]
    assert len(busy) >= 5, "the reactor did not tick while pages were being filtered"


if __name__ == "__main__":
    crawl(*sys.argv[1:5])
