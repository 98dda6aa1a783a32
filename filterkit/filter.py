"""The public face: ``ContentFilter`` turns scraped pages into their main content.

page → paragraphs → language → tokens → features → scores → main text; the steps live in
``analysis``, ``features`` and ``model``; this module loads a model once and keeps the
results in a shape that is easy to print, serialise or feed to the next step of a pipeline.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator, NamedTuple

from filterkit.decoding import decode, looks_like_html

if TYPE_CHECKING:
    from filterkit.html_blocks import Structure
    from filterkit.model import ParagraphClassifier
    from filterkit.paragraphs import Segment

DEFAULT_BATCH_SIZE = 64  # pages analysed and scored together in filter_many
WINDOW_LINES = 5000  # longer pages are scored in windows of this many lines or blocks (see _windows)
PASS_LINES = 4 * WINDOW_LINES  # lines analysed and scored together at most (one window or page may exceed it)
FORMATS = ("auto", "text", "html")


class Paragraph(NamedTuple):
    """One paragraph of a page (a named tuple: a batch makes hundreds of thousands of them)."""

    text: str
    score: float  # P(main content)
    label: bool  # kept: score >= threshold, or >= the page's own bar on the HTML track (filterkit.decision)
    lang: str
    path: str | None = None  # HTML pages: the tag path of the block's element, e.g. "html>body>article>p"


@dataclass(frozen=True)
class FilterResult:
    paragraphs: tuple[Paragraph, ...]
    lang: str  # the page's main language
    encoding: str | None = None  # how bytes input was decoded, None for str input
    format: str = "text"  # "text" or "html": how the page was read

    @property
    def text(self) -> str:
        """The main content: the kept paragraphs, verbatim and in order, separated by a blank line."""
        return "\n\n".join(p.text for p in self.paragraphs if p.label)

    def to_dict(self) -> dict:
        return {"main": self.text, "lang": self.lang, "format": self.format, "encoding": self.encoding,
                "paragraphs": [p._asdict() for p in self.paragraphs]}


@dataclass
class _Window:
    """A page, or a window of a long page, ready for analysis: text, or HTML blocks with their structure."""

    text: str | None = None
    segments: list[Segment] | None = None
    structure: Structure | None = None

    @property
    def size(self) -> int:
        return self.text.count("\n") + 1 if self.text is not None else len(self.segments)


class ContentFilter:
    """A loaded model, reusable across pages and threads.

    >>> content_filter = ContentFilter()                # the model set shipped with filterkit
    >>> content_filter.filter(page_text).text           # main content of one page (text or HTML)
    >>> [r.text for r in content_filter.filter_many(pages)]  # many pages, scored in batches
    """

    def __init__(self, model: str | Path | ParagraphClassifier | None = None, threshold: float | None = None):
        """``model``: a model directory (default: the shipped set), or a classifier already in memory.

        A track's model is loaded the first time a page of that track comes (text pages
        never load the HTML model); ``load(track)`` loads it at once.
        """
        from filterkit.model import ParagraphClassifier

        if threshold is not None and not 0.0 <= float(threshold) <= 1.0:
            raise ValueError(f"threshold must be between 0 and 1, got {threshold}")
        self._threshold = None if threshold is None else float(threshold)
        self._lock = threading.Lock()
        self._models: dict[str, ParagraphClassifier] = {}
        self.meta: dict[str, dict] = {}
        self._source = model
        if isinstance(model, ParagraphClassifier):
            self._models[model.track] = model
        else:
            from filterkit.model_io import model_track

            self.load(model_track(model) or "text")  # a broken model fails here, not on the first page

    def load(self, track: str) -> ParagraphClassifier:
        """The model of ``track`` ("text" or "html"), loaded once; ``ModelError`` if there is none."""
        model = self._models.get(track)
        if model is not None:
            return model
        from filterkit.model import ParagraphClassifier
        from filterkit.model_io import ModelError, load_model

        if isinstance(self._source, ParagraphClassifier):
            raise ModelError(f"this filter holds a model of the {self._source.track} track only; it cannot "
                             f"filter {track} pages")
        with self._lock:
            if track not in self._models:
                self._models[track], self.meta[track] = load_model(self._source, track)
        return self._models[track]

    def threshold(self, track: str = "text") -> float:
        """The probability at or above which a paragraph is always kept.

        Unless a threshold was given, the HTML track also keeps a page's paragraphs down to
        the bar of its best expected word F1 (``filterkit.decision``), which is never higher.
        """
        return self._threshold if self._threshold is not None else self.load(track).threshold

    def filter(self, page: str | bytes, encoding: str | None = None, format: str = "auto") -> FilterResult:
        """Main content of one page: text or HTML (``format``), str or bytes (decoded by ``filterkit.decoding``'s rule)."""
        return next(self.filter_many([page], encoding=encoding, format=format))

    def filter_many(self, pages: Iterable[str | bytes], batch_size: int = DEFAULT_BATCH_SIZE,
                    encoding: str | None = None, format: str = "auto") -> Iterator[FilterResult]:
        """Results in input order, scoring ``batch_size`` pages (or windows of a long page) at a time.

        ``format`` is "text", "html", or "auto" (each page's own: HTML if it looks like
        markup). Lazy: ``pages`` may be an endless stream; at most ``batch_size`` pages
        are held at once.
        """
        if format not in FORMATS:
            raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {format!r}")
        chunk: list[tuple[str, str, str | None]] = []
        for page in pages:
            chunk.append(_read(page, encoding, format))
            if len(chunk) >= batch_size:
                yield from self._score(chunk, batch_size)
                chunk = []
        if chunk:
            yield from self._score(chunk, batch_size)

    def _score(self, pages: list[tuple[str, str, str | None]], batch_size: int) -> list[FilterResult]:
        windows = [_windows(text, track) for text, track, _ in pages]
        scored: dict[str, Iterator[tuple[list[Paragraph], str]]] = {}
        for track in {track for _, track, _ in pages}:
            of_track = [w for (_, page_track, _), page_windows in zip(pages, windows) if page_track == track
                        for w in page_windows]
            scored[track] = iter(self._score_windows(of_track, track, batch_size))
        results = []
        for (_, track, encoding), page_windows in zip(pages, windows):
            paragraphs: list[Paragraph] = []
            lang_weight: dict[str, int] = {}
            for window_paragraphs, window_lang in islice(scored[track], len(page_windows)):
                paragraphs += window_paragraphs
                lang_weight[window_lang] = lang_weight.get(window_lang, 0) + len(window_paragraphs)
            results.append(FilterResult(tuple(paragraphs), max(lang_weight, key=lang_weight.get), encoding, track))
        return results

    def _score_windows(self, windows: list[_Window], track: str,
                       batch_size: int) -> Iterator[tuple[list[Paragraph], str]]:
        """(paragraphs, language) per window, analysing at most ``batch_size`` windows and about
        PASS_LINES lines at once, which bounds memory however long the pages are."""
        from filterkit.analysis import analyse, analyse_blocks

        model = self.load(track)
        for group in _passes(windows, batch_size):
            if track == "text":
                batch = analyse([window.text for window in group])
                paths = [None] * len(batch)
            else:
                batch = analyse_blocks([(window.segments, window.structure) for window in group])
                paths = batch.structure.paths
            scores = model.predict_proba(batch)
            rounded = [round(score, 4) for score in scores.tolist()]
            labels = model.decide(batch, scores, self._threshold).tolist()
            paragraphs = list(map(Paragraph, batch.texts, rounded, labels, batch.langs, paths))
            for where, page_lang in zip(batch.page_slices(), batch.page_langs):
                yield paragraphs[where], page_lang


def _read(page: str | bytes, encoding: str | None, format: str) -> tuple[str, str, str | None]:
    """(text, track, encoding used or None) of one input page."""
    track = format if format != "auto" else "html" if looks_like_html(page) else "text"
    if isinstance(page, (bytes, bytearray)):
        text, used = decode(bytes(page), encoding, html=track == "html")
        return text, track, used
    return page, track, None


def _passes(windows: list[_Window], batch_size: int) -> Iterator[list[_Window]]:
    group: list[_Window] = []
    lines = 0
    for window in windows:
        if group and (len(group) >= batch_size or lines + window.size > PASS_LINES):
            yield group
            group, lines = [], 0
        group.append(window)
        lines += window.size
    if group:
        yield group


def _windows(text: str, track: str) -> list[_Window]:
    """The page, cut into windows of at most WINDOW_LINES lines or blocks (usually one window).

    A page of hundreds of thousands of lines (a dump, a feed concatenated by mistake) is
    scored window by window, each as a page of its own, so memory stays bounded by the
    window, not the page.
    """
    if track == "html":
        from filterkit.html_blocks import parse_blocks

        segments, structure = parse_blocks(text)
        return [_Window(segments=segments[start:start + WINDOW_LINES],
                        structure=structure.take(slice(start, start + WINDOW_LINES)))
                for start in range(0, max(len(segments), 1), WINDOW_LINES)]
    if text.count("\n") < WINDOW_LINES:
        return [_Window(text=text)]
    lines = text.splitlines(keepends=True)
    return [_Window(text="".join(lines[start:start + WINDOW_LINES])) for start in range(0, len(lines), WINDOW_LINES)]


_default: ContentFilter | None = None


def extract(page: str | bytes) -> str:
    """Main content of one page with the default model (loaded on first use, then kept)."""
    global _default
    if _default is None:
        _default = ContentFilter()
    return _default.filter(page).text


__all__ = ["ContentFilter", "FilterResult", "Paragraph", "extract"]
