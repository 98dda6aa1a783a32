"""A Scrapy item pipeline that writes each page's main content and language into its item.

Enable it in the project's settings::

    ITEM_PIPELINES = {"filterkit.integrations.scrapy.FilterkitPipeline": 300}

and let the spider put the raw response into the item (the fields the pipeline reads by default)::

    yield {"url": response.url, "body": response.body,
           "content_type": response.headers.get("Content-Type")}

Bytes are decoded by filterkit's rule: the page's own ``<meta charset>``, else the charset
of the HTTP Content-Type, else what the bytes fit. The item leaves the pipeline with
``main`` and ``lang`` (or ``filterkit_error``, for a page that cannot be filtered: the item
still goes on), without the input fields, which only the pipeline needed (they are set to
None in items whose fields are fixed, such as dataclasses).

Settings (all optional):

================================  =====================  ==========================================
``FILTERKIT_INPUT_FIELD``         ``"body"``             the page: bytes (the response body) or str
``FILTERKIT_CONTENT_TYPE_FIELD``  ``"content_type"``     the response's Content-Type header
``FILTERKIT_ENCODING_FIELD``      ``"encoding"``         an encoding that overrides every declaration
``FILTERKIT_TEXT_FIELD``          ``"main"``             where the main content goes
``FILTERKIT_LANG_FIELD``          ``"lang"``             the page's language ("en", "zh"...)
``FILTERKIT_ERROR_FIELD``         ``"filterkit_error"``  why a page could not be filtered
``FILTERKIT_METADATA_FIELD``      ``"metadata"``         the page's metadata (``Metadata.to_dict()``)
``FILTERKIT_CONFIDENCE_FIELD``    ``"confidence"``       the expected word F1 of what was kept
``FILTERKIT_KEPT_SHARE_FIELD``    ``"kept_share"``       tokens kept / tokens on the page
``FILTERKIT_MARKDOWN``            ``False``              also write the main content as Markdown…
``FILTERKIT_MARKDOWN_FIELD``      ``"markdown"``         …into this field
``FILTERKIT_KEEP_INPUT``          ``False``              keep the input fields in the item
``FILTERKIT_MODEL``               the shipped model      a model directory
``FILTERKIT_TRUST_MODEL``         ``False``              load that model's pickle though not shipped with filterkit
``FILTERKIT_THRESHOLD``           the model's            keep paragraphs scoring at least this
``FILTERKIT_THREADS``             ``1``                  threads that filter pages
================================  =====================  ==========================================

A page takes tens to hundreds of milliseconds to filter, so filtering runs in the
pipeline's own threads, never on the event loop, and the crawl goes on meanwhile. The
model loads in those threads too, on the first item. Items with declared fields
(``scrapy.Item``, dataclasses, attrs) need the output fields declared; the metadata, confidence
and kept-share fields are written where the item takes them (a dict always; a declared item if
it declares them) and left out quietly where it does not.
"""
from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import MutableMapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Callable, TypeVar

from itemadapter import ItemAdapter

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from filterkit import ContentFilter, FilterResult, Page

logger = logging.getLogger(__name__)
_T = TypeVar("_T")


