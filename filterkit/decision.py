"""Scores to labels: which paragraphs of a page are kept.

A fixed bar keeps every paragraph whose P(main) reaches the threshold. That is the best
rule for one paragraph taken alone, but a page is judged by the word F1 of all it keeps,
and on a page where the model is unsure (a product page, a forum thread) the best F1 is
reached by keeping more than the sure paragraphs. So on the tracks named in
``ADAPTIVE_BAR`` a page's bar is lowered to the one that maximises its expected word F1,
reading the scores as independent chances and counting a paragraph's tokens:

    E[F1](kept) ≈ 2 · Σ_kept p·n / (Σ_kept n + Σ_all p·n)

The best set to keep is always the top-k paragraphs by score, so the rule only chooses k;
a paragraph is worth adding while its score exceeds half the F1 expected so far, so the
bar lands near half the best expected F1, below 0.5: it only ever lowers the model's
threshold, never raises it. Keeping nothing is one more choice, worth the chance that
the page has no main content at all (Π (1 − p) over its paragraphs with tokens): a page
of sure noise is not given its least bad paragraph.

On the validation pages (training domains of the HTML track not used to fit that model)
it raised word F1 from 0.845 to 0.852 on wcxb-dev (a paired bootstrap 95% interval of
+0.001 to +0.014), 0.762 to 0.777 on magic-html's English pages and left the Chinese ones
at 0.909. On the text track it measured worse on magic-html (English 0.756 → 0.721,
Chinese 0.842 → 0.831, wcxb-dev 0.824 → 0.829), so the text track keeps the fixed bar.
A threshold given by the user is always a fixed bar.

``favor`` moves the per-page rule without fixing a bar: "precision" and "recall" take the
bar of the top-k of best expected F-beta (``FAVOR_BETA``; beta < 1 weighs precision more)
where it is above the default rule's bar (precision) or below it (recall), on both tracks:

    E[Fβ](kept) ≈ (1 + β²) · Σ_kept p·n / (Σ_kept n + β² · Σ_all p·n)

a paragraph being worth adding while its score exceeds E[Fβ] / (1 + β²). So "precision"
keeps a subset of what the default keeps and "recall" a superset, page by page, and each
page's bar still follows its own scores. Measured precision and recall of each setting:
``benchmarks/favor.py``, docs/benchmarks.md.
"""
from __future__ import annotations

import math

import numpy as np

ADAPTIVE_BAR = {"text": False, "html": True}
# The title is part of the main content (the product's convention): on HTML pages, the model's rule also keeps
# the heading nearest before the first kept block, within TITLE_REACH blocks, whose words are the <title>'s
# (at least TITLE_SHARE of them either way), where the scores left it out.
TITLE_REACH = 4
TITLE_SHARE = 0.5
FAVOR_BETA = {"balanced": 1.0, "precision": 0.5, "recall": 2.0}  # beta of the expected F-beta per setting


def describe(track: str, threshold: float) -> str:
    """The rule of a model of ``track``, in words for reports and metadata."""
    fixed = f"threshold {threshold:.2f}"
    return f"each page's expected-F1 bar, or {fixed}" if ADAPTIVE_BAR[track] else fixed


def keep(scores: np.ndarray, sizes: np.ndarray, offsets: np.ndarray, threshold: float, adaptive: bool,
         beta: float = 1.0) -> np.ndarray:
    """Kept or not per paragraph: P(main) ≥ threshold, or ≥ the page's expected-F1 bar when ``adaptive``;
    a ``beta`` other than 1 moves each page's bar to its expected-F-beta bar where that is higher (beta < 1)
    or lower (beta > 1).

    ``sizes``: tokens per paragraph; ``offsets``: page p holds paragraphs offsets[p]:offsets[p + 1].
    """
    kept = scores >= threshold
    if not adaptive and beta == 1:
        return kept
    for start, end in zip(offsets[:-1].tolist(), offsets[1:].tolist()):
        page_scores, page_sizes = scores[start:end], sizes[start:end]
        if end == start:
            continue
        bar = min(expected_f1_bar(page_scores, page_sizes), threshold) if adaptive else threshold
        if beta != 1:
            moved = expected_f1_bar(page_scores, page_sizes, beta)
            if moved != math.inf:  # (where keeping nothing is expected to score best, the default rule stands)
                bar = max(bar, moved) if beta < 1 else min(bar, moved)
        kept[start:end] = page_scores >= bar
    return kept


def expected_f1_bar(scores: np.ndarray, sizes: np.ndarray, beta: float = 1.0) -> float:
    """The lowest score among the top-k paragraphs of one page, for the k of highest expected word F-beta
    (F1 by default; infinite if keeping nothing is expected to score higher)."""
    sizes = np.asarray(sizes, dtype=np.float64)
    expected_main = scores * sizes
    order = np.argsort(-scores, kind="stable")
    weight = beta * beta
    f_beta = (1 + weight) * np.cumsum(expected_main[order]) / (np.cumsum(sizes[order]) + weight * expected_main.sum()
                                                                + 1e-9)
    best = int(np.argmax(f_beta))
    return float(scores[order[best]]) if f_beta[best] > no_main_chance(scores, sizes) else math.inf


def no_main_chance(scores: np.ndarray, sizes: np.ndarray) -> float:
    """The chance that a page has no main content at all: no paragraph with tokens is main."""
    return float(np.exp(np.log1p(-np.minimum(scores[np.asarray(sizes) > 0], 1 - 1e-9)).sum()))


def expected_f1(kept_main: float, kept_tokens: float, all_main: float, no_main: float) -> float:
    """A page's expected word F1 of what was kept, from the sums over its paragraphs (score × tokens of
    the kept ones, tokens of the kept ones, score × tokens of all); keeping nothing scores the chance
    that there was nothing to keep."""
    if kept_tokens <= 0:
        return no_main
    return 2 * kept_main / (kept_tokens + all_main)


def with_title(kept: np.ndarray, offsets: np.ndarray, heading: np.ndarray, in_title: np.ndarray,
               holds_title: np.ndarray) -> np.ndarray:
    """``kept`` with each page's title heading (``TITLE_REACH``, ``TITLE_SHARE``) kept too."""
    titled = (heading > 0) & ((in_title >= TITLE_SHARE) | (holds_title >= TITLE_SHARE))
    for start, end in zip(offsets[:-1].tolist(), offsets[1:].tolist()):
        first = np.flatnonzero(kept[start:end])
        if not len(first):
            continue
        first_kept = start + int(first[0])
        for i in range(first_kept - 1, max(start, first_kept - TITLE_REACH) - 1, -1):
            if titled[i]:
                kept[i] = True
                break
    return kept
