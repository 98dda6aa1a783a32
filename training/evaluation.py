"""Held-out measurement shared by the trainer and the benchmark script.

The held-out pages are the benchmark pages whose domain hashes into the held-out bucket
(``training.benchmarks``), grouped in ``SETS`` as the issue's figures are stated: all of
wcxb-dev, and magic-html's English and Chinese pages separately.
"""
from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass
from typing import Callable, Sequence, TypeVar

from filterkit import ContentFilter
from training.benchmarks import BenchmarkPage, read_all
from training.examples import Example
from training.scoring import Score, macro_score

BATCH_SIZE = 64
# A set that one extractor runs through faster than this is run again until this much time
# has passed, and pages/s counts every pass: the small magic-html sets take half a second,
# and one such sample on a shared machine varies by ±15% between runs.
MIN_TIMED_SECONDS = 5.0

T = TypeVar("T")


SETS = ("wcxb-dev", "magic-html en", "magic-html zh")


def set_name(dataset: str, lang: str) -> str | None:
    """The set (``SETS``) whose figures a benchmark page counts in; None for a page of another source."""
    if dataset == "wcxb-dev":
        return dataset
    return f"magic-html {lang}" if dataset.startswith("magic-html/") else None


def held_out_sets() -> dict[str, list[BenchmarkPage]]:
    sets: dict[str, list[BenchmarkPage]] = {name: [] for name in SETS}
    for page in read_all():
        if page.held_out:
            sets[set_name(page.dataset, page.lang)].append(page)
    return sets


@dataclass(frozen=True)
class Measurement:
    score: Score
    pages_per_second: float
    extracted: list[str]  # per page, in the order given


def page_type_table(label: str, pages: Sequence[BenchmarkPage | Example], extracted: dict[str, list[str]]) -> list[str]:
    """Lines of a table: F1 per page type (largest group first) of each extractor's ``extracted`` texts.

    Where the pages are of one type only, no lines: the set's own row says it all.
    """
    counts = Counter(page.page_type for page in pages)
    types = sorted(counts, key=lambda kind: (-counts[kind], kind))
    if len(types) < 2:
        return []
    lines = [f"{label} by page type: {'type':13s} {'pages':>5s} " + " ".join(f"{name:>12s}" for name in extracted)]
    for kind in types:
        chosen = [i for i, page in enumerate(pages) if page.page_type == kind]
        scores = [macro_score([(texts[i], pages[i].gold) for i in chosen]).f1 for texts in extracted.values()]
        lines.append(f"{label} by page type: {kind:13s} {len(chosen):5d} "
                     + " ".join(f"{f1:12.3f}" for f1 in scores))
    return lines


def warm_up() -> None:
    """Load jieba's dictionary and langdetect's profiles, so that no timed run pays for them."""
    from filterkit.analysis import analyse

    analyse(["预热：中文分词词典。\nDer Stadtrat hat am Dienstag über den neuen Haushalt für das Jahr beraten."])


def page_input(page: BenchmarkPage, track: str) -> str:
    """What filterkit is given for a benchmark page: its text rendering, or its HTML."""
    return page.html() if track == "html" else page.rendering()


def timed(run: Callable[[], T], before_each: Callable[[], None] = lambda: None) -> tuple[T, float]:
    """(the first pass's result, passes per second), running ``run`` again until MIN_TIMED_SECONDS have
    passed; ``before_each`` runs before every pass, off the clock."""
    def one_pass() -> tuple[T, float]:
        before_each()
        started = time.perf_counter()
        result = run()
        return result, time.perf_counter() - started

    first, elapsed = one_pass()
    passes = 1
    while elapsed < MIN_TIMED_SECONDS:
        elapsed += one_pass()[1]
        passes += 1
    return first, passes / elapsed


def forget_seen_pages() -> None:
    """Empty filterkit's memo caches (token hashes, jieba's words of each Han run, class-name words).

    A pass over pages already seen would find every sentence remembered, which no stream of
    new pages does: timed on Chinese pages, a second pass ran twice as fast as the first.
    The established extractors' caches are a few thousand entries of characters and short
    strings and are left as they are.
    """
    from filterkit import hashing, html_blocks, tokens

    hashing._hash_cache.clear()
    tokens._han_words.cache_clear()
    html_blocks.attribute_words.cache_clear()


def extract_texts(content_filter: ContentFilter, inputs: list[str], track: str = "text") -> list[str]:
    """The main text of each input page, through the batch API."""
    return [result.text for result in content_filter.filter_many(inputs, batch_size=BATCH_SIZE, format=track)]


def score_pages(content_filter: ContentFilter, pages: list[BenchmarkPage], track: str = "text") -> Score:
    """Score ``content_filter``'s extractions of ``pages``, untimed (the trainer's held-out figures)."""
    extracted = extract_texts(content_filter, [page_input(page, track) for page in pages], track)
    return macro_score(list(zip(extracted, [page.gold for page in pages])))


def measure(content_filter: ContentFilter, pages: list[BenchmarkPage], track: str = "text") -> Measurement:
    """Score ``content_filter``'s extractions of ``pages``, timing its batch API in this process."""
    inputs = [page_input(page, track) for page in pages]
    extracted, passes_per_second = timed(lambda: extract_texts(content_filter, inputs, track), forget_seen_pages)
    return Measurement(macro_score(list(zip(extracted, [page.gold for page in pages]))),
                       len(inputs) * passes_per_second, extracted)
