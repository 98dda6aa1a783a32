"""The public face: ``ContentFilter`` turns scraped pages into their main content.

page → paragraphs → language → tokens → features → scores → main text; the steps live in
``analysis``, ``features`` and ``model``; this module loads a model once and keeps the
results in a shape that is easy to print, serialise or feed to the next step of a pipeline.
"""
from __future__ import annotations

import math
import numbers
import os
import threading
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator, NamedTuple, Union

from filterkit.decoding import HTML_TYPES, decode_counted, looks_like_html, media_type, without_controls
from filterkit.errors import FilterkitError, ModelError

if TYPE_CHECKING:
    from filterkit.html_blocks import Blocks, Structure
    from filterkit.metadata import Metadata
    from filterkit.model import ParagraphClassifier
    from filterkit.paragraphs import Segment

DEFAULT_BATCH_SIZE = 64  # pages analysed and scored together in filter_many
DEFAULT_MAX_PAGE_BYTES = 20 * 1024 * 1024  # longer pages are cut to this many bytes (UTF-8) before filtering
WINDOW_LINES = 5000  # longer pages are scored in windows of this many lines or blocks (see _windows)
PASS_LINES = 4 * WINDOW_LINES  # lines analysed and scored together at most (one window or page may exceed it)
# A whole window (WINDOW_LINES) of a long page is analysed alone: the page's blocks already take
# memory in proportion to its length, and a pass's arrays take several KB per line on top.
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
    metadata: Metadata | None = None  # what the page states about itself (filterkit.metadata); None on error
    # The expected word F1 of what was kept, from the paragraphs' scores (filterkit.decision.expected_f1):
    # low where the model was unsure which paragraphs are the page's main content.
    confidence: float | None = None
    kept_share: float | None = None  # tokens kept / tokens on the page (0 for a page without tokens)
    replaced_bytes: int = 0  # bytes the page's encoding could not read, shown as U+FFFD (filterkit.decoding)
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
                **({"truncated": True} if self.truncated else {}), **self.summary(),
                **({"replaced_bytes": self.replaced_bytes} if self.replaced_bytes else {}),
                "paragraphs": [p._asdict() for p in self.paragraphs]}

    def summary(self) -> dict:
        """The page's metadata, confidence and kept share, as the JSON outputs carry them."""
        return {"metadata": self.metadata.to_dict() if self.metadata is not None else None,
                "confidence": self.confidence, "kept_share": self.kept_share}


class _Read(NamedTuple):
    """A page decoded and sorted onto its track, or the error that stopped it."""

    text: str
    track: str
    encoding: str | None
    truncated: bool = False
    id: Any = None
    error: Exception | None = None
    replaced_bytes: int = 0


@dataclass
class _Window:
    """A page, or a window of a long page, ready for analysis: text, or a run of an HTML page's blocks
    (``start`` to ``stop``), whose segments are made only when the window is analysed."""

    text: str | None = None
    blocks: Blocks | None = None
    start: int = 0
    stop: int = 0

    @property
    def size(self) -> int:
        return self.text.count("\n") + 1 if self.text is not None else self.stop - self.start

    @property
    def chars(self) -> int:
        if self.text is not None:
            return len(self.text)
        assert self.blocks is not None
        return sum(len(text) for text in self.blocks.texts[self.start:self.stop])

    def html(self) -> tuple[list[Segment], Structure]:
        assert self.blocks is not None
        return self.blocks.window(self.start, self.stop)


