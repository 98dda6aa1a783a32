"""The exceptions filterkit raises: one base class, so a pipeline can catch them all.

Each message is one sentence that says what went wrong and what to do; the CLI prints
it as it is, on one line, with no traceback.
"""
from __future__ import annotations


class FilterkitError(Exception):
    """Base of every error filterkit raises on purpose."""


class ModelError(FilterkitError, RuntimeError):
    """A model that cannot be used (missing, damaged, untrusted, or made for other versions)."""


class UndecodableInput(FilterkitError, ValueError):
    """Bytes that fit none of the encodings the decoding rule tries, or an encoding name that is not one."""


class PageTooLarge(FilterkitError, ValueError):
    """A page over the size limit (``max_page_bytes``)."""


class PageTimeout(FilterkitError, TimeoutError):
    """A page that took longer than its time limit (``timeout``)."""
