"""filter_many answers every odd input with one error result and keeps what a failing source gave (issue 20, 10)."""
import pytest

from filterkit import ContentFilter, Page

HTML = ("<html><head><meta charset=\"gbk\"><title>老桥</title></head><body><h1>志愿者为老木桥重新刷漆</h1>"
        "<p>河边的老木桥上周末由二十多名志愿者重新刷漆，他们从早上一直忙到傍晚。</p></body></html>")
TEXT = "A title\n" + "Volunteers repainted the old footbridge over the mill stream on Sunday. " * 4 + "\n"


def test_bytes_headers_buffers_and_odd_objects_each_get_one_result(content_filter):
    gbk = HTML.encode("gb18030")
    pages = [Page(gbk, content_type=b"text/html; charset=gbk"), memoryview(gbk), bytearray(gbk),
             (gbk, b"text/html; charset=gbk"), Page(gbk, encoding=b"gbk"),
             Page(TEXT, encoding=5), Page(TEXT, content_type=5), Page(TEXT, format=5), (gbk, b"x", b"y"),
             None, object(), 5, [TEXT], {"text": TEXT}]
    results = list(content_filter.filter_many(pages, batch_size=3))
    assert len(results) == len(pages)
    assert [r.error is None for r in results] == [True] * 5 + [False] * 9
    assert all("河边的老木桥" in r.text for r in results[:5])
    assert all(isinstance(r.error, str) and r.error for r in results[5:])


@pytest.mark.parametrize("consumed", [0, 3, 63, 64, 70, 129])
def test_a_source_that_raises_loses_none_of_the_pages_it_gave(content_filter, consumed):
    class SourceFailed(Exception):
        pass

    def source():
        yield from [TEXT] * consumed
        raise SourceFailed("the crawl's reader failed")

    results = []
    with pytest.raises(SourceFailed):
        for result in content_filter.filter_many(source(), batch_size=64):
            results.append(result)
    assert len(results) == consumed and all(r.ok for r in results)


@pytest.mark.parametrize("arguments, name", [
    ({"max_page_bytes": 1.5}, "max_page_bytes"), ({"max_page_bytes": 0}, "max_page_bytes"),
    ({"max_page_bytes": True}, "max_page_bytes"), ({"max_page_bytes": "1024"}, "max_page_bytes"),
    ({"threshold": float("nan")}, "threshold"), ({"threshold": float("inf")}, "threshold"),
    ({"threshold": -3}, "threshold"), ({"threshold": "0.5"}, "threshold"), ({"model": 5}, "model")])
def test_bad_constructor_arguments_are_refused_at_construction(arguments, name):
    with pytest.raises((TypeError, ValueError), match=name):
        ContentFilter(**arguments)


@pytest.mark.parametrize("arguments, name", [
    ({"batch_size": 0}, "batch_size"), ({"batch_size": 2.5}, "batch_size"), ({"batch_size": True}, "batch_size"),
    ({"encoding": 5}, "encoding"), ({"encoding": "rot13"}, "encoding"), ({"format": "pdf"}, "format")])
def test_bad_filter_many_arguments_are_refused_at_the_call(content_filter, arguments, name):
    with pytest.raises((TypeError, ValueError), match=name):
        content_filter.filter_many(iter([TEXT]), **arguments)  # raised at the call, not at the first next()
