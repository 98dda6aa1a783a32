"""filterkit as a datatrove pipeline step, in the place of datatrove's ``Trafilatura`` extractor.

    from datatrove.pipeline.readers import WarcReader
    from datatrove.pipeline.writers import JsonlWriter
    from filterkit.integrations.datatrove import FilterkitExtractor

    pipeline = [
        WarcReader("s3://commoncrawl/crawl-data/CC-MAIN-2024-10/segments/", glob_pattern="*/warc/*"),
        FilterkitExtractor(),            # was: Trafilatura(favour_precision=True)
        JsonlWriter("output/"),
    ]

Each document's ``text`` (the page the reader put there: HTML, or WET text) becomes its main
content (with ``markdown=True``, as Markdown: headings, lists, tables, code and quotes kept),
``metadata["language"]`` its language, ``metadata["confidence"]`` and
``metadata["kept_share"]`` filterkit's confidence and kept share, and ``metadata["page_metadata"]``
what the page states about itself (``filterkit.metadata.Metadata.to_dict()``: title, author, date…;
apart from the reader's own "url" and "date", the archive's). A document whose main content is empty, that
filterkit cannot filter, that runs out of time or that kills its process is dropped and counted
in the step's stats under datatrove's extractor names (``dropped``, ``clean_error``, ``timeout``,
``broken_process``); the pipeline goes on.
"""
from __future__ import annotations

from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Optional, Union

try:
    from datatrove.data import Document, DocumentsPipeline
    from datatrove.pipeline.extractors.base import BaseExtractor, ExtractorSandbox
    from datatrove.utils.logging import logger
    from datatrove.utils.typeshelper import StatHints
except ImportError:
    raise ImportError("filterkit.integrations.datatrove needs datatrove: pip install 'filterkit-content[datatrove]'") from None

if TYPE_CHECKING:
    from filterkit import ContentFilter

FORMATS = ("auto", "text", "html")

# Per document: filterkit's (main text, language, error, FilterResult.summary()), or the stat name of why the
# sandbox gave up on it.
Outcome = Union[tuple[str, str, Optional[str], dict], str]

# Filtered once in the task's process before its sandbox is forked, so that every sandbox process
# starts with the models, the Chinese dictionary and the language profiles already loaded.
_WARMUP_PAGES = [
    "<html><body><nav><a href='/'>Start</a></nav><article><h1>Warm-up</h1>"
    "<p>A short paragraph that wakes the parser, the tokenizer and the classifier.</p>"
    "<p>一段很短的中文文字，用来提前加载分词词典。</p></article></body></html>",
    "Warm-up\nA short line of English text for the text track.\n一行用来预热的中文文字。",
]