class ContentFilter:
    """A loaded model, reusable across pages and threads.

    >>> content_filter = ContentFilter()                # the model set shipped with filterkit
    >>> content_filter.filter(page_text).text           # main content of one page (text or HTML)
    >>> [r.text for r in content_filter.filter_many(pages)]  # many pages, scored in batches
    """

    def __init__(self, model: str | Path | ParagraphClassifier | None = None, threshold: float | None = None,
                 max_page_bytes: int | None = DEFAULT_MAX_PAGE_BYTES, trust: bool = False, favor: str = "balanced"):
        """``model``: a model directory (default: the shipped set), or a classifier already in memory.

        A track's model is loaded the first time a page of that track comes (text pages
        never load the HTML model); ``load(track)`` loads it at once. ``max_page_bytes``:
        longer pages are cut to that size (``FilterResult.truncated``); None for no limit.
        ``trust``: load a model of filterkit 0.2, a pickle (a pickle runs code when loaded:
        only for models from someone you trust); models are plain arrays since 0.3.
        A ContentFilter pickles (a Spark or multiprocessing task can capture one): the copy
        loads its models again, lazily, where it is unpickled.
        ``favor``: "balanced" (the model's rule), "precision" or "recall": the per-page rule moved
        towards keeping less or more (``filterkit.decision``); a ``threshold`` replaces that rule.
        """
        from filterkit.decision import FAVOR_BETA

        if threshold is not None:
            _check_number("threshold", threshold, 0.0, 1.0)
        if favor not in FAVOR_BETA:
            raise ValueError(f"favor must be one of {', '.join(FAVOR_BETA)}, got {favor!r}")
        if favor != "balanced" and threshold is not None:
            raise ValueError("favor moves the model's per-page rule and a threshold replaces it: give one of the two")
        self.favor = favor
        if max_page_bytes is not None:
            _check_count("max_page_bytes", max_page_bytes)
        if not isinstance(model, (str, Path, type(None))) and not hasattr(model, "predict_proba"):
            raise TypeError(f"model must be a model directory (str or Path) or a ParagraphClassifier, "
                            f"got {type(model).__name__}")
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
        tracks = [single] if single else [track for track in ("text", "html") if os.path.lexists(root / track)]
        for track in tracks or ["text"]:
            check_model(self._source, track, self._trust)

    def __getstate__(self) -> dict:
        state: dict[str, Any] = {"source": self._source, "threshold": self._threshold,
                                 "max_page_bytes": self.max_page_bytes, "trust": self._trust, "favor": self.favor}
        if not isinstance(self._source, (str, Path, type(None))):
            state["models"] = self._models  # a model in memory has no directory to reload from
        return state

    def __setstate__(self, state: dict) -> None:
        self._source, self._threshold = state["source"], state["threshold"]
        self.max_page_bytes = state["max_page_bytes"]
        self._trust = state["trust"]
        self.favor = state.get("favor", "balanced")
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
        if content_type is not None and isinstance(page, (str, bytes)):  # a Page or a pair carries its own
            page = Page(page, content_type=content_type)
        read = _read(page, encoding, _check_format(format), self.max_page_bytes)
        if read.error is not None:
            raise read.error
        self.load(read.track)  # a model set without this track's model: a ModelError, not an empty result
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
        A page of a track the model set has no model for gets an ``error`` result too.
        If ``pages`` itself raises (a crawler's generator failing), the results of the pages it
        gave before are yielded first, then its exception is raised.

        Bad arguments (``batch_size``, ``encoding``, ``format``) raise at the call, before any page.
        """
        format = _check_format(format)
        _check_count("batch_size", batch_size)
        return self._filter_many(iter(pages), batch_size, _check_encoding(encoding), format)

    def _filter_many(self, pages: Iterator[PageInput], batch_size: int, encoding: str | None,
                     format: str) -> Iterator[FilterResult]:
        chunk: list[_Read] = []
        while True:
            try:
                page = next(pages)
            except StopIteration:
                break
            except Exception:  # the source failed: what it gave before is not lost with it
                if chunk:
                    yield from self._score(chunk, batch_size)
                raise
            chunk.append(_read(page, encoding, format, self.max_page_bytes))
            if len(chunk) >= batch_size:
                yield from self._score(chunk, batch_size)
                chunk = []
        if chunk:
            yield from self._score(chunk, batch_size)

    def _score(self, pages: list[_Read], batch_size: int) -> list[FilterResult]:
        """Results of a chunk of pages; a failure of the whole chunk is retried page by page, so that one
        page the pipeline cannot handle costs only its own result."""
        pages = [self._with_model(page) for page in pages]
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

    def _with_model(self, page: _Read) -> _Read:
        """The page, or the page with an error when the model set has no model of its track (a set without
        html/): that costs the pages of the missing track, one error each, not the batch."""
        if page.error is not None or page.track in self._models or self.has_model(page.track):
            return page
        try:
            self.load(page.track)  # says why, in the model's own words
        except ModelError as error:
            return page._replace(error=error)
        return page

    def has_model(self, track: str) -> bool:
        """Whether this filter has a model of ``track`` to load (a model set may lack html/ or text/)."""
        if track in self._models:
            return True
        from filterkit.model_io import DEFAULT_MODEL_DIR, model_track

        if not isinstance(self._source, (str, Path, type(None))):
            return False
        single = model_track(self._source)
        root = Path(self._source) if self._source else DEFAULT_MODEL_DIR
        return single == track if single else os.path.lexists(root / track)

    def _score_pages(self, pages: list[_Read], batch_size: int) -> list[FilterResult]:
        windows = [_windows(page.text, page.track) for page in pages]
        scored: dict[str, Iterator[tuple[list[Paragraph], str, _Tally, Any]]] = {}
        for track in {page.track for page in pages}:
            of_track = [w for page, page_windows in zip(pages, windows) if page.track == track for w in page_windows]
            scored[track] = iter(list(self._score_windows(of_track, track, batch_size)))
        results = []
        for page, page_windows in zip(pages, windows):
            paragraphs: list[Paragraph] = []
            lang_weight: dict[str, int] = {}
            tallies = []
            units, links = [], []
            for window_paragraphs, window_lang, tally, window_blocks in islice(scored[page.track], len(page_windows)):
                paragraphs += window_paragraphs
                lang_weight[window_lang] = lang_weight.get(window_lang, 0) + len(window_paragraphs)
                tallies.append(tally)
                if window_blocks is not None:
                    units.append(window_blocks[0])
                    links += window_blocks[1]
            lang = max(lang_weight, key=lang_weight.__getitem__)
            tally = _Tally.of_page(tallies)
            results.append(FilterResult(tuple(paragraphs), lang, page.encoding, page.track, truncated=page.truncated,
                                        id=page.id, metadata=_metadata(page, paragraphs, lang, tally),
                                        confidence=tally.confidence, kept_share=tally.kept_share,
                                        replaced_bytes=page.replaced_bytes,
                                        units=_joined_units(units), links=links if units else None))
        return results

    def _score_windows(self, windows: list[_Window], track: str,
                       batch_size: int) -> Iterator[tuple[list[Paragraph], str, _Tally, Any]]:
        """(paragraphs, language, tally of scores, (units, links) or None) per window, analysing at most
        ``batch_size`` windows and about PASS_LINES lines at once, which bounds memory however long the pages are."""
        from filterkit.analysis import analyse, analyse_blocks

        model = self.load(track)
        for group in _passes(windows, batch_size):
            if track == "text":
                batch = analyse([window.text for window in group])  # type: ignore[misc]  # text windows hold text
                paths: list[str] | list[None] = [None] * len(batch)
            else:
                batch = analyse_blocks([window.html() for window in group])
                paths = batch.dom.paths
            scores = model.predict_proba(batch)
            same: dict[float, float] = {}  # one float object per distinct rounded score: a long page has millions
            rounded = [same.setdefault(score, score) for score in (round(score, 4) for score in scores.tolist())]
            kept = model.decide(batch, scores, self._threshold, self.favor)
            paragraphs = list(map(Paragraph, batch.texts, rounded, kept.tolist(), batch.langs, paths))
            kinds = batch.page_kinds if batch.page_kinds is not None and batch.page_kinds.shape[1] else None
            structure = batch.structure
            for number, (where, page_lang) in enumerate(zip(batch.page_slices(), batch.page_langs)):
                tally = _Tally.of_window(scores[where], batch.token_counts[where], kept[where],
                                         kinds[number] if kinds is not None else None)
                yield paragraphs[where], page_lang, tally, \
                    None if structure is None else (structure.units[where], structure.links[where])

class _Tally(NamedTuple):
    """What a page's (or window's) scores add up to: the sums of its expected word F1, its token counts
    and the page-type model's answer."""

    kept_main: float  # Σ score × tokens over the kept paragraphs
    kept_tokens: int
    all_main: float  # Σ score × tokens over all paragraphs
    all_tokens: int
    log_no_main: float  # Σ log(1 − score) over the paragraphs with tokens
    page_kinds: Any = None  # P(type) per PAGE_TYPES, or None where the model has no page types

    @staticmethod
    def of_window(scores, sizes, kept, page_kinds) -> "_Tally":
        import numpy as np

        expected = scores * sizes
        return _Tally(float(expected[kept].sum()), int(sizes[kept].sum()), float(expected.sum()), int(sizes.sum()),
                      float(np.log1p(-np.minimum(scores[sizes > 0], 1 - 1e-9)).sum()), page_kinds)

    @staticmethod
    def of_page(windows: list["_Tally"]) -> "_Tally":
        kinds = [tally.page_kinds for tally in windows if tally.page_kinds is not None]
        return _Tally(sum(t.kept_main for t in windows), sum(t.kept_tokens for t in windows),
                      sum(t.all_main for t in windows), sum(t.all_tokens for t in windows),
                      sum(t.log_no_main for t in windows), sum(kinds) / len(kinds) if kinds else None)

    @property
    def confidence(self) -> float:
        import math

        from filterkit.decision import expected_f1

        return round(expected_f1(self.kept_main, self.kept_tokens, self.all_main, math.exp(self.log_no_main)), 4)

    @property
    def kept_share(self) -> float:
        return round(self.kept_tokens / self.all_tokens, 4) if self.all_tokens else 0.0


