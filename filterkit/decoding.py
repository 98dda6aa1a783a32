"""Bytes to text, by one documented rule, and text versus HTML.

The rule, in order:
1. a byte-order mark (UTF-8, UTF-16 LE/BE) decides, and is dropped;
2. an explicit ``encoding`` argument (the CLI's ``--encoding``) decides;
3. for HTML, a ``<meta charset>`` / ``http-equiv`` declaration in the first
   ``META_SNIFF_BYTES`` bytes decides, with GB2312/GBK read as their superset GB18030
   (pages declaring the smaller set routinely use characters of the larger);
4. strict UTF-8;
5. strict GB18030, the commonest non-UTF-8 encoding of Chinese pages;
6. a detector (charset-normalizer) naming an encoding with confidence;
7. otherwise the input is refused with ``UndecodableInput`` (one line, naming the
   ``--encoding`` option), rather than guessed: a wrong guess silently corrupts text.

A declared charset that the bytes do not fit is passed over (the next step decides),
since a page's declaration is often a template's, not its own.
"""
from __future__ import annotations

import codecs
import re

META_SNIFF_BYTES = 4096
DETECT_BYTES = 64 * 1024  # the detector reads this much: enough to decide, bounded on a 20 MB page
HTML_SNIFF_CHARS = 2048
_HTML_MARK = re.compile(r"<(?:!doctype\s+html|html|head|body|meta|title)\b", re.IGNORECASE)
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
    detected = _detect(data)
    if detected:
        return data.decode(detected, errors="replace"), detected
    raise UndecodableInput("input is not text in any encoding filterkit can recognise (binary data?); "
                           "if it is text, name its encoding with --encoding")


def _detect(data: bytes) -> str | None:
    """The encoding charset-normalizer finds for ``data``, or None when it finds none (binary data)."""
    from charset_normalizer import from_bytes

    best = from_bytes(data[:DETECT_BYTES]).best()
    return _normalise(best.encoding) if best is not None else None


def looks_like_html(page: str | bytes) -> bool:
    """True if the page is markup rather than text: it opens with a tag and names HTML's
    document elements, or carries closing tags, early on."""
    head = page[:HTML_SNIFF_CHARS]
    if isinstance(head, (bytes, bytearray)):
        bom, name = next(((bom, name) for bom, name in _BOMS if head.startswith(bom)), (b"", "latin-1"))
        head = bytes(head[len(bom):]).decode(name, errors="ignore")
    stripped = head.lstrip("\ufeff \t\r\n")
    if not stripped.startswith("<"):
        return False
    return bool(_HTML_MARK.search(head)) or head.count("</") >= 2
