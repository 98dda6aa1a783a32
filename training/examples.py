"""Labelled training examples: a page (text or HTML) and one label per paragraph or block.

Benchmark pages are labelled by aligning their paragraphs (text track: the lines of the
page's rendering; HTML track: its blocks) with their gold text (``training.align``);
corpus pages carry their labels, and serve the HTML track wrapped in neutral markup.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from html import escape

from filterkit.html_blocks import parse_blocks
from filterkit.paragraphs import split_paragraphs
from training.align import label_blocks
from training.benchmarks import BenchmarkPage
from training.corpus import LabeledPage

TRACKS = ("text", "html")


@dataclass(frozen=True)
class Example:
    source: str  # data set, or "corpus"
    id: str
    domain: str
    lang: str
    text: str  # the page: its text, or its HTML for the HTML track
    labels: tuple[bool, ...]
    gold: str
    track: str = "text"
    page_type: str = ""  # the benchmark's page type (filterkit.page_types.PAGE_TYPES); "" where unknown


def from_benchmark(page: BenchmarkPage, track: str = "text") -> Example:
    if track == "html":
        text = page.html()
        blocks = [segment.text for segment in parse_blocks(text)[0]]
    else:
        text = page.rendering()
        blocks = [segment.text for segment in split_paragraphs(text)]
    return Example(page.dataset, page.id, page.domain, page.lang, text,
                   tuple(label_blocks(blocks, page.gold, page.title)), page.gold, track, page.page_type)


def from_corpus(page: LabeledPage) -> Example:
    return Example("corpus", page.id, f"corpus:{page.id}", page.lang, page.text,
                   tuple(main for _, main in page.lines), page.gold)


def as_html(example: Example) -> Example:
    """A text example as an HTML page whose markup says nothing: every line a <p> of one <div>.

    The corpus has no markup of its own, and inventing markup from the labels would teach
    the model the labels' markup, not the pages'; neutral markup teaches that where the
    markup is silent, the text decides.
    """
    lines = [line.strip() for line in example.text.splitlines() if line.strip()]
    body = "".join(f"<p>{escape(line)}</p>" for line in lines)
    return replace(example, text=f"<!DOCTYPE html><html><body><div>{body}</div></body></html>", track="html")
