"""Pages to analysed paragraphs: segmentation, language and tokens for a batch of pages.

The paragraphs of all pages of a batch are laid end to end, with ``offsets`` marking
where each page starts, so that the feature and model steps work on whole arrays
rather than page by page.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from filterkit.language import page_language, paragraph_languages
from filterkit.paragraphs import Segment, split_paragraphs
from filterkit.tokens import tokenize


@dataclass
class Batch:
    segments: list[Segment]
    langs: list[str]  # per paragraph
    tokens: list[list[str]]  # per paragraph
    page_langs: list[str]  # per page
    offsets: np.ndarray  # page p holds paragraphs offsets[p]:offsets[p + 1]

    @property
    def texts(self) -> list[str]:
        return [segment.text for segment in self.segments]

    @property
    def page_index(self) -> np.ndarray:
        """The page of every paragraph."""
        return np.repeat(np.arange(len(self.offsets) - 1), np.diff(self.offsets))

    def __len__(self) -> int:
        return len(self.segments)


def analyse(pages: list[str]) -> Batch:
    """Split, detect the language of and tokenise every paragraph of ``pages``."""
    segments: list[Segment] = []
    langs: list[str] = []
    page_langs: list[str] = []
    offsets = [0]
    for page in pages:
        page_segments = split_paragraphs(page)
        texts = [segment.text for segment in page_segments]
        page_paragraph_langs = paragraph_languages(texts)
        segments.extend(page_segments)
        langs.extend(page_paragraph_langs)
        page_langs.append(page_language(texts, page_paragraph_langs))
        offsets.append(len(segments))
    tokens = [tokenize(segment.text) for segment in segments]
    return Batch(segments, langs, tokens, page_langs, np.asarray(offsets, dtype=np.int64))
