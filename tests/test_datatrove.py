"""filterkit in a real datatrove pipeline: WarcReader → FilterkitExtractor → JsonlWriter, run by LocalPipelineExecutor."""
import contextlib
import dataclasses
import gzip
import json
import os
import re
import signal
import subprocess
import sys
from io import BytesIO
from pathlib import Path

import pytest
from datatrove.executor import LocalPipelineExecutor
from datatrove.pipeline.readers import WarcReader
from datatrove.pipeline.writers import JsonlWriter
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from filterkit import ContentFilter
from filterkit.integrations.datatrove import FilterkitExtractor

ENGLISH = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>The lighthouse keeper's garden | Harbour Weekly</title></head>
<body>
<header><nav><ul><li><a href="/">Home</a></li><li><a href="/towns">Towns</a></li><li><a href="/boats">Boats</a></li>
<li><a href="/weather">Weather</a></li><li><a href="/subscribe">Subscribe</a></li></ul></nav></header>
<main><article>
<h1>The lighthouse keeper's garden</h1>
<p>For thirty winters Agnes Molloy kept the lamp burning on Skerry Point, and for most of those winters she also kept
a vegetable garden that everyone on the mainland said could not possibly survive the salt wind.</p>
<p>She built low walls from driftwood and broken lobster pots, packed the gaps with seaweed, and planted kale,
leeks and a stubborn row of broad beans that flowered every May no matter how hard the gales blew in April.</p>
<p>When the lighthouse was automated, the garden was left to itself. Visitors who row across on calm days say the
beans still come up between the stones, smaller now, but faithful to the same crooked line she marked out decades ago.</p>
</article>
<aside><h2>More from Harbour Weekly</h2><ul>
<li><a href="/a/1">Ferry timetable changes for the autumn</a></li>
<li><a href="/a/2">Ten photos of the regatta you missed</a></li>
<li><a href="/a/3">Why the fish market moved across the bay</a></li>
<li><a href="/a/4">Readers share their favourite harbour walks</a></li>
</ul></aside></main>
<footer><p>© Harbour Weekly. All rights reserved.</p><a href="/privacy">Privacy</a> <a href="/contact">Contact</a></footer>
</body></html>"""

CHINESE = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>山村里的夜校 - 河谷日报</title></head>
<body>
<div class="nav"><a href="/">首页</a> | <a href="/local">本地</a> | <a href="/culture">文化</a> | <a href="/login">登录</a></div>
<div class="content">
<h1>山村里的夜校</h1>
<p>每到冬天农闲的时候，村里的老会计就会把祠堂的偏房打扫干净，摆上几张旧桌子，办起一所只在晚上开门的学校。</p>
<p>来上课的大多是四五十岁的妇女，她们白天喂猪、晒菜，晚上提着手电筒走过田埂，来学写自己的名字和记账的方法。</p>
<p>老会计说，他不求大家学会多少字，只希望以后去镇上办事的时候，谁都不用再请别人帮忙按手印。</p>
</div>
<div class="footer">版权所有 河谷日报 | 联系我们</div>
</body></html>"""

EMPTY = """<!DOCTYPE html><html><head><title>Moved</title></head><body></body></html>"""
NAV_ONLY = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Site map</title></head><body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/towns">Towns</a></li><li><a href="/boats">Boats</a></li></ul></nav>
<footer><a href="/privacy">Privacy</a> <a href="/contact">Contact</a></footer>
</body></html>"""

# The README's example takes about 15 s on 2 busy cores; without its __main__ guard it never ends.
SCRIPT_TIMEOUT = 180

# A page far too long to filter in the time the slow test gives each document.
ENDLESS_TABLE = "<html><body>" + "".join(f"<p>Row {i} of a ledger that never ends, a few words each.</p>"
                                          for i in range(100000)) + "</body></html>"


def response(writer: WARCWriter, url: str, body: bytes, content_type: str) -> None:
    http = StatusAndHeaders("200 OK", [("Content-Type", content_type), ("Content-Length", str(len(body)))],
                            protocol="HTTP/1.1")
    # Common Crawl's own payload-type header, which WarcReader reads to keep HTML only.
    payload_type = content_type.split(";")[0]
    writer.write_record(writer.create_warc_record(url, "response", payload=BytesIO(body), http_headers=http,
                                                  warc_headers_dict={"WARC-Identified-Payload-Type": payload_type}))


def write_warc(path: Path, pages: list[tuple[str, bytes, str]]) -> None:
    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=True)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "filterkit tests"}))
        for url, body, content_type in pages:
            request = StatusAndHeaders("GET / HTTP/1.1", [("Host", "example.org")], is_http_request=True)
            writer.write_record(writer.create_warc_record(url, "request", http_headers=request))
            response(writer, url, body, content_type)


def run_pipeline(tmp_path: Path, extractor: FilterkitExtractor, tasks: int) -> tuple[dict[str, dict], dict]:
    """The documents written, by URL, and the extractor's stats."""
    LocalPipelineExecutor(
        pipeline=[WarcReader(str(tmp_path / "warc")), extractor, JsonlWriter(str(tmp_path / "out"))],
        tasks=tasks, workers=1, logging_dir=str(tmp_path / "logs"),
    ).run()
    docs = {}
    for part in sorted((tmp_path / "out").glob("*.jsonl.gz")):
        with gzip.open(part, "rt", encoding="utf-8") as lines:
            for line in lines:
                doc = json.loads(line)
                docs[doc["metadata"]["url"]] = doc
    steps = json.loads((tmp_path / "logs" / "stats.json").read_text())
    stats = next(step["stats"] for step in steps if step["name"] == repr(extractor))
    return docs, {name: value["total"] if isinstance(value, dict) else value for name, value in stats.items()}


