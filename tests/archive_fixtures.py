"""Test archives, written with warcio's WARCWriter: pages written for these tests (the sites,
stories and people are invented, not taken from ../shared or the web) among the odd records
of a real crawl — warcinfo, requests, metadata, a PDF, a redirect, a 404, a revisit, WET
conversions — gzip or plain, WARC/1.0 or WARC/1.1, and ways to damage the result.
"""
from __future__ import annotations

import gzip as gzip_module
import io
import zlib
from dataclasses import dataclass
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

ENGLISH_HTML = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Hill orchard trades apples for bees - Valley Post</title>
<script>var vpSeen = []; function seen(kind) { vpSeen.push(kind); }</script></head>
<body>
<header><div class="logo"><a href="/">Valley Post</a></div>
<nav class="main-nav"><ul><li><a href="/news">News</a></li><li><a href="/farming">Farming</a></li>
<li><a href="/weather">Weather</a></li><li><a href="/sport">Sport</a></li><li><a href="/zh">中文</a></li></ul></nav></header>
<div class="breadcrumb"><a href="/">Home</a> &gt; <a href="/farming">Farming</a></div>
<main><article>
<h1>Hill orchard trades apples for bees</h1>
<div class="byline">By Tomas Ferreira | 2 April 2026 | <a href="#comments">4 comments</a></div>
<p>An orchard on the eastern hills has stopped renting hives each spring and now keeps its own bees, after three years in which the hired colonies arrived late and left before the last trees had flowered.</p>
<p>The owners, Petra and Jonas Weller, built twelve hives over the winter from timber felled on their own land, and a neighbour who keeps bees as a hobby has agreed to look after them in exchange for a share of the honey.</p>
<p>"The rented hives came on a lorry the week the blossom opened, and by then the early varieties were already half over," Petra Weller said. "Our own bees are here in February, waiting for the first warm afternoon."</p>
<p>The valley's growers' association says that a dozen farms are considering the same change, although most worry about losing colonies to a cold spring and about the hours the work takes in a busy season.</p>
<p>The Wellers expect their first honey in August and plan to sell it at the orchard gate beside their cider, which already draws visitors from the town on summer weekends.</p>
</article>
<section class="related"><h3>More from Farming</h3><ul>
<li><a href="/f/1">Dairy prices slip for a third month as</a></li>
<li><a href="/f/2">New footpath opens along the old canal tow</a></li>
<li><a href="/f/3">Frost warning for growers in the upper</a></li></ul></section></main>
<footer><p>© 2026 Valley Post. All rights reserved.</p><a href="/privacy">Privacy</a> <a href="/contact">Contact us</a></footer>
</body></html>
"""

CHINESE_HTML = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>老街书店重新开门 - 江城晚报</title></head>
<body>
<div class="top-nav"><a href="/">首页</a> | <a href="/news">新闻</a> | <a href="/city">城市</a> | <a href="/culture">文化</a> | <a href="/en">English</a></div>
<div class="login">登录 | 注册</div>
<div class="content">
<h1>老街书店重新开门</h1>
<div class="info">来源：江城晚报　2026年3月9日 08:30　编辑：周雨</div>
<p>位于老街拐角的一家旧书店在关门两年之后，上周六重新开门营业。店主林先生说，这次回来，他把店里一半的地方改成了阅览区，让附近的学生放学后可以坐下来看书。</p>
<p>书店原来的房东在前年决定卖掉这栋楼，林先生只好把两万多本书搬进郊区的仓库。去年冬天，新的业主主动找到他，提出以较低的租金请书店回到原来的位置。</p>
<p>开门第一天，不少老顾客专门赶来。一位退休教师说，她年轻时在这里买到过第一本外文小说，这次又在同一个书架上找到了同一位作者的另一本书。</p>
<p>林先生表示，书店今后每个月会办一次旧书交换活动，读者可以带来自己读完的书，换走一本别人留下的书。他希望老街能因此多一些安静的去处。</p>
</div>
<div class="hot"><h3>热门推荐</h3><ul>
<li><a href="/a/1">江城地铁五号线将于年底</a></li>
<li><a href="/a/2">本周末全市气温回升，最高</a></li>
<li><a href="/a/3">市图书馆延长夜间开放时</a></li></ul></div>
<div class="footer">关于我们 | 联系方式 | 广告服务 | 版权所有 © 江城晚报</div>
</body></html>
"""

