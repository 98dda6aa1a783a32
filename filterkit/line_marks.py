"""Text-track line marks within a page: list glyphs and numbering, and cut copies of another line.

On seed-shaped text pages the lines a model wrongly keeps are teaser snippets of other
stories, bullet-led teasers and the page's own summary cut short, all scored as prose
(median 0.75). Two of their tells are in the strings themselves and are computed here:
a leading list glyph or number (no article line of those pages has one; 132 teaser lines
do), and a line that is the start of a later line (the cut summary: 39 of 52), found
across a label such as ``Summary:`` / ``摘要：`` and across white space, with the direction
kept: a cut copy comes before its source, and the full line after its copy is the
article. The third tell, little word overlap with the page's main text, is
``features.PageTerms.shared``.
"""
from __future__ import annotations

import re

import numpy as np

# A list item's lead: a glyph, or a number of up to three digits closed by a mark ("12.", "3、", "(4)", "①").
_GLYPH = re.compile(r"[•·▪◦‣●○■□►▶▸▹»›>*+\-–—◆◇★☆→~》※♦▷◎]")
_NUMBER = re.compile(r"(?:\d{1,3}[.)、）:：]|[(（]\d{1,3}[)）]|[①-⑳])(?!\d)")
# A short label before a copied sentence ("Summary: ", "摘要：", "导读:"): up to this many characters before the colon.
_LABEL = re.compile(r"\A[^\s:：]{1,12}\s?[:：]\s*")
LABEL_REACH = 14  # _LABEL's colon is among a line's first this many characters
_TAIL = ".。…,，;；、!！?？ "  # stripped from a line's end: a cut copy ends in " 。", "…" or "..."
MIN_COPY_CHARS = 16  # a shorter line is not called a cut copy of another
MAX_KEY_CHARS = 2000  # a line is compared on its start only: a cut copy is short, and a huge line costs no more
MAX_COPY_SCAN = 20  # lines compared with each line's key at most (its run of extensions in sorted order)

LINE_MARK_NAMES = ("lead_glyph", "lead_number", "copy_of_later", "copy_of_earlier", "has_cut_copy")


def line_marks(texts: list[str], offsets: np.ndarray) -> np.ndarray:
    """Per line (columns as LINE_MARK_NAMES): its list lead, and whether it is a cut copy of a line or has one."""
    lead_glyph = np.fromiter((bool(_GLYPH.match(text)) for text in texts), dtype=np.float64, count=len(texts))
    lead_number = np.fromiter((bool(_NUMBER.match(text)) for text in texts), dtype=np.float64, count=len(texts))
    copies = _cut_copies(texts, offsets)
    return np.column_stack([lead_glyph, lead_number, copies]).reshape(len(texts), len(LINE_MARK_NAMES))


def _copy_key(text: str) -> str:
    """The line as compared with others: without a leading label, white space, case and its closing marks."""
    head = text[:MAX_KEY_CHARS]
    lead = head[:LABEL_REACH]
    label = _LABEL.match(head) if ":" in lead or "：" in lead else None
    return "".join((head[label.end():] if label else head).split()).lower().rstrip(_TAIL)


def _cut_copies(texts: list[str], offsets: np.ndarray) -> np.ndarray:
    """Columns: the line is the start of a later line; of an earlier one; another line is a cut copy of it."""
    flags = np.zeros((len(texts), 3))
    for start, end in zip(offsets[:-1].tolist(), offsets[1:].tolist()):
        # A key is never longer than its line, so a short line is not keyed at all.
        keyed = sorted((key, i) for i in range(start, end)
                       if len(texts[i]) >= MIN_COPY_CHARS and len(key := _copy_key(texts[i])) >= MIN_COPY_CHARS)
        for place, (key, i) in enumerate(keyed):
            # Every key that extends this one follows it directly in sorted order.
            for longer, j in keyed[place + 1:place + 1 + MAX_COPY_SCAN]:
                if not longer.startswith(key):
                    break
                if len(longer) > len(key):
                    flags[i, 0 if j > i else 1] = 1.0
                    flags[j, 2] = 1.0
    return flags
