"""Web archives in: the page records of a WARC file, and their main content.

>>> from filterkit.archives import filter_archive
>>> for record, result in filter_archive("crawl.warc.gz"):
...     print(record.url, result.text)

Page records are ``response`` records whose HTTP status is 2xx and whose HTTP Content-Type
is HTML (or, with no Content-Type, whose payload looks like markup), ``resource`` records of
an HTML type, and ``conversion`` records (WET text). Every other record is read past, and
``iter_records`` says why in ``.skip``; a page record whose HTTP body cannot be unpacked says
why in ``.error`` (and ``filter_archive`` gives it a result with that error: every page record
is answered). Bodies are unpacked by their Content-Encoding list, each coding bounded in output. The archive may be gzip (one member per record,
or the whole file in one) or plain, WARC/1.0 or WARC/1.1: told by its bytes, not its name.

Damage ends the archive: every record before it comes out, then ``ArchiveError`` names
the byte offset (of the gzip member, in a compressed archive) and the record number.
Neither library reports a record cut short at the end of a crawl by itself (both pass it
on with a short payload, or drop it), so the checks here are filterkit's own: gzip is
unpacked here member by member, a record's block must hold its Content-Length, and the
record must be followed by its blank lines.

Reader: warcio (1.8.1), not FastWARC (2.0.1), although FastWARC reads faster. On a 100 MB
gzip archive of the 1,737 ../shared benchmark pages, a quarter of them twice (2,171
responses and their requests, 581 MB of HTML), reading every response's payload took 2.5–3.0 s
with warcio (33–40 MB/s of archive) and 1.1–1.4 s with FastWARC (71–90 MB/s), three runs each
on the shared 2-core machine; ``iter_records`` reads the same archive at 690–850 pages/s.
But FastWARC does not read every test archive correctly: with ``auto_decode="all"``
(needed for the chunked, gzip-encoded bodies that wget and Heritrix archive) its iteration
stops in silence after such a response (6 of the 20 records of ``tests/archive_fixtures``,
gzip or plain), and with ``"content"`` it raises a gzip error there; a truncated last record
comes out of it as a whole record with an empty body (warcio: the same, or nothing). The
speed is not worth that: filterkit filters about 90 benchmark HTML pages/s, so reading is
about a tenth of a run's time with warcio and a twentieth with FastWARC.
"""
from __future__ import annotations

import zlib
from collections import deque
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Iterable, Iterator

from filterkit.decoding import HTML_TYPES, looks_like_html, media_type
from filterkit.errors import FilterkitError
from filterkit.filter import DEFAULT_BATCH_SIZE, DEFAULT_MAX_PAGE_BYTES, FilterResult, Page
from filterkit.inputs import GZIP_MAGIC, Readable, looks_like_warc

if TYPE_CHECKING:
    from filterkit.filter import ContentFilter

READ_SIZE = 64 * 1024  # compressed bytes read at a time
UNPACK_SIZE = 256 * 1024  # most bytes one gzip step unpacks: memory stays bounded on highly compressed data
# A page's payload is read up to this size and the rest passed over: twice the filter's own cut (of the
# page's UTF-8), which falls inside it for every web encoding, UTF-8 being at least half as long (UTF-16).
PAGE_READ_LIMIT = 2 * DEFAULT_MAX_PAGE_BYTES
IDENTITY_CODINGS = ("", "identity", "none")  # Content-Encoding values that leave the body as it is


class ArchiveError(FilterkitError, ValueError):
    """A damaged or unreadable archive: ``.offset`` is the byte where the bad record (or gzip member)
    starts, ``.record`` its number (1 for the first)."""

    def __init__(self, message: str, offset: int, record: int):
        super().__init__(message)
        self.offset = offset
        self.record = record