# Big5 bytes with no <meta charset>: only the HTTP header says Big5.
BIG5_HTML = """<!DOCTYPE html>
<html><head><title>港口渡輪增開夜班 - 海灣日報</title></head>
<body>
<div class="nav"><a href="/">首頁</a> | <a href="/local">本地</a> | <a href="/travel">旅遊</a> | <a href="/life">生活</a></div>
<div class="article">
<h1>港口渡輪增開夜班</h1>
<div class="meta">記者 陳家維 報導　2026年5月12日</div>
<p>往返南港與北島的渡輪，從下個月起將在晚上增開三班船，最晚一班在十一點半開出。航運公司表示，這是為了配合島上新開的夜市和越來越多在市區工作的居民。</p>
<p>過去幾年，北島居民一直抱怨末班船太早，在市區加班的人常常只能在碼頭附近的旅館過夜。里長說，新的班次公布以後，許多家庭都鬆了一口氣。</p>
<p>航運公司也會在夜間班次加派一名服務人員，並在船艙裡設置腳踏車停放區。票價維持不變，學生和長者仍然可以享有半價優惠。</p>
<p>碼頭旁的小吃攤老闆笑著說，晚上的客人一定會變多，他已經打算把營業時間延長到午夜。</p>
</div>
<div class="more"><h3>延伸閱讀</h3><ul><li><a href="/n/1">颱風季節將至，港務局提醒</a></li>
<li><a href="/n/2">北島新圖書館預計明年</a></li></ul></div>
<div class="footer">海灣日報 版權所有　聯絡我們　隱私權政策</div>
</body></html>
""".encode("big5")

# Too short for a detector to tell Big5 from GB18030: only the header decodes it right.
BIG5_NOTICE_HTML = ("<html><head><title>渡輪公告</title></head><body>"
                    "<p>北島渡輪下個月起增開夜班，末班船十一點半開出。</p></body></html>").encode("big5")
BIG5_NOTICE_WORDS = "北島渡輪下個月起增開夜班"

TEASER_HTML = """<html><head><title>Town notes: the library's new reading garden - Northgate Courier</title></head>
<body>
<div class="menu"><a href="/">Home</a> <a href="/town">Town</a> <a href="/schools">Schools</a> <a href="/events">Events</a></div>
<div class="teasers">
<div class="teaser"><a href="/t/1">Council votes to keep the swimming pool open through</a> <span>3 hours ago</span></div>
<div class="teaser"><a href="/t/2">Bakery on Mill Lane wins regional prize for its rye</a> <span>5 hours ago</span></div>
<div class="teaser"><a href="/t/3">Road works on the ring road to end a week early, say</a> <span>yesterday</span></div>
<div class="teaser"><a href="/t/4">School choir heads to the national final after a</a> <span>yesterday</span></div>
<div class="teaser"><a href="/t/5">Lost dog found safe on the allotments after four</a> <span>2 days ago</span></div>
<div class="teaser"><a href="/t/6">Bus timetable changes: what they mean for the</a> <span>2 days ago</span></div>
</div>
<div class="story">
<h1>The library's new reading garden</h1>
<p>The walled yard behind Northgate library, used for years as a store for broken chairs, opened on Saturday as a reading garden with benches, raised flower beds and a small roof for rainy afternoons.</p>
<p>Volunteers from the gardening club spent the winter clearing the yard and planting herbs that the library's cookery group will be allowed to pick.</p>
<p>The garden is open whenever the library is, and the librarians say children's story time will move outside from May.</p>
</div>
<div class="teasers">
<div class="teaser"><a href="/t/7">Photos: the spring fair in pictures</a></div>
<div class="teaser"><a href="/t/8">Letters: readers on parking near the station and</a></div>
<div class="teaser"><a href="/t/9">Weather: a dry week ahead before showers on</a></div>
</div>
<div class="footer">Northgate Courier · Advertise · Contact · Terms</div>
</body></html>
"""

LAST_HTML = """<html><head><meta charset="utf-8"><title>Ferry timetable - Bay Daily</title></head>
<body><h1>Summer ferry timetable</h1>
<p>From the first of June the morning ferry leaves the south pier at a quarter past seven, and the last boat back from the island leaves at half past ten in the evening.</p>
<p>Bicycles travel free on every crossing, and the ticket office on the pier opens thirty minutes before the first departure.</p>
</body></html>
"""

WET_ENGLISH = """Canal boat club opens its doors
The canal boat club at Lock Seven will hold an open day on Sunday, letting visitors steer a narrowboat through the lock under the eye of an experienced member.
Members have spent the spring repainting the club's two boats and repairing the wooden jetty, which had begun to lean towards the water after a wet winter.
The club says anyone over twelve may take the tiller, and life jackets will be provided.
Home | About | Contact
"""

