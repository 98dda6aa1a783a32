"""The teaser-list subset and the generated region pages (training.page_subsets, training.region_pages)."""
from filterkit.html_blocks import parse_blocks
from training.examples import Example
from training.page_subsets import kept_region_words, teaser_region
from training.region_pages import SOURCE, region_page

ARTICLE = ("<html><body><div class='story'><h1>Kettles that whistle in tune</h1>"
           "<p>A small workshop in the hills tunes every kettle it makes to a note of the scale.</p>"
           "<p>The maker tests each spout by ear, and a kettle that whistles flat is melted down again.</p>"
           "<p>Buyers ask for chords: three kettles on one stove, a major third apart, boiling together.</p></div>"
           "<div class='more'><h2>More from the Kettle Blog</h2><ul>"
           "<li><a href='/a'>Why copper pans turn green in the rain</a></li>"
           "<li><a href='/b'>A bakery that opens only at midnight</a></li>"
           "<li><a href='/c'>Seven ways to fold a paper boat that floats</a></li></ul></div>"
           "<div id='comments'><h3>2 comments</h3><div><b>Sam</b> 3 days ago</div><p>Lovely story.</p>"
           "<div><b>Ines</b> 2 days ago</div><p>Mine whistles in B flat.</p></div></body></html>")


def test_teaser_list_subset_and_kept_region_words():
    segments, _ = parse_blocks(ARTICLE)
    labels = tuple(i <= 3 for i in range(len(segments)))
    example = Example("x", "1", "example.org", "en", ARTICLE, labels, "", "html", "article")
    region = teaser_region(example)
    assert [segments[i].text for i in region] == ["More from the Kettle Blog", "Why copper pans turn green in the rain",
                                                  "A bakery that opens only at midnight",
                                                  "Seven ways to fold a paper boat that floats"]
    kept = "\n\n".join([segments[i].text for i in range(4)] + ["A bakery that opens only at midnight"])
    assert kept_region_words(example, region, kept) == (29, 7)
    two_cards = ARTICLE.replace("<li><a href='/a'>Why copper pans turn green in the rain</a></li>", "")
    assert not teaser_region(Example("x", "1", "example.org", "en", two_cards, labels[:-1], "", "html", "article"))


def test_a_generated_page_adds_unlabelled_regions_after_the_article():
    import random

    segments, _ = parse_blocks(ARTICLE)
    labels = tuple(i <= 3 for i in range(len(segments)))
    host = Example("wcxb-dev", "1", "example.org", "en", ARTICLE, labels, "", "html", "article")
    donors = [("en", f"Story number {n} about rivers", f"The river rose by {n} metres overnight.") for n in range(4)]
    page = region_page(host, donors, random.Random(3))
    assert page is not None and page.source == SOURCE and page.domain == host.domain
    new = [segment.text for segment in parse_blocks(page.text)[0]]
    assert len(new) == len(page.labels) > len(segments)
    assert [t for t, main in zip(new, page.labels) if main] == [segments[i].text for i in range(4)]
    assert any(t.startswith("Story number") for t in new)
