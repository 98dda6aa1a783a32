"""HTML input: blocks from the DOM, charsets, the shipped HTML model on a seed-style page, hostile markup."""
import json
import resource
import subprocess
import sys

import numpy as np
import pytest

from conftest import PAGES
from filterkit import ContentFilter
from filterkit.decoding import decode, looks_like_html
from filterkit.html_blocks import FAMILIES, NOSCRIPT_FALLBACK_CHARS, parse_blocks

NIGHT_MARKET = PAGES / "night-market.html"
NIGHT_MARKET_EXPECTED = (PAGES / "night-market.expected.txt").read_text(encoding="utf-8").strip()


def texts(html):
    return [segment.text for segment in parse_blocks(html)[0]]


def run(*args, data=b""):
    return subprocess.run([sys.executable, "-m", "filterkit.cli", *args], input=data, capture_output=True,
                          timeout=120)


def test_blocks_follow_the_document_with_white_space_folded():
    html = """<html><head><title>T</title><style>p {color: red}</style></head><body>
      <h1>  A   title </h1><script>var x = "<p>not text</p>";</script>
      <p>One <b>bold</b>
         word,<br>then a new line</p><template><p>hidden</p></template>
      <ul><li>first</li><li><a href="/">a link</a></li></ul>loose tail</body></html>"""
    assert texts(html) == ["A title", "One bold word,", "then a new line", "first", "a link", "loose tail"]


def test_blocks_carry_their_markup():
    segments, structure = parse_blocks(
        '<body><nav class="menu"><ul><li><a href="/">Home</a></li></ul></nav>'
        '<div id="related-posts"><p>Teaser <a href="/x">more</a></p></div><h2>Heading</h2></body>')
    assert [s.text for s in segments] == ["Home", "Teaser more", "Heading"]
    assert structure.paths == ["html>body>nav>ul>li", "html>body>div>p", "html>body>h2"]
    assert list(structure.link_chars) == [4, 4, 0]
    assert list(structure.heading) == [0, 0, 2]
    nav, related = 1 << FAMILIES.index("nav"), 1 << FAMILIES.index("related")
    assert structure.bits[0] & nav and not structure.bits[0] & related
    assert structure.bits[1] & related and not structure.bits[1] & nav


