"""Language-aware tokens: jieba words for Chinese, word tokens for alphabetic scripts.

A paragraph is split into script runs, so a Chinese sentence quoting an English name
gets jieba words for the Chinese and a word token for the name. jieba and its
dictionary (about a second to load) are brought in only for a page that has Han text.
Digits are folded to 0 so that dates and counts share their tokens across pages.
"""
from __future__ import annotations

import logging
import re
import threading
from functools import lru_cache

from filterkit.scripts import CJK, SCRIPT_RUN

_DIGIT = re.compile(r"\d")
_WORD = re.compile(f"[^\\W{CJK}]+")
_jieba = None
HAN_RUN_CACHE = 200_000  # distinct Han runs whose words are remembered
_jieba_lock = threading.Lock()


def _segmenter():
    """jieba, initialised once per process and thread-safe to start."""
    global _jieba
    if _jieba is None:
        with _jieba_lock:
            if _jieba is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)  # its start-up chatter would reach a CLI user's stderr
                jieba.initialize()
                _jieba = jieba
    return _jieba


@lru_cache(maxsize=HAN_RUN_CACHE)
def _han_words(run: str) -> tuple[str, ...]:
    """jieba's words of one run of Han characters, remembered: menus, bylines and footers repeat."""
    return tuple(_segmenter().lcut(run, HMM=False))


def tokenize(text: str, has_cjk: bool = True, has_digits: bool = True) -> list[str]:
    """Lower-cased tokens of one paragraph, in order.

    ``has_cjk=False`` and ``has_digits=False`` are promises (the batch's character counts
    know them) that take faster paths.
    """
    if not has_cjk:
        lowered = text.lower()
        return _WORD.findall(_DIGIT.sub("0", lowered) if has_digits else lowered)
    tokens: list[str] = []
    for match in SCRIPT_RUN.finditer(text.lower()):
        run = match.group()
        if match.lastgroup == "han":
            tokens.extend(_han_words(run))
        elif match.lastgroup == "word":
            tokens.append(_DIGIT.sub("0", run))
        else:  # kana and hangul: characters, which no dictionary here segments better
            tokens.extend(run)
    return tokens
