"""The public face: ``ContentFilter`` turns scraped pages into their main content.

page → paragraphs → language → tokens → features → scores → main text; the steps live in
``analysis``, ``features`` and ``model``; this module loads a model once and keeps the
results in a shape that is easy to print, serialise or feed to the next step of a pipeline.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator, NamedTuple, Union

from filterkit.decoding import HTML_TYPES, decode, looks_like_html, media_type
from filterkit.errors import FilterkitError, ModelError

if TYPE_CHECKING:
    from filterkit.html_blocks import Structure
    from filterkit.model import ParagraphClassifier
    from filterkit.paragraphs import Segment

DEFAULT_BATCH_SIZE = 64  # pages analysed and scored together in filter_many
DEFAULT_MAX_PAGE_BYTES = 20 * 1024 * 1024  # longer pages are cut to this many bytes (UTF-8) before filtering
WINDOW_LINES = 5000  # longer pages are scored in windows of this many lines or blocks (see _windows)
PASS_LINES = 4 * WINDOW_LINES  # lines analysed and scored together at most (one window or page may exceed it)
# Characters analysed and scored together at most: a pass's arrays grow with its characters, and
# 20,000 lines of prose (8 million characters) took a 10 MB page past 10 times its size in memory.
PASS_CHARS = 4_000_000
FORMATS = ("auto", "text", "html")


class Page(NamedTuple):
    """One page with what its source says about it: the record a crawler or an archive hands over.

    ``content_type`` is the HTTP Content-Type value ("text/html; charset=Big5"): its media
    type tells HTML from text where ``format`` is "auto", and its charset decodes bytes
    when the page itself declares none. ``id`` is the caller's, carried to the result.
    """

    content: str | bytes
    encoding: str | None = None
    content_type: str | None = None
    format: str = "auto"
    id: Any = None


PageInput = Union[str, bytes, Page, "tuple[str | bytes, str | None]"]


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
    error: str | None = None  # why the page could not be filtered (then it has no paragraphs)
    truncated: bool = False  # the page was longer than max_page_bytes and was cut there
    id: Any = None  # the Page's id
    # HTML pages: each paragraph's unit and links (``html_blocks.Structure.units``, ``.links``), for Markdown
    units: Any = field(default=None, repr=False, compare=False)
    links: Any = field(default=None, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def text(self) -> str:
        """The main content: the kept paragraphs, verbatim and in order, separated by a blank line."""
        return "\n\n".join(p.text for p in self.paragraphs if p.label)

    @property
    def markdown(self) -> str:
        """The main content as Markdown (``filterkit.markdown``), built when asked: headings, lists, tables, code
        and quotes of an HTML page; the title, paragraphs and bullet lines of a text page."""
        return self.to_markdown()

    def to_markdown(self, links: bool = False) -> str:
        """``markdown``; with ``links``, an HTML page's links as ``[text](href)`` (hrefs as the page gives them)."""
        from filterkit.markdown import to_markdown

        kept = [i for i, p in enumerate(self.paragraphs) if p.label]
        if self.units is None:
            return to_markdown([self.paragraphs[i].text for i in kept], None)
        return to_markdown([self.paragraphs[i].text for i in kept], self.units[kept],
                           [self.links[i] for i in kept] if links else None)

    def to_dict(self) -> dict:
        if self.error is not None:
            return {"error": self.error}
        return {"main": self.text, "lang": self.lang, "format": self.format, "encoding": self.encoding,
                **({"truncated": True} if self.truncated else {}),
                "paragraphs": [p._asdict() for p in self.paragraphs]}


class _Read(NamedTuple):
    """A page decoded and sorted onto its track, or the error that stopped it."""

    text: str
    track: str
    encoding: str | None
    truncated: bool = False
    id: Any = None
    error: Exception | None = None


