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