def _metadata(page: _Read, paragraphs: list[Paragraph], lang: str, tally: _Tally) -> Metadata:
    """The page's metadata: its markup's and lines' fields, the share of its text in its language, and the
    page-type model's answer."""
    from filterkit.metadata import read_metadata
    from filterkit.page_types import PAGE_TYPES

    chars: dict[str, int] = {}
    for paragraph in paragraphs:
        chars[paragraph.lang] = chars.get(paragraph.lang, 0) + len(paragraph.text)
    known = sum(count for language, count in chars.items() if language != "und")
    share = round(chars.get(lang, 0) / known, 4) if known and lang != "und" else None
    page_type = probability = None
    if tally.page_kinds is not None and tally.page_kinds.sum() > 0:
        best = int(tally.page_kinds.argmax())
        page_type, probability = PAGE_TYPES[best], round(float(tally.page_kinds[best]), 4)
    language = lang if lang != "und" else None
    try:
        return read_metadata(page.text if page.track == "html" else None, [p.text for p in paragraphs],
                             [p.label for p in paragraphs], language, share, page_type, probability)
    except Exception:  # noqa: BLE001 -- what a page states about itself never costs it its main text
        from filterkit.metadata import Metadata

        return Metadata(language=language, language_probability=share, page_type=page_type,
                        page_type_probability=probability)