@dataclass
class _Window:
    """A page, or a window of a long page, ready for analysis: text, or HTML blocks with their structure."""

    text: str | None = None
    segments: list[Segment] | None = None
    structure: Structure | None = None

    @property
    def size(self) -> int:
        return self.text.count("\n") + 1 if self.text is not None else len(self.segments)

    @property
    def chars(self) -> int:
        return len(self.text) if self.text is not None else sum(len(segment.text) for segment in self.segments)


class ContentFilter:
    """A loaded model, reusable across pages and threads.

    >>> content_filter = ContentFilter()                # the model set shipped with filterkit
    >>> content_filter.filter(page_text).text           # main content of one page (text or HTML)
    >>> [r.text for r in content_filter.filter_many(pages)]  # many pages, scored in batches
    """

    def __init__(self, model: str | Path | ParagraphClassifier | None = None, threshold: float | None = None,
                 max_page_bytes: int | None = DEFAULT_MAX_PAGE_BYTES, trust: bool = False):
        """``model``: a model directory (default: the shipped set), or a classifier already in memory.

        A track's model is loaded the first time a page of that track comes (text pages
        never load the HTML model); ``load(track)`` loads it at once. ``max_page_bytes``:
        longer pages are cut to that size (``FilterResult.truncated``); None for no limit.
        ``trust``: load a model of filterkit 0.2, a pickle (a pickle runs code when loaded:
        only for models from someone you trust); models are plain arrays since 0.3.
        A ContentFilter pickles (a Spark or multiprocessing task can capture one): the copy
        loads its models again, lazily, where it is unpickled.
        """
        if threshold is not None and not 0.0 <= float(threshold) <= 1.0:
            raise ValueError(f"threshold must be between 0 and 1, got {threshold}")
        if max_page_bytes is not None and max_page_bytes < 1:
            raise ValueError(f"max_page_bytes must be at least 1, got {max_page_bytes}")
        self._threshold = None if threshold is None else float(threshold)
        self.max_page_bytes = max_page_bytes
        self._trust = trust
        self._lock = threading.Lock()
        self._models: dict[str, ParagraphClassifier] = {}
        self.meta: dict[str, dict] = {}
        self._source = model
        if isinstance(model, (str, Path, type(None))):
            self.check()
        else:
            self._models[model.track] = model  # a broken model fails here, not on the first page

    def check(self) -> None:
        """Check the model of every track this filter can load, without loading any (``ModelError`` if one
        cannot be used): a track's model is loaded when its first page comes."""
        from filterkit.model_io import DEFAULT_MODEL_DIR, check_model, model_track

        if not isinstance(self._source, (str, Path, type(None))):  # a classifier in memory
            return
        single = model_track(self._source)
        root = Path(self._source) if self._source else DEFAULT_MODEL_DIR
        tracks = [single] if single else [track for track in ("text", "html") if (root / track).is_dir()]
        for track in tracks or ["text"]:
            check_model(self._source, track, self._trust)

    def __getstate__(self) -> dict:
        state = {"source": self._source, "threshold": self._threshold, "max_page_bytes": self.max_page_bytes,
                 "trust": self._trust}
        if not isinstance(self._source, (str, Path, type(None))):
            state["models"] = self._models  # a model in memory has no directory to reload from
        return state

    def __setstate__(self, state: dict) -> None:
        self._source, self._threshold = state["source"], state["threshold"]
        self.max_page_bytes = state["max_page_bytes"]
        self._trust = state["trust"]
        self._lock = threading.Lock()
        self._models = dict(state.get("models", {}))
        self.meta = {}

    def load(self, track: str) -> ParagraphClassifier:
        """The model of ``track`` ("text" or "html"), loaded once; ``ModelError`` if there is none."""
        model = self._models.get(track)
        if model is not None:
            return model
        from filterkit.model import ParagraphClassifier
        from filterkit.model_io import load_model

        if isinstance(self._source, ParagraphClassifier):
            raise ModelError(f"this filter holds a model of the {self._source.track} track only; it cannot "
                             f"filter {track} pages")
        from filterkit.threads import limit_native_threads

        with self._lock:
            if track not in self._models:
                self._models[track], self.meta[track] = load_model(self._source, track, self._trust)
                limit_native_threads()
        return self._models[track]

    def threshold(self, track: str = "text") -> float:
        """The probability at or above which a paragraph is always kept.

        Unless a threshold was given, the HTML track also keeps a page's paragraphs down to
        the bar of its best expected word F1 (``filterkit.decision``), which is never higher.
        """
        return self._threshold if self._threshold is not None else self.load(track).threshold

    def filter(self, page: PageInput, encoding: str | None = None, format: str = "auto",
               content_type: str | None = None) -> FilterResult:
        """Main content of one page: text or HTML (``format``), str or bytes (decoded by ``filterkit.decoding``'s
        rule, with ``content_type``'s charset where the page declares none), or a ``Page``.

        Raises ``UndecodableInput`` (a ``FilterkitError``) for bytes that are no text, where
        ``filter_many`` would give an error result instead.
        """
        if content_type is not None and not isinstance(page, Page):
            page = Page(page, content_type=content_type)
        read = _read(page, encoding, _check_format(format), self.max_page_bytes)
        if read.error is not None:
            raise read.error
        return self._score([read], DEFAULT_BATCH_SIZE)[0]

    def filter_many(self, pages: Iterable[PageInput], batch_size: int = DEFAULT_BATCH_SIZE,
                    encoding: str | None = None, format: str = "auto") -> Iterator[FilterResult]:
        """One result per page, in input order, scoring ``batch_size`` pages (or windows of a long page) at a time.

        A page is a str or bytes, a ``Page`` (with its own encoding, Content-Type, format and
        id), or a (content, Content-Type) pair. ``format`` is "text", "html", or "auto" (each
        page's own: its Content-Type, else HTML if it looks like markup). A page that cannot
        be filtered (undecodable bytes, a page that breaks a step) gives a result with
        ``error`` set and the batch goes on; only a model that cannot be loaded raises.
        Lazy: ``pages`` may be an endless stream; at most ``batch_size`` pages are held at once.
        """
        format = _check_format(format)
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        chunk: list[_Read] = []
        for page in pages:
            chunk.append(_read(page, encoding, format, self.max_page_bytes))
            if len(chunk) >= batch_size:
                yield from self._score(chunk, batch_size)
                chunk = []
        if chunk:
            yield from self._score(chunk, batch_size)

    def _score(self, pages: list[_Read], batch_size: int) -> list[FilterResult]:
        """Results of a chunk of pages; a failure of the whole chunk is retried page by page, so that one
        page the pipeline cannot handle costs only its own result."""
        good = [page for page in pages if page.error is None]
        try:
            scored = iter(self._score_pages(good, batch_size))
        except ModelError:
            raise
        except Exception:  # noqa: BLE001 -- retried alone below, where the culprit gets the error
            if len(good) == 1:
                scored = iter([_failed(good[0], "cannot filter this page")])
            else:
                scored = iter([self._score([page], batch_size)[0] for page in good])
        return [next(scored) if page.error is None else _failed(page, str(page.error)) for page in pages]

    def _score_pages(self, pages: list[_Read], batch_size: int) -> list[FilterResult]:
        windows = [_windows(page.text, page.track) for page in pages]
        scored: dict[str, Iterator[tuple[list[Paragraph], str, Any]]] = {}
        for track in {page.track for page in pages}:
            of_track = [w for page, page_windows in zip(pages, windows) if page.track == track for w in page_windows]
            scored[track] = iter(list(self._score_windows(of_track, track, batch_size)))
        results = []
        for page, page_windows in zip(pages, windows):
            paragraphs: list[Paragraph] = []
            lang_weight: dict[str, int] = {}
            units, links = [], []
            for window_paragraphs, window_lang, window_blocks in islice(scored[page.track], len(page_windows)):
                paragraphs += window_paragraphs
                lang_weight[window_lang] = lang_weight.get(window_lang, 0) + len(window_paragraphs)
                if window_blocks is not None:
                    units.append(window_blocks[0])
                    links += window_blocks[1]
            results.append(FilterResult(tuple(paragraphs), max(lang_weight, key=lang_weight.get), page.encoding,
                                        page.track, truncated=page.truncated, id=page.id,
                                        units=_joined_units(units), links=links if units else None))
        return results

    def _score_windows(self, windows: list[_Window], track: str,
                       batch_size: int) -> Iterator[tuple[list[Paragraph], str, Any]]:
        """(paragraphs, language, (units, links) or None) per window, analysing at most ``batch_size`` windows and about
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
            structure = batch.structure
            for where, page_lang in zip(batch.page_slices(), batch.page_langs):
                yield paragraphs[where], page_lang, \
                    None if structure is None else (structure.units[where], structure.links[where])


def _joined_units(parts: list) -> Any:
    """A page's units from those of its windows (None on the text track)."""
    if not parts:
        return None
    import numpy as np

    return parts[0] if len(parts) == 1 else np.concatenate(parts)


