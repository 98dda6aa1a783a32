"""Subsets of the benchmark pages on which a kind of boilerplate is known to be present.

A set's F1 averages over pages where the kind under study is absent, and a change that
fixes it moves the set's figure by a fraction of a point; on the pages that carry it, the
change is plain. Two kinds (issue 12), found from each page's HTML and its labels:

* ``comments under an article``: an article page (not a forum thread, not a product's
  reviews), with blocks under an
  element whose class/id names comments or replies (``comment``, ``reply``, ``respond``,
  ``discuss``, ``disqus``, ``评论``, ``回复``), at least COMMENT_TOKENS tokens of them not
  main content and all after the page's last main block: the gold ends before them;
* ``repeated copies``: a page whose main blocks that occur twice or more among its blocks
  (a print copy, a hidden copy, the headline again) hold COPIED_TOKENS tokens or more, each
  at least COPY_TOKENS long (not "Home" or "Share"): a headline shown twice alone is too
  common (half the pages) to single out the pages with copies.

``python -m training.page_subsets PAGES.jsonl`` scores a ``training.crossval --pages-out``
file on these subsets, to compare a run made before this module existed.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from typing import Sequence

from filterkit.html_blocks import parse_blocks
from training.examples import Example
from training.scoring import Score, macro_score, scoring_tokens

COMMENT_TOKENS = 20
COPY_TOKENS = 4
COPIED_TOKENS = 12
_COMMENT_WORD = re.compile(r"comment|repl(?:y|ies)|respond|discuss|disqus|评论|回复")
SUBSETS = ("comments under an article", "repeated copies")


def _under_comments(terms: tuple[str, ...]) -> bool:
    # the terms are the owner's and its ancestors' tags and class/id words; tags ("<p>") name no container
    return any(not term.startswith("<") and _COMMENT_WORD.search(term) for term in terms)


def has_comments_after_article(example: Example) -> bool:
    if example.page_type != "article" or not any(example.labels):
        return False
    segments, structure = parse_blocks(example.text)
    last_main = max(i for i, main in enumerate(example.labels) if main)
    tokens_after = tokens_before = 0
    for i, (segment, terms, main) in enumerate(zip(segments, structure.terms, example.labels)):
        if main or not _under_comments(terms):
            continue
        size = len(scoring_tokens(segment.text))
        if i > last_main:
            tokens_after += size
        else:
            tokens_before += size
    return tokens_after >= COMMENT_TOKENS and tokens_before < COMMENT_TOKENS


def has_repeated_copies(example: Example) -> bool:
    segments, _ = parse_blocks(example.text)
    keys = [" ".join(scoring_tokens(segment.text)) for segment in segments]
    counts = Counter(keys)
    copied = {key for key, main in zip(keys, example.labels)
              if main and counts[key] >= 2 and len(key.split()) >= COPY_TOKENS}
    return sum(len(key.split()) for key in copied) >= COPIED_TOKENS


def page_subsets(examples: Sequence[Example]) -> dict[str, list[int]]:
    """The indexes of the HTML-track benchmark ``examples`` in each of ``SUBSETS``."""
    chosen: dict[str, list[int]] = {name: [] for name in SUBSETS}
    for i, example in enumerate(examples):
        if has_comments_after_article(example):
            chosen[SUBSETS[0]].append(i)
        if has_repeated_copies(example):
            chosen[SUBSETS[1]].append(i)
    return chosen


def subset_scores(examples: Sequence[Example], extracted: Sequence[str]) -> dict[str, Score]:
    """Macro scores of ``extracted`` (one text per example) on each subset."""
    return {name: macro_score([(extracted[i], examples[i].gold) for i in where])
            for name, where in page_subsets(examples).items()}


def main(argv: list[str] | None = None) -> int:
    from training import benchmarks
    from training.examples import from_benchmark

    parser = argparse.ArgumentParser(prog="python -m training.page_subsets", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("pages", help="a training.crossval --track html --pages-out file")
    args = parser.parse_args(argv)
    if not benchmarks.available():
        parser.error(f"{benchmarks.SHARED_DATA} not found (set FILTERKIT_SHARED to the shared folder)")
    try:
        with open(args.pages, encoding="utf-8") as lines:
            outputs = {(record["source"], record["id"]): record["extracted"] for record in map(json.loads, lines)}
    except (OSError, ValueError, KeyError) as error:
        parser.error(f"{args.pages}: not a --pages-out file ({error})")
    pages = [page for page in benchmarks.read_all() if (page.dataset, page.id) in outputs]
    examples = [from_benchmark(page, "html") for page in pages]
    for name, score in subset_scores(examples, [outputs[(e.source, e.id)] for e in examples]).items():
        print(f"cross-validated {name:26s} {score}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