def _joined_units(parts: list) -> Any:
    """A page's units from those of its windows (None on the text track)."""
    if not parts:
        return None
    import numpy as np

    return parts[0] if len(parts) == 1 else np.concatenate(parts)


def _check_format(format: str) -> str:
    if not isinstance(format, str) or format not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {format!r}")
    return format


def _check_number(name: str, value: Any, low: float, high: float) -> None:
    """A real number (not a bool, not NaN) within [low, high], or a TypeError/ValueError naming the argument."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    if not (math.isfinite(value) and low <= float(value) <= high):
        raise ValueError(f"{name} must be between {low:g} and {high:g}, got {value}")


def _check_count(name: str, value: Any) -> None:
    """A whole number of at least 1 (1.5 or True is refused, not rounded)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a whole number, got {type(value).__name__} {value!r}")
    if value < 1:
        raise ValueError(f"{name} must be at least 1, got {value}")


def _check_encoding(encoding: Any) -> str | None:
    from filterkit.decoding import web_encoding

    if encoding is None:
        return None
    if not isinstance(encoding, str):
        raise TypeError(f"encoding must be a str (a web encoding label), got {type(encoding).__name__}")
    if web_encoding(encoding) is None:
        raise ValueError(f"encoding {encoding!r} is not a web encoding label (utf-8, gb18030, big5, shift_jis...)")
    return encoding


