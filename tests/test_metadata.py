"""Metadata, confidence and kept share: read from the page (never invented), in every output of the command."""
import json
import math
import subprocess
import sys

import pytest

from conftest import PAGES
from filterkit.metadata import Metadata, iso_date, read_metadata
from filterkit.tokens import tokenize

COMMAND = [sys.executable, "-m", "filterkit"]
# What tests/pages/meta-article-*.html state in their markup.
ENGLISH = {"title": "Volunteers map every bench in the old town", "author": "Petra Vance",
           "date": "2026-02-17T09:30:00+01:00", "date_modified": "2026-02-18T08:00:00+01:00",
           "site_name": "Larkfield Courier",
           "description": "A weekend survey counted 412 public benches and found a third in need of repair.",
           "url": "https://courier.larkfield.example/town/benches-mapped",
           "image": "https://courier.larkfield.example/img/benches-map.jpg", "language": "en", "page_type": "article"}
CHINESE = {"title": "河滨社区图书馆延长夜间开放时间", "author": "林晓岚", "date": "2026-03-08T10:15", "site_name": "清溪日报",
           "source": "清溪日报", "description": "河滨社区图书馆从下月起每周五天开放到晚上十点，方便上班族借阅和自习。",
           "url": "https://news.qingxi.example/shequ/2026/0308/library-hours.html", "image": None,
           "date_modified": None, "language": "zh", "page_type": "article"}


def run(*args, data=b""):
    return subprocess.run([*COMMAND, *args], input=data, capture_output=True, timeout=180)


@pytest.mark.parametrize("name,expected", [("meta-article-en.html", ENGLISH), ("meta-article-zh.html", CHINESE)])
def test_json_gives_the_metadata_the_page_states(name, expected):
    done = run("--json", str(PAGES / name))
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    metadata = record["metadata"]
    assert {key: metadata[key] for key in expected} == expected
    assert metadata.keys() == Metadata().to_dict().keys()
    assert 0.5 < metadata["page_type_probability"] <= 1 and metadata["language_probability"] > 0.9
    assert record["main"].startswith(expected["title"] + "\n\n")
    assert 0.9 < record["confidence"] <= 1 and 0.5 < record["kept_share"] < 1


def test_a_page_that_states_nothing_gets_nothing():
    html = ("<html><body><div><p>The ferry to the island leaves the south pier every morning at seven, and "
            "returns in the evening once the last hikers are back.</p></div></body></html>")
    metadata = read_metadata(html, [html], [True])
    assert {key: value for key, value in metadata.to_dict().items() if value is not None} == {}


def test_a_text_page_gets_its_title_from_its_first_kept_line_and_its_dates_from_labelled_lines(content_filter):
    page = ("首页 | 新闻 | 体育\n江边步道全线贯通\n发布时间：2026年4月2日 09:30　来源：江城晚报\n"
            "沿江步道最后一段上周完工，市民从此可以从老码头一路走到新大桥，全程约十二公里。\n"
            "步道两侧新栽了三百多棵樟树，沿途设有十个休息点和两处公共厕所，夜间照明也已经全部开通。\n"
            "关于我们 | 联系方式 | 版权所有\n")
    result = content_filter.filter(page, format="text")
    metadata = result.metadata
    first_kept = next(p.text for p in result.paragraphs if p.label)
    assert metadata.title == first_kept
    assert (metadata.date, metadata.source, metadata.page_type) == ("2026-04-02T09:30", "江城晚报", None)
    assert metadata.url is None and metadata.site_name is None


@pytest.mark.parametrize("written,iso", [
    ("2025-09-04T10:00:00+0000", "2025-09-04T10:00:00+00:00"), ("2025-09-04", "2025-09-04"),
    ("2025年9月4日 10:30", "2025-09-04T10:30"), ("September 4th, 2025", "2025-09-04"), ("4 Sep 2025", "2025-09-04"),
    ("Posted on 2025/9/4", "2025-09-04"), ("24/2/2026", "2026-02-24"), ("2/24/2026", "2026-02-24"),
    ("12.11.2025", "2025-11-12"), ("03/10/2023", None), ("2025-13-40", None), ("yesterday", None), ("", None)])
def test_dates_become_iso_8601_and_ambiguous_ones_are_left_unread(written, iso):
    assert iso_date(written) == iso


def test_confidence_and_kept_share_follow_from_the_scores(content_filter):
    result = content_filter.filter((PAGES / "meta-article-en.html").read_text(encoding="utf-8"))
    sizes = [len(tokenize(p.text)) for p in result.paragraphs]
    kept = sum(n for p, n in zip(result.paragraphs, sizes) if p.label)
    assert result.kept_share == pytest.approx(kept / sum(sizes), abs=1e-4)
    kept_main = sum(p.score * n for p, n in zip(result.paragraphs, sizes) if p.label)
    all_main = sum(p.score * n for p, n in zip(result.paragraphs, sizes))
    assert result.confidence == pytest.approx(2 * kept_main / (kept + all_main), abs=1e-3)


def test_a_page_of_sure_noise_keeps_nothing_with_the_chance_that_there_was_nothing_to_keep(content_filter):
    result = content_filter.filter("Home | News | Sport | Contact\n© 2026 All rights reserved\nPrivacy | Terms\n",
                                   format="text")
    if not result.text:  # (the model decides; the figure follows from its scores either way)
        chance = math.prod(1 - p.score for p in result.paragraphs)
        assert result.kept_share == 0 and result.confidence == pytest.approx(chance, abs=1e-3)
    assert 0 <= result.confidence <= 1


def test_batches_and_archives_carry_metadata_and_confidence(tmp_path):
    from archive_fixtures import build

    line = json.dumps({"id": 1, "html": (PAGES / "meta-article-en.html").read_text(encoding="utf-8")})
    done = run("--jsonl", data=line.encode() + b"\n")
    record = json.loads(done.stdout)
    assert record["metadata"]["title"] == ENGLISH["title"] and 0 < record["confidence"] <= 1 and record["kept_share"]

    archive = tmp_path / "crawl.warc.gz"
    archive.write_bytes(build(True, "1.1")[0])
    done = run("--quiet", str(archive))
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert records and all(r["warc_date"].startswith("20") and r["metadata"]["language"] == r["lang"]
                           and 0 <= r["confidence"] <= 1 for r in records)
    responses = [r for r in records if r["warc_type"] == "response"]
    assert all(r["http_status"] == 200 for r in responses)
    assert {(r["content_type"] or "none").split(";")[0] for r in responses} == {"text/html", "none"}  # as sent
    conversions = [r for r in records if r["warc_type"] == "conversion"]
    assert conversions and all(r["http_status"] is None and r["content_type"] for r in conversions)


@pytest.mark.parametrize("script", [
    "[" * 5000 + "]" * 5000,  # nested past Python's stack
    "[" * 800 + '{"@type": "NewsArticle", "headline": "Deep"}' + "]" * 800,
    '{"@type": "NewsArticle", "headline": ',  # cut off
], ids=["too-deep", "deep", "cut-off"])
def test_hostile_json_ld_costs_nothing_but_its_own_fields(content_filter, script):
    page = (PAGES / "meta-article-en.html").read_text(encoding="utf-8").replace(  # read before the page's own
        "<head>", f'<head><script type="application/ld+json">{script}</script>')
    result = content_filter.filter(page)
    assert result.ok and result.metadata.title == ENGLISH["title"] and result.metadata.author == ENGLISH["author"]