def _check_format(format: str) -> str:
    if format not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {format!r}")
    return format


def _failed(page: _Read, error: str) -> FilterResult:
    return FilterResult((), "und", page.encoding, page.track, error=error, id=page.id)


def _read(page: PageInput, encoding: str | None, format: str, max_bytes: int | None) -> _Read:
    """One input page decoded and sorted onto its track; the error is kept in it, not raised."""
    from filterkit.errors import UndecodableInput

    if isinstance(page, tuple) and not isinstance(page, Page):
        page = Page(*page[:1], content_type=page[1]) if len(page) == 2 else page
    if not isinstance(page, Page):
        page = Page(page)
    content, page_id = page.content, page.id
    if not isinstance(content, (str, bytes, bytearray, memoryview)):
        return _Read("", "text", None, id=page_id,
                     error=TypeError(f"a page is str or bytes, got {type(content).__name__}"))
    encoding = page.encoding or encoding
    format = page.format if page.format != "auto" else format
    if format not in FORMATS:
        return _Read("", "text", None, id=page_id, error=ValueError(f"format must be one of {', '.join(FORMATS)}"))
    kind = media_type(page.content_type)
    if format == "auto":
        format = "html" if kind in HTML_TYPES or (kind != "text/plain" and looks_like_html(content)) else "text"
    truncated = False
    if isinstance(content, str):
        if max_bytes is not None and len(content) > max_bytes // 4:
            encoded = content.encode("utf-8", "surrogatepass")
            if len(encoded) > max_bytes:
                content, truncated = encoded[:max_bytes].decode("utf-8", "ignore"), True
        return _Read(_valid_unicode(content), format, None, truncated, page_id)
    data = bytes(content)
    if max_bytes is not None and len(data) > max_bytes:
        data, truncated = data[:max_bytes], True
    try:
        text, used = decode(data, encoding, html=format == "html", content_type=page.content_type)
    except UndecodableInput as error:
        return _Read("", format, None, truncated, page_id, error)
    return _Read(_valid_unicode(text), format, used, truncated, page_id)


def _valid_unicode(text: str) -> str:
    """The text with lone surrogates (from JSON escapes such as "\\ud800") replaced, and pairs joined."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def _passes(windows: list[_Window], batch_size: int) -> Iterator[list[_Window]]:
    group: list[_Window] = []
    lines = chars = 0
    for window in windows:
        full = len(group) >= batch_size or lines + window.size > PASS_LINES or chars + window.chars > PASS_CHARS
        if group and full:
            yield group
            group, lines, chars = [], 0, 0
        group.append(window)
        lines += window.size
        chars += window.chars
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


__all__ = ["ContentFilter", "FilterResult", "Page", "Paragraph", "extract"]
