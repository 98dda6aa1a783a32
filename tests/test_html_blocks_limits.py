"""Hostile HTML: a million nested elements or a million attributes on one element answer in bounded time."""
import time

from filterkit.html_blocks import MAX_ATTRIBUTES, MAX_DEPTH, MAX_PARSE_DEPTH, parse_blocks

DEEP = 1_000_000
ATTRIBUTES = 1_000_000
SECONDS = 30  # lexbor alone, without the bounds, needs 30 s for 100,000 nested <div>s, 80 s for 100,000 attributes


def timed_parse(path):
    started = time.perf_counter()
    segments, structure = parse_blocks(path.read_bytes())
    return segments, structure, time.perf_counter() - started


def test_a_million_nested_divs_still_give_every_block(tmp_path):
    page = tmp_path / "deep.html"
    page.write_text("<html><body>" + "<div class='level'>step " * DEEP + "</div>" * DEEP + "<p>after the climb</p>"
                    "</body></html>", encoding="utf-8")
    segments, structure, seconds = timed_parse(page)
    assert seconds < SECONDS
    texts = [segment.text for segment in segments]
    assert len(texts) == DEEP + 1 and texts[0] == texts[-2] == "step" and texts[-1] == "after the climb"
    assert structure.depth.max() == MAX_DEPTH - 1  # deeper blocks belong to the deepest one tracked
    assert MAX_DEPTH < MAX_PARSE_DEPTH


def test_a_million_unclosed_divs(tmp_path):
    page = tmp_path / "open.html"
    page.write_text("<body>" + "<div>深层 " * DEEP, encoding="utf-8")
    segments, _, seconds = timed_parse(page)
    assert seconds < SECONDS
    assert len(segments) == DEEP and segments[-1].text == "深层"


def test_a_million_attributes_on_one_element(tmp_path):
    page = tmp_path / "attributes.html"
    attributes = " ".join(f"data-x{i}='{i}'" for i in range(ATTRIBUTES))
    page.write_text(f"<html><body><div class='post-content' {attributes} id='late'>The only paragraph.</div>"
                    "<p class='byline'>By nobody.</p></body></html>", encoding="utf-8")
    segments, structure, seconds = timed_parse(page)
    assert seconds < SECONDS
    assert [segment.text for segment in segments] == ["The only paragraph.", "By nobody."]
    assert "content" in structure.terms[0]  # the first attributes are read…
    assert "late" not in structure.terms[0]  # …those past MAX_ATTRIBUTES are not
    assert "byline" in structure.terms[1]


def test_attributes_within_the_bound_are_all_read():
    attributes = " ".join(f"data-x{i}='{i}'" for i in range(MAX_ATTRIBUTES - 2))
    segments, structure = parse_blocks(f"<div class='post' {attributes} id='kept'>Text.</div>")
    assert "kept" in structure.terms[0]


def test_script_code_that_looks_like_a_long_tag_is_left_alone():
    code = "for (i = 0; i<n; i++) {" + " x = y;" * 400 + "}"
    html = f"<body><script>{code}</script><!-- a<b {' c' * 400} --><p>Visible text.</p></body>"
    assert [segment.text for segment in parse_blocks(html)[0]] == ["Visible text."]
