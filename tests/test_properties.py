"""Properties that hold for any page and any JSON Lines stream (Hypothesis).

For any text page, HTML tag soup or bytes, ``ContentFilter.filter_many`` gives one result
and no exception; the same page gives the same result, alone or in a batch; and the
paragraphs it keeps are blocks of the input, verbatim after white-space folding, in input
order. For any JSON Lines stream, the ``--jsonl`` worker and the real command write
exactly one strict UTF-8 JSON line per line read, in order.

The suite runs a few hundred derandomized cases; ``FILTERKIT_HYPOTHESIS_EXAMPLES=N`` runs
N per property (``python -m benchmarks.properties``), the subprocess property then taking
many streams per command so that N streams go through it without N model loads.
"""
from __future__ import annotations

import base64
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from filterkit import ContentFilter, Page
from filterkit.decoding import without_controls
from filterkit.html_blocks import parse_blocks

CHECKOUT = Path(__file__).resolve().parent.parent
LONG_RUN = int(os.environ.get("FILTERKIT_HYPOTHESIS_EXAMPLES", "0"))
# JSON Lines streams run by one command (a model load each); more than about 10 overrun Hypothesis's data budget
STREAMS_PER_COMMAND = 10 if LONG_RUN else 12


def _settings(default: int, per_example_divisor: int = 1):
    """``default`` examples, or the long run's number (divided among the streams one example carries)."""
    return settings(max_examples=max(LONG_RUN // per_example_divisor, 1) if LONG_RUN else default,
                    deadline=None, derandomize=not LONG_RUN,  # the long run takes pytest's --hypothesis-seed
                    database=None, print_blob=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


# -- pages -----------------------------------------------------------------------------------
# Fragments written for these tests (English and Chinese), so that some generated pages read like prose.
SENTENCES = (
    "The river fog lifted before noon and the ferry left on time.",
    "Our volunteers planted forty birch trees along the school fence this spring.",
    "Home | News | Sports | Contact",
    "Share this story",
    "© 2031 Example Weekly. All rights reserved.",
    "Read more »",
    "老街的茶馆在清晨六点开门，常客们带着自己的茶杯。",
    "今年夏天雨水偏多，山脚下的稻田比往年绿得更早。",
    "首页 | 新闻 | 体育 | 联系我们",
    "相关阅读",
    "责任编辑：王小明",
    "点击查看更多评论",
)
EMOJI = "😀🎉🐼🌧️👩‍👩‍👧🇨🇳🇺🇸✅"
CONTROLS = "".join(map(chr, [*range(0, 32), 127, 0x85, 0x2028, 0x2029, 0xFEFF, 0x200B]))

any_char = st.characters(exclude_categories=())  # everything, lone surrogates included
line_text = st.one_of(
    st.text(any_char, max_size=40),
    st.text(st.sampled_from(EMOJI + CONTROLS + "中文字 ab\t\r"), max_size=30),
    st.sampled_from(SENTENCES),
    st.tuples(st.sampled_from(SENTENCES), st.integers(50, 400)).map(lambda pair: " ".join([pair[0]] * pair[1])),
    st.integers(1, 300).map(lambda n: "\n" * n),  # runs of blank lines
    st.sampled_from(["", " ", "\t \u3000", "\r\n", "\ud800", "\udc00\ud800", "\x00" * 10]),
)
text_pages = st.lists(line_text, max_size=25).map("\n".join)

# A small tag-soup grammar: nested elements with class/id/hidden/aria-hidden/style, unclosed and stray
# tags, comments, entities and text.
TAGS = ("p", "div", "li", "h1", "script", "style", "br", "a", "table", "td", "span", "noscript", "aside")
WORDS = ("nav", "content", "article-body", "footer", "related", "comment", "share", "menu", "main", "x1",
         "正文", "相关推荐", "广告", "")
ENTITIES = ("&amp;", "&lt;", "&gt;", "&nbsp;", "&#x4e2d;", "&#20013;", "&#0;", "&#xD800;", "&#x1F600;", "&bogus;",
            "&", "&#", "&quot;")


def _attribute_strategy():
    words = st.lists(st.sampled_from(WORDS), max_size=3).map(" ".join)
    return st.one_of(
        words.map(lambda w: f' class="{w}"'),
        words.map(lambda w: f" id='{w}'"),
        st.just(" hidden"),
        st.sampled_from(['aria-hidden="true"', 'aria-hidden="false"']).map(lambda a: " " + a),
        st.sampled_from(["display:none", "visibility: hidden", "color:red", "display : none;"]).map(
            lambda s: f' style="{s}"'),
        st.sampled_from([' href="/x"', " data-x=1", ' class=unquoted', ' title="a>b"']),
    )


html_text = st.one_of(
    st.sampled_from(SENTENCES),
    st.text(any_char, max_size=30),
    st.sampled_from(ENTITIES),
    st.sampled_from(["<", ">", "</", "<!--", "-->", "<!DOCTYPE html>", "<![CDATA[x]]>", "\n\n", "  "]),
)
comments = st.tuples(st.text(any_char, max_size=20), st.sampled_from(["-->"] * 5 + [""])).map(  # 1 in 6 unclosed
    lambda pair: f"<!--{pair[0]}{pair[1]}")


def _element(children):
    return st.tuples(st.sampled_from(TAGS), st.lists(_attribute_strategy(), max_size=3),
                     st.lists(children, max_size=5), st.sampled_from(["closed", "closed", "unclosed", "stray"])).map(
        lambda parts: f"<{parts[0]}{''.join(parts[1])}>{''.join(parts[2])}"
                      + {"closed": f"</{parts[0]}>", "unclosed": "", "stray": "</div></p>"}[parts[3]])


html_fragments = st.recursive(st.one_of(html_text, comments), _element, max_leaves=40)
html_pages = st.tuples(st.booleans(), st.lists(html_fragments, min_size=1, max_size=8)).map(
    lambda parts: ("<html><body>" if parts[0] else "<div>") + "".join(parts[1]))


@pytest.fixture(scope="module")
def content_filter() -> ContentFilter:
    return ContentFilter()


def _valid(text: str) -> str:
    """The page as filterkit reads a str: lone surrogates become U+FFFD (README: output is valid Unicode), and
    no NUL or other C0 control character but tab and newlines is left (README: none is ever output)."""
    return without_controls(text.encode("utf-16", "surrogatepass").decode("utf-16", "replace"))


def _is_subsequence(part: list[str], whole: list[str]) -> bool:
    rest = iter(whole)
    return all(any(item == candidate for candidate in rest) for item in part)


def _input_blocks(page: str, track: str) -> list[str]:
    """The input's paragraphs as filterkit folds them: stripped non-blank lines, or the HTML walk's blocks."""
    page = _valid(page)
    if track == "html":
        return [segment.text for segment in parse_blocks(page)[0]]
    return [line.strip() for line in page.splitlines() if line.strip()]


def _check_result(result, page: str) -> None:
    assert result.ok, result.error
    paragraphs = [p.text for p in result.paragraphs]
    kept = result.text.split("\n\n") if result.text else []
    assert kept == [p.text for p in result.paragraphs if p.label]
    assert _is_subsequence(kept, paragraphs)
    blocks = _input_blocks(page, result.format)
    assert _is_subsequence(paragraphs, blocks), (paragraphs, blocks)
    assert all(text and text == " ".join(text.split()) or result.format == "text" for text in paragraphs)
    result.text.encode("utf-8")  # valid Unicode out, whatever came in (raises on a lone surrogate)
    assert all(0.0 <= p.score <= 1.0 for p in result.paragraphs)


def _check_deterministic(content_filter: ContentFilter, page) -> None:
    alone = next(content_filter.filter_many([page])).to_dict()
    twice = [result.to_dict() for result in content_filter.filter_many([page, page])]
    assert twice == [alone, alone]


@_settings(100)
@given(page=text_pages)
def test_any_text_page_gives_a_subsequence_of_its_lines(content_filter, page):
    results = list(content_filter.filter_many([Page(page, format="text"), page]))
    assert len(results) == 2
    assert results[0].format == "text"
    for result in results:
        _check_result(result, page)
    _check_deterministic(content_filter, page)


@_settings(80)
@given(page=html_pages)
def test_any_html_page_gives_a_subsequence_of_its_blocks(content_filter, page):
    as_html, as_bytes = Page(page, format="html"), page.encode("utf-8", "surrogatepass")
    results = list(content_filter.filter_many([as_html, page, as_bytes, as_html, as_bytes]))
    assert len(results) == 5
    assert results[0].format == "html"
    for result in results[:2]:
        _check_result(result, page)
    again = next(content_filter.filter_many([as_html]))
    assert results[0].to_dict() == results[3].to_dict() == again.to_dict()
    assert results[2].to_dict() == results[4].to_dict()


@_settings(60)
@given(data=st.binary(max_size=2000), content_type=st.sampled_from(
    [None, "text/html", "text/plain; charset=Big5", "text/html; charset=base64", "application/octet-stream"]))
def test_any_bytes_give_a_result_or_an_error_result(content_filter, data, content_type):
    pages = [data, (data, content_type), Page(data, format="html"), Page(data, encoding="gb18030")]
    results = list(content_filter.filter_many(pages, batch_size=3))
    assert len(results) == len(pages)
    for result in results:
        assert result.ok == (result.error is None)
        if result.ok:
            assert result.encoding is not None
            result.text.encode("utf-8")
        else:
            assert result.text == "" and "\n" not in result.error and result.error
    _check_deterministic(content_filter, data)


# -- JSON Lines --------------------------------------------------------------------------------
_BIG = "@@filterkit-big@@"  # replaced by 1e999 in the raw line: a number that is not finite once read
_DEEP = "@@filterkit-deep@@"  # replaced by arrays nested 100,000 deep

extra_values = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True),
    st.text(any_char, max_size=20), st.just(_BIG), st.just(_DEEP),
    st.lists(st.floats(allow_nan=True), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)
page_fields = st.one_of(
    st.fixed_dictionaries({"text": text_pages}),
    st.fixed_dictionaries({"html": html_pages}),
    st.fixed_dictionaries({"html_b64": st.binary(max_size=500).map(lambda b: base64.b64encode(b).decode())}),
    st.fixed_dictionaries({"html_b64": st.sampled_from(["not base64!", "", "YWJj="])}),
    st.fixed_dictionaries({"text": st.one_of(st.integers(), st.none(), st.lists(st.integers(), max_size=2))}),
    st.just({}),
)
options = st.fixed_dictionaries({}, optional={
    "encoding": st.one_of(st.sampled_from(["utf-8", "gb2312", "big5", "shift_jis", "base64", "rot13", "bogus", ""]),
                          st.integers()),
    "content_type": st.sampled_from(["text/html", "text/plain", "text/html; charset=gbk", "x; charset=rot13"]),
})
records = st.tuples(page_fields, options, st.dictionaries(st.sampled_from(["url", "meta", "x", "n", "日期"]),
                                                          extra_values, max_size=3))


def _raw_record(index: int, parts: tuple, ascii_only: bool) -> bytes:
    record = {"i": index, **parts[2], **parts[1], **parts[0]}
    line = json.dumps(record, ensure_ascii=ascii_only)  # NaN, Infinity, -Infinity as Python writes them
    line = line.replace(json.dumps(_BIG), "1e999").replace(json.dumps(_DEEP), "[" * 100_000 + "]" * 100_000)
    return line.encode("utf-8", "surrogatepass")  # (a lone surrogate unescaped: bytes that are not UTF-8)


garbage_lines = st.one_of(
    st.binary(max_size=60).map(lambda b: b.replace(b"\n", b"")),
    st.sampled_from([b"", b"   ", b"\r", b"null", b"[1, 2]", b'"text"', b"42", b"{", b'{"text": "a"', b"NaN",
                     b'{"text": "\\ud800"}', b'{"text": "a", "x": NaN}', b"\xef\xbb\xbf{}", b"[" * 5000]),
)
line_specs = st.lists(st.one_of(st.tuples(st.just("record"), records, st.booleans()),
                                st.tuples(st.just("garbage"), garbage_lines)), max_size=12)


def _stream(specs: list, first_index: int = 0) -> tuple[list[bytes], list[int | None]]:
    """The lines of a JSON Lines stream and, per line, the index its output must carry (None: an error line)."""
    lines, indexes = [], []
    for spec in specs:
        if spec[0] == "record":
            index = first_index + len(lines)
            lines.append(_raw_record(index, spec[1], spec[2]))
            indexes.append(index)
        else:
            lines.append(spec[1])
            indexes.append(None)
    return lines, indexes


def _no_lone_surrogates(value) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            item.encode("utf-8")
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item)
            stack.extend(item.values())
    return True


