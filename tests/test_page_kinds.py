"""Issue 12's four kinds of page parts, one written page each: the shipped HTML model gives the article alone.

Each page (tests/pages/kind-*.html, described in its opening comment) must come out as its
.expected.txt exactly: the headline and the article's paragraphs, verbatim and in order, with
none of the teasers, comments, copies or hidden and side elements around them.
"""
import pytest

from conftest import PAGES
from filterkit.html_blocks import FAMILIES, parse_blocks

# Not yet exact with the shipped model (issue 12, must-hold 3, open): on "copies" it keeps the
# rendered og:image URL and JSON-LD, the byline and the print copy's paragraphs; on "hidden" one
# <aside> paragraph about the blog. The model has the features (copies, hidden copies, title share,
# <aside>) but the benchmark pages teach it too little of these kinds: generated training pages of
# them, as training.teasers makes for the text track, are the next step. Strict: the day a model
# gets them right, these fail until the mark goes.
NOT_YET = pytest.mark.xfail(strict=True, reason="issue 12: the shipped HTML model keeps copies / an aside here")
KINDS = ("teasers", "comments", pytest.param("copies", marks=NOT_YET), pytest.param("hidden", marks=NOT_YET))


@pytest.mark.parametrize("kind", KINDS)
def test_page_gives_its_article_alone(content_filter, kind):
    page = PAGES / f"kind-{kind}.html"
    expected = (PAGES / f"kind-{kind}.expected.txt").read_text(encoding="utf-8").strip()
    result = content_filter.filter(page.read_bytes())
    assert result.format == "html" and result.error is None
    assert result.text.split("\n\n") == expected.split("\n\n")


def test_blocks_know_their_copies_and_the_title():
    segments, structure = parse_blocks(
        "<html><head><title>Quiet kettle notes | The Kettle Blog</title></head><body><h1>The Kettle Blog</h1>"
        "<h2>Quiet kettle notes</h2><p>Water boils.</p><div hidden><p>Water boils!</p></div>"
        "<div class='print'><h2>Quiet kettle notes</h2></div></body></html>")
    assert [s.text for s in segments] == ["The Kettle Blog", "Quiet kettle notes", "Water boils.", "Water boils!",
                                          "Quiet kettle notes"]
    assert structure.copies.tolist() == [0, 1, 1, 1, 1]
    assert structure.copy_rank.tolist() == [0, 0, 0, 1, 1]
    assert structure.copy_hidden.tolist() == [0, 0, 1, -1, 0]  # the shown copy of a hidden one, and the hidden one
    assert structure.copy_key[1] == structure.copy_key[4] != structure.copy_key[2] != 0
    assert 0 < structure.in_title[0] < 0.5 < structure.in_title[1] < 1 and structure.holds_title.max() == 0
    assert structure.bits[4] & (1 << FAMILIES.index("alternate"))


def test_unopened_dialogs_are_hidden_and_open_ones_are_not():
    hidden = 1 << FAMILIES.index("hidden")
    _, structure = parse_blocks("<body><dialog><p>Closed</p></dialog><dialog open><p>Open</p></dialog>"
                                "<div style='visibility: hidden'>Invisible</div></body>")
    assert [bool(bits & hidden) for bits in structure.bits] == [True, False, True]