@dataclass(frozen=True)
class ArchiveRecord:
    url: str  # WARC-Target-URI ("" for a record without one, such as warcinfo)
    record_id: str  # WARC-Record-ID, e.g. "<urn:uuid:...>"
    warc_type: str  # WARC-Type: "response", "request", "conversion"...
    date: str  # WARC-Date as written
    page: Page | None  # the page to filter, None when the record is skipped or its page cannot be read
    skip: str | None  # why the record is not a page ("request record", "redirect 301"...), None for a page
    error: str | None = None  # why a page record's page cannot be read (a body that cannot be unpacked)
    status: int | None = None  # the HTTP status of a response record
    content_type: str | None = None  # the HTTP Content-Type of a response record, the record's own otherwise


def iter_records(source: str | Path | Readable) -> Iterator[ArchiveRecord]:
    """Every record of a WARC archive (a path, or a binary stream read from where it stands), in order.

    Lazy: one record is held at a time. Raises ``ArchiveError`` where the archive is damaged,
    after yielding every record before it.
    """
    if isinstance(source, (str, Path)):
        with open(source, "rb") as stream:
            yield from _records(stream)
    else:
        yield from _records(source)


def filter_archive(source: str | Path | Readable, content_filter: ContentFilter | None = None,
                   batch_size: int = DEFAULT_BATCH_SIZE) -> Iterator[tuple[ArchiveRecord, FilterResult]]:
    """(record, result) for each page record of the archive, in archive order; see ``filter_records``."""
    yield from filter_records(iter_records(source), content_filter, batch_size)


def filter_records(records: Iterable[ArchiveRecord], content_filter: ContentFilter | None = None,
                   batch_size: int = DEFAULT_BATCH_SIZE) -> Iterator[tuple[ArchiveRecord, FilterResult]]:
    """(record, result) for each page record among ``records``, filtered ``batch_size`` at a time.

    A page that cannot be filtered, or whose body cannot be read (``record.error``), has a result with
    ``.error`` set: every page record gets one result. ``ArchiveError`` from
    ``records`` is raised after the results of every page record before the damage.
    A caller that wants the skipped records too passes ``iter_records(...)`` through its own
    generator on the way in.
    """
    if content_filter is None:
        from filterkit.filter import ContentFilter

        content_filter = ContentFilter()
    waiting: deque[ArchiveRecord] = deque()  # records whose page is in the filter's current batch
    damage: list[ArchiveError] = []

    def pages() -> Iterator[Page]:
        try:
            for record in records:
                if record.page is not None or record.error is not None:
                    waiting.append(record)
                    # A record whose page cannot be read keeps its place in the batch with an empty page,
                    # whose result is then replaced by the record's error.
                    yield record.page if record.page is not None else Page(b"", id=record.record_id)
        except ArchiveError as error:  # the batch in hand is still filtered and given out first
            damage.append(error)

    for result in content_filter.filter_many(pages(), batch_size=batch_size):
        record = waiting.popleft()
        if record.error is not None:
            result = FilterResult((), "und", error=record.error, id=record.record_id)
        yield record, result
    if damage:
        raise damage[0]


class _Damage(Exception):
    """Damage found below warcio (in the gzip layer): where the member starts, and what is wrong."""

    def __init__(self, message: str, offset: int):
        super().__init__(message)
        self.offset = offset


