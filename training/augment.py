"""More corpus pages from the hand-written ones: teaser lists recombined across pages, cut anew.

A teaser list is what a page carries after its article ends; moving one page's tail onto
another page, and cutting its long lines at fresh places (mid-word, as scrapers cut),
teaches that a teaser is noise because of where it stands and how it ends, not because of
the particular words the writers happened to use.
"""
from __future__ import annotations

import random

from training.examples import Example

MIN_CUT_CHARS = 40  # lines at least this long get a new cut
SEED = 13


def _tail_start(labels: tuple[bool, ...]) -> int:
    """Index of the first block after the last main block."""
    last_main = max(i for i, main in enumerate(labels) if main)
    return last_main + 1


def recombine(examples: list[Example], seed: int = SEED) -> list[Example]:
    """One new page per corpus page: its head and article with another page's tail, re-cut."""
    rng = random.Random(seed)
    pages = [e for e in examples if any(e.labels) and _tail_start(e.labels) < len(e.labels)]
    augmented = []
    for example in pages:
        donor = rng.choice(pages)
        blocks = [line for line in example.text.splitlines() if line.strip()]
        donor_blocks = [line for line in donor.text.splitlines() if line.strip()]
        head = list(zip(blocks, example.labels))[:_tail_start(example.labels)]
        tail = [(_recut(line, rng), False) for line in donor_blocks[_tail_start(donor.labels):]]
        lines = head + tail
        augmented.append(Example("corpus-augmented", f"{example.id}+{donor.id}", example.domain, example.lang,
                                 "\n".join(text for text, _ in lines) + "\n", tuple(main for _, main in lines),
                                 example.gold))
    return augmented


def _recut(line: str, rng: random.Random) -> str:
    stripped = line.rstrip()
    if len(stripped.strip()) < MIN_CUT_CHARS or rng.random() < 0.5:
        return line
    return stripped[:rng.randint(len(stripped) * 2 // 3, len(stripped) - 1)].rstrip() or line
