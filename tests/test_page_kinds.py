"""Kinds of page parts, on pages written here: the shipped HTML model keeps the content and drops the rest.

Issue 12's four kinds, one page each (tests/pages/kind-*.html, described in its opening comment):
each must come out as its .expected.txt exactly: the headline and the article's paragraphs,
verbatim and in order, with none of the teasers, comments, copies or hidden and side elements
around them. Issue 18: the two Markdown article pages (tide-gauge, tea-garden; their exact output
is tests/test_markdown.py's) drop their "More from …"/"相关阅读" card list and their comment
thread; and on a listing page the cards are the content, so they are kept.
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


# Each article page's card list and comment thread, as the stretch of its HTML from the first marker
# to the second, and the heading that opens it (issue 18).
DROPPED_PARTS = {
    "tide-gauge": [("<section class=\"related-posts\">", "<section id=\"comments\"", "More from Saltmarsh Makers"),
                   ("<section id=\"comments\"", "</main>", "3 comments")],
    "tea-garden": [("<div class=\"related\">", "<div class=\"comment-box\"", "相关阅读"),
                   ("<div class=\"comment-box\"", "<div class=\"footer\">", "网友评论（4）")],
}


@pytest.mark.parametrize("name", DROPPED_PARTS)
def test_article_page_drops_its_card_list_and_comment_thread(content_filter, name):
    page = (PAGES / f"{name}.html").read_text(encoding="utf-8")
    result = content_filter.filter(page.encode("utf-8"))
    assert result.format == "html" and result.error is None
    for start, end, heading in DROPPED_PARTS[name]:
        part = page[page.index(start):page.index(end)]
        texts = [segment.text for segment in parse_blocks(part)[0]]
        # the heading, every card's title and teaser, every comment's header, text and reply links
        assert texts[0] == heading and len(texts) >= 10
        assert [text for text in texts if text in result.text] == []


def test_listing_page_keeps_its_heading_and_cards(content_filter):
    """A section front (tests/pages/listing-coast-countryside.html): its cards are the content. Expected:
    the page's heading (the title is part of the main content), then each card's title and one-sentence
    summary, verbatim and in order; its dates are dropped like an article's byline, and so are the site's
    navigation, breadcrumb, pagination, newsletter box and footer."""
    page = PAGES / "listing-coast-countryside.html"
    expected = (PAGES / "listing-coast-countryside.expected.txt").read_text(encoding="utf-8").strip()
    result = content_filter.filter(page.read_bytes())
    assert result.format == "html" and result.error is None
    assert result.text.split("\n\n") == expected.split("\n\n")
