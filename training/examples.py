"""Labelled training examples: a page's text and one label per paragraph.

Benchmark pages are rendered to the text track and labelled by alignment with their gold
text (``training.align``); corpus pages carry their labels.
"""
from __future__ import annotations

from dataclasses import dataclass

from filterkit.paragraphs import split_paragraphs
from training.align import label_blocks
from training.benchmarks import BenchmarkPage
from training.corpus import LabeledPage


@dataclass(frozen=True)
class Example:
    source: str  # data set, or "corpus"
    id: str
    domain: str
    lang: str
    text: str
    labels: tuple[bool, ...]
    gold: str


def from_benchmark(page: BenchmarkPage) -> Example:
    text = page.rendering()
    blocks = [segment.text for segment in split_paragraphs(text)]
    return Example(page.dataset, page.id, page.domain, page.lang, text,
                   tuple(label_blocks(blocks, page.gold, page.title)), page.gold)


def from_corpus(page: LabeledPage) -> Example:
    return Example("corpus", page.id, f"corpus:{page.id}", page.lang, page.text,
                   tuple(main for _, main in page.lines), page.gold)
