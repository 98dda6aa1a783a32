"""Web archives in: page records and skipped records, charsets from HTTP, damage, paths and streams."""
import gzip as gzip_module
import io
import tracemalloc
from collections import Counter

import pytest

import archive_fixtures as fixtures
from filterkit.archives import ArchiveError, filter_archive, iter_records, looks_like_warc
from filterkit.decoding import decode

KINDS = [(gzip, version) for gzip in (True, False) for version in ("1.0", "1.1")]
KIND_IDS = [f"{'gzip' if gzip else 'plain'}-{version}" for gzip, version in KINDS]


class Unseekable(io.RawIOBase):
    """A pipe: read only, no tell or seek, short reads (as sys.stdin.buffer gives)."""

    def __init__(self, data: bytes):
        self._data, self._pos, self.read_bytes = data, 0, 0

    def readable(self):
        return True

    def readinto(self, buffer):
        size = min(len(buffer), 1000, len(self._data) - self._pos)
        buffer[:size] = self._data[self._pos:self._pos + size]
        self._pos += size
        self.read_bytes += size
        return size


@pytest.mark.parametrize("gzip,version", KINDS, ids=KIND_IDS)
def test_each_page_record_gives_one_result_in_order(gzip, version, content_filter):
    data, expected = fixtures.build(gzip, version)
    pages = [entry for entry in expected if entry.skip is None]
    results = list(filter_archive(io.BytesIO(data), content_filter, batch_size=3))
    assert [record.url for record, _ in results] == [entry.url for entry in pages]
    for (record, result), entry in zip(results, pages):
        assert result.ok, result.error
        assert record.record_id.startswith("<urn:uuid:") and result.id == record.record_id
        assert record.warc_type == entry.warc_type and record.date.startswith("20")
        assert entry.words in result.text
        assert result.format == ("text" if entry.warc_type == "conversion" else "html")
    assert len({record.record_id for record, _ in results}) == len(results)


def test_teasers_stay_out(content_filter):
    data, _ = fixtures.build()
    teaser_page = next(result for record, result in filter_archive(io.BytesIO(data), content_filter)
                       if record.url == fixtures.TEASER_URL)
    assert "reading garden" in teaser_page.text
    assert "swimming pool" not in teaser_page.text and "Bakery on Mill Lane" not in teaser_page.text


@pytest.mark.parametrize("gzip,version", KINDS, ids=KIND_IDS)
def test_every_record_comes_out_and_the_odd_ones_say_why_they_are_skipped(gzip, version):
    data, expected = fixtures.build(gzip, version)
    records = list(iter_records(io.BytesIO(data)))
    assert [(r.warc_type, r.url) for r in records] == [(e.warc_type, e.url) for e in expected]
    for record, entry in zip(records, expected):
        assert (record.page is None) == (entry.skip is not None) == (record.skip is not None)
        if entry.skip:
            assert record.skip.startswith(entry.skip), (record.skip, entry.skip)
    assert Counter(r.skip for r in records if r.skip) == {
        "request record": 6, "warcinfo record": 1, "metadata record": 1, "revisit record": 1,
        "not HTML: application/pdf": 1, "redirect 301": 1, "status 404": 1}
    assert sum(r.page is not None for r in records) == 8


def test_a_big5_page_is_decoded_by_its_http_charset(content_filter):
    data, _ = fixtures.build()
    results = {record.url: (record, result) for record, result in filter_archive(io.BytesIO(data), content_filter)}
    record, result = results[fixtures.BIG5_URL]
    assert record.page.content_type == "text/html; charset=Big5" and result.encoding.startswith("big5")
    assert "往返南港與北島的渡輪" in result.text and "碼頭旁的小吃攤老闆" in result.text
    assert result.lang == "zh"
    # Too short for the detector: the header alone decodes it (without, it comes out as GB18030 nonsense).
    assert fixtures.BIG5_NOTICE_WORDS not in decode(fixtures.BIG5_NOTICE_HTML, html=True)[0]
    _, notice = results["https://haiwan.example/notice"]
    assert any(fixtures.BIG5_NOTICE_WORDS in paragraph.text for paragraph in notice.paragraphs)


def test_a_chunked_gzip_encoded_body_is_unpacked():
    data, _ = fixtures.build()
    record = next(r for r in iter_records(io.BytesIO(data)) if r.url == fixtures.CHINESE_URL and r.page)
    assert record.page.content.decode("utf-8") == fixtures.CHINESE_HTML


