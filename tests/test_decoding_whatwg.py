"""Bytes decoded as the WHATWG Encoding Standard (and a browser) decodes them: byte-order marks first, then a
declared label, which wins even over bytes it cannot read (U+FFFD, counted); meta quirks; "replacement"
labels; UTF-32; and no NUL or other C0 control in any output."""
from __future__ import annotations

import codecs
import json
import subprocess
import sys
from pathlib import Path

import pytest

from filterkit import ContentFilter, Page
from filterkit.decoding import decode_counted, without_controls
from filterkit.errors import UndecodableInput

ROOT = Path(__file__).resolve().parent.parent
ZH = "河边的老木桥由二十多名志愿者重新刷漆，他们从早上一直忙到傍晚。"
EN = "Volunteers repainted the old footbridge over the mill stream on Sunday."


def html(body: str, meta: str = "") -> str:
    head = f'<meta charset="{meta}">' if meta else ""
    return f"<html><head>{head}<title>Bridge</title></head><body><h1>Bridge</h1><p>{body}</p></body></html>"


def with_bad_bytes(data: bytes, bad: bytes, at: str = "<p>") -> bytes:
    return data.replace(at.encode(), at.encode() + bad, 1)


@pytest.mark.parametrize("data, kwargs, text, encoding, replaced", [
    # a declared legacy label wins over a dozen bytes it cannot read
    (with_bad_bytes(html(ZH, "gb2312").encode("gb18030"), b"\xff" * 12), {"html": True}, ZH, "gb18030", 12),
    (with_bad_bytes(html(ZH).encode("big5", "replace"), b"\xff\xff"),
     {"html": True, "content_type": "text/html; charset=big5"}, None, "big5hkscs", 2),
    (with_bad_bytes(html(EN, "utf-8").encode(), b"\xc3\x28\xa0"), {"html": True}, EN, "utf-8", 2),
    # --encoding wins over the page's own declaration, a BOM over both
    (html("caf\u00e9", "utf-8").encode("cp1252"), {"html": True, "encoding": "windows-1252"}, "café", "cp1252", 0),
    (codecs.BOM_UTF8 + html(ZH, "gbk").encode(), {"html": True, "encoding": "big5"}, ZH, "utf-8", 0),
    # the HTTP charset comes before the page's <meta> (the HTML standard's order)
    (html(ZH, "iso-8859-1").encode("gb18030"), {"html": True, "content_type": "text/html; charset=gbk"}, ZH,
     "gb18030", 0),
    # in a <meta>, UTF-16 means UTF-8 (the bytes that spelled it were ASCII) and x-user-defined windows-1252
    (html(EN, "utf-16").encode(), {"html": True}, EN, "utf-8", 0),
    (html(EN, "UTF-16BE").encode(), {"html": True}, EN, "utf-8", 0),
    (html("na\u00efve caf\u00e9", "x-user-defined").encode("cp1252"), {"html": True}, "naïve café", "cp1252", 0),
    # UTF-16 and UTF-32 by their marks, and UTF-32 without one
    (codecs.BOM_UTF16_LE + html(ZH).encode("utf-16-le"), {"html": True}, ZH, "utf-16-le", 0),
    (codecs.BOM_UTF16_BE + html(ZH).encode("utf-16-be"), {"html": True}, ZH, "utf-16-be", 0),
    (codecs.BOM_UTF32_LE + html(ZH).encode("utf-32-le"), {"html": True}, ZH, "utf-32-le", 0),
    (codecs.BOM_UTF32_BE + html(ZH).encode("utf-32-be"), {"html": True}, ZH, "utf-32-be", 0),
    (html(EN).encode("utf-32-le"), {"html": True}, EN, "utf-32-le", 0),
    (html(EN).encode("utf-32-be"), {}, EN, "utf-32-be", 0),
    # strict UTF-8 with multi-byte characters stays UTF-8 whatever a template declares
    (html(ZH, "windows-1252").encode(), {"html": True}, ZH, "utf-8", 0),
    (html(ZH).encode(), {"html": True, "content_type": "text/html; charset=gb2312"}, ZH, "utf-8", 0),
])
def test_labels_marks_and_bad_bytes(data, kwargs, text, encoding, replaced):
    decoded = decode_counted(data, **kwargs)
    assert (decoded.encoding, decoded.replaced) == (encoding, replaced)
    assert "\x00" not in decoded.text
    if text is not None:
        assert text in decoded.text
    assert decoded.text.count("\ufffd") >= (1 if replaced else 0)


