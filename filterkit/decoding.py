"""Bytes to text, by one documented rule, and text versus HTML.

Encoding names are the WHATWG Encoding Standard's labels, the only ones web pages and
HTTP headers use (``webencodings``): a declared ``base64``, ``rot13`` or ``unicode_escape``
is a Python codec, not a web encoding, and is ignored (page, header) or refused
(``--encoding``). GB2312 and GBK are read as their superset GB18030, since pages
declaring the smaller set routinely use characters of the larger.

The rule, in order:
1. a byte-order mark (UTF-8, UTF-16 LE/BE) decides, and is dropped;
2. an explicit ``encoding`` argument (the CLI's ``--encoding``) decides;
3. for HTML, a ``<meta charset>`` / ``http-equiv`` declaration in the first
   ``META_SNIFF_BYTES`` bytes;
4. the charset of the HTTP ``Content-Type`` (a crawler's header) when the page declares none;
5. UTF-16 without a mark, told by its NUL bytes on every other position; then strict UTF-8;
6. mostly UTF-8 (at most one bad sequence in ``MOSTLY_UTF8`` of its non-ASCII characters):
   UTF-8 with the bad bytes replaced, rather than a single-byte encoding's mojibake;
7. the legacy CJK encodings (GB18030, Big5, Shift_JIS, EUC-KR, EUC-JP) that decode
   strictly, the detector (charset-normalizer) choosing among them when several do (Big5
   and EUC-KR bytes are also valid GB18030, as nonsense);
8. the encoding the detector finds among all;
9. otherwise the input is refused with ``UndecodableInput`` (one line, naming the
   ``--encoding`` option), rather than guessed: a wrong guess silently corrupts text.

A declaration the bytes do not fit is passed over (the next step decides), since a page's
declaration is often a template's, not its own; so is a declared single-byte charset
(windows-1252, ISO-8859-x…) where the bytes are strict UTF-8 with multi-byte characters.
"""
from __future__ import annotations

import codecs
import re

from filterkit.errors import UndecodableInput

META_SNIFF_BYTES = 4096
DETECT_BYTES = 64 * 1024  # the detector reads this much: enough to decide, bounded on a 20 MB page
HTML_SNIFF_CHARS = 2048
MOSTLY_UTF8 = 20  # valid non-ASCII characters per bad sequence for a page to stay UTF-8
MIN_DETECT_BYTES = 64  # fewer non-ASCII bytes than this cannot tell the legacy CJK encodings apart
LEGACY_CJK = ("gb18030", "big5hkscs", "cp932", "cp949", "euc_jp")
_NON_ASCII = bytes(range(128, 256))
_HTML_MARK = re.compile(r"<(?:!doctype\s+html|html|head|body|meta|title)\b", re.IGNORECASE)
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([^"';\s]+)""", re.IGNORECASE)
_SUPERSETS = {"gbk": "gb18030"}
_MULTI_BYTE = frozenset({"utf-8", "utf-16-le", "utf-16-be", *LEGACY_CJK, "gbk", "euc_kr", "shift_jis", "big5",
                         "iso2022_jp", "x-user-defined"})
HTML_TYPES = ("text/html", "application/xhtml+xml")


def web_encoding(label: str) -> codecs.CodecInfo | None:
    """The codec of a WHATWG encoding label, or None for anything else (and for WHATWG's "replacement")."""
    import webencodings

    label = label.strip()
    # Spelling variants of a label ("latin-1", "euc_kr") name the same web encoding.
    found = next(filter(None, map(webencodings.lookup, (label, label.replace("_", "-"), label.replace("-", "")))),
                 None)
    if found is None or found.name == "replacement":
        return None
    name = _SUPERSETS.get(found.name, found.codec_info.name)
    return codecs.lookup(name) if name != found.codec_info.name else found.codec_info


def declared_charset(data: bytes) -> codecs.CodecInfo | None:
    """The web encoding an HTML page declares in its head, if any."""
    match = _META_CHARSET.search(data[:META_SNIFF_BYTES])
    return web_encoding(match.group(1).decode("ascii", "replace")) if match else None


def header_charset(content_type: str | None) -> codecs.CodecInfo | None:
    """The web encoding named by an HTTP Content-Type value ("text/html; charset=Big5"), if any."""
    match = _HEADER_CHARSET.search(content_type or "")
    return web_encoding(match.group(1)) if match else None


def media_type(content_type: str | None) -> str:
    """The media type of a Content-Type value, lower-cased, without parameters ("" when none)."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def decode(data: bytes, encoding: str | None = None, html: bool = False,
           content_type: str | None = None) -> tuple[str, str]:
    """Decode ``data`` by the module's rule; returns (text, encoding used)."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(name, errors="replace"), name
    if encoding:
        forced = web_encoding(encoding)
        if forced is None:
            raise UndecodableInput(f"unknown encoding {encoding!r}: give a web encoding label such as utf-8, "
                                   "gb18030, big5, shift_jis or windows-1252")
        return forced.decode(data, "replace")[0], forced.name
    declared = [info for info in ((declared_charset(data) if html else None), header_charset(content_type)) if info]
    utf8_multibyte = None
    for info in declared:
        if info.name not in _MULTI_BYTE:
            if utf8_multibyte is None:
                utf8_multibyte = _strict_utf8_with_multibyte(data)
            if utf8_multibyte:
                continue
        try:
            return info.decode(data, "strict")[0], info.name
        except UnicodeDecodeError:
            continue
    for name in _utf16_guess(data[:DETECT_BYTES]):  # NUL bytes are valid UTF-8 too: ask first
        try:
            return data.decode(name), name
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    text = data.decode("utf-8", errors="replace")
    replaced = text.count("\ufffd")
    bad = replaced - data.count(b"\xef\xbf\xbd")
    good = len(text) - len(text.encode("ascii", "ignore")) - replaced
    if good > 0 and good >= MOSTLY_UTF8 * bad:
        return text, "utf-8"
    chosen = _legacy_cjk(data) or _detect(data)
    if chosen:
        return data.decode(chosen, errors="replace"), chosen
    raise UndecodableInput("input is not text in any encoding filterkit can recognise (binary data?); "
                           "if it is text, name its encoding with --encoding")


def _strict_utf8_with_multibyte(data: bytes) -> bool:
    if data.isascii():
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


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


def _utf16_guess(sample: bytes) -> tuple[str, ...]:
    """UTF-16 without a byte-order mark shows as NUL bytes on every other position (ASCII text)."""
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
        head = bytes(head[len(bom):]).decode(name, errors="ignore")
    stripped = head.lstrip("\ufeff \t\r\n")
    if not stripped.startswith("<"):
        return False
    return bool(_HTML_MARK.search(head)) or head.count("</") >= 2