class FilterkitExtractor(BaseExtractor):
    """Main content and language of each document, with filterkit's trained paragraph classifier.

    Args:
        model: a filterkit model directory, present on every worker (default: the model shipped with filterkit)
        trust_model: load ``model`` even if it is a filterkit 0.2 model, a pickle (only models you trust)
        threshold: keep paragraphs whose probability of being main content is at least this (default: the model's)
        batch_size: documents filtered together (faster than one by one)
        format: "auto" (each document's own: HTML if it looks like markup), "html" or "text"
        timeout: seconds per document, as for datatrove's extractors; a batch gets ``timeout`` times its size,
            and a batch that runs out of time is filtered again document by document to drop only the slow one
        lang_key: the metadata key that receives the language ("en", "zh", "und"...); datatrove's own
            language filters and the C4 filters use "language"
        markdown: the document's text becomes the main content as Markdown (``FilterResult.markdown``), as
            datatrove's own extractors give it when asked for Markdown, instead of plain paragraphs
    """

    name = "🧹 filterkit"
    _warned_error: bool  # set by datatrove's BaseExtractor

    def __init__(self, model: str | Path | None = None, threshold: float | None = None, batch_size: int = 64,
                 format: str = "auto", timeout: float = 1.0, lang_key: str = "language", trust_model: bool = False,
                 markdown: bool = False):
        # Checked here, where the pipeline is built, not on a worker hours later.
        if format not in FORMATS:
            raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {format!r}")
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        if not timeout > 0:
            raise ValueError(f"timeout must be a positive number of seconds, got {timeout}")
        if threshold is not None and not 0.0 <= threshold <= 1.0:
            raise ValueError(f"threshold must be between 0 and 1, got {threshold}")
        super().__init__(timeout)
        self.model = model
        self.threshold = threshold
        self.trust_model = trust_model
        self.batch_size = batch_size
        self.format = format
        self.lang_key = lang_key
        self.markdown = markdown
        self._filter: ContentFilter | None = None

    def extract(self, text: str) -> str:
        """Main content of one page, in this process (datatrove's extractor interface)."""
        content_filter = self._content_filter()
        with _one_thread():
            result = content_filter.filter(text, format=self.format)
            return result.markdown if self.markdown else result.text

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        self._content_filter()
        with ExtractorSandbox(timeout=self.timeout) as sandbox:
            while batch := list(islice(data, self.batch_size)):
                with self.track_time("batch"):
                    outcomes = self._filter_batch(sandbox, [doc.text for doc in batch])
                for doc, outcome in zip(batch, outcomes):
                    yield from self._forward(doc, outcome)

    def _forward(self, doc: Document, outcome: Outcome) -> DocumentsPipeline:
        self.stat_update(StatHints.total)
        if isinstance(outcome, str):  # the sandbox gave up on it
            self.stat_update(outcome)
            return
        text, lang, error, summary = outcome
        if error is not None:
            self.stat_update("clean_error")
            if not self._warned_error:
                logger.warning(f'❌ filterkit could not filter document {doc.id} ("{error}"); skipping it. '
                               f"This message will only appear once.")
                self._warned_error = True
            return
        doc.text, doc.metadata[self.lang_key] = text, lang
        doc.metadata.update(confidence=summary["confidence"], kept_share=summary["kept_share"],
                            page_metadata=summary["metadata"])
        if doc.text:
            self.stat_update("extracted", StatHints.forwarded)
            self.update_doc_stats(doc)
            yield doc
        else:
            self.stat_update("extracted", StatHints.dropped)

    def _content_filter(self) -> ContentFilter:
        """The task's filter, loaded and warmed up (the sandbox processes are forked from this one)."""
        if self._filter is None:
            from filterkit import ContentFilter

            self._filter = ContentFilter(self.model, self.threshold, trust=self.trust_model)
            with _one_thread():
                list(self._filter.filter_many(_WARMUP_PAGES, format=self.format))
        return self._filter

    def _filter_batch(self, sandbox: ExtractorSandbox, pages: list[str]) -> list[Outcome]:
        if len(pages) > 1:
            try:
                return self._in_sandbox(sandbox, pages)
            except (TimeoutError, EOFError):
                pass  # one page spoiled the batch: filtered one by one, the others still get through
        return [self._filter_alone(sandbox, page) for page in pages]

    def _filter_alone(self, sandbox: ExtractorSandbox, page: str) -> Outcome:
        try:
            return self._in_sandbox(sandbox, [page])[0]
        except TimeoutError:
            logger.warning("⏰ Timeout while filtering a document. Skipping it.")
            return "timeout"
        except EOFError:
            logger.warning("filterkit's process died on a document; skipping it, with a new process for the next")
            return "broken_process"

    def _in_sandbox(self, sandbox: ExtractorSandbox, pages: list[str]) -> list[Outcome]:
        sandbox.timeout = self.timeout * len(pages)
        return sandbox.process_document(pages, self._filter_pages)

    def _filter_pages(self, pages: list[str] | str) -> list[tuple[str, str, str | None, dict]]:
        """Runs in the sandbox process. Its warm-up call passes an empty string: no pages."""
        with _one_thread():
            return [(result.markdown if self.markdown and result.ok else result.text, result.lang, result.error,
                     result.summary())
                    for result in self._content_filter().filter_many(pages, batch_size=self.batch_size,
                                                                     format=self.format)]


def _one_thread():
    """Native libraries limited to one thread, for two reasons: datatrove gives each task one core
    (more threads per task oversubscribe the machine), and a process forked after OpenMP has run
    threads hangs at its first prediction, so the task's process must never run them."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(1)