def _header(value: Any, name: str) -> str | None:
    """A header value as str: bytes (as Scrapy and most HTTP libraries hand headers over) read as latin-1,
    HTTP's own reading of header bytes; anything else but str or None is a TypeError."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).decode("latin-1")
    raise TypeError(f"a page's {name} is a str or bytes, got {type(value).__name__}")


def _failed(page: _Read, error: str) -> FilterResult:
    return FilterResult((), "und", page.encoding, page.track, error=error, id=page.id)


def _read(page: Any, encoding: str | None, format: str, max_bytes: int | None) -> _Read:
    """One input page decoded and sorted onto its track; the error is kept in it, not raised, whatever the
    object handed over (a batch must not end on one odd page)."""
    try:
        return _read_page(page, encoding, format, max_bytes)
    except Exception as error:  # noqa: BLE001 -- an odd object's own exception, as the page's error
        said = error if isinstance(error, (TypeError, ValueError)) else f"{type(error).__name__}: {error}"
        return _Read("", "text", None, id=page.id if isinstance(page, Page) else None,
                     error=TypeError(f"cannot read this page: {said}"))


def _read_page(page: Any, encoding: str | None, format: str, max_bytes: int | None) -> _Read:
    from filterkit.errors import UndecodableInput

    if isinstance(page, tuple) and not isinstance(page, Page):
        if len(page) != 2:
            raise TypeError(f"a page tuple is (content, Content-Type), got {len(page)} items")
        page = Page(page[0], content_type=page[1])
    if not isinstance(page, Page):
        page = Page(page)
    content, page_id = page.content, page.id
    if not isinstance(content, (str, bytes, bytearray, memoryview)):
        return _Read("", "text", None, id=page_id,
                     error=TypeError(f"a page is str or bytes, got {type(content).__name__}"))
    if isinstance(content, (bytearray, memoryview)):
        content = bytes(content)
    content_type = _header(page.content_type, "content_type")
    encoding = _header(page.encoding, "encoding") or encoding
    format = page.format if page.format != "auto" else format
    if not isinstance(format, str) or format not in FORMATS:
        return _Read("", "text", None, id=page_id, error=ValueError(f"format must be one of {', '.join(FORMATS)}"))
    kind = media_type(content_type)
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
        text, used, replaced = decode_counted(data, encoding, html=format == "html", content_type=content_type)
    except UndecodableInput as error:
        return _Read("", format, None, truncated, page_id, error)
    return _Read(_valid_unicode(text), format, used, truncated, page_id, replaced_bytes=replaced)


def _valid_unicode(text: str) -> str:
    """The text with lone surrogates (from JSON escapes such as "\\ud800") replaced, pairs joined, and
    no NUL or other C0 control character (``without_controls``): databases and C strings refuse them."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return without_controls(text)


def _passes(windows: list[_Window], batch_size: int) -> Iterator[list[_Window]]:
    group: list[_Window] = []
    lines = chars = 0
    for window in windows:
        alone = window.size >= WINDOW_LINES
        full = alone or len(group) >= batch_size or lines + window.size > PASS_LINES or chars + window.chars > PASS_CHARS
        if group and full:
            yield group
            group, lines, chars = [], 0, 0
        if alone:
            yield [window]
            continue
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
        from filterkit.html_blocks import page_blocks

        blocks = page_blocks(text)
        return [_Window(blocks=blocks, start=start, stop=min(start + WINDOW_LINES, len(blocks)))
                for start in range(0, max(len(blocks), 1), WINDOW_LINES)]
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