def test_warc_to_jsonl_keeps_main_text_and_language(tmp_path):
    (tmp_path / "warc").mkdir()
    write_warc(tmp_path / "warc" / "a.warc.gz", [
        ("https://harbour.example/garden", ENGLISH.encode(), "text/html; charset=utf-8"),
        ("https://harbour.example/ferries.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", "application/pdf"),
        ("https://harbour.example/moved", EMPTY.encode(), "text/html"),
    ])
    write_warc(tmp_path / "warc" / "b.warc.gz", [
        ("https://hegu.example/night-school", CHINESE.encode(), "text/html; charset=utf-8"),
    ])

    docs, stats = run_pipeline(tmp_path, FilterkitExtractor(batch_size=2), tasks=2)

    assert set(docs) == {"https://harbour.example/garden", "https://hegu.example/night-school"}
    english = docs["https://harbour.example/garden"]
    assert english["text"].startswith("The lighthouse keeper's garden\n\nFor thirty winters Agnes Molloy")
    assert english["text"].endswith("faithful to the same crooked line she marked out decades ago.")
    for noise in ("Subscribe", "Ferry timetable", "Ten photos", "All rights reserved", "Privacy", "<p>"):
        assert noise not in english["text"]
    assert english["metadata"]["language"] == "en"
    assert english["metadata"]["page_metadata"]["title"] == "The lighthouse keeper's garden"
    assert english["metadata"]["page_metadata"]["site_name"] is None  # the page does not state it
    assert 0.5 < english["metadata"]["confidence"] <= 1 and 0 < english["metadata"]["kept_share"] < 1
    chinese = docs["https://hegu.example/night-school"]
    assert chinese["text"].startswith("山村里的夜校\n\n每到冬天农闲的时候")
    assert "按手印" in chinese["text"] and "登录" not in chinese["text"] and "版权所有" not in chinese["text"]
    assert chinese["metadata"]["language"] == "zh"
    # The reader skips the PDF; the page without main content is dropped and counted, like datatrove's extractors.
    assert stats["total"] == 3 and stats["extracted"] == 3
    assert stats["forwarded"] == 2 and stats["dropped"] == 1


def test_a_document_out_of_time_is_dropped_and_the_rest_go_on(tmp_path):
    (tmp_path / "warc").mkdir()
    write_warc(tmp_path / "warc" / "slow.warc.gz", [
        ("https://harbour.example/garden", ENGLISH.encode(), "text/html; charset=utf-8"),
        ("https://harbour.example/ledger", ENDLESS_TABLE.encode(), "text/html"),
        ("https://hegu.example/night-school", CHINESE.encode(), "text/html; charset=utf-8"),
    ])

    docs, stats = run_pipeline(tmp_path, FilterkitExtractor(timeout=0.5, lang_key="lang"), tasks=1)

    assert set(docs) == {"https://harbour.example/garden", "https://hegu.example/night-school"}
    assert docs["https://hegu.example/night-school"]["metadata"]["lang"] == "zh"
    assert stats["total"] == 3 and stats["timeout"] == 1 and stats["forwarded"] == 2


