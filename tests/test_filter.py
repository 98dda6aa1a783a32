"""The public API on whole pages, with the shipped model."""
import threading

import pytest

from conftest import PAGES, SEED_EXPECTED, SEED_PAGE, needs_shared
from filterkit import ContentFilter, extract
from training.corpus import read_page


def paragraphs(text):
    return [p.strip() for p in text.split("\n\n") if p.strip()]


@needs_shared
def test_seed_page_gives_exactly_the_expected_paragraphs(content_filter):
    result = content_filter.filter(SEED_PAGE.read_text(encoding="utf-8"))
    assert paragraphs(result.text) == paragraphs(SEED_EXPECTED.read_text(encoding="utf-8"))
    assert result.lang == "en"


@needs_shared
def test_seed_page_noise_scores_under_threshold(content_filter):
    expected = set(paragraphs(SEED_EXPECTED.read_text(encoding="utf-8")))
    result = content_filter.filter(SEED_PAGE.read_text(encoding="utf-8"))
    noise = [p for p in result.paragraphs if p.text not in expected]
    assert len(noise) == 14  # byline, cut summary, tag line, 6 teaser titles and 5 snippets
    assert all(p.score < content_filter.threshold() for p in noise), [(p.text[:30], p.score) for p in noise]


def test_own_seed_like_page_keeps_the_article_alone(content_filter):
    page = read_page(PAGES / "harbour-ferry.txt")
    result = content_filter.filter(page.text)
    assert result.text == page.gold


def test_output_paragraphs_are_input_lines_verbatim(content_filter):
    page = read_page(PAGES / "harbour-ferry.txt").text
    lines = {line.strip() for line in page.splitlines()}
    result = content_filter.filter(page)
    assert all(p.text in lines for p in result.paragraphs)
    assert [p.text for p in result.paragraphs] == [line.strip() for line in page.splitlines() if line.strip()]
    assert all(0.0 <= p.score <= 1.0 and p.label == (p.score >= content_filter.threshold()) for p in result.paragraphs)


def test_empty_and_blank_pages(content_filter):
    for page in ["", "\n\n  \n", b""]:
        result = content_filter.filter(page)
        assert result.text == "" and result.paragraphs == ()


def test_batch_equals_one_by_one(content_filter):
    pages = [read_page(PAGES / "harbour-ferry.txt").text, "", "Only a line", "中文标题\n第一段正文内容很长。"]
    batch = [r.text for r in content_filter.filter_many(pages, batch_size=3)]
    assert batch == [content_filter.filter(p).text for p in pages]


def test_bytes_are_decoded_and_reported(content_filter):
    page = read_page(PAGES / "harbour-ferry.txt").text
    result = content_filter.filter(page.encode("gb18030"))
    assert result.encoding == "gb18030" and result.text == content_filter.filter(page).text


def test_threads_share_one_filter(content_filter):
    page = read_page(PAGES / "harbour-ferry.txt").text
    expected = content_filter.filter(page).text
    results = []
    threads = [threading.Thread(target=lambda: results.append(content_filter.filter(page).text)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [expected] * 4


def test_threshold_changes_labels():
    page = read_page(PAGES / "harbour-ferry.txt").text
    assert all(p.label for p in ContentFilter(threshold=0.0).filter(page).paragraphs)
    assert ContentFilter(threshold=1.0).filter(page).text == ""
    with pytest.raises(ValueError):
        ContentFilter(threshold=1.5)


def test_extract_one_off():
    page = read_page(PAGES / "harbour-ferry.txt")
    assert extract(page.text) == page.gold


def test_long_pages_are_scored_in_windows_without_losing_lines(content_filter, monkeypatch):
    import filterkit.filter as filter_module

    page = read_page(PAGES / "harbour-ferry.txt").text * 3
    whole = content_filter.filter(page)
    monkeypatch.setattr(filter_module, "WINDOW_LINES", 10)
    windowed = content_filter.filter(page)
    assert [p.text for p in windowed.paragraphs] == [p.text for p in whole.paragraphs]
    assert len(filter_module._windows(page, "text")) > 3
    assert windowed.lang == whole.lang


BIG5_PAGE = ("<html><head><title>夜市</title></head><body><h1>臺北夜市今晚重新開張</h1>"
             "<p>經過三個月的整修，這座老夜市今晚重新開張，攤販們在傍晚五點準時擺好攤位，遊客絡繹不絕。</p>"
             "<p>市政府表示，整修工程更換了排水系統與照明，並把走道拓寬，讓輪椅與嬰兒車也能順利通行。</p>"
             "</body></html>")


def test_a_page_whose_charset_is_only_in_the_http_header(content_filter):
    from filterkit import Page

    data = BIG5_PAGE.encode("big5")
    result = content_filter.filter(data, content_type="text/html; charset=Big5")
    assert "臺北夜市今晚重新開張" in result.text and result.lang == "zh" and result.format == "html"
    [again] = content_filter.filter_many([Page(data, content_type="text/html; charset=big5", id=7)])
    assert again.text == result.text and again.id == 7 and again.encoding == "big5hkscs"


def test_filter_many_gives_a_bad_page_an_error_and_goes_on(content_filter):
    from filterkit import UndecodableInput

    page = read_page(PAGES / "harbour-ferry.txt")
    results = list(content_filter.filter_many([page.text, bytes(range(128, 256)) * 8, 42, page.text.encode()],
                                              batch_size=2))
    assert [r.ok for r in results] == [True, False, False, True]
    assert results[0].text == results[3].text == page.gold
    assert "--encoding" in results[1].error and results[1].text == "" and "str or bytes" in results[2].error
    with pytest.raises(UndecodableInput):
        content_filter.filter(bytes(range(128, 256)) * 8)


def test_a_content_filter_pickles_and_reloads_where_unpickled(content_filter):
    import pickle

    page = read_page(PAGES / "harbour-ferry.txt")
    copy = pickle.loads(pickle.dumps(ContentFilter(threshold=0.6)))
    assert copy.filter(page.text).text == ContentFilter(threshold=0.6).filter(page.text).text


def test_lone_surrogates_in_a_page_become_replacement_characters(content_filter):
    result = content_filter.filter("A headline about the harbour\ud800\nBody text \udc00\ud800 here.")
    "".join(p.text for p in result.paragraphs).encode("utf-8")  # strict UTF-8: no surrogate left


def test_an_overlong_page_is_cut_and_says_so():
    page = read_page(PAGES / "harbour-ferry.txt").text
    result = ContentFilter(max_page_bytes=300).filter(page.encode())
    assert result.truncated and len("\n".join(p.text for p in result.paragraphs).encode()) <= 300