class FilterkitPipeline:
    """Adds the main content and language of each item's page; see the module's documentation."""

    def __init__(self, input_field: str = "body", content_type_field: str = "content_type",
                 encoding_field: str = "encoding", text_field: str = "main", lang_field: str = "lang",
                 error_field: str = "filterkit_error", keep_input: bool = False, model: str | None = None,
                 threshold: float | None = None, threads: int = 1, trust_model: bool = False,
                 metadata_field: str = "metadata", confidence_field: str = "confidence",
                 kept_share_field: str = "kept_share", markdown: bool = False,
                 markdown_field: str = "markdown"):
        if threshold is not None and not 0.0 <= threshold <= 1.0:
            raise ValueError(f"FILTERKIT_THRESHOLD must be between 0 and 1, got {threshold}")
        if threads < 1:
            raise ValueError(f"FILTERKIT_THREADS must be at least 1, got {threads}")
        self.input_field, self.content_type_field, self.encoding_field = input_field, content_type_field, encoding_field
        self.text_field, self.lang_field, self.error_field = text_field, lang_field, error_field
        self.optional_fields = (metadata_field, confidence_field, kept_share_field)
        self.keep_input = keep_input
        self.markdown_field = markdown_field if markdown else None
        self._model, self._threshold = model, threshold
        self._trust_model = trust_model
        self._executor = ThreadPoolExecutor(threads, thread_name_prefix="filterkit")
        self._filter: ContentFilter | None = None
        self._filter_lock = threading.Lock()
        self._model_failed = False
        self._unwritable: set[tuple[type, str]] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FilterkitPipeline:
        settings = crawler.settings
        threshold = settings.get("FILTERKIT_THRESHOLD")
        return cls(input_field=settings.get("FILTERKIT_INPUT_FIELD", "body"),
                   content_type_field=settings.get("FILTERKIT_CONTENT_TYPE_FIELD", "content_type"),
                   encoding_field=settings.get("FILTERKIT_ENCODING_FIELD", "encoding"),
                   text_field=settings.get("FILTERKIT_TEXT_FIELD", "main"),
                   lang_field=settings.get("FILTERKIT_LANG_FIELD", "lang"),
                   error_field=settings.get("FILTERKIT_ERROR_FIELD", "filterkit_error"),
                   keep_input=settings.getbool("FILTERKIT_KEEP_INPUT", False),
                   model=settings.get("FILTERKIT_MODEL") or None,
                   trust_model=settings.getbool("FILTERKIT_TRUST_MODEL", False),
                   threshold=None if threshold in (None, "") else settings.getfloat("FILTERKIT_THRESHOLD"),
                   threads=settings.getint("FILTERKIT_THREADS", 1),
                   metadata_field=settings.get("FILTERKIT_METADATA_FIELD", "metadata"),
                   confidence_field=settings.get("FILTERKIT_CONFIDENCE_FIELD", "confidence"),
                   kept_share_field=settings.get("FILTERKIT_KEPT_SHARE_FIELD", "kept_share"),
                   markdown=settings.getbool("FILTERKIT_MARKDOWN", False),
                   markdown_field=settings.get("FILTERKIT_MARKDOWN_FIELD", "markdown"))

    # ``spider`` has a default so that Scrapy 2.13+ does not pass it (it warns when a pipeline
    # requires it) while older versions, which always pass it, still can.
    def close_spider(self, spider: Any = None) -> None:
        # Scrapy awaits every item in flight before closing, so no page is left in the queue.
        self._executor.shutdown(wait=False)

    async def process_item(self, item: Any, spider: Any = None) -> Any:
        adapter = ItemAdapter(item)
        page = self._page(adapter)
        if isinstance(page, str):
            self._write(adapter, self.error_field, page)
            return item
        result = await _in_thread(self._executor, self._run, page)
        outputs = ({self.text_field: result.text, self.lang_field: result.lang} if result.ok
                   else {self.error_field: result.error})
        if self.markdown_field and result.ok:
            outputs[self.markdown_field] = result.markdown
        written = all([self._write(adapter, field, value) for field, value in outputs.items()])
        if result.ok:
            summary = result.summary()
            for field, value in zip(self.optional_fields, (summary["metadata"], result.confidence, result.kept_share)):
                if isinstance(adapter.item, dict) or field in adapter.field_names():
                    adapter[field] = value
        if written and not self.keep_input:  # an item that cannot take the output keeps its page
            for field in (self.input_field, self.content_type_field, self.encoding_field):
                if field not in adapter:
                    continue
                if isinstance(adapter.item, MutableMapping):  # dicts and scrapy.Item
                    del adapter[field]
                else:  # fixed fields (dataclass, attrs, pydantic): a deleted attribute would break repr()
                    adapter[field] = None
        return item

    def _page(self, adapter: ItemAdapter) -> Page | str:
        """The item's ``Page``, or a one-line message saying why it has none."""
        from filterkit import Page

        content = adapter.get(self.input_field)
        if content is None:
            return (f"the item has no {self.input_field!r} field; the page goes there as bytes or str "
                    f"(FILTERKIT_INPUT_FIELD)")
        if not isinstance(content, (str, bytes)):
            return (f"the item's {self.input_field!r} field holds a value of type {type(content).__name__}, "
                    f"not the page as bytes or str")
        content_type = adapter.get(self.content_type_field)
        if isinstance(content_type, bytes):  # Scrapy's header values are bytes
            content_type = content_type.decode("latin-1")
        return Page(content, encoding=adapter.get(self.encoding_field) or None, content_type=content_type or None)

    def _run(self, page: Page) -> FilterResult:
        """Filter one page (in a worker thread); a page that cannot be filtered gives an error result."""
        from filterkit import FilterkitError, FilterResult, ModelError

        try:
            return self._content_filter().filter(page)
        except ModelError as error:  # every item will carry it: say so once, where the crawl's errors are read
            if not self._model_failed:
                self._model_failed = True
                logger.error("filterkit: %s (FILTERKIT_MODEL)", error)
            return FilterResult((), "und", error=str(error))
        except FilterkitError as error:
            return FilterResult((), "und", error=str(error))

    def _content_filter(self) -> ContentFilter:
        """The pipeline's ContentFilter, made on first use, in a worker thread (loading takes seconds)."""
        with self._filter_lock:
            if self._filter is None:
                from filterkit import ContentFilter

                self._filter = ContentFilter(self._model, self._threshold, trust=self._trust_model)
            return self._filter

    def _write(self, adapter: ItemAdapter, field: str, value: Any) -> bool:
        """Set the field; False (and an error logged once per item class) if the item has no such field."""
        try:
            adapter[field] = value
            return True
        except KeyError:
            kind = type(adapter.item)
            if (kind, field) not in self._unwritable:  # once per item class, not once per item
                self._unwritable.add((kind, field))
                logger.error("filterkit: %s has no field %r; declare it, or name another in the FILTERKIT_*_FIELD "
                             "settings", kind.__name__, field)
            return False


async def _in_thread(executor: ThreadPoolExecutor, function: Callable[..., _T], *args: Any) -> _T:
    """``function(*args)`` run by ``executor``, awaited the way the running Scrapy can await it."""
    future = executor.submit(function, *args)
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:  # a Twisted reactor without asyncio: Scrapy's coroutines await Deferreds
        return await _deferred(future)
    return await asyncio.wrap_future(future, loop=loop)


def _deferred(future: Future) -> Any:
    """A Deferred that fires, on the reactor thread, with the outcome of ``future``."""
    from twisted.internet import reactor
    from twisted.internet.defer import Deferred
    from twisted.python.failure import Failure

    deferred: Deferred = Deferred()

    def fire(done: Future) -> None:
        error = done.exception()
        if error is None:
            deferred.callback(done.result())
        else:
            deferred.errback(Failure(error))

    future.add_done_callback(lambda done: reactor.callFromThread(fire, done))
    return deferred
