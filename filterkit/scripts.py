"""Writing systems of characters: which script a run of text is in.

Han, kana and hangul are told apart by code-point ranges; they decide a paragraph's
language without a statistical detector and are tokenised differently from alphabetic
scripts, which separate words with spaces.
"""
from __future__ import annotations

import re

HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f"
KANA = "\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f"
HANGUL = "\u1100-\u11ff\u3130-\u318f\uac00-\ud7af"
CJK = HAN + KANA + HANGUL

# A run of one script: Han, kana, hangul, or a word of any other (alphabetic) script.
SCRIPT_RUN = re.compile(f"(?P<han>[{HAN}]+)|(?P<kana>[{KANA}]+)|(?P<hangul>[{HANGUL}]+)|(?P<word>[^\\W{CJK}]+)")
# The benchmark's scoring token: one Han/kana/hangul character, or a run of other word characters.
SCORING_TOKEN = re.compile(f"[{CJK}]|[^\\W{CJK}]+")
_CJK_CHAR = re.compile(f"[{CJK}]")
_LETTER = re.compile(r"[^\W\d_]")


def cjk_share(text: str) -> float:
    """Share of the text's letters that are Han, kana or hangul characters."""
    letters = len(_LETTER.findall(text))
    return len(_CJK_CHAR.findall(text)) / letters if letters else 0.0