WET_CHINESE = """山区小学的新操场
山区一所小学的新操场上周正式启用，孩子们第一次可以在塑胶跑道上上体育课。
这块操场由村民和校友一起出资修建，工程从去年秋天开始，赶在新学期前完工。
校长说，过去一下雨，泥土操场就没法使用，现在学生每天都能在课间出来活动。
首页 | 关于我们 | 联系方式
"""

PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@dataclass(frozen=True)
class Expected:
    """One record the archive holds: its type, URL, and whether it is a page (else the start of its skip reason)."""

    warc_type: str
    url: str
    skip: str | None = None  # None: a page record
    words: str = ""  # a phrase the page's main text must contain


ENGLISH_URL = "https://valleypost.example/farming/orchard-bees"
CHINESE_URL = "https://jiangcheng.example/news/bookshop"
BIG5_URL = "https://haiwan.example/local/ferry-night"
TEASER_URL = "https://northgate.example/town/reading-garden"
LAST_URL = "https://baydaily.example/ferry-timetable"


def _http(status: str, headers: list[tuple[str, str]]) -> StatusAndHeaders:
    return StatusAndHeaders(status, headers, protocol="HTTP/1.1")


def _chunked_gzip(body: bytes) -> bytes:
    """The body as a server sends it with Content-Encoding: gzip and Transfer-Encoding: chunked
    (wget and Heritrix archive it so)."""
    packed = gzip_module.compress(body)
    half = len(packed) // 2
    return b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in (packed[:half], packed[half:])) + b"0\r\n\r\n"


def write_crawl(out: io.BufferedIOBase, gzip: bool = True, version: str = "1.1") -> list[Expected]:
    """Write a small crawl to ``out``; returns what it holds, in order."""
    writer = WARCWriter(out, gzip=gzip, warc_version=version)
    expected: list[Expected] = []

    def response(url: str, status: str, headers: list[tuple[str, str]], body: bytes, skip: str | None = None,
                 words: str = "", request: bool = True) -> None:
        if request:
            writer.write_record(writer.create_warc_record(
                url, "request", http_headers=StatusAndHeaders(
                    f"GET {urlsplit(url).path or '/'} HTTP/1.1",
                    [("Host", urlsplit(url).netloc), ("User-Agent", "testbot/1.0")], is_http_request=True)))
            expected.append(Expected("request", url, "request"))
        writer.write_record(writer.create_warc_record(
            url, "response", payload=io.BytesIO(body), length=len(body), http_headers=_http(status, headers)))
        expected.append(Expected("response", url, skip, words))

    writer.write_record(writer.create_warcinfo_record("crawl.warc.gz", {
        "software": "testbot/1.0", "format": f"WARC File Format {version}", "robots": "obey"}))
    expected.append(Expected("warcinfo", "", "warcinfo"))

    english = ENGLISH_HTML.encode("utf-8")
    response(ENGLISH_URL, "200 OK", [("Content-Type", "text/html; charset=utf-8"),
                                     ("Content-Length", str(len(english)))], english,
             words="now keeps its own bees")
    outlinks = b"outlink: /f/1\r\noutlink: /f/2\r\n"
    writer.write_record(writer.create_warc_record(
        ENGLISH_URL, "metadata", payload=io.BytesIO(outlinks), length=len(outlinks),
        warc_content_type="application/warc-fields"))
    expected.append(Expected("metadata", ENGLISH_URL, "metadata"))

    response(CHINESE_URL, "200 OK", [("Content-Type", "text/html"), ("Content-Encoding", "gzip"),
                                     ("Transfer-Encoding", "chunked")], _chunked_gzip(CHINESE_HTML.encode("utf-8")),
             words="旧书交换活动")
    response(BIG5_URL, "200 OK", [("Content-Type", "text/html; charset=Big5")], BIG5_HTML,
             words="往返南港與北島的渡輪")
    response("https://haiwan.example/notice", "200 OK", [("Content-Type", "text/html;charset=big5")],
             BIG5_NOTICE_HTML, request=False)
    response("https://valleypost.example/report.pdf", "200 OK", [("Content-Type", "application/pdf")], PDF_BYTES,
             skip="not HTML: application/pdf")
    response("http://valleypost.example/farming", "301 Moved Permanently",
             [("Location", "https://valleypost.example/farming"), ("Content-Length", "0")], b"", skip="redirect 301")
    missing = b"<html><head><title>Not found</title></head><body><p>No page here.</p></body></html>"
    response("https://valleypost.example/old", "404 Not Found", [("Content-Type", "text/html")], missing,
             skip="status 404")
    revisit = writer.create_revisit_record(ENGLISH_URL, "sha1:AAAABBBBCCCCDDDDEEEEFFFFGGGGHHHH", ENGLISH_URL,
                                           "2026-04-02T10:00:00Z", http_headers=_http("200 OK", [
                                               ("Content-Type", "text/html; charset=utf-8")]))
    writer.write_record(revisit)
    expected.append(Expected("revisit", ENGLISH_URL, "revisit"))
    # No Content-Type at all: the page is known as HTML by its markup.
    response(TEASER_URL, "200 OK", [("Server", "tiny")], TEASER_HTML.encode("utf-8"),
             words="opened on Saturday as a reading garden", request=False)
    for url, text, words in (("https://canalclub.example/open-day", WET_ENGLISH, "steer a narrowboat"),
                             ("https://shanqu.example/school/playground", WET_CHINESE, "塑胶跑道")):
        data = text.encode("utf-8")
        writer.write_record(writer.create_warc_record(url, "conversion", payload=io.BytesIO(data), length=len(data),
                                                      warc_content_type="text/plain"))
        expected.append(Expected("conversion", url, None, words))
    last = LAST_HTML.encode("utf-8")
    response(LAST_URL, "200 OK", [("Content-Type", "text/html; charset=utf-8")], last,
             words="Bicycles travel free", request=False)
    return expected


