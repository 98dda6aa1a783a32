"""Markdown output: the renderer on block units, the shipped model's Markdown of two article pages (compared
byte for byte), and the option in every interface (API, CLI one page and batches, Scrapy, Spark, datatrove)."""
import asyncio
import json
import subprocess
import sys

import numpy as np
import pytest

from conftest import PAGES
from filterkit.html_blocks import CODE, HEADER_ROW, HEADING, ITEM, ITEM_TEXT, ROW, TEXT, parse_blocks
from filterkit.markdown import to_markdown

ARTICLES = ["tide-gauge", "tea-garden"]


def run(*args, data=b""):
    return subprocess.run([sys.executable, "-m", "filterkit.cli", *args], input=data, capture_output=True,
                          timeout=300)


def markdown_of(html):
    segments, structure = parse_blocks(html)
    return to_markdown([segment.text for segment in segments], structure.units)


def units(*rows):
    return np.array(rows, dtype=np.int32).reshape(-1, 5)


def test_headings_lists_tables_code_and_quotes_render_from_the_blocks():
    html = """<body><h1>Title</h1><p>Intro.</p><h3>Part</h3>
    <ol start="4"><li>four<ul><li>inner <b>bold</b></li></ul></li><li>five</li></ol>
    <table><tr><td>a</td><td>b|c</td></tr><tr><td>1</td><td></td></tr></table>
    <pre>  indented
x = ```
</pre><blockquote><p>One.</p><p>Two.</p></blockquote></body>"""
    assert markdown_of(html) == (
        "# Title\n\nIntro.\n\n### Part\n\n4. four\n   - inner bold\n5. five\n\n"
        "| a | b\\|c |\n| --- | --- |\n| 1 |  |\n\n"
        "````\n  indented\nx = ```\n````\n\n> One.\n>\n> Two.\n")


def test_a_list_nested_below_a_dropped_item_is_not_indented_into_code():
    # kept: an item at depth 3 after a paragraph; its parents were dropped
    texts = ["A paragraph.", "deep item", "deeper item", "Its text."]
    marks = units((TEXT, 0, 0, 0, 0), (ITEM, 3, 0, 7, 0), (ITEM, 4, 2, 9, 0), (ITEM_TEXT, 4, 0, 9, 0))
    assert to_markdown(texts, marks) == "A paragraph.\n\n- deep item\n  2. deeper item\n\n     Its text.\n"


def test_rows_of_one_table_form_one_table_and_a_header_row_leads_it():
    texts = ["h1\th2", "x\ty", "p\tq\tr", "other"]
    marks = units((HEADER_ROW, 0, 0, 5, 0), (ROW, 0, 0, 5, 0), (ROW, 0, 0, 5, 0), (ROW, 0, 0, 8, 0))
    assert to_markdown(texts, marks) == ("| h1 | h2 |  |\n| --- | --- | --- |\n| x | y |  |\n| p | q | r |\n\n"
                                         "| other |\n| --- |\n")


def test_paragraph_starts_that_read_as_markup_are_escaped_and_code_is_verbatim():
    texts = ["# not a heading", "1. not a list", "- nor this", "> nor this", "code ``` inside\n\tand a tab"]
    marks = units(*[(TEXT, 0, 0, 0, 0)] * 4, (CODE, 0, 0, 0, 0))
    assert to_markdown(texts, marks) == ("\\# not a heading\n\n1\\. not a list\n\n\\- nor this\n\n\\> nor this\n\n"
                                         "````\ncode ``` inside\n\tand a tab\n````\n")


def test_text_pages_get_a_title_paragraphs_and_bullet_items():
    texts = ["Night buses return to the river line", "The first bus leaves at midnight.", "• Route 4 to the port",
             "· 第二条线路", "2. Second stop", "Closing remark."]
    assert to_markdown(texts, None) == ("# Night buses return to the river line\n\nThe first bus leaves at midnight."
                                        "\n\n- Route 4 to the port\n- 第二条线路\n2. Second stop\n\nClosing remark.\n")
    assert to_markdown(["A first line that ends as a sentence."], None) == "A first line that ends as a sentence.\n"
    assert to_markdown([], None) == ""


@pytest.mark.parametrize("name", ARTICLES)
def test_cli_markdown_of_an_article_is_exactly_the_expected(name):
    done = run("--markdown", str(PAGES / f"{name}.html"))
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode("utf-8") == (PAGES / f"{name}.expected.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", ARTICLES)
def test_markdown_leaves_the_plain_text_as_it_is(content_filter, name):
    result = content_filter.filter((PAGES / f"{name}.html").read_bytes())
    assert result.text == "\n\n".join(p.text for p in result.paragraphs if p.label)
    assert result.markdown == (PAGES / f"{name}.expected.md").read_text(encoding="utf-8")
    # every table row and the code block are kept, each row one block with its cells
    rows = [p for p in result.paragraphs if p.path.endswith(">tr")]
    assert len(rows) == {"tide-gauge": 5, "tea-garden": 4}[name]
    assert all(p.label and p.text.count("\t") == 3 for p in rows)
    assert any(p.label and "\n    " in p.text for p in result.paragraphs if p.path.endswith("pre"))


def test_text_pages_have_markdown_too(content_filter):
    result = content_filter.filter((PAGES / "river-school-bus.txt").read_text(encoding="utf-8"))
    expected = (PAGES / "river-school-bus.expected.txt").read_text(encoding="utf-8").strip().split("\n\n")
    assert result.markdown == "# " + expected[0] + "\n\n" + "\n\n".join(expected[1:]) + "\n"


