"""Pages lexbor would nest deeply through implicitly closed elements, and pages of very many blocks: the depth
scan follows the tree builder, a page is parsed in pieces without changing its blocks, and the page-wide facts
and per-window segments equal those of the whole page."""
from __future__ import annotations

import random

import numpy as np
import pytest

from filterkit import html_blocks
from filterkit.html_blocks import _OpenElements, _page_facts, page_blocks, parse_blocks

DEPTH = 64  # the scan's bound in these tests (monkeypatched MAX_PARSE_DEPTH)


def scanned_depth(markup: str) -> int:
    """The deepest the scan saw the stack of open elements."""
    stack, deepest = _OpenElements(), 0
    for match in html_blocks._MARKUP.finditer(markup.encode()):
        name = match.group(3)
        if name is None:
            continue
        name = name.lower()
        if match.group(2):
            stack.close(name)
        elif name not in html_blocks._VOID:
            stack.open(name, match.span())
        deepest = max(deepest, len(stack.names))
    return deepest


@pytest.mark.parametrize("unit, per_level", [
    ("<ul><li>item ", 2), ("<ol><li>step ", 2), ("<dl><dt>term<dd>meaning ", 2), ("<ul><li>a<dl><dd>b ", 4),
    ("<table><tr><td>cell ", 3), ("<p><button>press ", 2), ("<span><div>x</span>", 2), ("<b><div>bold</b>", 2),
    ("<li>item<section>part ", 2),
])
def test_implicitly_closed_elements_still_nest_in_the_scan(unit, per_level):
    """Each unit nests one level deeper in a browser's tree (an outer <li> is not closed by an inner one
    in a new list, a </span> under a <div> is ignored…): the scan must count that depth, or lexbor gets
    a page nested 100,000 deep whose parse is quadratic."""
    assert scanned_depth("<html><body>" + unit * 200) >= per_level * 200 - 2


@pytest.mark.parametrize("markup", ["<ul>" + "<li>item " * 500, "<table>" + "<tr><td>a<td>b" * 500,
                                    "<p>para " * 500, "<select>" + "<option>x" * 500, "<dl>" + "<dt>t<dd>d" * 500,
                                    "<ruby>" + "<rb>a<rt>b" * 500, "<div><b>x</b></div>" * 500])
def test_siblings_closed_implicitly_stay_flat(markup):
    assert scanned_depth("<html><body>" + markup) <= 6


def test_lists_nested_deeper_than_the_bound_are_flattened(monkeypatch):
    monkeypatch.setattr(html_blocks, "MAX_PARSE_DEPTH", DEPTH)
    monkeypatch.setattr(html_blocks, "DEPTH_CHECK_TAGS", 10)
    segments, structure = parse_blocks("<html><body>" + "<ul><li>level text " * 1000 + "</li></ul>" * 1000)
    assert [segment.text for segment in segments] == ["level text"] * 1000  # every level's text kept
    assert structure.depth.max() < DEPTH


def page(blocks: int) -> str:
    rows = []
    for i in range(blocks):
        rows.append(f"<div class='post'><p>paragraph {i % 37} of the story</p>" if i % 10 == 0 else
                    f"line {i % 50}<br>" if i % 3 else f"<li class='teaser'><a href='/{i}'>teaser {i % 20}</a>")
    return ("<html><head><title>paragraph 3 of the story - Site</title></head><body><main><ul>" + "".join(rows)
            + "</ul></main><footer>copyright</footer></body></html>")


def test_a_page_parsed_in_pieces_gives_the_same_blocks(monkeypatch):
    html = page(3000)
    whole_segments, whole = parse_blocks(html)
    monkeypatch.setattr(html_blocks, "DEPTH_CHECK_TAGS", 10)
    monkeypatch.setattr(html_blocks, "PIECE_TAGS", 200)
    assert len(html_blocks.bounded_pieces(html.encode())) > 10
    segments, pieced = parse_blocks(html)
    assert segments == whole_segments
    assert pieced.paths == whole.paths and pieced.terms == whole.terms
    for name in ("owner_kind", "heading", "depth", "link_chars", "tags", "bits", "near_bits", *html_blocks._PAGE_FACTS):
        assert np.array_equal(getattr(pieced, name), getattr(whole, name)), name


def test_window_segments_are_the_whole_pages():
    blocks = page_blocks(page(500))
    whole = blocks.segments()
    assert len(whole) == len(blocks) > 100
    for start, stop in ((0, 7), (7, 100), (100, len(blocks)), (len(blocks) - 1, len(blocks) + 50)):
        assert blocks.segments(start, stop) == whole[start:stop]


def reference_page_facts(keys: list[str], hidden: np.ndarray, title_key: str) -> tuple[np.ndarray, ...]:
    """The page facts as a plain loop over a dict of keys (how they were first computed)."""
    n = len(keys)
    places: dict[str, list[int]] = {}
    for i, key in enumerate(keys):
        places.setdefault(key, []).append(i)
    copies, rank, copy_hidden, copy_key = (np.zeros(n, np.int64) for _ in range(4))
    for key, where in places.items():
        if len(where) > 1 and key:
            copies[where] = len(where) - 1
            rank[where] = np.arange(len(where))
            shown = ~hidden[where]
            if shown.any() and not shown.all():
                copy_hidden[where] = np.where(shown, 1, -1)
            copy_key[where] = where[0] + 1
    in_title, holds_title = np.zeros(n), np.zeros(n)
    for i, key in enumerate(keys):
        if key and title_key and key in title_key:
            in_title[i] = len(key) / len(title_key)
        if key and title_key and title_key in key:
            holds_title[i] = len(title_key) / len(key)
    return copies, rank, copy_hidden, copy_key, in_title, holds_title


@pytest.mark.parametrize("seed", range(5))
def test_page_facts_from_hashes_equal_those_from_words(seed):
    rng = random.Random(seed)
    words = ["river", "bridge", "paint", "Bridge!", "", "  ", "河边", "volunteers repaint"]
    texts = [" ".join(rng.choice(words) for _ in range(rng.randint(0, 3))) for _ in range(rng.randint(1, 400))]
    hidden = np.array([rng.random() < 0.2 for _ in texts])
    title = rng.choice(["", "river bridge paint", "volunteers repaint the bridge"])
    expected = reference_page_facts([html_blocks._key(text) for text in texts], hidden, title)
    for got, want in zip(_page_facts(texts, hidden, title), expected):
        assert got.dtype == want.dtype and np.array_equal(got, want)
