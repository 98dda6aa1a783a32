"""What a batch input is, told by its first bytes: a web archive, a page, or a file that is not a page.

One rule for every entry point (the command line and the Spark job), so that a file is an
archive or a page by its content, never by its name (Common Crawl's ``.warc.wet.gz``, a
``.html`` that holds a PNG). Streams (stdin, pipes, FIFOs) are sniffed by peeking into a
buffer that is then replayed, so that no byte of them is lost to the sniff.
"""
from __future__ import annotations

import os
import re
import stat
import zlib
from typing import BinaryIO, Protocol

SNIFF_BYTES = 1024  # a gzip member's first 64 bytes may hold fewer than the 8 of "WARC/1.1"
WARC_VERSIONS = (b"WARC/1.0", b"WARC/1.1")
GZIP_MAGIC = b"\x1f\x8b"
# Formats that are never a page, by their magic bytes.
MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"), (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"), (b"\x00\x00\x01\x00", "an icon"), (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive or office document"), (GZIP_MAGIC, "gzip data (not a WARC archive)"),
    (b"\x28\xb5\x2f\xfd", "zstd data"), (b"\xfd7zXZ\x00", "xz data"), (b"BZh", "bzip2 data"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"), (b"\x7fELF", "an executable"), (b"wOFF", "a web font"),
    (b"wOF2", "a web font"), (b"OggS", "Ogg media"), (b"fLaC", "FLAC audio"), (b"\x1aE\xdf\xa3", "WebM video"),
)
# Byte-order marks: what starts with one is text, NUL bytes or not (UTF-16, UTF-32).
BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")
CONTROL_SHARE = 0.1  # more control bytes than this (not tab, newline, form feed, escape) is binary
ROBOTS_SHARE = 0.6  # lines that are robots.txt rules, of the lines that are not comments
CODE_PUNCTUATION_SHARE = 0.05  # of the non-space characters, code's "{};=()"
CODE_LINE_SHARE = 0.4  # lines that end in ";", "{" or "}", of the non-empty lines
_ROBOTS_RULE = re.compile(r"\s*(user-agent|disallow|allow|sitemap|crawl-delay|host|clean-param)\s*:", re.I)
_CODE_START = re.compile(r"\s*(\(function|!function|[\"']use strict[\"']|(var|let|const|function|import|export)\s|"
                         r"/\*!|@charset|@import|@media|@font-face|:root\s*\{|window\.|document\.|define\(|"
                         r"module\.exports|self\.webpack)")
_JSON_START = re.compile(r"\s*(\{\s*\"|\[\s*[{\"\[]|\[\s*-?\d+(\.\d+)?\s*,)")
_FEED_ROOT = re.compile(r"<(rss|feed|urlset|sitemapindex|svg|opml)[\s>]", re.I)
_HTML_ROOT = re.compile(r"<(!doctype\s+html|html|body)[\s>]", re.I)
_MARKUP = re.compile(r"<(!doctype\s+html|html|head|body|title|p|div|h[1-6]|article|table)[\s>/]", re.I)


def looks_like_warc(head: bytes) -> bool:
    """True if ``head``, the first bytes of a file (a few hundred suffice), opens a WARC/1.0 or WARC/1.1
    archive, gzip-compressed or not."""
    if head.startswith(GZIP_MAGIC):
        try:
            head = zlib.decompressobj(31).decompress(head, 16)
        except zlib.error:
            return False
    return head[:8] in WARC_VERSIONS


def is_regular_file(path: str | os.PathLike) -> bool:
    """True for a regular file (after symbolic links): what can be read to its end without blocking."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def read_head(path: str | os.PathLike) -> bytes:
    """The first SNIFF_BYTES of a regular file (OSError if it cannot be read)."""
    with open(path, "rb") as stream:
        return read_up_to(stream, SNIFF_BYTES)


def is_archive_file(path: str | os.PathLike) -> bool:
    """The rule by which a file is a web archive, for the command line and the Spark job alike: a regular
    file whose first bytes open a WARC record, plain or gzip, whatever its name."""
    if not is_regular_file(path):
        return False
    try:
        return looks_like_warc(read_head(path))
    except OSError:
        return False  # its reader reports it as unreadable


class Readable(Protocol):
    """What reading a page or an archive needs of a stream: a file, a pipe, or a ``Peeked`` one."""

    def read(self, size: int = -1, /) -> bytes: ...


def read_up_to(stream: Readable, size: int) -> bytes:
    """At most ``size`` bytes, fewer only at the end of the stream (a pipe's read may return less)."""
    parts = []
    while size > 0:
        part = stream.read(size)
        if not part:
            break
        parts.append(part)
        size -= len(part)
    return b"".join(parts)


class Peeked:
    """A binary stream whose first SNIFF_BYTES are read ahead into ``head`` and given out again by ``read``."""

    def __init__(self, raw: BinaryIO | None):
        self._raw = raw
        self.head = read_up_to(raw, SNIFF_BYTES) if raw is not None else b""
        self._pending = self.head

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            data, self._pending = self._pending, b""
            if self._raw is not None:
                data += b"".join(iter(self._raw.read, b""))  # to the end, however short each read of a pipe
            return data
        if self._pending:
            data, self._pending = self._pending[:size], self._pending[size:]
            return data
        return self._raw.read(size) if self._raw is not None else b""

    def close(self) -> None:
        if self._raw is not None:
            self._raw.close()


def not_a_page(head: bytes) -> str | None:
    """Why a file that opens with ``head`` is not a web page (an image, code, robots.txt...), or None for
    what may be one: text or HTML in any encoding."""
    for magic, kind in MAGIC:
        if head.startswith(magic):
            if magic == b"BZh" and head[4:10] != b"1AY&SY":
                continue
            return kind
    if head[8:12] == b"WEBP" and head.startswith(b"RIFF"):
        return "a WebP image"
    if head[4:8] == b"ftyp":
        return "MP4 media"
    if any(head.startswith(bom) for bom in BOMS) or _utf16_without_bom(head):
        return None
    if b"\x00" in head:
        return "binary data (NUL bytes)"
    controls = sum(byte < 0x20 and byte not in b"\t\n\r\f\x1b" for byte in head)
    if head and controls > CONTROL_SHARE * len(head):
        return "binary data (control bytes)"
    text = head.decode("utf-8", "replace")
    stripped = text.lstrip(" \t\r\n")
    if stripped.startswith("<"):
        if _FEED_ROOT.search(text) and not _HTML_ROOT.search(text):
            return "an XML feed, sitemap or SVG image"
        return None
    if _JSON_START.match(text):
        return "JSON data"
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    rules = [line for line in lines if not line.startswith("#")]
    if rules and sum(bool(_ROBOTS_RULE.match(line)) for line in rules) >= ROBOTS_SHARE * len(rules) \
            and any(line.lower().startswith(("user-agent", "disallow")) for line in rules):
        return "robots.txt rules"
    if _looks_like_code(stripped, lines):
        return "JavaScript or CSS code"
    return None


def _utf16_without_bom(head: bytes) -> bool:
    """Text in UTF-16 with no BOM: ASCII characters leave a NUL at every other byte."""
    even, odd = head[0::2], head[1::2]
    return len(head) >= 8 and (odd.count(0) > 0.9 * len(odd) or even.count(0) > 0.9 * len(even)) \
        and head.count(0) < 0.75 * len(head)


def _looks_like_code(text: str, lines: list[str]) -> bool:
    if _MARKUP.search(text):
        return False
    if _CODE_START.match(text):
        return True
    visible = sum(not character.isspace() for character in text)
    punctuation = sum(text.count(character) for character in "{};=()")
    ends = sum(line.endswith((";", "{", "}")) for line in lines)
    return bool(lines) and punctuation >= CODE_PUNCTUATION_SHARE * visible and ends >= CODE_LINE_SHARE * len(lines)
