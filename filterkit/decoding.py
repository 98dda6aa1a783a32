"""Bytes to text, by one documented rule (the WHATWG Encoding Standard's), and text versus HTML.

Encoding names are the WHATWG Encoding Standard's labels, the only ones web pages and
HTTP headers use (``webencodings``): a declared ``base64``, ``rot13`` or ``unicode_escape``
is a Python codec, not a web encoding, and is ignored (page, header) or refused
(``--encoding``). GB2312 and GBK are read as their superset GB18030, since pages
declaring the smaller set routinely use characters of the larger.

The rule, in order (the standard's, as a browser applies it):
1. a byte-order mark decides, and is dropped: UTF-8, UTF-16 LE/BE, and UTF-32 LE/BE (which
   the standard does not know, but a crawler meets: read as UTF-32 rather than as UTF-16
   with a NUL after every character);
2. an explicit ``encoding`` argument (the CLI's ``--encoding``) decides;
3. the charset of the HTTP ``Content-Type`` (a crawler's header);
4. for HTML, a ``<meta charset>`` / ``http-equiv`` declaration in the first
   ``META_SNIFF_BYTES`` bytes, where a UTF-16 label means UTF-8 (the bytes that spelled it
   were ASCII) and ``x-user-defined`` means windows-1252;
5. UTF-32 or UTF-16 without a mark, told by their NUL bytes; then strict UTF-8;
6. mostly UTF-8 (at most one bad sequence in ``MOSTLY_UTF8`` of its non-ASCII characters):
   UTF-8 with the bad bytes replaced, rather than a single-byte encoding's mojibake;
7. the legacy CJK encodings (GB18030, Big5, Shift_JIS, EUC-KR, EUC-JP) that decode
   strictly, the detector (charset-normalizer) choosing among them when several do (Big5
   and EUC-KR bytes are also valid GB18030, as nonsense);
8. the encoding the detector finds among all;
9. otherwise the input is refused with ``UndecodableInput`` (one line, naming the
   ``--encoding`` option), rather than guessed: a wrong guess silently corrupts text.

A declared encoding wins even over bytes it cannot read: they become U+FFFD, as in a
browser, and ``Decoded.replaced`` counts them. One exception: bytes that are strict UTF-8
with multi-byte characters are read as UTF-8 whatever a page or header declares (a
template's stale declaration; no real page in another encoding is valid UTF-8). A
declared "replacement" label (ISO-2022-KR, HZ-GB-2312, ISO-2022-CN…) is one the standard
refuses to decode, as its bytes can hide markup: the page is refused with a sentence.
"""
from __future__ import annotations

import codecs
import re
import threading
from typing import NamedTuple

from filterkit.errors import UndecodableInput