def _refuse_constant(name: str):
    raise AssertionError(f"non-standard JSON constant {name} in the output")


def _check_output_line(line: bytes | str, index: int | None) -> None:
    text = line.decode("utf-8") if isinstance(line, bytes) else line  # strict UTF-8
    text.encode("utf-8")
    assert "\n" not in text
    record = json.loads(text, parse_constant=_refuse_constant)
    assert isinstance(record, dict)
    assert _no_lone_surrogates(record)
    if index is None:  # a line that is no record of ours: any one strict line will do
        return
    if record.get("i") != index:
        assert set(record) == {"error"}, record  # only a record that cannot be read back loses its fields
        return
    assert ("error" in record) != ("main" in record), record
    if "main" in record:
        assert isinstance(record["main"], str) and isinstance(record["lang"], str)
    for key, value in record.items():
        assert not (isinstance(value, float) and not math.isfinite(value))


@pytest.fixture(scope="module")
def jsonl_worker(content_filter):
    from filterkit import cli

    options = cli._options(cli._parser().parse_args(["--jsonl"]))
    cli._worker.update(filter=content_filter, options=options)
    yield cli._work
    cli._worker.clear()


@_settings(100)
@given(specs=line_specs)
def test_the_jsonl_worker_writes_one_strict_line_per_line_in_order(jsonl_worker, specs):
    lines, indexes = _stream(specs)
    outputs = jsonl_worker([("record", line + b"\n") for line in lines])
    assert len(outputs) == len(lines)
    for (line, ok), index in zip(outputs, indexes):
        assert line is not None
        _check_output_line(line, index)
        assert ok == ("error" not in json.loads(line))