class _Stream:
    """The archive's WARC bytes, unpacked here when it is gzip, with the file offset of each gzip member.

    warcio reads from this, so that a truncated or damaged member raises (warcio would end
    the archive there in silence) and so that offsets are the file's.
    """

    def __init__(self, raw: Readable):
        self._raw = raw
        self._input = raw.read(READ_SIZE)
        if not isinstance(self._input, bytes):
            raise TypeError("an archive is read as bytes: open it in binary mode ('rb'), or pass its path")
        self.gzip = self._input.startswith(GZIP_MAGIC)
        self.opens_warc = looks_like_warc(self._input)
        self._member: zlib._Decompress | None = None
        self._member_start = 0
        self._file_pos = 0  # bytes of the file consumed
        self._out = b""
        self._out_pos = 0  # unpacked bytes handed out
        self._unpacked = 0  # unpacked bytes produced
        self._members: deque[tuple[int, int]] = deque()  # (unpacked offset, file offset) of recent members

    def tell(self) -> int:
        return self._out_pos

    def read(self, size: int = -1) -> bytes:
        if not self.gzip:
            if not self._input:
                self._input = self._raw.read(size if size > 0 else -1)
            data, self._input = (self._input, b"") if size < 0 else (self._input[:size], self._input[size:])
            self._out_pos += len(data)
            return data
        if not self._out:
            self._unpack()
        data = self._out if size < 0 else self._out[:size]
        self._out = self._out[len(data):]
        self._out_pos += len(data)
        return data

    def file_offset(self, unpacked: int) -> int:
        """The file offset of the record at ``unpacked`` (of its gzip member, in a gzip archive).

        Asked for each record in turn, which lets the members before it be forgotten.
        """
        if not self.gzip:
            return unpacked
        while len(self._members) > 1 and self._members[1][0] <= unpacked:
            self._members.popleft()  # records come in order: older members are not asked for again
        return self._members[0][1] if self._members else 0

    def _unpack(self) -> None:
        while not self._out:
            if not self._input:
                self._input = self._raw.read(READ_SIZE)
                if not self._input:
                    if self._member is not None:
                        raise _Damage("the archive ends inside a gzip member (the file is cut short)",
                                      self._member_start)
                    return
            if self._member is None:
                self._member = zlib.decompressobj(31)
                self._member_start = self._file_pos
                self._members.append((self._unpacked, self._file_pos))
            given = len(self._input)
            try:
                self._out = self._member.decompress(self._input, UNPACK_SIZE)
            except zlib.error as error:
                raise _Damage(f"damaged gzip data ({error})", self._member_start) from None
            if self._member.eof:
                self._input = self._member.unused_data
                self._member = None
            else:
                self._input = self._member.unconsumed_tail
            self._file_pos += given - len(self._input)
            self._unpacked += len(self._out)


def _records(raw: Readable) -> Iterator[ArchiveRecord]:
    stream = _Stream(raw)
    reader = _strict_iterator()(stream)
    number = 0  # records given out so far
    offset = 0  # where the last of them starts in the file
    try:
        while True:
            try:
                record = next(reader, None)
            except _Misaligned as error:
                raise _archive_error(error, offset, number) from None
            except _Damage as error:
                # A member cut in its gzip trailer holds all of its record, given out already: name that record.
                blamed = number if number and error.offset == offset else number + 1
                raise _archive_error(error, error.offset, blamed) from None
            except OSError:
                raise  # the file could not be read: not the archive's fault
            except Exception as error:  # noqa: BLE001 - warcio fails on damage in many ways (AttributeError too)
                if number == 0 and not stream.opens_warc:
                    raise _not_warc() from None
                raise _archive_error(error, stream.file_offset(reader.offset), number + 1) from None
            if record is None:
                if stream.tell() > reader.offset:  # warcio ends in silence where a header is cut short
                    raise _archive_error("the archive ends inside a record header",
                                         stream.file_offset(reader.offset), number + 1)
                return
            if record.format != "warc":
                raise _not_warc()
            number += 1
            start = reader.offset
            offset = stream.file_offset(start)
            try:
                read = _read_record(record)
            except (_CutShort, _BadHeader) as error:
                raise _archive_error(error, offset, number) from None
            except _Damage as error:
                raise _archive_error(error, error.offset, number) from None
            yield read
    finally:
        reader.close()


def _archive_error(error: Exception | str, offset: int, number: int) -> ArchiveError:
    detail = " ".join(str(error).split()) or type(error).__name__  # warcio's messages span lines
    return ArchiveError(f"damaged archive at byte {offset} (record {number}): {detail}", offset, number)


def _not_warc() -> ArchiveError:
    return ArchiveError("not a WARC archive: it does not start with a WARC/1.0 or WARC/1.1 record "
                        "(plain or gzip-compressed)", 0, 1)


class _Misaligned(Exception):
    """A record's block is not followed by a blank line: its Content-Length is wrong."""


class _CutShort(Exception):
    """A record's block holds fewer bytes than its Content-Length (the archive was cut)."""


class _BadHeader(Exception):
    """A record header warcio parses but that cannot be read on from (no valid Content-Length)."""