def test_a_document_filterkit_cannot_filter_or_that_kills_its_process_is_dropped_and_counted(tmp_path, monkeypatch):
    unfilterable, fatal = "<!-- test: unfilterable -->", "<!-- test: fatal -->"
    real_filter_many = ContentFilter.filter_many

    def failing_filter_many(self, pages, *args, **kwargs):
        pages = list(pages)
        if any(fatal in page for page in pages):
            os._exit(1)  # as the OOM killer or a crash in a native library would end the process
        for page, result in zip(pages, real_filter_many(self, pages, *args, **kwargs)):
            yield dataclasses.replace(result, paragraphs=(), error="cannot filter this page") if unfilterable in page \
                else result

    # The executor runs the task in this process (workers=1), and the sandbox is forked from it.
    monkeypatch.setattr(ContentFilter, "filter_many", failing_filter_many)
    (tmp_path / "warc").mkdir()
    write_warc(tmp_path / "warc" / "flaky.warc.gz", [
        ("https://harbour.example/garden", ENGLISH.encode(), "text/html; charset=utf-8"),
        ("https://harbour.example/broken", (ENGLISH + unfilterable).encode(), "text/html"),
        ("https://harbour.example/crash", (ENGLISH + fatal).encode(), "text/html"),
        ("https://hegu.example/night-school", CHINESE.encode(), "text/html; charset=utf-8"),
    ])

    # One document a batch: datatrove's sandbox notices a dead process only after 5 s, once is enough.
    docs, stats = run_pipeline(tmp_path, FilterkitExtractor(batch_size=1), tasks=1)

    assert set(docs) == {"https://harbour.example/garden", "https://hegu.example/night-school"}
    assert stats["total"] == 4 and stats["forwarded"] == 2
    assert stats["clean_error"] == 1 and stats["broken_process"] == 1


@pytest.mark.parametrize("bad, message", [({"format": "pdf"}, "format must be one of"),
                                          ({"batch_size": 0}, "batch_size must be at least 1"),
                                          ({"timeout": 0}, "timeout must be a positive"),
                                          ({"threshold": 1.5}, "threshold must be between 0 and 1")])
def test_a_bad_setting_fails_where_the_pipeline_is_built(bad, message):
    with pytest.raises(ValueError, match=message):
        FilterkitExtractor(**bad)


def readme_datatrove_example() -> str:
    """The README's datatrove example, as a user pastes it into a file."""
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", readme, re.DOTALL)
    return next(block for block in blocks if "FilterkitExtractor" in block)


def test_the_readme_example_runs_as_a_script(tmp_path):
    """datatrove's workers import the script again: the README's example must carry the __main__ guard."""
    (tmp_path / "crawl").mkdir()
    write_warc(tmp_path / "crawl" / "a.warc.gz", [
        ("https://harbour.example/garden", ENGLISH.encode(), "text/html; charset=utf-8"),
        ("https://hegu.example/night-school", CHINESE.encode(), "text/html; charset=utf-8"),
    ])
    (tmp_path / "pipeline.py").write_text(readme_datatrove_example(), encoding="utf-8")

    # Its own session, so that the workers of a run that hangs are ended with it.
    run = subprocess.Popen([sys.executable, "pipeline.py"], cwd=tmp_path, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, start_new_session=True)
    try:
        _, stderr = run.communicate(timeout=SCRIPT_TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the README's datatrove example did not end within {SCRIPT_TIMEOUT} s")
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(run.pid, signal.SIGKILL)
        run.communicate()

    assert run.returncode == 0, stderr.decode(errors="replace")[-3000:]
    texts = {}
    for part in (tmp_path / "out").glob("*.jsonl.gz"):
        with gzip.open(part, "rt", encoding="utf-8") as lines:
            texts.update((doc["metadata"]["url"], doc["text"]) for doc in map(json.loads, lines))
    assert sorted(texts) == ["https://harbour.example/garden", "https://hegu.example/night-school"]
    assert texts["https://harbour.example/garden"].startswith("The lighthouse keeper's garden\n\n")
    assert texts["https://hegu.example/night-school"].startswith("山村里的夜校\n\n")


@pytest.mark.xfail(strict=True, reason="known regression of the HTML model trained on every labeled page: it keeps "
                   "the nav item 'Towns' (P 0.42) of this four-link site map; the model trained without the "
                   "held-out fifth drops all four (0.03 at most)")
def test_a_page_of_navigation_alone_has_no_main_content():
    assert ContentFilter().filter(NAV_ONLY).text == ""
