"""The Spark integration on a real local SparkSession: DataFrame columns, a shipped model, a WARC job.

The pages are written for this test (the papers, places and people are invented).
"""
import io
import json
import pickle
import shutil
import sys
from pathlib import Path

import pytest

from pyspark import SparkFiles
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

import filterkit
from filterkit import Page
from filterkit.model_io import DEFAULT_MODEL_DIR

from filterkit.integrations.spark import METADATA_FIELDS, filter_warc_files, main, with_main_text

ENGLISH = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Hillcrest library keeps its doors open until ten</title></head>
<body>
<header><a href="/">Northgate Courier</a>
<nav><ul><li><a href="/local">Local</a></li><li><a href="/schools">Schools</a></li><li><a href="/weather">Weather</a></li>
<li><a href="/opinion">Opinion</a></li><li><a href="/subscribe">Subscribe</a></li></ul></nav></header>
<main><article>
<h1>Hillcrest library keeps its doors open until ten</h1>
<p class="byline">By Tomas Okafor, 2 February 2026</p>
<p>The Hillcrest branch library will stay open until ten o'clock on weeknights from next month, after a trial over \
the winter drew far more students and shift workers than the council had expected.</p>
<p>During the trial the reading room was rarely less than half full after eight, and the librarians counted more \
than four hundred loans in the late hours of a single week, most of them textbooks and audiobooks.</p>
<p>"People told us the evening was the only time they could come," said head librarian Priya Castellanos. "Nurses \
finishing a late shift, parents after the children are asleep, teenagers who need a quiet table to revise."</p>
<p>The extra hours will be paid for by closing the branch on Monday mornings, when it has always been quietest, so \
the library's budget for the year stays the same.</p>
</article></main>
<aside class="more"><h3>More from Local</h3><ul>
<li><a href="/a/1">Bus lane on Mill Road to open in spring</a></li>
<li><a href="/a/2">Council votes to repaint the old water tower</a></li>
<li><a href="/a/3">Five cafes worth the walk up Station Hill</a></li>
<li><a href="/a/4">Photos: the first snow of the year on the common</a></li></ul></aside>
<footer><a href="/about">About us</a> | <a href="/contact">Contact</a> | © 2026 Northgate Courier</footer>
</body></html>"""

# No <meta charset>: served as GBK, which only the HTTP Content-Type says.
CHINESE = """<!DOCTYPE html>
<html><head><title>青石村茶叶合作社迎来第一批订单 - 山城晚报</title></head>
<body>
<div class="nav"><a href="/">首页</a> | <a href="/news">新闻</a> | <a href="/farm">农业</a> | <a href="/travel">旅游</a></div>
<div class="content">
<h1>青石村茶叶合作社迎来第一批订单</h1>
<p>青石村的茶叶合作社上周收到了第一批来自省城的订单，三十多户茶农今年春天采摘的新茶终于有了稳定的买家。</p>
<p>合作社成立于去年秋天，由村里几位返乡的年轻人牵头。他们统一收购鲜叶，在村东的旧粮站里改建了一间小小的制茶坊，\
又请来邻县的老师傅教大家炒茶。</p>
<p>“以前每家自己炒，自己背到镇上去卖，价钱好坏全看运气，”茶农李秀兰说，“现在有人帮我们找销路，我们只管把茶采好。”</p>
<p>合作社负责人表示，明年计划再修一条通往茶园的小路，让采茶的老人少走一些山路。</p>
</div>
<div class="related"><h3>相关阅读</h3><ul>
<li><a href="/r/1">山城夜市本周末恢复营业</a></li>
<li><a href="/r/2">县里新开通两条乡村公交线路</a></li></ul></div>
<div class="footer">关于我们 | 联系我们 | 版权所有 山城晚报</div>
</body></html>"""

# A WET conversion record: the text track, one block per line.
CHINESE_WET = """首页 | 新闻 | 农业 | 旅游
青石村茶叶合作社迎来第一批订单
合作社成立于去年秋天，由村里几位返乡的年轻人牵头。他们统一收购鲜叶，在村东的旧粮站里改建了一间小小的制茶坊。
茶农们说，有人帮忙找销路以后，他们只管把茶采好，再也不用自己背着茶叶到镇上去碰运气。
相关阅读
山城夜市本周末恢复营业
关于我们 | 联系我们 | 版权所有 山城晚报
"""

UNDECODABLE = bytes(range(256)) * 4
ENGLISH_ARTICLE = "The Hillcrest branch library will stay open until ten o'clock on weeknights"
CHINESE_ARTICLE = "合作社成立于去年秋天，由村里几位返乡的年轻人牵头。"
TEASER = "Bus lane on Mill Road to open in spring"


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    checkout = str(Path(filterkit.__file__).resolve().parents[1])  # the workers import this filterkit, not another
    session = (SparkSession.builder.master("local[2]").appName("filterkit-test")
               .config("spark.ui.enabled", "false")
               .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
               .config("spark.driver.memory", "512m").config("spark.sql.shuffle.partitions", "2")
               .config("spark.pyspark.python", sys.executable).config("spark.executorEnv.PYTHONPATH", checkout)
               .config("spark.sql.execution.arrow.maxRecordsPerBatch", "3")  # several Arrow batches per task
               .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def pages(spark):
    rows = [(1, ENGLISH.encode("utf-8"), "text/html; charset=utf-8"),
            (2, CHINESE.encode("gbk"), "text/html; charset=GBK"),
            (3, UNDECODABLE, None),
            (4, None, None),
            (5, ENGLISH.encode("utf-8"), "text/plain")]  # the Content-Type decides the track: text, not HTML
    return spark.createDataFrame(rows, "id int, html binary, content_type string")  # two partitions: local[2]


def test_binary_pages_get_main_text_language_and_errors(spark, pages, content_filter):
    rows = {row.id: row for row in with_main_text(pages, content_type_column="content_type").collect()}
    expected = list(content_filter.filter_many(Page(row.html, content_type=row.content_type)
                                                for row in pages.orderBy("id").collect()))
    assert [rows[i].main for i in sorted(rows)] == [result.text for result in expected]

    assert ENGLISH_ARTICLE in rows[1].main and TEASER not in rows[1].main and "Subscribe" not in rows[1].main
    assert (rows[1].lang, rows[1].filterkit_error) == ("en", None)
    assert CHINESE_ARTICLE in rows[2].main and "山城夜市" not in rows[2].main
    assert (rows[2].lang, rows[2].filterkit_error) == ("zh", None)
    for bad in (rows[3], rows[4]):
        assert bad.main == "" and bad.lang is None and bad.filterkit_error
    assert "not text in any encoding" in rows[3].filterkit_error
    assert "<h1>" in rows[5].main  # read as text, tags and all
    assert rows[1].html == ENGLISH.encode("utf-8") and rows[1].content_type  # the input columns are kept
    for i, result in zip(sorted(rows), expected):  # confidence, kept share and metadata as the API gives them
        assert (rows[i].confidence, rows[i].kept_share) == (result.confidence, result.kept_share)
        metadata = result.metadata.to_dict() if result.metadata is not None else dict.fromkeys(METADATA_FIELDS)
        assert rows[i].metadata.asDict() == metadata
    assert rows[1].metadata.title and rows[1].metadata.language == "en" and 0 < rows[1].confidence <= 1


def test_string_column_and_column_names(spark, capsys):
    frame = spark.createDataFrame([("a", ENGLISH), ("b", CHINESE)], "key string, page string")
    filtered = with_main_text(frame, "page", format="html", text_column="body", lang_column="language",
                              error_column="problem")
    filtered.filter("language = 'zh'").select("body").explain()
    assert capsys.readouterr().out.count("ArrowEvalPython") == 1  # a filter on the results does not filter twice
    rows = filtered.orderBy("key").collect()
    assert rows[0].asDict().keys() == {"key", "page", "body", "language", "problem", "confidence", "kept_share",
                                       "metadata"}
    assert [(row.language, row.problem) for row in rows] == [("en", None), ("zh", None)]
    assert ENGLISH_ARTICLE in rows[0].body and CHINESE_ARTICLE in rows[1].body


def test_user_mistakes_are_one_line_errors(spark, pages):
    with pytest.raises(ValueError, match="no column 'body'"):
        with_main_text(pages, "body")
    with pytest.raises(ValueError, match="column 'id' is int"):
        with_main_text(pages, "id")
    with pytest.raises(ValueError, match="output columns must be new"):
        with_main_text(pages, text_column="content_type")
    with pytest.raises(ValueError, match="format must be one of"):
        with_main_text(pages, format="pdf")
    with pytest.raises(ValueError, match="threshold must be between 0 and 1"):
        with_main_text(pages, threshold=1.5)


def test_a_custom_model_is_shipped_to_the_executors(spark, pages, tmp_path):
    model = tmp_path / "my-model"
    shutil.copytree(DEFAULT_MODEL_DIR, model)
    rows = {row.id: row for row in with_main_text(pages, model=model, threshold=0.0).collect()}
    assert TEASER in rows[1].main and "Subscribe" in rows[1].main  # threshold 0 keeps every block
    assert rows[3].filterkit_error and rows[2].lang == "zh"

    def shipped(_):  # what an executor finds under the name the workers load the model from
        found = Path(SparkFiles.get("my-model"))
        return str(found.parent), sorted(str(path.relative_to(found)) for path in found.rglob("*"))

    where, files = spark.sparkContext.parallelize([0], 1).map(shipped).first()
    assert not where.startswith(str(tmp_path))
    assert files == sorted(str(path.relative_to(model)) for path in model.rglob("*"))


def test_content_filter_pickles(content_filter):
    assert pickle.loads(pickle.dumps(content_filter)).filter(ENGLISH).text == content_filter.filter(ENGLISH).text


def build_archive(path: Path) -> list[tuple[str, str]]:
    """A gzipped WARC with the odd records of a crawl; returns the (url, warc type) of its page records."""
    with path.open("wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "filterkit tests"}))

        def response(url: str, body: bytes, content_type: str) -> None:
            http = StatusAndHeaders("200 OK", [("Content-Type", content_type)], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(url, "request", payload=io.BytesIO(
                f"GET {url} HTTP/1.1\r\n\r\n".encode()), warc_content_type="application/http; msgtype=request"))
            writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body),
                                                          http_headers=http))

        response("http://courier.example/library", ENGLISH.encode("utf-8"), "text/html; charset=utf-8")
        response("http://courier.example/logo.png", b"\x89PNG\r\n\x1a\n" + UNDECODABLE, "image/png")
        response("http://wanbao.example/tea", CHINESE.encode("gbk"), "text/html; charset=GBK")
        writer.write_record(writer.create_warc_record("http://wanbao.example/tea", "conversion",
                                                      payload=io.BytesIO(CHINESE_WET.encode("utf-8")),
                                                      warc_content_type="text/plain"))
    return [("http://courier.example/library", "response"), ("http://wanbao.example/tea", "response"),
            ("http://wanbao.example/tea", "conversion")]


@pytest.fixture(scope="module")
def archives(tmp_path_factory):
    folder = tmp_path_factory.mktemp("warc")
    good = folder / "crawl-0.warc.gz"
    pages = build_archive(good)
    damaged = folder / "crawl-1.warc.gz"
    data = good.read_bytes()
    damaged.write_bytes(data[:len(data) - 60])  # the last record cut short
    return good, damaged, pages


def test_warc_job_gives_a_row_per_page_record_in_order(spark, archives):
    good, damaged, pages = archives
    missing = good.parent / "crawl-2.warc.gz"
    rows = filter_warc_files(spark, [good, damaged, missing]).collect()
    by_archive = {path: [row for row in rows if row.archive == str(path)] for path in (good, damaged, missing)}

    complete = by_archive[good]
    assert [(row.url, row.warc_type) for row in complete] == pages
    assert all(row.record_id.startswith("<urn:uuid:") and row.error is None for row in complete)
    assert all(row.warc_date.startswith("20") and row.metadata.language == row.lang for row in complete)
    assert [(row.http_status, row.content_type.split(";")[0]) for row in complete if row.warc_type == "response"] \
        and all(row.http_status == 200 and row.content_type.startswith("text/html")
                for row in complete if row.warc_type == "response")
    assert [row.lang for row in complete] == ["en", "zh", "zh"]
    assert ENGLISH_ARTICLE in complete[0].main and TEASER not in complete[0].main
    assert CHINESE_ARTICLE in complete[1].main and CHINESE_ARTICLE in complete[2].main

    cut = by_archive[damaged]
    assert [row.url for row in cut[:-1]] == [url for url, _ in pages[:len(cut) - 1]]  # every record before the damage
    assert cut[-1].url is None and cut[-1].error
    assert [(row.url, bool(row.error)) for row in by_archive[missing]] == [(None, True)]


def test_command_writes_json_lines_and_reports_damage(spark, archives, tmp_path, capsys):
    good, damaged, pages = archives
    output = tmp_path / "out"
    assert main([str(good), "--output", str(output), "--output-format", "jsonl"]) == 0
    lines = [json.loads(line) for part in sorted(output.glob("part-*.json")) for line in part.open(encoding="utf-8")]
    assert [(line["url"], line["lang"]) for line in lines] == [(url, lang) for (url, _), lang in
                                                               zip(pages, ["en", "zh", "zh"])]
    assert "1 archives, 3 pages, 0 page errors" in capsys.readouterr().err

    assert main([str(good.parent), "--output", str(output), "--overwrite"]) == 3  # the folder: both archives
    assert "2 archives" in capsys.readouterr().err and spark.read.parquet(str(output)).count() > 3
    assert main([str(good), "--output", str(output)]) == 2
    assert "exists" in capsys.readouterr().err