def single_response(body: bytes, headers: list[tuple[str, str]], gzip: bool = False,
                    url: str = "https://odd.example/page") -> bytes:
    """An archive of one response record (for bodies a crawl rarely holds)."""
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=gzip, warc_version="1.1")
    writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body), length=len(body),
                                                  http_headers=_http("200 OK", headers)))
    return out.getvalue()


def single_block(record_type: str, url: str, body: bytes, content_type: str) -> bytes:
    """An archive of one record whose block is ``body`` with no HTTP headers (a resource, a DNS response)."""
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=False, warc_version="1.1")
    record = writer.create_warc_record(url, record_type, payload=io.BytesIO(body), length=len(body),
                                       warc_content_type=content_type)
    writer.write_record(record)
    return out.getvalue()


def build(gzip: bool = True, version: str = "1.1") -> tuple[bytes, list[Expected]]:
    out = io.BytesIO()
    expected = write_crawl(out, gzip=gzip, version=version)
    return out.getvalue(), expected


def record_starts(data: bytes, gzip: bool) -> list[int]:
    """The byte offset of each record in ``data`` (for damaging one record)."""
    if gzip:
        starts, offset = [], 0
        while offset < len(data):
            starts.append(offset)
            decompressor = zlib.decompressobj(31)
            decompressor.decompress(data[offset:])
            offset = len(data) - len(decompressor.unused_data)
        return starts
    starts, offset = [], 0
    while (found := data.find(b"WARC/1.", offset)) >= 0:
        line_start = found == 0 or data[found - 2:found] == b"\r\n"
        if line_start and (found == 0 or data[found - 4:found] == b"\r\n\r\n"):
            starts.append(found)
        offset = found + 1
    return starts


def truncate_last(data: bytes, gzip: bool) -> bytes:
    """The archive with its last record cut in the middle (a crawl killed while writing)."""
    last = record_starts(data, gzip)[-1]
    return data[:last + (len(data) - last) // 2]


def garble_header(data: bytes, gzip: bool, index: int) -> bytes:
    """The archive with record ``index``'s WARC version line overwritten (a bad header)."""
    starts = record_starts(data, gzip)
    start, end = starts[index], starts[index + 1] if index + 1 < len(starts) else len(data)
    record = gzip_module.decompress(data[start:end]) if gzip else data[start:end]
    record = b"XXXX/9.9" + record[len(b"WARC/1.0"):]
    damaged = gzip_module.compress(record) if gzip else record
    return data[:start] + damaged + data[end:]


def corrupt_member(data: bytes, index: int) -> bytes:
    """A gzip archive with record ``index``'s compressed bytes scrambled in the middle."""
    starts = record_starts(data, True)
    start, end = starts[index], starts[index + 1]
    middle = (start + end) // 2
    return data[:middle] + bytes(b ^ 0x5A for b in data[middle:middle + 16]) + data[middle + 16:]
