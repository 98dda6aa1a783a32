"""The public face: ``ContentFilter`` turns scraped pages into their main content.

page → paragraphs → language → tokens → features → scores → main text; the steps live in
``analysis``, ``features`` and ``model``; this module loads a model once and keeps the
results in a shape that is easy to print, serialise or feed to the next step of a pipeline.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator, NamedTuple

from filterkit.decoding import decode

if TYPE_CHECKING:
    from filterkit.model import ParagraphClassifier

DEFAULT_BATCH_SIZE = 64  # pages analysed and scored together in filter_many
WINDOW_LINES = 5000  # longer pages are scored in windows of this many lines (see _windows)
PASS_LINES = 4 * WINDOW_LINES  # lines analysed and scored together at most (one window or page may exceed it)


class Paragraph(NamedTuple):
    """One paragraph of a page (a named tuple: a batch makes hundreds of thousands of them)."""

    text: str
    score: float  # P(main content)
    label: bool  # score >= threshold
    lang: str


@dataclass(frozen=True)
class FilterResult:
    paragraphs: tuple[Paragraph, ...]
    lang: str  # the page's main language
    encoding: str | None = None  # how bytes input was decoded, None for str input

    @property
    def text(self) -> str:
        """The main content: the kept paragraphs, verbatim and in order, separated by a blank line."""
        return "\n\n".join(p.text for p in self.paragraphs if p.label)

    def to_dict(self) -> dict:
        return {"main": self.text, "lang": self.lang, "encoding": self.encoding,
                "paragraphs": [p._asdict() for p in self.paragraphs]}


class ContentFilter:
    """A loaded model, reusable across pages and threads.

    >>> content_filter = ContentFilter()                # the model shipped with filterkit
    >>> content_filter.filter(page_text).text           # main content of one page
    >>> [r.text for r in content_filter.filter_many(pages)]  # many pages, scored in batches
    """

    def __init__(self, model: str | Path | ParagraphClassifier | None = None, threshold: float | None = None):
        """``model``: a model directory (default: the shipped one) or a classifier already in memory."""
        from filterkit.model import ParagraphClassifier
        from filterkit.model_io import load_model

        if isinstance(model, ParagraphClassifier):
            self.model, self.meta = model, {}
        else:
            self.model, self.meta = load_model(model)
        self.threshold = self.model.threshold if threshold is None else float(threshold)
        if not 0.0 <= self.threshold <= 1.0:
            raise ValueError(f"threshold must be between 0 and 1, got {threshold}")

    def filter(self, page: str | bytes, encoding: str | None = None) -> FilterResult:
        """Main content of one page (text, or bytes decoded by ``filterkit.decoding``'s rule)."""
        return next(self.filter_many([page], encoding=encoding))

    def filter_many(self, pages: Iterable[str | bytes], batch_size: int = DEFAULT_BATCH_SIZE,
                    encoding: str | None = None) -> Iterator[FilterResult]:
        """Results in input order, scoring ``batch_size`` pages (or windows of a long page) at a time.

        Lazy: ``pages`` may be an endless stream; at most ``batch_size`` pages are held at once.
        """
        chunk: list[tuple[str, str | None]] = []
        for page in pages:
            chunk.append(decode(page, encoding) if isinstance(page, (bytes, bytearray)) else (page, None))
            if len(chunk) >= batch_size:
                yield from self._score(chunk, batch_size)
                chunk = []
        if chunk:
            yield from self._score(chunk, batch_size)

    def _score(self, pages: list[tuple[str, str | None]], batch_size: int) -> list[FilterResult]:
        windows = [_windows(text) for text, _ in pages]
        scored = iter(self._score_windows([window for page_windows in windows for window in page_windows], batch_size))
        results = []
        for (_, encoding), page_windows in zip(pages, windows):
            paragraphs: list[Paragraph] = []
            lang_weight: dict[str, int] = {}
            for window_paragraphs, window_lang in islice(scored, len(page_windows)):
                paragraphs += window_paragraphs
                lang_weight[window_lang] = lang_weight.get(window_lang, 0) + len(window_paragraphs)
            results.append(FilterResult(tuple(paragraphs), max(lang_weight, key=lang_weight.get), encoding))
        return results

    def _score_windows(self, texts: list[str], batch_size: int) -> Iterator[tuple[list[Paragraph], str]]:
        """(paragraphs, language) per text, analysing at most ``batch_size`` texts and about
        PASS_LINES lines at once, which bounds memory however long the pages are."""
        from filterkit.analysis import analyse

        for group in _passes(texts, batch_size):
            batch = analyse(group)
            scores = self.model.predict_proba(batch)
            rounded = [round(score, 4) for score in scores.tolist()]
            labels = (scores >= self.threshold).tolist()
            paragraphs = list(map(Paragraph, batch.texts, rounded, labels, batch.langs))
            for where, page_lang in zip(batch.page_slices(), batch.page_langs):
                yield paragraphs[where], page_lang


def _passes(texts: list[str], batch_size: int) -> Iterator[list[str]]:
    group: list[str] = []
    lines = 0
    for text in texts:
        text_lines = text.count("\n") + 1
        if group and (len(group) >= batch_size or lines + text_lines > PASS_LINES):
            yield group
            group, lines = [], 0
        group.append(text)
        lines += text_lines
    if group:
        yield group


def _windows(text: str) -> list[str]:
    """The page, cut at line breaks into windows of at most WINDOW_LINES lines (usually one window).

    A page of hundreds of thousands of lines (a dump, a feed concatenated by mistake) is
    scored window by window, each as a page of its own, so memory stays bounded by the
    window, not the page.
    """
    if text.count("\n") < WINDOW_LINES:
        return [text]
    lines = text.splitlines(keepends=True)
    return ["".join(lines[start:start + WINDOW_LINES]) for start in range(0, len(lines), WINDOW_LINES)]


_default: ContentFilter | None = None


def extract(page: str | bytes) -> str:
    """Main content of one page with the default model (loaded on first use, then kept)."""
    global _default
    if _default is None:
        _default = ContentFilter()
    return _default.filter(page).text


__all__ = ["ContentFilter", "FilterResult", "Paragraph", "extract"]
