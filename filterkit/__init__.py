"""filterkit: the main content of noisy scraped pages, in English, Chinese and mixed.

>>> from filterkit import ContentFilter, extract
>>> extract(page_text)                 # one-off
>>> ContentFilter().filter(page_text)  # reusable: .text, .lang, .paragraphs

Names are imported on first use (PEP 562), so that ``filterkit --version``, ``--help``
and a crawler importing the package pay for numpy and the model only when a page comes.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.3.0"

_EXPORTS = {
    "ContentFilter": "filterkit.filter", "FilterResult": "filterkit.filter", "Page": "filterkit.filter",
    "Paragraph": "filterkit.filter", "extract": "filterkit.filter",
    "FilterkitError": "filterkit.errors", "ModelError": "filterkit.errors", "UndecodableInput": "filterkit.errors",
    "PageTooLarge": "filterkit.errors", "PageTimeout": "filterkit.errors",
}
# Written out, not computed from _EXPORTS: type checkers read a literal list (tests/test_typing.py checks the two agree).
__all__ = ["ContentFilter", "FilterResult", "Page", "Paragraph", "extract",
           "FilterkitError", "ModelError", "UndecodableInput", "PageTooLarge", "PageTimeout", "__version__"]

if TYPE_CHECKING:
    from filterkit.errors import FilterkitError, ModelError, PageTimeout, PageTooLarge, UndecodableInput
    from filterkit.filter import ContentFilter, FilterResult, Page, Paragraph, extract


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'filterkit' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
