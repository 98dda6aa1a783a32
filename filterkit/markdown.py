"""Kept blocks to Markdown: the main content with the structure its page gave it.

An HTML page's blocks carry their unit (``html_blocks.Structure.units``): headings become
``#`` lines by level (``# `` for an ``<h1>``, the title), list items ``- `` or ``1. `` lines
indented under their parent item, the rows of one table a GitHub pipe table (its first row
the header when the page marks none), code a fenced block with its lines as they are, and
quoted blocks ``> `` lines. A text page has no markup: its first kept line is the title where
it reads as one (short, no closing punctuation), lines led by a bullet glyph or a number are
list items, the rest paragraphs.

Text is written as the page gave it; only what would change its meaning in Markdown is
escaped: ``|`` in table cells, and a paragraph's start that would read as a heading, list,
quote or fence. Links, on request, become ``[text](href)`` where the block recorded them
(``html_blocks.Structure.links``: a link whose text lies inside one block; code keeps none);
inline emphasis is not carried (the blocks keep their text only).
"""
from __future__ import annotations

import re
from typing import Sequence

import numpy as np

from filterkit.html_blocks import (CELL_SEPARATOR, CODE, HEADER_ROW, HEADING, ITEM, ITEM_TEXT, ROW, UNIT_GROUP,
                                   UNIT_KIND, UNIT_LEVEL, UNIT_NUMBER, UNIT_QUOTE)

TITLE_MAX_CHARS = 150  # a text page's first kept line longer than this is a paragraph, not the title
MIN_FENCE = 3  # backticks of a code fence at least
_CLOSING = ".!?。！？…:：;；,，"  # a line ending with one of these is a sentence, not a title
# A text line led by a bullet glyph, or by a number ("1.", "2)", "3、"), is a list item.
_BULLET = re.compile(r"^(?:[•·●○◦▪▫■□►▸▶➤✓✔※]\s*|[-*+–—]\s+)(?=\S)")
_NUMBERED = re.compile(r"^(\d{1,3})[.)、．]\s*(?=\S)")
# A paragraph's start that Markdown would read as markup: a heading, quote, list, fence or rule.
_MARKUP_START = re.compile(r"^(?:#{1,6}(?=\s|$)|>|[-*+](?=\s|$)|(\d{1,9})[.)](?=\s|$)|`{3,}|~{3,}|[=_]{3,}$)")
_BACKTICKS = re.compile(r"`+")


def to_markdown(texts: Sequence[str], units: np.ndarray | None,
                links: Sequence[tuple[tuple[str, str], ...]] | None = None) -> str:
    """The kept blocks (``texts``, in reading order) as Markdown; ``units`` gives an HTML page's block units
    (rows aligned with ``texts``), None for a text page; ``links``, each block's (text, href) pairs to write
    as Markdown links."""
    if units is None:
        return _text_page(texts)
    if links is not None:
        texts = [_linked(text, block_links) if block_links and kind != CODE else text
                 for text, block_links, kind in zip(texts, links, units[:, UNIT_KIND].tolist())]
    return _html_page(texts, units.tolist())


def _linked(text: str, links: tuple[tuple[str, str], ...]) -> str:
    """The block's text with each of its links, found in order, written as ``[text](href)``."""
    parts, at = [], 0
    for link_text, href in links:
        found = text.find(link_text, at)
        if found < 0:
            continue
        label = link_text.replace("[", "\\[").replace("]", "\\]")
        target = f"<{href}>" if any(c in href for c in " ()") else href
        parts += [text[at:found], f"[{label}]({target})"]
        at = found + len(link_text)
    return "".join(parts) + text[at:]


def _html_page(texts: Sequence[str], units: list[list[int]]) -> str:
    parts: list[str] = []  # rendered blocks, each with the separator before it
    columns = [0]  # where the content of each open list level starts (CommonMark's rule for nesting)
    previous_kind, previous_quote = -1, 0
    i = 0
    while i < len(texts):
        kind, level, number, group, quote = (units[i][column] for column in
                                             (UNIT_KIND, UNIT_LEVEL, UNIT_NUMBER, UNIT_GROUP, UNIT_QUOTE))
        text = texts[i]
        end = i + 1
        if kind == ROW or kind == HEADER_ROW:
            while end < len(texts) and units[end][UNIT_KIND] in (ROW, HEADER_ROW) and units[end][UNIT_GROUP] == group:
                end += 1
            block = _table([texts[j] for j in range(i, end)])
        elif kind == CODE:
            block = _fenced(text)
        elif kind == HEADING:
            block = "#" * max(1, min(level, 6)) + " " + text
        elif kind == ITEM:
            depth = min(level, len(columns))
            marker = f"{number}. " if number else "- "
            indent = columns[depth - 1]
            del columns[depth:]
            columns.append(indent + len(marker))
            block = " " * indent + marker + text
        elif kind == ITEM_TEXT and len(columns) > 1:
            depth = min(level, len(columns) - 1)
            block = " " * columns[depth] + _escaped(text)
        else:
            block = _escaped(text)
        if kind != ITEM and kind != ITEM_TEXT:
            columns = [0]
        if quote:
            block = "\n".join((">" * quote + " " + line).rstrip() for line in block.split("\n"))
        if parts:
            tight = kind == ITEM and previous_kind == ITEM
            shared = min(quote, previous_quote)
            parts.append("\n" if tight else ("\n" + ">" * shared + "\n") if shared else "\n\n")
        parts.append(block)
        previous_kind, previous_quote = kind, quote
        i = end
    return "".join(parts) + "\n" if parts else ""


def _table(rows: list[str]) -> str:
    """A GitHub pipe table of one table's rows; the first row is its header."""
    cells = [[cell.replace("|", "\\|") for cell in row.split(CELL_SEPARATOR)] for row in rows]
    width = max(len(row) for row in cells)
    lines = ["| " + " | ".join(row + [""] * (width - len(row))) + " |" for row in cells]
    lines.insert(1, "|" + " --- |" * width)
    return "\n".join(lines)


def _fenced(code: str) -> str:
    """A fenced code block, its fence longer than any run of backticks in the code."""
    longest = max((len(run) for run in _BACKTICKS.findall(code)), default=0)
    fence = "`" * max(MIN_FENCE, longest + 1)
    return f"{fence}\n{code}\n{fence}"


def _escaped(text: str) -> str:
    """A paragraph whose start would read as markup, with that start escaped."""
    match = _MARKUP_START.match(text)
    if match is None:
        return text
    if match.group(1):  # "1. " -> "1\. "
        digits = len(match.group(1))
        return text[:digits] + "\\" + text[digits:]
    return "\\" + text


def _text_page(texts: Sequence[str]) -> str:
    parts: list[str] = []
    previous_item = False
    for index, text in enumerate(texts):
        bullet = _BULLET.match(text)
        numbered = _NUMBERED.match(text) if bullet is None else None
        if index == 0 and bullet is None and numbered is None and _is_title(text):
            block, item = "# " + text, False
        elif bullet is not None:
            block, item = "- " + text[bullet.end():], True
        elif numbered is not None:
            block, item = f"{numbered.group(1)}. " + text[numbered.end():], True
        else:
            block, item = _escaped(text), False
        if parts:
            parts.append("\n" if item and previous_item else "\n\n")
        parts.append(block)
        previous_item = item
    return "".join(parts) + "\n" if parts else ""


def _is_title(text: str) -> bool:
    return len(text) <= TITLE_MAX_CHARS and text[-1] not in _CLOSING
