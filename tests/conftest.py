from pathlib import Path

import pytest

from training.benchmarks import SHARED_DATA

SHARED = SHARED_DATA.parent  # ../shared beside the checkout, or $FILTERKIT_SHARED
SEED_PAGE = SHARED / "examples" / "seed-page.txt"
SEED_EXPECTED = SHARED / "examples" / "seed-page.expected.txt"
PAGES = Path(__file__).resolve().parent / "pages"

needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="../shared is not beside this checkout")


@pytest.fixture(scope="session")
def content_filter():
    from filterkit import ContentFilter

    return ContentFilter()


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """filterkit's cache folder in tmp_path, and tokenize starting afresh with it: yields jieba's folder in it."""
    from filterkit import chinese_dictionary, tokens

    monkeypatch.setenv(chinese_dictionary.CACHE_DIR_ENV, str(tmp_path / "cache"))
    tokens._han_words.cache_clear()
    monkeypatch.setattr(tokens, "_cut", None)
    monkeypatch.setattr(tokens, "_rjieba_due", False)
    yield tmp_path / "cache" / "jieba"
    tokens._han_words.cache_clear()