META_SNIFF_BYTES = 4096
DETECT_BYTES = 64 * 1024  # the detector reads this much: enough to decide, bounded on a 20 MB page
HTML_SNIFF_CHARS = 2048
MOSTLY_UTF8 = 20  # valid non-ASCII characters per bad sequence for a page to stay UTF-8
MIN_DETECT_BYTES = 64  # fewer non-ASCII bytes than this cannot tell the legacy CJK encodings apart
LEGACY_CJK = ("gb18030", "big5hkscs", "cp932", "cp949", "euc_jp")
_NON_ASCII = bytes(range(128, 256))
_HTML_MARK = re.compile(r"<(?:!doctype\s+html|html|head|body|meta|title)\b", re.IGNORECASE)
# UTF-32 LE's mark begins with UTF-16 LE's: it is tried first.
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
         (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([^"';\s]+)""", re.IGNORECASE)
_SUPERSETS = {"gbk": "gb18030"}
# What a label found by the meta prescan means (the HTML standard's "get an encoding" for <meta>).
_META_MEANS = {"utf-16le": "utf-8", "utf-16be": "utf-8", "x-user-defined": "windows-1252"}
_REPLACE = "filterkit-replace"  # the codec error handler that counts what it replaces
# C0 control characters that no output may carry (NUL breaks databases and C strings): NUL is
# dropped, the ones Python's str.splitlines counts as line breaks become a newline, the rest a space.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
_CONTROL_MEANS = {0: "", **{code: "\n" for code in (0x0b, 0x0c, 0x1c, 0x1d, 0x1e)}}
_CONTROL_TABLE = {code: _CONTROL_MEANS.get(code, " ") for code in (*range(0x09), 0x0b, 0x0c, *range(0x0e, 0x20))}
HTML_TYPES = ("text/html", "application/xhtml+xml")


class Decoded(NamedTuple):
    text: str
    encoding: str
    replaced: int  # bytes the encoding could not read, each run of them now one U+FFFD


_replaced = threading.local()


def _count_and_replace(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeDecodeError):
        raise error
    _replaced.bytes += error.end - error.start
    return "\ufffd", error.end


codecs.register_error(_REPLACE, _count_and_replace)


def _decoded(data: bytes, codec: codecs.CodecInfo | str) -> Decoded:
    """``data`` in ``codec`` with bad bytes replaced (and counted), as the standard's decode does."""
    info = codecs.lookup(codec) if isinstance(codec, str) else codec
    _replaced.bytes = 0
    text = info.decode(data, _REPLACE)[0]
    return Decoded(text, info.name, _replaced.bytes)


class _Label(NamedTuple):
    """A label a page or its header declares: its codec, or None for a "replacement" label."""

    label: str
    codec: codecs.CodecInfo | None


def web_encoding(label: str) -> codecs.CodecInfo | None:
    """The codec of a WHATWG encoding label, or None for anything else (and for WHATWG's "replacement")."""
    found = _lookup(label)
    if found is None or found.name == "replacement":
        return None
    return _codec(found)


def _lookup(label: str):
    import webencodings

    label = label.strip()
    # Spelling variants of a label ("latin-1", "euc_kr") name the same web encoding.
    return next(filter(None, map(webencodings.lookup, (label, label.replace("_", "-"), label.replace("-", "")))),
                None)


def _codec(found) -> codecs.CodecInfo:
    name = _SUPERSETS.get(found.name, found.codec_info.name)
    return codecs.lookup(name) if name != found.codec_info.name else found.codec_info


def _declared(label: str, meta: bool) -> _Label | None:
    found = _lookup(label)
    if found is None:
        return None
    if found.name == "replacement":
        return _Label(label, None)
    if meta and found.name in _META_MEANS:
        import webencodings

        found = webencodings.lookup(_META_MEANS[found.name])
    return _Label(label, _codec(found))


def declared_charset(data: bytes) -> codecs.CodecInfo | None:
    """The web encoding an HTML page declares in its head, if any (as the standard's meta prescan reads it)."""
    label = _meta_label(data)
    return label.codec if label else None


def _meta_label(data: bytes) -> _Label | None:
    match = _META_CHARSET.search(data[:META_SNIFF_BYTES])
    return _declared(match.group(1).decode("ascii", "replace"), meta=True) if match else None


def header_charset(content_type: str | None) -> codecs.CodecInfo | None:
    """The web encoding named by an HTTP Content-Type value ("text/html; charset=Big5"), if any."""
    label = _header_label(content_type)
    return label.codec if label else None


def _header_label(content_type: str | None) -> _Label | None:
    match = _HEADER_CHARSET.search(content_type or "")
    return _declared(match.group(1), meta=False) if match else None


def media_type(content_type: str | None) -> str:
    """The media type of a Content-Type value, lower-cased, without parameters ("" when none)."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def without_controls(text: str) -> str:
    """The text without NUL and the other C0 control characters but tab, newline and carriage return
    (see ``_CONTROL_MEANS``): no output of filterkit carries them."""
    return text.translate(_CONTROL_TABLE) if _CONTROLS.search(text) else text


def decode(data: bytes, encoding: str | None = None, html: bool = False,
           content_type: str | None = None) -> tuple[str, str]:
    """Decode ``data`` by the module's rule; returns (text, encoding used)."""
    text, used, _ = decode_counted(data, encoding, html, content_type)
    return text, used


def decode_counted(data: bytes, encoding: str | None = None, html: bool = False,
                   content_type: str | None = None) -> Decoded:
    """Decode ``data`` by the module's rule: the text, the encoding used, and how many bytes were replaced."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return _decoded(data[len(bom):], name)
    if encoding:
        forced = web_encoding(encoding)
        if forced is None:
            raise UndecodableInput(f"unknown encoding {encoding!r}: give a web encoding label such as utf-8, "
                                   "gb18030, big5, shift_jis or windows-1252")
        return _decoded(data, forced)
    declared = _header_label(content_type) or (_meta_label(data) if html else None)
    if declared is not None:
        if declared.codec is None:
            raise UndecodableInput(f"the page declares the encoding {declared.label!r}, which web browsers refuse "
                                   "to decode (WHATWG 'replacement'); if it is text, name its encoding with "
                                   "--encoding")
        if declared.codec.name != "utf-8" and not data.isascii():
            try:
                return Decoded(data.decode("utf-8"), "utf-8", 0)
            except UnicodeDecodeError:
                pass
        return _decoded(data, declared.codec)
    for name in _wide_guess(data[:DETECT_BYTES]):  # NUL bytes are valid UTF-8 too: ask first
        try:
            return Decoded(data.decode(name), name, 0)
        except UnicodeDecodeError:
            pass
    try:
        return Decoded(data.decode("utf-8"), "utf-8", 0)
    except UnicodeDecodeError:
        pass
    decoded = _decoded(data, "utf-8")
    text = decoded.text
    replaced = text.count("\ufffd")
    bad = replaced - data.count(b"\xef\xbf\xbd")
    good = len(text) - len(text.encode("ascii", "ignore")) - replaced
    if good > 0 and good >= MOSTLY_UTF8 * bad:
        return decoded
    chosen = _legacy_cjk(data) or _detect(data)
    if chosen:
        return _decoded(data, chosen)
    raise UndecodableInput("input is not text in any encoding filterkit can recognise (binary data?); "
                           "if it is text, name its encoding with --encoding")


def _legacy_cjk(data: bytes) -> str | None:
    """The legacy CJK encoding of ``data``, when one decodes it strictly."""
    sample = data[:DETECT_BYTES]
    final = len(data) <= DETECT_BYTES  # a cut sample may end inside a character
    candidates = []
    for name in LEGACY_CJK:
        try:
            codecs.getincrementaldecoder(name)().decode(sample, final=final)
        except UnicodeDecodeError:
            continue
        candidates.append(name)
    if len(candidates) <= 1 or len(sample) - len(sample.translate(None, _NON_ASCII)) < MIN_DETECT_BYTES:
        return candidates[0] if candidates else None  # too little to tell apart: the commonest, GB18030
    from charset_normalizer import from_bytes

    best = from_bytes(sample, cp_isolation=candidates).best()
    return codecs.lookup(best.encoding).name if best is not None else candidates[0]


def _wide_guess(sample: bytes) -> tuple[str, ...]:
    """UTF-32 and UTF-16 without a byte-order mark show as NUL bytes in fixed positions (ASCII text):
    three of every four bytes, or every other one."""
    quarter = len(sample) // 4
    if quarter:
        zeros = [sample[at::4].count(0) for at in range(4)]
        if min(zeros[1:]) > 0.9 * quarter and zeros[0] < 0.05 * quarter:
            return ("utf-32-le",)
        if min(zeros[:3]) > 0.9 * quarter and zeros[3] < 0.05 * quarter:
            return ("utf-32-be",)
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    half = len(sample) // 2
    if half and odd > 0.3 * half and even < 0.05 * half:
        return ("utf-16-le",)
    if half and even > 0.3 * half and odd < 0.05 * half:
        return ("utf-16-be",)
    return ()


def _detect(data: bytes) -> str | None:
    """The encoding charset-normalizer finds for ``data``, or None when it finds none (binary data)."""
    from charset_normalizer import from_bytes

    best = from_bytes(data[:DETECT_BYTES]).best()
    if best is None:
        return None
    info = web_encoding(best.encoding) or web_encoding(best.encoding.replace("_", "-"))
    return info.name if info else codecs.lookup(best.encoding).name


def looks_like_html(page: str | bytes) -> bool:
    """True if the page is markup rather than text: it opens with a tag and names HTML's
    document elements, or carries closing tags, early on."""
    head = page[:HTML_SNIFF_CHARS]
    if isinstance(head, (bytes, bytearray)):
        bom, name = next(((bom, name) for bom, name in _BOMS if head.startswith(bom)), (b"", "latin-1"))
        # (UTF-16 and UTF-32 without a mark spell their ASCII with NULs between the letters)
        head = bytes(head[len(bom):]).decode(name, errors="ignore").replace("\0", "")
    stripped = head.lstrip("\ufeff \t\r\n")
    if not stripped.startswith("<"):
        return False
    return bool(_HTML_MARK.search(head)) or head.count("</") >= 2
