"""Paragraph labels for a rendered page, by aligning its blocks with the gold main text.

Benchmarks give a page's main content as text, not as labels of its blocks. A block is
main when its text is found in the gold text: long blocks by the share of their token
trigrams that occur in the gold (rendering and gold differ in white space, bullets and
the odd word), short blocks only by matching a whole gold line, since a word like
"Home" or "Share" occurs inside almost any article. A block repeated on the page (a title
in the breadcrumb and above the article, a teaser shown twice) is main only as often as
the gold text holds it, at the occurrences nearest the page's other main blocks. The page
title is main content (filterkit keeps it) even where a benchmark's gold text leaves it
out; where it stands only with the site's name after it, that line counts as the title.
"""
from __future__ import annotations

import re

from training.scoring import scoring_tokens

SHORT_BLOCK_TOKENS = 4  # blocks this short must equal a gold line to count as main
TRIGRAM_COVERAGE = 0.5  # share of a long block's trigrams that must occur in the gold
TITLE_SUFFIX_TOKENS = 8  # a site name after a title ("Title | Site Name") is at most this long
_SPACE = re.compile(r"\s+")


def _key(text: str) -> str:
    return " ".join(scoring_tokens(text))


def _trigrams(tokens: list[str]) -> set[tuple[str, ...]]:
    return {tuple(tokens[i:i + 3]) for i in range(len(tokens) - 2)}


def label_blocks(blocks: list[str], gold: str, title: str = "") -> list[bool]:
    """True for each block that is main content according to ``gold`` (and ``title``)."""
    gold_lines = {_key(line) for line in gold.splitlines() if line.strip()}
    title_key = _key(title)
    if title_key:
        gold_lines.add(title_key)
    gold_trigrams = _trigrams(scoring_tokens(gold))
    labels = []
    for block in blocks:
        tokens = scoring_tokens(block)
        if not tokens:
            labels.append(False)
        elif len(tokens) <= SHORT_BLOCK_TOKENS or " ".join(tokens) in gold_lines:
            labels.append(" ".join(tokens) in gold_lines)
        else:
            grams = _trigrams(tokens)
            labels.append(len(grams & gold_trigrams) >= TRIGRAM_COVERAGE * len(grams))
    labels = _drop_extra_repeats(blocks, labels, " ".join(scoring_tokens(gold) + scoring_tokens(title)))
    if title_key and not any(main and _key(block) == title_key for block, main in zip(blocks, labels)):
        _label_title_line(blocks, labels, title_key)
    return labels


def _label_title_line(blocks: list[str], labels: list[bool], title_key: str) -> None:
    """Where the title stands only with the site's name after it ("Title – Site"), that line is the title."""
    limit = len(title_key.split()) + TITLE_SUFFIX_TOKENS
    for i, block in enumerate(blocks):
        key = _key(block)
        if key.startswith(title_key) and len(key.split()) <= limit:
            labels[i] = True
            return


def _drop_extra_repeats(blocks: list[str], labels: list[bool], gold_key: str) -> list[bool]:
    keys = [_key(block) for block in blocks]
    occurrences: dict[str, list[int]] = {}
    for i, (key, main) in enumerate(zip(keys, labels)):
        if main:
            occurrences.setdefault(key, []).append(i)
    unique_main = [places[0] for places in occurrences.values() if len(places) == 1]
    labels = list(labels)
    for key, places in occurrences.items():
        allowed = max(gold_key.count(key), 1)
        if len(places) <= allowed:
            continue
        distance = {i: min((abs(i - j) for j in unique_main), default=0) for i in places}
        for i in sorted(places, key=lambda i: (distance[i], i))[allowed:]:
            labels[i] = False
    return labels
