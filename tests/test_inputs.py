"""What a batch input is, told by content: archives for the command line and the Spark job alike, pages,
and the files of a folder that are not pages."""
import gzip
import io
import os
import struct
import zlib

import pytest

import archive_fixtures as fixtures
from conftest import PAGES
from filterkit.inputs import Peeked, SNIFF_BYTES, is_archive_file, looks_like_warc, not_a_page

HTML = (PAGES / "night-market.html").read_bytes()
TEXT = (PAGES / "harbour-ferry.txt").read_bytes()


def _png():
    header = b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return header + struct.pack(">I", zlib.crc32(header[12:])) + b"\0" * 64


NOT_PAGES = {
    "png": _png(), "jpeg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x01" * 40, "gif": b"GIF89a\x01\x00\x01\x00",
    "pdf": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n",
    "zip": b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\x00" * 30, "gzip of a page": gzip.compress(HTML),
    "webp": b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 20, "font": b"wOF2\x00\x01\x00\x00" + b"\x00" * 40,
    "elf": b"\x7fELF\x02\x01\x01" + b"\x00" * 60, "binary": bytes(range(256)) * 4,
    "js": b"(function(){var a=document.querySelectorAll('.nav');for(var i=0;i<a.length;i++){a[i].hidden=true;}})();",
    "js lines": b"var menu = document.getElementById('menu');\nmenu.addEventListener('click', function (event) {\n"
                b"  event.preventDefault();\n  menu.classList.toggle('open');\n});\n",
    "module": b"import { render } from './app.js';\nexport default function start() {\n  render(document.body);\n}\n",
    "css": b"body {\n  margin: 0;\n  font-family: Georgia, serif;\n}\n.nav a {\n  color: #333;\n}\n",
    "css media": b"@media (max-width: 600px) {\n  .sidebar { display: none; }\n}\n",
    "robots": b"# robots for the gazette\nUser-agent: *\nDisallow: /search\nDisallow: /admin/\n"
              b"Sitemap: https://gazette.example/sitemap.xml\n",
    "json": b'{"title": "Harbour ferry", "tags": ["local", "boats"], "views": 1200}\n',
    "json list": b'[{"id": 1, "name": "ferry"}, {"id": 2, "name": "market"}]',
    "rss": b'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>Gazette</title>'
           b'<item><title>Ferry</title></item></channel></rss>',
    "sitemap": b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url>'
               b'<loc>https://gazette.example/a</loc></url></urlset>',
    "svg": b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><circle r="4"/></svg>',
}
PAGES_OF_EVERY_KIND = {
    "html": HTML, "text": TEXT, "utf-16 with bom": "\ufeff".encode("utf-16-le") + HTML.decode().encode("utf-16-le"),
    "utf-16 without bom": HTML.decode().encode("utf-16-le"), "gb18030": "老城区夜市今晚重新开张。\n摊贩们在傍晚五点准时摆好摊位。"
    .encode("gb18030"), "xhtml": b'<?xml version="1.0"?>\n<!DOCTYPE html><html xmlns="http://www.w3.org/1999/xhtml">'
    b"<body><p>Ferry</p></body></html>", "text with code words": b"Let the ferry run late; the council said so.\n"
    b"Import duties on fish rose (again) this year.\nVar is the name of the river's upper arm.\n",
    "empty": b"", "html fragment": b"<p>One paragraph only</p>",
    "text with braces": b"The ferry timetable {summer} changes on Monday.\nTickets cost 3 (children 1).\n",
}


@pytest.mark.parametrize("kind", NOT_PAGES)
def test_what_is_not_a_page_is_named(kind):
    assert not_a_page(NOT_PAGES[kind][:SNIFF_BYTES])


@pytest.mark.parametrize("kind", PAGES_OF_EVERY_KIND)
def test_pages_in_any_encoding_and_shape_are_pages(kind):
    assert not_a_page(PAGES_OF_EVERY_KIND[kind][:SNIFF_BYTES]) is None


def test_every_test_page_and_fixture_page_is_a_page():
    heads = [path.read_bytes()[:SNIFF_BYTES] for path in PAGES.iterdir() if path.suffix in (".html", ".txt")]
    heads += [fixtures.ENGLISH_HTML.encode(), fixtures.CHINESE_HTML.encode(), fixtures.BIG5_HTML]
    assert heads and [not_a_page(head) for head in heads] == [None] * len(heads)


@pytest.mark.parametrize("name", ["crawl.warc.gz", "CC-MAIN-1.warc.wet.gz", "crawl.warc", "no-suffix", "x.html"])
def test_an_archive_is_known_by_its_content_whatever_its_name(tmp_path, name):
    data, _ = fixtures.build(gzip=name.endswith(".gz"))
    (tmp_path / name).write_bytes(data)
    (tmp_path / "page.warc.gz").write_bytes(HTML)
    assert is_archive_file(tmp_path / name) and not is_archive_file(tmp_path / "page.warc.gz")
    assert not is_archive_file(tmp_path) and not is_archive_file(tmp_path / "missing")


def test_a_fifo_is_never_opened_by_the_archive_rule(tmp_path):
    os.mkfifo(tmp_path / "pipe")  # opening it would wait for a writer forever
    assert not is_archive_file(tmp_path / "pipe")


@pytest.mark.parametrize("chunk", [1, 7, 1000, 100000])
def test_a_peeked_stream_gives_back_every_byte_in_order(chunk):
    data, _ = fixtures.build(gzip=True)

    class Trickle(io.RawIOBase):  # a pipe: reads return a few bytes at a time
        def __init__(self):
            self.at = 0

        def read(self, size=-1):
            size = chunk if size is None or size < 0 else min(size, chunk)
            part = data[self.at:self.at + size]
            self.at += len(part)
            return part

    peeked = Peeked(Trickle())
    assert peeked.head == data[:SNIFF_BYTES] and looks_like_warc(peeked.head)
    got = peeked.read(10) + peeked.read(5000) + peeked.read()
    assert got == data


def test_the_spark_job_finds_archives_by_the_same_rule(tmp_path, capsys):
    pytest.importorskip("pyspark")
    from filterkit.integrations.spark import _archive_paths

    data, _ = fixtures.build(gzip=True)
    (tmp_path / "crawl" / "wet").mkdir(parents=True)
    for name in ("CC-MAIN-00001.warc.wet.gz", "wet/segment.warc", "plain.arc.gz"):
        (tmp_path / "crawl" / name).write_bytes(data)
    (tmp_path / "crawl" / "notes.warc.gz").write_bytes(b"not an archive")
    (tmp_path / "crawl" / "page.html").write_bytes(HTML)
    found = _archive_paths([str(tmp_path / "crawl")])
    assert [os.path.relpath(path, tmp_path / "crawl") for path in found] == [
        "CC-MAIN-00001.warc.wet.gz", "plain.arc.gz", "wet/segment.warc"]
    assert "2 files that are not WARC archives skipped" in capsys.readouterr().err