def damaged(gzip):
    data, expected = fixtures.build(gzip)
    starts = fixtures.record_starts(data, gzip)
    cases = [("truncated last record", fixtures.truncate_last(data, gzip), len(starts) - 1),
             ("bad header", fixtures.garble_header(data, gzip, 7), 7)]
    if gzip:
        cases.append(("damaged gzip member", fixtures.corrupt_member(data, 7), 7))
    return [(name, archive, index, starts[index], expected) for name, archive, index in cases]


@pytest.mark.parametrize("name,archive,index,offset,expected",
                         damaged(True) + damaged(False),
                         ids=[f"gzip-{case[0]}" for case in damaged(True)] + [f"plain-{case[0]}"
                                                                                for case in damaged(False)])
def test_damage_gives_every_record_before_it_then_says_where(name, archive, index, offset, expected, capfd):
    records = []
    with pytest.raises(ArchiveError) as raised:
        for record in iter_records(io.BytesIO(archive)):
            records.append(record)
    assert [r.url for r in records] == [e.url for e in expected[:index]]
    error = raised.value
    assert (error.offset, error.record) == (offset, index + 1)
    message = str(error)
    assert f"byte {offset}" in message and f"record {index + 1}" in message and "\n" not in message
    assert capfd.readouterr().err == ""  # warcio's own warnings stay silent


@pytest.mark.parametrize("gzip", [True, False], ids=["gzip", "plain"])
def test_filtering_a_truncated_archive_gives_the_pages_before_then_the_error(gzip, content_filter):
    data, expected = fixtures.build(gzip)
    pages_before = [e.url for e in expected[:-1] if e.skip is None]
    results = []
    with pytest.raises(ArchiveError, match=r"record 20\b"):
        for record, result in filter_archive(io.BytesIO(fixtures.truncate_last(data, gzip)), content_filter,
                                             batch_size=64):
            results.append((record.url, result.ok))
    assert results == [(url, True) for url in pages_before]


@pytest.mark.parametrize("gzip", [True, False], ids=["gzip", "plain"])
def test_an_archive_cut_anywhere_ends_cleanly_at_a_record_boundary_or_with_archive_error(gzip):
    data, _ = fixtures.build(gzip)
    starts = fixtures.record_starts(data, gzip) + [len(data)]
    for cut in range(0, len(data), 23):
        records = []
        try:
            for record in iter_records(io.BytesIO(data[:cut])):
                records.append(record)
        except ArchiveError as error:
            whole = sum(end <= cut for end in starts[1:])  # records entirely before the cut
            if len(records) == whole + 1:  # cut in the gzip trailer of a record whose data is all there
                assert gzip and error.record == len(records), cut
            else:
                assert len(records) == whole and error.record == whole + 1, cut
            assert error.offset == starts[error.record - 1], cut
        else:
            end = starts[len(records)]  # of the last record given, its blank lines included
            assert end - (0 if gzip else 4) <= cut <= end, cut  # a plain archive may lose the last blank lines


def test_a_wrong_content_length_is_damage_not_a_warning(capfd):
    data, _ = fixtures.build(gzip=False)
    start = fixtures.record_starts(data, False)[5]
    length_at = data.index(b"Content-Length: ", start) + len(b"Content-Length: ")
    end = data.index(b"\r\n", length_at)
    shorter = data[:length_at] + str(int(data[length_at:end]) - 10).encode() + data[end:]
    with pytest.raises(ArchiveError, match="record 6"):
        list(iter_records(io.BytesIO(shorter)))
    assert capfd.readouterr().err == ""


