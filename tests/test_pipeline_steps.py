"""The steps before the model: paragraphs, decoding, language, tokens."""
import subprocess
import sys

import numpy as np
import pytest

from filterkit.analysis import analyse
from filterkit.decoding import UndecodableInput, decode
from filterkit.language import UNDETERMINED, script_language
from filterkit.paragraphs import split_paragraphs
from filterkit.tokens import tokenize


def test_paragraphs_keep_text_and_layout_facts():
    page = "Title here\n\n  发布时间:2025-01-01  作者:小编\nLine two.\n\n    indented teaser cut mid-wo\n"
    segments = split_paragraphs(page)
    assert [s.text for s in segments] == ["Title here", "发布时间:2025-01-01  作者:小编", "Line two.",
                                          "indented teaser cut mid-wo"]
    assert [s.indent for s in segments] == [0, 2, 0, 4]
    assert [s.gap_before for s in segments] == [True, True, False, True]
    assert [s.gap_after for s in segments] == [True, False, True, True]
    assert split_paragraphs("") == [] and split_paragraphs(" \n\t\n") == []


def test_decoding_rule():
    assert decode("中文".encode("gbk")) == ("中文", "gb18030")
    assert decode("é".encode("utf-8")) == ("é", "utf-8")
    assert decode(b"\xef\xbb\xbfbom") == ("bom", "utf-8")
    assert decode("<meta charset=gb2312>新闻".encode("gbk"), html=True)[0].endswith("新闻")
    assert decode(b"caf\xe9", encoding="latin-1") == ("café", "cp1252")
    with pytest.raises(UndecodableInput, match="--encoding"):
        decode(bytes(range(128, 256)) * 4)


def test_script_decides_without_detector():
    assert script_language(han=10, kana=0, hangul=0, letters=0) == "zh"
    assert script_language(han=5, kana=4, hangul=0, letters=0) == "ja"
    assert script_language(han=0, kana=0, hangul=8, letters=0) == "ko"
    assert script_language(han=0, kana=0, hangul=0, letters=5) == UNDETERMINED
    assert script_language(han=0, kana=0, hangul=0, letters=40) is None  # left to langdetect


def test_languages_are_deterministic_iso_codes():
    page = ("The council met on Tuesday to discuss the new budget for the coming year, and agreed on most of it.\n"
            "市政府昨天召开会议，讨论明年的财政预算安排。\n• Tag:\n"
            "Der Stadtrat hat am Dienstag über den neuen Haushalt für das kommende Jahr beraten.\n")
    runs = [analyse([page]).langs for _ in range(3)]
    assert runs[0] == runs[1] == runs[2]
    assert runs[0][1] == "zh" and runs[0][2] == UNDETERMINED
    assert runs[0][0] == "en"
    assert analyse([page]).page_langs == ["en"]


def test_a_short_line_the_detector_is_unsure_of_is_asked_again():
    # Two of langdetect's random restarts call this line Danish; its default seven, English.
    assert analyse(["Riverside market reopens after the floods of last year, traders say."]).langs == ["en"]


def test_tokens_split_mixed_paragraphs_by_script():
    assert tokenize("我们在Westmere港口 2025年") == ["我们", "在", "westmere", "港口", "0000", "年"]
    assert tokenize("Hello, World 42", has_cjk=False) == ["hello", "world", "00"]


def test_jieba_only_loaded_for_chinese_pages():
    code = ("import sys; from filterkit.analysis import analyse; analyse(['An English page.\\nWith lines.']); "
            "print('jieba' in sys.modules); analyse(['中文页面']); print('jieba' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "True"]


def test_batch_offsets_and_empty_pages():
    batch = analyse(["a\nb", "", "c"])
    assert batch.offsets.tolist() == [0, 2, 2, 3]
    assert batch.page_index.tolist() == [0, 0, 2]
    assert batch.page_langs[1] == UNDETERMINED
    assert isinstance(batch.offsets, np.ndarray)
