"""Page text to paragraphs: one paragraph per non-blank line, its text kept exactly.

A scraped page's text export puts one block per line, so a line is the unit filterkit
labels. Only the white space around a line is dropped; the indentation and the blank
lines around it are kept as facts about it, because scrapers indent teaser lists and
separate block elements with blank lines.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Segment:
    text: str  # the line without surrounding white space
    indent: int  # leading white-space characters of the raw line
    gap_before: bool  # a blank line (or the page start) precedes it
    gap_after: bool  # a blank line (or the page end) follows it


def split_paragraphs(page: str) -> list[Segment]:
    """The non-blank lines of ``page`` as segments, in order."""
    lines = page.splitlines()
    stripped = [line.strip() for line in lines]
    segments: list[Segment] = []
    last = len(lines) - 1
    for index, text in enumerate(stripped):
        if text:
            raw = lines[index]
            segments.append(Segment(text, len(raw) - len(raw.lstrip()), index == 0 or not stripped[index - 1],
                                    index == last or not stripped[index + 1]))
    return segments
