"""filterkit: the main content of noisy scraped pages, in English, Chinese and mixed.

>>> from filterkit import ContentFilter, extract
>>> extract(page_text)                 # one-off
>>> ContentFilter().filter(page_text)  # reusable: .text, .lang, .paragraphs
"""
__version__ = "0.1.0"

from filterkit.filter import ContentFilter, FilterResult, Paragraph, extract  # noqa: E402
from filterkit.model_io import ModelError  # noqa: E402

__all__ = ["ContentFilter", "FilterResult", "Paragraph", "extract", "ModelError", "__version__"]
