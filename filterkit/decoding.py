"""Bytes to text, by one documented rule.

The rule, in order:
1. a byte-order mark (UTF-8, UTF-16 LE/BE) decides, and is dropped;
2. an explicit ``encoding`` argument (the CLI's ``--encoding``) decides;
3. for HTML, a ``<meta charset>`` / ``http-equiv`` declaration in the first
   ``META_SNIFF_BYTES`` bytes decides, with GB2312/GBK read as their superset GB18030
   (pages declaring the smaller set routinely use characters of the larger);
4. strict UTF-8;
5. strict GB18030, the commonest non-UTF-8 encoding of Chinese pages;
6. otherwise the input is refused with ``UndecodableInput`` (one line, naming the
   ``--encoding`` option), rather than guessed: a wrong guess silently corrupts text.
"""
from __future__ import annotations

import codecs
import re

META_SNIFF_BYTES = 4096
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "ascii": "utf-8",
              "us-ascii": "utf-8", "iso-8859-1": "cp1252", "latin-1": "cp1252"}


class UndecodableInput(ValueError):
    """The bytes fit none of the encodings the rule tries."""


def _normalise(name: str) -> str | None:
    name = name.strip().lower()
    name = _SUPERSETS.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def declared_charset(data: bytes) -> str | None:
    """The charset an HTML page declares in its head, if it is one Python knows."""
    match = _META_CHARSET.search(data[:META_SNIFF_BYTES])
    return _normalise(match.group(1).decode("ascii", "replace")) if match else None


def decode(data: bytes, encoding: str | None = None, html: bool = False) -> tuple[str, str]:
    """Decode ``data`` by the module's rule; returns (text, encoding used)."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(name, errors="replace"), name
    candidates = []
    if encoding:
        forced = _normalise(encoding)
        if forced is None:
            raise UndecodableInput(f"unknown encoding {encoding!r}")
        return data.decode(forced, errors="replace"), forced
    if html:
        declared = declared_charset(data)
        if declared:
            candidates.append(declared)
    candidates += ["utf-8", "gb18030"]
    for name in candidates:
        try:
            return data.decode(name), name
        except UnicodeDecodeError:
            continue
    raise UndecodableInput(
        "input is neither UTF-8 nor GB18030 (nor its declared charset); name its encoding with --encoding")
