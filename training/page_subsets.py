"""Subsets of the benchmark pages on which a kind of boilerplate is known to be present.

A set's F1 averages over pages where the kind under study is absent, and a change that
fixes it moves the set's figure by a fraction of a point; on the pages that carry it, the
change is plain. Three kinds (issues 12 and 18), found from each page's HTML and its labels:

* ``comments under an article``: an article page (not a forum thread, not a product's
  reviews), with blocks under an
  element whose class/id names comments or replies (``comment``, ``reply``, ``respond``,
  ``discuss``, ``disqus``, ``评论``, ``回复``), at least COMMENT_TOKENS tokens of them not
  main content and all after the page's last main block: the gold ends before them;
* ``repeated copies``: a page whose main blocks that occur twice or more among its blocks
  (a print copy, a hidden copy, the headline again) hold COPIED_TOKENS tokens or more, each
  at least COPY_TOKENS long (not "Home" or "Share"): a headline shown twice alone is too
  common (half the pages) to single out the pages with copies;
* ``teaser lists``: a page with a region of TEASER_CARDS or more link-led sibling blocks (a
  story's title as a link: at least TEASER_LINK_CHARS characters of link text, most of the
  block) outside the gold and after the page's last main block, under one container
  (the blocks' parent or grandparent) that holds no main block.

Beside each subset's scores, the words wrongly kept in its regions (the comment blocks, the
teaser list's container's blocks): a block counts as kept when its text is one of the
extracted text's paragraphs.

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
TEASER_CARDS = 3
TEASER_LINK_CHARS = 25  # about five words: a story's title, not "Contact" or "Share"
TEASER_LINK_SHARE = 0.5
TEASER_LEVELS = 2  # containers up from a teaser's owner where its list is looked for (a card's parent, its list)
_COMMENT_WORD = re.compile(r"comment|repl(?:y|ies)|respond|discuss|disqus|评论|回复")
SUBSETS = ("comments under an article", "repeated copies", "teaser lists")


def _under_comments(terms: tuple[str, ...]) -> bool:
    # the terms are the owner's and its ancestors' tags and class/id words; tags ("<p>") name no container
    return any(not term.startswith("<") and _COMMENT_WORD.search(term) for term in terms)


def comment_region(example: Example, parsed=None) -> list[int]:
    """The comment blocks after an article's last main block, where the page is in the comment subset; else []."""
    if example.page_type != "article" or not any(example.labels):
        return []
    segments, structure = parsed or parse_blocks(example.text)
    last_main = max(i for i, main in enumerate(example.labels) if main)
    tokens_after = tokens_before = 0
    after = []
    for i, (segment, terms, main) in enumerate(zip(segments, structure.terms, example.labels)):
        if main or not _under_comments(terms):
            continue
        size = len(scoring_tokens(segment.text))
        if i > last_main:
            tokens_after += size
            after.append(i)
        else:
            tokens_before += size
    return after if tokens_after >= COMMENT_TOKENS and tokens_before < COMMENT_TOKENS else []


def has_comments_after_article(example: Example) -> bool:
    return bool(comment_region(example))


def teaser_region(example: Example, parsed=None) -> list[int]:
    """The blocks of the page's teaser lists (their containers' blocks after the last main block); [] where none."""
    if not any(example.labels):
        return []
    segments, structure = parsed or parse_blocks(example.text)
    labels = example.labels
    last_main = max(i for i, main in enumerate(labels) if main)
    held_main: set[int] = set()
    for i, main in enumerate(labels):
        if main:
            held_main.update(structure.ancestors[i, 1:1 + TEASER_LEVELS].tolist())
    cards: dict[int, int] = {}
    for i in range(last_main + 1, len(segments)):
        links = int(structure.link_chars[i])
        if labels[i] or links < TEASER_LINK_CHARS or links < TEASER_LINK_SHARE * len(segments[i].text.replace(" ", "")):
            continue
        for container in dict.fromkeys(structure.ancestors[i, 1:1 + TEASER_LEVELS].tolist()):
            if container not in held_main:
                cards[container] = cards.get(container, 0) + 1
    lists = {container for container, count in cards.items() if count >= TEASER_CARDS}
    return [i for i in range(last_main + 1, len(segments)) if not labels[i]
            and lists.intersection(structure.ancestors[i, 1:1 + TEASER_LEVELS].tolist())]


def has_repeated_copies(example: Example) -> bool:
    segments, _ = parse_blocks(example.text)
    keys = [" ".join(scoring_tokens(segment.text)) for segment in segments]
    counts = Counter(keys)
    copied = {key for key, main in zip(keys, example.labels)
              if main and counts[key] >= 2 and len(key.split()) >= COPY_TOKENS}
    return sum(len(key.split()) for key in copied) >= COPIED_TOKENS


def page_regions(examples: Sequence[Example]) -> dict[str, dict[int, list[int]]]:
    """Per subset (``SUBSETS``), the HTML-track benchmark ``examples`` in it, by index, each with the blocks
    of its region (none for the copies subset, whose copies are main text)."""
    chosen: dict[str, dict[int, list[int]]] = {name: {} for name in SUBSETS}
    for i, example in enumerate(examples):
        parsed = parse_blocks(example.text)
        for name, region in ((SUBSETS[0], comment_region(example, parsed)), (SUBSETS[2], teaser_region(example, parsed))):
            if region:
                chosen[name][i] = region
        if has_repeated_copies(example):
            chosen[SUBSETS[1]][i] = []
    return chosen


def page_subsets(examples: Sequence[Example]) -> dict[str, list[int]]:
    """The indexes of the HTML-track benchmark ``examples`` in each of ``SUBSETS``."""
    return {name: sorted(pages) for name, pages in page_regions(examples).items()}


def kept_region_words(example: Example, region: list[int], extracted: str) -> tuple[int, int]:
    """(words in the region's blocks, words of them kept): a block is kept when its text is a paragraph of
    ``extracted`` (the kept blocks joined by blank lines)."""
    segments, _ = parse_blocks(example.text)
    kept = set(extracted.split("\n\n"))
    sizes = [(len(scoring_tokens(segments[i].text)), segments[i].text in kept) for i in region]
    return sum(size for size, _ in sizes), sum(size for size, is_kept in sizes if is_kept)


def subset_scores(examples: Sequence[Example], extracted: Sequence[str]) -> dict[str, Score]:
    """Macro scores of ``extracted`` (one text per example) on each subset."""
    return {name: score for name, (score, _, _) in subset_report(examples, extracted).items()}


def subset_report(examples: Sequence[Example], extracted: Sequence[str]) -> dict[str, tuple[Score, int, int]]:
    """Per subset: (macro score of ``extracted``, words in the subset's regions, words of them kept)."""
    report = {}
    for name, pages in page_regions(examples).items():
        words = kept = 0
        for i, region in pages.items():
            in_region, kept_here = kept_region_words(examples[i], region, extracted[i])
            words, kept = words + in_region, kept + kept_here
        report[name] = (macro_score([(extracted[i], examples[i].gold) for i in pages]), words, kept)
    return report


def report_line(name: str, score: Score, words: int, kept: int) -> str:
    """One subset's figures as crossval and this module print them."""
    region = f"  region words kept {kept:,} of {words:,}" if words else ""
    return f"cross-validated {name} {score}{region}"


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
    for name, (score, words, kept) in subset_report(examples, [outputs[(e.source, e.id)] for e in examples]).items():
        print(report_line(f"{name:26s}", score, words, kept))
    return 0


if __name__ == "__main__":
    sys.exit(main())
