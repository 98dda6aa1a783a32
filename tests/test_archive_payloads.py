"""HTTP bodies inside archives: every Content-Encoding as servers send it, each bounded, and every HTML
record answered (its page, or an error saying why)."""
import gzip as gzip_module
import io
import subprocess
import sys
import zlib

import brotli
import pytest
import zstandard

import archive_fixtures as fixtures
from filterkit.archives import PAGE_READ_LIMIT, filter_archive, iter_records

HTML = fixtures.ENGLISH_HTML.encode()
CODERS = {
    "gzip": gzip_module.compress, "x-gzip": gzip_module.compress, "deflate": zlib.compress,
    "br": brotli.compress, "zstd": zstandard.ZstdCompressor().compress,
}


def _raw_deflate(data):
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush()


def _record(body, coding, url="https://odd.example/page"):
    headers = [("Content-Type", "text/html; charset=utf-8")] + ([("Content-Encoding", coding)] if coding else [])
    [record] = iter_records(io.BytesIO(fixtures.single_response(body, headers, url=url)))
    return record


def _encode(data, codings):
    for coding in codings:
        data = CODERS[coding](data)
    return data


@pytest.mark.parametrize("header, codings", [
    ("gzip", ["gzip"]), ("GZIP", ["gzip"]), (" x-gzip ", ["x-gzip"]), ("deflate", ["deflate"]), ("br", ["br"]),
    ("zstd", ["zstd"]), ("gzip, gzip", ["gzip", "gzip"]), ("identity, gzip", ["gzip"]), ("gzip,br", ["gzip", "br"]),
    ("br, zstd", ["br", "zstd"]), ("Deflate , identity", ["deflate"]), ("identity", []), ("", []),
])
def test_every_content_encoding_and_list_of_them_is_undone_in_reverse_order(header, codings):
    record = _record(_encode(HTML, codings), header)
    assert record.error is None and record.page.content == HTML


def test_raw_deflate_and_gzip_sent_as_deflate_are_read():
    assert _record(_raw_deflate(HTML), "deflate").page.content == HTML
    assert _record(gzip_module.compress(HTML), "deflate").page.content == HTML


def test_a_gzip_body_of_several_members_is_read_to_its_end():
    half = len(HTML) // 2
    body = gzip_module.compress(HTML[:half]) + gzip_module.compress(HTML[half:])
    assert _record(body, "gzip").page.content == HTML


@pytest.mark.parametrize("coding", ["utf-8", "text/html", "chunked", "x-bogus", "gzip"])
def test_a_bogus_or_wrong_coding_over_a_plain_page_keeps_the_page(coding):
    assert _record(HTML, coding).page.content == HTML


@pytest.mark.parametrize("coding, body", [("utf-8", b"\x00\x01\x02binary"), ("br", b"\xff" * 64),
                                          ("zstd", b"not zstd at all"), ("x-compress", b"\x1f\x9d\x90data")])
def test_an_html_record_whose_body_cannot_be_read_gets_an_error_not_a_silent_skip(coding, body):
    archive = fixtures.single_response(body, [("Content-Type", "text/html"), ("Content-Encoding", coding)])
    [record] = iter_records(io.BytesIO(archive))
    assert record.page is None and record.skip is None and record.error.startswith("cannot read the HTML body")
    [(answered, result)] = list(filter_archive(io.BytesIO(archive)))
    assert answered.record_id == record.record_id and result.error == record.error


@pytest.mark.parametrize("scheme", ["HTTP", "Https", "hTtP"])
def test_the_target_uri_scheme_is_compared_without_case(scheme):
    record = _record(HTML, None, url=f"{scheme}://odd.example/page")
    assert record.page is not None and record.page.content == HTML


BOMB = """
import io, sys, zlib
import brotli, zstandard
sys.path.insert(0, "tests")
import archive_fixtures as fixtures
from filterkit.archives import PAGE_READ_LIMIT, iter_records
coding, size, chunk = sys.argv[1], int(sys.argv[2]), b"\\0" * 2**20
packer = {"gzip": lambda: zlib.compressobj(1, zlib.DEFLATED, 31), "deflate": lambda: zlib.compressobj(1),
          "br": lambda: brotli.Compressor(quality=1), "zstd": lambda: zstandard.ZstdCompressor(level=1).compressobj()}[coding]()
step = packer.process if coding == "br" else packer.compress
body = b"".join(step(chunk) for _ in range(size // len(chunk))) + (packer.finish() if coding == "br" else packer.flush())
archive = fixtures.single_response(body, [("Content-Type", "text/html"), ("Content-Encoding", coding)])
[record] = iter_records(io.BytesIO(archive))
# VmHWM is this program's own peak: ru_maxrss would carry the peak of the process that started it across exec
peak_kb = next(int(line.split()[1]) for line in open('/proc/self/status') if line.startswith('VmHWM:'))
print(len(body), len(record.page.content), PAGE_READ_LIMIT, peak_kb // 1024)
"""


@pytest.mark.parametrize("coding", ["gzip", "deflate", "br", "zstd"])
def test_every_coding_stops_at_the_page_read_limit_whatever_the_body_inflates_to(coding):
    size = 1 << 30  # a gigabyte of zeros, a few hundred kilobytes packed
    done = subprocess.run([sys.executable, "-c", BOMB, coding, str(size)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    packed, read, limit, peak_mb = map(int, done.stdout.split())
    assert packed < size // 100 and read == limit
    assert peak_mb < 150 + 4 * limit // 2**20  # the interpreter and a few copies of the limit, not the gigabyte