def test_batches_carry_a_markdown_field_and_output_dir_writes_md_files(tmp_path):
    page = (PAGES / "tide-gauge.html").read_text(encoding="utf-8")
    expected = (PAGES / "tide-gauge.expected.md").read_text(encoding="utf-8")
    done = run("--jsonl", "--markdown", data=(json.dumps({"id": 7, "html": page}) + "\n").encode())
    record = json.loads(done.stdout)
    assert done.returncode == 0 and record["id"] == 7 and record["markdown"] == expected and record["main"]
    plain = json.loads(run("--jsonl", data=(json.dumps({"html": page}) + "\n").encode()).stdout)
    assert "markdown" not in plain and plain["main"] == record["main"]
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "tide-gauge.html").write_text(page, encoding="utf-8")
    done = run("--markdown", "--input-dir", str(tmp_path / "in"), "--output-dir", str(tmp_path / "out"), "-q")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out" / "tide-gauge.html.md").read_text(encoding="utf-8") == expected
    single = json.loads(run("--json", "--markdown", str(PAGES / "tea-garden.html")).stdout)
    assert single["markdown"] == (PAGES / "tea-garden.expected.md").read_text(encoding="utf-8")


def test_scrapy_pipeline_writes_markdown_when_the_setting_asks():
    from scrapy.settings import Settings

    from filterkit.integrations.scrapy import FilterkitPipeline

    class Crawler:
        settings = Settings({"FILTERKIT_MARKDOWN": True})

    pipeline = FilterkitPipeline.from_crawler(Crawler())
    try:
        item = asyncio.run(pipeline.process_item({"body": (PAGES / "tea-garden.html").read_bytes()}))
    finally:
        pipeline.close_spider()
    assert item["markdown"] == (PAGES / "tea-garden.expected.md").read_text(encoding="utf-8") and item["main"]
    plain = FilterkitPipeline.from_crawler(type("Crawler", (), {"settings": Settings()})())
    try:
        assert "markdown" not in asyncio.run(plain.process_item({"body": b"<p>One line.</p>"}))
    finally:
        plain.close_spider()


def test_datatrove_step_gives_markdown_as_the_document_text():
    from datatrove.data import Document

    from filterkit.integrations.datatrove import FilterkitExtractor

    page = (PAGES / "tide-gauge.html").read_text(encoding="utf-8")
    documents = list(FilterkitExtractor(markdown=True).run(iter([Document(text=page, id="a")])))
    assert [doc.text for doc in documents] == [(PAGES / "tide-gauge.expected.md").read_text(encoding="utf-8")]
    assert documents[0].metadata["language"] == "en"


@pytest.fixture(scope="module")
def spark():
    from pathlib import Path

    from pyspark.sql import SparkSession

    import filterkit

    checkout = str(Path(filterkit.__file__).resolve().parents[1])  # the workers import this filterkit
    session = (SparkSession.builder.master("local[1]").appName("filterkit-markdown-test")
               .config("spark.ui.enabled", "false")
               .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
               .config("spark.driver.memory", "512m").config("spark.sql.shuffle.partitions", "1")
               .config("spark.pyspark.python", sys.executable).config("spark.executorEnv.PYTHONPATH", checkout)
               .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def test_spark_with_main_text_adds_a_markdown_column(spark):
    from filterkit.integrations.spark import with_main_text

    page = (PAGES / "tea-garden.html").read_text(encoding="utf-8")
    frame = spark.createDataFrame([(1, page), (2, None)], "id int, html string")
    rows = with_main_text(frame, "html", markdown=True).orderBy("id").collect()
    assert rows[0].markdown == (PAGES / "tea-garden.expected.md").read_text(encoding="utf-8")
    assert rows[1].markdown is None and rows[1].filterkit_error
    with pytest.raises(ValueError, match="new and distinct"):
        with_main_text(frame, "html", markdown=True, markdown_column="id")


def test_links_only_on_request():
    html = ('<body><h2>About <a href="/h">the club</a></h2><p>See <a href="/map (old)">the [map]</a>, '
            '<a href="#top">back to top</a> or <a href="javascript:void(0)">this</a>.</p>'
            '<table><tr><td><a href="/r">row</a></td><td>2</td></tr></table>'
            '<ul><li><a href="/a"><div>a card</div></a></li></ul><pre><a href="/c">code</a></pre></body>')
    segments, structure = parse_blocks(html)
    texts = [segment.text for segment in segments]
    assert to_markdown(texts, structure.units, structure.links) == (
        "## About [the club](/h)\n\nSee [the \\[map\\]](</map (old)>), back to top or this.\n\n"
        "| [row](/r) | 2 |\n| --- | --- |\n\n- a card\n\n```\ncode\n```\n")
    assert "](" not in to_markdown(texts, structure.units)


def test_cli_links_go_with_markdown():
    page = str(PAGES / "tide-gauge.html")
    expected = (PAGES / "tide-gauge.expected.md").read_text(encoding="utf-8")
    done = run("--markdown", "--links", page)
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode("utf-8") == expected.replace("full script", "[full script](/files/tide-gauge.py)")
    refused = run("--links", page)
    assert refused.returncode == 2 and b"--links goes with --markdown" in refused.stderr