def _read_record(record) -> ArchiveRecord:
    """The ArchiveRecord of a warcio record, its block read to the end (so damage shows here)."""
    headers = record.rec_headers
    length = headers.get_header("Content-Length")
    if length is None or not length.strip().isdigit():
        raise _BadHeader(f"the record header has no valid Content-Length ({length!r})")
    record_id = headers.get_header("WARC-Record-ID") or ""
    page, skip, error = _page(record, record_id)
    raw = record.raw_stream
    while raw.read(READ_SIZE):
        pass
    if raw.tell() < record.length:
        raise _CutShort(f"the record is cut short: {raw.tell()} of its {record.length} bytes are there")
    http = record.http_headers if record.rec_type == "response" else None
    status = http.get_statuscode() if http is not None else None
    return ArchiveRecord(headers.get_header("WARC-Target-URI") or "", record_id, record.rec_type or "",
                         headers.get_header("WARC-Date") or "", page, skip, error,
                         int(status) if status and status.isdigit() else None,
                         http.get_header("Content-Type") if http is not None else record.content_type)


def _page(record, record_id: str) -> tuple[Page | None, str | None, str | None]:
    """(the page, None, None) of a page record; (None, why not, None) of any other; (None, None, why) of an
    HTML record whose body cannot be read."""
    kind = record.rec_type
    if kind == "conversion":
        payload = record.raw_stream.read(PAGE_READ_LIMIT)
        return Page(payload, content_type=record.content_type or "text/plain", format="text", id=record_id), None, None
    if kind == "resource":
        if media_type(record.content_type) not in HTML_TYPES:
            return None, f"not HTML: {media_type(record.content_type) or 'no Content-Type'}", None
        payload = record.raw_stream.read(PAGE_READ_LIMIT)
        return Page(payload, content_type=record.content_type, format="html", id=record_id), None, None
    if kind != "response":
        return None, f"{kind or 'untyped'} record", None
    http = record.http_headers
    if http is None or not http.protocol.upper().startswith("HTTP/"):
        return None, f"not HTTP: {media_type(record.content_type) or 'no Content-Type'}", None
    code = http.get_statuscode()
    if not code.isdigit():
        return None, f"bad HTTP status line: {http.statusline[:40]!r}", None
    if code.startswith("3"):
        return None, f"redirect {code}", None
    if not code.startswith("2"):
        return None, f"status {code}", None
    content_type = http.get_header("Content-Type")
    if content_type and media_type(content_type) not in HTML_TYPES:
        return None, f"not HTML: {media_type(content_type)}", None
    try:
        payload = _http_payload(record.raw_stream, http)
    except _Unreadable as error:
        if not content_type:  # nothing says that it was a page
            return None, f"not HTML: no Content-Type, and a body that cannot be read ({error})", None
        return None, None, f"cannot read the HTML body: {error}"
    if not content_type and not looks_like_html(payload):
        return None, "not HTML: no Content-Type, and no markup", None
    return Page(payload, content_type=content_type, format="html", id=record_id), None, None


class _Unreadable(Exception):
    """An HTTP body that cannot be unpacked."""


def _http_payload(block: BinaryIO, http) -> bytes:
    """The HTTP body after its headers, de-chunked and unpacked by its Content-Encoding, up to PAGE_READ_LIMIT.

    The codings are a list, applied in order, so undone from the last (``gzip, br``); ``identity`` and
    repeats are codings too. Every decoder stops at PAGE_READ_LIMIT bytes of output, so that a body that
    inflates to gigabytes (a "bomb") costs no more memory than a page. A coding that cannot be undone, or
    is no coding at all (servers send ``utf-8``), leaves the body as it is if it reads as markup (archivers
    store bodies unpacked but keep the header); otherwise the body is unreadable. Unpacked here rather
    than by warcio's ``content_stream``, which prints zlib's error on stderr and returns nothing for a
    damaged gzip body.
    """
    if "chunked" in (http.get_header("Transfer-Encoding") or "").lower():
        from warcio.bufferedreaders import ChunkedDataReader

        block = ChunkedDataReader(block)  # falls back to the bytes as they are where they are not chunked
    header = ",".join(value for name, value in http.headers if name.lower() == "content-encoding")
    codings = [coding.strip().lower() for coding in header.split(",")]
    codings = [coding for coding in codings if coding not in IDENTITY_CODINGS]
    body = block.read(PAGE_READ_LIMIT)
    for coding in reversed(codings):
        decoder = _DECODERS.get(coding)
        try:
            if decoder is None:
                raise _Unreadable(f"unknown Content-Encoding {coding!r}")
            body = decoder(body, PAGE_READ_LIMIT)
        except Exception as error:
            if looks_like_html(body):
                return body
            if isinstance(error, _Unreadable):
                raise
            if isinstance(error, ImportError):
                raise _Unreadable(f"Content-Encoding {coding} needs the {error.name} package") from None
            raise _Unreadable(f"bad {coding} data ({' '.join(str(error).split()) or type(error).__name__})") from None
    return body