def run_jsonl_command(data: bytes, *options: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(CHECKOUT), "LC_ALL": "C"}
    return subprocess.run([sys.executable, "-m", "filterkit", "--jsonl", "--quiet", *options], input=data,
                          capture_output=True, cwd=CHECKOUT, env=env, timeout=600)


@_settings(4, per_example_divisor=STREAMS_PER_COMMAND)
@given(streams=st.lists(line_specs, min_size=STREAMS_PER_COMMAND if LONG_RUN else 1, max_size=STREAMS_PER_COMMAND),
       jobs=st.sampled_from(["1", "2"]))
def test_the_command_writes_one_strict_line_per_line_in_order(streams, jobs):
    lines: list[bytes] = []
    indexes: list[int | None] = []
    for specs in streams:  # streams one after another, each new index after the last: boundaries stay visible
        more_lines, more_indexes = _stream(specs, len(lines))
        lines += more_lines
        indexes += more_indexes
    data = b"".join(line + b"\n" for line in lines)
    done = run_jsonl_command(data, "--jobs", jobs, "--batch-size", "7")
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    assert b"Traceback" not in done.stderr
    out = done.stdout.split(b"\n")
    assert out[-1] == b""
    assert len(out) - 1 == len(lines)
    for line, index in zip(out, indexes):
        _check_output_line(line, index)