def test_a_damaged_gzip_body_is_a_page_record_with_its_error(capfd):
    body = bytearray(gzip_module.compress(fixtures.ENGLISH_HTML.encode() * 20))
    body[len(body) // 2:len(body) // 2 + 8] = b"\x00" * 8
    archive = fixtures.single_response(bytes(body), [("Content-Type", "text/html"), ("Content-Encoding", "gzip")])
    [record] = iter_records(io.BytesIO(archive))
    assert record.page is None and record.skip is None
    assert record.error.startswith("cannot read the HTML body: bad gzip data")
    assert capfd.readouterr().err == ""


def test_a_body_stored_unpacked_under_a_gzip_header_is_read_as_it_is():
    html = fixtures.ENGLISH_HTML.encode()
    archive = fixtures.single_response(html, [("Content-Type", "text/html"), ("Content-Encoding", "gzip")])
    [record] = iter_records(io.BytesIO(archive))
    assert record.page.content == html


def test_a_page_without_content_type_is_kept_only_if_it_looks_like_html():
    html = fixtures.single_response(fixtures.LAST_HTML.encode(), [])
    binary = fixtures.single_response(fixtures.PDF_BYTES, [])
    assert next(iter_records(io.BytesIO(html))).page is not None
    assert next(iter_records(io.BytesIO(binary))).skip == "not HTML: no Content-Type, and no markup"


def test_resource_records_of_html_are_pages_and_other_blocks_are_skipped():
    html = fixtures.LAST_HTML.encode()
    resource = fixtures.single_block("resource", "file:///saved/ferry.html", html, "text/html; charset=utf-8")
    image = fixtures.single_block("resource", "https://odd.example/logo.png", b"\x89PNG\r\n", "image/png")
    dns = fixtures.single_block("response", "dns:odd.example", b"20261130 odd.example. 300 IN A 192.0.2.1\n",
                                "text/dns")
    [record] = iter_records(io.BytesIO(resource))
    assert record.page.content == html and record.page.format == "html"
    assert record.page.content_type == "text/html; charset=utf-8"
    assert next(iter_records(io.BytesIO(image))).skip == "not HTML: image/png"
    assert next(iter_records(io.BytesIO(dns))).skip == "not HTTP: text/dns"


def test_paths_streams_pipes_and_one_gzip_member_for_the_whole_file(tmp_path, content_filter):
    data, expected = fixtures.build(gzip=False)
    urls = [e.url for e in expected]
    path = tmp_path / "crawl.warc"
    path.write_bytes(data)
    whole = tmp_path / "crawl.warc.gz"
    whole.write_bytes(gzip_module.compress(data))  # `gzip crawl.warc`: not one member per record
    pipe = Unseekable(fixtures.build(gzip=True)[0])
    for source in (str(path), path, whole, io.BufferedReader(pipe)):
        assert [r.url for r in iter_records(source)] == urls
    # The crawler's three lines.
    for record, result in filter_archive(str(whole), content_filter):
        print(record.url, result.text)


def test_filtering_is_lazy():
    data = b"".join(fixtures.build(gzip=True, version="1.1")[0] for _ in range(60))
    pipe = Unseekable(data)
    results = filter_archive(io.BufferedReader(pipe, buffer_size=1000), batch_size=2)
    next(results)
    assert pipe.read_bytes < len(data) / 4
    results.close()


def test_reading_memory_does_not_grow_with_the_archive():
    one = fixtures.build(gzip=True)[0]

    def peak(copies):
        data = io.BytesIO(one * copies)
        tracemalloc.start()
        try:
            assert sum(1 for _ in iter_records(data)) == 20 * copies
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    small, large = peak(15), peak(120)
    assert large < small + 64 * 1024, (small, large)  # 8x the records, the same memory


def test_archives_are_known_by_their_first_bytes():
    for gzip, version in KINDS:
        assert looks_like_warc(fixtures.build(gzip, version)[0][:512])
    assert looks_like_warc(gzip_module.compress(fixtures.build(gzip=False)[0])[:512])
    for other in (b"", b"WARC", fixtures.ENGLISH_HTML.encode(), b'{"text": "WARC/1.0"}',
                  gzip_module.compress(b"<html>WARC/1.0</html>"), b"\x1f\x8b garbage", fixtures.PDF_BYTES):
        assert not looks_like_warc(other[:512])


def test_what_is_not_an_archive_is_refused_in_one_line(tmp_path):
    for data in (fixtures.ENGLISH_HTML.encode(), gzip_module.compress(b"just text\n" * 50)):
        with pytest.raises(ArchiveError, match="^not a WARC archive") as raised:
            list(iter_records(io.BytesIO(data)))
        assert raised.value.offset == 0
    assert list(iter_records(io.BytesIO(b""))) == []
    with pytest.raises(TypeError, match="binary mode"):
        list(iter_records(io.StringIO("WARC/1.1\r\n")))