def _gunzip(data: bytes, limit: int) -> bytes:
    """gzip (or zlib) data, every member of it, up to ``limit`` bytes; a member cut short gives what it holds."""
    out: list[bytes] = []
    size = 0
    while data and size < limit:
        member = zlib.decompressobj(47)  # gzip or zlib header, told by the data
        try:
            piece = member.decompress(data, limit - size)
        except zlib.error:
            if out:  # trailing bytes after the last member, as the gzip tool ignores them
                break
            raise
        out.append(piece)
        size += len(piece)
        if not member.eof:
            break  # at the limit, or the data is cut short
        data = member.unused_data.lstrip(b"\0")  # members may be padded with NULs
    return b"".join(out)


def _inflate(data: bytes, limit: int) -> bytes:
    """deflate as servers send it: zlib-wrapped as the standard says, or raw, or even gzip."""
    try:
        return _gunzip(data, limit)
    except zlib.error:
        return zlib.decompressobj(-15).decompress(data, limit)


def _unbrotli(data: bytes, limit: int) -> bytes:
    import brotli

    return brotli.Decompressor().process(data, output_buffer_limit=limit)[:limit]


def _unzstd(data: bytes, limit: int) -> bytes:
    import io

    import zstandard

    out: list[bytes] = []
    size = 0
    with zstandard.ZstdDecompressor().stream_reader(io.BytesIO(data), read_across_frames=True) as reader:
        while size < limit and (piece := reader.read(min(UNPACK_SIZE, limit - size))):
            out.append(piece)
            size += len(piece)
    return b"".join(out)


_DECODERS = {"gzip": _gunzip, "x-gzip": _gunzip, "deflate": _inflate, "br": _unbrotli, "zstd": _unzstd}


def _lower_scheme(uri: str) -> str:
    """The URI with its scheme in lower case (schemes are case-insensitive: ``HTTP://`` is HTTP)."""
    uri = uri.strip().lstrip("<")
    scheme, colon, rest = uri.partition(":")
    return scheme.lower() + colon + rest if colon else uri


@cache
def _strict_iterator() -> type:
    """warcio's ArchiveIterator, made to raise where it would print a warning and read on."""
    import logging

    from warcio.archiveiterator import ArchiveIterator

    # warcio logs quirks it reads past (spaces in a URI); an application that configures logging still
    # gets them, but they no longer reach stderr through logging's last resort in one that does not.
    logging.getLogger("warcio").addHandler(logging.NullHandler())

    class StrictIterator(ArchiveIterator):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            # warcio parses a response's HTTP headers only under a lower-case "http:" or "https:" URI.
            load = self.loader.load_http_headers
            self.loader.load_http_headers = \
                lambda kind, uri, stream, length: load(kind, _lower_scheme(uri or ""), stream, length)

        def _consume_blanklines(self) -> tuple[bytes | None, int]:
            blank = 0
            while True:
                line = self.reader.readline()
                if not line:
                    return None, blank
                if line.strip():
                    if not blank:
                        raise _Misaligned("the record runs past its Content-Length (no blank line after its block)")
                    return line, blank
                blank += len(line)

    return StrictIterator
