"""The precision/recall knob: ContentFilter(favor=...) and --favor move the per-page rule, never fix a bar."""
import pickle
import subprocess
import sys

import pytest

from conftest import PAGES
from filterkit import ContentFilter

COMMAND = [sys.executable, "-m", "filterkit"]
PAGE_FILES = ["night-market.html", "kind-comments.html", "kind-teasers.html", "kind-copies.html", "kind-hidden.html",
              "meta-article-en.html", "meta-article-zh.html", "harbour-ferry.txt"]


@pytest.fixture(scope="module")
def results():
    pages = [(PAGES / name).read_text(encoding="utf-8") for name in PAGE_FILES]
    return {favor: list(ContentFilter(favor=favor).filter_many(pages)) for favor in ("balanced", "precision", "recall")}


def test_precision_keeps_no_more_and_recall_no_less_than_the_default(results):
    for balanced, precision, recall in zip(results["balanced"], results["precision"], results["recall"]):
        assert precision.kept_share <= balanced.kept_share <= recall.kept_share
    shares = {favor: sum(result.kept_share for result in found) for favor, found in results.items()}
    assert shares["precision"] < shares["balanced"] < shares["recall"]  # it moves on some of these pages


def test_the_bar_moves_with_the_scores_it_is_not_a_fixed_threshold(results):
    for result in results["recall"]:
        kept = [p.score for p in result.paragraphs if p.label]
        dropped = [p.score for p in result.paragraphs if not p.label]
        if kept and dropped:
            assert min(kept) >= max(dropped)  # the top paragraphs by score, at a bar of the page's own


def test_user_mistakes(tmp_path):
    with pytest.raises(ValueError, match="favor must be one of"):
        ContentFilter(favor="more")
    with pytest.raises(ValueError, match="give one of the two"):
        ContentFilter(threshold=0.5, favor="recall")
    assert pickle.loads(pickle.dumps(ContentFilter(favor="recall"))).favor == "recall"
    done = subprocess.run([*COMMAND, "--favor", "recall", "--threshold", "0.4", str(PAGES / "night-market.html")],
                          capture_output=True, timeout=120)
    assert done.returncode == 2 and b"give one of the two" in done.stderr and b"Traceback" not in done.stderr


def test_the_command_favors_recall():
    page = str(PAGES / "kind-comments.html")
    texts = {favor: subprocess.run([*COMMAND, "--favor", favor, page], capture_output=True, timeout=120).stdout
             for favor in ("balanced", "recall")}
    assert len(texts["recall"]) >= len(texts["balanced"]) > 0


def test_on_the_text_track_too_precision_keeps_a_subset_and_recall_a_superset_page_by_page():
    pages = [(PAGES / name).read_text(encoding="utf-8") for name in ("harbour-ferry.txt", "river-school-bus.txt")]
    found = {favor: list(ContentFilter(favor=favor).filter_many(pages, format="text"))
             for favor in ("balanced", "precision", "recall")}
    for balanced, precision, recall in zip(found["balanced"], found["precision"], found["recall"]):
        for default, fewer, more in zip(balanced.paragraphs, precision.paragraphs, recall.paragraphs):
            assert (not fewer.label or default.label) and (not default.label or more.label)
