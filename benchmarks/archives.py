"""Web archives against JSON Lines on the same pages: ``python -m benchmarks.archives``.

Builds, in a temporary directory, a gzip WARC/1.1 archive of the held-out benchmark pages
(``training.evaluation.held_out_sets()``) as a crawl would hold them: a warcinfo record;
each page's HTML bytes as a ``text/html`` response with its URL, after its request; each
page's text rendering as a WET ``conversion`` record; the held-out Chinese pages again in
GB18030 and the English ones in windows-1252, their ``<meta charset>`` removed, the charset
declared only in the HTTP header; a PDF, a 301 redirect, a 404, a revisit and a metadata
record; and a last response cut in the middle (a crawl killed while writing).

Then it filters the archive with ``filterkit.archives.filter_archive`` and the same pages
with ``ContentFilter.filter_many`` (the ``--jsonl`` path: decoded HTML, and the renderings
as text), and prints the records by type, the results per page record, the word F1 of both
paths against the gold texts, whether the cut record was reported, and pages/s. Needs
``../shared`` (or ``$FILTERKIT_SHARED``).
"""
from __future__ import annotations

import argparse
import gzip
import io
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from urllib.parse import quote

from filterkit import ContentFilter, Page
from filterkit.archives import ArchiveError, filter_archive, iter_records
from training import benchmarks
from training.benchmarks import BenchmarkPage
from training.evaluation import BATCH_SIZE, forget_seen_pages, held_out_sets, warm_up
from training.scoring import macro_score

LEGACY = {"zh": "gb18030", "en": "windows-1252"}
_META_CHARSET = re.compile(r"<meta[^>]*charset[^>]*>", re.IGNORECASE)
URL_SAFE = ":/?#[]@!$&'()*+,;=%~"  # an HTTP request line is ASCII: other characters are percent-encoded
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def page_url(page: BenchmarkPage) -> str:
    return page.url or f"https://{page.dataset.replace('/', '-')}.invalid/{page.id}"


def legacy_copy(page: BenchmarkPage) -> tuple[str, bytes, str]:
    """(url, bytes, Content-Type) of the page in its language's legacy charset, declared in HTTP only."""
    charset = LEGACY[page.lang]
    html = _META_CHARSET.sub("", page.html())
    return f"{page_url(page)}#{charset}", html.encode(charset, errors="xmlcharrefreplace"), \
        f"text/html; charset={charset}"