@pytest.mark.parametrize("label", ["iso-2022-kr", "hz-gb-2312", "iso-2022-cn", "csISO2022KR", "ISO-2022-CN-EXT"])
@pytest.mark.parametrize("where", ["meta", "header"])
def test_replacement_labels_are_refused_with_a_sentence(label, where):
    data = html(EN, label if where == "meta" else "").encode()
    content_type = f"text/html; charset={label}" if where == "header" else None
    with pytest.raises(UndecodableInput, match="replacement"):
        decode_counted(data, html=True, content_type=content_type)


def test_unknown_labels_are_passed_over():
    decoded = decode_counted(html(ZH, "rot13").encode(), html=True, content_type="text/html; charset=base64")
    assert ZH in decoded.text and decoded.encoding == "utf-8"


@pytest.mark.parametrize("text, expected", [
    ("a\x00b", "ab"), ("tab\there\nnew\r\nline", "tab\there\nnew\r\nline"), ("form\x0cfeed", "form\nfeed"),
    ("bell\x07and\x1bescape", "bell and escape"), ("plain", "plain"), ("\x00" * 5, ""),
])
def test_without_controls(text, expected):
    assert without_controls(text) == expected


@pytest.fixture(scope="module")
def content_filter():
    return ContentFilter()


def test_results_count_replaced_bytes_and_carry_no_nul(content_filter):
    bad = with_bad_bytes(html(ZH * 3, "gb2312").encode("gb18030"), b"\x80\xff" * 6)
    utf32 = codecs.BOM_UTF32_LE + html(ZH * 3).encode("utf-32-le")
    nul_text = ("Heading\x00 line\n\n" + EN.replace(" ", " \x00\x01") + "\n").encode()
    results = list(content_filter.filter_many([Page(bad, id="bad"), Page(utf32, id="utf32"), Page(nul_text),
                                               "text\x00 given as str\x02 " + EN]))
    assert [r.error for r in results] == [None] * 4
    assert results[0].replaced_bytes == 12 and results[0].to_dict()["replaced_bytes"] == 12
    assert ZH in results[0].text and results[1].encoding == "utf-32-le" and ZH in results[1].text
    assert "replaced_bytes" not in results[1].to_dict()
    for result in results:
        dumped = json.dumps(result.to_dict(), ensure_ascii=False)
        assert "\x00" not in result.text and "\\u0000" not in dumped and "\x00" not in dumped
        assert not any(chr(code) in dumped for code in (*range(9), 11, 12, *range(14, 32)))


def test_cli_json_and_jsonl_say_how_many_bytes_were_replaced(tmp_path):
    page = tmp_path / "page.html"
    page.write_bytes(with_bad_bytes(html(ZH * 3, "gb2312").encode("gb18030"), b"\xff" * 12))
    done = subprocess.run([sys.executable, "-m", "filterkit", "--json", str(page)], capture_output=True, cwd=ROOT,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["replaced_bytes"] == 12 and result["encoding"] == "gb18030" and ZH in result["main"]
    utf32 = tmp_path / "utf32.html"
    utf32.write_bytes(codecs.BOM_UTF32_BE + html(ZH * 3).encode("utf-32-be"))
    done = subprocess.run([sys.executable, "-m", "filterkit", str(page), str(utf32)], capture_output=True, cwd=ROOT,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [line.get("replaced_bytes") for line in lines] == [12, None]
    assert b"\x00" not in done.stdout and b"\\u0000" not in done.stdout and all(ZH in line["main"] for line in lines)
