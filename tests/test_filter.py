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
