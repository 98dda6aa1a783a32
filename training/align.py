"""Paragraph labels for a rendered page, by aligning its blocks with the gold main text.

Benchmarks give a page's main content as text, not as labels of its blocks. A block is
main when its text is found in the gold text: long blocks by the share of their token
trigrams that occur in the gold (rendering and gold differ in white space, bullets and
the odd word), short blocks only by matching a whole gold line, since a word like
"Home" or "Share" occurs inside almost any article.
"""
from __future__ import annotations

import re

from training.scoring import scoring_tokens

SHORT_BLOCK_TOKENS = 4  # blocks this short must equal a gold line to count as main
TRIGRAM_COVERAGE = 0.5  # share of a long block's trigrams that must occur in the gold
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
        elif len(tokens) <= SHORT_BLOCK_TOKENS:
            labels.append(" ".join(tokens) in gold_lines)
        else:
            grams = _trigrams(tokens)
            labels.append(len(grams & gold_trigrams) >= TRIGRAM_COVERAGE * len(grams))
    return labels