def write_archive(path: Path, pages: list[BenchmarkPage]) -> None:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    def http(status: str, headers: list[tuple[str, str]]) -> StatusAndHeaders:
        return StatusAndHeaders(status, headers, protocol="HTTP/1.1")

    def response(url: str, body: bytes, content_type: str | None, status: str = "200 OK") -> None:
        request = StatusAndHeaders(f"GET {quote(url, safe=URL_SAFE)} HTTP/1.1", [("User-Agent", "benchbot/1.0")], is_http_request=True)
        writer.write_record(writer.create_warc_record(url, "request", http_headers=request))
        headers = [("Content-Type", content_type)] if content_type else []
        writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body), length=len(body),
                                                      http_headers=http(status, headers)))

    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=True, warc_version="1.1")
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "benchmarks.archives"}))
        for page in pages:
            response(page_url(page), gzip.decompress(page.html_path.read_bytes()), "text/html")
        response("https://reports.invalid/annual.pdf", PDF, "application/pdf")
        response("http://reports.invalid/", b"", None, "301 Moved Permanently")
        response("https://reports.invalid/gone", b"<html><body><p>Not here.</p></body></html>", "text/html",
                 "404 Not Found")
        first = page_url(pages[0])
        writer.write_record(writer.create_revisit_record(first, "sha1:AAAABBBBCCCCDDDDEEEEFFFFGGGGHHHH", first,
                                                         "2026-01-01T00:00:00Z",
                                                         http_headers=http("200 OK", [("Content-Type", "text/html")])))
        outlinks = b"outlink: https://reports.invalid/\r\n"
        writer.write_record(writer.create_warc_record(first, "metadata", payload=io.BytesIO(outlinks),
                                                      length=len(outlinks), warc_content_type="application/warc-fields"))
        for page in pages:
            text = page.rendering().encode("utf-8")
            writer.write_record(writer.create_warc_record(page_url(page), "conversion", payload=io.BytesIO(text),
                                                          length=len(text), warc_content_type="text/plain"))
        for page in pages:
            url, body, content_type = legacy_copy(page)
            response(url, body, content_type)
        out.flush()
        cut_from = out.tell()
        response("https://last.invalid/cut", gzip.decompress(pages[0].html_path.read_bytes()), "text/html")
    size = path.stat().st_size
    with path.open("r+b") as out:
        out.truncate(cut_from + (size - cut_from) // 2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.archives", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", help="model directory (default: the shipped model)")
    args = parser.parse_args(argv)
    if not benchmarks.available():
        parser.exit(2, f"{parser.prog}: {benchmarks.SHARED_DATA} not found: this benchmark needs the benchmark "
                       "pages of ../shared (or set FILTERKIT_SHARED to the folder that holds data/)\n")
    pages = [page for held_out in held_out_sets().values() for page in held_out]
    gold = {page_url(page): page.gold for page in pages}
    content_filter = ContentFilter(args.model)
    content_filter.load("html")
    warm_up()

    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "held-out.warc.gz"
        write_archive(path, pages)
        print(f"archive: {path.stat().st_size / 1e6:.1f} MB gzip, {len(pages)} held-out pages "
              f"({', '.join(f'{name} {len(held)}' for name, held in held_out_sets().items())})")
        kinds: Counter[str] = Counter()
        skipped: Counter[str] = Counter()
        page_records = []
        try:
            for record in iter_records(path):
                kinds[record.warc_type] += 1
                if record.skip:
                    skipped[record.skip] += 1
                else:
                    page_records.append(record.record_id)
        except ArchiveError:
            pass
        print("records by type: " + ", ".join(f"{kind} {count}" for kind, count in kinds.most_common()))
        print("skipped: " + ", ".join(f"{reason} {count}" for reason, count in skipped.most_common()))

        forget_seen_pages()
        results = []
        reported = None
        started = time.perf_counter()
        try:
            for record, result in filter_archive(path, content_filter, batch_size=BATCH_SIZE):
                results.append((record, result))
        except ArchiveError as error:
            reported = error
        archive_seconds = time.perf_counter() - started

    results_of = Counter(record.record_id for record, _ in results)
    one_each = [record.record_id for record, _ in results] == page_records and set(results_of.values()) == {1}
    print(f"results per page record: {len(results)} results for {len(page_records)} page records, "
          f"{'exactly one each, in archive order' if one_each else 'NOT one each in order'}; "
          f"errors {sum(not result.ok for _, result in results)}")
    print(f"cut last record reported: {'yes: ' + str(reported) if reported else 'NO'}")

    html_results = {record.url: result.text for record, result in results if record.warc_type == "response"}
    wet_results = {record.url: result.text for record, result in results if record.warc_type == "conversion"}
    # The same pages as JSON Lines records would carry them, in archive order: HTML, text, legacy bytes.
    inputs = ([Page(page.html(), format="html") for page in pages]
              + [Page(page.rendering(), format="text") for page in pages]
              + [Page(body, content_type=content_type, format="html")
                 for _, body, content_type in map(legacy_copy, pages)])
    forget_seen_pages()
    started = time.perf_counter()
    jsonl = [result.text for result in content_filter.filter_many(inputs, batch_size=BATCH_SIZE)]
    jsonl_seconds = time.perf_counter() - started
    jsonl_html, jsonl_text, jsonl_legacy = jsonl[:len(pages)], jsonl[len(pages):2 * len(pages)], jsonl[2 * len(pages):]
    urls = [page_url(page) for page in pages]
    golds = [gold[url] for url in urls]
    rows = [
        ("HTML responses", [html_results[url] for url in urls], jsonl_html),
        ("legacy charset in HTTP only", [html_results[legacy_copy(page)[0]] for page in pages], jsonl_legacy),
        ("WET conversions (text track)", [wet_results[url] for url in urls], jsonl_text),
    ]
    print(f"word F1 on the held-out pages ({len(pages)}):      archive   jsonl   same texts")
    for label, archive_texts, jsonl_texts in rows:
        same = sum(a == b for a, b in zip(archive_texts, jsonl_texts))
        print(f"  {label:32s} {macro_score(list(zip(archive_texts, golds))).f1:9.3f} "
              f"{macro_score(list(zip(jsonl_texts, golds))).f1:7.3f}   {same}/{len(pages)}")
    print(f"speed, the same {len(inputs)} pages: archive {len(results) / archive_seconds:.1f} pages/s "
          f"(read and filtered in {archive_seconds:.1f} s), jsonl path {len(inputs) / jsonl_seconds:.1f} pages/s "
          f"({jsonl_seconds:.1f} s)")
    return 0 if one_each and reported else 1


if __name__ == "__main__":
    sys.exit(main())
