"""Pages to analysed paragraphs: segmentation, language and tokens for a batch of pages.

The paragraphs of all pages of a batch are laid end to end, with ``offsets`` marking
where each page starts, so that the feature and model steps work on whole arrays
rather than page by page. Text pages are split into lines (``paragraphs``); HTML pages
arrive already split into blocks (``html_blocks``) and bring their markup's
``Structure``, which the HTML track's features use.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from filterkit.characters import DIGIT, HAN, HANGUL, KANA, LETTER, CharStats
from filterkit.language import CJK_LETTER_WEIGHT, page_language, paragraph_languages
from filterkit.html_blocks import Structure
from filterkit.paragraphs import Segment, split_paragraphs
from filterkit.tokens import tokenize

# A longer paragraph (one huge text node or line, never prose) is analysed on its first and
# last ANALYSED_CHARS // 2 characters: its shares, ends and words have long settled by then,
# and its character arrays and tokens would cost memory many times its size.
ANALYSED_CHARS = 100_000


@dataclass
class Batch:
    segments: list[Segment]
    chars: CharStats  # per paragraph
    langs: list[str]  # per paragraph
    tokens: list[list[str]]  # per paragraph
    page_langs: list[str]  # per page
    offsets: np.ndarray  # page p holds paragraphs offsets[p]:offsets[p + 1]
    structure: Structure | None = None  # HTML pages only
    page_kinds: np.ndarray | None = None  # (pages × PAGE_TYPES) P(type), set where the model scores the batch

    @property
    def track(self) -> str:
        return "text" if self.structure is None else "html"

    @property
    def dom(self) -> Structure:
        """The structure of an HTML batch, for the steps that only HTML pages reach."""
        if self.structure is None:
            raise ValueError("a text batch has no DOM structure")
        return self.structure

    @property
    def texts(self) -> list[str]:
        return [segment.text for segment in self.segments]

    @cached_property
    def page_index(self) -> np.ndarray:
        """The page of every paragraph."""
        return np.repeat(np.arange(len(self.offsets) - 1), np.diff(self.offsets))

    @cached_property
    def token_counts(self) -> np.ndarray:
        """Tokens per paragraph."""
        return np.fromiter((len(t) for t in self.tokens), dtype=np.int64, count=len(self.tokens))

    def page_slices(self) -> list[slice]:
        return [slice(start, end) for start, end in zip(self.offsets[:-1].tolist(), self.offsets[1:].tolist())]

    def __len__(self) -> int:
        return len(self.segments)


def analyse(pages: list[str]) -> Batch:
    """Split text pages into lines, then detect the language of and tokenise every line."""
    return analyse_segments([split_paragraphs(page) for page in pages])


def analyse_blocks(pages: list[tuple[list[Segment], Structure]]) -> Batch:
    """Detect the language of and tokenise every block of HTML pages (``html_blocks.parse_blocks``'s output)."""
    return analyse_segments([segments for segments, _ in pages], Structure.concatenate([s for _, s in pages]))


def analyse_segments(per_page: list[list[Segment]], structure: Structure | None = None) -> Batch:
    """Detect the language of and tokenise every paragraph of pages already split."""
    segments = [segment for page_segments in per_page for segment in page_segments]
    offsets = np.concatenate([[0], np.cumsum([len(s) for s in per_page])]).astype(np.int64)
    texts = [_analysed(segment.text) for segment in segments]
    chars = CharStats(texts)
    han, kana, hangul = chars.count(HAN), chars.count(KANA), chars.count(HANGUL)
    cjk = han + kana + hangul
    letters = chars.count(LETTER) - cjk
    weights = letters + CJK_LETTER_WEIGHT * cjk
    langs: list[str] = []
    page_langs: list[str] = []
    for start, end in zip(offsets[:-1].tolist(), offsets[1:].tolist()):
        page = paragraph_languages(texts[start:end], han[start:end], kana[start:end], hangul[start:end],
                                   letters[start:end])
        langs.extend(page)
        page_langs.append(page_language(page, weights[start:end]))
    has_cjk, has_digits = (cjk > 0).tolist(), (chars.count(DIGIT) > 0).tolist()
    # One str object per distinct token of the batch (a word repeats thousands of times in a long
    # page): a list of a paragraph's tokens then costs a pointer per token, not a new str.
    distinct: dict[str, str] = {}
    same = distinct.setdefault
    tokens = [list(map(same, words, words)) for words in
              (tokenize(text, *flags) for text, flags in zip(texts, zip(has_cjk, has_digits)))]
    return Batch(segments, chars, langs, tokens, page_langs, offsets, structure)


def _analysed(text: str) -> str:
    if len(text) <= ANALYSED_CHARS:
        return text
    half = ANALYSED_CHARS // 2
    return text[:half] + " " + text[-half:]