def test_noscript_is_read_only_when_the_page_shows_nothing_else():
    thread = "<p>" + "A forum post long enough to be the page. " * 10 + "</p>"
    assert texts(f"<body><noscript>{thread}</noscript></body>")[0].startswith("A forum post")
    visible = "<p>" + "Visible text of a normal page. " * (NOSCRIPT_FALLBACK_CHARS // 20) + "</p>"
    assert texts(f"<body>{visible}<noscript><p>Please enable JavaScript</p></noscript></body>") == \
        [texts(visible)[0]]


def test_format_is_detected():
    assert looks_like_html("<!DOCTYPE html><html><body><p>x</p></body></html>")
    assert looks_like_html(b"\xef\xbb\xbf<div>a</div><p>b</p>")
    assert not looks_like_html("A headline\nA paragraph with <b>bold</b> text in it.\n")
    assert not looks_like_html("")


def test_seed_style_html_page_gives_the_article_alone(content_filter):
    result = content_filter.filter(NIGHT_MARKET.read_bytes())
    assert result.format == "html" and result.encoding == "utf-8" and result.lang == "en"
    assert result.text == NIGHT_MARKET_EXPECTED
    teasers = [p for p in result.paragraphs if "/div/ul/li" in p.path.replace(">", "/") or p.path.endswith("div>div")]
    assert teasers and not any(p.label for p in teasers)


def test_html_pages_get_their_own_bar_unless_a_threshold_is_given(content_filter):
    from filterkit.analysis import analyse_blocks
    from filterkit.decision import keep

    result = content_filter.filter(NIGHT_MARKET.read_bytes())
    scores = np.array([p.score for p in result.paragraphs])
    sizes = analyse_blocks([parse_blocks(NIGHT_MARKET.read_text(encoding="utf-8"))]).token_counts
    assert [p.label for p in result.paragraphs] == keep(scores, sizes, np.array([0, len(scores)]), 0.5, True).tolist()
    fixed = ContentFilter(threshold=0.5).filter(NIGHT_MARKET.read_bytes())
    assert [p.label for p in fixed.paragraphs] == [p.score >= 0.5 for p in fixed.paragraphs]


def test_gbk_pages_decode_by_their_declaration_or_by_the_fallback():
    body = "<html><head><meta http-equiv='Content-Type' content='text/html; charset=gb2312'></head>" \
           "<body><p>市交通局宣布新增三条夜间公交线路，方便市民出行。</p></body></html>"
    data = body.encode("gbk")
    assert decode(data, html=True) == (body, "gb18030")
    undeclared = body.replace("charset=gb2312", "").encode("gbk")
    assert decode(undeclared, html=True)[1] == "gb18030"
    result = ContentFilter().filter(data)
    assert result.encoding == "gb18030" and "夜间公交线路" in " ".join(p.text for p in result.paragraphs)


def test_cli_reads_html_and_reports_paths_and_encoding():
    done = run("--json", str(NIGHT_MARKET))
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["format"] == "html" and result["encoding"] == "utf-8"
    assert result["main"] == NIGHT_MARKET_EXPECTED
    assert all(p["path"].startswith("html>body") for p in result["paragraphs"])
    plain = run(data=NIGHT_MARKET.read_bytes())
    assert plain.stdout.decode("utf-8").strip() == NIGHT_MARKET_EXPECTED
    as_text = run("--format", "text", "--json", data=NIGHT_MARKET.read_bytes())
    assert json.loads(as_text.stdout)["format"] == "text"


def test_jsonl_records_may_carry_html():
    html = NIGHT_MARKET.read_text(encoding="utf-8")
    lines = [json.dumps({"id": 1, "html": html}), json.dumps({"id": 2, "text": "Just a line of text."}),
             json.dumps({"id": 3, "html": 42}), json.dumps({"id": 4, "html": "<html><body></body></html>"})]
    done = run("--jsonl", data=("\n".join(lines) + "\n").encode())
    records = [json.loads(line) for line in done.stdout.decode().splitlines()]
    assert done.returncode == 0 and [r["id"] for r in records] == [1, 2, 3, 4]
    assert records[0]["main"] == NIGHT_MARKET_EXPECTED
    assert "main" in records[1] and "error" in records[2] and records[3]["main"] == ""


@pytest.mark.parametrize("html", [
    "<div>" * 10000 + "<p>deep text</p>" + "</div>" * 10000,
    "<html><body><div><p>cut off in the middle of a <a href='/x",
    "<html><head><script>" + "var a = 1;" * 1000 + "</script></head><body><script>go()</script></body></html>",
    "</p></div><<>>&&;<p<p<p>x</b></i></td>",
], ids=["10000 levels", "truncated", "only scripts", "malformed"])
def test_hostile_markup_gives_a_result(content_filter, html):
    result = content_filter.filter(html, format="html")
    assert result.format == "html"
    if "deep text" in html:
        assert [p.text for p in result.paragraphs] == ["deep text"]
    if "only scripts" in html or "go()" in html:
        assert result.text == "" and result.paragraphs == ()


def test_binary_input_is_a_one_line_error():
    done = run("--format", "html", data=bytes(range(256)) * 64)
    assert done.returncode == 3 and b"Traceback" not in done.stderr
    assert done.stderr.decode().count("\n") == 1


def test_long_html_pages_are_scored_in_windows_without_losing_blocks(content_filter, monkeypatch):
    import filterkit.filter as filter_module

    html = NIGHT_MARKET.read_text(encoding="utf-8")
    whole = content_filter.filter(html)
    monkeypatch.setattr(filter_module, "WINDOW_LINES", 7)
    windowed = content_filter.filter(html)
    assert [p.text for p in windowed.paragraphs] == [p.text for p in whole.paragraphs]
    assert [p.path for p in windowed.paragraphs] == [p.path for p in whole.paragraphs]


def test_big_html_page_loses_no_block_and_stays_in_bounded_memory(tmp_path):
    """Many articles in one 5 MB page (benchmarks.html_track measures a 20 MB one): every block
    comes out, and memory stays far below what scoring the page as one piece would take."""
    html = NIGHT_MARKET.read_text(encoding="utf-8")
    body = html[html.index("<body>") + 6:html.index("</body>")]
    copies = 5_000_000 // len(body.encode("utf-8")) + 1
    page = tmp_path / "big.html"
    page.write_text("<html><body>" + body * copies + "</body></html>", encoding="utf-8")
    done = run("--format", "html", "--json", str(page))
    assert done.returncode == 0, done.stderr[-500:]
    assert len(json.loads(done.stdout)["paragraphs"]) == copies * len(texts(html))
    assert resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024 < 1500


def test_a_table_row_is_one_block_and_a_layout_table_gives_its_cells_blocks():
    from filterkit.html_blocks import HEADER_ROW, ROW, UNIT_GROUP, UNIT_KIND

    segments, structure = parse_blocks(
        "<body><table><thead><tr><th>Name</th><th>Age</th></tr></thead><tbody>"
        "<tr><td><a href='/a'>Ann</a></td><td>31</td></tr><tr><td></td><td>7</td></tr></tbody></table>"
        "<table><tr><th>Left</th><th>Right</th></tr><tr><td><p>A whole paragraph.</p></td><td>side</td></tr>"
        "<tr><td>one<br>two</td><td>x</td></tr></table></body>")
    assert [s.text for s in segments] == ["Name\tAge", "Ann\t31", "\t7", "Left\tRight", "A whole paragraph.",
                                          "side", "one", "two", "x"]
    kinds = structure.units[:, UNIT_KIND].tolist()
    assert kinds[:4] == [HEADER_ROW, ROW, ROW, HEADER_ROW] and ROW not in kinds[4:]
    groups = structure.units[:, UNIT_GROUP].tolist()
    assert groups[0] == groups[1] == groups[2] != groups[3]
    assert structure.paths[1] == "html>body>table>tbody>tr" and structure.link_chars[1] == 3
    assert structure.owner_kind[1] == structure.owner_kind[4 + 1]  # a row is a cell to the features


def test_nested_tables_give_the_inner_rows_and_split_the_outer_one():
    from filterkit.html_blocks import ROW, UNIT_KIND

    segments, structure = parse_blocks(
        "<table><tr><td>outer</td><td><table><tr><td>a</td><td>b</td></tr><tr><td>c</td><td>d</td></tr></table>"
        "</td></tr></table>")
    assert [s.text for s in segments] == ["outer", "a\tb", "c\td"]
    assert structure.units[:, UNIT_KIND].tolist()[1:] == [ROW, ROW]


def test_pre_and_multiline_code_keep_their_lines_and_indentation():
    from filterkit.html_blocks import CODE, UNIT_KIND

    segments, structure = parse_blocks(
        "<body><p>Before   it.</p><pre>\n\nfor x in y:\n    if  x:\n\tpass   \n</pre>"
        "<pre><span class='line'>a = 1</span><div>b  =  2</div></pre><div><code>one\n  two</code></div>"
        "<p><code>inline()</code> stays   folded</p></body>")
    assert [s.text for s in segments] == ["Before it.", "for x in y:\n    if  x:\n\tpass", "a = 1\nb  =  2",
                                          "one\n  two", "inline() stays folded"]
    assert structure.units[:, UNIT_KIND].tolist() == [0, CODE, CODE, CODE, 0]


def test_list_items_carry_depth_number_and_quotes_their_depth():
    from filterkit.html_blocks import HEADING, ITEM, ITEM_TEXT, TEXT

    segments, structure = parse_blocks(
        "<ol start='3'><li>three<ul><li>inner</li></ul>after</li><li></li><li><p>five</p></li></ol>"
        "<blockquote><h2>Quoted heading</h2><blockquote><p>deeper</p></blockquote></blockquote>")
    assert [s.text for s in segments] == ["three", "inner", "after", "five", "Quoted heading", "deeper"]
    assert structure.units.tolist()[:4] == [[ITEM, 1, 3, structure.units[0, 3], 0],
                                            [ITEM, 2, 0, structure.units[1, 3], 0],
                                            [ITEM_TEXT, 1, 0, structure.units[0, 3], 0],
                                            [ITEM, 1, 5, structure.units[0, 3], 0]]
    assert structure.units.tolist()[4:] == [[HEADING, 2, 0, 0, 1], [TEXT, 0, 0, 0, 2]]
